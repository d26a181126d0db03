"""Means and 95% confidence intervals across independent replications (Student's t)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided 95% quantiles t(0.975, df) for df = 1..30; beyond, a Cornish-Fisher expansion.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959963984540054


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("t quantile: needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95% confidence interval (NaN bounds for one run)."""

    mean: float
    low: float
    high: float
    runs: int

    @property
    def half_width(self) -> float:
        """Half the interval's width: the "±" of a report."""
        return (self.high - self.low) / 2


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95% interval of per-run values; runs that produced no value (NaN) are left out."""
    finite = [value for value in values if not math.isnan(value)]
    if not finite:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = math.fsum(finite) / len(finite)
    if len(finite) == 1:
        return Estimate(mean, math.nan, math.nan, 1)
    half = t_quantile_975(len(finite) - 1) * statistics.stdev(finite) / math.sqrt(len(finite))
    return Estimate(mean, mean - half, mean + half, len(finite))
