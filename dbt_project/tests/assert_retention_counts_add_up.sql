-- Accounts at the start of a period are either retained or churned, and GRR never exceeds NRR or 1.
select *
from {{ ref('retention_summary') }}
where accounts_at_start <> retained_accounts + churned_accounts
    or grr > nrr + 0.000001
    or grr > 1.000001
