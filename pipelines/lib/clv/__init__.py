"""Customer lifetime value: BG/NBD purchases, Gamma-Gamma spend, discounted CLV per account.

Method, conventions, statuses and fallbacks: docs/clv.md.
"""

from pipelines.lib.clv.fitting import ClvError
from pipelines.lib.clv.predict import ClvResult, ClvSettings, fit_models, predict_account_clv
from pipelines.lib.clv.status import FitStatus, ModelFit, fit_warning
from pipelines.lib.clv.summary import summarise_transactions

__all__ = [
    "ClvError",
    "ClvResult",
    "ClvSettings",
    "FitStatus",
    "ModelFit",
    "fit_models",
    "fit_warning",
    "predict_account_clv",
    "summarise_transactions",
]
