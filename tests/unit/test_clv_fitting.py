"""The shared ML machinery: several starts, the convergence verdict, row aggregation, curvature."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.lib.clv.fitting import (
    RELATIVE_GRADIENT_TOLERANCE,
    aggregate_rows,
    maximise_log_likelihood,
    observed_information,
    relative_gradient,
)


def test_interior_optimum_is_found_and_converged() -> None:
    target = np.log([0.5, 20.0])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        diff = theta - target
        return float(diff @ diff), 2.0 * diff

    best = maximise_log_likelihood(objective, [(1.0, 1.0), (100.0, 0.01)], ("u", "v"))
    assert best.converged
    np.testing.assert_allclose(best.parameters, [0.5, 20.0], rtol=1e-6)
    assert best.at_bound == ()


def test_gradient_test_is_relative_to_the_size_of_the_log_likelihood() -> None:
    """The seed-5 sample (200 accounts, ~50 purchase days each) ended with a gradient norm of
    3.7e-4 at a mean log-likelihood of -62.4 per account, where one more percent on any parameter
    changes the total log-likelihood by about 1e-2: converged. The same gradient at a mean
    log-likelihood of -0.5 is a fit that stopped early."""
    free = np.zeros(4, dtype=bool)
    seed5 = relative_gradient(np.array([-1.3e-4, 3.1e-4, -1.1e-4, 1.1e-4]), -62.4, free)
    assert seed5 < RELATIVE_GRADIENT_TOLERANCE
    small = relative_gradient(np.array([-1.3e-4, 3.1e-4, -1.1e-4, 1.1e-4]), -0.5, free)
    assert small >= RELATIVE_GRADIENT_TOLERANCE


def test_outward_slope_at_a_bound_does_not_count() -> None:
    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # Keeps improving towards the lower bound of u: the optimiser stops at the bound.
        return 62.0 + 3.7e-4 * float(theta[0]), np.array([3.7e-4, 0.0])

    best = maximise_log_likelihood(objective, [(1.0, 1.0)], ("u", "v"))
    assert best.at_bound == ("u",)
    assert best.converged
    assert relative_gradient(np.array([3.7e-4, 0.0]), -62.0, np.array([False, False])) > 0


def test_parameter_running_to_a_bound_is_reported() -> None:
    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # Keeps improving as the second parameter grows: the data "do not identify" it.
        value = (theta[0] - 1.0) ** 2 + np.exp(-theta[1])
        return float(value), np.array([2.0 * (theta[0] - 1.0), -np.exp(-theta[1])])

    best = maximise_log_likelihood(objective, [(1.0, 1.0)], ("u", "v"))
    assert best.at_bound == ("v",)
    assert best.at_bound_axes == (1,)


def test_non_finite_everywhere_is_reported() -> None:
    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return float("nan"), np.full_like(theta, np.nan)

    best = maximise_log_likelihood(objective, [(1.0,)], ("u",))
    assert not best.converged
    assert any("not finite" in reason for reason in best.failure_reasons())


def test_observed_information_is_the_hessian_times_accounts() -> None:
    curvature = np.array([[4.0, 1.0], [1.0, 2.0]])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return 0.5 * float(theta @ curvature @ theta), curvature @ theta

    information = observed_information(objective, np.array([0.3, -0.2]), accounts=50)
    np.testing.assert_allclose(information, 50 * curvature, rtol=1e-8)


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
