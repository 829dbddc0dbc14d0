"""Time the CLV fit + prediction on synthetic accounts drawn from a known BG/NBD + GG process.

    .venv/bin/python -m benchmarks.bench_clv [--accounts 50000] [--seed 0] [--repeats 3]

(run from the repository root). Results are recorded in docs/clv.md.

Prints the wall-clock time of `predict_account_clv` (both fits, P(alive), expected purchases,
12 and 36 month CLV) and the fitted parameters next to the generating ones, so one run is also a
parameter-recovery check at scale. The target is under 10 s for 50,000 accounts (docs/clv.md).
Purchases are counted per calendar day, as in production, which thins very frequent buyers a
little; expect r and alpha a few percent above the generating values for that reason.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.predict import predict_account_clv
from pipelines.lib.clv.simulate import simulate_summary

# Roughly a distributor's key accounts: a purchase day every ~7 weeks, moderate dropout,
# order values around BRL 1,600 with wide spread between accounts.
TRUE_PURCHASES = BgNbdParams(r=0.8, alpha=6.0, a=0.9, b=4.0)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=800.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    summary = simulate_summary(args.accounts, TRUE_PURCHASES, TRUE_SPEND, seed=args.seed)
    print(f"simulated {len(summary):,} accounts in {time.perf_counter() - started:.2f} s")
    print(
        f"repeat buyers {int((summary['frequency'] > 0).sum()):,}, "
        f"mean frequency {summary['frequency'].mean():.2f}, max {summary['frequency'].max()}"
    )

    timings = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = predict_account_clv(summary)
        timings.append(time.perf_counter() - started)
    print(
        f"fit + predict: best {min(timings):.2f} s, median {np.median(timings):.2f} s "
        f"over {args.repeats} run(s)"
    )
    truth = {"bg_nbd": TRUE_PURCHASES.as_dict(), "gamma_gamma": TRUE_SPEND.as_dict()}
    for fit in result.fits:
        print(
            f"{fit.model}: converged={fit.converged} LL={fit.log_likelihood:,.1f} ({fit.message})"
        )
        for name, value in fit.parameters.items():
            expected = truth[fit.model].get(name)
            suffix = f"  (true {expected:g}, {value / expected - 1:+.1%})" if expected else ""
            print(f"  {name:>16} = {value:12.4f}{suffix}")
    totals = result.accounts[["expected_purchases_12m", "clv_12m", "clv_36m"]].sum()
    print("portfolio totals: " + ", ".join(f"{k} {v:,.0f}" for k, v in totals.items()))
    return 0 if result.converged else 1


if __name__ == "__main__":
    raise SystemExit(main())
