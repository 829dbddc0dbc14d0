"""Lay out the UCI Online Retail data as ERP exports, and cut the small slice kept in this folder.

The source is the day-by-day CSV copy of the UCI "Online Retail" data set published in the
databricks/Spark-The-Definitive-Guide repository (`data/retail-data/by-day/YYYY-MM-DD.csv`, one
file per trading day, 305 files; README.md in this folder has the commit and checksums). Every
output line is a source line copied byte for byte: nothing is re-serialised, so `17850.0`,
`2010-12-01 08:26:00`, trailing spaces and quoted commas reach the loader exactly as delivered.

    python tests/data/online_retail/prepare.py SOURCE_DIR --full-out /data/online_retail \
        --slice-out tests/data/online_retail

writes, under --full-out:
  invoice_lines/invoice_lines_YYYY-MM-DD.csv   the source files, renamed (one per trading day)
  whole_history/invoice_lines.csv              one header, then every day's lines in date order
  customers.csv                                one row per CustomerID (derived, see below)
  SHA256SUMS                                   sha256 of every file above
and under --slice-out the same daily files and customer list for the slice (see `cut_slice`).

The source has no record spanning two physical lines (checked below), so a line is a record and
selecting lines is selecting records.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
SOURCE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")

# The slice: every line of SLICE_CUSTOMERS customers over these days, their cancellations
# included, plus whole invoices without a customer.
SLICE_FIRST_DAY = date(2011, 6, 1)
SLICE_LAST_DAY = date(2011, 10, 9)
SLICE_CUSTOMERS = 150
SLICE_COUNTER_SALE_SHARE = 0.04  # of the invoices without a customer, by hash rank


@dataclass(frozen=True)
class Line:
    """One source line: its exact text and the fields the layout needs."""

    day: date
    text: str  # the line as delivered, without its line break
    invoice_no: str
    stock_code: str
    invoice_date: str
    unit_price: str
    customer_id: str
    country: str


def read_day(path: Path) -> list[Line]:
    """The data lines of one source file; stops with file and line on anything unexpected."""
    match = SOURCE_NAME.match(path.name)
    if not match:
        sys.exit(f"{path}: expected a file named YYYY-MM-DD.csv")
    day = date.fromisoformat(match.group(1))
    raw = path.read_bytes().decode("utf-8")
    physical = raw.split("\n")
    if physical[-1] == "":
        physical.pop()
    if physical[0] != HEADER:
        sys.exit(f"{path}:1: expected the header {HEADER!r}")
    lines = []
    for number, text in enumerate(physical[1:], start=2):
        fields = next(csv.reader([text]))
        if len(fields) != 8:
            sys.exit(f"{path}:{number}: expected 8 fields, found {len(fields)}")
        invoice_no, stock_code, _, _, invoice_date, unit_price, customer_id, country = fields
        if invoice_date[:10] != day.isoformat():
            sys.exit(f"{path}:{number}: InvoiceDate {invoice_date!r} is not on {day}")
        lines.append(
            Line(day, text, invoice_no, stock_code, invoice_date, unit_price, customer_id, country)
        )
    # A record spanning lines would parse as fewer records than physical lines.
    records = sum(1 for _ in csv.reader(io.StringIO(raw))) - 1
    if records != len(lines):
        sys.exit(f"{path}: {records} records on {len(lines)} lines; expected one per line")
    return lines


def read_source(source: Path) -> dict[date, list[Line]]:
    paths = sorted(path for path in source.iterdir() if SOURCE_NAME.match(path.name))
    if not paths:
        sys.exit(f"{source}: no YYYY-MM-DD.csv files")
    return {date.fromisoformat(path.stem): read_day(path) for path in paths}


def write_lines(path: Path, lines: Iterable[Line]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{line.text}\n" for line in lines)
    path.write_bytes(f"{HEADER}\n{body}".encode())


def customer_rows(lines: Iterable[Line]) -> list[tuple[str, str]]:
    """(CustomerID as written, Country) per customer: the country of its latest line.

    Eight customers appear under two countries; the latest line (by InvoiceDate, then file order)
    decides, as a CRM would show the address last used.
    """
    latest: dict[str, tuple[str, str]] = {}
    for line in lines:
        if not line.customer_id:
            continue
        seen = latest.get(line.customer_id)
        if seen is None or line.invoice_date >= seen[0]:
            latest[line.customer_id] = (line.invoice_date, line.country)
    return [(customer, latest[customer][1]) for customer in sorted(latest)]


def write_customers(path: Path, rows: list[tuple[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["CustomerID", "Country"])
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode())


def hash_rank(value: str) -> str:
    """A stable, unbiased ordering key: the same selection on every machine."""
    return hashlib.sha256(value.encode()).hexdigest()


def cut_slice(days: dict[date, list[Line]]) -> dict[date, list[Line]]:
    """Every line of the chosen customers and the chosen counter sales, per day.

    Customers: the SLICE_CUSTOMERS customers with a line between SLICE_FIRST_DAY and
    SLICE_LAST_DAY that come first by sha256 of their CustomerID text, plus, so the slice has each
    kind of line a loader must handle, the first customer (same order) with a zero unit price, the
    first whose only lines in the period are cancellations of goods, and every customer who
    appears under two countries. Counter sales: the invoices without a customer whose sha256 rank
    puts them in the first SLICE_COUNTER_SALE_SHARE, plus the bad-debt adjustments (invoice
    numbers starting with `A`, negative prices) and the first (same order) with a non-ASCII
    character (a `£` in a gift voucher's description).
    """
    in_period = [
        line
        for day, lines in days.items()
        if SLICE_FIRST_DAY <= day <= SLICE_LAST_DAY
        for line in lines
    ]
    customers = sorted({line.customer_id for line in in_period if line.customer_id}, key=hash_rank)
    chosen = set(customers[:SLICE_CUSTOMERS])
    zero_priced = {line.customer_id for line in in_period if float(line.unit_price) == 0}
    # Goods have numeric stock codes; POST, M, D... are fees and adjustments.
    cancelling_goods = {
        line.customer_id
        for line in in_period
        if line.invoice_no.startswith("C") and line.stock_code[:1].isdigit()
    }
    purchasing = {line.customer_id for line in in_period if not line.invoice_no.startswith("C")}
    for kind in (zero_priced, cancelling_goods - purchasing):
        in_order = [customer for customer in customers if customer in kind]
        if in_order and not chosen.intersection(in_order):
            chosen.add(in_order[0])
    countries: dict[str, set[str]] = {}
    for line in in_period:
        if line.customer_id:
            countries.setdefault(line.customer_id, set()).add(line.country)
    chosen.update(customer for customer, names in countries.items() if len(names) > 1)

    anonymous = sorted(
        {line.invoice_no for line in in_period if not line.customer_id}, key=hash_rank
    )
    counter_sales = set(anonymous[: round(len(anonymous) * SLICE_COUNTER_SALE_SHARE)])
    counter_sales.update(invoice for invoice in anonymous if invoice.startswith("A"))
    non_ascii = {line.invoice_no for line in in_period if not line.text.isascii()}
    counter_sales.update([invoice for invoice in anonymous if invoice in non_ascii][:1])

    picked: dict[date, list[Line]] = {}
    for line in in_period:
        if line.customer_id in chosen or (
            not line.customer_id and line.invoice_no in counter_sales
        ):
            picked.setdefault(line.day, []).append(line)
    return picked


def write_layout(days: dict[date, list[Line]], out: Path, *, whole_history: bool) -> list[Path]:
    written = []
    for day, lines in sorted(days.items()):
        path = out / "invoice_lines" / f"invoice_lines_{day.isoformat()}.csv"
        write_lines(path, lines)
        written.append(path)
    if whole_history:
        path = out / "whole_history" / "invoice_lines.csv"
        write_lines(path, (line for _, lines in sorted(days.items()) for line in lines))
        written.append(path)
    path = out / "customers.csv"
    write_customers(path, customer_rows(line for lines in days.values() for line in lines))
    written.append(path)
    return written


def write_checksums(out: Path, paths: list[Path]) -> None:
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out)}\n" for p in paths]
    (out / "SHA256SUMS").write_text("".join(sums))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder of the source YYYY-MM-DD.csv files")
    parser.add_argument("--full-out", type=Path, help="where to lay out the whole data set")
    parser.add_argument("--slice-out", type=Path, help="where to write the test slice")
    args = parser.parse_args(argv)
    days = read_source(args.source)
    if args.full_out:
        written = write_layout(days, args.full_out, whole_history=True)
        write_checksums(args.full_out, written)
    if args.slice_out:
        for old in (args.slice_out / "invoice_lines").glob("invoice_lines_*.csv"):
            old.unlink()
        write_layout(cut_slice(days), args.slice_out, whole_history=False)


if __name__ == "__main__":
    main()
