"""Reading the per-unit aggregates (unit_day_facts, unit_delay_hours) at the Polda and national scope.

ingest/aggregates.py keeps them at every import. Like the officer-day rollup (queries/rollups.py) they are
read only when they give the definition's numbers: built under the caller's policy, the window inside
the range they cover (the data's: any activity, complaint or crime), and a scope of units (not one
officer). Only a Polda or the nation is served from them (`serves`): below that, the per-officer code is
already cheap and the pages list officers.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Integer, and_, case, cast, func, select

from queries.db import frame_of
from queries.flags import FLAG_NAMES
from queries.metrics import METRICS, with_metrics
from queries.rollups import SUMS, officer_sums, policy_key
from queries.schema import meta, officers, unit_day_facts, unit_delay_hours, units
from queries.scope import Scope, officers_in, polsek_parents, scope_level, units_at_level, units_below

META_KEY = "unit_day_aggregates"
OFFICER_COUNTS = ("expected_days", "reported_days", "on_time_days", "reports", "late_reports", "officer_dds_visits",
                  "flagged_reports")
UNIT_COUNTS = (*OFFICER_COUNTS, "village_reports", "dds_visits", *FLAG_NAMES)
# The columns of effectiveness.officer_measures, in its order, so either way gives the same frame.
OFFICER_MEASURE_ORDER = ("officers", "expected_days", "reported_days", "on_time_days", "reports", "late_reports",
                         "flagged_reports", "officer_dds_visits", "dds_target", "counted", "adopted", "at_target")
SERVED_LEVELS = (None, "polda")  # the nation and a Polda
DELAY_MIN_HOUR, DELAY_MAX_HOUR = -6, 120  # the kepatuhan chart's range (components/compliance_view.py)


def recorded(conn: Connection) -> dict | None:
    """The policy and date range the aggregates were built with (None: never built)."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == META_KEY)).scalar()
    return None if value is None else json.loads(value)


def covers(conn: Connection, scope: Scope) -> bool:
    """Whether the aggregates give the definition's numbers for this scope's window and policy."""
    built = recorded(conn)
    return (built is not None and scope.nrp is None and built["policy"] == policy_key(scope.policy)
            and date.fromisoformat(built["start"]) <= scope.start and scope.end <= date.fromisoformat(built["end"]))


def serves(conn: Connection, scope: Scope) -> bool:
    """Whether a page at this scope reads the aggregates: a Polda or the nation they cover."""
    return scope.nrp is None and scope_level(conn, scope) in SERVED_LEVELS and covers(conn, scope)


def delay_hour(conn: Connection, seconds):
    """The whole hour (floor) of a delay in seconds, clipped to the chart's -6 .. 120, on either database."""
    hours = seconds / 3600.0
    if conn.dialect.name == "postgresql":
        floor = cast(func.floor(hours), Integer)
    else:  # SQLite's CAST truncates toward zero; not every build has floor()
        truncated = cast(hours, Integer)
        floor = truncated - case((hours < truncated, 1), else_=0)
    return case((seconds < DELAY_MIN_HOUR * 3600, DELAY_MIN_HOUR), (seconds >= DELAY_MAX_HOUR * 3600, DELAY_MAX_HOUR),
                else_=floor)


def _in_scope(table, scope: Scope) -> list:
    return [table.c.unit_code.in_(units_below(scope)), table.c.local_date.between(scope.start, scope.end)]


def polsek_sums(conn: Connection, scope: Scope, columns) -> pd.DataFrame:
    """Per Polsek of the scope: the window's sums of the named unit_day_facts columns."""
    u = unit_day_facts.c
    rows = conn.execute(select(u.unit_code, *(func.sum(u[name]) for name in columns))
                        .where(*_in_scope(unit_day_facts, scope)).group_by(u.unit_code)).all()
    frame = frame_of(rows, columns=["polsek_code", *columns])
    return frame.astype({name: "int64" for name in columns})


def officer_counts(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per Polsek of the scope: officers, those counted, adopted and at target in the window, and OFFICER_COUNTS.

    The three are per-officer conditions over the whole window, not sums of days: one grouped statement over
    the officer-day and officer-month rollups answers them, and sums the officers' window totals with them (what
    unit_day_facts holds per Polsek and day, whose year at the nation is 2.2 M rows); only the Polsek totals
    leave the database.
    """
    # The whole nation needs no officer list; a Polda's (or a boundary's) officers keep the others' rows out.
    everyone = scope.unit_code is None and scope.boundary is None
    per_officer = officer_sums(scope, None if everyone else officers_in(scope))
    counted = func.coalesce(per_officer.c.expected_days, 0) > 0
    target = float(scope.policy.dds_target_per_day)
    rows = conn.execute(
        select(officers.c.unit_code, func.count(),
               func.sum(case((counted, 1), else_=0)),
               func.sum(case((and_(counted, per_officer.c.reports > 0), 1), else_=0)),
               func.sum(case((and_(counted, per_officer.c.dds_visits >= per_officer.c.expected_days * target), 1),
                             else_=0)),
               *(func.coalesce(func.sum(per_officer.c[name]), 0) for name in SUMS))
        .select_from(officers.outerjoin(per_officer, per_officer.c.nrp == officers.c.nrp))
        .where(officers.c.unit_code.in_(units_below(scope)))
        .group_by(officers.c.unit_code)).all()
    counts = ("officers", "counted", "adopted", "at_target", *OFFICER_COUNTS)  # SUMS' order, dds_visits renamed
    frame = frame_of(rows, columns=["polsek_code", *counts])
    return frame.astype({name: "int64" for name in counts})


def unit_officer_measures(conn: Connection, scope: Scope, unit_of: dict[str, str]) -> pd.DataFrame:
    """Per unit (Polsek mapped by `unit_of`): what effectiveness.unit_counts sums over the unit's officers."""
    sums = officer_counts(conn, scope)
    sums["unit_code"] = sums.pop("polsek_code").map(unit_of)
    grouped = sums.groupby("unit_code").sum().astype("int64")
    grouped["dds_target"] = grouped["expected_days"] * scope.policy.dds_target_per_day
    return grouped[list(OFFICER_MEASURE_ORDER)]


