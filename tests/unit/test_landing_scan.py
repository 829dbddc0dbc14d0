"""The landing sensor's scan: content-keyed, settles before it counts, hashes only what changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipelines.lib.content_hash import HashEntry
from pipelines.lib.landing_scan import run_key, scan


def write(path: Path, text: str, *, age_seconds: float = 120) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def trusted(files: dict[str, list]) -> dict[str, list]:
    """The cursor as a scan long after the files were written records it (not racy)."""
    aged = {}
    for relative, values in files.items():
        entry = HashEntry.from_list(values)
        aged[relative] = [*values[:5], entry.stamp.ctime_ns + 60_000_000_000]
    return aged


def again(landing: Path, paths: list[Path], first) -> object:
    return scan(
        landing,
        paths,
        first.files,
        set(first.new_hashes),
        generations=first.generations,
    )


def test_same_content_under_another_name_starts_no_second_run(tmp_path: Path) -> None:
    first = write(tmp_path / "crm" / "accounts.csv", "account_id\nA1\n")
    result = scan(tmp_path, [first], {}, set())
    assert result.new_paths == ["crm/accounts.csv"]

    copy = write(tmp_path / "crm" / "accounts_copy.csv", "account_id\nA1\n")
    assert again(tmp_path, [first, copy], result).new_deliveries == []


def test_changed_content_is_new_and_keys_differ(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "v1")
    first = scan(tmp_path, [path], {}, set())
    write(path, "v2 longer")
    second = again(tmp_path, [path], first)
    assert second.new_paths == ["a.csv"]
    assert run_key(second.new_deliveries) != run_key(first.new_deliveries)


def test_content_restored_to_an_earlier_version_starts_a_run(tmp_path: Path) -> None:
    path = write(tmp_path / "crm" / "accounts.csv", "v1")
    keys = []
    result = scan(tmp_path, [path], {}, set())
    keys.append(run_key(result.new_deliveries))
    for text in ("v2", "v1", "v2"):
        write(path, text)
        result = again(tmp_path, [path], result)
        assert result.new_paths == ["crm/accounts.csv"], text
        keys.append(run_key(result.new_deliveries))
    assert len(set(keys)) == 4  # each delivery its own run, none deduplicated away


def test_a_correction_with_the_same_size_and_time_is_seen(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "amount=10")
    first = scan(tmp_path, [path], {}, set())
    first = type(first)(**{**first.__dict__, "files": trusted(first.files)})
    stamp = path.stat().st_mtime_ns
    unchanged = again(tmp_path, [path], first)
    assert unchanged.new_deliveries == []

    path.write_text("amount=19", encoding="utf-8")  # same size
    os.utime(path, ns=(stamp, stamp))  # and the same modification time

    assert again(tmp_path, [path], first).new_paths == ["a.csv"]


def test_a_file_still_being_written_waits(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "partial", age_seconds=1)
    assert scan(tmp_path, [path], {}, set(), settle_seconds=60).new_paths == []


def test_run_key_does_not_depend_on_order() -> None:
    assert run_key(["b", "a"]) == run_key(["a", "b"])
