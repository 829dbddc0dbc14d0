"""An independent pandas recomputation of a few marts, straight from the landing files.

Nothing here reads bronze, dbt or the warehouse: the landing files are parsed with pandas and
openpyxl using only the parse formats declared in the configuration, and each metric follows the
SPEC ("Marts") and the column docs (dbt_project/models/docs.md). Money is kept in integer cents,
so sums are exact. The sample landing has no re-delivered files and no defects, so every landing
row is current.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from pipelines.lib.config import ParseFormat, Settings

ABC_A_THRESHOLD = 0.80
ABC_B_THRESHOLD = 0.95


# --------------------------------------------------------------------------------------------
# Landing files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """The landing rows the recomputed marts need, with typed columns."""

    accounts: pd.DataFrame  # account_id, created_at
    invoice_lines: pd.DataFrame  # invoice_date, account_id, product_id, quantity, net_cents,
    # is_merchandise
    activities: pd.DataFrame  # account_id, activity_type, started_at, is_completed
    objectives: pd.DataFrame  # plan_period, account_id, kpi, target_value

    @property
    def as_of_date(self) -> pd.Timestamp:
        """SPEC: the as-of date defaults to the last complete day in the data (last invoice)."""
        return self.invoice_lines["invoice_date"].max()


def _files(landing: Path, patterns: tuple[str, ...], suffix: str) -> list[Path]:
    found = {path for pattern in patterns for path in landing.glob(pattern)}
    return sorted(path for path in found if path.suffix == suffix)


def _read_csv(path: Path, fmt: ParseFormat) -> pd.DataFrame:
    """Every column as text; headers trimmed and lower-cased (SPEC: matched case-insensitively)."""
    frame = pd.read_csv(
        path,
        sep=fmt.delimiter,
        encoding=fmt.encoding,
        dtype=str,
        keep_default_na=False,
    )
    frame.columns = [column.strip().lower() for column in frame.columns]
    return frame


def _normalise_number(text: pd.Series, fmt: ParseFormat) -> pd.Series:
    """'1.234,56' -> '1234.56' for a format with '.' thousands and ',' decimals."""
    text = text.str.strip()
    if fmt.thousands_separator:
        text = text.str.replace(fmt.thousands_separator, "", regex=False)
    if fmt.decimal_separator != ".":
        text = text.str.replace(fmt.decimal_separator, ".", regex=False)
    return text


def _to_cents(text: pd.Series, fmt: ParseFormat) -> pd.Series:
    """A money column as exact integer cents."""

    def cents(value: str) -> int:
        amount = Decimal(value) * 100
        assert amount == amount.to_integral_value(), f"more than two decimals: {value!r}"
        return int(amount)

    return _normalise_number(text, fmt).map(cents).astype("int64")


def _to_float(text: pd.Series, fmt: ParseFormat) -> pd.Series:
    return _normalise_number(text, fmt).astype(float)


def _to_datetime(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """The first of the declared strptime formats that parses each value."""
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for date_format in formats:
        attempt = pd.to_datetime(text, format=date_format, errors="coerce")
        parsed = parsed.fillna(attempt)
    assert parsed.notna().all(), f"unparsed values: {text[parsed.isna()].head().tolist()}"
    return parsed


def _to_bool(text: pd.Series) -> pd.Series:
    lowered = text.str.strip().str.lower()
    return lowered.map(
        lambda value: None if value == "" else value in {"true", "t", "1", "yes", "y", "s", "sim"}
    )


def read_accounts(landing: Path, settings: Settings) -> pd.DataFrame:
    source = settings.sources["accounts"]
    frame = pd.concat(
        [_read_csv(path, source.format) for path in _files(landing, source.paths, ".csv")]
    )
    return pd.DataFrame(
        {
            "account_id": frame["account_id"].str.strip(),
            "created_at": _to_datetime(frame["created_at"], source.format.timestamp_formats),
        }
    ).reset_index(drop=True)


def read_invoice_lines(landing: Path, settings: Settings) -> pd.DataFrame:
    source = settings.sources["invoice_lines"]
    paths = _files(landing, source.paths, ".csv")
    assert paths, "no invoice line files"
    assert not _files(landing, source.paths, ".parquet"), "parquet invoice files not expected"
    frame = pd.concat([_read_csv(path, source.format) for path in paths], ignore_index=True)
    lines = pd.DataFrame(
        {
            "invoice_id": frame["invoice_id"].str.strip(),
            "line_number": frame["line_number"].astype(int),
            "invoice_date": _to_datetime(frame["invoice_date"], source.format.date_formats),
            "account_id": frame["account_id"].str.strip(),
            "product_id": frame["product_id"].str.strip(),
            "quantity": _to_float(frame["quantity"], source.format),
            "net_cents": _to_cents(frame["net_amount"], source.format),
        }
    )
    assert not lines.duplicated(["invoice_id", "line_number"]).any(), "re-delivered lines"
    # docs.md is_merchandise: postage, fees and the like count in no revenue metric.
    lines["is_merchandise"] = ~lines["product_id"].isin(non_merchandise_products(landing, settings))
    return lines


def non_merchandise_products(landing: Path, settings: Settings) -> set[str]:
    """Products the product master flags is_merchandise = false, plus the dbt var's list."""
    listed = {str(value) for value in settings.dbt_vars.get("non_merchandise_product_ids") or []}
    source = settings.sources["products"]
    paths = _files(landing, source.paths, ".csv")
    frames = [_read_csv(path, source.format) for path in paths]
    flagged: set[str] = set()
    for frame in frames:
        if "is_merchandise" in frame.columns:
            is_false = _to_bool(frame["is_merchandise"]) == False  # noqa: E712 - None stays out
            flagged |= set(frame.loc[is_false, "product_id"].str.strip())
    return listed | flagged


