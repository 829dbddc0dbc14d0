-- A cohort never has more active accounts in a period than it has accounts.
select *
from {{ ref('retention_cohorts') }}
where active_accounts > cohort_size
