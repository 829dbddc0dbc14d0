"""Publish operations on real files: no-change runs, interrupted publishes, the published copy,
a full disk, the pre-switch hook, and what `kam run` says when nothing was published."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.cli.run import RunOutcome, describe
from pipelines.lib import publish
from pipelines.lib.publish import PublishError
from tests.publish_builds import DOCS, MARTS, PARTITIONS, change, make_build, record

REPO = Path(__file__).resolve().parents[2]


def publish_version(build: Path, published: Path, version: str, **options):
    options.setdefault("record", record(version))
    return publish.publish_build(
        build,
        published,
        marts=MARTS,
        version=version,
        partition_columns=PARTITIONS,
        docs=DOCS,
        **options,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def partials(published: Path) -> list[str]:
    return sorted(p.name for p in (published / "versions").iterdir() if p.name.startswith("."))


# --- nothing changed, no new version ------------------------------------------------------------


def test_seven_quiet_nights_keep_every_rollback_point(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    change(build, "update marts.fct_sales set net_amount = 1 where invoice_line_id = 7")
    publish_version(build, published, "v2")
    served = sha256(published / "kam.duckdb")

    for night in range(1, 8):
        quiet = publish_version(build, published, f"v2-quiet-{night}", keep_versions=7)
        assert not quiet.is_new
        assert quiet.version == "v2"
        assert quiet.describe_changes() == "nothing changed since version v2; no new version"
        assert {copy.how for copy in quiet.marts} == {"unchanged"}

    assert publish.list_versions(published) == ["v1", "v2"]
    assert publish.current_version(published) == "v2"
    assert sha256(published / "kam.duckdb") == served
    assert partials(published) == []
    assert publish.rollback(published) == "v1"


@pytest.mark.parametrize(
    ("what", "fields"),
    [
        ("as-of date", {"as_of_date": "2026-06-01"}),
        ("check results", {"checks": {"bronze:accounts": True, "gx_fct_sales": True}}),
        ("empty reasons", {"empty_reasons": {"dim_accounts": "not delivered"}}),
        ("currency", {"currency": "USD"}),
    ],
)
def test_a_different_record_is_a_new_version_even_on_the_same_marts(
    tmp_path: Path, what: str, fields: dict
) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    base = record("v2")
    changed = base.__class__(**{**base.__dict__, **fields})

    second = publish_version(build, published, "v2", record=changed)

    assert second.is_new, what
    assert publish.list_versions(published) == ["v1", "v2"]


def test_new_warnings_alone_do_not_make_a_new_version(tmp_path: Path) -> None:
    """A warning about time passing (no delivery for days) must not defeat "no change"."""
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")

    quiet = publish_version(
        build, published, "v2", record=record("v2", warnings=["no invoice file for 3 days"])
    )

    assert not quiet.is_new and publish.list_versions(published) == ["v1"]


def test_float_noise_alone_makes_no_version_but_a_new_version_takes_exact_values(
    tmp_path: Path,
) -> None:
    """DuckDB sums doubles in parallel, in whatever order its threads finish: a rerun on the same
    data can differ in the last bit of a weighted average. That alone is not a change; when a
    version is written for another reason, it still holds the build's exact values."""
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    change(build, "update marts.fct_sales set discount_share = nextafter(discount_share, 2.0)")

    quiet = publish_version(build, published, "v2")
    assert not quiet.is_new and publish.list_versions(published) == ["v1"]

    change(build, "update marts.dim_accounts set beds = beds + 1")
    second = publish_version(build, published, "v3")
    assert second.is_new
    con = duckdb.connect(str(build), read_only=True)
    try:
        con.execute(f"attach '{published / 'kam.duckdb'}' as published (read_only)")
        differences = con.execute(
            "select count(*) from (select * from marts.fct_sales "
            "except all select * from published.marts.fct_sales)"
        ).fetchone()[0]
    finally:
        con.close()
    assert differences == 0


# --- interrupted publishes ----------------------------------------------------------------------


