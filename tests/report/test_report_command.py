"""`kam report` and `build_review_pack` as a user meets them: where the pack goes, what a wrong
option says, and that a failed build leaves the previous pack alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.lib.report import BrowserMissingError, ReportError, build_review_pack
from pipelines.lib.report import pack as pack_module
from tests.report.warehouse import REPO

pytestmark = pytest.mark.slow


def kam(*args: str, env_path: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    if env_path is not None:
        env["PATH"] = env_path
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_kam_report_writes_the_current_versions_pack_beside_the_published_files(published_home):
    result = kam("report", "--home", str(published_home), "--lang", "en", "--no-pdf")
    assert result.returncode == 0, result.stderr
    version = (published_home / "published" / "CURRENT").read_text(encoding="utf-8").strip()
    out = published_home / "published" / "reports" / version
    assert (out / "index.html").is_file()
    assert "Portfolio cockpit" in (out / "index.html").read_text(encoding="utf-8")
    assert str(out / "index.html") in result.stdout
    assert not list(out.parent.glob("*.partial"))
    assert not list(out.rglob("*.pdf")), "--no-pdf prints nothing"


def test_an_unknown_version_is_named_with_the_ones_available(published_home):
    result = kam("report", "--home", str(published_home), "--version", "20990101T000000Z-x")
    assert result.returncode == 2
    version = (published_home / "published" / "CURRENT").read_text(encoding="utf-8").strip()
    assert "no published version 20990101T000000Z-x" in result.stderr
    assert version in result.stderr
    assert "Traceback" not in result.stderr


def test_a_home_with_nothing_published_says_to_run_first(tmp_path):
    result = kam("report", "--home", str(tmp_path))
    assert result.returncode == 2
    assert "nothing is published" in result.stderr and "kam run" in result.stderr


def test_missing_chromium_is_named_before_any_work(published_db, tmp_path):
    out = tmp_path / "pack"
    with pytest.raises(BrowserMissingError) as caught:
        build_review_pack(
            published_db,
            out,
            lang="pt",
            tiers=("key",),
            expose_contact_names=False,
            chromium=tmp_path / "no-chromium-here",
        )
    message = str(caught.value)
    assert "Chromium" in message and "make browser" in message and "--no-pdf" in message
    assert not out.exists() and not (tmp_path / "pack.partial").exists()


def test_kam_report_without_chromium_on_path_says_how_to_install_it(published_home, tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = kam("report", "--home", str(published_home), env_path=str(empty_bin))
    assert result.returncode == 2
    assert "none was found on PATH" in result.stderr and "apt-get install chromium" in result.stderr


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"lang": "fr"}, "language 'fr': expected one of pt, en"),
        ({"tiers": ("key", "gold")}, "report tiers gold: expected one or more of key, strategic"),
        ({"currency": "REAL"}, "currency 'REAL': expected an ISO 4217 code"),
    ],
)
def test_wrong_options_are_refused_with_what_was_expected(
    published_db, tmp_path, options, expected
):
    arguments = {"lang": "pt", "tiers": ("key",), "expose_contact_names": False, "pdf": False}
    arguments.update(options)
    with pytest.raises(ReportError, match=expected.replace("(", r"\(")):
        build_review_pack(published_db, tmp_path / "pack", **arguments)
    assert not (tmp_path / "pack").exists()


def test_a_failed_build_leaves_the_previous_pack_untouched(published_db, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    options = {"lang": "pt", "tiers": ("key",), "expose_contact_names": False, "pdf": False}
    build_review_pack(published_db, out, **options)
    before = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pack_module, "_replace", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_review_pack(
            published_db, out, lang="en", tiers=("key",), expose_contact_names=False, pdf=False
        )
    after = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert after == before
    assert not (tmp_path / "pack.partial").exists()


def test_a_rebuild_replaces_the_pack_and_writes_nowhere_else(published_db, tmp_path):
    out = tmp_path / "reports" / "v1"
    options = {"tiers": ("key",), "expose_contact_names": False, "pdf": False}
    build_review_pack(published_db, out, lang="pt", **options)
    (out / "stale.html").write_text("left from an earlier build", encoding="utf-8")
    build_review_pack(published_db, out, lang="en", **options)
    assert not (out / "stale.html").exists()
    assert "Portfolio cockpit" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(path.name for path in (tmp_path / "reports").iterdir()) == ["v1"]
