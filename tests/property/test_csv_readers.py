"""Property tests of the landing readers: whatever the quoting, separators, line ends, encoding and
bad values of a CSV file, every record delivered is accounted for (loaded + quarantined + excluded)
and every loaded value equals the delivered one.

Each example is a small products file written by Python's `csv` module, read through the real
`ingest_entity` into a temporary home; the expected outcome of each row is computed here from how
it was generated, not from the reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib.ingest import ingest_entity
from tests.ingest_helpers import settings_for, with_format
from tests.unit.landing_helpers import land, query

COLUMNS = ("product_id", "product_name", "product_category", "list_price", "launched_date")
# Characters every tested encoding can write, the separators and the quote included.
TEXT = "abcXYZ çãéÕüñ-_.,;|\t\"'"
WHITESPACE = " \t\r\n\u00a0"


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal: str
    thousands: str
    encoding: str
    bom: bool
    newline: str
    quote_all: bool
    date_format: str


@st.composite
def dialects(draw) -> Dialect:
    decimal, thousands = draw(st.sampled_from([(".", ""), (".", ","), (",", ""), (",", ".")]))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "windows-1252"]))
    return Dialect(
        delimiter=draw(st.sampled_from([",", ";", "|", "\t"])),
        decimal=decimal,
        thousands=thousands,
        encoding=encoding,
        bom=encoding == "utf-8" and draw(st.booleans()),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        quote_all=draw(st.booleans()),
        date_format=draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"])),
    )


@dataclass(frozen=True)
class Row:
    """One delivered record: the texts written and what the reader must make of them."""

    texts: tuple[str, ...]
    expected: tuple | None  # typed values when the row must load, None when it must not
    records: int  # records the row stands for (more when a value swallowed lines)
    blank_lines_before: int


def format_number(value: Decimal, dialect: Dialect) -> str:
    whole, fraction = f"{value:.2f}".split(".")
    if dialect.thousands:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = dialect.thousands.join([whole, *groups])
    return f"{whole}{dialect.decimal}{fraction}"


def wrong_convention(dialect: Dialect) -> str:
    """1234.56 written with the other convention's separators: never a number under `dialect`."""
    return (
        "1.234,56"
        if dialect.decimal == "." and dialect.thousands != ","
        else ("1,234.56" if dialect.decimal == "," or not dialect.thousands else "1.234,56")
    )


@st.composite
def rows(draw, dialect: Dialect, key: int) -> Row:
    name = draw(st.text(st.sampled_from(TEXT + "\n"), min_size=0, max_size=12))
    if dialect.newline == "\r\n":
        name = name.replace("\n", "\r\n")
    category = draw(st.text(st.sampled_from(TEXT), min_size=1, max_size=8))
    price = Decimal(draw(st.integers(min_value=0, max_value=10**9))) / 100
    day = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))
    texts = [
        f"P{key:03d}",
        name,
        category,
        format_number(price, dialect),
        day.strftime(dialect.date_format),
    ]
    fault = draw(
        st.sampled_from(["none"] * 6 + ["price_text", "price_convention", "negative", "date",
                         "swallowed", "no_name"])
    )  # fmt: skip
    swallowed_breaks = 0
    if fault == "price_text":
        texts[3] = "abc"
    elif fault == "price_convention":
        texts[3] = wrong_convention(dialect)
    elif fault == "negative":
        texts[3] = "-" + texts[3] if price else "-1" + dialect.decimal + "00"
    elif fault == "date":
        texts[4] = "2025-13-45" if dialect.date_format.startswith("%Y") else "45/13/2025"
    elif fault == "swallowed":
        swallowed_breaks = draw(st.integers(min_value=1, max_value=3))
        texts[2] = texts[2] + dialect.newline * swallowed_breaks + "rest"
    elif fault == "no_name":
        texts[1] = draw(st.sampled_from(["", " ", "\t \t"]))
    clean_name = texts[1].strip(WHITESPACE)
    if fault != "none" or not clean_name or not texts[2].strip(WHITESPACE):
        expected = None
    else:
        expected = (texts[0], clean_name, texts[2].strip(WHITESPACE), price, day)
    return Row(
        tuple(texts),
        expected,
        1 + swallowed_breaks,
        draw(st.integers(min_value=0, max_value=2)) if draw(st.booleans()) else 0,
    )


@st.composite
def files(draw) -> tuple[Dialect, list[Row]]:
    dialect = draw(dialects())
    count = draw(st.integers(min_value=1, max_value=8))
    return dialect, [draw(rows(dialect, key)) for key in range(count)]


def write_csv(dialect: Dialect, delivered: list[Row]) -> tuple[bytes, list[int]]:
    """The file's bytes and each row's first physical line."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=dialect.delimiter,
        lineterminator=dialect.newline,
        quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(COLUMNS)
    starts = []
    for row in delivered:
        buffer.write(dialect.newline * row.blank_lines_before)
        text = buffer.getvalue()
        starts.append(text.replace("\r\n", "\n").count("\n") + 1)
        writer.writerow(row.texts)
    encoding = "utf-8-sig" if dialect.bom else dialect.encoding
    return buffer.getvalue().encode(encoding), starts


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files())
def test_every_record_is_accounted_for_and_loaded_exactly(example) -> None:
    dialect, delivered = example
    content, starts = write_csv(dialect, delivered)
    with tempfile.TemporaryDirectory(prefix="kam-property-") as home:
        kam = with_format(
            settings_for(Path(home), max_bad_row_share=1.0, max_bad_rows=10_000),
            "products",
            encoding=dialect.encoding,
            delimiter=dialect.delimiter,
            decimal_separator=dialect.decimal,
            thousands_separator=dialect.thousands,
            date_formats=(dialect.date_format,),
        )
        land(kam, "sales/products.csv", content)

        report = ingest_entity(kam, "products")

        (load,) = report.files
        delivered_records = sum(row.records for row in delivered)
        good = [row for row in delivered if row.expected is not None]
        assert load.status == "loaded", load.message
        assert load.rows_read == delivered_records
        assert load.rows_loaded + load.rows_quarantined == delivered_records
        assert load.rows_loaded == len(good)
        loaded = query(
            kam,
            "SELECT product_id, product_name, product_category, list_price, launched_date, "
            "_source_line FROM bronze.products ORDER BY product_id",
        )
        expected = [
            (*row.expected, start)
            for row, start in zip(delivered, starts, strict=True)
            if row.expected is not None
        ]
        assert loaded == expected
        bad_lines = {
            start for row, start in zip(delivered, starts, strict=True) if not row.expected
        }
        assert {line for (line,) in query(kam, "SELECT line FROM bronze.quarantine")} == bad_lines
