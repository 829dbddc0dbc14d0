"""Contract types and row rules, in DuckDB SQL: all-text rows in, typed rows and problems out.

Every value arrives as text (readers.py) and is typed here by rules the config declares, never by a
sniffer: a `1.234,56` is only a number under a format that says `,` is the decimal separator, and
`31/01/2025` is only a date under a format listing `%d/%m/%Y`. A value that does not parse is not
silently NULL: it becomes a problem row naming what was expected.

The table `checked` keeps, per landing row, the trimmed text (`_v_<col>`), the typed value
(`<col>`) and the first problem with it (`_p_<col>`, NULL when fine). `problems` then holds one row
per (line, column) problem, plus duplicate keys, unknown references and broken row rules, each
with the name of the rule it broke (`rule`: `<column>.missing`, `<column>.invalid`,
`<column>.unknown`, `key.duplicate` or a contract row rule), and the rows an `exclude_when`
predicate of kam.yml matches (`rule` = `exclude_when`); every value of an entity holding personal
data is redacted (redaction.py).

Derived columns (kam.yml `sources.<entity>.derived`) are computed in the same pass: each
expression reads the row as parsed from the file (text columns as trimmed text, other columns
typed, plus `_line` and `_file`), its value replaces the column's, and it is then checked by the
same rules as a delivered value; every problem with it names the expression.

What a value may be comes from the contract and the settings together (`ValueRules`): a
configurable vocabulary is the settings' list, an account without a country is in the configured
default country, and an event time may not lie after the run date plus a tolerance.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import duckdb

from pipelines.lib import cnpj
from pipelines.lib.config import ParseFormat, SourceSpec
from pipelines.lib.config_schema import ExcludeWhen
from pipelines.lib.contract import Column, Entity
from pipelines.lib.ingest.redaction import shown_sql
from pipelines.lib.sql_text import ident, quote_literal

# What happened to a row with a problem: kept aside as a bad row, or left out on purpose (kam.yml
# `rules: {<rule>: exclude}` or `exclude_when`). Both are stored in the quarantine table.
QUARANTINED = "quarantined"
EXCLUDED = "excluded"
EXCLUDE_WHEN_RULE = "exclude_when"

# Parquet and XLSX carry typed values; the readers render them as ISO text read with this format.
ISO_FORMAT = ParseFormat(
    name="iso (Parquet/XLSX)",
    date_formats=("%Y-%m-%d",),
    timestamp_formats=(
        "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%dT%H:%M:%S.%f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d",
    ),
)

TRUE_WORDS = ("true", "t", "1", "yes", "y", "sim", "s")
FALSE_WORDS = ("false", "f", "0", "no", "n", "não", "nao")

# Spaces, tabs, line breaks and the no-break space spreadsheets love. Trimming with a character set
# is ~4x slower than a regex test, so values are only trimmed when they start or end with one.
_WHITESPACE = "' \t\r\n\u00a0'"
_EDGE_WHITESPACE = "'^[\\s\\x{00A0}]|[\\s\\x{00A0}]$'"
_EXAMPLE_DAY = dt.datetime(2025, 1, 31, 14, 30, 0)
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)", re.IGNORECASE)


# Spellings of Brazil read as its ISO code, so the Brazilian rules apply whatever the CRM wrote.
_BRAZIL_NAMES = ("br", "bra", "brasil", "brazil")
COUNTRY_COLUMN = "country"


@dataclass(frozen=True)
class ValueRules:
    """What the settings add to the contract's rules: vocabularies, the default country, and the
    latest date an event time may carry (the run date plus `future_tolerance_days`)."""

    vocabularies: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    default_country: str = "BR"
    latest_event_date: dt.date | None = None
    run_date: dt.date | None = None

    def allowed(self, column: Column) -> tuple[str, ...] | None:
        if column.allowed is not None:
            return column.allowed
        if column.vocabulary is not None:
            return self.vocabularies.get(column.vocabulary)
        return None


def parse_format_for(kind: str, source: SourceSpec) -> ParseFormat:
    """CSV uses the source's declared format; Parquet is typed ISO; XLSX is ISO first, then the
    source's declared date formats (a date typed as text in a cell, e.g. 31/01/2025)."""
    if kind == "csv":
        return source.format
    if kind == "xlsx":
        dates = ISO_FORMAT.date_formats + tuple(
            f for f in source.format.date_formats if f not in ISO_FORMAT.date_formats
        )
        stamps = ISO_FORMAT.timestamp_formats + tuple(
            f for f in source.format.timestamp_formats if f not in ISO_FORMAT.timestamp_formats
        )
        return replace(ISO_FORMAT, date_formats=dates, timestamp_formats=stamps)
    return ISO_FORMAT


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"


