"""Do the data pin down the fitted parameters, and do predictions depend on what they leave open?

At the optimum the observed information (the curvature of the total log-likelihood in the
log-parameters) says how sharply the data determine each combination of parameters. A direction
is *flat* when the 80 % likelihood region along it (the parameters whose log-likelihood is within
chi2(1, 0.8) / 2 = 0.82 of the maximum) reaches the search bounds [1e-6, 1e6]: the data cannot
tell those parameter values apart, however far they go. Two shapes occur in practice:

- BG/NBD's dropout parameters a and b both running to infinity with a / (a + b) fixed: every
  account has the same dropout probability, and only that probability is identified;
- a running to 0: no dropout is visible in the data at all (one year of a wholesaler's invoices).

A flat direction is harmless when the predictions do not move along it: the model's predictions
are then kept (status partially_identified). When they do move, the model cannot be used (status
not_identified or at_bound) and the caller falls back. The identified directions give the
covariance from which prediction intervals are drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pipelines.lib.clv.fitting import LOG_LOWER, LOG_UPPER, Objective, observed_information

# Log-likelihood drop that bounds the 80 % likelihood region (one parameter direction at a time):
# chi2.ppf(0.80, 1) / 2. Written out, as is Z80 = norm.ppf(0.90), because importing scipy.stats
# for two constants cost every `kam` command 0.3-0.4 s; tests/unit/test_clv_constants.py checks
# both against scipy.stats.
REGION_DROP = 0.821187207574909
Z80 = 1.2815515655446004
# Directions whose quadratic 80 % half-width is below this (a factor e^1 either way) are clearly
# identified; wider ones are checked on the exact log-likelihood rather than its curvature.
CLEARLY_IDENTIFIED_HALF_WIDTH = 1.0
# A parameter loading more than this on a flat direction is reported as not identified.
FLAT_LOADING = 0.05

Predict = Callable[[np.ndarray], Mapping[str, np.ndarray]]


@dataclass(frozen=True)
class Tolerance:
    """How far a prediction may move along a flat direction and still count as stable."""

    absolute: float
    relative: float


@dataclass(frozen=True)
class Identification:
    """The outcome of examining one optimum.

    `draw_basis` (k x m) maps m independent standard normals onto log-parameter deviations over
    the identified directions. `flat_segments` are the flat directions with how far the 80 %
    likelihood region reaches along each (down, up): the data support every point of such a
    segment equally, so intervals draw uniformly along it.
    """

    information: np.ndarray
    draw_basis: np.ndarray
    log_standard_errors: np.ndarray
    flat_segments: tuple[tuple[np.ndarray, float, float], ...]
    predictions_stable: bool
    largest_shift: str

    @property
    def identified(self) -> bool:
        return not self.flat_segments

    def draw(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """`draws` x k log-parameter deviations from the optimum."""
        k = self.draw_basis.shape[0]
        deviations = rng.standard_normal((draws, self.draw_basis.shape[1])) @ self.draw_basis.T
        deviations = deviations.reshape(draws, k)
        for vector, down, up in self.flat_segments:
            deviations += rng.uniform(-down, up, size=(draws, 1)) * vector[None, :]
        return deviations

    def standard_errors(self, names: Sequence[str], values: np.ndarray) -> dict[str, float | None]:
        """Natural-scale standard errors by the delta method: se(theta) = theta * se(log theta)."""
        return {
            name: (float(value * se) if np.isfinite(se) else None)
            for name, value, se in zip(names, values, self.log_standard_errors, strict=True)
        }


def identify(
    objective: Objective,
    log_parameters: np.ndarray,
    accounts: float,
    predict: Predict,
    tolerances: Mapping[str, Tolerance],
    at_bound_axes: Sequence[int] = (),
) -> Identification:
    """Examine the optimum `log_parameters` of `objective` (mean negative LL per account).

    Parameters at a search bound (`at_bound_axes`) are flat directions by definition: the
    likelihood still rises, or stays level, towards the bound. The curvature of the others is
    examined with those held fixed.
    """
    theta = np.asarray(log_parameters, dtype=float)
    k = len(theta)
    information = observed_information(objective, theta, accounts)
    if not np.all(np.isfinite(information)):
        information = np.nan_to_num(information, nan=0.0, posinf=0.0, neginf=0.0)
    free = np.array([i for i in range(k) if i not in set(at_bound_axes)], dtype=int)
    eigenvalues, free_vectors = np.linalg.eigh(information[np.ix_(free, free)])
    vectors = np.zeros((k, len(free)))
    vectors[free, :] = free_vectors
    best = -objective(theta)[0] * accounts

    def drop(point: np.ndarray) -> float:
        value = objective(point)[0]
        return best + value * accounts if np.isfinite(value) else np.inf

    scales, flat = [], []
    for axis in at_bound_axes:
        vector = np.zeros(k)
        vector[axis] = 1.0
        low, _ = _region_end(drop, theta, -vector)
        high, _ = _region_end(drop, theta, vector)
        flat.append((vector, low, high))
    for eigenvalue, vector in zip(eigenvalues, vectors.T, strict=True):
        half_width = Z80 / np.sqrt(eigenvalue) if eigenvalue > 0 else np.inf
        if half_width <= CLEARLY_IDENTIFIED_HALF_WIDTH:
            scales.append((vector, 1.0 / np.sqrt(eigenvalue)))
            continue
        low, low_open = _region_end(drop, theta, -vector)
        high, high_open = _region_end(drop, theta, vector)
        if low_open or high_open:
            flat.append((vector, low, high))
        else:
            # Bounded but not quadratic: the region's own width sets the spread.
            scales.append((vector, (high + low) / (2.0 * Z80)))
    basis = (
        np.column_stack([vector * scale for vector, scale in scales])
        if scales
        else np.zeros((k, 0))
    )
    log_se = np.sqrt(np.sum(basis**2, axis=1))
    for vector, _, _ in flat:
        log_se[np.abs(vector) > FLAT_LOADING] = np.nan

    stable, largest = True, "no flat direction"
    if flat:
        reference = predict(theta)
        shifts = []
        for vector, low, high in flat:
            for end in (theta - low * vector, theta + high * vector):
                moved = predict(np.clip(end, LOG_LOWER, LOG_UPPER))
                shifts.extend(_shifts(reference, moved, tolerances))
        worst = max(shifts, key=lambda item: item[0])
        stable = worst[0] <= 1.0
        largest = worst[1]
    return Identification(
        information=information,
        draw_basis=basis,
        log_standard_errors=log_se,
        flat_segments=tuple((vector, float(low), float(high)) for vector, low, high in flat),
        predictions_stable=stable,
        largest_shift=largest,
    )


def _region_end(
    drop: Callable[[np.ndarray], float], theta: np.ndarray, direction: np.ndarray
) -> tuple[float, bool]:
    """How far along `direction` the 80 % likelihood region reaches; True when to the bounds."""
    limit = _distance_to_box(theta, direction)
    if limit <= 0.0:
        return 0.0, True
    inside, step = 0.0, min(0.25, limit)
    while True:
        if drop(theta + step * direction) > REGION_DROP:
            break
        inside = step
        if step >= limit:
            return limit, True
        step = min(2.0 * step, limit)
    outside = step
    for _ in range(40):
        if outside - inside < 1e-3:
            break
        middle = 0.5 * (inside + outside)
        if drop(theta + middle * direction) > REGION_DROP:
            outside = middle
        else:
            inside = middle
    return inside, False


def _distance_to_box(theta: np.ndarray, direction: np.ndarray) -> float:
    steps = []
    for position, component in zip(theta, direction, strict=True):
        if component > 1e-12:
            steps.append((LOG_UPPER - position) / component)
        elif component < -1e-12:
            steps.append((LOG_LOWER - position) / component)
    return max(0.0, min(steps)) if steps else 0.0


def _shifts(
    reference: Mapping[str, np.ndarray],
    moved: Mapping[str, np.ndarray],
    tolerances: Mapping[str, Tolerance],
) -> list[tuple[float, str]]:
    """Each prediction's largest move, as a multiple of its tolerance, with a description."""
    found = []
    for name, tolerance in tolerances.items():
        before = np.asarray(reference[name], dtype=float)
        after = np.asarray(moved[name], dtype=float)
        if before.size == 0:
            continue
        allowed = tolerance.absolute + tolerance.relative * np.abs(before)
        with np.errstate(invalid="ignore"):
            ratio = np.where(np.isfinite(after), np.abs(after - before) / allowed, np.inf)
        worst = int(np.argmax(ratio))
        found.append(
            (
                float(ratio[worst]),
                f"{name} moves from {before[worst]:.4g} to {after[worst]:.4g} for one account",
            )
        )
    return found
