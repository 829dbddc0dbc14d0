"""What happened to a fit, in one word per case, and the record written to `clv_model_fits`.

The statuses are a closed list so BI can filter on them and docs/clv.md can say what each means.
Only the first two let a model's predictions through; every other status means the account table
was filled by the documented fallback, and the run carries a warning (never a failure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FitStatus(StrEnum):
    CONVERGED = "converged"
    PARTIALLY_IDENTIFIED = "partially_identified"
    NOT_IDENTIFIED = "not_identified"
    AT_BOUND = "at_bound"
    NOT_CONVERGED = "not_converged"
    TOO_FEW_BUYERS = "too_few_buyers"
    UNSTABLE_MEAN = "unstable_mean"


# One sentence per status, for the docs and the dbt source yml (a test keeps them in step).
STATUS_MEANINGS = {
    FitStatus.CONVERGED: "interior optimum, every parameter identified: predictions from the model",
    FitStatus.PARTIALLY_IDENTIFIED: (
        "optimum found, but the data do not pin down some combination of parameters; the "
        "predictions do not depend on it (checked), so they come from the model"
    ),
    FitStatus.NOT_IDENTIFIED: (
        "the likelihood is flat in a direction that moves the predictions: fallback used"
    ),
    FitStatus.AT_BOUND: (
        "a parameter ran to the search bound [1e-6, 1e6] and the predictions depend on it: "
        "fallback used"
    ),
    FitStatus.NOT_CONVERGED: "the optimiser did not reach an optimum: fallback used",
    FitStatus.TOO_FEW_BUYERS: (
        "fewer repeat buyers than clv_min_repeat_buyers: not fitted, fallback used"
    ),
    FitStatus.UNSTABLE_MEAN: (
        "Gamma-Gamma only: q is not credibly above clv_min_q_lower_bound, so the population "
        "mean spend is infinite or unstable: fallback used"
    ),
}

MODEL_USED = frozenset({FitStatus.CONVERGED, FitStatus.PARTIALLY_IDENTIFIED})


@dataclass(frozen=True)
class ModelFit:
    """One fit, as written to `clv_model_fits` (one row).

    `parameters` holds the fitted values even when the fit was rejected (for diagnosis), and is
    empty when nothing was fitted. `standard_errors` are on the parameters' natural scale; None
    for a parameter the data do not identify. `converged` is the optimiser's numerical verdict
    alone; `status` is what the predictions were based on.
    """

    model: str
    status: FitStatus
    status_reason: str
    accounts_used: int
    converged: bool
    stability_condition: str
    is_stable: bool
    parameters: dict[str, float] = field(default_factory=dict)
    standard_errors: dict[str, float | None] = field(default_factory=dict)
    log_likelihood: float | None = None
    diagnostics: dict[str, float] = field(default_factory=dict)
    fallback_method: str | None = None

    @property
    def uses_model(self) -> bool:
        return self.status in MODEL_USED

    def warning(self) -> str | None:
        """The run warning this fit raises, or None when its predictions come from the model
        without reservation."""
        return fit_warning(self.model, self.status, self.status_reason, self.fallback_method)


def fit_warning(
    model: str, status: FitStatus | str, status_reason: str, fallback_method: str | None
) -> str | None:
    """The run warning of a fit, from the fields `clv_model_fits` keeps of it (the publish step
    reads them back from there); None for a converged fit."""
    if FitStatus(status) is FitStatus.CONVERGED:
        return None
    what = (
        f"predictions use the fallback '{fallback_method}'"
        if fallback_method
        else "predictions use the model"
    )
    return f"{model}: {FitStatus(status).value}: {status_reason}; {what}"
