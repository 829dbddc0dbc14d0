"""Load `kam.yml` (and environment overrides) into one typed, validated settings object.

One file plus environment variables, as SPEC "Operations" asks: the file says what the sources look
like and how the warehouse behaves; the environment says where things are on this machine
(KAM_HOME, KAM_LANDING, KAM_CONFIG) and holds secrets. Everything is checked before any work
starts: an unknown key is an error with a "did you mean", a wrong type or an out-of-range value
names the key, the file and the line, and a derived-column expression that does not compile is
reported with its key. Nothing here is read at import time: callers load settings when a run
starts, once, and hand the object to every step (pipelines.defs.resources.KamResource).

The schema lives in `pipelines.lib.config_schema`; this module turns a validated document into
`Settings` and says what went wrong in words a person can act on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.lib.config_errors import (
    ConfigError,
    UniqueKeyLoader,
    describe_validation_error,
    yaml_error_message,
)
from pipelines.lib.config_schema import (
    BUILT_IN_FORMATS,
    DEFAULT_SOURCES,
    ExcludeWhen,
    FormatConfig,
    KamConfig,
    check_semantics,
)
from pipelines.lib.contract import DEFAULT_VOCABULARIES, ENTITIES
from pipelines.lib.publish_defaults import DEFAULT_STORAGE_VERSION

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "kam.yml"

__all__ = ["ConfigError", "ParseFormat", "Settings", "SourceSpec", "load_settings"]


@dataclass(frozen=True)
class ParseFormat:
    """How a CSV file is written: declared per source, never sniffed."""

    name: str
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal_separator: str = "."
    thousands_separator: str = ""
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    timestamp_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


@dataclass(frozen=True)
class SourceSpec:
    """Where one entity's files are, how to read them, and what to do with rows that break rules.

    `column_map` maps an export's own header (normalised, see ingest/names.py) to a contract
    column; `derived` fills contract columns with SQL expressions over the typed contract columns
    (and `_line`, the row's line in its file); `rules` says per rule name whether a breaking row is
    quarantined (a bad row, counted against the thresholds) or excluded (counted and reported, not
    a bad row); `exclude_when` excludes rows matching a predicate, with its reason.
    """

    entity: str
    paths: tuple[str, ...]
    format: ParseFormat
    sheets: tuple[str, ...] = ()
    column_map: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    exclude_when: tuple[ExcludeWhen, ...] = ()
    max_bad_row_share: float | None = None
    max_bad_rows: int | None = None


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    config_path: Path
    currency: str = "BRL"
    default_country: str = "BR"
    max_bad_row_share: float = 0.01
    max_bad_rows: int = 10
    future_tolerance_days: int = 1
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "1GB"
    keep_versions: int = 7
    expose_contact_names: bool = False
    # DuckDB storage format of the published file (pipelines/lib/publish_defaults.py).
    storage_version: str = DEFAULT_STORAGE_VERSION
    build_report: bool = False
    report_language: str = "pt"
    report_tiers: tuple[str, ...] = ("key", "strategic")
    dbt_target: str = "duckdb"
    dbt_vars: dict[str, Any] = field(default_factory=dict)
    vocabularies: Mapping[str, tuple[str, ...] | None] = field(
        default_factory=lambda: dict(DEFAULT_VOCABULARIES)
    )
    formats: dict[str, ParseFormat] = field(default_factory=dict)
    sources: dict[str, SourceSpec] = field(default_factory=dict)

    @property
    def bronze_dir(self) -> Path:
        return self.home / "bronze"

    @property
    def build_dir(self) -> Path:
        return self.home / "build"

    @property
    def build_db(self) -> Path:
        """The writer's private DuckDB file; BI never opens it."""
        return self.build_dir / "kam.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.home / "published"

    @property
    def published_db(self) -> Path:
        """The file BI tools open (read-only)."""
        return self.published_dir / "kam.duckdb"

    def vocabulary(self, name: str) -> tuple[str, ...] | None:
        """The values a vocabulary allows after kam.yml's changes; None = any text."""
        return self.vocabularies.get(name, DEFAULT_VOCABULARIES.get(name))

    def bad_row_policy(self, entity: str) -> tuple[float, int]:
        """(share, absolute allowance) of bad rows a run's load of `entity` may hold.

        A load fails when its quarantined rows exceed both: `max_bad_rows` keeps one bad row in a
        35-row daily file from failing the run, the share scales with large loads.
        """
        source = self.sources.get(entity)
        share = self.max_bad_row_share
        allowance = self.max_bad_rows
        if source is not None and source.max_bad_row_share is not None:
            share = source.max_bad_row_share
        if source is not None and source.max_bad_rows is not None:
            allowance = source.max_bad_rows
        return share, allowance


DBT_TARGETS = ("duckdb", "postgres", "spark")


def load_settings(
    config_path: str | Path | None = None,
    *,
    home: str | Path | None = None,
    landing: str | Path | None = None,
    dbt_target: str | None = None,
) -> Settings:
    """Read and validate settings: explicit arguments win over environment variables, which win
    over the file. Raises ConfigError with every problem found, each on its own line."""
    path = Path(config_path or os.environ.get("KAM_CONFIG") or DEFAULT_CONFIG_PATH)
    if not path.is_file():
        raise ConfigError(f"configuration file {path} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        raw = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ConfigError(yaml_error_message(path, error)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} line 1: expected a mapping of settings (key: value) at the top")
    try:
        document = KamConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(path, text, error)) from None
    problems = check_semantics(document)
    if problems:
        raise ConfigError(describe_problems(path, text, problems))
    target = dbt_target or os.environ.get("KAM_DBT_TARGET") or document.dbt.target
    if target not in DBT_TARGETS:
        raise ConfigError(
            f"dbt target {target!r} (from --target or KAM_DBT_TARGET) is not one of "
            f"{', '.join(DBT_TARGETS)}"
        )
    return _settings_from(document, path, home=home, landing=landing, dbt_target=target)


