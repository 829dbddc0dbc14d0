"""`publish.build_report: true`: every publish writes the version's review pack before BI sees
the version, pruning removes it with its version, and a pack that cannot be built never holds
the warehouse back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from pipelines.defs.publish.review_pack import review_pack_hook
from pipelines.lib.config import load_settings
from pipelines.lib.publish import PublishRecord, current_version, publish_build


def _marts(build_db: Path) -> list[str]:
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    finally:
        con.close()
    return sorted(name for (name,) in rows)


def _as_of(build_db: Path) -> str:
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        return (
            con.execute("select max(as_of_date) from marts.clv_summary").fetchone()[0].isoformat()
        )
    finally:
        con.close()


def _publish(settings, run: int, hook) -> str:
    record = PublishRecord(
        run_id=f"run{run:04d}-test", as_of_date=_as_of(settings.build_db), checks={"c": True}
    )
    published = publish_build(
        settings.build_db,
        settings.published_dir,
        marts=_marts(settings.build_db),
        record=record,
        keep_versions=1,
        before_switch=hook,
    )
    return published.version


def _settings(published_home: Path, tmp_path: Path):
    """The session warehouse's build file, published into a folder of this test's own."""
    settings = load_settings(home=published_home)
    build_db = tmp_path / "build" / "kam.duckdb"
    build_db.parent.mkdir(parents=True)
    build_db.write_bytes(settings.build_db.read_bytes())
    return dataclasses.replace(settings, home=tmp_path, build_report=True)


def test_each_publish_brings_its_pack_and_pruning_removes_it(published_home, tmp_path):
    settings = _settings(published_home, tmp_path)
    said: list[str] = []
    hook = review_pack_hook(settings, said.append, said.append)

    first = _publish(settings, 1, hook)
    assert (settings.published_dir / "reports" / first / "index.html").is_file()
    assert any(line.startswith("review pack:") for line in said)
    # A version's pack exists before the version is switched in: never a version without one.
    assert current_version(settings.published_dir) == first

    con = duckdb.connect(str(settings.build_db))
    con.execute("update marts.dim_accounts set account_name = account_name || ' (2)'")
    con.close()
    second = _publish(settings, 2, hook)

    reports = settings.published_dir / "reports"
    assert (reports / second / "index.html").is_file()
    assert not (reports / first).exists(), "pruned with its version (keep_versions=1)"


def test_a_pack_that_cannot_be_built_warns_and_the_version_still_publishes(
    published_home, tmp_path, monkeypatch
):
    settings = _settings(published_home, tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-browser-here"))
    warnings: list[str] = []
    hook = review_pack_hook(settings, lambda _: None, warnings.append)

    version = _publish(settings, 1, hook)

    assert current_version(settings.published_dir) == version
    assert not (settings.published_dir / "reports" / version).exists()
    assert warnings and "review pack not built" in warnings[0] and "kam report" in warnings[0]


def test_no_hook_unless_kam_yml_asks(published_home):
    settings = load_settings(home=published_home)
    assert review_pack_hook(settings, print, print) is None
