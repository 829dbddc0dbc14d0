"""CLV: speed at scale, and calibration/holdout reports (results recorded in docs/clv.md).

    .venv/bin/python -m benchmarks.bench_clv [speed] [--accounts 50000] [--seed 0] [--repeats 3]
    .venv/bin/python -m benchmarks.bench_clv holdout --cdnow
    .venv/bin/python -m benchmarks.bench_clv holdout --home DIR --calibration-end YYYY-MM-DD

(run from the repository root).

`speed` draws accounts from a known BG/NBD + Gamma-Gamma process and times the two fits alone,
then `predict_account_clv` as a whole (both fits with their diagnostics, P(alive), expected
purchases, 12 and 36 month CLV, 80 % intervals from 200 parameter draws). It also prints the
fitted parameters next to the generating ones, so one run is a parameter-recovery check at scale.
Purchases are counted per calendar day, as in production, which thins very frequent buyers a
little; expect r and alpha a few percent above the generating values for that reason.

`holdout` fits on the purchase days up to the calibration end and compares, per calibration
frequency (0, 1, ..., 6, 7+), the predicted repeat purchase days of the holdout period with the
actual ones. `--cdnow` uses the CDNOW sample in tests/data/cdnow (calibration to 1997-09-30,
holdout to 1998-06-30); `--home` a built KAM home (its account purchase days, as clv_summary
counts them), holdout from the calibration end to the home's as-of date.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from pipelines.lib.clv import bgnbd, gamma_gamma, predict_account_clv, summarise_transactions
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.fallback import run_rate
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.simulate import simulate_summary

# Roughly a distributor's key accounts: a purchase day every ~7 weeks, moderate dropout,
# order values around BRL 1,600 with wide spread between accounts.
TRUE_PURCHASES = BgNbdParams(r=0.8, alpha=6.0, a=0.9, b=4.0)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=800.0)
CDNOW = Path(__file__).resolve().parents[1] / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"


def speed(accounts: int, seed: int, repeats: int) -> int:
    started = time.perf_counter()
    summary = simulate_summary(accounts, TRUE_PURCHASES, TRUE_SPEND, seed=seed)
    print(f"simulated {len(summary):,} accounts in {time.perf_counter() - started:.2f} s")
    print(
        f"repeat buyers {int((summary['frequency'] > 0).sum()):,}, "
        f"mean frequency {summary['frequency'].mean():.2f}, max {summary['frequency'].max()}"
    )
    fits, totals = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        # Under the same single-threaded BLAS as predict_account_clv, for a fair split.
        with threadpool_limits(limits=1, user_api="blas"):
            bgnbd.fit(
                summary["frequency"],
                summary["recency_weeks"],
                summary["t_weeks"],
                min_repeat_buyers=10,
            )
            gamma_gamma.fit(
                summary["frequency"],
                summary["monetary_value"],
                min_repeat_buyers=10,
                min_q_lower_bound=1,
            )
        fits.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = predict_account_clv(summary)
        totals.append(time.perf_counter() - started)
    print(
        f"fits alone: best {min(fits):.2f} s, median {np.median(fits):.2f} s; "
        f"whole predict_account_clv (fits, valuation, intervals): best {min(totals):.2f} s, "
        f"median {np.median(totals):.2f} s over {repeats} run(s)"
    )
    truth = {"bg_nbd": TRUE_PURCHASES.as_dict(), "gamma_gamma": TRUE_SPEND.as_dict()}
    for fit in result.fits:
        print(f"{fit.model}: {fit.status.value} LL={fit.log_likelihood:,.1f}")
        for name, value in fit.parameters.items():
            expected = truth[fit.model][name]
            error = fit.standard_errors.get(name)
            shown = f"{error:.4f}" if error is not None else "n/a"
            print(
                f"  {name:>6} = {value:12.4f} (se {shown})  "
                f"(true {expected:g}, {value / expected - 1:+.1%})"
            )
    columns = ["expected_purchases_12m", "clv_12m", "clv_36m"]
    totals_row = result.accounts[[*columns, "clv_12m_p10", "clv_12m_p90"]].sum()
    print("portfolio totals: " + ", ".join(f"{k} {v:,.0f}" for k, v in totals_row.items()))
    return 0


def cdnow_days() -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["master_id", "account_id", "date", "cds", "value"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return (
        raw[["account_id", "date", "value"]],
        pd.Timestamp("1997-09-30"),
        pd.Timestamp("1998-06-30"),
    )


def home_days(home: Path) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Purchase days (positive net revenue) of a built home, and its as-of date."""
    with duckdb.connect(str(home / "build" / "kam.duckdb"), read_only=True) as con:
        days = con.execute(
            "select * from intermediate.int_sales__account_days where is_purchase_day"
        ).df()
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
    revenue = next(c for c in days.columns if c.startswith("net_revenue"))
    days = days.rename(columns={"invoice_date": "date", revenue: "value"})
    return days[["account_id", "date", "value"]], pd.Timestamp(as_of)


