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
    run.add_argument("--as-of", help="as-of date YYYY-MM-DD (default: last complete day in data)")
    run.add_argument(
        "--select",
        help="Dagster asset selection, e.g. 'key:\"bronze/accounts\"+' (default: everything)",
    )
    run.add_argument("--period", help="only this invoice delivery month (YYYY-MM): a backfill")
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

    docs = commands.add_parser("docs", help="build (and optionally serve) the dbt docs site")
    add_location(docs)
    docs.add_argument("--serve", action="store_true")
    docs.add_argument("--port", type=int, default=8080)

    rollback = commands.add_parser("rollback", help="point BI back at an earlier version")
    add_location(rollback)
    rollback.add_argument("--to", help="version name (default: the one before the current)")

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
        "check": _check,
        "quarantine": _quarantine,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


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
    from pipelines.cli.environment import configure
    from pipelines.cli.run import describe, run_pipeline
    from pipelines.lib.config import ConfigError

    try:
        if args.target:
            os.environ["KAM_DBT_TARGET"] = args.target
        settings = configure(home=args.home, landing=args.landing, config=args.config)
        if settings.dbt_target != "duckdb":
            print(
                f"target {settings.dbt_target}: marts are built in the engine's schema marts; "
                "the CLV fit and the DuckDB publish step are not part of this run",
                file=sys.stderr,
            )
        if not settings.landing.is_dir():
            print(f"error: landing folder {settings.landing} does not exist", file=sys.stderr)
            return 2
        print(f"kam run: landing {settings.landing} -> home {settings.home}", file=sys.stderr)
        outcome = run_pipeline(
            settings,
            select=args.select,
            as_of=args.as_of,
            period=args.period,
            force=args.force,
            wait_seconds=args.wait,
        )
    except (ConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(describe(outcome), file=sys.stdout if outcome.success else sys.stderr)
    return 0 if outcome.success else 1


def _status(args: argparse.Namespace) -> int:
    from pipelines.cli.environment import configure
    from pipelines.cli.status import describe_status

    print(describe_status(configure(home=args.home, config=args.config)))
    return 0


def _dev(args: argparse.Namespace) -> int:
    from pipelines.cli.environment import configure

    configure(home=args.home, config=args.config)
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-m", "pipelines.definitions", "-p", str(args.port)]
    os.execv(command[0], command)
    return 0  # unreachable: execv replaces this process


def _docs(args: argparse.Namespace) -> int:
    from pipelines.cli.environment import configure
    from pipelines.defs.dbt.project import DBT_PROJECT_DIR
    from pipelines.lib.dbt_runner import run_dbt

    settings = configure(home=args.home, config=args.config)
    if not settings.build_db.is_file():
        print("error: nothing built yet; run `kam run` first", file=sys.stderr)
        return 2
    run_dbt(["docs", "generate"], project_dir=DBT_PROJECT_DIR)
    print(f"docs site: {DBT_PROJECT_DIR / 'target' / 'index.html'}")
    if args.serve:
        run_dbt(
            ["docs", "serve", "--port", str(args.port), "--no-browser"],
            project_dir=DBT_PROJECT_DIR,
            capture=False,
        )
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from pipelines.cli.environment import configure
    from pipelines.lib.publish import PublishError, rollback

    settings = configure(home=args.home, config=args.config)
    try:
        version = rollback(settings.published_dir, args.to)
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"published/kam.duckdb now points at version {version}")
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