def test_a_publish_killed_mid_way_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    change(build, "update marts.fct_sales set net_amount = 3 where invoice_line_id = 4")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from pathlib import Path
                from pipelines.lib.publish import publish_build
                from tests.publish_builds import DOCS, MARTS, record

                def stall(folder):
                    print("staged", folder.name, flush=True)
                    time.sleep(600)

                publish_build(
                    Path({str(build)!r}), Path({str(published)!r}), marts=MARTS,
                    record=record("killed"), version="v2", docs=DOCS, before_switch=stall,
                )
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert child.stdout.readline().split() == ["staged", ".v2.partial"]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert partials(published) == [".v2.partial"]
    (published / ".kam.duckdb.v2.tmp").write_bytes(b"half a copy")
    assert publish.current_version(published) == "v1"

    third = publish_version(build, published, "v3")

    assert (
        ".v2.partial" in third.removed_partials and ".kam.duckdb.v2.tmp" in third.removed_partials
    )
    assert partials(published) == []
    assert not list(published.glob(".*.tmp"))
    assert publish.list_versions(published) == ["v1", "v3"]


# --- the published file is an independent copy --------------------------------------------------


def test_the_published_file_is_a_read_only_copy_not_a_link(tmp_path: Path) -> None:
    published = tmp_path / "published"
    result = publish_version(make_build(tmp_path / "build.duckdb"), published, "v1")
    served = published / "kam.duckdb"
    version_file = published / "versions" / "v1" / "kam.duckdb"

    assert served.stat().st_ino != version_file.stat().st_ino
    assert version_file.stat().st_nlink == 1
    assert stat.S_IMODE(served.stat().st_mode) & 0o222 == 0
    assert sha256(served) == sha256(version_file) == result.checksum.sha256
    assert served.stat().st_size == result.checksum.size


def test_status_reports_a_modified_published_file_and_the_version_stays_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.cli.status import describe_status
    from pipelines.lib.config import Settings

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    home = tmp_path / "home"
    published = home / "published"
    publish_version(make_build(tmp_path / "build.duckdb"), published, "v1")
    settings = Settings(home=home, landing=home / "landing", config_path=REPO / "kam.yml")
    version_file = published / "versions" / "v1" / "kam.duckdb"
    version_sha = sha256(version_file)
    assert "match the publish record" in describe_status(settings)

    # Someone (root ignores the read-only mode) opens the published file read-write.
    (published / "kam.duckdb").chmod(0o644)
    con = duckdb.connect(str(published / "kam.duckdb"))
    con.execute("insert into marts.dim_accounts values ('X9', now()::timestamp, 1, 1, true)")
    con.close()

    status = describe_status(settings)
    assert f"the published file {published / 'kam.duckdb'} was MODIFIED" in status
    assert "the file of version v1" not in status
    assert "`kam rollback --to v1` copies the intact version file back" in status
    assert sha256(version_file) == version_sha

    publish.rollback(published, "v1")
    assert "match the publish record" in describe_status(settings)


def test_status_shows_rows_empty_reasons_warnings_currency_and_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.cli.status import describe_status
    from pipelines.lib.config import Settings

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    home = tmp_path / "home"
    build = make_build(tmp_path / "build.duckdb")
    change(build, "delete from marts.dim_accounts")
    rec = record(
        "v1",
        empty_reasons={"dim_accounts": "crm/accounts was not delivered"},
        warnings=["CLV fit published with a warning"],
    )
    publish_version(build, home / "published", "v1", record=rec)

    status = describe_status(
        Settings(home=home, landing=home / "landing", config_path=REPO / "kam.yml")
    )

    assert "currency: BRL; DuckDB storage version: v0.10.0" in status
    assert "empty: crm/accounts was not delivered" in status
    assert "  fct_sales" in status and "50" in status
    assert "run warnings (1):\n  - CLV fit published with a warning" in status
    assert "checksum: kam.duckdb and version v1 match the publish record" in status


# --- a full disk ----------------------------------------------------------------------------------