def holdout(days: pd.DataFrame, calibration_end: pd.Timestamp, holdout_end: pd.Timestamp) -> None:
    calibration = summarise_transactions(days, as_of=calibration_end)
    weeks = (holdout_end - calibration_end).days / 7.0
    result = predict_account_clv(calibration)
    purchases, spend = result.fits
    print(
        f"{len(calibration):,} accounts, calibration to {calibration_end.date()}, holdout "
        f"{weeks:.1f} weeks to {holdout_end.date()}; bg_nbd {purchases.status.value}, "
        f"gamma_gamma {spend.status.value}"
    )
    x = calibration["frequency"].to_numpy(float)
    # The model's prediction (with the fit's own parameters, used or not) next to the run-rate
    # fallback's, so the report also shows what the fallback would have given.
    params = BgNbdParams(**purchases.parameters) if purchases.parameters else None
    model = (
        bgnbd.conditional_expected_purchases(
            params, weeks, x, calibration["recency_weeks"], calibration["t_weeks"]
        )
        if params is not None
        else np.full(len(x), np.nan)
    )
    rate = run_rate(calibration["repeat_purchase_days_52w"], calibration["t_weeks"]) * weeks
    late = days[(days["date"] > calibration_end) & (days["date"] <= holdout_end)]
    counts = late.assign(date=pd.to_datetime(late["date"]).dt.normalize())
    counts = counts.drop_duplicates(["account_id", "date"]).groupby("account_id").size()
    actual = counts.reindex(calibration["account_id"].to_numpy(), fill_value=0).to_numpy()
    frame = pd.DataFrame(
        {"group": np.minimum(x, 7).astype(int), "model": model, "rate": rate, "actual": actual}
    )
    used = "BG/NBD" if purchases.uses_model else "run rate"
    print(
        f"\npredictions used in account_clv: {used}\n\n"
        "| calibration x | accounts | actual per account | BG/NBD per account "
        "| run rate per account | actual total | BG/NBD total | run rate total |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    groups = [(("7+" if g == 7 else str(g)), rows) for g, rows in frame.groupby("group")]
    for label, rows in [*groups, ("all", frame)]:
        print(
            f"| {label} | {len(rows):,} | {rows['actual'].mean():.3f} | "
            f"{rows['model'].mean():.3f} | {rows['rate'].mean():.3f} | "
            f"{rows['actual'].sum():,} | {rows['model'].sum():,.1f} | {rows['rate'].sum():,.1f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    timing = commands.add_parser("speed")
    timing.add_argument("--accounts", type=int, default=50_000)
    timing.add_argument("--seed", type=int, default=0)
    timing.add_argument("--repeats", type=int, default=3)
    report = commands.add_parser("holdout")
    report.add_argument("--cdnow", action="store_true")
    report.add_argument("--home", type=Path)
    report.add_argument("--calibration-end", type=pd.Timestamp)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("speed", "holdout", "-h", "--help"):
        argv.insert(0, "speed")  # `bench_clv [--accounts N]`, as benchmarks/run_all.py calls it
    args = parser.parse_args(argv)
    if args.command == "speed":
        return speed(args.accounts, args.seed, args.repeats)
    if args.cdnow:
        holdout(*cdnow_days())
        return 0
    if args.home is None or args.calibration_end is None:
        parser.error("holdout needs --cdnow, or --home and --calibration-end")
    days, as_of = home_days(args.home)
    holdout(days, args.calibration_end, as_of)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
