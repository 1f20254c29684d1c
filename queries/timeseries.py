"""Daily, weekly and monthly series of the same measures, for charts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, cast, func, select

from queries.complaints import scope_complaints
from queries.compliance import officer_days
from queries.coverage import scope_villages
from queries.db import frame_of
from queries.metrics import DAY_MEASURES, OFFICER_MEASURES, sums, with_metrics
from queries.schema import activities, crimes
from queries.scope import Scope, villages_in

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
    # Per period, as per window: officers with expected days, those of them with a report, those at the DDS target.
    officers = days.groupby(["period", "nrp"]).agg(**sums(DAY_MEASURES))
    officers["counted"] = officers["expected_days"] > 0
    officers["adopted"] = officers["counted"] & (officers["reports"] > 0)
    officers["at_target"] = officers["counted"] & (
        officers["dds_visits"] >= officers["expected_days"] * scope.policy.dds_target_per_day)
    series = officers.groupby("period").sum()

    period = sql_period(conn, activities.c.local_date, freq).label("period")
    visited = frame_of(conn.execute(
        select(activities.c.village_code, period, func.count(func.distinct(activities.c.household_id)))
        .where(activities.c.activity_type == "dds", activities.c.village_code.in_(villages_in(scope)),
               activities.c.local_date.between(scope.start, scope.end))
        .group_by(activities.c.village_code, period)).all(), columns=["village_code", "period", "visited"])
    villages = scope_villages(conn, scope).set_index("code")["households"].astype("float64")
    visited["period"] = period_start(visited["period"], "day")
    visited["capped"] = np.minimum(visited["visited"], visited["village_code"].map(villages))  # NaN: unknown
    coverage = visited.groupby("period").agg(households_visited=("visited", "sum"), capped=("capped", "sum"))

    complaints = scope_complaints(conn, scope)
    complaints = complaints[complaints["in_window"]].assign(period=lambda f: period_start(f["local_date"], freq))
    response = complaints.groupby("period").agg(complaints=("complaint_id", "count"), within_sla=("within_sla", "sum"))

    crime_period = sql_period(conn, crimes.c.local_date, freq).label("period")
    crime_counts = frame_of(conn.execute(
        select(crime_period, func.count())
        .where(crimes.c.village_code.in_(villages_in(scope)), crimes.c.local_date.between(scope.start, scope.end))
        .group_by(crime_period)).all(), columns=["period", "crimes"])
    crime_counts["period"] = period_start(crime_counts["period"], "day")

    periods = pd.DataFrame({"period": sorted(set(period_start(pd.Series(pd.date_range(scope.start, scope.end)),
                                                              freq)))})
    frame = (periods.merge(series.reset_index(), on="period", how="left")
             .merge(coverage.reset_index(), on="period", how="left")
             .merge(response.reset_index(), on="period", how="left")
             .merge(crime_counts, on="period", how="left"))
    counts = ["expected_days", "reported_days", "on_time_days", "reports", "late_reports", "dds_visits",
              "flagged_reports", "households_visited", "complaints", "within_sla", "crimes", "counted", "adopted",
              "at_target"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["dds_target"] = frame["expected_days"] * scope.policy.dds_target_per_day
    frame["capped_visited"] = frame["capped"].fillna(0)
    # Coverage of a period: households visited in it over every known household of the scope.
    frame["households"] = villages.sum(min_count=1)
    return with_metrics(frame, SERIES_METRICS, OFFICER_MEASURES)[SERIES_COLUMNS]