def test_a_full_disk_during_the_switch_leaves_the_previous_version_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    served = sha256(published / "kam.duckdb")
    change(build, "update marts.fct_sales set net_amount = 5 where invoice_line_id = 1")
    real_copy = publish.copy_file

    def copy_until_the_disk_fills(source: Path, target: Path) -> str:
        if target.parent == published:  # the switch's copy of the version file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(source, target)

    monkeypatch.setattr(publish, "copy_file", copy_until_the_disk_fills)

    with pytest.raises(PublishError) as raised:
        publish_version(build, published, "v2")

    message = str(raised.value)
    assert message == f"no space left on device while writing {published / '.kam.duckdb.v2.tmp'}"
    assert "\n" not in message
    assert publish.current_version(published) == "v1"
    assert sha256(published / "kam.duckdb") == served
    assert publish.list_versions(published) == ["v1"] and partials(published) == []
    assert not list(published.glob(".*.tmp"))


def test_a_full_disk_while_duckdb_writes_is_one_line_and_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB reports a full disk as an IO error; without care the publish took it for a damaged
    previous version and wrote everything again, into the same full disk."""
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    change(build, "update marts.fct_sales set net_amount = 6 where invoice_line_id = 2")
    attempts = []

    def export_on_a_full_disk(con, query, path, metadata):
        attempts.append(path)
        raise duckdb.IOException(
            f'IO Error: Could not write file "{path}": No space left on device'
        )

    monkeypatch.setattr(publish, "write_export", export_on_a_full_disk)

    with pytest.raises(PublishError) as raised:
        publish_version(build, published, "v2")

    assert str(raised.value) == f"no space left on device while writing {attempts[0]}"
    assert len(attempts) == 1
    assert publish.current_version(published) == "v1"
    assert publish.list_versions(published) == ["v1"] and partials(published) == []


# --- the hook before the switch -----------------------------------------------------------------


def test_what_the_hook_writes_is_published_with_the_version(tmp_path: Path) -> None:
    published = tmp_path / "published"
    seen = []

    def write_review_pack(folder: Path) -> None:
        seen.append((folder.name, stat.S_IMODE((folder / "kam.duckdb").stat().st_mode)))
        (folder / "review_pack.html").write_text("<h1>Q4</h1>", encoding="utf-8")

    publish_version(
        make_build(tmp_path / "build.duckdb"), published, "v1", before_switch=write_review_pack
    )

    assert seen == [(".v1.partial", 0o444)]
    pack = published / "versions" / "v1" / "review_pack.html"
    assert pack.read_text(encoding="utf-8") == "<h1>Q4</h1>"
    assert stat.S_IMODE(pack.stat().st_mode) & 0o222 == 0


def test_a_failing_hook_aborts_the_publish(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    served = sha256(published / "kam.duckdb")
    change(build, "update marts.fct_sales set net_amount = 8 where invoice_line_id = 9")

    def broken(folder: Path) -> None:
        raise ValueError("the PDF renderer crashed")

    with pytest.raises(PublishError, match="preparing the version folder failed"):
        publish_version(build, published, "v2", before_switch=broken)

    assert publish.current_version(published) == "v1"
    assert sha256(published / "kam.duckdb") == served
    assert publish.list_versions(published) == ["v1"] and partials(published) == []


# --- what `kam run` says when it failed ----------------------------------------------------------


def test_a_failed_first_run_does_not_claim_a_previous_version() -> None:
    first = describe(RunOutcome(success=False, run_id="r1", seconds=1.0, failures=["x: boom"]))
    later = describe(
        RunOutcome(
            success=False, run_id="r2", seconds=1.0, failures=["x: boom"], previous_version="v7"
        )
    )

    assert "previously published version" not in first
    assert "nothing was published (no version had been published yet)" in first
    assert "nothing was published; the previously published version (v7) is unchanged" in later


def test_a_run_that_changed_nothing_says_so() -> None:
    outcome = RunOutcome(
        success=True,
        run_id="r3",
        seconds=1.0,
        published={"version": "v7", "new_version": False, "row_counts": {"fct_sales": 50}},
    )
    assert "published: nothing changed since version v7; no new version" in describe(outcome)
