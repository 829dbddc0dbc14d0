"""A bad CLV setting fails the model account_clv in plain words.

account_clv and clv_model_fits are dbt Python models (pipelines.lib.clv_marts does the work; the
full project build of test_dbt_build.py builds them, test_dbt_docs.py checks their types). A CLV
setting in kam.yml that the library refuses fails the model, and the run's failure message
(pipelines.lib.dbt_failures) names the var without the Python traceback dbt-duckdb reports.
"""

from __future__ import annotations

import json

import pytest
from conftest import DbtRun, run_dbt
from synthetic_bronze import create_bronze

from pipelines.lib.contract import REQUIRED_ENTITIES
from pipelines.lib.dbt_failures import describe_dbt_failure

CLV_MODELS = ["--select", "+account_clv +clv_model_fits", "--indirect-selection", "cautious"]


@pytest.fixture(scope="module")
def bad_setting(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work_dir = tmp_path_factory.mktemp("clv_bad_setting")
    database = create_bronze(work_dir / "kam.duckdb", delivered=REQUIRED_ENTITIES)
    vars_ = json.dumps({"clv_min_q_lower_bound": 0.5})
    return run_dbt(["build", *CLV_MODELS, "--vars", vars_], database, work_dir)


def test_a_bad_clv_setting_fails_the_model_naming_the_var(bad_setting: DbtRun) -> None:
    assert bad_setting.returncode == 1, bad_setting.output
    description = describe_dbt_failure(bad_setting.target_path)
    assert "dbt build: 2 model(s) or test(s) failed:" in description
    assert (
        "- model account_clv (models/marts/clv/account_clv.py): clv_min_q_lower_bound must be a "
        "number >= 1 (below 1 the Gamma-Gamma population mean is infinite), got 0.5 "
        "(kam.yml, dbt: vars:)"
    ) in description
    assert "Traceback" not in description and "File " not in description
