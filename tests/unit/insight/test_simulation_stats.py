"""Confidence intervals across replications."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from civicflow.insight.simulation import estimate
from civicflow.insight.simulation.stats import t_quantile_975


def test_student_t_quantile_matches_published_values_and_tends_to_normal() -> None:
    assert t_quantile_975(1) == pytest.approx(12.706, abs=1e-3)
    assert t_quantile_975(9) == pytest.approx(2.262, abs=1e-3)
    assert t_quantile_975(40) == pytest.approx(2.021, abs=2e-3)
    assert t_quantile_975(120) == pytest.approx(1.980, abs=2e-3)
    assert t_quantile_975(100_000) == pytest.approx(statistics.NormalDist().inv_cdf(0.975), 1e-4)


def test_interval_of_ten_runs_is_mean_plus_minus_t_times_standard_error() -> None:
    values = [float(v) for v in range(1, 11)]
    result = estimate(values)
    half = 2.262 * statistics.stdev(values) / math.sqrt(10)
    assert result.mean == pytest.approx(5.5)
    assert result.low == pytest.approx(5.5 - half, rel=1e-3)
    assert result.high == pytest.approx(5.5 + half, rel=1e-3)
    assert result.runs == 10


def test_ninety_five_percent_intervals_cover_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = random.Random(2026)
    trials = 2_000
    covered = 0
    for _ in range(trials):
        sample = [rng.expovariate(1.0) + rng.gauss(0, 1) for _ in range(8)]
        interval = estimate(sample)
        covered += interval.low <= 1.0 <= interval.high
    assert 0.93 <= covered / trials <= 0.97


def test_a_single_run_has_a_mean_but_no_interval_and_missing_values_are_skipped() -> None:
    one = estimate([3.0, math.nan])
    assert one.mean == 3.0
    assert math.isnan(one.low)
    assert one.runs == 1
    assert estimate([]).runs == 0