def read_activities(landing: Path, settings: Settings) -> pd.DataFrame:
    source = settings.sources["activities"]
    frame = pd.concat(
        [_read_csv(path, source.format) for path in _files(landing, source.paths, ".csv")],
        ignore_index=True,
    )
    return pd.DataFrame(
        {
            "account_id": frame["account_id"].str.strip(),
            "activity_type": frame["activity_type"].str.strip(),
            "started_at": _to_datetime(frame["started_at"], source.format.timestamp_formats),
            "is_completed": _to_bool(frame["is_completed"]),
        }
    )


def read_objectives(landing: Path, settings: Settings) -> pd.DataFrame:
    """The plan workbook's objectives sheet, headers renamed by the configured column map."""
    source = settings.sources["objectives"]
    column_map = {key.lower(): value for key, value in source.column_map.items()}
    frames = []
    for path in _files(landing, source.paths, ".xlsx"):
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            names = {name.strip().lower(): name for name in workbook.sheetnames}
            sheet = next((names[s] for s in source.sheets if s in names), None)
            if sheet is None:
                continue
            rows = list(workbook[sheet].iter_rows(values_only=True))
        finally:
            workbook.close()
        headers = [str(header).strip().lower() for header in rows[0]]
        headers = [column_map.get(header, header) for header in headers]
        frames.append(pd.DataFrame(rows[1:], columns=headers))
    assert frames, "no objectives sheet found"
    frame = pd.concat(frames, ignore_index=True)
    return pd.DataFrame(
        {
            "plan_period": frame["plan_period"].astype(str).str.strip(),
            "account_id": frame["account_id"].astype(str).str.strip(),
            "kpi": frame["kpi"].astype(str).str.strip(),
            "target_value": frame["target_value"].astype(float),
        }
    )


def read_landing(landing: Path, settings: Settings) -> Landing:
    return Landing(
        accounts=read_accounts(landing, settings),
        invoice_lines=read_invoice_lines(landing, settings),
        activities=read_activities(landing, settings),
        objectives=read_objectives(landing, settings),
    )


# --------------------------------------------------------------------------------------------
# Shared building blocks
# --------------------------------------------------------------------------------------------


def monthly_revenue(landing: Landing) -> pd.DataFrame:
    """Net revenue in cents, one row per CRM account, one column per calendar month.

    Months run from the first invoice month to the as-of month; only lines dated up to the as-of
    date count (docs: as_of_date). Months without sales hold 0.
    """
    lines = landing.invoice_lines
    # The history starts with the first invoice of any kind (int_as_of_date).
    first_month = lines["invoice_date"].min().to_period("M")
    lines = lines[(lines["invoice_date"] <= landing.as_of_date) & lines["is_merchandise"]]
    months = pd.period_range(first_month, landing.as_of_date.to_period("M"), freq="M")
    wide = (
        lines.assign(month=lines["invoice_date"].dt.to_period("M"))
        .pivot_table(
            index="account_id", columns="month", values="net_cents", aggfunc="sum", fill_value=0
        )
        .reindex(index=sorted(landing.accounts["account_id"]), columns=months, fill_value=0)
    )
    return wide.astype("int64")


