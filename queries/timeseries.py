"""Daily, weekly and monthly series of the same measures, for charts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Select, and_, case, cast, func, or_, select

from queries.complaints import scope_complaints
from queries.compliance import officer_days
from queries.coverage import scope_villages
from queries.db import frame_of
from queries.metrics import DAY_MEASURES, OFFICER_MEASURES, sums, with_metrics
from queries.schema import (
    activities,
    complaints,
    crimes,
    officer_day_facts,
    officers,
    unit_tree,
    village_dds_days,
    villages,
)
from queries.scope import Scope, villages_in, within

Frequency = Literal["day", "week", "month"]
SERIES_COLUMNS = ["period", "expected_days", "reported_days", "on_time_days", "reporting_rate",
                  "reporting_rate_on_time", "reports", "late_reports", "dds_visits", "flagged_reports",
                  "households_visited", "coverage", "complaints", "response_sla_rate", "crimes",
                  # the other counts of the registry's metrics, so a chart computes any metric from the period's sums
                  "dds_target", "dds_attainment", "quality_rate", "capped_visited", "households", "within_sla",
                  "counted", "adopted", "adoption_rate", "at_target", "dds_target_share"]
SERIES_METRICS = ["reporting_rate", "reporting_rate_on_time", "dds_attainment", "quality_rate", "coverage",
                  "response_sla_rate", "adoption_rate", "dds_target_share"]


def period_start(dates: pd.Series, freq: Frequency) -> pd.Series:
    """The first day of each date's day, week (Monday) or calendar month."""
    stamps = pd.to_datetime(dates)
    if freq == "week":
        stamps = stamps - pd.to_timedelta(stamps.dt.day_of_week, unit="D")
    elif freq == "month":
        stamps = stamps.dt.to_period("M").dt.start_time
    return stamps.dt.date


def sql_period(conn: Connection, column, freq: Frequency):
    """The same period start, computed in SQL (the dialects spell it differently)."""
    if freq == "day":
        return column
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc(freq, cast(column, DateTime)), Date)
    # SQLite: 'weekday 0' moves to the coming Sunday (or stays), -6 days lands on its Monday.
    return func.date(column, "weekday 0", "-6 days") if freq == "week" else func.date(column, "start of month")


def timeseries(conn: Connection, scope: Scope, freq: Frequency = "week") -> pd.DataFrame:
    """One row per period of the window: compliance, reports, coverage, complaints and crimes."""
    days = officer_days(conn, scope)
    days["period"] = period_start(days["date"], freq)
    series = with_targets(days.groupby(["period", "nrp"]).agg(**sums(DAY_MEASURES)), scope).groupby("period").sum()

    households = scope_villages(conn, scope).set_index("code")["households"].astype("float64")
    visited = village_visits(conn, scope, freq, villages_in(scope), households)
    coverage = visited.groupby("period").agg(households_visited=("visited", "sum"), capped=("capped", "sum"))
    response = complaint_counts(scope_complaints(conn, scope), freq, [])
    crime_counts = crime_counts_by(conn, scope, freq, villages_in(scope))

    frame = (pd.DataFrame({"period": window_periods(scope, freq)})
             .merge(series.reset_index(), on="period", how="left")
             .merge(coverage.reset_index(), on="period", how="left")
             .merge(response.reset_index(), on="period", how="left")
             .merge(crime_counts, on="period", how="left"))
    # Coverage of a period: households visited in it over every known household of the scope.
    return finish(frame, scope, households.sum(min_count=1))[SERIES_COLUMNS]


