-- Every objective of a scorecard row is counted under exactly one pace (or as not measured).
select *
from {{ ref('kam_scorecard') }}
where objectives_achieved + objectives_on_track + objectives_at_risk + objectives_off_track
    + objectives_not_measured <> objectives_count
