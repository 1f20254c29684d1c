"""Reporting compliance per officer (docs/metrics-reference.md, "Per officer"; formulas in queries/metrics.py).

The heart is `officer_days`: one row per officer of the scope and date of the window,
saying whether the day was expected (active, assigned, a reporting weekday, not on leave,
not excused by an outage) and what the officer reported with that local date. Counting
happens in SQL (reports per officer and day); the calendar logic, with its intervals and
per-day outage overlaps, is clearer in pandas and numpy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, or_, select

from queries import rollups
from queries.db import frame_of
from queries.flags import any_flag_expression, flag_expressions
from queries.metrics import DAY_MEASURES, OFFICER_MEASURES, sums, with_metrics
from queries.schema import activities, assignments, leaves, officers, outages, unit_tree, units
from queries.scope import Scope, officers_in
from queries.timeutil import local_day_bounds_utc

DAY_COLUMNS = ["nrp", "date", "active", "assigned", "reporting_weekday", "on_leave", "outage_hours",
               "outage_excused", "expected", "reports", "on_time_reports", "late_reports", "dds_visits",
               "flagged_reports", "reported", "on_time"]
COMPLIANCE_COLUMNS = ["nrp", "expected_days", "reported_days", "on_time_days", "reporting_rate",
                      "reporting_rate_on_time", "reports", "late_reports", "dds_visits", "dds_target",
                      "dds_attainment", "flagged_reports", "quality_rate"]


def scope_officers(conn: Connection, scope: Scope, nrps: list[str] | None = None) -> pd.DataFrame:
    """Officers of the scope (only `nrps` among them, if given) with Polsek, active period and time zone."""
    query = (
        select(officers.c.nrp, officers.c.name, officers.c.rank, officers.c.unit_code, officers.c.active_from,
               officers.c.active_to, units.c.timezone)
        .join(units, units.c.code == officers.c.unit_code)
        .where(officers.c.nrp.in_(officers_in(scope)))
        .order_by(officers.c.nrp)
    )
    if nrps is not None:
        query = query.where(officers.c.nrp.in_(nrps))
    return frame_of(conn.execute(query).all(),
                    columns=["nrp", "name", "rank", "unit_code", "active_from", "active_to", "timezone"])


def daily_reports(conn: Connection, scope: Scope, nrps: list[str] | None = None) -> pd.DataFrame:
    """Per officer of the scope (or of `nrps`) and local date in the window: reports, on-time, late, DDS, flagged."""
    late = flag_expressions(scope.policy)["late"]
    query = (
        select(
            activities.c.nrp,
            activities.c.local_date.label("date"),
            func.count().label("reports"),
            func.sum(case((late, 0), else_=1)).label("on_time_reports"),
            func.sum(case((late, 1), else_=0)).label("late_reports"),
            func.sum(case((activities.c.activity_type == "dds", 1), else_=0)).label("dds_visits"),
            func.sum(case((any_flag_expression(scope.policy), 1), else_=0)).label("flagged_reports"),
        )
        .where(activities.c.nrp.in_(officers_in(scope) if nrps is None else nrps),
               activities.c.local_date.between(scope.start, scope.end))
        .group_by(activities.c.nrp, activities.c.local_date)
    )
    frame = frame_of(conn.execute(query).all(),
                     columns=["nrp", "date", "reports", "on_time_reports", "late_reports", "dds_visits",
                              "flagged_reports"])
    return frame.astype({col: "int64" for col in frame.columns[2:]})


def officer_days(conn: Connection, scope: Scope, nrps: list[str] | None = None) -> pd.DataFrame:
    """One row per (officer, date) of the scope and window, with the expected-day reasons and reports.

    With `nrps`, only those officers of the scope (the rollup is built a chunk at a time).
    """
    staff = scope_officers(conn, scope, nrps)
    if staff.empty:
        return pd.DataFrame(columns=DAY_COLUMNS)
    # Officer x day matrices: one vectorised pass whatever the number of officers.
    nrps = staff["nrp"].tolist()
    shape = (len(nrps), scope.days)
    row_of = {nrp: row for row, nrp in enumerate(nrps)}
    active = _cover(scope, shape, range(len(nrps)), staff["active_from"], staff["active_to"])
    assigned = _cover(scope, shape, *_intervals(conn, assignments, nrps, scope, row_of))
    on_leave = _cover(scope, shape, *_intervals(conn, leaves, nrps, scope, row_of))
    by_unit = _outage_hours_by_unit(conn, staff, scope)
    hours = np.vstack([by_unit[code] for code in staff["unit_code"]])
    weekday = np.array([(scope.start + timedelta(days=i)).weekday() in scope.policy.reporting_weekdays
                        for i in range(scope.days)])
    excused = hours >= scope.policy.outage_excuse_hours
    expected = active & assigned & weekday & ~on_leave & ~excused
    counts = {name: np.zeros(shape, dtype="int64") for name in
              ("reports", "on_time_reports", "late_reports", "dds_visits", "flagged_reports")}
    reports = daily_reports(conn, scope, nrps)
    if not reports.empty:
        rows = reports["nrp"].map(row_of).to_numpy()
        cols = np.array([(day - scope.start).days for day in reports["date"]])
        for name, matrix in counts.items():
            matrix[rows, cols] = reports[name].to_numpy()
    dates = np.array([scope.start + timedelta(days=i) for i in range(scope.days)], dtype=object)
    return pd.DataFrame({
        "nrp": np.repeat(np.array(nrps, dtype=object), scope.days),
        "date": np.tile(dates, len(nrps)),
        "active": active.ravel(),
        "assigned": assigned.ravel(),
        "reporting_weekday": np.tile(weekday, len(nrps)),
        "on_leave": on_leave.ravel(),
        "outage_hours": hours.ravel(),
        "outage_excused": excused.ravel(),
        "expected": expected.ravel(),
        **{name: matrix.ravel() for name, matrix in counts.items()},
        "reported": (expected & (counts["reports"] > 0)).ravel(),
        "on_time": (expected & (counts["on_time_reports"] > 0)).ravel(),
    })[DAY_COLUMNS]


def officer_compliance(conn: Connection, scope: Scope, days: pd.DataFrame | None = None) -> pd.DataFrame:
    """The compliance export: one row per officer of the scope, columns as in docs/metrics-reference.md."""
    if days is None and rollups.covers(conn, scope):
        return with_compliance_rates(rollups.officer_totals(conn, scope), scope)
    days = officer_days(conn, scope) if days is None else days
    if days.empty:
        return pd.DataFrame(columns=COMPLIANCE_COLUMNS)
    totals = days.groupby("nrp", sort=True).agg(**sums(DAY_MEASURES)).reset_index()
    return with_compliance_rates(totals, scope)


OFFICER_METRICS = ["reporting_rate", "reporting_rate_on_time", "dds_attainment", "quality_rate"]


def with_compliance_rates(totals: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The officer's rates (queries/metrics.py) from its summed days."""
    if totals.empty:
        return pd.DataFrame(columns=COMPLIANCE_COLUMNS)
    totals = totals.assign(dds_target=totals["expected_days"] * scope.policy.dds_target_per_day)
    return with_metrics(totals, OFFICER_METRICS, OFFICER_MEASURES)[COMPLIANCE_COLUMNS]


