"""Duration distributions for simulated activities, each sampled from an injected ``random.Random``.

Values are in seconds. Every distribution knows its mean so that scenarios can rescale it and
reports can show what was assumed; none can return a negative duration.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol


class Distribution(Protocol):
    """A non-negative random duration in seconds."""

    def sample(self, rng: random.Random) -> float:
        """Draw one value."""
        ...

    @property
    def mean(self) -> float:
        """The expected value (of the truncated distribution where truncation applies)."""
        ...

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every value multiplied by ``factor`` (a scenario's speed-up)."""
        ...


def _check_non_negative(name: str, **values: float) -> None:
    for key, value in values.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name}: {key} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class Fixed:
    """Always the same duration: automated steps with a known run time."""

    value: float

    def __post_init__(self) -> None:
        _check_non_negative("fixed", value=self.value)

    def sample(self, rng: random.Random) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value

    def scaled(self, factor: float) -> Fixed:
        return Fixed(self.value * factor)


@dataclass(frozen=True)
class Exponential:
    """Memoryless durations: the textbook model (M/M/c) and a fair default with only a mean."""

    mean_value: float

    def __post_init__(self) -> None:
        _check_non_negative("exponential", mean=self.mean_value)

    def sample(self, rng: random.Random) -> float:
        if self.mean_value == 0:
            return 0.0
        return rng.expovariate(1.0 / self.mean_value)

    @property
    def mean(self) -> float:
        return self.mean_value

    def scaled(self, factor: float) -> Exponential:
        return Exponential(self.mean_value * factor)


def _truncated_normal_mean(mu: float, sigma: float) -> float:
    if sigma == 0:
        return max(mu, 0.0)
    alpha = -mu / sigma
    pdf = math.exp(-0.5 * alpha * alpha) / math.sqrt(2 * math.pi)
    survival = 0.5 * math.erfc(alpha / math.sqrt(2))
    if survival <= 0:
        return 0.0
    return mu + sigma * pdf / survival


@dataclass(frozen=True)
class Normal:
    """Normal durations truncated at 0 (redrawn until non-negative): a symmetric spread."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        _check_non_negative("normal", sigma=self.sigma)
        if self.mu <= 0 and self.sigma == 0:
            raise ValueError("normal: a zero spread needs a positive mean")

    def sample(self, rng: random.Random) -> float:
        if self.sigma == 0:
            return self.mu
        for _ in range(1000):
            value = rng.gauss(self.mu, self.sigma)
            if value >= 0:
                return value
        return 0.0

    @property
    def mean(self) -> float:
        return _truncated_normal_mean(self.mu, self.sigma)

    def scaled(self, factor: float) -> Normal:
        return Normal(self.mu * factor, self.sigma * factor)


@dataclass(frozen=True)
class LogNormal:
    """Right-skewed durations given by their own mean and standard deviation (not log-space)."""

    mean_value: float
    std: float

    def __post_init__(self) -> None:
        _check_non_negative("lognormal", mean=self.mean_value, std=self.std)
        if self.mean_value == 0:
            raise ValueError("lognormal: the mean must be > 0")

    def _log_params(self) -> tuple[float, float]:
        variance = math.log1p((self.std / self.mean_value) ** 2)
        return math.log(self.mean_value) - variance / 2, math.sqrt(variance)

    def sample(self, rng: random.Random) -> float:
        mu, sigma = self._log_params()
        return rng.lognormvariate(mu, sigma)

    @property
    def mean(self) -> float:
        return self.mean_value

    def scaled(self, factor: float) -> LogNormal:
        return LogNormal(self.mean_value * factor, self.std * factor)


@dataclass(frozen=True)
class Triangular:
    """Three-point estimate (shortest, most likely, longest), as staff can give it in a workshop."""

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        _check_non_negative("triangular", low=self.low, mode=self.mode, high=self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"triangular: need low <= mode <= high, got {self.low}, {self.mode}, {self.high}"
            )

    def sample(self, rng: random.Random) -> float:
        return rng.triangular(self.low, self.high, self.mode)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def scaled(self, factor: float) -> Triangular:
        return Triangular(self.low * factor, self.mode * factor, self.high * factor)


@dataclass(frozen=True)
class Empirical:
    """Resample observed durations (learned from a log): keeps their real shape and mean."""

    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError("empirical: needs at least one observed duration")
        for value in self.samples:
            _check_non_negative("empirical", sample=value)

    def sample(self, rng: random.Random) -> float:
        return self.samples[int(rng.random() * len(self.samples))]

    @property
    def mean(self) -> float:
        return math.fsum(self.samples) / len(self.samples)

    def scaled(self, factor: float) -> Empirical:
        return Empirical(tuple(value * factor for value in self.samples))
