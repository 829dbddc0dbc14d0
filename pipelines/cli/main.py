"""Argument parsing and dispatch for `kam`. Each command's work lives in its own module."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
import warnings
from datetime import date
from pathlib import Path

from pipelines.lib.config_errors import ConfigError
from pipelines.lib.run_options import parse_as_of_date, parse_period


def _checked(parse):
    """An argparse type from a run-option parser: a bad value is a usage error (exit 2) that
    says what was expected, before any work starts."""

    def check(value: str) -> str:
        try:
            parse(value)
        except ConfigError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return value

    check.__name__ = parse.__name__.removeprefix("parse_")
    return check


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kam", description="KAM warehouse: landing exports -> bronze -> marts -> BI"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write realistic sample landing files")
    generate.add_argument("--out", required=True, help="landing folder to write")
    generate.add_argument("--accounts", type=int, default=300)
    generate.add_argument("--years", type=int, default=3)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--defect-rate", type=float, default=0.0)
    generate.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))

    def add_location(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--home", help="KAM home (default KAM_HOME or ./data)")
        sub.add_argument("--config", help="kam.yml to use (default KAM_CONFIG or ./kam.yml)")

    run = commands.add_parser("run", help="run the pipeline and publish when every check passes")
    add_location(run)
    run.add_argument("--landing", help="landing folder (default <home>/landing)")
    run.add_argument(
        "--as-of",
        type=_checked(parse_as_of_date),
        help="as-of date YYYY-MM-DD (default: last complete day in data)",
    )
    run.add_argument(
        "--select",
        help="Dagster asset selection, e.g. 'key:\"bronze/accounts\"+' (default: everything; "
        "`kam assets` lists the keys)",
    )
    run.add_argument(
        "--period",
        type=_checked(parse_period),
        help="only this invoice delivery month (YYYY-MM): a backfill",
    )
    run.add_argument("--force", action="store_true", help="reload files already loaded")
    run.add_argument(
        "--target",
        choices=("duckdb", "postgres", "spark"),
        help="dbt target (default: kam.yml dbt.target or KAM_DBT_TARGET, else duckdb)",
    )
    run.add_argument(
        "--wait",
        type=float,
        default=None,
        help="seconds to wait for a running writer (default: forever)",
    )

    status = commands.add_parser("status", help="what is published and how the last run went")
    add_location(status)

    dev = commands.add_parser("dev", help="the Dagster UI over the same definitions")
    add_location(dev)
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--host", default="127.0.0.1", help="address the UI listens on")

    commands.add_parser("assets", help="the asset keys `kam run --select` accepts, by group")

    docs = commands.add_parser("docs", help="build (and optionally serve) the dbt docs site")
    add_location(docs)
    docs.add_argument("--serve", action="store_true")
    docs.add_argument("--port", type=int, default=8080)

    report = commands.add_parser("report", help="the review pack: cockpit, KAM and account pages")
    add_location(report)
    report.add_argument(
        "--lang", choices=("pt", "en"), help="default: kam.yml report.language (pt)"
    )
    report.add_argument("--version", help="published version (default: the current one)")
    report.add_argument("--no-pdf", action="store_true", help="HTML pages only, no Chromium")

    rollback = commands.add_parser("rollback", help="point BI back at an earlier version")
    add_location(rollback)
    rollback.add_argument("--to", help="version name (default: the one before the current)")
    rollback.add_argument(
        "--wait",
        type=float,
        default=None,
        help="seconds to wait for a running writer (default: forever)",
    )

    check = commands.add_parser(
        "check", help="dry run: what a run would load, exclude, quarantine; which marts go empty"
    )
    add_location(check)
    check.add_argument("--landing", help="landing folder (default <home>/landing)")

    quarantine = commands.add_parser("quarantine", help="list quarantined and excluded rows")
    add_location(quarantine)
    quarantine.add_argument("--entity", help="only this entity (e.g. invoice_lines)")
    quarantine.add_argument("--load", help="only this load id (a failed run names it)")
    quarantine.add_argument("--disposition", choices=("quarantined", "excluded"))
    quarantine.add_argument("--limit", type=int, default=50, help="rows shown (default 50)")
    return parser


def entry_point() -> None:
    """The `kam` command: run `main`, then leave without the interpreter's teardown.

    By the time a command returns, everything it wrote is closed (DuckDB files, the Dagster event
    log, the published version). Tearing the interpreter down after a run still took about 2 s
    (finalizing the Dagster, dbt, GX and DuckDB modules) and made DuckDB's Python bindings print
    a page of "nanobind: leaked ..." warnings: module teardown order, no connection is left open
    (checked). So the command runs the registered exit functions, flushes its output and exits.
    `main` itself returns normally, for callers in Python.
    """
    code = main()
    # The exit functions still run (they release multiprocessing semaphores, flush logging);
    # only the interpreter's module teardown is skipped.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Dagster flags some APIs this project relies on (single-run backfills) as beta; the CLI's
    # output is for people running the pipeline, so those notices stay in the UI and logs.
    warnings.filterwarnings("ignore", module="dagster")
    warnings.filterwarnings("ignore", category=UserWarning, module="pydantic")
    handler = {
        "generate": _generate,
        "run": _run,
        "status": _status,
        "dev": _dev,
        "docs": _docs,
        "rollback": _rollback,
        "assets": _assets,
        "report": _report,
        "check": _check,
        "quarantine": _quarantine,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        # A person's mistake or a full disk: its message, once, never a traceback.
        from pipelines.cli.errors import plain_message

        plain = plain_message(error)
        if plain is None:
            raise
        message, code = plain
        print(f"error: {message}", file=sys.stderr)
        return code


def _generate(args: argparse.Namespace) -> int:
    from pipelines.lib.sample_data import generate_landing

    started = time.monotonic()
    summary = generate_landing(
        Path(args.out),
        accounts=args.accounts,
        years=args.years,
        seed=args.seed,
        defect_rate=args.defect_rate,
        end_date=args.end_date,
        progress=lambda message: print(f"  {message}", file=sys.stderr, flush=True),
    )
    print(summary.describe())
    print(f"written to {Path(args.out).resolve()} in {time.monotonic() - started:.1f} s")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Check everything the command line and kam.yml say before the first step starts."""
    from pipelines.cli.environment import configure, dagster_home
    from pipelines.cli.run import describe, invoice_months, run_pipeline
    from pipelines.cli.selection import checked_selection
    from pipelines.lib.disk_full import DiskFullError, disk_full_message

    settings = configure(
        home=args.home, landing=args.landing, config=args.config, dbt_target=args.target
    )
    if not settings.landing.is_dir():
        print(f"error: landing folder {settings.landing} does not exist", file=sys.stderr)
        return 2
    months = invoice_months(settings)
    if args.period:
        if args.period not in months:
            print(
                f"error: no invoice files for period {args.period} in {settings.landing}; "
                f"months found: {', '.join(months) or 'none'}",
                file=sys.stderr,
            )
            return 2
        months = [args.period]
    from pipelines.definitions import defs  # the asset graph: only once the options are valid

    selection, _ = checked_selection(args.select, settings.dbt_target, defs.resolve_asset_graph())
    if settings.dbt_target != "duckdb":
        print(
            f"target {settings.dbt_target}: marts are built in the engine's schema marts; "
            "the CLV fit and the DuckDB publish step are not part of this run",
            file=sys.stderr,
        )
    print(f"kam run: landing {settings.landing} -> home {settings.home}", file=sys.stderr)
    try:
        outcome = run_pipeline(
            settings,
            selection,
            months=months,
            as_of=args.as_of,
            force=args.force,
            wait_seconds=args.wait,
        )
    except Exception as error:
        # Dagster's own run storage (SQLite under <home>/dagster) names no file when full.
        message = disk_full_message(error, where=dagster_home(settings))
        if message is None:
            raise
        raise DiskFullError(message) from None
    print(describe(outcome), file=sys.stdout if outcome.success else sys.stderr)
    return 0 if outcome.success else 1


