"""Landing folder safety: links that lead outside it, and a disk that fills up while ingesting."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.ingest.factory import build_ingest_asset
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.ingest import bronze, ingest_entity
from pipelines.lib.ingest.errors import DiskFullError
from tests.unit.landing_helpers import FIXTURES, land, settings_for

LOAD_ID = "20250101T000000000000Z-0badd15c"


def resources(settings) -> dict:
    kam = KamResource(home=str(settings.home), landing=str(settings.landing))
    return {"kam": kam, "writer": WriterLockResource(kam=kam)}


def test_a_link_to_a_file_outside_the_landing_folder_is_refused_unread(tmp_path):
    settings = settings_for(tmp_path)
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nmaria.secreta:x:1000\n")
    link = settings.landing / "crm" / "accounts.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)

    report = ingest_entity(settings, "accounts")

    assert [f.status for f in report.files] == ["failed"]
    message = report.failure_message()
    assert "crm/accounts.csv: a symbolic link to a file outside the landing folder; refused" in (
        message
    )
    manifest = (settings.bronze_dir / "_manifest" / "loads.jsonl").read_text()
    for leaked in ("root:x", "maria.secreta", "/bin/bash", str(secret)):
        assert leaked not in message and leaked not in manifest


def test_a_file_the_run_may_not_read_fails_by_name(tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    unreadable = land(settings, "crm/accounts.csv", (FIXTURES / "accounts_latin1.csv").read_bytes())
    # The suite runs as root, whom file modes do not stop: the denial is injected where the
    # operating system raises it, on opening the file.
    real_open = Path.open

    def open_unless_unreadable(self, *args, **kwargs):
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_unreadable)

    report = ingest_entity(settings, "accounts")

    assert [(f.file, f.status) for f in report.files] == [("crm/accounts.csv", "failed")]
    assert (
        "crm/accounts.csv: cannot be read (Permission denied): the user running kam needs read "
        "permission on it; nothing of it was loaded"
    ) in report.failure_message()


def test_a_folder_the_run_may_not_list_fails_by_name(tmp_path, monkeypatch):
    """`Path.glob` skips a folder it may not list without a word: the delivery in it would look
    like no delivery at all, and the run would go green without it."""
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", (FIXTURES / "accounts_latin1.csv").read_bytes())
    land(settings, "crm/users.csv", b"kam_id\n")
    hidden = settings.landing / "crm"
    # As root, folder modes do not stop the suite: the denial is injected where the operating
    # system raises it, on listing the folder (glob and os.walk both list through os.scandir).
    real_scandir = os.scandir

    def scandir_unless_hidden(path="."):
        if Path(path) == hidden:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir_unless_hidden)

    report = ingest_entity(settings, "accounts")

    assert [(f.file, f.status) for f in report.files] == [("crm/", "failed")]
    assert (
        "crm/: cannot be listed (Permission denied): the user running kam needs read and execute "
        "permission on it; none of its files were loaded"
    ) in report.failure_message()
    # A folder no pattern of the entity reaches is not its concern.
    assert ingest_entity(settings, "products").files == []


def test_a_link_inside_the_landing_folder_is_read_under_its_own_name(tmp_path):
    settings = settings_for(tmp_path)
    archive = settings.landing / "archive" / "accounts_2025.csv"
    archive.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "accounts_latin1.csv", archive)
    (settings.landing / "crm").mkdir()
    (settings.landing / "crm" / "accounts.csv").symlink_to(archive)

    report = ingest_entity(settings, "accounts")

    assert [(f.file, f.status) for f in report.files] == [("crm/accounts.csv", "loaded")]


def fill_the_disk_at_the_next_load(settings, monkeypatch) -> Path:
    """Make the next bronze write hit a full device: its temporary file is /dev/full."""
    moment = dt.datetime(2025, 1, 1)
    monkeypatch.setattr(bronze, "new_load_id", lambda _key: (LOAD_ID, moment))
    folder = bronze.entity_dir(settings, "accounts")
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{LOAD_ID}.parquet.tmp"
    temporary.symlink_to("/dev/full")
    return temporary


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


@needs_dev_full
def test_a_full_disk_is_one_line_naming_the_path(tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", (FIXTURES / "accounts_latin1.csv").read_bytes())
    temporary = fill_the_disk_at_the_next_load(settings, monkeypatch)

    with pytest.raises(DiskFullError) as raised:
        ingest_entity(settings, "accounts")

    assert str(raised.value) == f"no space left on device writing {temporary}"
    assert "\n" not in str(raised.value)
    assert not (bronze.entity_dir(settings, "accounts") / f"{LOAD_ID}.parquet").exists()


@needs_dev_full
def test_a_full_disk_fails_the_asset_once_without_retries(tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", (FIXTURES / "accounts_latin1.csv").read_bytes())
    fill_the_disk_at_the_next_load(settings, monkeypatch)

    result = dg.materialize(
        [build_ingest_asset("accounts")],
        resources=resources(settings),
        raise_on_error=False,
    )

    assert not result.success
    events = [event.event_type_value for event in result.all_events]
    assert "STEP_UP_FOR_RETRY" not in events
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    description = failure.event_specific_data.user_failure_data.description
    assert description.startswith("no space left on device writing ")
    assert "\n" not in description


def test_bad_input_fails_the_asset_once_without_retries(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", b"not;the;header\n1;2;3\n")

    result = dg.materialize(
        [build_ingest_asset("accounts")],
        resources=resources(settings),
        raise_on_error=False,
    )

    assert not result.success
    assert "STEP_UP_FOR_RETRY" not in [event.event_type_value for event in result.all_events]


def _can_mount_tmpfs() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and mount namespaces")
def test_a_really_full_file_system_is_one_line(tmp_path):
    """A home on a 256 KB tmpfs that is already full, in a private mount namespace."""
    home = tmp_path / "home"
    home.mkdir()
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "accounts_latin1.csv", landing / "crm" / "accounts.csv")
    script = textwrap.dedent(
        f"""
        from pipelines.lib.config import load_settings
        from pipelines.lib.ingest import ingest_entity
        from pipelines.lib.ingest.errors import DiskFullError
        settings = load_settings(home={str(home)!r}, landing={str(landing)!r})
        try:
            ingest_entity(settings, "accounts")
        except DiskFullError as error:
            print("DISKFULL", error)
        """
    )
    program = tmp_path / "ingest.py"
    program.write_text(script, encoding="utf-8")
    shell = (
        f"mount -t tmpfs -o size=256k tmpfs {home} && "
        f"(dd if=/dev/zero of={home}/filler bs=4k 2>/dev/null; true) && "
        f"{sys.executable} {program}"
    )

    done = subprocess.run(["unshare", "-m", "sh", "-c", shell], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"DISKFULL no space left on device writing {home}")
    assert "Traceback" not in done.stderr
