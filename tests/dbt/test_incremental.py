"""An incremental `dbt build` after new loads equals a full refresh of the same bronze.

Bronze starts as the synthetic fixture plus daily files that overlap the monthly ones (the same
invoice lines delivered twice), is built, then gets one more load: a new day, a re-delivered month
that drops, changes and adds lines (one of them moved from another month), a re-delivered daily
file that drops two of its lines (so the monthly versions count again), and a re-delivered month
whose lines supersede every line of a daily file. Every relation dbt builds is compared row by row.
Further runs move the as-of date backward and forward and change a product's unit cost; each is
compared with a full refresh too, and fct_sales must rewrite exactly the months whose lines changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import DbtRun, run_dbt
from synthetic_bronze import create_bronze

SCHEMAS = ("staging", "intermediate", "marts")
EARLIER_AS_OF = "2026-03-31"
MID_MONTH_AS_OF = "2025-11-14"
MONTH, PRODUCT = 3, 5  # positions of month_start_date and product_id in marts.fct_sales

# Before the first build: daily files overlapping the monthly files of 2025-04 and 2025-05.
_OVERLAPPING_DAILY_LOAD = """
insert into bronze.invoice_lines by name
select * replace (
    net_amount + 1 as net_amount, 'L2a' as _load_id,
    timestamp '2026-07-02 04:00:00' as _loaded_at,
    'sales/invoice_lines/' || strftime(invoice_date, '%Y-%m-%d') || '.csv' as _source_file,
    strftime(invoice_date, '%Y-%m-%d') as _delivery_period
)
from bronze.invoice_lines
where invoice_date in (date '2025-04-10', date '2025-05-20') and _load_id = 'L1'
"""

# The nightly load after the first build.
_NIGHTLY_LOAD = [
    # A new day, in a daily file.
    """
    insert into bronze.invoice_lines by name
    select * replace (
        replace(invoice_id, 'NF20260630', 'NF20260701') as invoice_id,
        date '2026-07-01' as invoice_date, 'L3' as _load_id,
        timestamp '2026-07-03 03:00:00' as _loaded_at,
        'sales/invoice_lines/2026-07-01.csv' as _source_file, '2026-07-01' as _delivery_period
    )
    from bronze.invoice_lines
    where invoice_date = date '2026-06-30'
    """,
    # 2025-03 re-delivered: lines '-1' dropped, lines '-2' changed, one line moved from 2025-02.
    """
    insert into bronze.invoice_lines by name
    select * replace (
        case when invoice_id like '%-2' then quantity + 1 else quantity end as quantity,
        case when invoice_id like '%-2' then net_amount * 3 else net_amount end
            as net_amount,
        'L3' as _load_id, timestamp '2026-07-03 03:00:00' as _loaded_at,
        'sales/invoice_lines/2025-03.csv' as _source_file, '2025-03' as _delivery_period
    )
    from bronze.invoice_lines
    where (
        (_delivery_period = '2025-03' and invoice_id not like '%-1')
        or invoice_id = 'NF20250215-0'
    ) and _load_id = 'L1'
    """,
    # 2025-04-10 re-delivered with one of its lines only.
    """
    insert into bronze.invoice_lines by name
    select * replace (
        net_amount + 5 as net_amount, 'L3' as _load_id,
        timestamp '2026-07-03 03:00:00' as _loaded_at
    )
    from bronze.invoice_lines
    where _delivery_period = '2025-04-10' and _load_id = 'L2a' and invoice_id like '%-0'
    """,
    # 2025-05 re-delivered: supersedes every line of the daily file 2025-05-20.
    """
    insert into bronze.invoice_lines by name
    select * replace (
        net_amount * 2 as net_amount, 'L3' as _load_id,
        timestamp '2026-07-03 03:00:00' as _loaded_at
    )
    from bronze.invoice_lines
    where _delivery_period = '2025-05' and _load_id = 'L1'
    """,
]

# A new version of two products: P01's unit cost changes, P04's (unknown until now) becomes known.
_PRODUCT_COST_LOAD = [
    """
    insert into bronze.products by name
    select * replace (
        case when product_id = 'P01' then unit_cost + 7 else 61.50 end as unit_cost,
        'L4' as _load_id, timestamp '2026-07-04 03:00:00' as _loaded_at
    )
    from bronze.products
    where product_id in ('P01', 'P04') and _load_id = 'L1'
    """,
]


def _bronze(path: Path, statements: list[str]) -> Path:
    create_bronze(path)
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)
    return path


def _add_loads(path: Path, statements: list[str]) -> None:
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)


def _assert_built(run: DbtRun) -> None:
    failures = [
        f"{result['unique_id']}: {result['status']} {result.get('message') or ''}"
        for result in run.results
        if result["status"] not in ("success", "pass")
    ]
    assert failures == [], run.output[-3000:]
    assert run.returncode == 0, run.output[-3000:]


def _normalized(row: tuple) -> tuple:
    """Doubles to 12 significant digits: a parallel sum of doubles may differ in the last bit."""
    return tuple(float(f"{value:.12g}") if isinstance(value, float) else value for value in row)


def _relations(path: Path) -> dict[str, list[tuple]]:
    """Every table and view dbt built, as sorted rows."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            f"""
            select table_schema || '.' || table_name from information_schema.tables
            where table_schema in {SCHEMAS!r}
            order by 1
            """
        ).fetchall()
        return {
            name: [
                _normalized(row)
                for row in connection.execute(f"select * from {name} order by all").fetchall()
            ]
            for (name,) in names
        }


def _stored_lines(path: Path) -> list[tuple]:
    """fct_sales in storage order."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("select * from marts.fct_sales order by rowid").fetchall()


