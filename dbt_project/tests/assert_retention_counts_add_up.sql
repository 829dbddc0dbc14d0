-- Accounts at the start of a complete period are either retained or churned (a partial period has
-- neither yet), and GRR never exceeds NRR or 1.
select *
from {{ ref('retention_summary') }}
where (not is_partial_period and accounts_at_start <> retained_accounts + churned_accounts)
    or (is_partial_period and (retained_accounts is not null or churned_accounts is not null))
    or grr > nrr + 0.000001
    or grr > 1.000001
