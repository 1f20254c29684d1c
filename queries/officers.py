"""Officer-level views for trainers and supervisors: the compliance list, the calendar, and one officer's record."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, or_, select

from queries import aggregates
from queries.compliance import officer_days, officer_table, scope_officers
from queries.coverage import last_activity_date
from queries.db import frame_of
from queries.flags import FLAG_NAMES, flag_expressions, with_flag_list
from queries.quality import narrative_of
from queries.schema import ACTIVITY_TYPES, activities, assignments, officers, units, villages
from queries.scope import Scope, officers_in, villages_in, within
from queries.timeutil import local_times

# The seven activities every Bhabinkamtibmas is expected to carry out ("lainnya" is not one of them).
MANDATORY_ACTIVITIES = tuple(kind for kind in ACTIVITY_TYPES if kind != "lainnya")
DAY_STATUSES = ("reported", "late", "missing", "leave", "outage", "off")
SEARCH_LIMIT = 25
CODES_PER_QUERY = 900  # bound parameters per IN list; below SQLite's historical limit of 999
# PostgreSQL takes up to 65,535: a nation's 8,173 blind spots in one list read their officers in 0.2 s, where the
# subquery read all 80,150 villages' (0.7 s).
PG_CODES_PER_QUERY = 30_000


def village_officers(conn: Connection, scope: Scope, on_day, codes: list[str] | None = None) -> pd.DataFrame:
    """Officers assigned to each village of the scope on a day ("Name (NRP)"); with `codes`, of those villages only.

    An alert labels its few villages: a Polda's 335 blind spots of 5,038 villages read in 20 ms instead of 70 ms.
    """
    per_query = PG_CODES_PER_QUERY if conn.dialect.name == "postgresql" else CODES_PER_QUERY
    if codes is None or len(codes) > per_query:  # many (a nation's short window): every village of the scope
        chosen = villages_in(scope)
    else:
        chosen = sorted(codes)
    # Joined in plain Python: a pandas group-by with a Python aggregate costs a frame per village
    # (seconds for the nation's 80,000); the rows come ordered by village, then name.
    joined: dict[str, list[str]] = {}
    if codes != []:  # no village, no statement (an alert without blind spots)
        query = (
            select(assignments.c.village_code, officers.c.name, officers.c.nrp)
            .join(officers, officers.c.nrp == assignments.c.nrp)
            .where(assignments.c.village_code.in_(chosen), assignments.c.start_date <= on_day,
                   or_(assignments.c.end_date.is_(None), assignments.c.end_date >= on_day))
            .order_by(assignments.c.village_code, officers.c.name)
        )
        for village, name, nrp in conn.execute(query):
            joined.setdefault(village, []).append(f"{name} ({nrp})")
    # frame_of keeps both columns object even when no village has an officer (the maps merge on them).
    return frame_of(((code, "; ".join(names)) for code, names in joined.items()), columns=["village_code", "officers"])


def last_report_dates(conn: Connection, scope: Scope) -> dict:
    """Each officer's last report date on or before the window's end (officers who never reported absent)."""
    last_report = last_activity_date(scope.end, activities.c.nrp == officers.c.nrp)
    rows = conn.execute(select(officers.c.nrp, last_report).where(officers.c.nrp.in_(officers_in(scope))))
    return {nrp: day for nrp, day in rows if day is not None}


def officer_search(conn: Connection, scope: Scope, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Officers of the scope whose name or NRP contains the text (any case)."""
    pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        select(officers.c.nrp, officers.c.name, officers.c.rank, units.c.name.label("polsek"))
        .join(units, units.c.code == officers.c.unit_code)
        .where(officers.c.nrp.in_(officers_in(scope)),
               or_(func.lower(officers.c.name).like(pattern, escape="\\"), officers.c.nrp.like(pattern, escape="\\")))
        .order_by(officers.c.name, officers.c.nrp).limit(limit)
    )
    return frame_of(conn.execute(query).all(), columns=["nrp", "name", "rank", "polsek"])


