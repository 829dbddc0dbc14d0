"""The landing sensor's scan: content-keyed, settles before it counts, hashes only what changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipelines.lib.landing_scan import run_key, scan


def write(path: Path, text: str, *, age_seconds: float = 120) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def test_same_content_under_another_name_starts_no_second_run(tmp_path: Path) -> None:
    first = write(tmp_path / "crm" / "accounts.csv", "account_id\nA1\n")
    result = scan(tmp_path, [first], {}, set())
    assert result.new_paths == ["crm/accounts.csv"]

    copy = write(tmp_path / "crm" / "accounts_copy.csv", "account_id\nA1\n")
    again = scan(tmp_path, [first, copy], result.files, set(result.new_hashes))
    assert again.new_hashes == []


def test_changed_content_is_new_and_keys_differ(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "v1")
    first = scan(tmp_path, [path], {}, set())
    write(path, "v2 longer")
    second = scan(tmp_path, [path], first.files, set(first.new_hashes))
    assert second.new_paths == ["a.csv"]
    assert run_key(second.new_hashes) != run_key(first.new_hashes)


def test_a_file_still_being_written_waits(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "partial", age_seconds=1)
    assert scan(tmp_path, [path], {}, set(), settle_seconds=60).new_paths == []


def test_run_key_does_not_depend_on_order() -> None:
    assert run_key(["b", "a"]) == run_key(["a", "b"])