def number_pattern(fmt: ParseFormat, scale: int | None) -> str:
    """A regex a number must match under the declared separators (checked before any cast).

    Without it, `1,234.56` read under a `,`-decimal format would become 1.23456 silently. Digits
    past the column's scale are allowed only as trailing zeros, so nothing is rounded away.
    """
    dec = re.escape(fmt.decimal_separator)
    integer = "[0-9]+"
    if fmt.thousands_separator:
        thousands = re.escape(fmt.thousands_separator)
        integer = f"([0-9]+|[0-9]{{1,3}}({thousands}[0-9]{{3}})+)"
    if scale is None:  # DOUBLE: any fraction, exponent allowed (Parquet renders 1e-05)
        return f"[+-]?{integer}({dec}[0-9]+)?([eE][+-]?[0-9]+)?"
    fraction = f"[0-9]{{1,{scale}}}0*" if scale > 0 else "0+"
    return f"[+-]?{integer}({dec}{fraction})?"


def number_example(fmt: ParseFormat) -> str:
    thousands = fmt.thousands_separator
    return f"1{thousands}234{fmt.decimal_separator}56"


def type_expression(
    column: Column, fmt: ParseFormat, value: str, rules: ValueRules | None = None
) -> str:
    """SQL turning the trimmed text `value` into the column's type, NULL when it does not parse."""
    rules = rules or ValueRules()
    type_ = column.type.upper()
    if type_ in ("VARCHAR", "TEXT"):
        allowed = rules.allowed(column)
        if allowed:
            cases = " ".join(
                f"WHEN {quote_literal(a.lower())} THEN {quote_literal(a)}" for a in allowed
            )
            return f"CASE lower({value}) {cases} END"
        if column.name == COUNTRY_COLUMN:
            return _country_expression(value, rules.default_country)
        return value
    if type_ in ("INTEGER", "BIGINT", "SMALLINT"):
        return (
            f"CASE WHEN regexp_full_match({value}, '[+-]?[0-9]+') "
            f"THEN try_cast({value} AS {type_}) END"
        )
    if type_ in ("DOUBLE", "FLOAT", "REAL") or _DECIMAL.fullmatch(type_):
        match = _DECIMAL.fullmatch(type_)
        scale = int(match.group(2)) if match else None
        normalized = value
        if fmt.thousands_separator:
            normalized = f"replace({normalized}, {quote_literal(fmt.thousands_separator)}, '')"
        if fmt.decimal_separator != ".":
            normalized = f"replace({normalized}, {quote_literal(fmt.decimal_separator)}, '.')"
        pattern = quote_literal(number_pattern(fmt, scale))
        return (
            f"CASE WHEN regexp_full_match({value}, {pattern}) "
            f"THEN try_cast({normalized} AS {column.type}) END"
        )
    if type_ == "DATE":
        return f"CAST(try_strptime({value}, {_sql_list(fmt.date_formats)}) AS DATE)"
    if type_ == "TIMESTAMP":
        return f"CAST(try_strptime({value}, {_sql_list(fmt.timestamp_formats)}) AS TIMESTAMP)"
    if type_ == "BOOLEAN":
        return (
            f"CASE WHEN lower({value}) IN ({', '.join(map(quote_literal, TRUE_WORDS))}) THEN true "
            f"WHEN lower({value}) IN ({', '.join(map(quote_literal, FALSE_WORDS))}) THEN false END"
        )
    raise ValueError(f"contract column {column.name}: type {column.type} has no parse rule")