def with_targets(per_officer: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Officer × period sums with whether each counts (expected days), adopted (reported) and met the DDS target."""
    # Per period, as per window: officers with expected days, those of them with a report, those at the DDS target.
    per_officer["counted"] = per_officer["expected_days"] > 0
    per_officer["adopted"] = per_officer["counted"] & (per_officer["reports"] > 0)
    per_officer["at_target"] = per_officer["counted"] & (
        per_officer["dds_visits"] >= per_officer["expected_days"] * scope.policy.dds_target_per_day)
    return per_officer


def village_visits(conn: Connection, scope: Scope, freq: Frequency, in_villages, households: pd.Series
                   ) -> pd.DataFrame:
    """Households visited per village of `in_villages` and period, and that capped at the village's `households`."""
    period = sql_period(conn, activities.c.local_date, freq).label("period")
    visited = frame_of(conn.execute(
        select(activities.c.village_code, period, func.count(func.distinct(activities.c.household_id)))
        .where(activities.c.activity_type == "dds", activities.c.village_code.in_(in_villages),
               activities.c.local_date.between(scope.start, scope.end))
        .group_by(activities.c.village_code, period)).all(), columns=["village_code", "period", "visited"])
    visited["period"] = period_start(visited["period"], "day")
    visited["capped"] = np.minimum(visited["visited"], visited["village_code"].map(households))  # NaN: unknown
    return visited


def _visits_from_days(conn: Connection, scope: Scope, freq: Frequency, in_villages):
    """Distinct households per village and period from village_dds_days, as coverage.days_sums counts a window's.

    A household counts at its first visit of the period's part inside the window: the one whose previous visit
    there is before that part's first day, or none. The activities' distinct count of a national month of weeks
    took 0.6 s.
    """
    d = village_dds_days.c
    period = sql_period(conn, d.local_date, freq).label("period")
    since = case((period < scope.start, scope.start), else_=period)  # the first period starts at the window
    first = or_(d.prev_date.is_(None), d.prev_date < since)
    return (select(d.village_code, period, func.sum(case((first, d.visits), else_=0)).label("visited"))
            .where(d.village_code.in_(in_villages), d.local_date.between(scope.start, scope.end))
            .group_by(d.village_code, period))


def officer_periods(conn: Connection, scope: Scope, freq: Frequency, nrps) -> Select:
    """Per officer of `nrps` and period of the window: the officer-day sums (DAY_MEASURES), from the rollup."""
    f = officer_day_facts.c
    expected = f.expected.is_(True)
    period = sql_period(conn, f.local_date, freq).label("period")
    terms = [case((expected, 1), else_=0), case((and_(expected, f.reports > 0), 1), else_=0),
             case((and_(expected, f.on_time_reports > 0), 1), else_=0), f.reports, f.late_reports, f.dds_visits,
             f.flagged_reports]
    return (select(f.nrp, period, *(func.sum(term).label(name) for name, term in zip(DAY_MEASURES, terms)))
            .where(f.nrp.in_(nrps), f.local_date.between(scope.start, scope.end)).group_by(f.nrp, period))


def complaint_counts(complaints: pd.DataFrame, freq: Frequency, keys: list[str]) -> pd.DataFrame:
    """Complaints made in the window and those answered within the SLA, per `keys` and period."""
    complaints = complaints[complaints["in_window"]].assign(period=lambda f: period_start(f["local_date"], freq))
    return complaints.groupby([*keys, "period"]).agg(complaints=("complaint_id", "count"),
                                                     within_sla=("within_sla", "sum"))


def crime_counts_by(conn: Connection, scope: Scope, freq: Frequency, in_villages, *keys) -> pd.DataFrame:
    """Crimes of the window in `in_villages` per period (and per crimes' columns `keys`), counted in SQL."""
    period = sql_period(conn, crimes.c.local_date, freq).label("period")
    counts = frame_of(conn.execute(
        select(*keys, period, func.count())
        .where(crimes.c.village_code.in_(in_villages), crimes.c.local_date.between(scope.start, scope.end))
        .group_by(*keys, period)).all(), columns=[*(key.name for key in keys), "period", "crimes"])
    counts["period"] = period_start(counts["period"], "day")
    return counts


def window_periods(scope: Scope, freq: Frequency) -> list:
    """The start of every period the window touches, in order."""
    return sorted(set(period_start(pd.Series(pd.date_range(scope.start, scope.end)), freq)))


def finish(frame: pd.DataFrame, scope: Scope, households) -> pd.DataFrame:
    """Periods' merged sums (missing = none) to counts and metrics; `households` the known households of each row."""
    counts = ["expected_days", "reported_days", "on_time_days", "reports", "late_reports", "dds_visits",
              "flagged_reports", "households_visited", "complaints", "within_sla", "crimes", "counted", "adopted",
              "at_target"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["dds_target"] = frame["expected_days"] * scope.policy.dds_target_per_day
    frame["capped_visited"] = frame["capped"].astype("float64").fillna(0)  # float even when nothing was visited
    frame["households"] = households
    return with_metrics(frame, SERIES_METRICS, OFFICER_MEASURES)


def units_timeseries(conn: Connection, scope: Scope, codes: list[str], freq: Frequency = "week") -> pd.DataFrame:
    """timeseries() of each unit of `codes` (units inside the scope), with its unit_code, in a few statements.

    The officers' sums and conditions come from the officer-day rollup (officer_periods), summed per Polsek and
    period in SQL; the households visited from village_dds_days. The caller checks that the rollups and the
    aggregates cover the window under the scope's policy (comparison.fast_trends). Everything else is summed per
    village as timeseries() does, then given to every chosen unit above the village.
    """
    t = unit_tree.c
    # (polsek or any unit under a chosen one, the chosen one): a unit may lie under two chosen ones.
    pairs = frame_of(conn.execute(select(t.unit_code, t.ancestor_code)
                                  .where(t.ancestor_code.in_(codes), *within(t.unit_code, scope))).all(),
                     columns=["polsek_code", "unit_code"])
    members = select(t.unit_code).where(t.ancestor_code.in_(codes), *within(t.unit_code, scope))

    # Per Polsek and period in SQL, the officers' conditions included: only Polsek × period rows leave the database
    # (the nation's officer × week rows and their merges in pandas took 0.6 s).
    per_officer = officer_periods(conn, scope, freq, select(officers.c.nrp).where(officers.c.unit_code.in_(members)))
    p = per_officer.subquery()
    counted = p.c.expected_days > 0
    target = float(scope.policy.dds_target_per_day)
    conditions = [counted, and_(counted, p.c.reports > 0), and_(counted, p.c.dds_visits >= p.c.expected_days * target)]
    per_polsek = frame_of(conn.execute(
        select(officers.c.unit_code, p.c.period, *(func.sum(p.c[name]) for name in DAY_MEASURES),
               *(func.sum(case((condition, 1), else_=0)) for condition in conditions))
        .join(officers, officers.c.nrp == p.c.nrp).group_by(officers.c.unit_code, p.c.period)).all(),
        columns=["polsek_code", "period", *DAY_MEASURES, "counted", "adopted", "at_target"])
    per_polsek["period"] = period_start(per_polsek["period"], "day")
    counts = [*DAY_MEASURES, "counted", "adopted", "at_target"]
    series = per_polsek.astype({name: "int64" for name in counts}).merge(pairs, on="polsek_code").groupby(
        ["unit_code", "period"])[counts].sum()

    # The villages' households, visits and crimes per Polsek (and period) in SQL too, then given to the chosen units.
    v = villages.c
    in_villages = select(v.code).where(v.unit_code.in_(members))
    known = frame_of(conn.execute(select(v.unit_code, func.sum(v.households)).where(v.unit_code.in_(members))
                                  .group_by(v.unit_code)).all(), columns=["polsek_code", "households"])
    known = known.astype({"households": "float64"}).merge(pairs, on="polsek_code")
    visits = _visits_from_days(conn, scope, freq, in_villages).subquery()
    capped = case((v.households.is_(None), None), (visits.c.visited < v.households, visits.c.visited),
                  else_=v.households)
    coverage = _per_unit(frame_of(conn.execute(
        select(v.unit_code, visits.c.period, func.sum(visits.c.visited), func.sum(capped))
        .join(villages, v.code == visits.c.village_code).group_by(v.unit_code, visits.c.period)).all(),
        columns=["polsek_code", "period", "households_visited", "capped"]), pairs, ["households_visited", "capped"])
    # Only the chosen units' complaints made in the window are counted: the nation's six Poldas read their own, not
    # every complaint of the country and its open backlog (what the merge and complaint_counts would drop).
    chosen = scope_complaints(conn, scope, complaints.c.village_code.in_(in_villages),
                              complaints.c.local_date >= scope.start)
    response = complaint_counts(chosen.merge(pairs, on="polsek_code"), freq, ["unit_code"])
    period = sql_period(conn, crimes.c.local_date, freq).label("period")
    crime_counts = _per_unit(frame_of(conn.execute(
        select(v.unit_code, period, func.count()).join(villages, v.code == crimes.c.village_code)
        .where(crimes.c.village_code.in_(in_villages), crimes.c.local_date.between(scope.start, scope.end))
        .group_by(v.unit_code, period)).all(), columns=["polsek_code", "period", "crimes"]), pairs, ["crimes"])

    grid = pd.DataFrame({"unit_code": codes}).merge(pd.DataFrame({"period": window_periods(scope, freq)}), how="cross")
    frame = (grid.merge(series.reset_index(), on=["unit_code", "period"], how="left")
             .merge(coverage.reset_index(), on=["unit_code", "period"], how="left")
             .merge(response.reset_index(), on=["unit_code", "period"], how="left")
             .merge(crime_counts.reset_index(), on=["unit_code", "period"], how="left"))
    households = frame["unit_code"].map(known.groupby("unit_code")["households"].sum(min_count=1))
    return finish(frame, scope, households.astype("float64"))[[*SERIES_COLUMNS, "unit_code"]]


def _per_unit(per_polsek: pd.DataFrame, pairs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per Polsek and period sums given to each chosen unit above the Polsek (pairs), summed per unit and period.

    A sum over no known value stays unknown (capped: a Polsek whose villages' households are all unknown)."""
    per_polsek = per_polsek.assign(period=period_start(per_polsek["period"], "day"))
    merged = per_polsek.merge(pairs, on="polsek_code").astype({name: "float64" for name in columns})
    return merged.groupby(["unit_code", "period"])[columns].sum(min_count=1)
