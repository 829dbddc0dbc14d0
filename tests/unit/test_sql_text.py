"""SQL literals and identifiers, and paths DuckDB reads as themselves."""

from __future__ import annotations

import duckdb

from pipelines.lib.sql_text import has_glob_characters, ident, literal_paths, quote_literal


def test_literals_and_identifiers_survive_quotes():
    con = duckdb.connect()
    name, value = 'we"ird', "O'Brien"
    assert con.execute(f"SELECT {quote_literal(value)} AS {ident(name)}").fetchall() == [(value,)]
    assert con.execute(f"SELECT {quote_literal(value)} AS {ident(name)}").description[0][0] == name


def test_literal_paths_link_only_names_with_glob_characters(tmp_path):
    plain, globbed = tmp_path / "plain.csv", tmp_path / "a[1].csv"
    plain.write_text("x")
    globbed.write_text("y")

    with literal_paths([plain, globbed]) as (first, second):
        assert first == plain
        assert not has_glob_characters(second) and second.suffix == ".csv"
        assert second.read_text() == "y"
    assert not second.exists()


def test_duckdb_reads_the_linked_file_not_the_glob(tmp_path):
    (tmp_path / "v[2].csv").write_text("a\nright\n")
    (tmp_path / "v2.csv").write_text("a\nwrong\n")
    con = duckdb.connect()

    with literal_paths([tmp_path / "v[2].csv"]) as (path,):
        rows = con.execute(f"SELECT a FROM read_csv({quote_literal(path)})").fetchall()

    assert rows == [("right",)]