def trailing_sum(wide: pd.DataFrame, months_back: int, window: int = 12) -> pd.DataFrame:
    """For each month m, the sum over months m-months_back-window+1 .. m-months_back.

    trailing_sum(wide, 0) is revenue_12m (the 12 calendar months ending with m);
    trailing_sum(wide, 12) is revenue_prev_12m (months 13 to 24 back). Months before the data
    hold no revenue.
    """
    values = wide.to_numpy()
    cumulative = np.concatenate(
        [np.zeros((values.shape[0], 1), dtype="int64"), values.cumsum(axis=1)], axis=1
    )
    month = np.arange(values.shape[1])
    end = np.clip(month - months_back + 1, 0, None)  # cumulative[k] = sum of the first k months
    start = np.clip(month - months_back - window + 1, 0, None)
    sums = cumulative[:, end] - cumulative[:, start]
    return pd.DataFrame(sums, index=wide.index, columns=wide.columns)


def spine_start_month(landing: Landing, wide: pd.DataFrame) -> pd.Series:
    """The first month an account has a snapshot row: its creation or first invoice month,
    whichever is earlier, never before the first month of the data (account_tiers grain)."""
    created = landing.accounts.set_index("account_id")["created_at"].dt.to_period("M")
    lines = landing.invoice_lines[landing.invoice_lines["is_merchandise"]]
    first_invoice = lines.groupby("account_id")["invoice_date"].min().dt.to_period("M")
    start = pd.concat([created, first_invoice], axis=1).min(axis=1).reindex(wide.index)
    return start.clip(lower=wide.columns[0])


# --------------------------------------------------------------------------------------------
# Marts
# --------------------------------------------------------------------------------------------


def account_tiers(landing: Landing, snapshot_month: pd.Period) -> pd.DataFrame:
    """ABC classes of one month-end snapshot (SPEC "Account profile and tiers").

    - revenue_12m: net revenue of the 12 calendar months ending with the snapshot month.
    - revenue_share: the account's positive revenue_12m / all accounts' positive revenue_12m
      (docs: shares are of positive revenue, so they stay in [0, 1] and sum to 1).
    - Ranked by revenue_12m descending, ties by account_id; cumulative_share includes the account.
    - abc_class: A while the cumulative share of the accounts ranked *before* it is below 0.80,
      B below 0.95, C otherwise; an account without positive revenue_12m is always C.
    One row per account whose snapshot rows have started by the snapshot month.
    """
    wide = monthly_revenue(landing)
    in_snapshot = spine_start_month(landing, wide) <= snapshot_month
    frame = pd.DataFrame(
        {
            "revenue_12m_cents": trailing_sum(wide, 0)[snapshot_month],
            "revenue_prev_12m_cents": trailing_sum(wide, 12)[snapshot_month],
        }
    )[in_snapshot]
    frame = frame.rename_axis("account_id").reset_index()
    frame = frame.sort_values(
        ["revenue_12m_cents", "account_id"], ascending=[False, True]
    ).reset_index(drop=True)

    positive = frame["revenue_12m_cents"].clip(lower=0)
    total = int(positive.sum())
    before = positive.cumsum() - positive
    frame["revenue_share"] = positive / total
    frame["cumulative_share"] = (before + positive) / total
    share_before = before / total
    frame["abc_class"] = np.select(
        [
            (frame["revenue_12m_cents"] > 0) & (share_before < ABC_A_THRESHOLD),
            (frame["revenue_12m_cents"] > 0) & (share_before < ABC_B_THRESHOLD),
        ],
        ["A", "B"],
        default="C",
    )
    frame["snapshot_date"] = snapshot_month.end_time.normalize()
    return frame


