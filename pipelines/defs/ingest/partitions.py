"""Periodic entities (invoice lines) are partitioned by delivery month, so a month can be reloaded.

Dynamic partitions: the months come from the landing files (pipelines.lib.ingest.files
`landing_months`: a file's name, or for a file without a period in its name the months its lines
were loaded for), so a warehouse whose history starts in 2019 and one that starts last month need
no configuration. `kam run`, the schedule and the landing sensor register the months they know
before a run; the ingest asset registers the months of a new whole-history file once it loaded it.
"""

import dagster as dg

DELIVERY_MONTHS = dg.DynamicPartitionsDefinition(name="delivery_months")


def register_months(instance: dg.DagsterInstance, months: list[str]) -> list[str]:
    """Add the months the instance does not know yet; return them."""
    known = set(instance.get_dynamic_partitions(DELIVERY_MONTHS.name))
    new = sorted(set(months) - known)
    if new:
        instance.add_dynamic_partitions(DELIVERY_MONTHS.name, new)
    return new
