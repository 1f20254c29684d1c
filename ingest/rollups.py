"""Building the stored rollups after an import or a policy change (read by queries/rollups.py).

`rebuild` recomputes everything; `update` recomputes only what one import reaches (the officer-days
and submission hours of the reports it wrote or re-flagged, and the dates by which the data's range
grew), with the same definition, so both leave exactly the same tables.

The range is the data's (`facts_range`: any activity, complaint or crime), not the activities' alone: the
effectiveness page compares a window with the one before it, anywhere in the data, and crime history reaches
years before the first report. An officer's days there are defined by the roster (reports zero), so the
rollup holds them too and a Polda or the nation never falls back to officer-by-officer days in pandas.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Date, and_, func, insert, literal, or_, select

from ingest.changes import ActivityChanges
from ingest.upsert import bulk_insert
from queries.compliance import officer_days
from queries.overview import data_date_range, date_bounds
from queries.policy import Policy
from queries.rollups import (
    HOURS_KEY,
    META_KEY,
    SUMS,
    among,
    day_sums,
    hour_text,
    month_end,
    month_starts,
    policy_key,
)
from queries.schema import (
    activities,
    assignments,
    meta,
    officer_day_facts,
    officer_month_facts,
    officers,
    polda_submission_hours,
    submission_hours,
    unit_tree,
    units,
    villages,
)
from queries.scope import Scope

CHUNK = 500  # officers per pass: bounded memory whatever the size of the country
CELLS = 250_000  # officer-days per pass at most: bounded memory whatever the span of the data
IDS_PER_QUERY = 900  # bound parameters per IN list; below SQLite's historical limit of 999
ANALYZE_ROWS = 100_000  # officer-days written past which the aggregates' reading needs fresh statistics
UPDATE_OFFICERS_PER_PASS = 5_000  # a daily file reaches every officer on one or two days: few, wide passes
RUNS_PER_QUERY = 200  # submission-hour ranges OR-ed into one statement (one scan, not one per range)
FACT_COLUMNS = ["nrp", "local_date", "expected", "reports", "on_time_reports", "late_reports", "dds_visits",
                "flagged_reports"]


def rebuild(conn: Connection, policy: Policy, write_rows) -> int:
    """Recompute the whole rollup under `policy` (write_rows(conn, table, rows) inserts); return the rows stored."""
    custom_plans(conn)
    conn.execute(officer_day_facts.delete())
    conn.execute(officer_month_facts.delete())
    conn.execute(meta.delete().where(meta.c.key == META_KEY))
    first, last = facts_range(conn)
    if first is None:
        rebuild_submission_hours(conn)
        return 0
    nrps = conn.execute(select(officers.c.nrp).order_by(officers.c.nrp)).scalars().all()
    since = first_row_date(conn)
    stored = 0
    if since is not None and max(first, since) <= last:  # the dates before `since` hold no row
        window = Scope(None, max(first, since), last, policy)
        per_pass = max(1, min(CHUNK, CELLS // window.days))
        for start in range(0, len(nrps), per_pass):
            stored += _store_days(conn, window, nrps[start:start + per_pass], write_rows)
        analyze_if_many(conn, stored)  # the months are summed from these days next
        refresh_months(conn, month_starts(window.start, window.end))
        analyze_if_many(conn, stored, "officer_month_facts")
    conn.execute(meta.insert().values(key=META_KEY, value=_range_text(policy, first, last)))
    rebuild_submission_hours(conn)
    return stored


def update(conn: Connection, policy: Policy, changes: ActivityChanges) -> int:
    """Bring both rollups up to date where one import reaches; return the officer-day rows written.

    Rebuilds instead when asked (changes.full), when there is no rollup yet or it was built under
    another policy: then every officer-day may differ, not just the touched ones.
    """
    custom_plans(conn)
    built = built_range(conn)
    first, last = facts_range(conn)
    if changes.full or built is None or built[0] != policy_key(policy) or first is None:
        return rebuild(conn, policy, bulk_insert)
    rows = current_rows(conn, changes.report_ids) + changes.replaced
    written = _update_officer_days(conn, policy, rows, (built[1], built[2]), (first, last))
    conn.execute(meta.update().where(meta.c.key == META_KEY).values(value=_range_text(policy, first, last)))
    if conn.execute(select(meta.c.key).where(meta.c.key == HOURS_KEY)).first() is None:
        rebuild_submission_hours(conn)  # a database from before submission_hours existed
    else:
        update_submission_hours(conn, {row["submitted_at"] for row in rows})
    return written


def custom_plans(conn: Connection) -> None:
    """PostgreSQL: plan every pass for its own officers and dates, until the transaction ends.

    psycopg prepares a statement run five times, and PostgreSQL may then keep one generic plan for
    officer_days' queries that ignores the IN list: passes of 500 officers went from 0.07 s to 4-6 s
    (a national rebuild 262-527 s instead of about 15 s).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


