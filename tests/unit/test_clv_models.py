"""Closed forms against independent numerical references; gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import betaln

from pipelines.lib.clv import bgnbd, gamma_gamma
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams

CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


# The seed-5 sample's fit (a and b running off together) and points further along that ridge:
# SciPy's 2F1 returns NaN there, and an integral over p itself misses the narrow Beta entirely.
RIDGE = BgNbdParams(1.5417842, 2.3219998, 263.42590, 237635.82)


@pytest.mark.parametrize(
    "params",
    [
        CDNOW,
        BgNbdParams(0.8, 6.0, 2.5, 4.0),
        BgNbdParams(1.5, 20.0, 1.0, 3.0),
        RIDGE,
        BgNbdParams(RIDGE.r, RIDGE.alpha, 10 * RIDGE.a, 1e6),
        BgNbdParams(0.8, 10.0, 5e4, 5e5),
    ],
    ids=["a<1", "a>1", "a=1", "ridge", "ridge-at-bound", "a=5e4"],
)
@pytest.mark.parametrize(
    ("x", "t_x", "t_cal", "horizon"),
    [
        (0, 0.0, 10.0, 52.0),
        (2, 30.43, 38.86, 39.0),
        (15, 70.0, 80.0, 156.0),
        (1, 0.5, 100.0, 4.3),
        (500, 519.0, 520.0, 156.0),
    ],
)
def test_conditional_expectation_matches_numerical_integration(
    params: BgNbdParams, x: int, t_x: float, t_cal: float, horizon: float
) -> None:
    arrays = np.array([x], float), np.array([t_x]), np.array([t_cal])
    closed = bgnbd.conditional_expected_purchases(params, horizon, *arrays)[0]
    reference = bgnbd.expected_if_alive_by_integration(params, horizon, x, t_cal)
    reference *= bgnbd.p_alive(params, *arrays)[0]
    assert closed == pytest.approx(reference, rel=1e-6)


def test_reference_integral_agrees_with_the_homogeneous_limit() -> None:
    """With a, b huge the dropout probability is a point mass at a / (a + b) = pi, where the
    expectation is (1 - (1 + pi s)^-(r + x)) / pi: the reference must reach that limit."""
    params = BgNbdParams(1.5, 2.3, 1e5, 1e8)
    pi = params.a / (params.a + params.b + 3)
    scale = 52.0 / (params.alpha + 20.0)
    limit = -np.expm1(-(params.r + 3) * np.log1p(pi * scale)) / pi
    reference = bgnbd.expected_if_alive_by_integration(params, 52.0, 3, 20.0)
    assert reference == pytest.approx(limit, rel=1e-4)


def test_quadrature_matches_reference_where_it_is_used() -> None:
    """a >= QUADRATURE_MIN_A: the 8-node quadrature against the adaptive reference."""
    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(60):
        a = float(np.exp(rng.uniform(np.log(bgnbd.QUADRATURE_MIN_A), np.log(1e6))))
        b = float(np.exp(rng.uniform(np.log(1e-3), np.log(1e6))))
        r, alpha = (float(v) for v in np.exp(rng.uniform(np.log(1e-2), np.log(1e2), 2)))
        x = float(rng.choice([0, 1, 2, 5, 20, 100, 500]))
        t_cal, horizon = float(rng.uniform(0.1, 200)), float(rng.choice([4.35, 52.2, 156.5]))
        params = BgNbdParams(r, alpha, a, b)
        got = bgnbd.expected_if_alive(params, horizon, np.array([x]), np.array([t_cal]))[0]
        reference = bgnbd.expected_if_alive_by_integration(params, horizon, x, t_cal)
        worst = max(worst, abs(got / reference - 1.0))
    assert worst < 1e-5


def test_p_alive_matches_bayes_rule_by_integration() -> None:
    """P(alive) = P(history and alive) / P(history), both integrated over lambda and p."""
    params, x, t_x, t_cal = CDNOW, 3, 20.0, 38.0

    def joint(alive: bool) -> float:
        def integrand(lam: float, p: float) -> float:
            # Unnormalised Gamma(r, alpha) density: the constant cancels in the ratio.
            lam_density = lam ** (params.r - 1) * np.exp(-params.alpha * lam)
            p_density = np.exp(
                (params.a - 1) * np.log(p)
                + (params.b - 1) * np.log1p(-p)
                - betaln(params.a, params.b)
            )
            alive_term = (1 - p) ** x * lam**x * np.exp(-lam * t_cal)
            dead_term = p * (1 - p) ** (x - 1) * lam**x * np.exp(-lam * t_x)
            return lam_density * p_density * (alive_term if alive else alive_term + dead_term)

        value, _ = integrate.dblquad(integrand, 0, 1, 0, 5, epsrel=1e-9)
        return value

    expected = joint(alive=True) / joint(alive=False)
    got = bgnbd.p_alive(params, np.array([x], float), np.array([t_x]), np.array([t_cal]))[0]
    assert got == pytest.approx(expected, rel=1e-5)


def test_large_frequencies_stay_finite_and_sensible() -> None:
    x = np.array([500.0, 5000.0, 20000.0])
    t_cal = np.array([520.0, 520.0, 520.0])
    t_x = t_cal.copy()  # bought in the last week, as a very frequent buyer does
    alive = bgnbd.p_alive(CDNOW, x, t_x, t_cal)
    expected = bgnbd.conditional_expected_purchases(CDNOW, 52.0, x, t_x, t_cal)
    assert np.isfinite(alive).all() and np.isfinite(expected).all()
    assert (alive > 0.99).all()
    # A very regular buyer is expected to keep roughly its weekly rate (x / T per week).
    assert expected == pytest.approx(x / t_cal * 52.0, rel=0.05)


def test_conditional_expectation_is_increasing_in_horizon() -> None:
    horizons = np.linspace(0.0, 300.0, 31)
    x, t_x, t_cal = np.full(31, 3.0), np.full(31, 20.0), np.full(31, 40.0)
    values = bgnbd.conditional_expected_purchases(CDNOW, horizons, x, t_x, t_cal)
    assert values[0] == 0.0
    assert (np.diff(values) > 0).all()


def _finite_difference(func, theta: np.ndarray, step: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(theta)
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        grad[i] = (func(up) - func(down)) / (2 * step)
    return grad


def test_bgnbd_gradient_matches_finite_differences() -> None:
    x = np.array([0.0, 1.0, 2.0, 7.0, 30.0])
    t_x = np.array([0.0, 3.0, 30.43, 25.0, 50.0])
    t_cal = np.array([10.0, 38.86, 38.86, 40.0, 52.0])
    theta = np.array([0.243, 4.414, 0.793, 2.426])

    def total(values: np.ndarray) -> float:
        return float(bgnbd.log_likelihood(BgNbdParams(*values), x, t_x, t_cal).sum())

    _, grad = bgnbd._log_likelihood_terms(BgNbdParams(*theta), x, t_x, t_cal, gradient=True)
    np.testing.assert_allclose(grad.sum(axis=1), _finite_difference(total, theta), rtol=1e-5)


def test_gamma_gamma_gradient_matches_finite_differences() -> None:
    x = np.array([1.0, 2.0, 5.0, 40.0])
    m = np.array([11.77, 22.35, 35.0, 80.5])
    theta = np.array([6.25, 3.74, 15.44])

    def total(values: np.ndarray) -> float:
        return float(gamma_gamma.log_likelihood(GammaGammaParams(*values), x, m).sum())

    _, grad = gamma_gamma._terms(GammaGammaParams(*theta), x, m, True)
    np.testing.assert_allclose(grad.sum(axis=1), _finite_difference(total, theta), rtol=1e-5)


def test_gamma_gamma_density_integrates_to_one() -> None:
    params = GammaGammaParams(6.25, 3.74, 15.44)
    for x in (1.0, 4.0):
        total, _ = integrate.quad(
            lambda m, x=x: float(np.exp(gamma_gamma.log_likelihood(params, [x], [m])[0])),
            0,
            np.inf,
        )
        assert total == pytest.approx(1.0, rel=1e-7)


def test_expected_order_value_shrinks_towards_population_mean() -> None:
    params = GammaGammaParams(6.25, 3.74, 15.44)
    population = params.population_mean
    x = np.array([0.0, 1.0, 10.0, 1000.0])
    m = np.array([np.nan, 100.0, 100.0, 100.0])
    values = gamma_gamma.conditional_expected_order_value(params, x, m)
    assert values[0] == pytest.approx(population)
    assert population < values[1] < values[2] < values[3] < 100.0 + 1e-9
    assert values[3] == pytest.approx(100.0, rel=1e-3)
