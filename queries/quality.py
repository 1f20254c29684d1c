"""Data-quality flags per activity (docs/metrics-reference.md, "Flags"), under the scope's policy."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, ScalarSelect, case, func, or_, select

from queries import aggregates
from queries.db import frame_of
from queries.flags import FLAG_NAMES, flag_expressions, with_flag_list
from queries.schema import activities, activity_texts, officers, villages
from queries.scope import Scope, polsek_parents, units_at_level, villages_in, within
from queries.timeutil import local_times

ACTIVITY_COLUMNS = ["report_id", "nrp", "village_code", "activity_type", "local_date", "activity_at", "submitted_at"]


def activity_flags(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Every activity of the scope's villages dated in the window, its seven flags and `flags` as a list."""
    expressions = flag_expressions(scope.policy)
    query = (
        select(*(activities.c[col] for col in ACTIVITY_COLUMNS),
               *(expr.label(name) for name, expr in expressions.items()))
        .where(activities.c.village_code.in_(villages_in(scope)),
               activities.c.local_date.between(scope.start, scope.end))
        .order_by(activities.c.report_id)
    )
    frame = frame_of(conn.execute(query).all(), columns=ACTIVITY_COLUMNS + list(FLAG_NAMES))
    return with_flag_list(frame)


def narrative_of(report_id) -> ScalarSelect:
    """A report's narrative from activity_texts (NULL without one), as a column of a query over activities.

    A scalar subquery rather than a join: PostgreSQL evaluates it after the sort and limit of a page, so only
    the rows shown read a text.
    """
    return select(activity_texts.c.narrative).where(activity_texts.c.report_id == report_id).scalar_subquery()


def with_examples(conn: Connection, scope: Scope, frame: pd.DataFrame) -> pd.DataFrame:
    """Narrative clusters given their `example`: the narrative of the group's first report in the window by report
    id, read for these keys only (any report of a group reads the same once normalised)."""
    keys = list(frame["narrative_key"])
    found = []
    for start in range(0, len(keys), 900):
        first = (select(activities.c.narrative_key, func.min(activities.c.report_id).label("report_id"))
                 .where(*_in_window(scope), activities.c.narrative_key.in_(keys[start:start + 900]))
                 .group_by(activities.c.narrative_key).subquery())
        found.extend(conn.execute(
            select(first.c.narrative_key, activity_texts.c.narrative)
            .outerjoin(activity_texts, activity_texts.c.report_id == first.c.report_id)).all())
    examples = dict(found)
    return frame.assign(example=[examples.get(key) for key in keys])


def _flag_sums(policy):
    """SUM(CASE WHEN flag THEN 1 ELSE 0 END) for every flag, labelled by flag name, plus the report count."""
    expressions = flag_expressions(policy)
    return [func.count().label("reports"),
            *(func.sum(case((expr, 1), else_=0)).label(name) for name, expr in expressions.items())]


def _in_window(scope: Scope):
    return (activities.c.village_code.in_(villages_in(scope)), activities.c.local_date.between(scope.start, scope.end))


def flag_trend(conn: Connection, scope: Scope, freq: str = "week") -> pd.DataFrame:
    """Reports and each flag's count per day, week or month of the window."""
    from queries.timeseries import period_start, sql_period

    if aggregates.serves(conn, scope):
        days = aggregates.flag_days(conn, scope)
        days = days.assign(period=period_start(days.pop("local_date"), freq))
        frame = days.groupby("period", as_index=False).sum()
        frame = frame.loc[frame["reports"] > 0, ["period", "reports", *FLAG_NAMES]]
    else:
        period = sql_period(conn, activities.c.local_date, freq).label("period")
        rows = conn.execute(select(period, *_flag_sums(scope.policy)).where(*_in_window(scope))
                            .group_by(period)).all()
        frame = frame_of(rows, columns=["period", "reports", *FLAG_NAMES])
    frame["period"] = period_start(frame["period"], "day")
    return frame.astype({col: "int64" for col in ["reports", *FLAG_NAMES]}).sort_values("period", ignore_index=True)


def flags_by_unit(conn: Connection, scope: Scope, level: str) -> pd.DataFrame:
    """Reports and each flag's count per unit of `level` in the scope."""
    unit_of = dict(conn.execute(polsek_parents(scope, level)).all())
    if aggregates.serves(conn, scope):
        frame = aggregates.flags_by_polsek(conn, scope)
        frame["unit_code"] = frame["polsek_code"].map(unit_of)
    else:
        rows = conn.execute(select(activities.c.village_code, *_flag_sums(scope.policy)).where(*_in_window(scope))
                            .group_by(activities.c.village_code)).all()
        frame = frame_of(rows, columns=["village_code", "reports", *FLAG_NAMES])
        polsek = dict(conn.execute(select(villages.c.code, villages.c.unit_code)
                                   .where(*within(villages.c.unit_code, scope))).all())
        frame["unit_code"] = frame["village_code"].map(polsek).map(unit_of)
    units_frame = frame_of(conn.execute(units_at_level(scope, level)).all(), columns=["unit_code", "name"])
    totals = frame.groupby("unit_code")[["reports", *FLAG_NAMES]].sum()
    merged = units_frame.set_index("unit_code").join(totals).fillna(0).reset_index()
    return merged.astype({col: "int64" for col in ["reports", *FLAG_NAMES]})


