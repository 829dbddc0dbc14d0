"""Workbooks: sheet names from the workbook part alone, every sheet parsed once per file content."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipelines.lib.ingest import workbooks


def _write_workbook(path: Path, sheets: dict[str, list[tuple]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    return _write_workbook(
        tmp_path / "plano.xlsx",
        {
            "Objetivos": [("conta", "kpi", "meta"), ("A1", "net_revenue", 1234.5)],
            "Ações": [("conta", "prazo"), ("A1", dt.date(2026, 3, 31)), ("A2", None)],
            "SWOT": [("conta",)],
        },
    )


def test_sheet_names_in_workbook_order(plan: Path) -> None:
    assert workbooks.sheet_names(plan) == ["Objetivos", "Ações", "SWOT"]


def test_find_sheet_ignores_case_and_accents_and_takes_the_first_candidate(plan: Path) -> None:
    assert workbooks.find_sheet(plan, ("actions", "acoes")) == "Ações"
    assert workbooks.find_sheet(plan, ("OBJETIVOS",)) == "Objetivos"
    assert workbooks.find_sheet(plan, ("tier_overrides",)) is None


def test_a_file_that_is_not_a_workbook_raises(tmp_path: Path) -> None:
    text = tmp_path / "plano.xlsx"
    text.write_text("conta;meta\n", encoding="utf-8")
    with pytest.raises(zipfile.BadZipFile):
        workbooks.sheet_names(text)


def test_sheet_rows_keep_values_and_types(plan: Path) -> None:
    assert workbooks.sheet_rows(plan, "Objetivos") == [
        ("conta", "kpi", "meta"),
        ("A1", "net_revenue", 1234.5),
    ]
    actions = workbooks.sheet_rows(plan, "Ações")
    assert actions[1] == ("A1", dt.datetime(2026, 3, 31))
    assert actions[2] == ("A2", None)


def test_every_sheet_is_parsed_once_per_file_content(plan: Path) -> None:
    workbooks._all_sheet_rows.cache_clear()
    for sheet in ("Objetivos", "Ações", "SWOT", "Objetivos"):
        workbooks.sheet_rows(plan, sheet)
    assert workbooks._all_sheet_rows.cache_info().misses == 1

    # A re-delivered workbook under the same name is read again, not served from the cache.
    _write_workbook(plan, {"Objetivos": [("conta", "kpi", "meta"), ("B7", "units", 10)]})
    stat = plan.stat()
    os.utime(plan, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert workbooks.sheet_rows(plan, "Objetivos")[1] == ("B7", "units", 10)
    assert workbooks._all_sheet_rows.cache_info().misses == 2
