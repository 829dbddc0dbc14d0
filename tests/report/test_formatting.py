"""Numbers and dates as the pack prints them, in each language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from pipelines.lib.report.formatting import Formatter

PT = Formatter("pt")
EN = Formatter("en")
NBSP = "\xa0"


def test_portuguese_money_dates_and_percentages():
    assert PT.money(Decimal("1234.56")) == f"R${NBSP}1.234,56"
    assert PT.money(-1234.5) == f"-R${NBSP}1.234,50"
    assert PT.money(65_660_676.18) == f"R${NBSP}65.660.676,18"
    assert PT.money_compact(65_660_676.18) == f"R${NBSP}65,7{NBSP}mi"
    assert PT.date(date(2026, 10, 30)) == "30/10/2026"
    assert PT.timestamp(datetime(2026, 11, 2, 2, 1)) == "02/11/2026 02:01 UTC"
    assert PT.month(date(2026, 10, 1)) == "out/2026"
    assert PT.pct(79.25) == "79,3%"
    assert PT.ratio(0.7925) == "79,3%"
    assert PT.signed_ratio(-0.343) == "−34,3%"
    assert PT.signed_ratio(0.125) == "+12,5%"
    assert PT.integer(174313) == "174.313"
    assert PT.ratio_at_least(0.0001, 0.01) == "< 1%"


def test_english_money_and_iso_dates():
    assert EN.money(Decimal("1234.56")) == "R$1,234.56"
    assert EN.money_compact(65_660_676.18) == "R$65.7M"
    assert EN.date(date(2026, 10, 30)) == "2026-10-30"
    assert EN.month(date(2026, 10, 1)) == "Oct 2026"
    assert EN.pct(79.25) == "79.3%"


def test_another_currency_is_one_setting():
    assert Formatter("pt", "USD").money(1234.56) == f"US${NBSP}1.234,56"
    assert Formatter("en", "EUR").money(1234.56) == "€1,234.56"


@pytest.mark.parametrize("missing", [None, float("nan"), float("inf")])
def test_a_missing_value_is_a_dash_never_zero(missing):
    for method in (PT.money, PT.money_compact, PT.integer, PT.pct, PT.ratio, PT.signed_ratio):
        assert method(missing) == "—"
    assert PT.date(None) == "—"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="expected one of pt, en"):
        Formatter("fr")
