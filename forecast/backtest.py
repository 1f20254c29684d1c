"""Rolling-origin backtest: at origins every 28 days over the last year before the as-of date, fit on the past
only, forecast the next `horizon` days, and score the model and each baseline on what happened.

Scores, pooled over the origins, overall (scope "") and per unit (every Polsek, Polres and Polda):
- hit rate at k %: the share of the crimes that fell in the villages targeted, the top k % of the scope's villages
  by expected crimes (ceil(k % × villages), at least one);
- PAI at k %: hit rate / (area of the targeted villages / area of all villages) (forecast.neighbours.areas);
- deviance: mean Poisson deviance per village and origin.
Ties at the cut: villages with the same expected value as the last place share the remaining places equally
(each is counted with weight places / tied villages), the expectation of breaking the tie at random, so no
method gains from the order of village codes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import xlogy

from forecast.baselines import BASELINES, baseline_forecasts
from forecast.model import ORIGIN_STEP, FeatureBook, fit_model, training_origins

BACKTEST_ORIGINS = 14  # 14 × 28 = 392 days: the windows cover at least the last 12 months
SHARES = (5, 10, 20)
# A forecast of exactly 0 where a crime then happens has infinite deviance; every method is floored here when
# scored (a baseline that saw no crime predicts 0), so one such village does not decide the comparison.
DEVIANCE_FLOOR = 0.01
SCORE_COLUMNS = ["scope_code", "method", "pai_5", "pai_10", "pai_20", "hit_rate_5", "hit_rate_10", "hit_rate_20",
                 "deviance", "crimes", "villages"]


def backtest_origins(book: FeatureBook) -> list[int]:
    """Origin day indexes, oldest first: the last one's window ends on the as-of date; each has a past to fit on."""
    last = book.history.days - 1 - book.horizon
    candidates = [last - ORIGIN_STEP * step for step in range(BACKTEST_ORIGINS)]
    return sorted(origin for origin in candidates if training_origins(origin, book.horizon))


def backtest_forecasts(book: FeatureBook, origins: list[int]) -> pd.DataFrame:
    """Long frame: origin, method, village (row index), expected, actual — for the model and each baseline."""
    parts = []
    for origin in origins:
        actual = book.target(origin)
        methods = {"model": fit_model(book, origin).expected(book.at(origin)),
                   **baseline_forecasts(book.history, origin, book.horizon)}
        for method, expected in methods.items():
            parts.append(pd.DataFrame({"origin": origin, "method": method, "village": np.arange(len(actual)),
                                       "expected": expected, "actual": actual}))
    return pd.concat(parts, ignore_index=True)


def unit_deviance(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Poisson deviance of each count: 2 (y log(y / μ) − (y − μ)), with μ floored at DEVIANCE_FLOOR."""
    mu = np.maximum(expected, DEVIANCE_FLOOR)
    return 2 * (xlogy(actual, actual) - xlogy(actual, mu) - actual + mu)


def targeted_weights(frame: pd.DataFrame, keys: list[str], share: float) -> pd.Series:
    """Per row, how much of the village is targeted (0 … 1) when the top `share` % of its group are."""
    groups = frame.groupby(keys, sort=False)["expected"]
    places = np.ceil(groups.transform("size").to_numpy() * share / 100)
    above = groups.rank(method="min", ascending=False).to_numpy() - 1  # villages strictly ahead
    tied = frame.groupby([*keys, "expected"], sort=False)["expected"].transform("size").to_numpy()
    return pd.Series(np.clip((places - above) / tied, 0, 1), index=frame.index)


def scores(forecasts: pd.DataFrame, membership: pd.DataFrame, areas: np.ndarray) -> pd.DataFrame:
    """SCORE_COLUMNS per scope and method; `membership` maps village (row index) to each scope_code it is in."""
    frame = forecasts.merge(membership, on="village")
    frame["area"] = areas[frame["village"].to_numpy()]
    frame["deviance"] = unit_deviance(frame["actual"].to_numpy(), frame["expected"].to_numpy())
    keys = ["scope_code", "origin", "method"]
    summed = {"crimes": ("actual", "sum"), "area": ("area", "sum"), "deviance": ("deviance", "mean"),
              "villages": ("village", "nunique")}
    for share in SHARES:
        weight = targeted_weights(frame, keys, share)
        frame[f"hits_{share}"] = weight * frame["actual"]
        frame[f"area_{share}"] = weight * frame["area"]
        summed |= {f"hits_{share}": (f"hits_{share}", "sum"), f"area_{share}": (f"area_{share}", "sum")}
    table = frame.groupby(["scope_code", "method"]).agg(**summed).reset_index()
    for share in SHARES:
        crimes = table["crimes"].where(table["crimes"] > 0)
        table[f"hit_rate_{share}"] = table[f"hits_{share}"] / crimes
        table[f"pai_{share}"] = table[f"hit_rate_{share}"] / (table[f"area_{share}"] / table["area"])
    table["crimes"] = table["crimes"].round().astype("int64")
    return table[SCORE_COLUMNS]


def shown_method(table: pd.DataFrame) -> str:
    """The model if its overall deviance is lower than the best baseline's, else that baseline."""
    overall = table[table["scope_code"] == ""].set_index("method")["deviance"]
    best = min(BASELINES, key=lambda method: overall.get(method, math.inf))
    return "model" if overall.get("model", math.inf) < overall.get(best, math.inf) else best