def enough_expected_days(scope: Scope) -> int:
    """Expected days an officer needs for a reporting rate to rank on: half the window's reporting weekdays."""
    weekdays = sum((scope.start + timedelta(days=i)).weekday() in scope.policy.reporting_weekdays
                   for i in range(scope.days))
    return max(1, weekdays // 2)


def coaching_order(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The scope's officers, the one most in need of coaching first.

    Most in need: the lowest reporting rate among officers with enough expected days (enough_expected_days),
    ties by the lower quality rate, then by NRP; after them the officers with fewer expected days in the same
    order, and last those with none (their rates are not defined).
    """
    frame = officer_table(conn, scope)
    polsek_names = dict(conn.execute(select(units.c.code, units.c.name).where(*within(units.c.code, scope))).all())
    frame = frame.assign(polsek=frame["polsek"].map(polsek_names),
                         enough_days=frame["expected_days"] >= enough_expected_days(scope))
    frame = frame.sort_values(["enough_days", "reporting_rate", "quality_rate", "nrp"],
                              ascending=[False, True, True, True], na_position="last", ignore_index=True)
    return frame[["nrp", "name", "polsek", "expected_days", "reporting_rate", "quality_rate", "enough_days"]]


def most_in_need(order: pd.DataFrame) -> str | None:
    """The NRP coaching_order puts first among officers with a reporting rate (None if no one has one)."""
    rated = order[order["reporting_rate"].notna()]
    return rated["nrp"].iloc[0] if len(rated) else None


def officer_villages(conn: Connection, scope: Scope, on_day) -> pd.DataFrame:
    """Villages each officer of the scope covers on a day: count and names."""
    query = (select(assignments.c.nrp, villages.c.name)
             .join(villages, villages.c.code == assignments.c.village_code)
             .where(assignments.c.nrp.in_(officers_in(scope)), assignments.c.start_date <= on_day,
                    or_(assignments.c.end_date.is_(None), assignments.c.end_date >= on_day))
             .order_by(assignments.c.nrp, villages.c.name))
    rows = frame_of(conn.execute(query).all(), columns=["nrp", "village"])
    return rows.groupby("nrp", as_index=False).agg(villages=("village", "count"), village_names=("village", ", ".join))


def compliance_list(conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per officer: identity, Polsek, villages covered, the compliance numbers, days since last report."""
    frame = officer_table(conn, scope)
    polsek_names = dict(conn.execute(select(units.c.code, units.c.name).where(*within(units.c.code, scope))).all())
    frame["polsek_name"] = frame["polsek"].map(polsek_names)
    frame = frame.merge(officer_villages(conn, scope, scope.end), on="nrp", how="left")
    frame["villages"] = frame["villages"].fillna(0).astype("int64")
    frame["last_report_date"] = frame["nrp"].map(last_report_dates(conn, scope))
    frame["days_since_report"] = pd.array([(scope.end - day).days if pd.notna(day) else None
                                           for day in frame["last_report_date"]], dtype="Int64")
    # Worst first: the lowest reporting rate (then on time) leads; officers without expected days come last.
    return frame.sort_values(["reporting_rate", "reporting_rate_on_time", "polsek_name", "name"],
                             na_position="last", ignore_index=True)


def day_status(days: pd.DataFrame) -> pd.Series:
    """For each officer-day: reported (on time), late, missing, leave, outage, or off (not a duty day)."""
    duty = days["active"] & days["assigned"] & days["reporting_weekday"]
    return pd.Series(np.select(
        [days["expected"] & days["on_time"], days["expected"] & days["reported"], days["expected"],
         duty & days["on_leave"], duty & days["outage_excused"]],
        ["reported", "late", "missing", "leave", "outage"], default="off"), index=days.index)


def calendar(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Officer × day statuses for the window (the heat map), with each officer's Polsek.

    A Polda or the nation gets Polsek × day expected and reported officer-days from the aggregates
    instead: what its calendar draws (far more officers than rows a heat map can show).
    """
    if aggregates.serves(conn, scope):
        return aggregates.polsek_calendar(conn, scope)
    days = officer_days(conn, scope)
    staff = scope_officers(conn, scope)[["nrp", "name", "unit_code"]].rename(columns={"unit_code": "polsek"})
    staff["polsek"] = staff["polsek"].map(dict(conn.execute(
        select(units.c.code, units.c.name).where(*within(units.c.code, scope))).all()))
    return days.assign(status=day_status(days)).merge(staff, on="nrp")[
        ["nrp", "name", "polsek", "date", "status", "reports"]]


def submission_delays(conn: Connection, scope: Scope) -> np.ndarray:
    """Hours from activity to submission for the scope's officers' reports in the window."""
    seconds = conn.execute(select(activities.c.delay_seconds).where(
        activities.c.nrp.in_(officers_in(scope)), activities.c.local_date.between(scope.start, scope.end))).scalars()
    return np.array(seconds.all(), dtype="float64") / 3600


def delay_distribution(conn: Connection, scope: Scope) -> dict:
    """The kepatuhan page's delay chart and summary: reports per whole hour of delay, median, p90, late.

    A Polda or the nation reads the per-unit aggregates: the chart and the late count are exact, the
    median and 90th percentile are interpolated inside the hour they fall in. Smaller scopes read every delay.
    """
    if aggregates.serves(conn, scope):
        histogram = aggregates.delay_histogram(conn, scope)
        late = int(aggregates.polsek_sums(conn, scope, ("late_reports",))["late_reports"].sum())
        median, p90 = (histogram_percentile(histogram, share) for share in (0.5, 0.9))
    else:
        hours = submission_delays(conn, scope)
        histogram = aggregates.hours_histogram(hours)
        late = int((hours > scope.policy.late_after_hours).sum())
        median, p90 = (float(np.percentile(hours, share * 100)) if len(hours) else np.nan for share in (0.5, 0.9))
    return {"histogram": histogram, "reports": int(histogram["reports"].sum()), "late": late,
            "median": median, "p90": p90}


def histogram_percentile(histogram: pd.DataFrame, share: float) -> float:
    """A percentile of delays from reports per whole hour (numpy's linear interpolation).

    The k-th smallest delay is taken at its hour's (j + 0.5) / n, j its place among that hour's n reports:
    each stands less than an hour from the true k-th delay (clipped to -6 .. 120), and so does the result.
    """
    counts = histogram["reports"].to_numpy()
    total = int(counts.sum())
    if total == 0:
        return np.nan
    ends = np.cumsum(counts)
    hours = histogram["delay_hour"].to_numpy()

    def kth(k: int) -> float:
        bucket = int(np.searchsorted(ends, k, side="right"))
        place = k - (ends[bucket] - counts[bucket])
        return float(hours[bucket] + (place + 0.5) / counts[bucket])

    rank = share * (total - 1)
    low = int(np.floor(rank))
    high = min(low + 1, total - 1)
    return kth(low) + (rank - low) * (kth(high) - kth(low))


def activity_mix(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Reports per activity type (every type listed) for the scope's officers in the window."""
    counts = dict(conn.execute(
        select(activities.c.activity_type, func.count())
        .where(activities.c.nrp.in_(officers_in(scope)), activities.c.local_date.between(scope.start, scope.end))
        .group_by(activities.c.activity_type)).all())
    return pd.DataFrame({"activity_type": list(ACTIVITY_TYPES),
                         "reports": [int(counts.get(kind, 0)) for kind in ACTIVITY_TYPES],
                         "mandatory": [kind in MANDATORY_ACTIVITIES for kind in ACTIVITY_TYPES]})


def peer_comparison(officer: pd.Series, peers: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """The officer's value of each measure next to the peers' median and the officer's percentile rank.

    Percentile rank: the share of peers (with a defined value) at or below the officer's value.
    """
    rows = []
    for measure in measures:
        values = peers[measure].dropna().astype("float64")
        value = officer[measure]
        defined = pd.notna(value) and len(values) > 0
        rows.append({"measure": measure, "value": value,
                     "median": float(values.median()) if len(values) else np.nan,
                     "percentile": float((values <= float(value)).mean()) if defined else np.nan,
                     "peers": len(values)})
    return pd.DataFrame(rows)


def officer_reports(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The scope's officers' reports in the window with the text, place and every flag (for review)."""
    expressions = flag_expressions(scope.policy)
    query = (
        select(activities.c.report_id, activities.c.nrp, activities.c.activity_type, activities.c.local_date,
               activities.c.activity_at, activities.c.submitted_at, activities.c.village_code,
               villages.c.name.label("village"), villages.c.timezone, activities.c.lat, activities.c.lng,
               activities.c.household_id, narrative_of(activities.c.report_id).label("narrative"),
               activities.c.photo_sha256, activities.c.gps_distance_m,
               activities.c.delay_seconds, *(expr.label(name) for name, expr in expressions.items()))
        .join(villages, villages.c.code == activities.c.village_code)
        .where(activities.c.nrp.in_(officers_in(scope)), activities.c.local_date.between(scope.start, scope.end))
        .order_by(activities.c.activity_at, activities.c.report_id)
    )
    frame = pd.DataFrame(conn.execute(query).mappings().all())
    if frame.empty:
        return pd.DataFrame(columns=["report_id", "flags", *FLAG_NAMES])
    frame["local_time"] = local_times(frame["activity_at"], frame["timezone"])
    return with_flag_list(frame)


def village_last_dds_by(conn: Connection, scope: Scope) -> pd.DataFrame:
    """For each village of an officer's scope: the officer's own last DDS there, on or before the window end."""
    query = (select(villages.c.code, villages.c.name, func.max(activities.c.local_date))
             .select_from(villages.outerjoin(activities, (activities.c.village_code == villages.c.code)
                                             & (activities.c.nrp == scope.nrp)
                                             & (activities.c.activity_type == "dds")
                                             & (activities.c.local_date <= scope.end)))
             .where(villages.c.code.in_(villages_in(scope)))
             .group_by(villages.c.code, villages.c.name).order_by(villages.c.name))
    return frame_of(conn.execute(query).all(), columns=["village_code", "village", "last_own_dds"])


def gap_facts(conn: Connection, scope: Scope, reports: pd.DataFrame, numbers: pd.Series) -> dict:
    """The numbers behind an officer's concrete gaps (worded on the scorecard page)."""
    cutoff = scope.end - timedelta(days=scope.policy.blind_spot_days - 1)
    villages_frame = village_last_dds_by(conn, scope)
    unvisited = villages_frame[villages_frame["last_own_dds"].isna() | (villages_frame["last_own_dds"] < cutoff)]
    dds = reports[reports["activity_type"] == "dds"] if not reports.empty else reports
    done = set(reports["activity_type"]) if not reports.empty else set()
    return {
        "unvisited_villages": unvisited["village"].tolist(),
        "missing_days": int(numbers["expected_days"] - numbers["reported_days"]),
        "expected_days": int(numbers["expected_days"]),
        "late_reports": int(numbers["late_reports"]),
        "dds_visits": int(numbers["dds_visits"]),
        "dds_target": float(numbers["dds_target"]),
        "dds_households": int(dds["household_id"].nunique()) if len(dds) else 0,
        "flag_counts": {name: int(reports[name].sum()) if len(reports) else 0 for name in FLAG_NAMES},
        "reports": int(numbers["reports"]),
        "missing_activities": [kind for kind in MANDATORY_ACTIVITIES if kind not in done],
    }