def _shuffle_stored_lines(path: Path) -> list[tuple]:
    """Store fct_sales in another order, with the same rows (so the same month fingerprints), and
    return its rows in that order. A delete+insert keeps the rows of the months it leaves alone in
    this order and appends the rows it writes after them: a rebuilt month breaks the order."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "create or replace table marts.fct_sales as "
            "select * from marts.fct_sales order by hash(invoice_id, line_number)"
        )
    return _stored_lines(path)


def _rewritten_months(before: list[tuple], after: list[tuple]) -> set:
    """The months whose lines changed between two states of fct_sales, after asserting that the
    run rewrote no other month: their rows still come first, in the order they had."""
    changed = {row[MONTH] for row in set(before) ^ set(after)}
    kept = [row for row in before if row[MONTH] not in changed]
    assert after[: len(kept)] == kept
    return changed


def _assert_identical(actual: Path, expected: Path) -> None:
    actual_relations = _relations(actual)
    expected_relations = _relations(expected)
    assert sorted(actual_relations) == sorted(expected_relations)
    different = [
        name for name, rows in expected_relations.items() if actual_relations[name] != rows
    ]
    assert different == []


@pytest.fixture(scope="module")
def incremental_and_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(incremental build, full-refresh build of the same bronze, work folder of the first)."""
    incremental_dir = tmp_path_factory.mktemp("incremental")
    incremental_db = _bronze(incremental_dir / "kam.duckdb", [_OVERLAPPING_DAILY_LOAD])
    _assert_built(run_dbt(["build"], incremental_db, incremental_dir))
    _shuffle_stored_lines(incremental_db)
    first_build = incremental_dir / "first_build" / incremental_db.name
    first_build.parent.mkdir()
    shutil.copyfile(incremental_db, first_build)
    _add_loads(incremental_db, _NIGHTLY_LOAD)
    _assert_built(run_dbt(["build"], incremental_db, incremental_dir))
    nightly_build = incremental_dir / "nightly_build" / incremental_db.name
    nightly_build.parent.mkdir()
    shutil.copyfile(incremental_db, nightly_build)

    full_dir = tmp_path_factory.mktemp("full_refresh")
    full_db = _bronze(full_dir / "kam.duckdb", [_OVERLAPPING_DAILY_LOAD, *_NIGHTLY_LOAD])
    _assert_built(run_dbt(["build", "--full-refresh"], full_db, full_dir))
    return incremental_db, full_db, incremental_dir


def test_nightly_load_is_really_incremental(incremental_and_full: tuple[Path, Path, Path]) -> None:
    incremental_db, _, _ = incremental_and_full
    with duckdb.connect(str(incremental_db), read_only=True) as connection:
        periods = connection.execute(
            """
            select count(distinct delivery_period) from staging.stg_sales__invoice_line_versions
            where load_id = 'L3'
            """
        ).fetchone()
    assert periods == (4,)


