"""What the dbt Python models account_clv and clv_model_fits compute: tables, warnings, refusals.

The models only hand dbt's frames to pipelines.lib.clv_marts; the e2e runs build them in dbt.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from pipelines.defs.dbt.project import DBT_PROJECT_DIR, ensure_manifest
from pipelines.lib import clv_marts
from pipelines.lib.clv import ClvError, ClvSettings
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.simulate import simulate_summary
from pipelines.lib.clv_marts import (
    account_clv_table,
    clv_settings,
    fit_warnings,
    model_fits_table,
)
from pipelines.lib.clv_tables import ACCOUNT_CLV_COLUMNS, MODEL_FITS_COLUMNS

AS_OF = pd.DataFrame({"as_of_date": [pd.Timestamp("2026-10-30").date()]})
SETTINGS = ClvSettings()


def inputs(spend: GammaGammaParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """clv_summary and dim_accounts as dbt hands them over (the summary in no particular order)."""
    summary = simulate_summary(300, BgNbdParams(0.8, 6.0, 0.9, 4.0), spend, seed=4)
    summary["account_id"] = summary["account_id"].map(lambda i: f"ACC-{i:06d}")
    summary["as_of_date"] = AS_OF["as_of_date"].iloc[0]
    summary["historical_revenue"] = summary["monetary_value"] * (summary["frequency"] + 1)
    summary["historical_margin"] = None
    summary["acv"] = summary["historical_revenue"] / 2
    summary = summary.sample(frac=1.0, random_state=1).reset_index(drop=True)
    accounts = pd.DataFrame({"account_id": [*summary["account_id"], "ACC-999999"]})
    accounts["account_name"] = "Account " + accounts["account_id"]
    accounts["owner_kam_id"] = "USR-0001"
    return summary, accounts


def written(frame: pd.DataFrame) -> dict[str, str]:
    """The column types DuckDB gives the frame when dbt-duckdb writes it (create table as)."""
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute("create table written as select * from frame")
        return dict(
            con.execute("select column_name, column_type from (describe written)").fetchall()
        )


def test_heavy_tailed_spend_publishes_with_a_warning() -> None:
    summary, accounts = inputs(GammaGammaParams(0.3, 0.8, 1e5))
    table = account_clv_table(summary, accounts, AS_OF, SETTINGS)
    fits = model_fits_table(summary, AS_OF, SETTINGS)

    assert tuple(table.columns) == ACCOUNT_CLV_COLUMNS
    assert tuple(fits.columns) == MODEL_FITS_COLUMNS
    assert len(table) == 301  # every account of dim_accounts, the prospect included
    prospect = table.set_index("account_id").loc["ACC-999999"]
    assert not prospect["has_purchase_history"] and prospect["clv_12m"] == 0
    statuses = dict(zip(fits["model"], fits["fit_status"], strict=True))
    assert statuses == {"bg_nbd": "converged", "gamma_gamma": "unstable_mean"}
    # The two models fit separately and agree: the account table names the fits table's status.
    assert set(table["purchase_fit_status"]) == {statuses["bg_nbd"]}
    assert set(table["spend_fit_status"]) == {statuses["gamma_gamma"]}
    warnings = fit_warnings(fits)
    assert len(warnings) == 1 and warnings[0].startswith("gamma_gamma: unstable_mean: ")
    assert warnings[0].endswith("predictions use the fallback 'shrunk_mean'")


def test_negative_clv_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    summary, accounts = inputs(GammaGammaParams(6.0, 4.0, 800.0))
    real = clv_marts.predict_account_clv

    def negative(*args, **kwargs):
        result = real(*args, **kwargs)
        result.accounts.loc[0, ["clv_12m", "clv_12m_p10"]] = -1.0
        return result

    monkeypatch.setattr(clv_marts, "predict_account_clv", negative)
    with pytest.raises(ClvError, match="account_clv is not fit to publish: clv_12m: 1 negative"):
        account_clv_table(summary, accounts, AS_OF, SETTINGS)


def test_no_purchase_yet_lists_every_account_as_a_prospect() -> None:
    """An as-of date before the first sale: nothing to fit, nothing broken, two warnings."""
    summary, accounts = inputs(GammaGammaParams(6.0, 4.0, 800.0))
    empty = summary.iloc[0:0]
    before = pd.DataFrame({"as_of_date": [pd.Timestamp("2020-01-31").date()]})
    table = account_clv_table(empty, accounts, before, SETTINGS)
    fits = model_fits_table(empty, before, SETTINGS)

    assert len(table) == 301 and not table["has_purchase_history"].any()
    assert {str(day) for day in table["as_of_date"]} == {"2020-01-31"}
    assert set(fits["fit_status"]) == {"too_few_buyers"} and len(fit_warnings(fits)) == 2
    types = written(fits)
    assert types["log_likelihood"] == "DOUBLE" and types["fallback_method"] == "VARCHAR"
    assert written(table)["as_of_date"] == "DATE"


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
    values = {name: getattr(SETTINGS, field) for name, (field, _) in clv_marts.SETTING_VARS.items()}
    with pytest.raises(ClvError, match=message):
        clv_settings({**values, **overrides})


def test_the_models_read_every_setting_from_dbt_project_vars() -> None:
    """The settings reach the Python models through their meta, one key per var."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    for name in ("account_clv", "clv_model_fits"):
        meta = manifest["nodes"][f"model.kam.{name}"]["config"]["meta"]
        settings = clv_settings(meta)
        assert settings == ClvSettings(0.10, 10, 1.0, 0.25)
        code = (DBT_PROJECT_DIR / "models" / "marts" / "clv" / f"{name}.py").read_text()
        for var in clv_marts.SETTING_VARS:
            assert f'dbt.config.meta_get("{var}")' in code, (name, var)


def test_the_model_file_hands_dbt_frames_to_the_library() -> None:
    """The dbt file itself: its model() gives the library's table for the frames dbt passes."""
    summary, accounts = inputs(GammaGammaParams(6.0, 4.0, 800.0))
    namespace: dict = {}
    code = (DBT_PROJECT_DIR / "models" / "marts" / "clv" / "account_clv.py").read_text()
    exec(compile(code, "account_clv.py", "exec"), namespace)  # noqa: S102 - the project's own file

    class Relation:
        def __init__(self, frame: pd.DataFrame) -> None:
            self.frame = frame

        def df(self) -> pd.DataFrame:
            return self.frame

    class Config:
        @staticmethod
        def meta_get(name: str):
            return {"clv_discount_rate": "0.1", "clv_min_repeat_buyers": "10"}.get(
                name, {"clv_min_q_lower_bound": 1.0, "clv_spend_prior_days": 0.25}.get(name)
            )

    class Dbt:
        config = Config

        @staticmethod
        def ref(name: str) -> Relation:
            return Relation({"clv_summary": summary, "dim_accounts": accounts}.get(name, AS_OF))

    table = namespace["model"](Dbt, None)
    pd.testing.assert_frame_equal(table, account_clv_table(summary, accounts, AS_OF, SETTINGS))
