"""The whole asset job under Dagster's in-process or multiprocess executor, for comparison.

    .venv/bin/python -m benchmarks.executors --executor in_process|multiprocess
        --home DIR --landing DIR [--max-concurrent 2]

(run from the repository root). Same definitions, resources and partition tags as `kam run`
(pipelines/cli/run.py); only the executor differs. The multiprocess executor starts one process
per step (each re-imports the code location), so the comparison shows what per-step process
start-up costs against what running independent ingest steps side by side saves on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time

import dagster as dg

JOB_NAME = "kam_bench_executor"
MAX_CONCURRENT = 2


def _job(executor: dg.ExecutorDefinition) -> dg.JobDefinition:
    from pipelines.definitions import defs

    job = dg.define_asset_job(JOB_NAME, selection="*", executor_def=executor)
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(JOB_NAME)


def in_process_job() -> dg.JobDefinition:
    return _job(dg.in_process_executor)


def multiprocess_job() -> dg.JobDefinition:
    return _job(dg.multiprocess_executor.configured({"max_concurrent": MAX_CONCURRENT}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=("in_process", "multiprocess"), required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--landing", required=True)
    args = parser.parse_args(argv)

    from benchmarks import executors as this_module
    from pipelines.cli.environment import configure
    from pipelines.cli.run import invoice_months, partition_tags, register_months

    settings = configure(home=args.home, landing=args.landing)
    instance = dg.DagsterInstance.get()
    months = invoice_months(settings)
    register_months(instance, months)
    from pipelines.cli.run import kam_resource_config

    # The settings reach every step (in every process) as the KamResource's run config.
    run_config = {
        "resources": {
            "kam": {"config": kam_resource_config(settings, as_of=None, force=False)},
            "writer": {"config": {"wait_seconds": -1}},
        }
    }
    job = (
        this_module.in_process_job
        if args.executor == "in_process"
        else this_module.multiprocess_job
    )
    started = time.perf_counter()
    result = dg.execute_job(
        dg.reconstructable(job),
        instance=instance,
        run_config=run_config,
        tags={**partition_tags(months), "kam/launched_by": "benchmark"},
        raise_on_error=False,
    )
    seconds = time.perf_counter() - started
    failed = [event.step_key for event in result.all_events if event.is_step_failure]
    print(
        f"{args.executor}: {'succeeded' if result.success else 'FAILED'} in {seconds:.1f} s"
        + (f"; failed steps: {', '.join(failed)}" if failed else "")
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
