"""Duration distributions: right means, never negative, scalable."""

from __future__ import annotations

import math
import random

import pytest

from civicflow.insight.simulation import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
)

CASES: list[tuple[Distribution, float]] = [
    (Fixed(5.0), 5.0),
    (Exponential(4.0), 4.0),
    (Normal(10.0, 2.0), 10.0),
    (LogNormal(6.0, 3.0), 6.0),
    (Triangular(1.0, 2.0, 6.0), 3.0),
    (Empirical((1.0, 2.0, 9.0)), 4.0),
]


@pytest.mark.parametrize(("distribution", "mean"), CASES)
def test_sample_mean_converges_to_the_stated_mean(distribution: Distribution, mean: float) -> None:
    rng = random.Random(1)
    samples = [distribution.sample(rng) for _ in range(40_000)]
    assert math.fsum(samples) / len(samples) == pytest.approx(mean, rel=0.03)
    assert distribution.mean == pytest.approx(mean)
    assert min(samples) >= 0


def test_normal_truncated_at_zero_never_goes_negative_and_reports_its_truncated_mean() -> None:
    distribution = Normal(1.0, 2.0)
    rng = random.Random(5)
    samples = [distribution.sample(rng) for _ in range(40_000)]
    assert min(samples) >= 0
    assert math.fsum(samples) / len(samples) == pytest.approx(distribution.mean, rel=0.03)
    assert distribution.mean > 1.0


def test_scaling_a_distribution_scales_its_mean() -> None:
    for distribution, mean in CASES:
        assert distribution.scaled(0.5).mean == pytest.approx(mean / 2)


def test_impossible_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="triangular"):
        Triangular(3.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="exponential"):
        Exponential(-1.0)
    with pytest.raises(ValueError, match="empirical"):
        Empirical(())