def first_active_month(active: pd.DataFrame) -> pd.Series:
    """An account's cohort: the first month it was active (its first purchase month)."""
    has_any = active.any(axis=1)
    first = active.to_numpy().argmax(axis=1)
    return pd.Series(
        [active.columns[i] if any_ else pd.NaT for i, any_ in zip(first, has_any, strict=True)],
        index=active.index,
    )


def retention_cohorts(landing: Landing) -> pd.DataFrame:
    """Monthly cohort retention (SPEC "Retention", retention_cohorts).

    cohort_month = the account's first purchase month; for every month from it to the as-of month:
    cohort_size = accounts in the cohort, active_accounts = those active in the month,
    logo_retention = active / cohort_size, cohort_revenue = the cohort's net revenue in the month,
    revenue_retention = cohort_revenue / the cohort's first-period revenue (the documented base).
    The month holding the as-of date, unless it is its last day, is partial: its counts are to
    date and its ratios null (docs.md partial_period).
    """
    wide = monthly_revenue(landing)
    active = wide > 0
    cohorts = first_active_month(active).dropna()
    rows = []
    for cohort, members in cohorts.groupby(cohorts):
        accounts = members.index
        first_revenue = int(wide.loc[accounts, cohort].sum())
        for month in wide.columns[wide.columns >= cohort]:
            revenue = int(wide.loc[accounts, month].sum())
            active_count = int(active.loc[accounts, month].sum())
            partial = month.end_time.normalize() > landing.as_of_date
            rows.append(
                {
                    "cohort_month": cohort.start_time,
                    "months_since_first": (month - cohort).n,
                    "is_partial_period": partial,
                    "cohort_size": len(accounts),
                    "active_accounts": active_count,
                    "logo_retention": None if partial else active_count / len(accounts),
                    "cohort_revenue_cents": revenue,
                    "revenue_retention": (
                        revenue / first_revenue if first_revenue and not partial else None
                    ),
                }
            )
    return pd.DataFrame(rows)


# dbt var retention_min_base_accounts: below this many accounts a retention ratio is not a rate.
MIN_BASE_ACCOUNTS = 5


def retention_summary(landing: Landing, period_type: str = "month") -> pd.DataFrame:
    """Period retention over all accounts (SPEC "Retention", retention_summary, slice 'all'),
    by month or by quarter.

    For period p: accounts_at_start = active in p-1; retained = active in p-1 and p;
    churned = active in p-1, not in p; new = first active period is p; reactivated = active in
    p, not in p-1, bought before; logo_retention = retained / at start. NRR and GRR compare
    rev_t (trailing 12 months ending with p's last month) with rev_{t-1} (the 12 months before),
    over the accounts with rev_{t-1} > 0: NRR = sum rev_t / sum rev_{t-1},
    GRR = sum min(rev_t, rev_{t-1}) / sum rev_{t-1}, with rev_t floored at 0 per account.
    Not rates (null, docs.md partial_period / nrr / logo_retention): the period holding the
    as-of date when it is not its last day (retained, churned and every ratio); NRR and GRR
    without 24 months of data up to the period's last month; a base below MIN_BASE_ACCOUNTS.
    """
    wide = monthly_revenue(landing)
    months = wide.columns
    rev_t_by_month = trailing_sum(wide, 0).to_numpy()
    rev_prev_by_month = trailing_sum(wide, 12).to_numpy()
    period_of_month = months.asfreq("Q") if period_type == "quarter" else months
    periods = period_of_month.unique()
    # Per period: its revenue, and the trailing windows at its last month in the data.
    revenue = np.stack(
        [wide.to_numpy()[:, period_of_month == period].sum(axis=1) for period in periods], axis=1
    )
    last_month = [int(np.flatnonzero(period_of_month == period)[-1]) for period in periods]
    rev_t = rev_t_by_month[:, last_month]
    rev_prev = rev_prev_by_month[:, last_month]

    active = revenue > 0
    previous = np.concatenate([np.zeros((active.shape[0], 1), dtype=bool), active[:, :-1]], axis=1)
    bought_before = (
        np.concatenate(
            [np.zeros((active.shape[0], 1), dtype=int), active.cumsum(axis=1)[:, :-1]], axis=1
        )
        > 0
    )
    is_new = active & ~bought_before
    base = rev_prev > 0
    kept_t = np.clip(rev_t, 0, None)  # docs.md (nrr, grr): never less than nothing

    rows = []
    for j, period in enumerate(periods):
        start = period.start_time
        end = period.end_time.normalize()
        partial = end > landing.as_of_date
        # The period's last calendar month, counted from the first month of the data.
        end_month = (end.to_period("M") - months[0]).n
        at_start = int(previous[:, j].sum())
        retained = int((previous[:, j] & active[:, j]).sum())
        base_accounts = int(base[:, j].sum())
        prev_sum = int(rev_prev[base[:, j], j].sum())
        rates_nrr = (
            not partial and end_month >= 23 and base_accounts >= MIN_BASE_ACCOUNTS and prev_sum
        )
        rows.append(
            {
                "period_start_date": start,
                "is_partial_period": partial,
                "accounts_at_start": at_start,
                "retained_accounts": None if partial else retained,
                "churned_accounts": (
                    None if partial else int((previous[:, j] & ~active[:, j]).sum())
                ),
                "new_accounts": int(is_new[:, j].sum()),
                "reactivated_accounts": int(
                    (active[:, j] & ~previous[:, j] & bought_before[:, j]).sum()
                ),
                "active_accounts": int(active[:, j].sum()),
                "revenue_base_accounts": base_accounts,
                "logo_retention": (
                    retained / at_start if not partial and at_start >= MIN_BASE_ACCOUNTS else None
                ),
                "nrr": int(kept_t[base[:, j], j].sum()) / prev_sum if rates_nrr else None,
                "grr": (
                    int(np.minimum(kept_t[:, j], rev_prev[:, j])[base[:, j]].sum()) / prev_sum
                    if rates_nrr
                    else None
                ),
            }
        )
    return pd.DataFrame(rows)


