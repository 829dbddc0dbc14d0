"""The schema of `kam.yml`: every key, its type, its range and its default, in one place.

Pydantic models with `extra="forbid"`, so a misspelt key is an error rather than a silently ignored
setting (`max_bad_rows_share` once published a run that should have failed). Checks that need more
than one key at a time (a source naming a format that is not declared, a column map pointing at a
column the entity does not have, a derived expression that does not compile) are in
`check_semantics`, which returns every problem with the key path it belongs to.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.lib.contract import DEFAULT_VOCABULARIES, ENTITIES, TIERS
from pipelines.lib.publish_defaults import DEFAULT_STORAGE_VERSION

DBT_PROJECT_FILE = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"

_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
_SAMPLE_MOMENT = dt.datetime(2025, 1, 31, 14, 30, 15)


class Strict(BaseModel):
    """A mapping whose keys are all known: anything else is a typo to report."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Annotated[float, Field(ge=0, le=1)]


class FormatConfig(Strict):
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", ".", ",", " ", "'", "\u00a0"] = ""
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    timestamp_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"unknown encoding {value!r}; use e.g. utf-8, latin-1 or windows-1252"
            ) from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '\r\n"':
            raise ValueError(f"expected one character such as ',' ';' '|' or a tab, got {value!r}")
        return value

    @field_validator("date_formats", "timestamp_formats")
    @classmethod
    def _strptime_formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("expected at least one format, like '%Y-%m-%d' or '%d/%m/%Y'")
        for fmt in value:
            problem = _strptime_problem(fmt)
            if problem:
                raise ValueError(problem)
        return value


def _strptime_problem(fmt: str) -> str | None:
    """Formats are DuckDB's strptime formats (they also know %g milliseconds and %n
    nanoseconds): a format must render a sample moment and read it back."""
    import duckdb

    if "%" not in fmt:
        return f"{fmt!r} is not a strptime format (like '%d/%m/%Y')"
    con = duckdb.connect(":memory:")
    try:
        con.execute(
            "SELECT strptime(strftime(?::TIMESTAMP, $fmt), $fmt)".replace("$fmt", "?"),
            [_SAMPLE_MOMENT, fmt, fmt],
        )
    except duckdb.Error as error:
        reason = str(error).splitlines()[0].split(": ", 1)[-1]
        return f"{fmt!r} is not a valid strptime format: {reason}"
    finally:
        con.close()
    return None


class ExcludeWhen(Strict):
    """Rows matching `when` (SQL over the typed contract columns) are excluded with `reason`."""

    when: str
    reason: str


class SourceConfig(Strict):
    paths: tuple[str, ...] = Field(min_length=1)
    format: str = "standard_csv"
    sheets: tuple[str, ...] = ()
    column_map: dict[str, str] = {}
    derived: dict[str, str] = {}
    rules: dict[str, Literal["quarantine", "exclude"]] = {}
    exclude_when: tuple[ExcludeWhen, ...] = ()
    max_bad_row_share: Share | None = None
    max_bad_rows: Annotated[int, Field(ge=0)] | None = None


class IngestConfig(Strict):
    max_bad_row_share: Share = 0.01
    max_bad_rows: Annotated[int, Field(ge=0)] = 10
    future_tolerance_days: Annotated[int, Field(ge=0, le=3660)] = 1


class DuckDBConfig(Strict):
    threads: Annotated[int, Field(ge=1, le=1024)] = 2
    memory_limit: str = "1GB"

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.match(str(value)):
            raise ValueError(f"expected a size like 1GB, 512MB or 4GiB, got {value!r}")
        return str(value).replace(" ", "")


class PublishConfig(Strict):
    keep_versions: Annotated[int, Field(ge=1, le=1000)] = 7
    expose_contact_names: bool = False
    storage_version: str = DEFAULT_STORAGE_VERSION
    build_report: bool = False

    @field_validator("storage_version")
    @classmethod
    def _storage_version(cls, value: str) -> str:
        if not re.fullmatch(r"v\d+\.\d+\.\d+", value):
            raise ValueError(f"expected a DuckDB storage version like v1.1.0, got {value!r}")
        return value


class ReportConfig(Strict):
    language: Literal["pt", "en"] = "pt"
    tiers: tuple[Literal[TIERS], ...] = ("key", "strategic")  # type: ignore[valid-type]


class DbtConfig(Strict):
    target: Literal["duckdb", "postgres", "spark"] = "duckdb"
    vars: dict[str, Any] = {}


