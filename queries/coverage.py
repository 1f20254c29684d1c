"""Door-to-door (DDS) coverage per village and per unit (docs/metrics-reference.md, "Per village")."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, and_, case, exists, func, or_, select

from queries import aggregates
from queries.db import frame_of
from queries.schema import activities, village_dds_days, villages
from queries.scope import Scope, villages_in

VILLAGE_COLUMNS = ["code", "name", "unit_code", "district", "households", "households_estimated", "population",
                   "timezone", "lat", "lng"]
WINDOW_COLUMNS = ["households_visited", "dds_visits", "last_dds_date"]


def scope_villages(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The villages of the scope with their denominators and location."""
    query = select(*(villages.c[col] for col in VILLAGE_COLUMNS)).where(villages.c.code.in_(villages_in(scope)))
    frame = frame_of(conn.execute(query.order_by(villages.c.code)).all(), columns=VILLAGE_COLUMNS)
    return frame.astype({"households": "Int64", "population": "Int64"})


def village_coverage(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per village of the scope: households visited, coverage, DDS visits, last DDS date, blind spot."""
    return with_window(scope_villages(conn, scope), window_numbers(conn, scope), scope)


def window_numbers(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per village of the scope: households visited and DDS visits in the window, last DDS date on or before end.

    Only what changes with the window: the villages' own columns (scope_villages) are the same for every window,
    and fetching them cost as much as these (a nation's 80,000 rows).
    """
    sums = window_sums(conn, scope)
    earlier = last_dds_date(conn, scope.end)
    # The last DDS date is in the sums when it lies in the range they read; the backward index step runs only
    # for the other villages (COALESCE evaluates its second argument only when the first is NULL).
    query = (select(villages.c.code, func.coalesce(sums.c.households_visited, 0), func.coalesce(sums.c.dds_visits, 0),
                    func.coalesce(sums.c.last_dds_date, earlier))
             .outerjoin(sums, sums.c.village_code == villages.c.code)
             .where(villages.c.code.in_(villages_in(scope))))
    frame = frame_of(conn.execute(query).all(), columns=["village_code", *WINDOW_COLUMNS])
    return frame.astype({"households_visited": "int64", "dds_visits": "int64"})


def blind_spot_villages(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The scope's blind spots (no DDS from the blind-spot cutoff to the window's end) with their last DDS date.

    village_coverage's blind_spot rows, found in the database: a nation's 80,150 villages gave 8,173 blind spots
    after 1.5 s of window sums and 80,000 rows into pandas; here one anti-join and a backward step per blind spot.
    """
    # An anti-join, not a filter on the last DDS date: that date is a backward step for every village (PostgreSQL,
    # the nation: 0.58 s against 0.20 s).
    v, recent_days = villages.c, (blind_spot_cutoff(scope), scope.end)
    if aggregates.recorded(conn) is not None:
        d = village_dds_days.c
        recent = exists().where(d.village_code == v.code, d.local_date.between(*recent_days))
    else:
        a = activities.c
        recent = exists().where(a.activity_type == "dds", a.village_code == v.code, a.local_date.between(*recent_days))
    query = (select(v.code, v.name, v.unit_code, v.households, last_dds_date(conn, scope.end))
             .where(*in_scope(v.code, scope), ~recent).order_by(v.code))
    frame = frame_of(conn.execute(query).all(),
                     columns=["village_code", "name", "unit_code", "households", "last_dds_date"])
    return frame.astype({"households": "Int64"})


def window_sums(conn: Connection, scope: Scope):
    """Per village with DDS visits in the sums' range (subquery): from village_dds_days once built, else activities."""
    return (days_sums(scope) if aggregates.recorded(conn) is not None else visit_sums(scope)).subquery()


def polsek_coverage(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per Polsek of the scope: village_coverage's columns summed (villages, population, households, capped_visited,
    dds_visits, blind_spots).

    In the database, so a page of units reads one row per Polsek, not every village (80,000 at the nation, 0.9 s).
    A village without visits in the sums' range has its last DDS date before the blind-spot cutoff (sums_start).
    """
    v, sums = villages.c, window_sums(conn, scope)
    visited = func.coalesce(sums.c.households_visited, 0)
    capped = case((v.households.is_(None), None), (visited < v.households, visited), else_=v.households)
    blind = or_(sums.c.last_dds_date.is_(None), sums.c.last_dds_date < blind_spot_cutoff(scope))
    rows = conn.execute(
        select(v.unit_code, func.count(), func.sum(v.population), func.sum(v.households), func.sum(capped),
               func.sum(sums.c.dds_visits), func.sum(case((blind, 1), else_=0)))
        .select_from(villages.outerjoin(sums, sums.c.village_code == v.code))
        .where(*in_scope(v.code, scope)).group_by(v.unit_code)).all()
    frame = frame_of(rows, columns=["polsek_code", "villages", "population", "households", "capped_visited",
                                    "dds_visits", "blind_spots"])
    # A sum over no known value is unknown (population, households) or none visited (capped_visited, as pandas').
    frame["capped_visited"] = frame["capped_visited"].astype("float64").fillna(0)
    frame["dds_visits"] = frame["dds_visits"].fillna(0)
    counts = {"villages": "int64", "dds_visits": "int64", "blind_spots": "int64", "population": "Int64",
              "households": "Int64"}
    return frame.astype(counts)


def with_window(village_frame: pd.DataFrame, numbers: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """scope_villages' frame with window_numbers' columns, coverage and blind spot: on whole columns.

    Per-row Python over a nation's 80,000 villages cost 1.4 s a window. A village missing from `numbers`
    (imported between the two reads) has no visits.
    """
    frame = village_frame.rename(columns={"code": "village_code"})
    found = numbers.set_index("village_code").reindex(frame["village_code"])
    frame["households_visited"] = found["households_visited"].fillna(0).to_numpy(dtype="int64")
    frame["dds_visits"] = found["dds_visits"].fillna(0).to_numpy(dtype="int64")
    last_dds = found["last_dds_date"].astype(object)
    frame["last_dds_date"] = last_dds.where(last_dds.notna(), None).to_numpy()
    frame["coverage"] = capped_visited(frame) / frame["households"].astype("float64").where(frame["households"] > 0)
    recent = pd.to_datetime(frame["last_dds_date"]) >= pd.Timestamp(blind_spot_cutoff(scope))
    frame["blind_spot"] = ~recent.to_numpy()
    return frame.astype({"coverage": "float64"})


def in_scope(village_code, scope: Scope) -> list:
    """The condition keeping a village column inside the scope; none for the whole country.

    The sums are joined to the scope's villages anyway: at the nation the semi-join with every village only
    cost time (a third of the grouping of a national window).
    """
    everything = scope.unit_code is None and scope.boundary is None and scope.nrp is None
    return [] if everything else [village_code.in_(villages_in(scope))]


def blind_spot_cutoff(scope: Scope) -> date:
    """The first day a DDS visit must fall on or after for the village not to be a blind spot (end - days + 1)."""
    return scope.end - timedelta(days=scope.policy.blind_spot_days - 1)


def sums_start(scope: Scope) -> date:
    """The first day the window sums read: the window's start, or the blind-spot cutoff when that is earlier."""
    return min(scope.start, blind_spot_cutoff(scope))


def visit_sums(scope: Scope) -> Select:
    """Per village with DDS visits in the range: households visited and visits in the window, last DDS date.

    The definition, from the activities (aggregates not built)."""
    a = activities.c
    in_window = a.local_date >= scope.start
    return (select(a.village_code.label("village_code"),
                   func.count(func.distinct(case((in_window, a.household_id)))).label("households_visited"),
                   func.sum(case((in_window, 1), else_=0)).label("dds_visits"),
                   func.max(a.local_date).label("last_dds_date"))
            .where(a.activity_type == "dds", *in_scope(a.village_code, scope),
                   a.local_date.between(sums_start(scope), scope.end))
            .group_by(a.village_code))


def days_sums(scope: Scope) -> Select:
    """The same from village_dds_days, kept by the import.

    A household counts at its first visit of the window: the one whose previous visit there is before it or none."""
    d = village_dds_days.c
    in_window = d.local_date >= scope.start
    first = and_(in_window, or_(d.prev_date.is_(None), d.prev_date < scope.start))
    return (select(d.village_code.label("village_code"),
                   func.sum(case((first, d.visits), else_=0)).label("households_visited"),
                   func.sum(case((in_window, d.visits), else_=0)).label("dds_visits"),
                   func.max(d.local_date).label("last_dds_date"))
            .where(*in_scope(d.village_code, scope), d.local_date.between(sums_start(scope), scope.end))
            .group_by(d.village_code))


def last_dds_date(conn: Connection, end):
    """Scalar subquery correlated on villages: the last DDS date on or before `end`, from village_dds_days once
    built, else from the activities."""
    if aggregates.recorded(conn) is not None:
        return last_dds_day(end)
    return last_activity_date(end, activities.c.activity_type == "dds", activities.c.village_code == villages.c.code)


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
