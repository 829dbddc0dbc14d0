"""Every empty mart gets a reason: the missing input and where it is looked for, or what the data
says (no purchase yet, no plan quarter started)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.empty_marts import NO_PURCHASES, empty_mart_reasons


@pytest.fixture
def con():
    connection = duckdb.connect()
    for schema in ("bronze", "marts", "intermediate"):
        connection.execute(f"create schema {schema}")
    for entity in ("accounts", "invoice_lines", "objectives", "actions", "contacts", "users"):
        connection.execute(f"create table bronze.{entity} (id varchar)")
    connection.execute("insert into bronze.accounts values ('A1')")
    connection.execute("insert into bronze.invoice_lines values ('I1')")
    connection.execute("create table intermediate.int_as_of_date (as_of_date date)")
    connection.execute("insert into intermediate.int_as_of_date values (date '2026-06-30')")
    connection.execute("create table marts.fct_sales (invoice_date date)")
    connection.execute("insert into marts.fct_sales values (date '2026-06-30')")
    connection.execute("create table marts.dim_accounts (account_id varchar)")
    connection.execute("insert into marts.dim_accounts values ('A1')")
    for mart in ("objective_attainment", "plan_execution", "kam_scorecard", "decision_unit_gaps"):
        connection.execute(f"create table marts.{mart} (account_id varchar)")
    yield connection
    connection.close()


def test_a_mart_without_its_input_names_the_input_and_its_files(con) -> None:
    reasons = empty_mart_reasons(con)
    assert reasons["objective_attainment"] == (
        "no objectives delivered (plan/*.xlsx, plan/objectives.csv)"
    )
    assert reasons["plan_execution"] == (
        "no objectives or actions delivered (plan/*.xlsx, plan/objectives.csv, plan/actions.csv)"
    )
    assert reasons["kam_scorecard"] == (
        "no users delivered (crm/users.*); no objectives or actions delivered "
        "(plan/*.xlsx, plan/objectives.csv, plan/actions.csv)"
    )
    assert reasons["decision_unit_gaps"] == "no contacts delivered (crm/contacts.*)"
    assert "dim_accounts" not in reasons and "fct_sales" not in reasons


def test_the_configured_paths_are_named(con) -> None:
    reasons = empty_mart_reasons(con, {"contacts": ("salesforce/Contact*.csv",)})
    assert reasons["decision_unit_gaps"] == "no contacts delivered (salesforce/Contact*.csv)"


def test_a_mart_empty_with_its_inputs_delivered_gets_the_reason_from_the_data(con) -> None:
    con.execute("insert into bronze.objectives values ('O1')")
    con.execute("insert into bronze.actions values ('X1')")
    con.execute("insert into bronze.users values ('K1')")
    con.execute("insert into bronze.contacts values ('C1')")
    reasons = empty_mart_reasons(con)
    assert reasons["objective_attainment"] == (
        "no objective for a plan quarter started by 2026-06-30"
    )
    assert reasons["plan_execution"] == (
        "no plan quarter (objectives or actions) started by 2026-06-30"
    )
    assert reasons["decision_unit_gaps"] == "no key or strategic account at 2026-06-30"


def test_without_any_purchase_the_reason_says_so(con) -> None:
    con.execute("delete from marts.fct_sales")
    con.execute("insert into bronze.objectives values ('O1')")
    con.execute("create table marts.account_tiers (account_id varchar)")
    reasons = empty_mart_reasons(con)
    assert reasons["account_tiers"] == NO_PURCHASES
    assert reasons["objective_attainment"] == NO_PURCHASES
    assert reasons["fct_sales"] == NO_PURCHASES


def test_nothing_empty_nothing_reported(con) -> None:
    for mart in ("objective_attainment", "plan_execution", "kam_scorecard", "decision_unit_gaps"):
        con.execute(f"drop table marts.{mart}")
    assert empty_mart_reasons(con) == {}


def test_the_connection_is_left_ready_for_the_caller(con) -> None:
    """The publish step and `kam status` keep using the connection afterwards."""
    empty_mart_reasons(con)
    assert con.sql("select count(*) from marts.dim_accounts").fetchall() == [(1,)]
