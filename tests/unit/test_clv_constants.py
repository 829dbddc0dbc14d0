"""The CLV library's written-out distribution constants equal scipy.stats' values."""

from scipy.stats import chi2, norm

from pipelines.lib.clv import gamma_gamma, identification


def test_constants_equal_scipy_stats() -> None:
    assert float(chi2.ppf(0.80, 1) / 2.0) == identification.REGION_DROP
    assert float(norm.ppf(0.90)) == identification.Z80
    assert float(norm.ppf(0.975)) == gamma_gamma.Z95
