"""One forecast run: the model's and the baselines' forecasts at an as-of date, their backtest, stored or exported.

compute_run stores a run (forecast_runs, village_forecasts, backtest_scores, village_hotspots); the export
computes the same frames without storing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from forecast.backtest import backtest_forecasts, backtest_origins, scores, shown_method
from forecast.baselines import LAST_YEAR_LAG, baseline_forecasts
from forecast.history import ForecastError, History, last_data_day, load_history
from forecast.hotspots import emerging_hotspots
from forecast.model import FeatureBook, fit_model, interval
from forecast.neighbours import adjacency, areas
from queries.db import frame_of
from queries.schema import backtest_scores, forecast_runs, unit_tree, village_forecasts, village_hotspots
from queries.scope import subtree

EXPORT_COLUMNS = ["village_code", "unit_code", "expected_crimes", "lower", "upper", "risk_rank", "hotspot_class"]
HOTSPOT_COLUMNS = ["village_code", "unit_code", "hotspot_class", "gi_z", "trend_z", "trend_p", "hot_months", "months"]


@dataclass(frozen=True)
class Run:
    """A computed run, not yet stored."""

    as_of: date
    horizon_days: int
    method_shown: str
    origins: int
    forecasts: pd.DataFrame  # method, village_code, unit_code, expected_crimes, lower, upper, risk_rank
    scores: pd.DataFrame  # forecast.backtest.SCORE_COLUMNS


def forecast_frame(history: History, method: str, expected: np.ndarray, dispersion: float) -> pd.DataFrame:
    """One method's rows: expected crimes, the 90 % interval and the rank (1 = highest; ties share the smallest)."""
    lower, upper = interval(expected, dispersion)
    frame = history.villages[["village_code", "unit_code"]].copy()
    frame.insert(0, "method", method)
    frame["expected_crimes"] = expected
    frame["lower"], frame["upper"] = lower, upper
    frame["risk_rank"] = frame["expected_crimes"].rank(method="min", ascending=False).astype("int64")
    return frame


def scope_membership(conn: Connection, history: History) -> pd.DataFrame:
    """(village row, scope_code): every village is in the overall scope "" and in its Polsek and all above it."""
    tree = frame_of(conn.execute(select(unit_tree.c.unit_code, unit_tree.c.ancestor_code)).all(),
                    ["unit_code", "scope_code"])
    villages = history.villages[["unit_code"]].assign(village=np.arange(len(history.villages)))
    units = villages.merge(tree, on="unit_code")[["village", "scope_code"]]
    return pd.concat([villages[["village"]].assign(scope_code=""), units], ignore_index=True)


def compute(conn: Connection, as_of: date | None = None, horizon_days: int = 28) -> Run:
    """Forecasts at as_of (default: the last crime or activity date) and the backtest before it."""
    if not 1 <= horizon_days <= LAST_YEAR_LAG:
        raise ForecastError(f"the horizon must be 1 to {LAST_YEAR_LAG} days (the same window a year earlier must end "
                            "before the as-of date)")
    as_of = as_of or last_data_day(conn)
    if as_of is None:
        raise ForecastError("the database holds no crime and no activity")
    history = load_history(conn, as_of)
    book = FeatureBook(history, adjacency(history.villages), horizon_days)
    origins = backtest_origins(book)
    if not origins:
        raise ForecastError(f"the crimes up to {as_of} are too short a history for a backtest")
    table = scores(backtest_forecasts(book, origins), scope_membership(conn, history), areas(history.villages))
    last = history.days - 1
    model = fit_model(book, last)
    frames = [forecast_frame(history, "model", model.expected(book.at(last)), model.dispersion)]
    # The baselines claim no spread of their own: their interval is Poisson around the expected count.
    frames += [forecast_frame(history, method, expected, 0.0)
               for method, expected in baseline_forecasts(history, last, horizon_days).items()]
    return Run(as_of, horizon_days, shown_method(table), len(origins), pd.concat(frames, ignore_index=True), table)


def records(frame: pd.DataFrame, **extra) -> list[dict]:
    """Rows for an insert, NaN as NULL."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(row, **extra) for row in clean.to_dict("records")]


def store(conn: Connection, run: Run, hotspots: pd.DataFrame) -> int:
    """Insert the run and its rows; returns its run_id."""
    run_id = conn.execute(insert(forecast_runs).values(
        as_of=run.as_of, horizon_days=run.horizon_days, computed_at=datetime.now(UTC).replace(tzinfo=None),
        method_shown=run.method_shown, origins=run.origins).returning(forecast_runs.c.run_id)).scalar_one()
    conn.execute(insert(village_forecasts), records(run.forecasts, run_id=run_id))
    conn.execute(insert(backtest_scores), records(run.scores, run_id=run_id))
    if len(hotspots):
        conn.execute(insert(village_hotspots), records(hotspots[HOTSPOT_COLUMNS], run_id=run_id))
    return run_id


def compute_run(engine: Engine, as_of: date | None = None, horizon_days: int = 28) -> int:
    """Compute and store one run over the whole database; returns its run_id."""
    with engine.connect() as conn:
        run = compute(conn, as_of, horizon_days)
        hotspots = emerging_hotspots(conn, run.as_of)
    with engine.begin() as conn:
        return store(conn, run, hotspots)


def export_forecast(conn: Connection, as_of: date, horizon_days: int = 28, unit_code: str | None = None
                    ) -> pd.DataFrame:
    """DESIGN §5: one row per village of the scope, the shown method's forecast, ranked among the rows."""
    run = compute(conn, as_of, horizon_days)
    frame = run.forecasts[run.forecasts["method"] == run.method_shown]
    if unit_code is not None:
        polsek = {code for (code,) in conn.execute(subtree(unit_code)).all()}
        frame = frame[frame["unit_code"].isin(polsek)]
    frame = frame.copy()
    frame["risk_rank"] = frame["expected_crimes"].rank(method="min", ascending=False).astype("int64")
    hotspots = emerging_hotspots(conn, as_of, unit_code)
    classes = dict(zip(hotspots["village_code"], hotspots["hotspot_class"], strict=True))
    frame["hotspot_class"] = [classes.get(code, "") for code in frame["village_code"]]
    return frame.sort_values(["risk_rank", "village_code"])[EXPORT_COLUMNS].reset_index(drop=True)
