"""Invoice lines are partitioned by delivery month so one period can be reloaded alone.

Dynamic partitions: the months come from the landing file names, so a warehouse whose history
starts in 2019 and one that starts last month need no configuration. `kam run` and the landing
sensor register new months before they launch a run.
"""

import dagster as dg

INVOICE_MONTHS = dg.DynamicPartitionsDefinition(name="invoice_months")