# Fixed statements per rollup (a table name cannot be a bound parameter, and none is built from a string).
ANALYZE = {"officer_day_facts": "ANALYZE officer_day_facts", "officer_month_facts": "ANALYZE officer_month_facts"}


def analyze_if_many(conn: Connection, written: int, table: str = "officer_day_facts") -> None:
    """PostgreSQL: fresh statistics of a rollup after many rows were written, in the same transaction.

    ingest/aggregates.py reads them next: with the table's old statistics the planner took a history's
    1.4 M new rows for one and joined them to the officers row by row (12.5 s instead of about 2 s).
    """
    if written > ANALYZE_ROWS and conn.dialect.name == "postgresql":
        conn.exec_driver_sql(ANALYZE[table])


def facts_range(conn: Connection) -> tuple[date | None, date | None]:
    """The dates the rollups cover: first and last local date of any activity, complaint or crime.

    Every window a page can ask lies inside it (the sidebar and the effectiveness page keep to the data);
    (None, None) when there is no data at all.
    """
    return data_date_range(conn)


def first_row_date(conn: Connection) -> date | None:
    """The first date an officer-day row can exist on: the first report or the first assignment (None: neither).

    An expected day needs an assignment active on it, a reported one a report: the dates before both hold no
    row, and a national history of crimes years before BOS need not be computed day by day to find nothing.
    A new assignment rebuilds the rollup (a calendar file); a new earlier report is a touched key.
    """
    found = [date_bounds(conn, activities)[0], conn.execute(select(func.min(assignments.c.start_date))).scalar()]
    found = [value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
             for value in found if value is not None]
    return min(found) if found else None


