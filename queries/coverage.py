"""Door-to-door (DDS) coverage per village and per unit (docs/metrics-reference.md, "Per village")."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, case, func, or_, select

from queries import aggregates
from queries.db import frame_of
from queries.schema import activities, village_dds_days, villages
from queries.scope import Scope, villages_in

VILLAGE_COLUMNS = ["code", "name", "unit_code", "district", "households", "households_estimated", "population",
                   "timezone", "lat", "lng"]


def scope_villages(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The villages of the scope with their denominators and location."""
    query = select(*(villages.c[col] for col in VILLAGE_COLUMNS)).where(villages.c.code.in_(villages_in(scope)))
    frame = frame_of(conn.execute(query.order_by(villages.c.code)).all(), columns=VILLAGE_COLUMNS)
    return frame.astype({"households": "Int64", "population": "Int64"})


def village_coverage(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per village of the scope: households visited, coverage, DDS visits, last DDS date, blind spot."""
    frame = scope_villages(conn, scope).rename(columns={"code": "village_code"})
    built = aggregates.recorded(conn) is not None
    window = conn.execute(households_from_days(scope) if built else households_from_visits(scope)).all()
    last_dds = (last_dds_day(scope.end) if built else
                last_activity_date(scope.end, activities.c.activity_type == "dds",
                                   activities.c.village_code == villages.c.code))
    last = conn.execute(select(villages.c.code, last_dds)
                        .where(villages.c.code.in_(villages_in(scope)))).all()
    visited = {code: (households, visits) for code, households, visits in window}
    latest = dict(last)
    frame["households_visited"] = [visited.get(code, (0, 0))[0] for code in frame["village_code"]]
    frame["dds_visits"] = [visited.get(code, (0, 0))[1] for code in frame["village_code"]]
    frame["last_dds_date"] = [latest.get(code) for code in frame["village_code"]]
    frame["coverage"] = capped_visited(frame) / frame["households"].astype("float64").where(frame["households"] > 0)
    # Blind spot: no DDS in end - blind_spot_days + 1 ... end (which may reach before the window).
    cutoff = scope.end - timedelta(days=scope.policy.blind_spot_days - 1)
    frame["blind_spot"] = [last_date is None or last_date < cutoff for last_date in frame["last_dds_date"]]
    return frame.astype({"households_visited": "int64", "dds_visits": "int64", "coverage": "float64"})


def households_from_visits(scope: Scope) -> Select:
    """(village, households visited, DDS visits) of the window's villages with visits: the definition."""
    a = activities.c
    return (select(a.village_code, func.count(func.distinct(a.household_id)), func.count())
            .where(a.activity_type == "dds", a.village_code.in_(villages_in(scope)),
                   a.local_date.between(scope.start, scope.end))
            .group_by(a.village_code))


def households_from_days(scope: Scope) -> Select:
    """The same from village_dds_days, kept by the import.

    A household counts at its first visit of the window: the one whose previous visit there is before it or none."""
    d = village_dds_days.c
    first = or_(d.prev_date.is_(None), d.prev_date < scope.start)
    return (select(d.village_code, func.sum(case((first, d.visits), else_=0)), func.sum(d.visits))
            .where(d.village_code.in_(villages_in(scope)), d.local_date.between(scope.start, scope.end))
            .group_by(d.village_code))


def last_dds_day(end):
    """Scalar subquery correlated on villages: the last DDS date on or before `end`, from village_dds_days.

    One backward step in ix_village_dds_days_village; every row there has visits."""
    d = village_dds_days.c
    return (select(d.local_date).where(d.village_code == villages.c.code, d.local_date <= end)
            .order_by(d.local_date.desc()).limit(1).scalar_subquery())


def last_activity_date(end, *conditions):
    """Scalar subquery: the last local date on or before `end` of the activities meeting `conditions`.

    Correlated on a village or an officer, it is one backward index step per row instead of a
    read of the whole history (a year of a Polda is millions of reports).
    """
    return (select(activities.c.local_date).where(*conditions, activities.c.local_date <= end)
            .order_by(activities.c.local_date.desc()).limit(1).scalar_subquery())


def capped_visited(frame: pd.DataFrame) -> pd.Series:
    """min(households visited, households) per village; NaN where households are unknown."""
    households = frame["households"].astype("float64")
    return np.minimum(frame["households_visited"].astype("float64"), households)


def unit_coverage(village_frame: pd.DataFrame) -> float:
    """Σ min(visited, households) / Σ households over villages with a known household count."""
    known = village_frame[village_frame["households"].notna()]
    total = float(known["households"].sum())
    return float(capped_visited(known).sum()) / total if total > 0 else float("nan")