def _cover(scope: Scope, shape, rows, starts, ends) -> np.ndarray:
    """Officer x window-day matrix: True where a row's inclusive [start, end] date interval (None = open) covers."""
    change = np.zeros((shape[0], shape[1] + 1), dtype="int32")
    for row, start, end in zip(rows, starts, ends):
        first = 0 if start is None or pd.isna(start) else max((start - scope.start).days, 0)
        last = shape[1] - 1 if end is None or pd.isna(end) else min((end - scope.start).days, shape[1] - 1)
        if first <= last:
            change[row, first] += 1
            change[row, last + 1] -= 1
    return np.cumsum(change, axis=1)[:, :-1] > 0


def _intervals(conn: Connection, table, nrps: list[str], scope: Scope, row_of: dict[str, int]):
    """(rows, starts, ends) of the officers' date intervals (assignments or leave) that touch the window."""
    ends_after = or_(table.c.end_date.is_(None), table.c.end_date >= scope.start)
    rows, starts, ends = [], [], []
    for start in range(0, len(nrps), 900):
        chunk = nrps[start:start + 900]
        for nrp, first, last in conn.execute(select(table.c.nrp, table.c.start_date, table.c.end_date)
                                             .where(table.c.nrp.in_(chunk), table.c.start_date <= scope.end,
                                                    ends_after)):
            rows.append(row_of[nrp])
            starts.append(first)
            ends.append(last)
    return rows, starts, ends


def _outage_hours_by_unit(conn: Connection, staff: pd.DataFrame, scope: Scope) -> dict[str, np.ndarray]:
    """Hours of each window day (in the unit's local time) covered by outages affecting the unit."""
    # Local days reach at most a day beyond the UTC dates on either side.
    lo = datetime.combine(scope.start - timedelta(days=1), datetime.min.time())
    hi = datetime.combine(scope.end + timedelta(days=2), datetime.min.time())
    stored = conn.execute(select(outages.c.unit_code, outages.c.start_at, outages.c.end_at)
                          .where(outages.c.start_at < hi, outages.c.end_at > lo)).all()
    unit_codes = sorted(staff["unit_code"].unique())
    ancestors: dict[str, set[str]] = {code: set() for code in unit_codes}
    if stored:
        for unit_code, ancestor in conn.execute(
                select(unit_tree.c.unit_code, unit_tree.c.ancestor_code)
                .where(unit_tree.c.unit_code.in_(unit_codes))):
            ancestors[unit_code].add(ancestor)
    zones = dict(zip(staff["unit_code"], staff["timezone"]))
    hours, computed = {}, {}
    for unit_code in unit_codes:
        affecting = tuple(_merge([(s, e) for code, s, e in stored if code is None or code in ancestors[unit_code]]))
        key = (affecting, zones[unit_code])  # most units share the same outages and zone
        if key not in computed:
            computed[key] = _covered_hours(list(affecting), scope, zones[unit_code])
        hours[unit_code] = computed[key]
    return hours


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping outages merged, so an hour down is counted once however many outages cover it."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _covered_hours(intervals, scope: Scope, zone: str) -> np.ndarray:
    """For each window day, the hours of that local day inside the (merged) intervals."""
    hours = np.zeros(scope.days)
    if not intervals:
        return hours
    for index in range(scope.days):
        day_start, day_end = local_day_bounds_utc(scope.start + timedelta(days=index), zone)
        seconds = sum(max((min(day_end, end) - max(day_start, start)).total_seconds(), 0)
                      for start, end in intervals)
        hours[index] = seconds / 3600
    return hours


def officer_table(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The compliance export per officer with name, rank and Polsek (unit_code = NRP, for rankings)."""
    staff = scope_officers(conn, scope)[["nrp", "name", "rank", "unit_code"]].rename(columns={"unit_code": "polsek"})
    return officer_compliance(conn, scope).merge(staff, on="nrp").assign(unit_code=lambda f: f["nrp"])
