"""The KAM plan workbook: objectives per KPI, actions, SWOT and tier overrides.

Targets are set from what the generator actually produced in each quarter (actual x 0.8-1.3,
the current quarter projected to its end), so the attainment mart shows the realistic mix of met,
on-track and off-track objectives instead of all-green or all-red.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipelines.lib.contract import KPIS, TIERS
from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.accounts import Accounts
from pipelines.lib.sample_data.textfmt import Table
from pipelines.lib.sample_data.timeline import Timeline

PLAN_QUARTERS = 5  # the last four quarters and the current one
KPI_WEIGHT_REVENUE = 0.4


@dataclass
class Actuals:
    """Per (account, month) measures the KPIs are built from."""

    revenue_cents: np.ndarray
    units: np.ndarray
    new_listings: np.ndarray
    visits: np.ndarray
    decision_makers: list[set[int]]  # per month index, (account * big + contact) engaged pairs
    sla_met: np.ndarray
    sla_total: np.ndarray
    opportunities_won: np.ndarray


@dataclass(frozen=True)
class Quarter:
    label: str  # 2026-Q3
    first: dt.date
    last: dt.date  # inclusive


def plan_quarters(end_date: dt.date) -> list[Quarter]:
    """The current quarter (containing end_date) and the four before it, oldest first."""
    quarters: list[Quarter] = []
    year, q = end_date.year, (end_date.month - 1) // 3 + 1
    for _ in range(PLAN_QUARTERS):
        first = dt.date(year, 3 * q - 2, 1)
        next_first = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        quarters.append(Quarter(f"{year}-Q{q}", first, next_first - dt.timedelta(days=1)))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return quarters[::-1]


def _quarter_actuals(
    actuals: Actuals, timeline: Timeline, quarter: Quarter, end_date: dt.date
) -> dict[str, np.ndarray]:
    """KPI values per account for the quarter, projected to the full quarter when it is open."""
    months = [
        timeline.month_of(np.array([np.datetime64(quarter.first, "M") + k]))[0] for k in range(3)
    ]
    months = [m for m in months if 0 <= m < timeline.n_months]
    elapsed = (min(end_date, quarter.last) - quarter.first).days + 1
    scale = ((quarter.last - quarter.first).days + 1) / max(elapsed, 1)
    n = actuals.revenue_cents.shape[0]

    def total(values: np.ndarray) -> np.ndarray:
        return values[:, months].sum(axis=1) if months else np.zeros(n)

    engaged = np.zeros(n)
    pairs = set().union(*(actuals.decision_makers[m] for m in months)) if months else set()
    if pairs:
        np.add.at(engaged, np.array(sorted(pairs)) // 10_000_000, 1)
    sla_total = total(actuals.sla_total)
    sla = np.where(sla_total > 0, 100 * total(actuals.sla_met) / np.maximum(sla_total, 1), 90.0)
    return {
        "net_revenue": total(actuals.revenue_cents) / 100 * scale,
        "units": total(actuals.units) * scale,
        "new_listings": total(actuals.new_listings) * scale,
        "visits": total(actuals.visits) * scale,
        "decision_makers_engaged": engaged,
        "sla_compliance_pct": sla,
        "opportunities_won": total(actuals.opportunities_won) * scale,
    }


def _target(kpi: str, actual: np.ndarray, factor: np.ndarray) -> np.ndarray:
    if kpi == "net_revenue":
        return np.maximum(np.rint(actual * factor / 1000) * 1000, 10_000.0)
    if kpi == "sla_compliance_pct":
        return np.clip(np.rint(actual * factor), 80.0, 100.0)
    if kpi == "units":
        return np.maximum(np.rint(actual * factor), 10.0)
    return np.maximum(np.rint(actual * factor), 1.0)


def objectives(
    rng: np.random.Generator,
    accounts: Accounts,
    timeline: Timeline,
    actuals: Actuals,
    end_date: dt.date,
) -> tuple[Table, dict[int, list[str]]]:
    """Objectives rows and the KPIs each plan account works on."""
    plan_accounts = np.flatnonzero(accounts.is_plan)
    account_kpis: dict[int, list[str]] = {}
    for rank, a in enumerate(plan_accounts):
        chosen = [k for k in KPIS[1:] if rank == 0 or rng.random() < 0.5]
        account_kpis[int(a)] = ["net_revenue", *chosen]
    rows: dict[str, list] = {
        k: [] for k in ("plan_period", "account_id", "kpi", "kam_id", "target_value", "weight")
    }
    created = accounts.created_at.astype("datetime64[D]")
    for quarter in plan_quarters(end_date):
        values = _quarter_actuals(actuals, timeline, quarter, end_date)
        in_plan = plan_accounts[created[plan_accounts] <= np.datetime64(quarter.first)]
        factor = rng.uniform(0.8, 1.3, size=(len(in_plan), len(KPIS)))
        for i, a in enumerate(in_plan):
            kpis = account_kpis[int(a)]
            rest = (1 - KPI_WEIGHT_REVENUE) / max(len(kpis) - 1, 1)
            for kpi in kpis:
                j = KPIS.index(kpi)
                rows["plan_period"].append(quarter.label)
                rows["account_id"].append(accounts.ids[a])
                rows["kpi"].append(kpi)
                rows["kam_id"].append(accounts.owner[a])
                rows["target_value"].append(
                    float(_target(kpi, values[kpi][a : a + 1], factor[i, j : j + 1])[0])
                )
                weight = KPI_WEIGHT_REVENUE if kpi == "net_revenue" else rest
                rows["weight"].append(round(weight if len(kpis) > 1 else 1.0, 4))
    return {k: np.array(v, dtype=object) for k, v in rows.items()}, account_kpis


def actions(
    rng: np.random.Generator,
    accounts: Accounts,
    account_kpis: dict[int, list[str]],
    end_date: dt.date,
) -> Table:
    """Actions per plan account and quarter: most done, some late, some overdue."""
    rows: dict[str, list] = {
        k: []
        for k in (
            "action_id",
            "account_id",
            "kam_id",
            "description",
            "due_date",
            "status",
            "objective_kpi",
            "completed_date",
        )
    }
    for quarter in plan_quarters(end_date):
        days = (quarter.last - quarter.first).days + 1
        for a, kpis in account_kpis.items():
            if accounts.created_at[a].astype("datetime64[D]") > np.datetime64(quarter.first):
                continue
            for _ in range(2 + rng.poisson(1.5)):
                due = quarter.first + dt.timedelta(days=int(rng.integers(days)))
                u = rng.random()
                completed = None
                if due <= end_date:
                    status = (
                        "done"
                        if u < 0.7
                        else "cancelled"
                        if u < 0.76
                        else ("in_progress" if u < 0.88 else "planned")
                    )
                    if status == "done":
                        late = rng.random() < 0.25
                        shift = int(rng.integers(1, 26)) if late else -int(rng.integers(0, 21))
                        completed = min(due + dt.timedelta(days=shift), end_date)
                else:
                    status = "done" if u < 0.15 else "in_progress" if u < 0.6 else "planned"
                    if status == "done":
                        completed = end_date - dt.timedelta(days=int(rng.integers(0, 30)))
                rows["action_id"].append(f"ACN-{len(rows['action_id']) + 1:06d}")
                rows["account_id"].append(accounts.ids[a])
                rows["kam_id"].append(accounts.owner[a])
                rows["description"].append(
                    vocab.ACTION_TEMPLATES[int(rng.integers(len(vocab.ACTION_TEMPLATES)))]
                )
                rows["due_date"].append(due)
                rows["status"].append(status)
                rows["objective_kpi"].append(
                    kpis[int(rng.integers(len(kpis)))] if rng.random() < 0.8 else None
                )
                rows["completed_date"].append(completed)
    return {k: np.array(v, dtype=object) for k, v in rows.items()}


def swot(
    rng: np.random.Generator,
    accounts: Accounts,
    account_kpis: dict[int, list[str]],
    end_date: dt.date,
) -> Table:
    """SWOT items per plan account and plan year; about one in ten is incomplete."""
    years = sorted({int(q.label[:4]) for q in plan_quarters(end_date)})
    quadrants = list(vocab.SWOT_ITEMS)
    rows: dict[str, list] = {"plan_year": [], "account_id": [], "quadrant": [], "item": []}
    for year in years:
        for a in account_kpis:
            present = quadrants
            if rng.random() < 0.1:
                keep = int(rng.integers(1, 4))
                present = [quadrants[i] for i in sorted(rng.choice(4, size=keep, replace=False))]
            for quadrant in present:
                options = vocab.SWOT_ITEMS[quadrant]
                for i in sorted(
                    rng.choice(len(options), size=int(rng.integers(1, 4)), replace=False)
                ):
                    rows["plan_year"].append(year)
                    rows["account_id"].append(accounts.ids[a])
                    rows["quadrant"].append(quadrant)
                    rows["item"].append(options[i])
    return {k: np.array(v, dtype=object) for k, v in rows.items()}


def tier_overrides(
    rng: np.random.Generator, accounts: Accounts, approvers: dict[str, str], end_date: dt.date
) -> Table:
    """A few manual tier decisions with a reason, approved by the regional manager."""
    count = min(accounts.n, max(2, int(round(0.03 * accounts.n))))
    chosen = np.sort(rng.choice(accounts.n, size=count, replace=False))
    quarters = plan_quarters(end_date)
    rows: dict[str, list] = {
        k: [] for k in ("account_id", "valid_from", "tier", "reason", "valid_to", "approved_by")
    }
    for a in chosen:
        valid_from = quarters[int(rng.integers(len(quarters)))].first
        rows["account_id"].append(accounts.ids[a])
        rows["valid_from"].append(valid_from)
        rows["tier"].append(TIERS[int(rng.integers(len(TIERS)))])
        rows["reason"].append(
            vocab.OVERRIDE_REASONS[int(rng.integers(len(vocab.OVERRIDE_REASONS)))]
        )
        rows["valid_to"].append(
            None
            if rng.random() < 0.5
            else valid_from + dt.timedelta(days=int(rng.integers(180, 366)))
        )
        rows["approved_by"].append(approvers.get(accounts.owner[a]))
    return {k: np.array(v, dtype=object) for k, v in rows.items()}
