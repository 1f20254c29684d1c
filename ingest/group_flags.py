"""The group measures behind three flags, recomputed set-wise in SQL over rows already written.

duplicate_photo and duplicate_narrative: ROW_NUMBER() > 1 within the photo / (officer, narrative)
group, ordered by (submitted_at, report_id); so is narrative_repeats (internal, not a flag) within the
narrative of every officer. Travel: distance and time from the officer's previous
GPS report by (activity_at, report_id); SQL finds the pairs with LAG, numpy measures them with
ingest.geo.haversine_km, so the stored floats are bit for bit those of every earlier import (the
database's sin and cos need not round like numpy's). Only rows whose value changes are written.

An import recomputes the groups it touches: the photos, narratives and (officer, narrative) keys of its
rows old and new, and each of its officers' travel from just before the earliest report it changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Float,
    MetaData,
    Select,
    Table,
    and_,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.dml import Update

from ingest.changes import ActivityChanges
from ingest.geo import haversine_km
from ingest.upsert import bulk_insert
from queries.db import rows_up_to
from queries.schema import SHA256_HEX, activities, code_column

IDS_PER_STATEMENT = 900  # bound parameters per IN list; below SQLite's historical limit of 999

A = activities.c
TRAVEL_ORDER = (A.activity_at, A.report_id)
DUPLICATE_ORDER = (A.submitted_at, A.report_id)
HAS_GPS = and_(A.lat.is_not(None), A.lng.is_not(None))
PAIRS_PER_FETCH = 50_000  # travel pairs measured at a time: bounded memory on a national table
MICROSECONDS = 1_000_000
WHOLE_TABLE_SHARE = 0.5  # an import touching this share of the table recomputes all of it in one pass


def update_group_measures(conn: Connection, changes: ActivityChanges) -> set[str]:
    """Bring the group measures up to date after an import; return the stored reports they changed.

    The returned ids are those not already in changes.report_ids (they join the changes, so
    rollups follow them); a changed narrative_repeats alone names none (nothing downstream reads it).
    With changes.full every row is recomputed and nothing is returned: everything downstream is
    rebuilt anyway.
    """
    if changes.full:
        _whole_table(conn, collect=False)
        return set()
    if not changes.report_ids and not changes.replaced:
        return set()
    touched = len(changes.report_ids)
    total = _stored_rows_that_decide(conn, touched)
    if touched >= total:
        # Every stored row is one of the import's (a first load): no other row to name.
        _whole_table(conn, collect=False)
        return set()
    if touched >= WHOLE_TABLE_SHARE * total:
        # One pass over the whole table beats joining a large share of it through the touched keys.
        return _whole_table(conn, collect=True) - changes.report_ids
    with _temporary(conn, _reports_table(), ({"report_id": rid} for rid in changes.report_ids)) as reports:
        groups = _touched_groups(conn, reports, changes.replaced)
        changed = _update_photos(conn, reports, groups["photos"])
        changed |= _update_narratives(conn, reports, groups["narratives"])
        _update_repeats(conn, reports, groups["keys"])
        changed |= _update_travel(conn, reports, groups["starts"])
    return changed - changes.report_ids


def rebuild_group_measures(conn: Connection) -> set[str]:
    """Recompute the group measures of every stored activity (refresh-flags); return the reports changed."""
    return _whole_table(conn, collect=True)


def _whole_table(conn: Connection, collect: bool) -> set[str]:
    """Every group recomputed in one pass per measure."""
    changed = _run(conn, _ranked_update("flag_duplicate_photo", [A.photo_sha256], A.photo_sha256.is_not(None)),
                   collect)
    changed |= _run(conn, _cleared("flag_duplicate_photo", A.photo_sha256.is_(None)), collect)
    changed |= _run(conn, _ranked_update("flag_duplicate_narrative", [A.nrp, A.narrative_key],
                                         A.narrative_key.is_not(None)), collect)
    changed |= _run(conn, _cleared("flag_duplicate_narrative", A.narrative_key.is_(None)), collect)
    _run(conn, _ranked_update("narrative_repeats", [A.narrative_key], A.narrative_key.is_not(None)), False)
    _run(conn, _cleared("narrative_repeats", A.narrative_key.is_(None)), False)
    changed |= _run(conn, _travel_cleared(~HAS_GPS), collect)
    changed |= _write_travel(conn, _travel_pairs(conn), collect)
    return changed


def _touched_groups(conn: Connection, reports: Table, replaced: list[dict]) -> dict:
    """Photos, narrative keys, (officer, narrative key) pairs and each officer's earliest activity_at of the
    changed rows."""
    current = conn.execute(select(A.nrp, A.activity_at, A.photo_sha256, A.narrative_key)
                           .join(reports, reports.c.report_id == A.report_id)).all()
    members = [tuple(row) for row in current] + [
        (row["nrp"], row["activity_at"], row["photo_sha256"], row["narrative_key"]) for row in replaced]
    starts: dict[str, datetime] = {}
    for nrp, activity_at, _, _ in members:
        starts[nrp] = min(activity_at, starts.get(nrp, activity_at))
    return {
        "photos": {photo for _, _, photo, _ in members if photo},
        "narratives": {(nrp, key) for nrp, _, _, key in members if key},
        "keys": {key for _, _, _, key in members if key},
        "starts": starts,
    }


def _update_photos(conn: Connection, reports: Table, photos: set[str]) -> set[str]:
    """duplicate_photo within the touched photos; cleared on changed rows that lost their photo."""
    changed = _run(conn, _cleared("flag_duplicate_photo", A.photo_sha256.is_(None), reports), True)
    if not photos:
        return changed
    rows = ({"photo_sha256": photo} for photo in photos)
    with _temporary(conn, _photos_table(), rows) as touched:
        joined = activities.join(touched, touched.c.photo_sha256 == A.photo_sha256)
        changed |= _run(conn, _ranked_update("flag_duplicate_photo", [A.photo_sha256], None, joined), True)
    return changed


def _update_narratives(conn: Connection, reports: Table, narratives: set[tuple[str, str]]) -> set[str]:
    """duplicate_narrative within the touched (officer, narrative) groups; cleared on rows that lost theirs."""
    changed = _run(conn, _cleared("flag_duplicate_narrative", A.narrative_key.is_(None), reports), True)
    if not narratives:
        return changed
    rows = ({"nrp": nrp, "narrative_key": key} for nrp, key in narratives)
    with _temporary(conn, _narratives_table(), rows) as touched:
        joined = activities.join(touched, and_(touched.c.nrp == A.nrp, touched.c.narrative_key == A.narrative_key))
        changed |= _run(conn, _ranked_update("flag_duplicate_narrative", [A.nrp, A.narrative_key], None, joined),
                        True)
    return changed


def _update_repeats(conn: Connection, reports: Table, keys: set[str]) -> None:
    """narrative_repeats of the touched keys; cleared on changed rows that lost their key.

    The mark is "not the key's first report", so besides the changed rows only two of a key's reports can
    change: its first now, and its first not re-imported (the first before, unless a changed row was). Both
    are one step down ix_activities_narrative_order: re-ranking a template narrative's hundreds of thousands
    of reports at every import read most of the table. Nothing is collected: no flag, rollup or aggregate
    reads the mark."""
    _run(conn, _cleared("narrative_repeats", A.narrative_key.is_(None), reports), False)
    if not keys:
        return
    with _temporary(conn, _keys_table(), ({"narrative_key": key} for key in keys)) as touched:
        k = touched.c
        x = activities.alias("x").c

        def first(*conditions) -> ColumnElement:
            return (select(x.report_id).where(x.narrative_key == k.narrative_key, *conditions)
                    .order_by(x.submitted_at, x.report_id).limit(1).scalar_subquery())

        changed = select(reports.c.report_id)
        conn.execute(touched.update().values(first_id=first(),
                                             kept_first_id=first(x.report_id.not_in(changed))))
        candidates = conn.execute(changed.union(select(k.first_id), select(k.kept_first_id))).scalars().all()
        # The key's first as a scalar lookup, not a join on the key: joined, a planner may walk every report of a
        # template key to find the few candidates among them.
        value = A.report_id != select(k.first_id).where(k.narrative_key == A.narrative_key).scalar_subquery()
        # The candidates as literal id lists, each row found by its key: joined as a subquery, PostgreSQL hashed
        # them and scanned the whole table (a national daily file: 14 M rows for some 40,000 candidates).
        ids = sorted(report_id for report_id in candidates if report_id is not None)
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            part = ids[start:start + IDS_PER_STATEMENT]
            stale = conn.execute(select(A.report_id, value).where(A.report_id.in_(part), A.narrative_key.is_not(None),
                                                                  A.narrative_repeats != value)).all()
            for marked in (True, False):
                chosen = [report_id for report_id, repeats in stale if bool(repeats) == marked]
                if chosen:
                    conn.execute(activities.update().where(A.report_id.in_(chosen)).values(narrative_repeats=marked))


def _update_travel(conn: Connection, reports: Table, starts: dict[str, datetime]) -> set[str]:
    """Travel of each touched officer's GPS reports from its earliest changed activity_at on.

    A report's measure depends on its predecessor only, so the window starts at the last GPS
    report before that instant (the first pair's predecessor) and earlier rows are left alone.
    """
    changed = _run(conn, _travel_cleared(and_(~HAS_GPS, A.report_id.in_(select(reports.c.report_id)))), True)
    if not starts:
        return changed
    rows = ({"nrp": nrp, "start_at": at} for nrp, at in starts.items())
    with _temporary(conn, _officers_table(), rows) as officers:
        before = (select(func.max(A.activity_at)).where(A.nrp == officers.c.nrp, HAS_GPS,
                                                        A.activity_at < officers.c.start_at)
                  .scalar_subquery())
        conn.execute(officers.update().values(from_at=func.coalesce(before, officers.c.start_at)))
        window = officers.join(activities, and_(A.nrp == officers.c.nrp, A.activity_at >= officers.c.from_at))
        changed |= _write_travel(conn, _travel_pairs(conn, window, since=officers.c.start_at), True)
    return changed


def _travel_pairs(conn: Connection, source=activities, since: ColumnElement | None = None) -> Select:
    """Each GPS report of `source` with its stored travel, the previous GPS report's point and the time since.

    With `since` (a column of `source`), only reports from that instant on.
    """
    def previous(column, type_):
        return func.lag(column, type_=type_).over(partition_by=A.nrp, order_by=TRAVEL_ORDER)

    extra = [] if since is None else [since.label("since")]
    window = (select(A.report_id, A.lat, A.lng, A.activity_at, A.travel_km, A.travel_seconds,
                     previous(A.lat, Float).label("prev_lat"), previous(A.lng, Float).label("prev_lng"),
                     previous(A.activity_at, DateTime).label("prev_at"), *extra)
              .select_from(source).where(HAS_GPS).subquery("pairs"))
    w = window.c
    # Both operands doubles: the one correctly rounded quotient, as in Python.
    seconds = cast(_elapsed_microseconds(conn, w.activity_at, w.prev_at), Float) / literal(float(MICROSECONDS), Float)
    pairs = select(w.report_id, w.lat, w.lng, w.prev_lat, w.prev_lng, w.travel_km, w.travel_seconds,
                   seconds.label("seconds"))
    return pairs if since is None else pairs.where(w.activity_at >= w.since)


def _elapsed_microseconds(conn: Connection, later, earlier) -> ColumnElement:
    """Whole microseconds between two timestamps, exact (divided by 10**6 as timedelta.total_seconds() does)."""
    if conn.dialect.name == "postgresql":
        return cast(extract("epoch", later - earlier) * MICROSECONDS, BigInteger)
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, microseconds from the text.
    def whole(at):  # the text's seconds only: SQLite rounds a time to milliseconds, so :14.9995 would read :15
        return cast(func.strftime("%s", func.substr(at, 1, 19)), BigInteger)

    def micro(at):
        return cast(func.substr(at, 21, 6), BigInteger)

    return (whole(later) - whole(earlier)) * MICROSECONDS + micro(later) - micro(earlier)


def _write_travel(conn: Connection, pairs: Select, collect: bool) -> set[str]:
    """Measure the pairs a batch at a time and write the travel values that differ from the stored ones."""
    with _temporary(conn, _travel_table(), ()) as computed:
        result = conn.execute(pairs.execution_options(yield_per=PAIRS_PER_FETCH))
        for batch in result.partitions():
            stale = measured_travel(batch)
            if stale:
                bulk_insert(conn, computed, stale)
        _analyze(conn, computed)
        statement = (activities.update().where(A.report_id == computed.c.report_id)
                     .values(travel_km=computed.c.travel_km, travel_seconds=computed.c.travel_seconds))
        return _run(conn, statement, collect)


def measured_travel(rows: list) -> list[dict]:
    """Travel of each (report, previous report) row as every import measures it; only rows whose value changes."""
    report_id, lat, lng, prev_lat, prev_lng, stored_km, stored_seconds, seconds = (
        list(column) for column in zip(*rows))
    seconds = np.array(seconds, dtype=float)
    km = haversine_km(*(np.array(values, dtype=float) for values in (prev_lat, prev_lng, lat, lng)))
    km = np.where(np.isnan(seconds), np.nan, km)  # the officer's first GPS report has no predecessor
    stale = ~(_same(km, np.array(stored_km, dtype=float)) & _same(seconds, np.array(stored_seconds, dtype=float)))
    return [{"report_id": report_id[i], "travel_km": _value(km[i]), "travel_seconds": _value(seconds[i])}
            for i in np.flatnonzero(stale)]


def _same(new: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """Equal floats, or both missing (NaN stands for NULL)."""
    return (new == stored) | (np.isnan(new) & np.isnan(stored))


def _value(number: float) -> float | None:
    return None if np.isnan(number) else float(number)


def _ranked_update(column: str, partition: list, where: ColumnElement | None, source=activities) -> Update:
    """Set `column` to ROW_NUMBER() > 1 within each group of the rows `source` and `where` select."""
    position = func.row_number().over(partition_by=partition, order_by=DUPLICATE_ORDER)
    ranked = select(A.report_id, A[column].label("stored"), (position > 1).label("value")).select_from(source)
    if where is not None:
        ranked = ranked.where(where)
    ranked = ranked.subquery("ranked")
    # Only the stale rows leave the subquery: the UPDATE joins a handful of rows, not the whole ranking.
    stale = select(ranked.c.report_id, ranked.c.value).where(ranked.c.stored != ranked.c.value).subquery("stale")
    return activities.update().where(A.report_id == stale.c.report_id).values({column: stale.c.value})


def _cleared(column: str, without_group: ColumnElement, reports: Table | None = None) -> Update:
    """A flag set on a row outside any group (no photo / no narrative key) is cleared."""
    condition = and_(without_group, A[column])
    if reports is not None:
        condition = and_(condition, A.report_id.in_(select(reports.c.report_id)))
    return activities.update().where(condition).values({column: False})


def _travel_cleared(condition: ColumnElement) -> Update:
    """Reports without GPS have no travel."""
    stored = or_(A.travel_km.is_not(None), A.travel_seconds.is_not(None))
    return activities.update().where(condition, stored).values(travel_km=None, travel_seconds=None)


def _run(conn: Connection, statement: Update, collect: bool) -> set[str]:
    """Execute an UPDATE; with collect, return the report_ids it changed."""
    if not collect:
        conn.execute(statement)
        return set()
    return set(conn.execute(statement.returning(A.report_id)).scalars())


@contextmanager
def _temporary(conn: Connection, table: Table, rows: Iterable[dict]) -> Iterator[Table]:
    """A temporary table filled with rows, dropped afterwards.

    Not dropped after an error: the caller's rollback removes it, and a DROP in an aborted
    PostgreSQL transaction would only hide the error behind its own.
    """
    table.create(conn)
    rows = list(rows)
    if rows:
        bulk_insert(conn, table, rows)
    _analyze(conn, table)
    yield table
    table.drop(conn)


def _stored_rows_that_decide(conn: Connection, touched: int) -> int:
    """The stored row count, counted only as far as the whole-table decisions need (a daily file never
    counts the national table): exact while at most touched / WHOLE_TABLE_SHARE, else just above it."""
    enough = max(touched, int(touched / WHOLE_TABLE_SHARE)) if WHOLE_TABLE_SHARE > 0 else touched
    return rows_up_to(conn, activities, enough + 1)


def _analyze(conn: Connection, table: Table) -> None:
    """PostgreSQL never analyses temporary tables by itself; without statistics it guesses their size."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ANALYZE "{table.name}"')  # a fixed table name, no value


def _temporary_table(name: str, *columns: Column) -> Table:
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])


def _reports_table() -> Table:
    return _temporary_table("tmp_group_reports", Column("report_id", code_column(), primary_key=True))


def _photos_table() -> Table:
    return _temporary_table("tmp_group_photos", Column("photo_sha256", code_column(SHA256_HEX), primary_key=True))


def _narratives_table() -> Table:
    return _temporary_table("tmp_group_narratives", Column("nrp", code_column(), primary_key=True),
                            Column("narrative_key", code_column(SHA256_HEX), primary_key=True))


def _keys_table() -> Table:
    return _temporary_table("tmp_group_keys", Column("narrative_key", code_column(SHA256_HEX), primary_key=True),
                            Column("first_id", code_column()), Column("kept_first_id", code_column()))


def _officers_table() -> Table:
    return _temporary_table("tmp_group_officers", Column("nrp", code_column(), primary_key=True),
                            Column("start_at", DateTime, nullable=False), Column("from_at", DateTime))


def _travel_table() -> Table:
    return _temporary_table("tmp_group_travel", Column("report_id", code_column(), primary_key=True),
                            Column("travel_km", Float), Column("travel_seconds", Float))