def _country_expression(value: str, default_country: str) -> str:
    """ISO codes upper-cased, Brazil's spellings read as BR, empty = the default country."""
    brazil = ", ".join(quote_literal(name) for name in _BRAZIL_NAMES)
    return (
        f"coalesce(CASE WHEN lower({value}) IN ({brazil}) THEN 'BR' "
        f"WHEN regexp_full_match({value}, '[A-Za-z]{{2}}') THEN upper({value}) ELSE {value} END, "
        f"{quote_literal(default_country)})"
    )


def expected_text(column: Column, fmt: ParseFormat, rules: ValueRules | None = None) -> str:
    """Plain words for what a value of this column must look like."""
    type_ = column.type.upper()
    allowed = (rules or ValueRules()).allowed(column)
    if allowed:
        return f"expected one of: {', '.join(allowed)}"
    if type_ in ("INTEGER", "BIGINT", "SMALLINT"):
        return "expected a whole number like 12"
    if type_ in ("DOUBLE", "FLOAT", "REAL") or _DECIMAL.fullmatch(type_):
        match = _DECIMAL.fullmatch(type_)
        scale = f", at most {match.group(2)} decimals" if match else ""
        thousands = fmt.thousands_separator or "none"
        return (
            f"expected a number like {number_example(fmt)} (decimal separator "
            f"{fmt.decimal_separator!r}, thousands separator {thousands!r}{scale})"
        )
    if type_ == "DATE":
        return (
            f"expected a date like {_EXAMPLE_DAY.strftime(fmt.date_formats[0])} "
            f"(formats {', '.join(fmt.date_formats)})"
        )
    if type_ == "TIMESTAMP":
        return (
            f"expected a date-time like {_EXAMPLE_DAY.strftime(fmt.timestamp_formats[0])} "
            f"(formats {', '.join(fmt.timestamp_formats)})"
        )
    if type_ == "BOOLEAN":
        return "expected a yes/no value (true/false, t/f, 1/0, yes/no, y/n, sim/não, s/n)"
    return "expected text"


_INTEGER_RANGES = {"SMALLINT": 2**15, "INTEGER": 2**31, "BIGINT": 2**63}


def _overflow_branches(column: Column, fmt: ParseFormat, value: str, typed: str) -> list[str]:
    """A number written right but too large for the column's type says so, not "expected a number
    like 1.234,56": the value matches the pattern and only the cast failed (or gave infinity)."""
    type_ = column.type.upper()
    if type_ in _INTEGER_RANGES:
        bound = _INTEGER_RANGES[type_]
        text = (
            f"the number is too large for this column: expected a whole number between "
            f"{-bound:,} and {bound - 1:,} ({type_})"
        )
        test = f"regexp_full_match({value}, '[+-]?[0-9]+')"
        return [f"WHEN {typed} IS NULL AND {test} THEN {quote_literal(text)}"]
    match = _DECIMAL.fullmatch(type_)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        text = (
            f"the number is too large for this column: at most {precision - scale} digits before "
            f"the decimal separator ({column.type})"
        )
        test = f"regexp_full_match({value}, {quote_literal(number_pattern(fmt, scale))})"
        return [f"WHEN {typed} IS NULL AND {test} THEN {quote_literal(text)}"]
    if type_ in ("DOUBLE", "FLOAT", "REAL"):
        limit = "1.8e308" if type_ == "DOUBLE" else "3.4e38"
        text = f"the number is too large for this column ({type_}: at most about {limit})"
        return [f"WHEN isinf({typed}) THEN {quote_literal(text)}"]
    return []


def _range_text(column: Column) -> str:
    if column.minimum is not None and column.maximum is not None:
        return f"expected a value between {column.minimum:g} and {column.maximum:g}"
    if column.minimum is not None:
        return f"expected a value >= {column.minimum:g}"
    return f"expected a value <= {column.maximum:g}"


