"""Complaint response per unit (docs/metrics-reference.md, "Per unit": complaints and backlog)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, or_, select

from queries.db import frame_of
from queries.schema import complaints, officers, units, villages
from queries.scope import Scope, polsek_parents, units_at_level, villages_in
from queries.timeutil import local_day_bounds_utc

COMPLAINT_COLUMNS = ["complaint_id", "village_code", "polsek_code", "category", "channel", "created_at",
                     "first_response_at", "resolved_at", "nrp", "local_date", "timezone"]
LABEL_COLUMNS = ["village", "polsek", "officer"]
RESPONSE_COLUMNS = ["unit_code", "first_response_median_h", "first_response_p90_h", "response_sla_rate",
                    "resolution_median_h", "open_backlog", "backlog_old", "complaints"]


def scope_complaints(conn: Connection, scope: Scope, *narrower, labelled: bool = False) -> pd.DataFrame:
    """Complaints of the scope's villages that the window's numbers or its end-of-window backlog need.

    Adds response and resolution hours, SLA, and whether the complaint is open (and old) at
    as_of, the start of the local day after the window's end. `narrower`: further conditions on the
    complaints (an alert reads only its candidates); `labelled` joins the names of the village, its
    Polsek and the officer (village, polsek, officer) to the rows read, rather than every name of the scope.
    """
    earliest = earliest_as_of(scope)
    polsek, officer = units.alias("polsek"), officers.alias("named")
    labels = [villages.c.name, polsek.c.name, officer.c.name] if labelled else []
    source = complaints.join(villages, villages.c.code == complaints.c.village_code)
    if labelled:
        source = (source.outerjoin(polsek, polsek.c.code == villages.c.unit_code)
                  .outerjoin(officer, officer.c.nrp == complaints.c.nrp))
    query = (
        select(complaints.c.complaint_id, complaints.c.village_code, villages.c.unit_code.label("polsek_code"),
               complaints.c.category, complaints.c.channel, complaints.c.created_at,
               complaints.c.first_response_at, complaints.c.resolved_at, complaints.c.nrp,
               complaints.c.local_date, villages.c.timezone, *labels)
        .select_from(source)
        .where(complaints.c.village_code.in_(villages_in(scope)), complaints.c.local_date <= scope.end,
               or_(complaints.c.local_date >= scope.start, complaints.c.resolved_at.is_(None),
                   complaints.c.resolved_at >= earliest), *narrower)
        .order_by(complaints.c.created_at, complaints.c.complaint_id)
    )
    frame = frame_of(conn.execute(query).all(), columns=COMPLAINT_COLUMNS + (LABEL_COLUMNS if labelled else []))
    for column in ("created_at", "first_response_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column])
    policy = scope.policy
    frame["in_window"] = frame["local_date"] >= scope.start
    frame["response_hours"] = (frame["first_response_at"] - frame["created_at"]).dt.total_seconds() / 3600
    frame["resolution_hours"] = (frame["resolved_at"] - frame["created_at"]).dt.total_seconds() / 3600
    frame["within_sla"] = frame["response_hours"] <= policy.complaint_response_sla_hours
    as_of = {zone: local_day_bounds_utc(scope.end + timedelta(days=1), zone)[0] for zone in frame["timezone"].unique()}
    frame["as_of"] = pd.to_datetime(frame["timezone"].map(as_of))
    frame["open_at_end"] = (frame["created_at"] < frame["as_of"]) & (
        frame["resolved_at"].isna() | (frame["resolved_at"] >= frame["as_of"]))
    frame["age_days_at_end"] = (frame["as_of"] - frame["created_at"]).dt.total_seconds() / 86400
    frame["old_at_end"] = frame["open_at_end"] & (frame["age_days_at_end"] > policy.backlog_old_days)
    return frame


def earliest_as_of(scope: Scope) -> datetime:
    """No village's as_of is earlier (UTC+14 at most): anything resolved or answered before it is so at as_of."""
    return datetime.combine(scope.end, datetime.min.time()) - timedelta(hours=14)


def complaint_response(conn: Connection, scope: Scope, level: str = "polsek",
                       frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The complaints export: one row per unit of `level` in the scope."""
    frame = scope_complaints(conn, scope) if frame is None else frame
    unit_of = dict(conn.execute(polsek_parents(scope, level)).all())
    frame = frame.assign(unit_code=frame["polsek_code"].map(unit_of))
    rows = []
    for unit_code, _name in conn.execute(units_at_level(scope, level)).all():
        rows.append({"unit_code": unit_code, **response_measures(frame[frame["unit_code"] == unit_code], scope)})
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS).astype(
        {"open_backlog": "int64", "backlog_old": "int64", "complaints": "int64"})


def response_measures(frame: pd.DataFrame, scope: Scope) -> dict:
    """Median and p90 first response, SLA rate, median resolution, backlog, for one group of complaints."""
    window = frame[frame["in_window"]]
    answered = window["response_hours"].dropna().to_numpy()
    resolved = window["resolution_hours"].dropna().to_numpy()
    total = len(window)
    return {
        "first_response_median_h": float(np.percentile(answered, 50)) if len(answered) else np.nan,
        "first_response_p90_h": float(np.percentile(answered, 90)) if len(answered) else np.nan,
        "response_sla_rate": float(window["within_sla"].sum()) / total if total else np.nan,
        "resolution_median_h": float(np.percentile(resolved, 50)) if len(resolved) else np.nan,
        "open_backlog": int(frame["open_at_end"].sum()),
        "backlog_old": int(frame["old_at_end"].sum()),
        "complaints": total,
    }


AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))  # days open at the end of the window


def backlog_by_age(frame: pd.DataFrame) -> pd.DataFrame:
    """Complaints open at the window's end by age: 0–1, 1–3, 3–7, 7–30 and over 30 days."""
    open_now = frame[frame["open_at_end"]]
    rows = []
    for low, high in AGE_BUCKETS:
        inside = (open_now["age_days_at_end"] >= low) & (
            open_now["age_days_at_end"] < high if high is not None else True)
        rows.append({"low": low, "high": high, "complaints": int(inside.sum())})
    return pd.DataFrame(rows)


def breakdown(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Complaints of the window per category or channel, with how many were answered within the SLA."""
    window = frame[frame["in_window"]].assign(**{column: lambda f: f[column].fillna("–")})
    grouped = window.groupby(column).agg(complaints=("complaint_id", "count"), within_sla=("within_sla", "sum"),
                                         answered=("response_hours", "count"))
    return grouped.sort_values("complaints", ascending=False).reset_index()


def weekly_response(frame: pd.DataFrame) -> pd.DataFrame:
    """Per week of creation: complaints, answered within the SLA, and the median first response."""
    window = frame[frame["in_window"]].copy()
    stamps = pd.to_datetime(window["local_date"])
    window["week"] = (stamps - pd.to_timedelta(stamps.dt.day_of_week, unit="D")).dt.date
    return window.groupby("week").agg(complaints=("complaint_id", "count"), within_sla=("within_sla", "sum"),
                                      median_h=("response_hours", "median")).reset_index()


def complaints_by_village(frame: pd.DataFrame) -> pd.DataFrame:
    """Per village: complaints of the window and complaints open at its end."""
    return frame.groupby("village_code").agg(complaints=("in_window", "sum"),
                                             open_backlog=("open_at_end", "sum")).reset_index()