class VocabularyChange(Strict):
    """`{add: [...]}` extends a default vocabulary; a plain list replaces it (see KamConfig)."""

    add: tuple[str, ...] = ()
    replace: tuple[str, ...] | None = None

    def apply(self, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if self.replace is not None:
            base: tuple[str, ...] = self.replace
        elif default is None:
            return None if not self.add else tuple(self.add)
        else:
            base = default
        return tuple(dict.fromkeys([*base, *self.add]))


class KamConfig(Strict):
    home: str | None = None
    landing: str | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "BRL"
    default_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "BR"
    ingest: IngestConfig = IngestConfig()
    duckdb: DuckDBConfig = DuckDBConfig()
    publish: PublishConfig = PublishConfig()
    report: ReportConfig = ReportConfig()
    dbt: DbtConfig = DbtConfig()
    vocabularies: dict[str, VocabularyChange] = {}
    formats: dict[str, FormatConfig] = {}
    sources: dict[str, SourceConfig] = {}

    @field_validator("vocabularies", mode="before")
    @classmethod
    def _list_replaces(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                name: {"replace": change} if isinstance(change, list) else change
                for name, change in value.items()
            }
        return value


# The layout SPEC's "Landing contract" describes; kam.yml may point any entity elsewhere.
DEFAULT_SOURCES: dict[str, SourceConfig] = {
    "accounts": SourceConfig(paths=("crm/accounts.*",)),
    "contacts": SourceConfig(paths=("crm/contacts.*",)),
    "activities": SourceConfig(paths=("crm/activities.*",)),
    "service_requests": SourceConfig(paths=("crm/service_requests.*",)),
    "opportunities": SourceConfig(paths=("crm/opportunities.*",)),
    "users": SourceConfig(paths=("crm/users.*",)),
    "products": SourceConfig(paths=("sales/products.*",)),
    "invoice_lines": SourceConfig(
        paths=("sales/invoice_lines/*.csv", "sales/invoice_lines/*.parquet")
    ),
    "objectives": SourceConfig(
        paths=("plan/*.xlsx", "plan/objectives.csv"), sheets=("objetivos", "objectives")
    ),
    "actions": SourceConfig(paths=("plan/*.xlsx", "plan/actions.csv"), sheets=("acoes", "actions")),
    "swot": SourceConfig(paths=("plan/*.xlsx", "plan/swot.csv"), sheets=("swot",)),
    "tier_overrides": SourceConfig(
        paths=("plan/*.xlsx", "plan/tier_overrides.csv"),
        sheets=("excecoes_tier", "tier_overrides"),
    ),
}
assert set(DEFAULT_SOURCES) == set(ENTITIES), "every entity needs a default source"

# Built in: what `standard_csv` means when kam.yml does not declare it.
BUILT_IN_FORMATS = {"standard_csv": FormatConfig()}


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@cache
def dbt_var_defaults() -> dict[str, Any]:
    """The vars dbt_project.yml documents, with their defaults: the only ones `dbt: vars:` sets."""
    project = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def check_semantics(document: KamConfig) -> list[tuple[tuple, str]]:
    """Problems that span keys, as (key path, message); empty when the document is sound."""
    from pipelines.lib.derived import compile_problems  # DuckDB: only when a config is checked

    problems: list[tuple[tuple, str]] = []
    formats = {**BUILT_IN_FORMATS, **document.formats}
    for fmt_name, fmt in document.formats.items():
        if fmt.decimal_separator == fmt.thousands_separator:
            problems.append(
                (
                    ("formats", fmt_name, "thousands_separator"),
                    "the thousands separator must differ from the decimal separator",
                )
            )
    for name, source in document.sources.items():
        where = ("sources", name)
        if name not in ENTITIES:
            problems.append(
                (where, f"unknown entity {name!r}{did_you_mean(name, tuple(ENTITIES))}; expected "
                 f"one of {', '.join(ENTITIES)}")
            )  # fmt: skip
            continue
        entity = ENTITIES[name]
        if source.format not in formats:
            problems.append(
                (
                    (*where, "format"),
                    f"format {source.format!r} is not declared under 'formats'"
                    f"{did_you_mean(source.format, tuple(formats))}",
                )
            )
        known = entity.column_names
        aliases = {alias: column.name for column in entity.columns for alias in column.aliases}
        for header, target in source.column_map.items():
            if target not in known and target not in aliases:
                problems.append(
                    (
                        (*where, "column_map", header),
                        f"{target!r} is not a column of {name}{did_you_mean(target, known)}; "
                        f"expected one of {', '.join(known)}",
                    )
                )
        for column_name in source.derived:
            if column_name not in known:
                problems.append(
                    (
                        (*where, "derived", column_name),
                        f"{column_name!r} is not a column of {name}"
                        f"{did_you_mean(column_name, known)}; expected one of {', '.join(known)}",
                    )
                )
        rule_names = entity.rule_names()
        for rule in source.rules:
            if rule not in rule_names:
                problems.append(
                    (
                        (*where, "rules", rule),
                        f"{rule!r} is not a rule of {name}{did_you_mean(rule, rule_names)}; rules "
                        "are <column>.missing, <column>.invalid, <column>.unknown (an unknown "
                        "reference), key.duplicate"
                        + (
                            ", " + ", ".join(r.name for r in entity.row_rules)
                            if entity.row_rules
                            else ""
                        ),
                    )
                )
        problems.extend(compile_problems(entity, source, where))
    for vocabulary in document.vocabularies:
        if vocabulary not in DEFAULT_VOCABULARIES:
            problems.append(
                (
                    ("vocabularies", vocabulary),
                    f"unknown vocabulary {vocabulary!r}"
                    f"{did_you_mean(vocabulary, tuple(DEFAULT_VOCABULARIES))}; expected one of "
                    f"{', '.join(DEFAULT_VOCABULARIES)}",
                )
            )
    defaults = dbt_var_defaults()
    for var, value in document.dbt.vars.items():
        if var not in defaults:
            problems.append(
                (
                    ("dbt", "vars", var),
                    f"unknown dbt var {var!r}{did_you_mean(var, tuple(defaults))}; the vars and "
                    "their defaults are documented in dbt_project/dbt_project.yml",
                )
            )
        elif (expected := _var_type_problem(defaults[var], value)) is not None:
            problems.append((("dbt", "vars", var), expected))
    return problems


def _var_type_problem(default: Any, value: Any) -> str | None:
    """A dbt var must keep the kind of value its documented default has."""
    if default is None or value is None:
        return None
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "true or false"
    elif isinstance(default, (int, float)):
        ok, kind = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, list):
        ok, kind = isinstance(value, list), "a list"
    else:
        ok, kind = isinstance(value, str), "text"
    return None if ok else f"expected {kind} (like the default {default!r}), got {value!r}"
