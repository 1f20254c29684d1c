"""The three naive forecasts the model must beat, for the `horizon` days after origin day index `origin`.

last_year uses the window 364 days earlier (52 weeks, so weekdays line up): origin + 1 − 364 … origin + horizon − 364.
"""

from __future__ import annotations

import numpy as np

from forecast.history import History

BASELINES = ("last_28", "mean_12m", "last_year")
YEAR_DAYS = 365
LAST_YEAR_LAG = 364


def last_28(history: History, origin: int, horizon: int) -> np.ndarray:
    """Crimes in the 28 days up to the origin, scaled to the horizon."""
    return history.window("crimes", origin, 28) * horizon / 28


def mean_12m(history: History, origin: int, horizon: int) -> np.ndarray:
    """Crimes in the 365 days up to the origin × horizon / 365.

    With less than a year of data before the origin, the days the data hold are the denominator, not 365.
    """
    observed = history.observed_days(origin, YEAR_DAYS)
    return history.window("crimes", origin, YEAR_DAYS) * horizon / max(observed, 1)


def last_year(history: History, origin: int, horizon: int) -> np.ndarray:
    """Crimes in the same horizon window 52 weeks earlier.

    When the data do not reach back that far (the window starts before the first day), mean_12m stands in:
    a count over days nobody exported would read as "no crime".
    """
    end = origin + horizon - LAST_YEAR_LAG
    if end + 1 - horizon < 0:
        return mean_12m(history, origin, horizon)
    return history.window("crimes", end, horizon)


def baseline_forecasts(history: History, origin: int, horizon: int) -> dict[str, np.ndarray]:
    """Every baseline's expected crimes per village."""
    return {"last_28": last_28(history, origin, horizon), "mean_12m": mean_12m(history, origin, horizon),
            "last_year": last_year(history, origin, horizon)}