def quarter_of(dates: pd.Series) -> pd.Series:
    """A date's plan period, written YYYY-Qn."""
    return dates.dt.year.astype(str) + "-Q" + dates.dt.quarter.astype(str)


def objective_attainment(landing: Landing, kpis: tuple[str, ...]) -> pd.DataFrame:
    """Actuals and attainment of the objectives (SPEC "Objectives and follow-up").

    Only quarters that started on or before the as-of date; actuals count the days from the
    quarter's first day up to the earlier of its last day and the as-of date (docs: plan_period).
    net_revenue = sum of net amounts, units = sum of quantities, visits = completed activities of
    type visit (an activity without is_completed counts as done). attainment_pct =
    100 * actual_value / target_value, null when the target is 0.
    """
    as_of = landing.as_of_date
    objectives = landing.objectives[landing.objectives["kpi"].isin(kpis)].copy()
    quarter_start = pd.PeriodIndex(
        objectives["plan_period"].str.replace("-", ""), freq="Q"
    ).start_time
    objectives = objectives[quarter_start <= as_of]

    lines = landing.invoice_lines
    lines = lines[(lines["invoice_date"] <= as_of) & lines["is_merchandise"]]
    sales = (
        lines.assign(plan_period=quarter_of(lines["invoice_date"]))
        .groupby(["account_id", "plan_period"])
        .agg(net_revenue=("net_cents", "sum"), units=("quantity", "sum"))
    )
    sales["net_revenue"] = sales["net_revenue"] / 100

    activities = landing.activities
    visits = activities[
        (activities["activity_type"] == "visit")
        & (activities["started_at"].dt.normalize() <= as_of)
        & activities["is_completed"].fillna(True).astype(bool)
    ]
    visit_counts = (
        visits.assign(plan_period=quarter_of(visits["started_at"]))
        .groupby(["account_id", "plan_period"])
        .size()
        .rename("visits")
    )
    actuals = sales.join(visit_counts, how="outer").fillna(0)

    def actual(row: pd.Series) -> float:
        key = (row["account_id"], row["plan_period"])
        return float(actuals.at[key, row["kpi"]]) if key in actuals.index else 0.0

    objectives["actual_value"] = objectives.apply(actual, axis=1)
    objectives["attainment_pct"] = np.where(
        objectives["target_value"] != 0,
        # docs.md (attainment_pct): a net-negative actual attains 0 %.
        100
        * objectives["actual_value"].clip(lower=0)
        / objectives["target_value"].replace(0, np.nan),
        np.nan,
    )
    return objectives.reset_index(drop=True)