def polsek_compliance(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per Polsek of a served scope: its officers' sums and the rates they give (kepatuhan's Polsek table).

    The same numbers as effectiveness.with_rates(unit_counts(scope, "polsek")) for these columns, without
    its village and complaint counts: at the nation those read every village's coverage (80,000), which
    this table does not show. Only where the aggregates serve (the callers check `serves` first): elsewhere
    they would be short of days or follow another policy, so it refuses rather than answer.
    """
    if not serves(conn, scope):
        raise ValueError("polsek_compliance reads the aggregates: call it only where serves(conn, scope)")
    unit_of = dict(conn.execute(polsek_parents(scope, "polsek")).all())
    frame = frame_of(conn.execute(units_at_level(scope, "polsek")).all(), columns=["unit_code", "name"])
    frame = frame.set_index("unit_code").join(unit_officer_measures(conn, scope, unit_of)).reset_index()
    # As unit_counts: a Polsek without officers has zero counts (dds_target stays a float).
    counts = [column for column in OFFICER_MEASURE_ORDER if column != "dds_target"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["dds_target"] = frame["dds_target"].fillna(0)
    return with_metrics(frame, METRICS)


def flags_by_polsek(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Reports made in each Polsek's villages in the window and each flag's count (polsek_code, reports, flags)."""
    frame = polsek_sums(conn, scope, ("village_reports", *FLAG_NAMES))
    return frame.rename(columns={"village_reports": "reports"})


def flag_days(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per local date of the window: reports made in the scope's villages and each flag's count."""
    u = unit_day_facts.c
    rows = conn.execute(select(u.local_date, func.sum(u.village_reports),
                               *(func.sum(u[name]) for name in FLAG_NAMES))
                        .where(*_in_scope(unit_day_facts, scope)).group_by(u.local_date)).all()
    return frame_of(rows, columns=["local_date", "reports", *FLAG_NAMES])


def flag_total(conn: Connection, scope: Scope, flag: str) -> int:
    """Reports made in the scope's villages in the window that carry `flag` (the Polsek of the village counts)."""
    u = unit_day_facts.c
    return int(conn.execute(select(func.coalesce(func.sum(u[flag]), 0)).where(*_in_scope(unit_day_facts, scope)))
               .scalar_one())


def delay_histogram(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Reports of the scope's officers in the window per whole hour of submission delay (delay_hour, reports)."""
    d = unit_delay_hours.c
    rows = conn.execute(select(d.delay_hour, func.sum(d.reports)).where(*_in_scope(unit_delay_hours, scope))
                        .group_by(d.delay_hour).order_by(d.delay_hour)).all()
    return frame_of(rows, columns=["delay_hour", "reports"]).astype({"delay_hour": "int64", "reports": "int64"})


def hours_histogram(hours: np.ndarray) -> pd.DataFrame:
    """The same histogram from raw delays in hours (what the Polres and smaller scopes read)."""
    if len(hours) == 0:
        return pd.DataFrame({"delay_hour": pd.Series(dtype="int64"), "reports": pd.Series(dtype="int64")})
    buckets = np.floor(np.clip(hours, DELAY_MIN_HOUR, DELAY_MAX_HOUR)).astype("int64")
    counts = pd.Series(buckets).value_counts().sort_index()
    return pd.DataFrame({"delay_hour": counts.index.astype("int64"), "reports": counts.to_numpy().astype("int64")})


def polsek_calendar(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Polsek × every window date: expected and reported officer-days (the calendar of many officers)."""
    u = unit_day_facts.c
    rows = conn.execute(select(units.c.name, u.local_date, u.expected_days, u.reported_days)
                        .join(units, units.c.code == u.unit_code)
                        .where(*_in_scope(unit_day_facts, scope), u.expected_days > 0)).all()
    found = frame_of(rows, columns=["polsek", "date", "expected_days", "reported_days"])
    dates = [scope.start + timedelta(days=index) for index in range(scope.days)]
    grid = pd.MultiIndex.from_product([sorted(found["polsek"].unique()), dates], names=["polsek", "date"])
    calendar = found.groupby(["polsek", "date"]).sum().reindex(grid, fill_value=0).reset_index()
    return calendar.astype({"expected_days": "int64", "reported_days": "int64"})
