"""Upsert on natural keys: find which incoming rows are new, changed or unchanged, then write them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, and_, bindparam, select

from queries import schema
from queries.db import rows_up_to
from queries.hierarchy import LEVEL_ORDER

CHUNK = 900  # bound parameters per IN list; below SQLite's historical limit of 999

# Columns that come from the export row itself: a difference in one of them is an update.
# Derived columns (local dates, delays, flags, bounding boxes) follow from these.
CONTENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("name", "level", "parent_code"),
    "villages": ("name", "unit_code", "district", "regency", "province", "population", "households",
                 "households_estimated", "timezone", "lat", "lng", "geometry"),
    "officers": ("name", "rank", "unit_code", "active_from", "active_to"),
    "assignments": ("end_date",),
    "leaves": ("end_date",),
    "outages": ("end_at", "note"),
    "activities": ("nrp", "village_code", "activity_type", "activity_at", "submitted_at", "lat", "lng",
                   "household_id", "narrative", "photo_sha256"),
    "complaints": ("village_code", "category", "channel", "created_at", "first_response_at", "resolved_at",
                   "nrp"),
    "crimes": ("village_code", "category", "occurred_at"),
}
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("code",),
    "villages": ("code",),
    "officers": ("nrp",),
    "assignments": ("nrp", "village_code", "start_date"),
    "leaves": ("nrp", "start_date"),
    "outages": ("unit_code", "start_at"),
    "activities": ("report_id",),
    "complaints": ("complaint_id",),
    "crimes": ("incident_id",),
}


@dataclass
class TableDiff:
    """Incoming rows of one table sorted by what writing them would do."""

    table: str
    new: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    unchanged: int = 0
    previous: dict[tuple, dict] = field(default_factory=dict)  # old content of changed rows, by key


def table_of(name: str) -> Table:
    return schema.metadata.tables[name]


def key_of(record: dict, table: str) -> tuple:
    return tuple(record[col] for col in KEY_COLUMNS[table])


def diff_table(conn: Connection, table: str, records: list[dict]) -> TableDiff:
    """Compare incoming records with the stored rows of the same natural key."""
    result = TableDiff(table)
    if not records:
        return result
    existing = fetch_existing(conn, table, [key_of(r, table) for r in records])
    content = CONTENT_COLUMNS[table]
    for record in records:
        key = key_of(record, table)
        stored = existing.get(key)
        if stored is None:
            result.new.append(record)
        elif any(stored[col] != record[col] for col in content):
            result.changed.append(record)
            result.previous[key] = stored
        else:
            result.unchanged += 1
    return result


def fetch_existing(conn: Connection, table: str, keys: list[tuple]) -> dict[tuple, dict]:
    """Stored rows (key and content columns) for the given natural keys."""
    t = table_of(table)
    key_cols = KEY_COLUMNS[table]
    wanted = [t.c[col] for col in key_cols + CONTENT_COLUMNS[table]]
    whole = max(50_000, 4 * len(keys))
    stored_count = rows_up_to(conn, t, whole + 1)  # counted only as far as the choice below needs
    if stored_count == 0:
        return {}
    rows = []
    if stored_count <= whole or table == "outages":
        # Reading a small table whole is cheaper than many IN lists (and outage keys may be NULL).
        rows = conn.execute(select(*wanted)).mappings().all()
    else:
        first = key_cols[0]
        values = sorted({key[0] for key in keys})
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            rows.extend(conn.execute(select(*wanted).where(t.c[first].in_(chunk))).mappings().all())
    found = {}
    wanted_keys = set(keys)
    for row in rows:
        key = tuple(row[col] for col in key_cols)
        if key in wanted_keys:
            found[key] = dict(row)
    return found


def write_diff(conn: Connection, diff: TableDiff, batch_id: int, progress=None) -> None:
    """Insert the new rows and update the changed ones, stamping them with the batch."""
    t = table_of(diff.table)
    if diff.new:
        new = diff.new
        if diff.table == "units":
            # Parents before children: the self-referencing foreign key is checked per row.
            new = sorted(new, key=lambda r: LEVEL_ORDER[r["level"]])
        for start in range(0, len(new), 20_000):
            # Stamped a chunk at a time: a copy of millions of rows at once would double the memory.
            bulk_insert(conn, t, [dict(record, batch_id=batch_id) for record in new[start:start + 20_000]])
            if progress:
                progress(f"write {diff.table}", min(start + 20_000, len(new)), len(new))
    if diff.changed:
        if diff.table == "outages":
            return _update_outages(conn, diff, batch_id)
        key_cols = KEY_COLUMNS[diff.table]
        columns = [col for col in diff.changed[0] if col not in key_cols]
        condition = and_(*(t.c[col] == bindparam(f"k_{col}") for col in key_cols))
        statement = t.update().where(condition).values(
            {col: bindparam(f"v_{col}") for col in columns + ["batch_id"]}
        )
        params = []
        for record in diff.changed:
            param = {f"k_{col}": record[col] for col in key_cols}
            param.update({f"v_{col}": record[col] for col in columns})
            param["v_batch_id"] = batch_id
            params.append(param)
        conn.execute(statement, params)


def _update_outages(conn: Connection, diff: TableDiff, batch_id: int) -> None:
    """Outages are keyed by (unit_code, start_at) where NULL means everywhere, and NULL = NULL never matches."""
    t = schema.outages
    for record in diff.changed:
        unit_match = t.c.unit_code.is_(None) if record["unit_code"] is None else t.c.unit_code == record["unit_code"]
        conn.execute(
            t.update()
            .where(unit_match, t.c.start_at == record["start_at"])
            .values(end_at=record["end_at"], note=record["note"], batch_id=batch_id)
        )


def bulk_insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, the driver's own executemany elsewhere.

    Both run in the connection's open transaction, and both take values already in Python
    types; SQLAlchemy's per-row statement machinery costs more than the database here.
    """
    # In table order: the compiled INSERT lists its columns that way.
    columns = [col.name for col in table.columns if col.name in rows[0]]
    if conn.dialect.name == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(col) for col in columns))
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[col] for col in columns])
        return
    processors = [(col, table.c[col].type.bind_processor(conn.dialect)) for col in columns]
    statement = str(table.insert().compile(dialect=conn.dialect, column_keys=columns))
    conn.exec_driver_sql(statement, [
        tuple(row[col] if process is None or row[col] is None else process(row[col]) for col, process in processors)
        for row in rows
    ])
