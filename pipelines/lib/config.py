"""Load `kam.yml` (and environment overrides) into typed settings.

One file plus environment variables, as SPEC "Operations" asks: the file says what the sources look
like; the environment says where things are on this machine (KAM_HOME, KAM_LANDING, KAM_CONFIG).
Nothing here is read at import time: callers load settings when a run starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.lib.contract import ENTITIES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "kam.yml"


class ConfigError(ValueError):
    """The configuration file says something that cannot work; the message says where."""


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
    """Where one entity's files are and how to read them."""

    entity: str
    paths: tuple[str, ...]
    format: ParseFormat
    sheets: tuple[str, ...] = ()
    column_map: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    config_path: Path
    max_bad_row_share: float = 0.01
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "1GB"
    keep_versions: int = 7
    expose_contact_names: bool = False
    currency: str = "BRL"
    report_lang: str = "pt"
    report_tiers: tuple[str, ...] = ("key", "strategic")
    dbt_target: str = "duckdb"
    dbt_vars: dict[str, Any] = field(default_factory=dict)
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


def load_settings(
    config_path: str | Path | None = None,
    *,
    home: str | Path | None = None,
    landing: str | Path | None = None,
) -> Settings:
    """Read settings: explicit arguments win over environment variables, which win over the file."""
    path = Path(config_path or os.environ.get("KAM_CONFIG") or DEFAULT_CONFIG_PATH)
    if not path.is_file():
        raise ConfigError(f"configuration file {path} not found")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")

    home_path = Path(home or os.environ.get("KAM_HOME") or raw.get("home") or "data").resolve()
    landing_value = landing or os.environ.get("KAM_LANDING") or raw.get("landing")
    landing_path = Path(landing_value).resolve() if landing_value else home_path / "landing"

    formats = {
        name: _parse_format(name, spec, path) for name, spec in (raw.get("formats") or {}).items()
    }
    sources = {
        name: _parse_source(name, spec, formats, path)
        for name, spec in (raw.get("sources") or {}).items()
    }
    missing = sorted(set(ENTITIES) - set(sources))
    if missing:
        raise ConfigError(f"{path}: sources: no entry for {', '.join(missing)}")

    ingest = raw.get("ingest") or {}
    duckdb_cfg = raw.get("duckdb") or {}
    publish = raw.get("publish") or {}
    dbt_cfg = raw.get("dbt") or {}
    report = raw.get("report") or {}
    return Settings(
        home=home_path,
        landing=landing_path,
        config_path=path.resolve(),
        max_bad_row_share=float(ingest.get("max_bad_row_share", 0.01)),
        duckdb_threads=int(duckdb_cfg.get("threads", 2)),
        duckdb_memory_limit=str(duckdb_cfg.get("memory_limit", "1GB")),
        keep_versions=int(publish.get("keep_versions", 7)),
        expose_contact_names=bool(publish.get("expose_contact_names", False)),
        currency=str(raw.get("currency", "BRL")),
        report_lang=str(report.get("lang", "pt")),
        report_tiers=tuple(report.get("tiers") or ("key", "strategic")),
        dbt_target=str(os.environ.get("KAM_DBT_TARGET") or dbt_cfg.get("target", "duckdb")),
        dbt_vars=dict(dbt_cfg.get("vars") or {}),
        formats=formats,
        sources=sources,
    )


def _parse_format(name: str, spec: Any, path: Path) -> ParseFormat:
    if not isinstance(spec, dict):
        raise ConfigError(f"{path}: formats.{name}: expected a mapping")
    known = set(ParseFormat.__dataclass_fields__) - {"name"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ConfigError(
            f"{path}: formats.{name}: unknown keys {', '.join(unknown)}; "
            f"expected some of {', '.join(sorted(known))}"
        )
    values = dict(spec)
    for key in ("date_formats", "timestamp_formats"):
        if key in values:
            values[key] = tuple(values[key])
    return ParseFormat(name=name, **values)


def _parse_source(name: str, spec: Any, formats: dict[str, ParseFormat], path: Path) -> SourceSpec:
    if name not in ENTITIES:
        raise ConfigError(
            f"{path}: sources.{name}: unknown entity; expected one of {', '.join(ENTITIES)}"
        )
    if not isinstance(spec, dict) or not spec.get("paths"):
        raise ConfigError(f"{path}: sources.{name}: expected a mapping with 'paths'")
    format_name = spec.get("format", "standard_csv")
    if format_name not in formats:
        raise ConfigError(
            f"{path}: sources.{name}: format {format_name!r} is not declared under 'formats'"
        )
    column_map = {
        str(header).strip().lower(): str(column)
        for header, column in (spec.get("column_map") or {}).items()
    }
    # A typo in a map target would silently drop the column; say so when the config is read.
    known = ENTITIES[name].column_names
    unknown_targets = sorted({c for c in column_map.values() if c not in known})
    if unknown_targets:
        raise ConfigError(
            f"{path}: sources.{name}.column_map: {', '.join(unknown_targets)} "
            f"is not a column of {name}; expected one of {', '.join(known)}"
        )
    return SourceSpec(
        entity=name,
        paths=tuple(spec["paths"]),
        format=formats[format_name],
        sheets=tuple(spec.get("sheets") or ()),
        column_map=column_map,
    )