def _status(args: argparse.Namespace) -> int:
    from pipelines.cli.environment import configure
    from pipelines.cli.status import describe_status

    print(describe_status(configure(home=args.home, config=args.config)))
    return 0


def _dev(args: argparse.Namespace) -> int:
    from pipelines.cli.dev import serve
    from pipelines.cli.environment import configure

    settings = configure(home=args.home, config=args.config)
    return serve(settings, port=args.port, host=args.host)


def _docs(args: argparse.Namespace) -> int:
    from pipelines.cli.docs import build_docs, serve_docs
    from pipelines.cli.environment import configure

    settings = configure(home=args.home, config=args.config)
    if not settings.build_db.is_file():
        print("error: nothing built yet; run `kam run` first", file=sys.stderr)
        return 2
    site = build_docs(settings, on_wait=lambda message: print(message, file=sys.stderr, flush=True))
    print(f"docs site: {site / 'index.html'}")
    if args.serve:
        serve_docs(settings, port=args.port)
    return 0


def _assets(args: argparse.Namespace) -> int:
    from pipelines.cli.selection import describe_asset_keys
    from pipelines.definitions import defs

    print(describe_asset_keys(defs.resolve_asset_graph()))
    return 0


def _rollback(args: argparse.Namespace) -> int:
    """Switch BI back to an earlier version, holding the writer lock like a run: a rollback
    during a run waits for it (or gives up after --wait), instead of being overwritten by the
    run's publish a moment later."""
    from pipelines.cli.environment import configure
    from pipelines.lib.publish import PublishError, rollback
    from pipelines.lib.writer_lock import WriterBusyError, writer_lock

    settings = configure(home=args.home, config=args.config)
    try:
        with writer_lock(
            settings.home,
            wait_seconds=args.wait,
            on_wait=lambda message: print(message, file=sys.stderr, flush=True),
        ):
            version = rollback(settings.published_dir, args.to)
    except WriterBusyError as error:
        print(f"error: {error}; nothing was rolled back", file=sys.stderr)
        return 2
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"published/kam.duckdb now points at version {version}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from pipelines.cli.report import build_report
    from pipelines.lib.config import ConfigError, load_settings
    from pipelines.lib.report import ReportError

    try:
        summary = build_report(load_settings(args.config, home=args.home), args)
    except (ConfigError, ReportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary.describe())
    return 0