def narrative_clusters(conn: Connection, scope: Scope, min_reports: int = 2) -> pd.DataFrame:
    """Groups of reports with the same normalised narrative in the window: how many, by how many officers."""
    query = (
        select(activities.c.narrative_key, func.count().label("reports"),
               func.count(func.distinct(activities.c.nrp)).label("officers"),
               func.min(activities.c.local_date).label("first_date"),
               func.max(activities.c.local_date).label("last_date"))
        .where(*_in_window(scope), activities.c.narrative_key.is_not(None))
        .group_by(activities.c.narrative_key).having(func.count() >= min_reports)
        .order_by(func.count().desc(), activities.c.narrative_key)
    )
    frame = with_examples(conn, scope, frame_of(conn.execute(query).all(),
                                                columns=["narrative_key", "reports", "officers", "first_date",
                                                         "last_date"]))
    return frame.merge(_officer_names_by(conn, scope, activities.c.narrative_key, frame["narrative_key"]),
                       on="narrative_key", how="left")


def reused_photos(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Photos sent with reports of two or more officers in the window."""
    query = (
        select(activities.c.photo_sha256, func.count().label("reports"),
               func.count(func.distinct(activities.c.nrp)).label("officers"),
               func.min(activities.c.local_date).label("first_date"),
               func.max(activities.c.local_date).label("last_date"))
        .where(*_in_window(scope), activities.c.photo_sha256.is_not(None))
        .group_by(activities.c.photo_sha256).having(func.count(func.distinct(activities.c.nrp)) >= 2)
        .order_by(func.count().desc(), activities.c.photo_sha256)
    )
    frame = frame_of(conn.execute(query).all(),
                     columns=["photo_sha256", "reports", "officers", "first_date", "last_date"])
    return frame.merge(_officer_names_by(conn, scope, activities.c.photo_sha256, frame["photo_sha256"]),
                       on="photo_sha256", how="left")


def _officer_names_by(conn: Connection, scope: Scope, column, keys) -> pd.DataFrame:
    """For each key (narrative or photo), the names of the officers who used it in the window."""
    keys = list(keys)
    found = []
    for start in range(0, len(keys), 900):
        found.extend(conn.execute(
            select(column, officers.c.name).distinct()
            .outerjoin(officers, officers.c.nrp == activities.c.nrp)
            .where(*_in_window(scope), column.in_(keys[start:start + 900]))).all())
    # An officer hidden by RLS names nobody: a key used only by such officers gets no names (NaN once merged).
    frame = pd.DataFrame(found, columns=[column.name, "name"]).dropna(subset=["name"]).sort_values("name")
    return frame.groupby(column.name, as_index=False).agg(names=("name", ", ".join))


def flagged_points(conn: Connection, scope: Scope, flag: str) -> pd.DataFrame:
    """Reports of the window carrying one flag, with officer, village, place and timing (for lists and maps)."""
    expressions = flag_expressions(scope.policy)
    query = (
        select(activities.c.report_id, activities.c.nrp, officers.c.name.label("officer"),
               activities.c.village_code, villages.c.name.label("village"), villages.c.timezone,
               activities.c.activity_type, activities.c.activity_at, activities.c.local_date, activities.c.lat,
               activities.c.lng,
               activities.c.gps_distance_m, activities.c.travel_km, activities.c.travel_seconds)
        .outerjoin(officers, officers.c.nrp == activities.c.nrp)  # hidden by RLS: the row stays, name NULL
        .join(villages, villages.c.code == activities.c.village_code)
        .where(*_in_window(scope), expressions[flag])
        .order_by(activities.c.activity_at, activities.c.report_id)
    )
    frame = pd.DataFrame(conn.execute(query).mappings().all(),
                         columns=["report_id", "nrp", "officer", "village_code", "village", "timezone",
                                  "activity_type", "activity_at", "local_date", "lat", "lng", "gps_distance_m",
                                  "travel_km", "travel_seconds"])
    frame["local_time"] = local_times(frame["activity_at"], frame["timezone"])
    return frame


def flagged_reports(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Every flagged report of the window with officer, village, time, text and its flags (for review)."""
    expressions = flag_expressions(scope.policy)
    query = (
        select(activities.c.report_id, officers.c.name.label("officer"), activities.c.nrp,
               villages.c.name.label("village"), villages.c.unit_code.label("polsek_code"), villages.c.timezone,
               activities.c.activity_type, activities.c.activity_at, activities.c.submitted_at,
               activities.c.local_date, narrative_of(activities.c.report_id).label("narrative"),
               *(expr.label(name) for name, expr in expressions.items()))
        .outerjoin(officers, officers.c.nrp == activities.c.nrp)  # hidden by RLS: the row stays, name NULL
        .join(villages, villages.c.code == activities.c.village_code)
        .where(*_in_window(scope), or_(*expressions.values()))
        .order_by(activities.c.local_date.desc(), activities.c.report_id)
    )
    frame = pd.DataFrame(conn.execute(query).mappings().all(),
                         columns=["report_id", "officer", "nrp", "village", "polsek_code", "timezone",
                                  "activity_type", "activity_at", "submitted_at", "local_date", "narrative",
                                  *FLAG_NAMES])
    frame["local_time"] = local_times(frame["activity_at"], frame["timezone"])
    return with_flag_list(frame)
