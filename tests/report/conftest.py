"""One published warehouse per test session (the real pipeline on generated data), and the
review packs built from it once: the tests read them, none rebuilds them."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.lib.report import ReviewPackSummary, build_review_pack
from tests.report.warehouse import (
    current_published_db,
    minimal_landing,
    run_kam,
    without_optional_inputs,
)

TIERS = ("key", "strategic")
BUILT_AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.lib.sample_data import generate_landing

    landing = tmp_path_factory.mktemp("report_landing")
    generate_landing(landing, accounts=60, years=2, seed=7)
    return landing


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory, sample_landing: Path) -> Path:
    home = tmp_path_factory.mktemp("report_home")
    result = run_kam(home, sample_landing)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


@pytest.fixture(scope="session")
def published_db(published_home: Path) -> Path:
    return current_published_db(published_home)


@pytest.fixture(scope="session")
def pack_pt(
    tmp_path_factory: pytest.TempPathFactory, published_db: Path
) -> tuple[Path, ReviewPackSummary]:
    """The Portuguese pack with its PDFs (the default)."""
    out = tmp_path_factory.mktemp("pack_pt") / "pack"
    summary = build_review_pack(
        published_db, out, lang="pt", tiers=TIERS, expose_contact_names=False, now=BUILT_AT
    )
    return out, summary


@pytest.fixture(scope="session")
def pack_en(tmp_path_factory: pytest.TempPathFactory, published_db: Path) -> Path:
    out = tmp_path_factory.mktemp("pack_en") / "pack"
    build_review_pack(
        published_db,
        out,
        lang="en",
        tiers=TIERS,
        expose_contact_names=False,
        pdf=False,
        now=BUILT_AT,
    )
    return out


@pytest.fixture(scope="session")
def minimal_published_db(
    tmp_path_factory: pytest.TempPathFactory, sample_landing: Path, published_db: Path
) -> tuple[Path, str]:
    """A published file of a warehouse whose landing held only accounts and invoice lines.

    Built by `kam run` when the pipeline accepts such a landing; while it does not (optional
    inputs are being made optional), the sample's published file with the marts of the missing
    inputs emptied, as such a run publishes them. The second value says which.
    """
    root = tmp_path_factory.mktemp("minimal")
    landing = minimal_landing(sample_landing, root / "landing")
    result = run_kam(root / "home", landing)
    if result.returncode == 0:
        return current_published_db(root / "home"), "built by kam run"
    shutil.rmtree(root / "home", ignore_errors=True)
    return without_optional_inputs(published_db, root / "emptied"), "optional marts emptied"
