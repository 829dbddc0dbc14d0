"""Vectorised rendering of typed columns into the text a CSV export would contain.

A generated table is a dict of numpy arrays (money as integer cents, dates as datetime64). This
module turns each array into strings in one pass of Arrow compute kernels, never a Python loop per
value: at ten million invoice lines a per-value `format()` would dominate the run time.

The style (delimiter, decimal comma, date pattern) comes from the parse format declared in kam.yml,
so the generator writes exactly what the ingest code is configured to read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.config import ParseFormat
from pipelines.lib.contract import BOOLEAN, DATE, DOUBLE, INTEGER, QUANTITY, TEXT, TIMESTAMP

Table = dict[str, np.ndarray]


@dataclass(frozen=True)
class TextStyle:
    """How values are spelled in one CSV flavour."""

    encoding: str
    delimiter: str
    decimal: str
    thousands: str
    date_format: str
    timestamp_format: str
    true: str
    false: str

    @classmethod
    def from_format(cls, fmt: ParseFormat) -> TextStyle:
        """Follow the declared format; booleans follow the locale of the decimal separator.

        The config has no boolean key: Brazilian exports (decimal comma) write S/N (sim/não),
        the others true/false.
        """
        brazilian = fmt.decimal_separator == ","
        return cls(
            encoding=fmt.encoding,
            delimiter=fmt.delimiter,
            decimal=fmt.decimal_separator,
            thousands=fmt.thousands_separator,
            date_format=fmt.date_formats[0],
            timestamp_format=fmt.timestamp_formats[0],
            true="S" if brazilian else "true",
            false="N" if brazilian else "false",
        )


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def money(cents: np.ndarray, style: TextStyle) -> pa.Array:
    """Integer cents -> `1.234.567,89` (Brazilian) or `1234567.89` (standard)."""
    cents = np.asarray(cents, dtype=np.int64)
    negative = pa.array(cents < 0)
    absolute = np.abs(cents)
    whole = pa.array(absolute // 100)
    frac = pc.utf8_lpad(pc.cast(pa.array(absolute % 100), pa.string()), width=2, padding="0")
    if style.thousands:
        # Pad to 15 digits, cut into 5 groups of 3, join with the separator, then strip the
        # leading zeros and separators: 000.000.001.234.567 -> 1.234.567.
        padded = pc.utf8_lpad(pc.cast(whole, pa.string()), width=15, padding="0")
        groups = [pc.utf8_slice_codeunits(padded, i, i + 3) for i in range(0, 15, 3)]
        grouped = pc.binary_join_element_wise(*groups, style.thousands)
        text = pc.utf8_ltrim(grouped, characters="0" + style.thousands)
        text = pc.if_else(pc.equal(text, ""), "0", text)
    else:
        text = pc.cast(whole, pa.string())
    text = _join(text, style.decimal, frac)
    return pc.if_else(negative, _join("-", text), text)


def integer(values: np.ndarray) -> pa.Array:
    """Whole numbers; NaN (a float array) becomes an empty field."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        text = pc.cast(pa.array(np.where(missing, 0, values).astype(np.int64)), pa.string())
        return pc.if_else(pa.array(missing), "", text)
    return pc.cast(pa.array(values.astype(np.int64)), pa.string())


def decimal2(values: np.ndarray, style: TextStyle) -> pa.Array:
    """A ratio with two decimals (probability 0.35 / 0,35), no thousands grouping."""
    cents = np.rint(np.asarray(values, dtype=np.float64) * 100).astype(np.int64)
    plain = TextStyle(**{**style.__dict__, "thousands": ""})
    return money(cents, plain)


def temporal(values: np.ndarray, pattern: str) -> pa.Array:
    """datetime64 (NaT = missing) -> text in `pattern`; missing becomes an empty field."""
    # strftime is slow per value; data has far fewer distinct days than rows, so format each
    # distinct value once and gather.
    distinct, inverse = np.unique(values, return_inverse=True)
    text = pc.fill_null(pc.strftime(pa.array(distinct), format=pattern), "")
    return text.take(pa.array(inverse.astype(np.int64)))


def boolean(values: np.ndarray, style: TextStyle) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(values, dtype=bool)), style.true, style.false)


def text(values: np.ndarray) -> pa.Array:
    return pc.fill_null(pa.array(values, type=pa.string()), "")


def render_column(values: np.ndarray, type_: str, style: TextStyle) -> pa.Array:
    """Render one typed column by its contract type."""
    if type_ == TEXT:
        return text(values)
    if type_ in (INTEGER, QUANTITY):
        return integer(values)
    if type_ == DOUBLE:
        return decimal2(values, style)
    if type_.startswith("DECIMAL"):
        return money(values, style)
    if type_ == BOOLEAN:
        return boolean(values, style)
    if type_ == DATE:
        return temporal(values, style.date_format)
    if type_ == TIMESTAMP:
        return temporal(values, style.timestamp_format)
    raise ValueError(f"no text rendering for contract type {type_!r}")
