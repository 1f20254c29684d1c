"""The village crime model: features at an origin day, a Poisson GLM on stacked past origins, 90 % intervals.

Why scikit-learn's PoissonRegressor (a Poisson GLM with log link) rather than gradient boosting: the counts
are small and sparse, a log-linear rate on log counts is what the crime-forecasting literature uses as its
workhorse, it fits a Polda's stacked origins in a fraction of a second (the backtest refits it at every
origin), and its coefficients stay readable. The 90 % interval comes from a negative binomial whose
dispersion is the moment estimate on the training residuals (Var = μ + α μ²), with scipy's quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from scipy import sparse, stats
from sklearn.linear_model import PoissonRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from forecast.baselines import YEAR_DAYS, last_year
from forecast.history import ForecastError, History

ORIGIN_STEP = 28  # days between stacked training origins (and between backtest origins)
MIN_HISTORY = 28  # a training origin needs at least this many days of data up to it
INTERVAL = (0.05, 0.95)
FEATURES = ("crimes_28", "crimes_91", "crimes_365", "crimes_last_year", "neighbours_28", "neighbours_91",
            "deteksi_dini_28", "complaints_28", "dds_visits_28", "season_sin", "season_cos", "log_population")


@dataclass
class FeatureBook:
    """Features per origin day index, computed once and reused by every fit of a run."""

    history: History
    neighbours: sparse.csr_matrix  # row-normalised adjacency (forecast.neighbours.adjacency)
    horizon: int
    _cache: dict[int, np.ndarray] = field(default_factory=dict)

    def at(self, origin: int) -> np.ndarray:
        """villages × FEATURES, from data up to and including day index `origin`."""
        if origin not in self._cache:
            self._cache[origin] = self._compute(origin)
        return self._cache[origin]

    def _compute(self, origin: int) -> np.ndarray:
        history, horizon = self.history, self.horizon
        crimes_28, crimes_91 = history.window("crimes", origin, 28), history.window("crimes", origin, 91)
        # Less than a year of data before the origin: the year's count scaled up, not read as a quiet year.
        crimes_365 = history.window("crimes", origin, YEAR_DAYS) * YEAR_DAYS / max(
            history.observed_days(origin, YEAR_DAYS), 1)
        counts = [crimes_28, crimes_91, crimes_365, last_year(history, origin, horizon),
                  self.neighbours @ crimes_28, self.neighbours @ crimes_91,
                  history.window("deteksi_dini", origin, 28), history.window("complaints", origin, 28),
                  history.window("dds_visits", origin, 28)]
        # Seasonality of the target window: the day of the year of its middle day.
        middle = history.first_day.toordinal() + origin + (horizon + 1) / 2
        angle = 2 * np.pi * (middle % 365.25) / 365.25
        ones = np.ones(len(crimes_28))
        return np.column_stack([np.log1p(count) for count in counts]
                               + [np.sin(angle) * ones, np.cos(angle) * ones, log_population(history)])

    def target(self, origin: int) -> np.ndarray:
        """Crimes per village in origin + 1 … origin + horizon."""
        return self.history.window("crimes", origin + self.horizon, self.horizon)


def log_population(history: History) -> np.ndarray:
    """log(1 + population); villages without a count get the median of the others (0 when none has one)."""
    population = history.villages["population"].astype("float64").to_numpy()
    known = ~np.isnan(population)
    fill = np.median(population[known]) if known.any() else 0.0
    return np.log1p(np.where(known, population, fill))


def training_origins(fit_origin: int, horizon: int) -> list[int]:
    """Origins every ORIGIN_STEP days back whose target window ends on or before `fit_origin`."""
    return list(range(fit_origin - horizon, MIN_HISTORY - 2, -ORIGIN_STEP))  # down to day index MIN_HISTORY - 1


@dataclass
class FittedModel:
    """A fitted Poisson GLM and the negative-binomial dispersion of its training residuals."""

    pipeline: Pipeline
    dispersion: float
    origins: int

    def expected(self, features: np.ndarray) -> np.ndarray:
        return self.pipeline.predict(features)


def fit_model(book: FeatureBook, fit_origin: int) -> FittedModel:
    """Fit on every training origin before `fit_origin` (their targets end on or before it)."""
    origins = training_origins(fit_origin, book.horizon)
    if not origins:
        day = book.history.first_day + timedelta(days=fit_origin)
        raise ForecastError(f"the crimes before {day} span fewer than {MIN_HISTORY + book.horizon} days: "
                            "too short a history to learn from")
    features = np.vstack([book.at(origin) for origin in origins])
    target = np.concatenate([book.target(origin) for origin in origins])
    pipeline = make_pipeline(StandardScaler(), PoissonRegressor(alpha=1e-4, solver="newton-cholesky", max_iter=100))
    pipeline.fit(features, target)
    return FittedModel(pipeline, dispersion(target, pipeline.predict(features)), len(origins))


def dispersion(observed: np.ndarray, expected: np.ndarray) -> float:
    """α of Var = μ + α μ² by moments (Cameron & Trivedi); 0 when the counts are not over-dispersed."""
    denominator = float(np.sum(expected ** 2))
    if denominator <= 0:
        return 0.0
    return max(0.0, float(np.sum((observed - expected) ** 2 - observed)) / denominator)


def interval(expected: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The 90 % predictive interval of counts: negative binomial with dispersion α (Poisson when α = 0)."""
    expected = np.maximum(np.asarray(expected, dtype="float64"), 0.0)
    if alpha <= 1e-9:
        return stats.poisson.ppf(INTERVAL[0], expected), stats.poisson.ppf(INTERVAL[1], expected)
    size = 1.0 / alpha
    probability = size / (size + expected)
    return stats.nbinom.ppf(INTERVAL[0], size, probability), stats.nbinom.ppf(INTERVAL[1], size, probability)
