"""The `clv_models` asset in process on a small build file: what it writes, warns and blocks."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.defs.clv import assets as clv_assets
from pipelines.defs.clv.assets import (
    ACCOUNT_CLV_KEY,
    CLV_STEP,
    MODEL_FITS_KEY,
    WARNINGS_METADATA_KEY,
    clv_models,
    settings_from_vars,
)
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.build_db import failed_steps
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.simulate import simulate_summary
from pipelines.lib.clv_tables import ACCOUNT_CLV_COLUMNS


def build_home(home: Path, spend: GammaGammaParams) -> Path:
    """A build file with the two marts the step reads: clv_summary and dim_accounts."""
    summary = simulate_summary(300, BgNbdParams(0.8, 6.0, 0.9, 4.0), spend, seed=4)
    summary["account_id"] = summary["account_id"].map(lambda i: f"ACC-{i:06d}")
    summary["as_of_date"] = pd.Timestamp("2026-10-30").date()
    summary["historical_revenue"] = summary["monetary_value"] * (summary["frequency"] + 1)
    summary["historical_margin"] = None
    summary["acv"] = summary["historical_revenue"] / 2
    accounts = pd.DataFrame({"account_id": [*summary["account_id"], "ACC-999999"]})
    accounts["account_name"] = "Account " + accounts["account_id"]
    accounts["owner_kam_id"] = "USR-0001"
    build = home / "build"
    build.mkdir(parents=True)
    with duckdb.connect(str(build / "kam.duckdb")) as con:
        con.execute("create schema marts")
        con.register("summary_frame", summary)
        con.register("accounts_frame", accounts)
        con.execute("create table marts.clv_summary as select * from summary_frame")
        con.execute("create table marts.dim_accounts as select * from accounts_frame")
    return build / "kam.duckdb"


def materialize(home: Path) -> dg.ExecuteInProcessResult:
    kam = KamResource(home=str(home))
    return dg.materialize(
        [clv_models],
        resources={"kam": kam, "writer": WriterLockResource(kam=kam)},
        raise_on_error=False,
    )


def checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_heavy_tailed_spend_publishes_with_a_warning(tmp_path: Path) -> None:
    database = build_home(tmp_path, GammaGammaParams(0.3, 0.8, 1e5))
    result = materialize(tmp_path)
    assert result.success
    verdicts = checks(result)
    assert verdicts["values_valid"].passed
    assert verdicts["values_valid"].severity == dg.AssetCheckSeverity.ERROR
    warning = verdicts["fits_converged"]
    assert not warning.passed and warning.severity == dg.AssetCheckSeverity.WARN
    assert "gamma_gamma: unstable_mean" in warning.description

    metadata = result.asset_materializations_for_node("clv_models")[0].metadata
    warnings = metadata[WARNINGS_METADATA_KEY].value
    assert isinstance(warnings, list) and any("unstable_mean" in text for text in warnings)

    with duckdb.connect(str(database), read_only=True) as con:
        table = con.execute("select * from marts.account_clv order by account_id").df()
        fits = con.execute("select model, fit_status from marts.clv_model_fits").fetchall()
        assert failed_steps(con, [CLV_STEP]) == []
    assert tuple(table.columns) == ACCOUNT_CLV_COLUMNS
    assert len(table) == 301  # every account of dim_accounts, the prospect included
    prospect = table.set_index("account_id").loc["ACC-999999"]
    assert not prospect["has_purchase_history"] and prospect["clv_12m"] == 0
    assert set(table["spend_fit_status"]) == {"unstable_mean"}
    assert dict(fits) == {"bg_nbd": "converged", "gamma_gamma": "unstable_mean"}


def test_negative_clv_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_home(tmp_path, GammaGammaParams(6.0, 4.0, 800.0))
    real = clv_assets.predict_account_clv

    def negative(*args, **kwargs):
        result = real(*args, **kwargs)
        result.accounts.loc[0, ["clv_12m", "clv_12m_p10"]] = -1.0
        return result

    monkeypatch.setattr(clv_assets, "predict_account_clv", negative)
    result = materialize(tmp_path)
    assert not result.success
    verdict = checks(result)["values_valid"]
    assert not verdict.passed and "clv_12m: 1 negative value" in verdict.description
    with duckdb.connect(str(tmp_path / "build" / "kam.duckdb"), read_only=True) as con:
        assert failed_steps(con, [CLV_STEP]) == [CLV_STEP]


def test_no_purchase_yet_lists_every_account_as_a_prospect(tmp_path: Path) -> None:
    """An as-of date before the first sale: nothing to fit, nothing broken, two warnings."""
    database = build_home(tmp_path, GammaGammaParams(6.0, 4.0, 800.0))
    with duckdb.connect(str(database)) as con:
        con.execute("delete from marts.clv_summary")
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_as_of_date as select date '2020-01-31' as as_of_date"
        )
    result = materialize(tmp_path)
    assert result.success
    assert checks(result)["values_valid"].passed
    assert not checks(result)["fits_converged"].passed
    with duckdb.connect(str(database), read_only=True) as con:
        rows, prospects, as_of = con.execute(
            "select count(*), count(*) filter (where not has_purchase_history), "
            "max(as_of_date) from marts.account_clv"
        ).fetchone()
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'clv_model_fits'"
            ).fetchall()
        )
    assert rows == prospects == 301 and str(as_of) == "2020-01-31"
    assert types["log_likelihood"] == "DOUBLE" and types["fallback_method"] == "VARCHAR"


def test_check_keys_and_severities_are_declared() -> None:
    specs = {spec.name: spec for spec in clv_models.check_specs}
    assert specs["values_valid"].blocking and specs["values_valid"].asset_key == ACCOUNT_CLV_KEY
    assert not specs["fits_converged"].blocking
    assert specs["fits_converged"].asset_key == MODEL_FITS_KEY


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"clv_min_repeat_buyers": "ten"}, "clv_min_repeat_buyers .* must be a whole number"),
        ({"clv_min_repeat_buyers": 2.5}, "clv_min_repeat_buyers .* must be a whole number"),
        ({"clv_min_q_lower_bound": 0.5}, "clv_min_q_lower_bound must be a number >= 1"),
        ({"clv_discount_rate": "high"}, "clv_discount_rate .* must be a number"),
    ],
)
def test_bad_settings_name_the_var(overrides: dict, message: str) -> None:
    with pytest.raises(dg.Failure, match=message):
        settings_from_vars(overrides)


def test_settings_default_to_dbt_project_vars() -> None:
    settings = settings_from_vars({})
    assert settings.discount_rate == 0.10 and settings.min_repeat_buyers == 10
    assert settings.min_q_lower_bound == 1.0 and settings.spend_prior_days == 0.25
