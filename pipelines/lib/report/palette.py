"""Colours of the review pack, named once so a tier looks the same in a badge, a table and a chart.

Tiers run from dark to light with importance (a reader finds key accounts first); statuses use the
traffic-light order every sales team reads without a legend. The values are also written into
the pages' CSS as custom properties (`--tier-key`, `--status-off_track`, ...).
"""

from __future__ import annotations

TIER_ORDER = ("key", "strategic", "core", "maintain")

TIER_COLOURS = {
    "key": "#1b3a6b",
    "strategic": "#2f7fa6",
    "core": "#7fa8a3",
    "maintain": "#b9c0c8",
}

# Pace of an objective (objective_attainment.pace_status), churn status (account_churn.status),
# workload against the guardrails (kam_scorecard.workload_status).
STATUS_COLOURS = {
    "achieved": "#1e7b4b",
    "on_track": "#4f9d69",
    "at_risk": "#d19a1c",
    "off_track": "#c0392b",
    "not_measured": "#9aa3ad",
    "active": "#1e7b4b",
    "churned": "#c0392b",
    "within": "#1e7b4b",
    "under": "#d19a1c",
    "over": "#c0392b",
}

INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e3e7ec"
ACCENT = "#1b3a6b"

# Product categories in the revenue-mix chart: muted, distinguishable, printable in greyscale.
CATEGORY_COLOURS = (
    "#1b3a6b",
    "#2f7fa6",
    "#7fa8a3",
    "#d19a1c",
    "#8e5b9a",
    "#c46a4a",
    "#4f9d69",
    "#5d6d7e",
    "#b8a04a",
    "#a14d6c",
)
OTHER_CATEGORY_COLOUR = "#c9ced4"


def tier_colour(tier: str | None) -> str:
    """A tier's colour; an unknown tier (a custom vocabulary) gets the neutral grey."""
    return TIER_COLOURS.get(tier or "", OTHER_CATEGORY_COLOUR)


def css_custom_properties() -> str:
    """The palette as CSS custom properties, for the pages' stylesheet."""
    lines = [f"--tier-{name}: {colour};" for name, colour in TIER_COLOURS.items()]
    lines += [f"--status-{name}: {colour};" for name, colour in STATUS_COLOURS.items()]
    lines += [f"--ink: {INK};", f"--muted: {MUTED};", f"--grid: {GRID};", f"--accent: {ACCENT};"]
    return "\n    ".join(lines)
