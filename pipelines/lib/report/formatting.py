"""Numbers, money and dates as a reader of the pack expects them in their language.

Portuguese (the default) writes R$ 1.234,56 and 30/10/2026; English writes R$1,234.56 and ISO
dates (2026-10-30), which no reader confuses with a US month-first date. Babel supplies the
locale rules (separators, currency symbol and placement), so another currency is one setting.
A missing value is an em dash in every format: an empty cell reads as "zero" or as a bug.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_compact_currency, format_currency, format_decimal

LOCALES = {"pt": "pt_BR", "en": "en"}
MISSING = "—"

Number = int | float | Decimal


@dataclass(frozen=True)
class Formatter:
    """Formats values for one language and currency; every page of a pack shares one."""

    lang: str = "pt"
    currency: str = "BRL"

    def __post_init__(self) -> None:
        if self.lang not in LOCALES:
            raise ValueError(f"language {self.lang!r}: expected one of {', '.join(LOCALES)}")

    @property
    def locale(self) -> str:
        return LOCALES[self.lang]

    def money(self, value: Number | None) -> str:
        """R$ 1.234,56 (pt) / R$1,234.56 (en): cents kept, as in the ERP the figures come from."""
        if _missing(value):
            return MISSING
        return format_currency(_half_up(value, 2), self.currency, locale=self.locale)

    def money_compact(self, value: Number | None) -> str:
        """R$ 65,7 mi (pt) / R$65.7M (en): for headline figures and chart axes."""
        if _missing(value):
            return MISSING
        return format_compact_currency(
            _half_up(value, 0), self.currency, locale=self.locale, fraction_digits=1
        )

    def integer(self, value: Number | None) -> str:
        if _missing(value):
            return MISSING
        return format_decimal(_half_up(value, 0), format="#,##0", locale=self.locale)

    def number(self, value: Number | None, digits: int = 1) -> str:
        if _missing(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(_half_up(value, digits), format=pattern, locale=self.locale)

    def pct(self, value: Number | None, digits: int = 1) -> str:
        """A percentage already on 0-100 (the marts' `_pct` columns): 79,3%."""
        if _missing(value):
            return MISSING
        return self.number(value, digits) + "%"

    def ratio(self, value: Number | None, digits: int = 1) -> str:
        """A 0-1 ratio or share (the marts' `_share`, `_ratio`, NRR, GRR) as a percentage."""
        if _missing(value):
            return MISSING
        return self.pct(float(value) * 100, digits)

    def ratio_at_least(self, value: Number | None, floor: float, digits: int = 0) -> str:
        """A ratio too small to show at `digits` reads "< 1%" rather than a misleading 0%."""
        if _missing(value):
            return MISSING
        if float(value) < floor:
            return "< " + self.ratio(floor, digits)
        return self.ratio(value, digits)

    def signed_ratio(self, value: Number | None, digits: int = 1) -> str:
        """A change as a signed percentage: +12,5% / −3,0% (growth against the year before)."""
        if _missing(value):
            return MISSING
        text = self.ratio(abs(float(value)), digits)
        return ("+" if float(value) >= 0 else "−") + text

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return MISSING
        day = value.date() if isinstance(value, datetime) else value
        return day.strftime("%d/%m/%Y") if self.lang == "pt" else day.isoformat()

    def timestamp(self, value: datetime | None) -> str:
        """A UTC timestamp (the marts' `_at` columns), minutes precision, zone named."""
        if value is None:
            return MISSING
        return f"{self.date(value)} {value:%H:%M} UTC"

    def month(self, value: date | None) -> str:
        """A month as a column heading or axis label: out/2026 (pt), Oct 2026 (en)."""
        if value is None:
            return MISSING
        name = format_date(value, "MMM", locale=self.locale).rstrip(".")
        return f"{name}/{value.year}" if self.lang == "pt" else f"{name} {value.year}"


def _half_up(value: Number, digits: int) -> Decimal:
    """Rounded as people round (79.25 -> 79.3), not to even as Babel and `round` do."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _missing(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and (math.isnan(value) or math.isinf(value))