def test_nightly_load_rewrites_only_the_changed_months(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    _, _, incremental_dir = incremental_and_full
    first_build = _stored_lines(incremental_dir / "first_build" / "kam.duckdb")
    nightly_build = _stored_lines(incremental_dir / "nightly_build" / "kam.duckdb")
    rewritten = _rewritten_months(first_build, nightly_build)
    # The new day's month, the re-delivered months, and 2025-02 (a line moved to 2025-03's file).
    assert sorted(str(month) for month in rewritten) == [
        "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2026-07-01",
    ]  # fmt: skip
    assert len({row[MONTH] for row in nightly_build}) == 25


def test_incremental_build_equals_full_refresh(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    incremental_db, full_db, _ = incremental_and_full
    _assert_identical(incremental_db, full_db)


def test_redelivered_lines_replace_the_period(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    incremental_db, _, _ = incremental_and_full
    with duckdb.connect(str(incremental_db), read_only=True) as connection:
        rows = connection.execute(
            """
            select
                count(case when invoice_id like 'NF202503%-1' then 1 end),
                max(case when invoice_id = 'NF20250215-0' then delivery_period end),
                count(case when delivery_period = '2025-05-20' then 1 end),
                count(case when delivery_period = '2026-07-01' then 1 end)
            from marts.fct_sales
            """
        ).fetchone()
        new_day_lines = connection.execute(
            "select count(*) from bronze.invoice_lines where _delivery_period = '2026-07-01'"
        ).fetchone()[0]
    assert new_day_lines > 0
    assert rows == (0, "2025-03", 0, new_day_lines)


def test_build_with_nothing_new_changes_nothing(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    incremental_db, _, incremental_dir = incremental_and_full
    before = incremental_dir / "before" / incremental_db.name  # views name the file's catalog
    before.parent.mkdir()
    shutil.copyfile(incremental_db, before)
    _assert_built(run_dbt(["build"], incremental_db, incremental_dir))
    _assert_identical(incremental_db, before)


def test_incremental_build_with_another_as_of_equals_full_refresh(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    incremental_db, full_db, incremental_dir = incremental_and_full
    as_of = ["--vars", f"{{as_of_date: '{EARLIER_AS_OF}'}}"]
    _assert_built(run_dbt(["build", *as_of], incremental_db, incremental_dir))
    _assert_built(run_dbt(["build", "--full-refresh", *as_of], full_db, full_db.parent))
    _assert_identical(incremental_db, full_db)


def test_as_of_moving_back_and_forward_equals_full_refresh(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    """Back to the middle of a month (later months vanish), then forward to the data's last day."""
    incremental_db, full_db, incremental_dir = incremental_and_full
    for as_of in (["--vars", f"{{as_of_date: '{MID_MONTH_AS_OF}'}}"], []):
        before = _shuffle_stored_lines(incremental_db)
        _assert_built(run_dbt(["build", *as_of], incremental_db, incremental_dir))
        _assert_built(run_dbt(["build", "--full-refresh", *as_of], full_db, full_db.parent))
        _assert_identical(incremental_db, full_db)
        after = _stored_lines(incremental_db)
        rewritten = _rewritten_months(before, after)
        # The cut month and the months after it, never the months before.
        assert min(rewritten).isoformat() == "2025-11-01"
        assert rewritten == {row[MONTH] for row in before + after if row[MONTH] >= min(rewritten)}


def test_product_cost_change_equals_full_refresh(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    incremental_db, full_db, incremental_dir = incremental_and_full
    before = _shuffle_stored_lines(incremental_db)
    _add_loads(incremental_db, _PRODUCT_COST_LOAD)
    _add_loads(full_db, _PRODUCT_COST_LOAD)
    _assert_built(run_dbt(["build"], incremental_db, incremental_dir))
    _assert_built(run_dbt(["build", "--full-refresh"], full_db, full_db.parent))
    _assert_identical(incremental_db, full_db)
    # Exactly the months with lines of P01 or P04: every month but the new day's, whose three
    # lines are of other products.
    after = _stored_lines(incremental_db)
    costed_months = {row[MONTH] for row in after if row[PRODUCT] in ("P01", "P04")}
    assert _rewritten_months(before, after) == costed_months
    assert len({row[MONTH] for row in after} - costed_months) == 1
