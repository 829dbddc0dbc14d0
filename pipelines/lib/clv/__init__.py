"""Customer lifetime value: BG/NBD purchases, Gamma-Gamma spend, discounted CLV per account.

Method, conventions and validation: docs/clv.md.
"""

from pipelines.lib.clv.fitting import ClvError, ModelFit
from pipelines.lib.clv.predict import ClvResult, predict_account_clv
from pipelines.lib.clv.summary import summarise_transactions

__all__ = ["ClvError", "ClvResult", "ModelFit", "predict_account_clv", "summarise_transactions"]
