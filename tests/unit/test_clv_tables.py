"""Shaping the CLV marts and the checks that block a broken table from being published."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv import FitStatus, ModelFit, predict_account_clv
from pipelines.lib.clv_tables import (
    ACCOUNT_CLV_COLUMNS,
    MODEL_FITS_COLUMNS,
    account_clv_frame,
    broken_values,
    model_fits_frame,
)


def accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["A3", "A1", "A2"],
            "account_name": ["Hospital C", "Clínica A", "Rede B"],
            "owner_kam_id": ["U1", "U2", "U1"],
        }
    )


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["A2", "A1"],
            "historical_revenue": [100.0, 50.0],
            "historical_margin": [40.0, None],
            "acv": [80.0, 50.0],
            "frequency": [3, 0],
            "recency_weeks": [10.0, 0.0],
            "t_weeks": [20.0, 5.0],
            "monetary_value": [30.0, None],
            "repeat_purchase_days_52w": [3, 0],
        }
    )


def fits() -> list[ModelFit]:
    common = {
        "accounts_used": 2,
        "converged": False,
        "stability_condition": "x",
        "is_stable": False,
    }
    return [
        ModelFit("bg_nbd", FitStatus.TOO_FEW_BUYERS, "few", fallback_method="run_rate", **common),
        ModelFit(
            "gamma_gamma", FitStatus.TOO_FEW_BUYERS, "few", fallback_method="shrunk_mean", **common
        ),
    ]


@pytest.fixture
def table() -> pd.DataFrame:
    frame = summary()
    frame["monetary_value"] = frame["monetary_value"].fillna(0.0)
    result = predict_account_clv(frame)
    return account_clv_frame(
        accounts(), summary(), result.accounts, result.fits, as_of_date="2026-10-30"
    )


def test_every_account_is_listed_with_name_owner_and_as_of(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == ACCOUNT_CLV_COLUMNS
    assert table["account_id"].tolist() == ["A1", "A2", "A3"]
    assert table["has_purchase_history"].tolist() == [True, True, False]
    assert table.set_index("account_id").loc["A1", "account_name"] == "Clínica A"
    assert set(table["owner_kam_id"]) == {"U1", "U2"}
    assert str(table["as_of_date"].iloc[0]) == "2026-10-30"
    assert set(table["purchase_fit_status"]) == {"too_few_buyers"}
    assert broken_values(table, accounts()["account_id"]) == []


def test_prospects_get_zeros_nulls_and_method_none(table: pd.DataFrame) -> None:
    prospect = table.set_index("account_id").loc["A3"]
    for column in ("expected_purchases_12m", "clv_12m", "clv_36m_p90", "expected_order_value"):
        assert prospect[column] == 0
    assert pd.isna(prospect["p_alive"]) and pd.isna(prospect["t_weeks"])
    assert prospect["expected_purchases_method"] == "none"
    assert prospect["expected_order_value_method"] == "none"


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda t: t.drop(index=1), "1 account(s) of dim_accounts without a row"),
        (lambda t: pd.concat([t, t.iloc[[0]]]), "more than one row"),
        (lambda t: t.assign(clv_36m=[math.inf, 1.0, 0.0]), "clv_36m: 1 NaN, infinite or null"),
        (lambda t: t.assign(clv_12m=[np.nan, 1.0, 0.0]), "clv_12m: 1 NaN, infinite or null"),
        (lambda t: t.assign(clv_12m=[-5.0, 1.0, 0.0]), "clv_12m: 1 negative value"),
        (lambda t: t.assign(clv_12m_p90=[0.0, 0.0, 0.0]), "clv_12m: 1 interval(s) not containing"),
        (
            lambda t: t.assign(expected_purchases_method="bg_nbd"),
            "p_alive: 3 value(s) outside [0, 1] or missing",
        ),
        (lambda t: t.assign(p_alive=[1.5, None, None]), "p_alive: 1 value(s) outside [0, 1]"),
    ],
    ids=["missing", "duplicate", "inf", "nan", "negative", "interval", "no p_alive", "p > 1"],
)
def test_broken_values_are_named(table: pd.DataFrame, damage, expected: str) -> None:
    problems = broken_values(damage(table.copy()).reset_index(drop=True), accounts()["account_id"])
    assert any(expected in problem for problem in problems), problems


def test_model_fits_rows() -> None:
    fit = ModelFit(
        model="bg_nbd",
        status=FitStatus.PARTIALLY_IDENTIFIED,
        status_reason="a and b run off together",
        accounts_used=194,
        converged=True,
        stability_condition="...: met",
        is_stable=True,
        parameters={"r": 1.54, "alpha": 2.32, "a": 263.4, "b": 237635.8},
        standard_errors={"r": 0.15, "alpha": 0.27, "a": None, "b": None},
        log_likelihood=-12100.9,
        diagnostics={"relative_gradient": 6e-6},
    )
    frame = model_fits_frame([fit], as_of_date="2026-10-31")
    assert tuple(frame.columns) == MODEL_FITS_COLUMNS
    row = frame.iloc[0]
    assert (row["model"], row["fit_status"], row["accounts_used"]) == (
        "bg_nbd",
        "partially_identified",
        194,
    )
    assert bool(row["is_model_used"]) and row["fallback_method"] is None
    assert json.loads(row["standard_errors_json"]) == {
        "a": None,
        "alpha": 0.27,
        "b": None,
        "r": 0.15,
    }
    assert str(row["as_of_date"]) == "2026-10-31"