def _check(args: argparse.Namespace) -> int:
    from pipelines.cli.check import describe_check
    from pipelines.lib.config import ConfigError, load_settings
    from pipelines.lib.ingest.dry_run import check_landing
    from pipelines.lib.ingest.errors import DiskFullError

    try:  # the configuration first: a config error is what a run would stop on
        settings = load_settings(args.config, home=args.home, landing=args.landing)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not settings.landing.is_dir():
        print(f"error: landing folder {settings.landing} does not exist", file=sys.stderr)
        return 2
    try:
        result = check_landing(settings)
    except DiskFullError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(describe_check(result))
    return 1 if result.fails else 0


def _quarantine(args: argparse.Namespace) -> int:
    from pipelines.cli.quarantine import describe_quarantine
    from pipelines.lib.config import ConfigError, load_settings
    from pipelines.lib.contract import ENTITIES

    if args.entity is not None and args.entity not in ENTITIES:
        print(
            f"error: unknown entity {args.entity!r}; expected one of {', '.join(ENTITIES)}",
            file=sys.stderr,
        )
        return 2
    try:
        settings = load_settings(args.config, home=args.home)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        describe_quarantine(
            settings,
            entity=args.entity,
            load_id=args.load,
            disposition=args.disposition,
            limit=max(args.limit, 1),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
