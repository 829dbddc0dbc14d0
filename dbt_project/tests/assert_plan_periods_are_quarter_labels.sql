-- Every plan_period is the YYYY-Qn label of the quarter it starts (a malformed label would have no
-- start date or another one).
select *
from {{ ref('objective_attainment') }}
where period_start_date is null
    or plan_period <> {{ plan_period_of('period_start_date') }}