def problem_expression(
    column: Column,
    entity: Entity,
    fmt: ParseFormat,
    rules: ValueRules | None = None,
    derived_from: str | None = None,
) -> str:
    """SQL giving the first problem with one value in plain words, or NULL when it is fine.

    `derived_from` is the expression a derived column was computed by: every problem names it.
    """
    rules = rules or ValueRules()
    value = ident(f"_v_{column.name}")
    typed = ident(column.name)
    suffix = f" (derived: {derived_from})" if derived_from is not None else ""
    if column.name in entity.key:
        missing: str | None = f"missing key value (key: {', '.join(entity.key)})"
    elif column.required:
        missing = "missing required value"
    else:
        missing = None
    branches = [f"WHEN {value} IS NULL THEN {_reason(missing, suffix)}"]
    if derived_from is not None and not _is_text(column):
        expected = f"the expression's value cannot be read as {column.type}"
    else:
        # A delivered number written right but too large for the type says so.
        branches.extend(_overflow_branches(column, fmt, value, typed))
        expected = expected_text(column, fmt, rules)
    branches.append(f"WHEN {typed} IS NULL THEN {_reason(expected, suffix)}")
    if column.minimum is not None:
        branches.append(
            f"WHEN {typed} < {column.minimum!r} THEN {_reason(_range_text(column), suffix)}"
        )
    if column.maximum is not None:
        branches.append(
            f"WHEN {typed} > {column.maximum!r} THEN {_reason(_range_text(column), suffix)}"
        )
    if column.pattern:
        pattern = column.pattern.removeprefix("^").removesuffix("$")
        branches.append(
            f"WHEN NOT regexp_full_match({typed}, {quote_literal(pattern)}) "
            f"THEN {_reason(f'expected text matching {column.pattern}', suffix)}"
        )
    if column.is_event_time and rules.latest_event_date is not None:
        latest = rules.latest_event_date.isoformat()
        run_date = (rules.run_date or rules.latest_event_date).isoformat()
        future = (
            f"in the future: later than {latest} (the run date {run_date} plus "
            "ingest.future_tolerance_days in kam.yml); an event date cannot lie ahead of the run"
        )
        branches.append(
            f"WHEN CAST({typed} AS DATE) > DATE {quote_literal(latest)} "
            f"THEN {_reason(future, suffix)}"
        )
    return "CASE " + " ".join(branches) + " END"


def _reason(text: str | None, suffix: str) -> str:
    return "NULL" if text is None else quote_literal(text + suffix)


