"""kam.yml is checked against one typed schema before any work starts (issue: config validation).

Each case is a mistake a user made: the message must name the file, the line and the key, say
what was expected, and suggest the key they meant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.config import DEFAULT_CONFIG_PATH, ConfigError, load_settings

DEFAULT_TEXT = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")


def config_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DEFAULT_TEXT, f"the default kam.yml no longer has {old!r}"
    path = tmp_path / "kam.yml"
    path.write_text(DEFAULT_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def error_for(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, home=path.parent)
    return str(caught.value)


def line_number(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_default_config_loads_with_documented_defaults(tmp_path):
    settings = load_settings(DEFAULT_CONFIG_PATH, home=tmp_path)

    assert settings.currency == "BRL"
    assert settings.default_country == "BR"
    assert settings.bad_row_policy("invoice_lines") == (0.01, 10)
    assert settings.vocabulary("account_types")[0] == "hospital"
    assert settings.vocabulary("product_categories") is None


def test_misspelt_key_is_an_error_with_did_you_mean(tmp_path):
    path = config_with(tmp_path, "  max_bad_row_share: 0.01", "  max_bad_rows_share: 0.01")

    message = error_for(path)

    assert f"{path} line {line_number(path, 'max_bad_rows_share')}" in message
    assert "ingest.max_bad_rows_share: unknown key (did you mean 'max_bad_row_share'?)" in message


def test_wrong_type_names_key_file_and_value(tmp_path):
    path = config_with(tmp_path, "  threads: 2", "  threads: two")

    message = error_for(path)

    assert f"line {line_number(path, 'threads: two')}: duckdb.threads" in message
    assert "expected a whole number, got 'two'" in message
    assert "invalid literal" not in message


@pytest.mark.parametrize("value", ["2", "-1"])
def test_share_out_of_range_is_refused(tmp_path, value):
    path = config_with(tmp_path, "  max_bad_row_share: 0.01", f"  max_bad_row_share: {value}")

    message = error_for(path)

    assert "ingest.max_bad_row_share: expected a value" in message
    assert f"got {value}" in message


def test_malformed_yaml_is_one_line_with_its_position(tmp_path):
    path = config_with(tmp_path, "  threads: 2", "  threads: 2\n   memory: [")

    message = error_for(path)

    assert len(message.splitlines()) == 1
    assert message.startswith(f"{path} line ")
    assert "not valid YAML" in message


def test_unknown_encoding_and_bad_date_format_are_refused(tmp_path):
    path = config_with(tmp_path, "encoding: latin-1", "encoding: latin-9x")
    assert "formats.brazilian_csv.encoding: unknown encoding 'latin-9x'" in error_for(path)

    path = config_with(tmp_path, 'date_formats: ["%d/%m/%Y"]', 'date_formats: ["%d/%q/%Y"]')
    assert "'%d/%q/%Y' is not a valid strptime format" in error_for(path)


def test_derived_expression_that_does_not_compile_names_key_and_file(tmp_path):
    path = config_with(
        tmp_path,
        "    format: brazilian_csv\n    # The delivery",
        "    format: brazilian_csv\n    derived: {net_amount: quantity * unit_prize}\n"
        "    # The delivery",
    )

    message = error_for(path)

    assert f"{path} line" in message
    assert "sources.invoice_lines.derived.net_amount: 'quantity * unit_prize' does not compile" in (
        message
    )
    assert "unit_prize" in message


def test_derived_expression_cannot_smuggle_a_statement(tmp_path):
    path = config_with(
        tmp_path,
        "    format: brazilian_csv\n    # The delivery",
        "    format: brazilian_csv\n    derived: {channel: \"'x'; drop table t\"}\n"
        "    # The delivery",
    )

    assert "expected one SQL expression" in error_for(path)


def test_valid_derived_columns_and_rules_load(tmp_path):
    path = config_with(
        tmp_path,
        "    format: brazilian_csv\n    # The delivery",
        "    format: brazilian_csv\n"
        "    derived:\n"
        "      net_amount: quantity * unit_price\n"
        "      line_number: row_number() over (partition by invoice_id order by _line)\n"
        "    rules: {account_id.missing: exclude}\n"
        "    max_bad_rows: 3\n"
        "    # The delivery",
    )

    settings = load_settings(path, home=tmp_path)

    source = settings.sources["invoice_lines"]
    assert source.derived["net_amount"] == "quantity * unit_price"
    assert source.rules == {"account_id.missing": "exclude"}
    assert settings.bad_row_policy("invoice_lines") == (0.01, 3)


def test_unknown_rule_vocabulary_and_dbt_var_suggest_the_right_name(tmp_path):
    path = config_with(
        tmp_path,
        "    format: brazilian_csv\n    # The delivery",
        "    format: brazilian_csv\n    rules: {account_id.mising: exclude}\n    # The delivery",
    )
    assert "(did you mean 'account_id.missing'?)" in error_for(path)

    path = config_with(tmp_path, "vocabularies: {}", "vocabularies: {acount_types: [a]}")
    assert "(did you mean 'account_types'?)" in error_for(path)

    path = config_with(tmp_path, "vars: {}", "vars: {abc_a_treshold: 0.7}")
    assert "unknown dbt var 'abc_a_treshold' (did you mean 'abc_a_threshold'?)" in error_for(path)

    path = config_with(tmp_path, "vars: {}", "vars: {churn_after_days: soon}")
    assert "dbt.vars.churn_after_days: expected a number" in error_for(path)


def test_vocabularies_extend_or_replace(tmp_path):
    path = config_with(
        tmp_path,
        "vocabularies: {}",
        "vocabularies:\n  account_types: {add: [wholesaler]}\n  user_roles: [sales_rep]",
    )

    settings = load_settings(path, home=tmp_path)

    assert settings.vocabulary("account_types")[-1] == "wholesaler"
    assert "hospital" in settings.vocabulary("account_types")
    assert settings.vocabulary("user_roles") == ("sales_rep",)


def test_entities_left_out_use_the_default_layout(tmp_path):
    path = tmp_path / "kam.yml"
    path.write_text("sources:\n  accounts: {paths: [clientes.csv]}\n", encoding="utf-8")

    settings = load_settings(path, home=tmp_path)

    assert settings.sources["accounts"].paths == ("clientes.csv",)
    assert settings.sources["contacts"].paths == ("crm/contacts.*",)
    assert settings.sources["accounts"].format.name == "standard_csv"


def test_dbt_target_from_the_environment_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_DBT_TARGET", "oracle")

    with pytest.raises(ConfigError, match="dbt target 'oracle'"):
        load_settings(DEFAULT_CONFIG_PATH, home=tmp_path)


def test_a_key_written_twice_is_an_error_not_a_silent_override(tmp_path):
    path = config_with(tmp_path, "  keep_versions: 7", "  keep_versions: 7\n  keep_versions: 3")

    message = error_for(path)

    assert f"line {line_number(path, 'keep_versions: 3')}: 'keep_versions' is written twice" in (
        message
    )