def describe_problems(path: Path, text: str, problems: list[tuple[tuple, str]]) -> str:
    from pipelines.lib.config_errors import located

    return "\n".join(located(path, text, where, message) for where, message in problems)


def _settings_from(
    document: KamConfig,
    path: Path,
    *,
    home: str | Path | None,
    landing: str | Path | None,
    dbt_target: str,
) -> Settings:
    home_path = Path(home or os.environ.get("KAM_HOME") or document.home or "data").resolve()
    landing_value = landing or os.environ.get("KAM_LANDING") or document.landing
    landing_path = Path(landing_value).resolve() if landing_value else home_path / "landing"

    declared = {**BUILT_IN_FORMATS, **document.formats}
    formats = {name: _parse_format(name, spec) for name, spec in declared.items()}
    sources = {}
    for name, default in DEFAULT_SOURCES.items():
        spec = document.sources.get(name, default)
        sources[name] = SourceSpec(
            entity=name,
            paths=tuple(spec.paths),
            format=formats[spec.format],
            sheets=tuple(spec.sheets),
            column_map={
                str(header).strip().lower(): _current_name(name, column)
                for header, column in spec.column_map.items()
            },
            derived=dict(spec.derived),
            rules=dict(spec.rules),
            exclude_when=tuple(spec.exclude_when),
            max_bad_row_share=spec.max_bad_row_share,
            max_bad_rows=spec.max_bad_rows,
        )
    vocabularies: dict[str, tuple[str, ...] | None] = dict(DEFAULT_VOCABULARIES)
    for name, change in document.vocabularies.items():
        vocabularies[name] = change.apply(DEFAULT_VOCABULARIES[name])
    return Settings(
        home=home_path,
        landing=landing_path,
        config_path=path.resolve(),
        currency=document.currency,
        default_country=document.default_country,
        max_bad_row_share=document.ingest.max_bad_row_share,
        max_bad_rows=document.ingest.max_bad_rows,
        future_tolerance_days=document.ingest.future_tolerance_days,
        duckdb_threads=document.duckdb.threads,
        duckdb_memory_limit=document.duckdb.memory_limit,
        keep_versions=document.publish.keep_versions,
        expose_contact_names=document.publish.expose_contact_names,
        storage_version=document.publish.storage_version,
        build_report=document.publish.build_report,
        report_language=document.report.language,
        report_tiers=tuple(document.report.tiers),
        dbt_target=dbt_target,
        dbt_vars=dict(document.dbt.vars),
        vocabularies=vocabularies,
        formats=formats,
        sources=sources,
    )


def _current_name(entity: str, column: str) -> str:
    """A column map may name a column by an earlier name (`net_amount_brl`): read it as today's."""
    for candidate in ENTITIES[entity].columns:
        if column in candidate.aliases:
            return candidate.name
    return column


def _parse_format(name: str, spec: FormatConfig) -> ParseFormat:
    return ParseFormat(
        name=name,
        encoding=spec.encoding,
        delimiter=spec.delimiter,
        decimal_separator=spec.decimal_separator,
        thousands_separator=spec.thousands_separator,
        date_formats=tuple(spec.date_formats),
        timestamp_formats=tuple(spec.timestamp_formats),
    )
