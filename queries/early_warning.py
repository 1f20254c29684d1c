"""Peringatan dini, read side: the latest stored forecast run, a scope's village forecasts, backtest and hot spots.

The forecasts, the backtest and the hot spots are computed and stored by `manage.py forecast` (issue 19,
tables forecast_runs, village_forecasts, backtest_scores, village_hotspots); nothing here recomputes them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, select

from queries.db import frame_of
from queries.overview import data_date_range
from queries.schema import backtest_scores, forecast_runs, units, village_forecasts, village_hotspots, villages
from queries.scope import Scope, villages_in

MODEL = "model"
BASELINES = ("last_28", "mean_12m", "last_year")
HOTSPOT_CLASSES = ("new", "intensifying", "persistent", "diminishing", "sporadic")
OVERALL = ""  # backtest_scores' scope_code of the whole database
RISK_COLUMNS = ["village_code", "name", "unit_code", "polsek", "expected_crimes", "lower", "upper", "risk_rank",
                "hotspot_class", "gi_z", "trend_z", "hot_months", "months"]
SCORE_COLUMNS = ["method", "pai_5", "pai_10", "pai_20", "hit_rate_5", "hit_rate_10", "hit_rate_20", "deviance",
                 "crimes", "villages"]


def latest_run(conn: Connection) -> dict | None:
    """The stored run with the newest as-of date (the last computed of those), or None before any run."""
    row = conn.execute(select(forecast_runs)
                       .order_by(forecast_runs.c.as_of.desc(), forecast_runs.c.run_id.desc()).limit(1)).first()
    return None if row is None else dict(row._mapping)


def newer_data(conn: Connection, run: dict):
    """The last local date of the data when it lies after the run's as-of date (the run is then stale), else None."""
    _, last = data_date_range(conn)
    return last if last is not None and last > run["as_of"] else None


def village_risk(conn: Connection, scope: Scope, run_id: int, method: str) -> pd.DataFrame:
    """The scope's villages with one method's forecast and their hot-spot class, highest expected crimes first.

    `risk_rank` is recomputed within the scope (1 = highest; ties share the smallest rank), so a Polsek's
    list starts at 1 whatever its rank in the whole database.
    """
    hotspot = and_(village_hotspots.c.run_id == run_id, village_hotspots.c.village_code == villages.c.code)
    query = (
        select(villages.c.code, villages.c.name, villages.c.unit_code, units.c.name.label("polsek"),
               village_forecasts.c.expected_crimes, village_forecasts.c.lower, village_forecasts.c.upper,
               village_hotspots.c.hotspot_class, village_hotspots.c.gi_z, village_hotspots.c.trend_z,
               village_hotspots.c.hot_months, village_hotspots.c.months)
        .join(village_forecasts, and_(village_forecasts.c.village_code == villages.c.code,
                                      village_forecasts.c.run_id == run_id, village_forecasts.c.method == method))
        .join(units, units.c.code == villages.c.unit_code)
        .outerjoin(village_hotspots, hotspot)
        .where(villages.c.code.in_(villages_in(scope)))
    )
    columns = [c for c in RISK_COLUMNS if c != "risk_rank"]
    frame = frame_of(conn.execute(query).all(), columns=columns)
    frame["hotspot_class"] = frame["hotspot_class"].fillna("")
    frame["risk_rank"] = frame["expected_crimes"].rank(method="min", ascending=False).astype("int64")
    frame = frame.sort_values(["risk_rank", "village_code"], ignore_index=True)
    return frame[RISK_COLUMNS].astype({"expected_crimes": "float64", "lower": "float64", "upper": "float64"})


def backtest_scores_of(conn: Connection, run_id: int, scope_code: str) -> pd.DataFrame:
    """The backtest rows of one scope code ("" = overall), model first, then the baselines in their order."""
    rows = conn.execute(select(*(backtest_scores.c[c] for c in SCORE_COLUMNS))
                        .where(backtest_scores.c.run_id == run_id, backtest_scores.c.scope_code == scope_code)).all()
    frame = frame_of(rows, columns=SCORE_COLUMNS)
    order = {method: index for index, method in enumerate((MODEL, *BASELINES))}
    return frame.sort_values("method", key=lambda m: m.map(order).fillna(len(order)), ignore_index=True)


def verdict(scores: pd.DataFrame) -> dict | None:
    """Does the model beat the best baseline on mean Poisson deviance, and by how much (a share of its deviance)?

    None when the model or every baseline lacks a deviance (nothing was scored there).
    """
    known = scores.dropna(subset=["deviance"]).set_index("method")["deviance"]
    baselines = known[known.index.isin(BASELINES)]
    if MODEL not in known or baselines.empty:
        return None
    best = baselines.idxmin()
    model, best_deviance = float(known[MODEL]), float(baselines[best])
    improvement = (best_deviance - model) / best_deviance if best_deviance > 0 else None
    return {"beats": model < best_deviance, "best_baseline": best, "model_deviance": model,
            "best_deviance": best_deviance, "improvement": improvement}


def backtest_card(conn: Connection, scope: Scope, run: dict) -> dict:
    """The backtest overall and for the scope's unit: each method's scores and the verdict of each."""
    codes = [OVERALL] + ([scope.unit_code] if scope.unit_code is not None else [])
    card = {}
    for code in codes:
        scores = backtest_scores_of(conn, run["run_id"], code)
        card[code] = {"scores": scores, "verdict": verdict(scores)}
    return card


def hotspot_counts(risk: pd.DataFrame) -> dict[str, int]:
    """How many of the frame's villages fall in each hot-spot class (every class listed, zeros included)."""
    counts = risk["hotspot_class"].value_counts()
    return {name: int(counts.get(name, 0)) for name in HOTSPOT_CLASSES}


def summary(conn: Connection, scope: Scope) -> dict | None:
    """What the page and the briefing read: the latest run, newer data, the shown forecasts, the backtest card."""
    run = latest_run(conn)
    if run is None:
        return None
    return {"run": run, "newer_data": newer_data(conn, run),
            "risk": village_risk(conn, scope, run["run_id"], run["method_shown"]),
            "backtest": backtest_card(conn, scope, run)}
