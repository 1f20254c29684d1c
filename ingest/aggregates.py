"""Building the per-unit and per-village aggregates (unit_day_facts, unit_delay_hours, village_day_facts,
village_dds_days).

Run after officer_day_facts is up to date: the expected, reported and on-time officer-days of a Polsek
and date are that rollup's rows summed over the Polsek's officers. Read by queries/aggregates.py.
They cover the rollup's range (ingest/rollups.py `facts_range`: any activity, complaint or crime), so a
Polda's or the nation's window before the first report is read from them too.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, and_, case, func, or_, select

from ingest.changes import ActivityChanges
from ingest.rollups import facts_range, first_row_date
from ingest.upsert import bulk_insert
from queries.aggregates import META_KEY, OFFICER_COUNTS, UNIT_COUNTS, delay_hour, recorded
from queries.db import frame_of
from queries.flags import FLAG_NAMES, flag_expressions
from queries.policy import Policy
from queries.rollups import policy_key
from queries.schema import (
    activities,
    meta,
    officer_day_facts,
    officers,
    unit_day_facts,
    unit_delay_hours,
    village_day_facts,
    village_dds_days,
    villages,
)

KEY_CHUNK = 500  # report ids per statement when reading the keys a change reaches
AGGREGATE_TABLES = (unit_day_facts, unit_delay_hours, village_day_facts)


def rebuild(conn: Connection, policy: Policy) -> None:
    """Recompute every aggregate from the activities and officer_day_facts under `policy`."""
    for table in (*AGGREGATE_TABLES, village_dds_days):
        conn.execute(table.delete())
    conn.execute(meta.delete().where(meta.c.key == META_KEY))
    first, last = facts_range(conn)
    if first is None:
        return
    _store(conn, policy, None, None, None)
    store_households(conn, None)
    conn.execute(meta.insert().values(key=META_KEY, value=json.dumps(
        {"policy": policy_key(policy), "start": first.isoformat(), "end": last.isoformat()})))


def update(conn: Connection, policy: Policy, changes: ActivityChanges) -> None:
    """Recompute only what the change reaches: the dates the range gained, and the touched keys inside it.

    Like ingest/rollups.py `update`: dates that left the data's range are deleted, dates it gained are
    computed for every Polsek and village (every Polsek's expected days count there), and the (Polsek, date)
    and (village, date) keys of the changed reports are recomputed. A rebuild only when asked (changes.full),
    when nothing was built yet or it was built under another policy.
    """
    built = recorded(conn)
    first, last = facts_range(conn)
    if changes.full or built is None or built["policy"] != policy_key(policy) or first is None:
        rebuild(conn, policy)
        return
    start, end = date.fromisoformat(built["start"]), date.fromisoformat(built["end"])
    for table in AGGREGATE_TABLES:
        conn.execute(table.delete().where(or_(table.c.local_date < first, table.c.local_date > last)))
    added = _added_dates(first, last, start, end)
    since = first_row_date(conn) if added else None
    # Added dates before the first report and assignment have no row: only those after are computed.
    for chunk in _chunks([day for day in added if since is not None and day >= since]):
        _store(conn, policy, chunk, None, None)
    _update_touched(conn, policy, changes, first, last, set(added))
    _update_households(conn, changes, first > start)
    conn.execute(meta.update().where(meta.c.key == META_KEY).values(value=json.dumps(
        {"policy": policy_key(policy), "start": first.isoformat(), "end": last.isoformat()})))


def _added_dates(first: date, last: date, start: date, end: date) -> list[date]:
    """The dates of the range [first, last] outside the built range [start, end]."""
    days = (last - first).days + 1
    return [day for day in (first + timedelta(days=offset) for offset in range(days)) if not start <= day <= end]


def _update_touched(conn: Connection, policy: Policy, changes: ActivityChanges, first: date, last: date,
                    added: set[date]) -> None:
    """Delete and store again the keys the changed reports reach, on dates already built and still in range."""
    keys = _reached_keys(conn, changes)
    if keys.empty:
        return
    keys = keys[[first <= day <= last and day not in added for day in keys["local_date"]]]
    if keys.empty:
        return
    dates = sorted(set(keys["local_date"]))
    units = _few({code for code in (*keys["officer_unit"], *keys["village_unit"]) if isinstance(code, str)})
    village_codes = _few(set(keys["village_code"]))
    for chunk in _chunks(dates):
        for table, column, codes in ((unit_day_facts, "unit_code", units), (unit_delay_hours, "unit_code", units),
                                     (village_day_facts, "village_code", village_codes)):
            conn.execute(table.delete().where(*_keys(table.c.local_date, chunk, table.c[column], codes)))
        _store(conn, policy, chunk, units, village_codes)


def _update_households(conn: Connection, changes: ActivityChanges, lost_dates: bool) -> None:
    """Recompute village_dds_days in every village a changed report is in, from that village's earliest date.

    Villages and dates count both where the changed reports are now and where they were before.

    A moved or re-typed visit changes the previous date of its household's next visit, possibly on any later
    day of its village; a visit before every changed date of its village keeps its previous date (an earlier
    visit, unchanged). So each village restarts at its own earliest change: a back-dated report in a daily file
    does not send every other village back with it. Reports that left the range without passing through the
    import (none today) would change previous dates anywhere: then everything.
    """
    if lost_dates:
        conn.execute(village_dds_days.delete())
        store_households(conn, None)
        return
    since: dict[str, date] = {}
    for row in changes.replaced:
        _note_earliest(since, row["village_code"], _as_date(row["local_date"]))
    for part in _chunks(sorted(changes.report_ids)):
        for code, day in conn.execute(select(activities.c.village_code, activities.c.local_date)
                                      .where(activities.c.report_id.in_(part)).distinct()):
            _note_earliest(since, code, _as_date(day))
    villages_since: dict[date, list[str]] = {}
    for code, day in since.items():
        villages_since.setdefault(day, []).append(code)
    for day, codes in sorted(villages_since.items()):  # one pass per distinct start: a daily file has few
        for chunk in _chunks(sorted(codes)):
            conn.execute(village_dds_days.delete().where(village_dds_days.c.village_code.in_(chunk),
                                                         village_dds_days.c.local_date >= day))
            store_households(conn, chunk, day)


def _note_earliest(since: dict[str, date], code: str, day: date) -> None:
    since[code] = min(since.get(code, day), day)


def _as_date(value) -> date:
    return value if isinstance(value, date) else pd.Timestamp(value).date()


def store_households(conn: Connection, village_codes: list[str] | None, since: date | None = None) -> None:
    """Insert the village_dds_days rows of `village_codes` (None: all) dated `since` or later (None: all).

    Computed from the activities; the previous visit may lie before `since`."""
    a = activities.c
    dds = [a.activity_type == "dds", *([] if village_codes is None else [a.village_code.in_(village_codes)])]
    # Visits of one household on one day have the same previous date whichever comes first: no tie-break.
    previous = func.lag(a.local_date).over(partition_by=(a.village_code, a.household_id), order_by=a.local_date)
    if since is None:
        visits = select(a.village_code, a.local_date, previous.label("prev_date")).where(*dds).subquery()
    else:
        # Only the rows dated `since` or later (a daily file: one day, not the year): LAG among them, and a
        # household's first of them looks up its last earlier visit, one backward step in
        # ix_activities_dds_household (CASE: the lookup runs for those rows only).
        recent = (select(a.village_code, a.household_id, a.local_date, previous.label("lag"))
                  .where(*dds, a.local_date >= since).subquery("recent"))
        b = activities.alias("earlier").c
        earlier = (select(func.max(b.local_date))
                   .where(b.activity_type == "dds", b.village_code == recent.c.village_code,
                          b.household_id == recent.c.household_id, b.local_date < since).scalar_subquery())
        visits = select(recent.c.village_code, recent.c.local_date,
                        case((recent.c.lag.is_(None), earlier), else_=recent.c.lag).label("prev_date")).subquery()
    conn.execute(village_dds_days.insert().from_select(
        ["village_code", "local_date", "prev_date", "visits"],
        select(visits.c.village_code, visits.c.local_date, visits.c.prev_date, func.count())
        .group_by(visits.c.village_code, visits.c.local_date, visits.c.prev_date)))


def _few(codes: set[str]) -> list[str] | None:
    """The codes to recompute, or None (every code of the dates) when too many for one IN list."""
    return sorted(codes) if len(codes) <= KEY_CHUNK else None


def _keys(date_column, dates, code_column, codes) -> list:
    """Conditions selecting the keys to recompute: the dates (None: all) and codes (None: all)."""
    return ([] if dates is None else [_on_dates(date_column, dates)]) + (
        [] if codes is None else [code_column.in_(codes)])


def _on_dates(column, dates: list[date]):
    """`column` in these (sorted) dates: a range when they are consecutive (a long history gained at once).

    An IN list of hundreds of dates is a filter on every row; a range is an index range."""
    if (dates[-1] - dates[0]).days + 1 == len(dates):
        return column.between(dates[0], dates[-1])
    return column.in_(dates)


def _chunks(values: list, size: int = KEY_CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _reached_keys(conn: Connection, changes: ActivityChanges) -> pd.DataFrame:
    """(local_date, officer's Polsek, village's Polsek, village) of the changed reports, now and before."""
    rows = []
    ids = sorted(changes.report_ids)
    for part in _chunks(ids):
        rows.extend(conn.execute(select(activities.c.local_date, activities.c.nrp, activities.c.village_code)
                                 .where(activities.c.report_id.in_(part))).all())
    rows.extend((old["local_date"], old["nrp"], old["village_code"]) for old in changes.replaced)
    keys = pd.DataFrame(rows, columns=["local_date", "nrp", "village_code"])
    if keys.empty:
        return keys.assign(officer_unit=[], village_unit=[])
    officer_unit, village_unit = {}, {}
    for part in _chunks(sorted(set(keys["nrp"]))):
        officer_unit.update(conn.execute(select(officers.c.nrp, officers.c.unit_code)
                                         .where(officers.c.nrp.in_(part))).all())
    for part in _chunks(sorted(set(keys["village_code"]))):
        village_unit.update(conn.execute(select(villages.c.code, villages.c.unit_code)
                                         .where(villages.c.code.in_(part))).all())
    keys["local_date"] = [value if isinstance(value, date) else pd.Timestamp(value).date()
                          for value in keys["local_date"]]
    return keys.assign(officer_unit=keys["nrp"].map(officer_unit), village_unit=keys["village_code"].map(village_unit))


def _store(conn: Connection, policy: Policy, dates, units, village_codes) -> None:
    """Compute and insert the aggregates of `dates` and `units` / `village_codes` (None: all of them)."""
    unit_rows = _unit_days(conn, policy, dates, units)
    if not unit_rows.empty:
        bulk_insert(conn, unit_day_facts, unit_rows.to_dict("records"))
    # The other two need no Python: grouped in the database, straight into their tables.
    hour = delay_hour(conn, activities.c.delay_seconds)
    conn.execute(unit_delay_hours.insert().from_select(
        ["unit_code", "local_date", "delay_hour", "reports"],
        select(officers.c.unit_code, activities.c.local_date, hour, func.count())
        .join(officers, officers.c.nrp == activities.c.nrp)
        .where(*_keys(activities.c.local_date, dates, officers.c.unit_code, units))
        .group_by(officers.c.unit_code, activities.c.local_date, hour)))
    conn.execute(village_day_facts.insert().from_select(
        ["village_code", "local_date", "reports", "dds_visits"],
        select(activities.c.village_code, activities.c.local_date, func.count(),
               func.sum(case((activities.c.activity_type == "dds", 1), else_=0)))
        .where(*_keys(activities.c.local_date, dates, activities.c.village_code, village_codes))
        .group_by(activities.c.village_code, activities.c.local_date)))


def _unit_days(conn: Connection, policy: Policy, dates, units) -> pd.DataFrame:
    """Per Polsek and date: the officer-day sums of its officers and the report counts of its villages."""
    f = officer_day_facts.c
    expected = f.expected.is_(True)
    by_officer = conn.execute(
        select(officers.c.unit_code, f.local_date,
               func.sum(case((expected, 1), else_=0)),
               func.sum(case((and_(expected, f.reports > 0), 1), else_=0)),
               func.sum(case((and_(expected, f.on_time_reports > 0), 1), else_=0)),
               func.sum(f.reports), func.sum(f.late_reports), func.sum(f.dds_visits), func.sum(f.flagged_reports))
        .join(officers, officers.c.nrp == f.nrp).where(*_keys(f.local_date, dates, officers.c.unit_code, units))
        .group_by(officers.c.unit_code, f.local_date)).all()
    officer_frame = frame_of(by_officer, columns=["unit_code", "local_date", *OFFICER_COUNTS])
    flags = flag_expressions(policy)
    by_village = conn.execute(
        select(villages.c.unit_code, activities.c.local_date, func.count(),
               func.sum(case((activities.c.activity_type == "dds", 1), else_=0)),
               *(func.sum(case((flags[name], 1), else_=0)) for name in FLAG_NAMES))
        .join(villages, villages.c.code == activities.c.village_code)
        .where(*_keys(activities.c.local_date, dates, villages.c.unit_code, units))
        .group_by(villages.c.unit_code, activities.c.local_date)).all()
    village_frame = frame_of(by_village, columns=["unit_code", "local_date", "village_reports", "dds_visits",
                                                  *FLAG_NAMES])
    frame = officer_frame.merge(village_frame, on=["unit_code", "local_date"], how="outer")
    frame[list(UNIT_COUNTS)] = frame[list(UNIT_COUNTS)].fillna(0).astype("int64")
    # Officer-days neither expected nor reported on are not in the rollup; all-zero rows add nothing.
    return frame[frame[list(UNIT_COUNTS)].any(axis=1)]