def _is_text(column: Column) -> bool:
    return column.type.upper() in ("VARCHAR", "TEXT")


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The CNPJ rule lives once, in pipelines.lib.cnpj; SQL calls it (accounts are small)."""
    registered = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'kam_cnpj_is_valid'"
    ).fetchall()[0][0]
    if not registered:
        con.create_function("kam_cnpj_is_valid", cnpj.is_valid, ["VARCHAR"], "BOOLEAN")


def _trimmed(value: str) -> str:
    """Trimmed text, NULL when empty; trimming only values with white space at an edge."""
    return (
        f"nullif(CASE WHEN regexp_matches({value}, {_EDGE_WHITESPACE}) "
        f"THEN trim({value}, {_WHITESPACE}) ELSE {value} END, '')"
    )


def _as_delivered(column: Column, fmt: ParseFormat, rules: ValueRules | None) -> str:
    """A column as a derived expression reads it: trimmed text, or typed by the declared format."""
    value = ident("_v_" + column.name)
    return value if _is_text(column) else type_expression(column, fmt, value, rules)


def build_checked(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    checked: str,
    entity: Entity,
    fmt: ParseFormat,
    rules: ValueRules | None = None,
    derived: Mapping[str, str] | None = None,
) -> None:
    """Create `checked` from the all-text table `raw`: trimmed text, typed values, problems.

    `derived` maps contract columns to SQL expressions (kam.yml `derived`). An expression reads
    the row as the file delivered it: text columns as trimmed text, other columns typed (the
    declared format applied), plus `_line` and `_file`. Its value replaces the column's: a text
    result goes through the column's text rules (vocabulary, country), any other is cast to the
    column's type; either way the same row rules then apply.
    """
    register_functions(con)
    derived = dict(derived or {})
    trimmed = ", ".join(
        f"{_trimmed(ident(c.name))} AS {ident('_v_' + c.name)}" for c in entity.columns
    )
    problems = ", ".join(
        f"{problem_expression(c, entity, fmt, rules, derived.get(c.name))} "
        f"AS {ident('_p_' + c.name)}"
        for c in entity.columns
    )
    if not derived:
        typed = ", ".join(
            f"{type_expression(c, fmt, ident('_v_' + c.name), rules)} AS {ident(c.name)}"
            for c in entity.columns
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {checked} AS
            WITH trimmed AS (SELECT _file, _line, {trimmed} FROM {raw}),
            typed AS (SELECT *, {typed} FROM trimmed)
            SELECT *, {problems} FROM typed
            """
        )
        return
    # The row as delivered, under the contract's names: what the expressions read.
    as_delivered = ", ".join(
        f"{_as_delivered(c, fmt, rules)} AS {ident(c.name)}" for c in entity.columns
    )
    computed = ", ".join(
        f"({expression}) AS {ident('_d_' + name)}" for name, expression in derived.items()
    )
    # Each derived column's text (for messages and the missing check) and typed value.
    texts = []
    typed_columns = []
    for c in entity.columns:
        value = ident("_v_" + c.name)
        if c.name not in derived:
            texts.append(f"{value}")
            typed_columns.append(f"{type_expression(c, fmt, value, rules)} AS {ident(c.name)}")
            continue
        result = ident("_d_" + c.name)
        texts.append(f"{_trimmed(f'CAST({result} AS VARCHAR)')} AS {value}")
        if _is_text(c):
            typed_columns.append(f"{type_expression(c, fmt, value, rules)} AS {ident(c.name)}")
        else:
            typed_columns.append(f"try_cast({result} AS {c.type}) AS {ident(c.name)}")
    delivered_names = ", ".join(ident(c.name) for c in entity.columns)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {checked} AS
        WITH trimmed AS (SELECT _file, _line, {trimmed} FROM {raw}),
        delivered AS (SELECT *, {as_delivered} FROM trimmed),
        derived AS (SELECT * EXCLUDE ({delivered_names}), {computed} FROM delivered),
        texts AS (SELECT _file, _line, {", ".join(texts)},
                         {", ".join(ident("_d_" + name) for name in derived)} FROM derived),
        typed AS (SELECT *, {", ".join(typed_columns)} FROM texts)
        SELECT * EXCLUDE ({", ".join(ident("_d_" + name) for name in derived)}), {problems}
        FROM typed
        """
    )


def build_problems(
    con: duckdb.DuckDBPyConnection,
    checked: str,
    problems: str,
    entity: Entity,
    parent_keys: dict[str, str],
    exclude_when: Sequence[ExcludeWhen] = (),
) -> None:
    """One row per problem: value problems, duplicate keys (later rows), unknown references,
    and rows an `exclude_when` predicate matches.

    `parent_keys` maps a referencing column to a table holding the parent's known keys (`key`).
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {problems} (_file VARCHAR, _line BIGINT, "
        "column_name VARCHAR, value VARCHAR, reason VARCHAR, rule VARCHAR)"
    )
    for column in entity.columns:
        shown = shown_sql(entity, ident("_v_" + column.name))
        flag = ident("_p_" + column.name)
        rule = (
            f"CASE WHEN {ident('_v_' + column.name)} IS NULL "
            f"THEN {quote_literal(column.name + '.missing')} "
            f"ELSE {quote_literal(column.name + '.invalid')} END"
        )
        con.execute(
            f"INSERT INTO {problems} SELECT _file, _line, {quote_literal(column.name)}, {shown}, "
            f"{flag}, {rule} FROM {checked} WHERE {flag} IS NOT NULL"
        )
    for row_rule in entity.row_rules:
        column = entity.column(row_rule.column)
        shown = shown_sql(entity, ident("_v_" + column.name))
        con.execute(
            f"INSERT INTO {problems} SELECT _file, _line, {quote_literal(column.name)}, {shown}, "
            f"{quote_literal(row_rule.reason)}, {quote_literal(row_rule.name)} FROM {checked} "
            f"WHERE coalesce({row_rule.breaks_when}, false)"
        )
    _duplicate_keys(con, checked, problems, entity)
    for rule in exclude_when:
        con.execute(
            f"INSERT INTO {problems} SELECT _file, _line, NULL, NULL, "
            f"{quote_literal(rule.reason)}, {quote_literal(EXCLUDE_WHEN_RULE)} FROM {checked} "
            f"WHERE coalesce(({rule.when}), false)"
        )
    for column_name, table in parent_keys.items():
        parent = entity.references[column_name]
        column = entity.column(column_name)
        shown = shown_sql(entity, ident("_v_" + column_name))
        reason = (
            f"unknown {column_name}: no such key among the loaded {parent} "
            f"(load {parent} first, or fix the value)"
        )
        con.execute(
            f"""
            INSERT INTO {problems}
            SELECT c._file, c._line, {quote_literal(column_name)}, {shown}, {quote_literal(reason)},
                   {quote_literal(column_name + ".unknown")}
            FROM {checked} AS c
            WHERE c.{ident(column_name)} IS NOT NULL AND c.{ident("_p_" + column_name)} IS NULL
              AND NOT EXISTS (SELECT 1 FROM {table} AS p WHERE p.key = c.{ident(column_name)})
            """
        )


