"""Daily, weekly and monthly series of the same measures, for charts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, and_, case, cast, func, select

from queries.complaints import scope_complaints
from queries.compliance import officer_days
from queries.coverage import scope_villages
from queries.db import frame_of
from queries.metrics import DAY_MEASURES, OFFICER_MEASURES, sums, with_metrics
from queries.schema import activities, crimes, officer_day_facts, officers, unit_tree, units, villages
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

    The officers' sums come from the officer-day rollup (officer_day_facts), grouped by officer and
    period in SQL, so only officers × periods leave the database; the caller checks that the rollup
    covers the window under the scope's policy (rollups.covers). Everything else is summed per
    village as timeseries() does, then given to every chosen unit above the village.
    """
    t = unit_tree.c
    # (polsek or any unit under a chosen one, the chosen one): a unit may lie under two chosen ones.
    pairs = frame_of(conn.execute(select(t.unit_code, t.ancestor_code)
                                  .where(t.ancestor_code.in_(codes), *within(t.unit_code, scope))).all(),
                     columns=["polsek_code", "unit_code"])
    members = select(t.unit_code).where(t.ancestor_code.in_(codes), *within(t.unit_code, scope))

    f = officer_day_facts.c
    expected = f.expected.is_(True)
    period = sql_period(conn, f.local_date, freq).label("period")
    staff = select(officers.c.nrp, officers.c.unit_code).join(units, units.c.code == officers.c.unit_code).where(
        officers.c.unit_code.in_(members))
    per_officer = frame_of(conn.execute(
        select(f.nrp, period, func.sum(case((expected, 1), else_=0)),
               func.sum(case((and_(expected, f.reports > 0), 1), else_=0)),
               func.sum(case((and_(expected, f.on_time_reports > 0), 1), else_=0)),
               func.sum(f.reports), func.sum(f.late_reports), func.sum(f.dds_visits), func.sum(f.flagged_reports))
        .where(f.nrp.in_(select(staff.subquery().c.nrp)), f.local_date.between(scope.start, scope.end))
        .group_by(f.nrp, period)).all(), columns=["nrp", "period", *DAY_MEASURES])
    per_officer = per_officer.astype({name: "int64" for name in DAY_MEASURES})
    per_officer["period"] = period_start(per_officer["period"], "day")
    polsek_of = frame_of(conn.execute(staff).all(), columns=["nrp", "polsek_code"])
    per_officer = with_targets(per_officer.merge(polsek_of, on="nrp").merge(pairs, on="polsek_code"), scope)
    series = per_officer.groupby(["unit_code", "period"])[[*DAY_MEASURES, "counted", "adopted", "at_target"]].sum()

    village_rows = frame_of(conn.execute(select(villages.c.code, villages.c.unit_code, villages.c.households)
                                         .where(villages.c.unit_code.in_(members))).all(),
                            columns=["village_code", "polsek_code", "households"])
    village_rows = village_rows.merge(pairs, on="polsek_code")[["village_code", "unit_code", "households"]]
    village_rows["households"] = village_rows["households"].astype("float64")
    in_villages = select(villages.c.code).where(villages.c.unit_code.in_(members))

    per_village = village_rows.drop_duplicates("village_code").set_index("village_code")["households"]
    visited = village_visits(conn, scope, freq, in_villages, per_village).merge(
        village_rows[["village_code", "unit_code"]], on="village_code")
    coverage = visited.groupby(["unit_code", "period"]).agg(households_visited=("visited", "sum"),
                                                            capped=("capped", "sum"))
    response = complaint_counts(scope_complaints(conn, scope).merge(pairs, on="polsek_code"), freq, ["unit_code"])
    crime_counts = (crime_counts_by(conn, scope, freq, in_villages, crimes.c.village_code)
                    .merge(village_rows, on="village_code").groupby(["unit_code", "period"])[["crimes"]].sum())

    grid = pd.DataFrame({"unit_code": codes}).merge(pd.DataFrame({"period": window_periods(scope, freq)}), how="cross")
    frame = (grid.merge(series.reset_index(), on=["unit_code", "period"], how="left")
             .merge(coverage.reset_index(), on=["unit_code", "period"], how="left")
             .merge(response.reset_index(), on=["unit_code", "period"], how="left")
             .merge(crime_counts.reset_index(), on=["unit_code", "period"], how="left"))
    households = frame["unit_code"].map(village_rows.groupby("unit_code")["households"].sum(min_count=1))
    return finish(frame, scope, households.astype("float64"))[[*SERIES_COLUMNS, "unit_code"]]