def built_range(conn: Connection) -> tuple[str, date, date] | None:
    """(policy key, start, end) the stored officer-day rollup was built with; None if there is none."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == META_KEY)).scalar()
    if value is None:
        return None
    built = json.loads(value)
    return built["policy"], date.fromisoformat(built["start"]), date.fromisoformat(built["end"])


def current_rows(conn: Connection, report_ids: set[str]) -> list[dict]:
    """The stored nrp, local date and submission instant of these reports (as they are after the import)."""
    ids = sorted(report_ids)
    columns = [activities.c.report_id, activities.c.nrp, activities.c.local_date, activities.c.submitted_at]
    found = []
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start:start + IDS_PER_QUERY]
        found.extend(dict(row) for row in conn.execute(select(*columns).where(
            activities.c.report_id.in_(chunk))).mappings())
    return found


def _update_officer_days(conn: Connection, policy: Policy, rows: list[dict], built: tuple[date, date],
                         now: tuple[date, date]) -> int:
    """Delete the dates that left the range, then recompute the touched officer-days and the dates added."""
    (start, end), (first, last) = built, now
    conn.execute(officer_day_facts.delete().where(or_(officer_day_facts.c.local_date < first,
                                                      officer_day_facts.c.local_date > last)))
    m = officer_month_facts.c
    conn.execute(officer_month_facts.delete().where(or_(m.month < first.replace(day=1), m.month > last)))
    # A month the range now starts or ends inside lost days; every month of an added range gained some.
    everyone_months = {first.replace(day=1)} if first > start else set()
    everyone_months |= {last.replace(day=1)} if last < end else set()
    added = [(first, min(last, start - timedelta(days=1))), (max(first, end + timedelta(days=1)), last)]
    added = [(lo, hi) for lo, hi in added if lo <= hi]
    # Dates added are recomputed for every officer below; dates outside the range hold no rows.
    keys = {(row["nrp"], row["local_date"]) for row in rows
            if first <= row["local_date"] <= last and not any(lo <= row["local_date"] <= hi for lo, hi in added)}
    written = 0
    # Added dates before the first report and assignment hold no row: not computed (a crime file's history).
    since = first_row_date(conn) if added else None
    added = [(max(lo, since), hi) for lo, hi in added if since is not None and max(lo, since) <= hi]
    everyone = conn.execute(select(officers.c.nrp).order_by(officers.c.nrp)).scalars().all() if added else []
    for lo, hi in added:
        written += _recompute(conn, Scope(None, lo, hi, policy), everyone)
        everyone_months.update(month_starts(lo, hi))
    touched: dict[date, set[str]] = defaultdict(set)
    for lo, hi, nrps in touched_blocks(keys):
        written += _recompute(conn, Scope(None, lo, hi, policy), nrps)
        for month in month_starts(lo, hi):
            touched[month].update(nrps)
    analyze_if_many(conn, written)  # the months are summed from these days next
    refresh_months(conn, sorted(everyone_months))
    for month, nrps in sorted(touched.items()):
        if month not in everyone_months:
            refresh_months(conn, [month], sorted(nrps))
    return written


def refresh_months(conn: Connection, months: list[date], nrps: list[str] | None = None) -> None:
    """Sum officer_day_facts again into officer_month_facts for these months (for these officers, or everyone)."""
    m = officer_month_facts.c
    f = officer_day_facts.c
    groups = [None] if nrps is None else [nrps[i:i + IDS_PER_QUERY] for i in range(0, len(nrps), IDS_PER_QUERY)]
    for month in months:
        for chunk in groups:
            conn.execute(officer_month_facts.delete().where(m.month == month, *among(m.nrp, chunk)))
            sums = (select(f.nrp, literal(month, Date), *day_sums())
                    .where(f.local_date.between(month, month_end(month)), *among(f.nrp, chunk))
                    .group_by(f.nrp))
            conn.execute(insert(officer_month_facts).from_select(["nrp", "month", *SUMS], sums))


def touched_blocks(keys: set[tuple[str, date]]) -> list[tuple[date, date, list[str]]]:
    """Touched (nrp, date) keys grouped into (first, last, officers) blocks to recompute whole.

    A date joins the block before it while the block's cells stay within twice the keys it holds:
    a daily file's late reports from nearby days share one pass, a stray old date gets its own.
    """
    by_date: dict[date, set[str]] = defaultdict(set)
    for nrp, day in keys:
        by_date[day].add(nrp)
    blocks: list[tuple[date, date, set[str], int]] = []
    for day in sorted(by_date):
        nrps = by_date[day]
        if blocks:
            lo, _, members, touched = blocks[-1]
            union = members | nrps
            if len(union) * ((day - lo).days + 1) <= 2 * (touched + len(nrps)):
                blocks[-1] = (lo, day, union, touched + len(nrps))
                continue
        blocks.append((day, day, set(nrps), len(nrps)))
    return [(lo, hi, sorted(members)) for lo, hi, members, _ in blocks]


def _recompute(conn: Connection, scope: Scope, nrps: list[str]) -> int:
    """Delete, then store again, these officers' rollup rows over the scope's window; return the rows stored."""
    per_pass = max(1, min(UPDATE_OFFICERS_PER_PASS, CELLS // scope.days))
    stored = 0
    for start in range(0, len(nrps), per_pass):
        chunk = nrps[start:start + per_pass]
        for part in range(0, len(chunk), IDS_PER_QUERY):
            conn.execute(officer_day_facts.delete().where(
                officer_day_facts.c.nrp.in_(chunk[part:part + IDS_PER_QUERY]),
                officer_day_facts.c.local_date.between(scope.start, scope.end)))
        stored += _store_days(conn, scope, chunk, bulk_insert)
    return stored


def _store_days(conn: Connection, scope: Scope, nrps: list[str], write_rows) -> int:
    """Store officer_days of these officers over the window, leaving out days neither expected nor reported."""
    days = officer_days(conn, scope, nrps=nrps)
    days = days[days["expected"] | (days["reports"] > 0)]
    rows = days.rename(columns={"date": "local_date"})[FACT_COLUMNS].to_dict("records")
    if rows:
        write_rows(conn, officer_day_facts, rows)
    return len(rows)


def _range_text(policy: Policy, first: date, last: date) -> str:
    return json.dumps({"policy": policy_key(policy), "start": first.isoformat(), "end": last.isoformat()})


def rebuild_submission_hours(conn: Connection) -> None:
    """Recompute reports per Polsek and UTC hour from the activities in one statement, then their Polda sums."""
    conn.execute(submission_hours.delete())
    conn.execute(polda_submission_hours.delete())
    conn.execute(meta.delete().where(meta.c.key == HOURS_KEY))
    conn.execute(meta.insert().values(key=HOURS_KEY, value="built"))
    _insert_hours(conn, [])
    _insert_polda_hours(conn, [])


def update_submission_hours(conn: Connection, instants: set[datetime]) -> None:
    """Recompute the UTC hours these submission instants fall in, for every Polsek (old and new rows alike)."""
    runs = hour_runs(instants)
    for start in range(0, len(runs), RUNS_PER_QUERY):
        chunk = runs[start:start + RUNS_PER_QUERY]
        for table in (submission_hours, polda_submission_hours):
            conn.execute(table.delete().where(or_(*(_hour_span(table.c.hour, lo, hi) for lo, hi in chunk))))
        _insert_hours(conn, [_within_hours(conn, lo, hi) for lo, hi in chunk])
        # The Polda sums of exactly these hours, from the Polsek rows just written.
        _insert_polda_hours(conn, [_hour_span(submission_hours.c.hour, lo, hi) for lo, hi in chunk])


def _hour_span(column, lo: datetime, hi: datetime):
    """An hour-text column inside the UTC hours [lo, hi)."""
    return column.between(f"{lo:%Y-%m-%d %H}", f"{hi - timedelta(hours=1):%Y-%m-%d %H}")


def hour_runs(instants: set[datetime]) -> list[tuple[datetime, datetime]]:
    """The whole UTC hours holding these instants, as [start, end) runs of consecutive hours."""
    runs: list[list[datetime]] = []
    for hour in sorted({instant.replace(minute=0, second=0, microsecond=0) for instant in instants}):
        if runs and runs[-1][1] == hour:
            runs[-1][1] = hour + timedelta(hours=1)
        else:
            runs.append([hour, hour + timedelta(hours=1)])
    return [(lo, hi) for lo, hi in runs]


def _within_hours(conn: Connection, lo: datetime, hi: datetime):
    """Submitted in the UTC hours [lo, hi): the grouping's own hour text decides, exactly as the rebuild counts.

    The instant range around it (a second wider: SQLite stores whole seconds as text without a fraction)
    lets an index on submitted_at, where there is one, find the rows.
    """
    at, hour, second = activities.c.submitted_at, hour_text(conn, activities.c.submitted_at), timedelta(seconds=1)
    return and_(at >= lo - second, at < hi + second,
                hour >= f"{lo:%Y-%m-%d %H}", hour <= f"{hi - timedelta(hours=1):%Y-%m-%d %H}")


def _insert_hours(conn: Connection, ranges: list) -> None:
    """Count reports per Polsek and UTC hour into submission_hours: all of them, or those inside `ranges`."""
    hour = hour_text(conn, activities.c.submitted_at)
    query = (select(villages.c.unit_code, hour, func.count())
             .join(villages, villages.c.code == activities.c.village_code)
             .group_by(villages.c.unit_code, hour))
    if ranges:
        query = query.where(or_(*ranges))
    conn.execute(submission_hours.insert().from_select(["unit_code", "hour", "reports"], query))


def _insert_polda_hours(conn: Connection, ranges: list) -> None:
    """Sum submission_hours per Polda (each Polsek's ancestor at that level): all hours, or those inside `ranges`."""
    h = submission_hours.c
    query = (select(unit_tree.c.ancestor_code, h.hour, func.sum(h.reports))
             .join(unit_tree, unit_tree.c.unit_code == h.unit_code)
             .join(units, and_(units.c.code == unit_tree.c.ancestor_code, units.c.level == "polda"))
             .group_by(unit_tree.c.ancestor_code, h.hour))
    if ranges:
        query = query.where(or_(*ranges))
    conn.execute(polda_submission_hours.insert().from_select(["unit_code", "hour", "reports"], query))
