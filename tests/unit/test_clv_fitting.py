"""The shared ML machinery: several starts, the convergence verdict, row aggregation."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.lib.clv.fitting import aggregate_rows, maximise_log_likelihood


def test_interior_optimum_is_found_and_converged() -> None:
    target = np.log([0.5, 20.0])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        diff = theta - target
        return float(diff @ diff), 2.0 * diff

    best = maximise_log_likelihood(objective, [(1.0, 1.0), (100.0, 0.01)], ("u", "v"))
    assert best.converged
    np.testing.assert_allclose(best.parameters, [0.5, 20.0], rtol=1e-6)
    assert best.verdict_message(("u", "v")).startswith("converged (best of 2 starts")


def test_parameter_running_to_a_bound_is_not_converged() -> None:
    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # Keeps improving as the second parameter grows: the data "do not identify" it.
        value = (theta[0] - 1.0) ** 2 + np.exp(-theta[1])
        return float(value), np.array([2.0 * (theta[0] - 1.0), -np.exp(-theta[1])])

    best = maximise_log_likelihood(objective, [(1.0, 1.0)], ("u", "v"))
    assert not best.converged
    assert best.at_bound == ("v",)
    assert "v ran to the search bound" in best.verdict_message(("u", "v"))


def test_non_finite_everywhere_is_reported() -> None:
    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return float("nan"), np.full_like(theta, np.nan)

    best = maximise_log_likelihood(objective, [(1.0,)], ("u",))
    assert not best.converged
    assert "not finite" in best.verdict_message(("u",))


def test_aggregate_rows_counts_and_inverse_rebuild_the_input() -> None:
    x = np.array([2.0, 0.0, 2.0, 2.0, 0.0])
    t = np.array([5.0, 0.0, 5.0, 6.0, 0.0])
    (ux, ut), counts, inverse = aggregate_rows(x, t)
    assert len(ux) == 3
    assert counts.sum() == 5
    np.testing.assert_array_equal(ux[inverse], x)
    np.testing.assert_array_equal(ut[inverse], t)
    assert dict(zip(zip(ux, ut, strict=True), counts, strict=True)) == pytest.approx(
        {(0.0, 0.0): 2.0, (2.0, 5.0): 2.0, (2.0, 6.0): 1.0}
    )
