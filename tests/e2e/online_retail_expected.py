"""What the warehouse should report for the UCI Online Retail invoice lines, from the raw files.

An independent yardstick: pandas and the standard library only, no project code, so a mistake in
the loader, the contract or the marts cannot hide in here too. Input: the CSV files exactly as
delivered (`invoice_lines_YYYY-MM-DD.csv` or one whole-history file), columns InvoiceNo,
StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country (matched
case-insensitively after trimming), UTF-8, comma-separated, `.` decimals; the InvoiceDate format
is a parameter (`2010-12-01 08:26:00` in the copy in tests/data/online_retail/).

Definitions
-----------
Line
    One CSV record after the header; `line` is the physical line it starts on (header = 1).
    Lines per file and in total count every record delivered; blank lines are not records.
Excluded (counter sale)
    A line whose CustomerID is empty (after trimming). Sales without a customer are not an
    account's revenue: the warehouse excludes them, it does not quarantine them. A line whose
    fields cannot be told apart (wrong field count) is invalid instead, since its customer is
    unknown.
Invalid
    A line with a customer that breaks a rule in RULES; `rule` is the first one broken, in the
    order listed. Every line is exactly one of excluded, invalid or valid, so
    valid + invalid + excluded = lines delivered. `rule_counts_all_lines` also counts, for
    information, every line that breaks each rule, with or without a customer (a line can
    break several).
Customer id
    CustomerID as written, trimmed, with a `.0` decimal part removed: `17850.0` -> `17850`.
Merchandise
    A valid line whose StockCode (trimmed, upper-cased) is not in NON_MERCHANDISE_CODES:
    postage, carriage, manual adjustments, discounts, samples, bank and marketplace fees,
    charity, padding and bad-debt adjustments are not sales of goods.
Net revenue
    Sum of Quantity x UnitPrice (exact decimals) over merchandise lines. Cancellations (invoice
    numbers starting with `C`, negative quantities) are included and reduce it.
As-of date and periods
    The as-of date is the latest InvoiceDate (a date) of a valid line. The last complete month is
    the as-of date's month when the as-of date is that month's last day, else the month before.
    "whole_history" is every valid line; "trailing_12_months" is the 12 calendar months ending
    with the last complete month (the partial as-of month is never counted as a full period).
Customers with revenue
    Customers whose net revenue over the period is > 0.
Top 20 % share
    Over the customers with revenue, ranked by net revenue descending, ties by customer id
    ascending: the top ceil(0.20 x n) customers' revenue divided by the revenue of all n. Customers
    with zero or negative net revenue are outside both sums (`non_positive_customers` counts them).
Monthly active customers
    Per calendar month of InvoiceDate: customers whose net revenue in that month is > 0 (the
    SPEC's definition of active). Every month from the first to the as-of month is listed, the
    partial as-of month flagged `is_complete = False`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
DEFAULT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
TOP_SHARE_OF_CUSTOMERS = 0.20

# StockCodes that are not merchandise: POST postage, DOT dotcom postage, C2 carriage, M/m manual,
# D discount, S samples, BANK CHARGES, AMAZONFEE, CRUK charity, PADS pads to match cash, B bad debt.
NON_MERCHANDISE_CODES = frozenset(
    {"POST", "DOT", "C2", "M", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "B"}
)

# (name, the rule in plain words), in the order a line is checked.
RULES = (
    ("field_count", "the record does not have one field per header column"),
    ("missing_value", "InvoiceNo, StockCode, Quantity, InvoiceDate or UnitPrice is empty"),
    ("quantity_not_integer", "Quantity is not a whole number (an optional '-' and digits)"),
    ("price_not_number", "UnitPrice is not a decimal number (an optional '-', digits, '.')"),
    ("date_not_parsed", "InvoiceDate does not match the declared date format"),
    ("customer_id_malformed", "CustomerID is not digits, optionally followed by '.0'"),
    ("price_negative", "UnitPrice is negative (zero is a free line: a sample, a bonus)"),
    ("quantity_zero", "Quantity is zero"),
    (
        "sign_mismatch",
        "Quantity is negative on an invoice whose number does not start with 'C', "
        "or positive on a cancellation (number starting with 'C')",
    ),
)
RULE_NAMES = tuple(name for name, _ in RULES)
PERIODS = ("whole_history", "trailing_12_months")

_INTEGER = r"^-?\d+$"
_DECIMAL = r"^-?\d+(\.\d+)?$"
_CUSTOMER_ID = r"^\d+(\.0+)?$"


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_lines(paths: Iterable[Path], *, encoding: str = "utf-8") -> pd.DataFrame:
    """Every record of every file as text, with its file name, line and whether it has one field
    per header column.

    Raises ValueError naming the file when the header lacks one of COLUMNS.
    """
    records = []
    for path in sorted(Path(p) for p in paths):
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            names = [name.strip().lower() for name in header or []]
            missing = [column for column in COLUMNS if column.lower() not in names]
            if missing:
                raise ValueError(
                    f"{path}:1: expected the columns {', '.join(COLUMNS)}; "
                    f"missing {', '.join(missing)}"
                )
            positions = [names.index(column.lower()) for column in COLUMNS]
            line = reader.line_num + 1
            for fields in reader:
                if not fields:  # a blank line is no record
                    line = reader.line_num + 1
                    continue
                values = [fields[i] if i < len(fields) else "" for i in positions]
                records.append((path.name, line, len(fields) == len(names), *values))
                line = reader.line_num + 1
    return pd.DataFrame(records, columns=["file", "line", "fields_ok", *COLUMNS])


# --------------------------------------------------------------------------------------------
# Classifying
# --------------------------------------------------------------------------------------------


def classify(lines: pd.DataFrame, *, date_format: str = DEFAULT_DATE_FORMAT) -> pd.DataFrame:
    """Add status (excluded / invalid / valid) and the typed columns of valid lines.

    `rule` is the first rule a line breaks, also on excluded lines (for information);
    `breaks_<rule>` flags every rule it breaks; `amount` is Quantity x UnitPrice of valid lines.
    """
    text = {column: lines[column].str.strip() for column in COLUMNS}
    invoice_at = pd.to_datetime(text["InvoiceDate"], format=date_format, errors="coerce")
    quantity_ok = text["Quantity"].str.match(_INTEGER)
    price_ok = text["UnitPrice"].str.match(_DECIMAL)
    quantity = pd.to_numeric(text["Quantity"].where(quantity_ok), errors="coerce")
    price = pd.to_numeric(text["UnitPrice"].where(price_ok), errors="coerce")
    is_cancellation = text["InvoiceNo"].str.upper().str.startswith("C")
    required = ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice")

    broken = {
        "field_count": ~lines["fields_ok"],
        "missing_value": pd.concat([text[c] == "" for c in required], axis=1).any(axis=1),
        "quantity_not_integer": ~quantity_ok,
        "price_not_number": ~price_ok,
        "date_not_parsed": invoice_at.isna(),
        "customer_id_malformed": (text["CustomerID"] != "")
        & ~text["CustomerID"].str.match(_CUSTOMER_ID),
        "price_negative": price < 0,
        "quantity_zero": quantity == 0,
        "sign_mismatch": ((quantity < 0) & ~is_cancellation) | ((quantity > 0) & is_cancellation),
    }
    broken = {name: flags.fillna(False).astype(bool) for name, flags in broken.items()}
    rule = pd.Series("", index=lines.index, dtype=object)
    for name in reversed(RULE_NAMES):  # the first rule broken wins
        rule = rule.mask(broken[name], name)

    no_customer = text["CustomerID"] == ""
    status = pd.Series("valid", index=lines.index, dtype=object)
    status = status.mask(rule != "", "invalid")
    status = status.mask(no_customer & (rule != "field_count"), "excluded")

    out = lines.copy()
    for name in RULE_NAMES:
        out[f"breaks_{name}"] = broken[name]
    out["status"] = status
    out["rule"] = rule
    out["customer_id"] = text["CustomerID"].str.replace(r"\.0+$", "", regex=True)
    out["invoice_at"] = invoice_at
    out["stock_code"] = text["StockCode"].str.upper()
    valid = status == "valid"
    out["quantity"] = quantity.where(valid)
    out["amount"] = None
    out.loc[valid, "amount"] = [
        int(q) * Decimal(p)
        for q, p in zip(text["Quantity"][valid], text["UnitPrice"][valid], strict=True)
    ]
    out["is_merchandise"] = valid & ~out["stock_code"].isin(NON_MERCHANDISE_CODES)
    return out


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concentration:
    """Top-20 % share over the customers with revenue in one period."""

    customers_with_revenue: int
    top_customer_ids: tuple[str, ...]  # in rank order
    top_revenue: Decimal
    revenue: Decimal  # of the customers with revenue
    non_positive_customers: int  # customers with merchandise lines but net revenue <= 0

    @property
    def top_customers(self) -> int:
        return len(self.top_customer_ids)

    @property
    def top_share(self) -> float:
        return float(self.top_revenue / self.revenue) if self.revenue else math.nan


@dataclass(frozen=True)
class Expected:
    """Every figure in the module docstring, for one set of files."""

    lines_per_file: dict[str, int]
    excluded_lines: int
    invalid_lines: int
    valid_lines: int
    invalid_by_rule: dict[str, int]  # lines with a customer, first rule broken
    rule_counts_all_lines: dict[str, int]  # every line breaking the rule (information)
    invalid: pd.DataFrame  # file, line, rule of every invalid line
    merchandise_lines: int
    non_merchandise_lines: int  # valid lines with a non-merchandise StockCode
    as_of_date: pd.Timestamp
    last_complete_month: pd.Period
    period_bounds: dict[str, tuple[pd.Timestamp, pd.Timestamp]]  # first and last day, inclusive
    revenue_by_customer: dict[str, pd.Series]  # per period: customer_id -> Decimal, sorted by id
    concentration: dict[str, Concentration]  # per period
    monthly: pd.DataFrame  # month, active_customers, net_revenue, is_complete

    @property
    def total_lines(self) -> int:
        return sum(self.lines_per_file.values())

    def net_revenue(self, period: str) -> Decimal:
        return sum(self.revenue_by_customer[period], Decimal(0))

    def customers_with_revenue(self, period: str) -> int:
        return self.concentration[period].customers_with_revenue


def _revenue_by_customer(merchandise: pd.DataFrame) -> pd.Series:
    revenue = merchandise.groupby("customer_id")["amount"].agg(lambda a: sum(a, Decimal(0)))
    return revenue.sort_index()


def concentration(revenue: pd.Series) -> Concentration:
    """Top-20 % share of `revenue` (customer_id -> Decimal net revenue of one period)."""
    positive = revenue[revenue > 0]
    ranked = sorted(positive.items(), key=lambda item: (-item[1], item[0]))
    top = math.ceil(TOP_SHARE_OF_CUSTOMERS * len(ranked))
    return Concentration(
        customers_with_revenue=len(ranked),
        top_customer_ids=tuple(customer for customer, _ in ranked[:top]),
        top_revenue=sum((amount for _, amount in ranked[:top]), Decimal(0)),
        revenue=sum((amount for _, amount in ranked), Decimal(0)),
        non_positive_customers=int((revenue <= 0).sum()),
    )


def _monthly(merchandise: pd.DataFrame, last_complete: pd.Period) -> pd.DataFrame:
    months = merchandise["invoice_at"].dt.to_period("M")
    per_customer = (
        merchandise.assign(month=months)
        .groupby(["month", "customer_id"])["amount"]
        .agg(lambda a: sum(a, Decimal(0)))
    )
    active = (per_customer > 0).groupby(level="month").sum()
    revenue = per_customer.groupby(level="month").agg(lambda a: sum(a, Decimal(0)))
    every_month = pd.period_range(months.min(), months.max(), freq="M")
    return pd.DataFrame(
        {
            "month": every_month,
            "active_customers": [int(active.get(m, 0)) for m in every_month],
            "net_revenue": [revenue.get(m, Decimal(0)) for m in every_month],
            "is_complete": [m <= last_complete for m in every_month],
        }
    )


def expected(
    paths: Iterable[Path], *, date_format: str = DEFAULT_DATE_FORMAT, encoding: str = "utf-8"
) -> Expected:
    """Read the files and compute every figure of the module docstring."""
    paths = sorted(Path(p) for p in paths)
    lines = classify(read_lines(paths, encoding=encoding), date_format=date_format)
    valid = lines[lines["status"] == "valid"]
    if valid.empty:
        raise ValueError("no valid invoice line with a customer in the files")
    merchandise = lines[lines["is_merchandise"]]

    as_of = valid["invoice_at"].max().normalize()
    as_of_month = as_of.to_period("M")
    is_month_end = as_of == as_of_month.end_time.normalize()
    last_complete = as_of_month if is_month_end else as_of_month - 1
    trailing_start = (last_complete - 11).start_time
    trailing_end = last_complete.end_time.normalize()
    in_trailing = (merchandise["invoice_at"] >= trailing_start) & (
        merchandise["invoice_at"] < trailing_end + pd.Timedelta(days=1)
    )
    revenue = {
        "whole_history": _revenue_by_customer(merchandise),
        "trailing_12_months": _revenue_by_customer(merchandise[in_trailing]),
    }
    invalid = lines[lines["status"] == "invalid"]
    return Expected(
        lines_per_file={path.name: int((lines["file"] == path.name).sum()) for path in paths},
        excluded_lines=int((lines["status"] == "excluded").sum()),
        invalid_lines=len(invalid),
        valid_lines=len(valid),
        invalid_by_rule={name: int((invalid["rule"] == name).sum()) for name in RULE_NAMES},
        rule_counts_all_lines={name: int(lines[f"breaks_{name}"].sum()) for name in RULE_NAMES},
        invalid=invalid[["file", "line", "rule"]].reset_index(drop=True),
        merchandise_lines=len(merchandise),
        non_merchandise_lines=len(valid) - len(merchandise),
        as_of_date=as_of,
        last_complete_month=last_complete,
        period_bounds={
            "whole_history": (valid["invoice_at"].min().normalize(), as_of),
            "trailing_12_months": (trailing_start, trailing_end),
        },
        revenue_by_customer=revenue,
        concentration={period: concentration(revenue[period]) for period in PERIODS},
        monthly=_monthly(merchandise, last_complete),
    )