def _duplicate_keys(
    con: duckdb.DuckDBPyConnection, checked: str, problems: str, entity: Entity
) -> None:
    """Quarantine the later rows of a key seen more than once in one file; the first one stays.

    A cheap hash aggregate finds whether any key repeats; the window that numbers the repeats only
    runs over those keys, so a clean 10-million-row file costs one GROUP BY.
    """
    keys = ", ".join(ident(k) for k in entity.key)
    key_ok = " AND ".join(f"{ident('_p_' + k)} IS NULL" for k in entity.key)
    repeated = f"{checked}_repeated_keys"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {repeated} AS SELECT _file, {keys} FROM {checked} "
        f"WHERE {key_ok} GROUP BY _file, {keys} HAVING count(*) > 1"
    )
    if not con.execute(f"SELECT count(*) FROM {repeated}").fetchall()[0][0]:
        con.execute(f"DROP TABLE {repeated}")
        return
    key_text = " || ', ' || ".join(f"CAST({ident(k)} AS VARCHAR)" for k in entity.key)
    label = ", ".join(entity.key)
    partition = "PARTITION BY c._file, " + ", ".join("c." + ident(k) for k in entity.key)
    con.execute(
        f"""
        INSERT INTO {problems}
        SELECT _file, _line, {quote_literal(label)}, {shown_sql(entity, "key_text")},
               'duplicate key ({label}) in this file: first seen on line ' || first_line
               || '; the first row is kept',
               'key.duplicate'
        FROM (
            SELECT c._file, c._line, {key_text} AS key_text,
                   min(c._line) OVER ({partition}) AS first_line,
                   row_number() OVER ({partition} ORDER BY c._line) AS occurrence
            FROM {checked} AS c
            SEMI JOIN {repeated} AS r USING (_file, {keys})
        )
        WHERE occurrence > 1
        """
    )
    con.execute(f"DROP TABLE {repeated}")


def build_dispositions(
    con: duckdb.DuckDBPyConnection, problems: str, lines: str, excluded_rules: Sequence[str]
) -> None:
    """One row per line with a problem: `excluded` when any of its problems is a rule kam.yml
    excludes (or an `exclude_when` match), else `quarantined`.

    Exclusion wins over quarantine: a row kam.yml says is not ours to load (a counter sale without
    an account) is not loaded whatever else is wrong with it, and is not a bad row.
    """
    names = [EXCLUDE_WHEN_RULE, *excluded_rules]
    listed = ", ".join(quote_literal(name) for name in names)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {lines} AS
        SELECT _file, _line,
               CASE WHEN bool_or(rule IN ({listed})) THEN {quote_literal(EXCLUDED)}
                    ELSE {quote_literal(QUARANTINED)} END AS disposition
        FROM {problems} GROUP BY _file, _line
        """
    )
