"""Helpers for tests that drive the real ingest into a temporary home."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipelines.lib.config import load_settings

INVOICE_COLUMNS = (
    "invoice_id",
    "line_number",
    "invoice_date",
    "account_id",
    "product_id",
    "quantity",
    "net_amount",
    "distributor_id",
)


def settings_for(home: Path, **overrides):
    settings = load_settings(home=home)
    return dataclasses.replace(settings, **overrides) if overrides else settings


def with_format(settings, entity: str, **changes):
    """Settings whose source for `entity` reads with a changed parse format."""
    source = settings.sources[entity]
    fmt = dataclasses.replace(source.format, **changes)
    sources = {**settings.sources, entity: dataclasses.replace(source, format=fmt)}
    return dataclasses.replace(settings, sources=sources)
