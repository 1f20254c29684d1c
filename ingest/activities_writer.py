"""Activities written set-wise: checked batches go to a staging table, then SQL sorts and writes them.

Memory follows the batch, not the file: each batch (a DataFrame, see ingest/columnar.py COLUMNS) gets its GPS
distances and is copied into the staging table; new / changed / unchanged are then counted by one
join with the stored activities, and new and changed rows written by one INSERT and one UPDATE.

Work tables for the steps after the write (group flags, rollups, aggregates), TEMPORARY and alive
until the import's transaction ends (PostgreSQL: ON COMMIT DROP; SQLite: drop_work_tables()):
- touched_reports (report_id PK, is_new boolean): reports the import inserts (is_new) or updates.

The narrative is staged with the row but written to activity_texts (a row only where there is one), so that
activities stays narrow for the window scans.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    false,
    func,
    inspect,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.schema import AddConstraint, DropTable

from ingest.changes import REPLACED_COLUMNS, ActivityChanges
from ingest.derive import stored_geometries
from ingest.geo import distances_to_projected_m, haversine_km, projected_polygon
from ingest.group_flags import update_group_measures
from ingest.upsert import CONTENT_COLUMNS
from queries.db import rows_up_to
from queries.flags import stored_flag_values
from queries.policy import Policy
from queries.schema import activities, activity_texts, code_column

# A first load of at least this many reports drops the secondary indexes (PostgreSQL: and the foreign
# keys) of activities and builds them once afterwards: cheaper than maintaining them row by row.
BULK_THRESHOLD = 100_000

STAGED_COLUMNS = ("report_id", "nrp", "village_code", "activity_type", "activity_at", "submitted_at", "local_date",
                  "lat", "lng", "household_id", "narrative", "photo_sha256", "delay_seconds", "gps_distance_m",
                  "narrative_key")
ACTIVITY_COLUMNS = tuple(name for name in STAGED_COLUMNS if name in activities.c)  # all but the narrative
MEASURE_COLUMNS = ("travel_km", "travel_seconds", "flag_duplicate_photo", "flag_duplicate_narrative")
STREAM_ROWS = 100_000  # rows per fetch when a first load's travel is measured
SQLITE_INSTANT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite (text)

_work = MetaData()
touched_reports = Table(
    "touched_reports", _work,
    Column("report_id", code_column(), primary_key=True),
    Column("is_new", Boolean, nullable=False),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)
# The group measures of the incoming reports, computed before they are written, so each row is written once.
incoming_measures = Table(
    "incoming_measures", _work,
    Column("report_id", code_column(), primary_key=True),
    *(Column(name, activities.c[name].type) for name in MEASURE_COLUMNS[:2]),
    *(Column(name, Boolean) for name in MEASURE_COLUMNS[2:]),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)


def staging_table(dialect: str) -> Table:
    """The staging table: the activities' columns as imported. Keyed on SQLite, whose joins need the index;
    PostgreSQL hash-joins it, so a key would only slow the COPY."""
    keyed = dialect == "sqlite"
    return Table(
        "staging_activities", MetaData(),
        *(Column(name, _stored_type(name), primary_key=keyed and name == "report_id") for name in STAGED_COLUMNS),
        prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
    )


def _stored_type(name: str):
    """The type of a staged column where it is stored: activities, or activity_texts for the narrative."""
    return (activities.c[name] if name in activities.c else activity_texts.c[name]).type


class VillageShapes:
    """Village polygons parsed and projected once per import, for the GPS distance of every batch."""

    def __init__(self, conn: Connection, imported: dict[str, str | None]):
        self.conn = conn
        self.imported = imported  # polygons of this import's villages.geojson win over the stored ones
        self.shapes: dict[str, tuple | None] = {}

    def distances(self, frame: pd.DataFrame) -> np.ndarray:
        """Metres from each row's point to its village polygon (NaN without GPS or polygon)."""
        result = np.full(len(frame), np.nan)
        located = (frame["lat"].notna() & frame["lng"].notna()).to_numpy()
        positions = np.flatnonzero(located)
        codes = frame["village_code"].to_numpy()[positions]
        self._load(set(codes) - self.shapes.keys())
        lat, lng = frame["lat"].to_numpy()[positions], frame["lng"].to_numpy()[positions]
        for code, members in pd.Series(codes).groupby(codes, sort=False).indices.items():
            shape = self.shapes[code]
            if shape is not None:
                result[positions[members]] = distances_to_projected_m(shape, lat[members], lng[members])
        return result

    def _load(self, codes: set[str]) -> None:
        stored = stored_geometries(self.conn, codes - self.imported.keys())
        for code in codes:
            geometry = self.imported[code] if code in self.imported else stored.get(code)
            self.shapes[code] = projected_polygon(geometry) if geometry else None


class ActivitiesWriter:
    """One import's activities: staged batch by batch, sorted into new / changed / unchanged in SQL, written."""

    def __init__(self, conn: Connection, imported_geometries: dict[str, str | None]):
        self.conn = conn
        self.shapes = VillageShapes(conn, imported_geometries)
        self.staging = staging_table(conn.dialect.name)
        self.staged = self.new = self.changed = 0
        self.bulk = self.first_load = False
        for table in self._work_tables():
            if conn.dialect.name == "sqlite":
                # SQLite runs DDL outside the import's transaction: a dry run's tables outlive its rollback.
                conn.execute(DropTable(table, if_exists=True))
            table.create(conn)

    @property
    def unchanged(self) -> int:
        return self.staged - self.new - self.changed

    def stage(self, batches: Iterable[pd.DataFrame], progress: Callable | None = None, total: int = 0) -> None:
        """Give each batch its GPS distances and copy it into the staging table."""
        for frame in batches:
            frame = frame.assign(gps_distance_m=self.shapes.distances(frame))
            write_frame(self.conn, self.staging, frame)
            self.staged += len(frame)
            if progress:
                progress("stage activities", self.staged, max(total, self.staged))

    def discard(self) -> None:
        """Forget every staged row (the fast reader declined mid-file; the exact reader starts again)."""
        self.conn.execute(self.staging.delete())
        self.staged = 0

    def classify(self) -> None:
        """Fill touched_reports with the new and changed reports (one join), and count them."""
        s, a, t, x = self.staging, activities, touched_reports, activity_texts
        joined = a.c.report_id == s.c.report_id
        new = (select(s.c.report_id, true()).select_from(s.outerjoin(a, joined)).where(a.c.report_id.is_(None)))
        stored = {name: (x.c[name] if name == "narrative" else a.c[name]) for name in CONTENT_COLUMNS["activities"]}
        # NULL-safe comparison (IS DISTINCT FROM / IS NOT): the same rule as upsert.diff_table's `!=` in Python.
        # A report without a text row has a NULL narrative, as the staged row without one.
        differs = or_(*(column.is_distinct_from(s.c[name]) for name, column in stored.items()))
        changed = (select(s.c.report_id, false())
                   .select_from(s.join(a, joined).outerjoin(x, x.c.report_id == s.c.report_id)).where(differs))
        self.conn.execute(t.insert().from_select(["report_id", "is_new"], new))
        self.conn.execute(t.insert().from_select(["report_id", "is_new"], changed))
        counts = dict(self.conn.execute(select(t.c.is_new, func.count()).group_by(t.c.is_new)).all())
        self.new, self.changed = counts.get(True, 0), counts.get(False, 0)

    def write(self, batch_id: int, policy: Policy) -> ActivityChanges:
        """Insert the new reports, update the changed ones (stamped with the batch), each with its group
        measures; bring the group measures of stored reports sharing a group up to date; say what was touched."""
        s, t, m = self.staging, touched_reports, incoming_measures
        replaced = self._replaced_rows()
        first_load = self.first_load = rows_up_to(self.conn, activities, 1) == 0
        self.bulk = first_load and self.new >= BULK_THRESHOLD
        # A first load gets its group measures from the staging table as it is written (each row written once);
        # later imports write theirs unset, and group_flags computes them with the stored rows of their groups.
        measures = {}
        if first_load:
            self._measure_first_load_travel()
            measures = self._first_load_duplicates() | {name: m.c[name] for name in MEASURE_COLUMNS[:2]}
        values = {name: s.c[name] for name in ACTIVITY_COLUMNS} | measures
        # The stored flags of the new rows as they are written: updating millions of rows afterwards costs as much
        # as writing them. Unset group measures read as not flagged; group_flags and refresh_flags follow.
        unset = {"travel_km": null(), "travel_seconds": null(), "flag_duplicate_photo": false(),
                 "flag_duplicate_narrative": false()}
        values |= stored_flag_values(policy, SimpleNamespace(c=SimpleNamespace(**(unset | values))))
        values["batch_id"] = literal(batch_id, Integer)
        with secondary_indexes_dropped(self.conn) if self.bulk else _nothing():
            if self.new:
                joined = s.join(t, t.c.report_id == s.c.report_id)
                if first_load:
                    joined = joined.outerjoin(m, m.c.report_id == s.c.report_id)
                rows = select(*values.values()).select_from(joined).where(t.c.is_new)
                if first_load:
                    # Rows laid down by date and village: a window's scan then reads the window's pages, not
                    # a share of every page (an export's rows come in any order). Later imports append by day.
                    rows = rows.order_by(s.c.local_date, s.c.village_code)
                self.conn.execute(activities.insert().from_select(list(values), rows))
            if self.changed:
                updated = select(t.c.report_id).where(~t.c.is_new)
                del values["report_id"]
                self.conn.execute(activities.update()
                                  .where(activities.c.report_id == s.c.report_id, s.c.report_id.in_(updated))
                                  .values(values))
        self._write_texts()
        if first_load:
            # Every row is new: a set of millions of ids would say less than "rebuild everything".
            return ActivityChanges(report_ids=set(), replaced=[], full=True)
        changes = ActivityChanges(report_ids=set(self.conn.execute(select(t.c.report_id)).scalars()),
                                  replaced=replaced)
        changes.report_ids |= update_group_measures(self.conn, changes)
        return changes

    def _write_texts(self) -> None:
        """The narratives of the new and changed reports into activity_texts: a changed report's row is replaced
        (or goes, if its narrative went)."""
        s, t, x = self.staging, touched_reports, activity_texts
        if self.changed:
            self.conn.execute(x.delete().where(x.c.report_id.in_(select(t.c.report_id).where(~t.c.is_new))))
        if self.new or self.changed:
            texts = (select(s.c.report_id, s.c.narrative).join(t, t.c.report_id == s.c.report_id)
                     .where(s.c.narrative.is_not(None)))
            self.conn.execute(x.insert().from_select(["report_id", "narrative"], texts))

    def _first_load_duplicates(self) -> dict:
        """Duplicate flags and narrative_repeats of a first load, in SQL: every report but the earliest of its group
        is one."""
        s = self.staging
        earliest_first = (s.c.submitted_at, s.c.report_id)
        photo_rank = func.row_number().over(partition_by=s.c.photo_sha256, order_by=earliest_first)
        narrative_rank = func.row_number().over(partition_by=(s.c.nrp, s.c.narrative_key), order_by=earliest_first)
        repeat_rank = func.row_number().over(partition_by=s.c.narrative_key, order_by=earliest_first)
        return {
            "flag_duplicate_photo": case((and_(s.c.photo_sha256.is_not(None), photo_rank > 1), true()), else_=false()),
            "flag_duplicate_narrative": case((and_(s.c.narrative_key.is_not(None), narrative_rank > 1), true()),
                                             else_=false()),
            # Not a flag: the narrative clusters' candidates (group_flags keeps it on later imports).
            "narrative_repeats": case((and_(s.c.narrative_key.is_not(None), repeat_rank > 1), true()), else_=false()),
        }

    def _measure_first_load_travel(self) -> None:
        """Travel from each GPS report to the officer's previous one, streamed in (nrp, activity_at, report_id)
        order, a fetch at a time: memory follows the fetch, not the load."""
        s = self.staging
        located = (select(s.c.report_id, s.c.nrp, s.c.activity_at, s.c.lat, s.c.lng)
                   .where(s.c.lat.is_not(None), s.c.lng.is_not(None))
                   .order_by(s.c.nrp, s.c.activity_at, s.c.report_id))
        previous = None  # the last row of the fetch before: the first of this fetch may follow it
        # Options of this statement only: Connection.execution_options would change every later statement too.
        result = self.conn.execute(located, execution_options={"stream_results": True, "yield_per": STREAM_ROWS})
        for part in result.partitions():
            frame = pd.DataFrame([tuple(row) for row in part], columns=list(located.selected_columns.keys()))
            if previous is not None:
                frame = pd.concat([previous, frame], ignore_index=True)
            previous = frame.iloc[-1:]
            write_frame(self.conn, incoming_measures, travel_between(frame))

    def drop_work_tables(self) -> None:
        """Drop the staging and touched tables (PostgreSQL drops them at commit anyway)."""
        if self.conn.dialect.name == "sqlite":
            for table in self._work_tables():
                self.conn.execute(DropTable(table, if_exists=True))

    def _work_tables(self) -> tuple[Table, ...]:
        return self.staging, touched_reports, incoming_measures

    def _replaced_rows(self) -> list[dict]:
        """The stored version of every report about to be updated."""
        if not self.changed:
            return []
        t = touched_reports
        rows = self.conn.execute(select(*(activities.c[name] for name in REPLACED_COLUMNS))
                                 .join(t, t.c.report_id == activities.c.report_id).where(~t.c.is_new))
        return [dict(row) for row in rows.mappings()]


@contextmanager
def secondary_indexes_dropped(conn: Connection):
    """Drop the activities' secondary indexes (PostgreSQL: and foreign keys) for a bulk load; re-create them after.

    Re-created from the schema's own Index and ForeignKeyConstraint objects, so they come back exactly as
    queries/schema.py defines them. Inside the import's transaction: if the load fails, the rollback
    brings them back (PostgreSQL and SQLite DDL are transactional).
    """
    indexes = sorted(activities.indexes, key=lambda index: index.name)
    constraints = []
    if conn.dialect.name == "postgresql":
        # Named by the database (activities_nrp_fkey ...): the names come from the catalogue.
        operations = Operations(MigrationContext.configure(conn))
        for found in inspect(conn).get_foreign_keys(activities.name):
            operations.drop_constraint(found["name"], activities.name, type_="foreignkey")
        constraints = sorted(activities.foreign_key_constraints, key=lambda fk: fk.column_keys)
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)
    for constraint in constraints:
        # isolate_from_table=False: by default AddConstraint marks the schema's own constraint as "not in
        # CREATE TABLE", and every later create_all in the process would make activities without it.
        conn.execute(AddConstraint(constraint, isolate_from_table=False))


@contextmanager
def _nothing():
    yield


def travel_between(frame: pd.DataFrame) -> pd.DataFrame:
    """Kilometres and seconds from each row to the row before it of the same officer (frame in travel order).

    The first row of the frame is only a predecessor; an officer's first report gets no row (NULL travel).
    """
    follows = (frame["nrp"].to_numpy()[1:] == frame["nrp"].to_numpy()[:-1])
    lat, lng = frame["lat"].to_numpy(dtype=float), frame["lng"].to_numpy(dtype=float)
    km = haversine_km(lat[:-1], lng[:-1], lat[1:], lng[1:])
    at = frame["activity_at"].to_numpy()
    seconds = (at[1:] - at[:-1]) / np.timedelta64(1, "s")
    return pd.DataFrame({"report_id": frame["report_id"].to_numpy()[1:][follows], "travel_km": km[follows],
                         "travel_seconds": seconds[follows]})


def write_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Append a frame's columns of the same names to a table: COPY on PostgreSQL, executemany on SQLite."""
    if len(frame):
        columns = [column for column in table.columns if column.name in frame.columns]
        (_copy_postgresql if conn.dialect.name == "postgresql" else _insert_sqlite)(conn, table, frame, columns)


def _arrow_type(column: Column) -> pa.DataType:
    kinds = {DateTime: pa.timestamp("us"), Date: pa.date32(), Float: pa.float64(), Boolean: pa.bool_()}
    return next((kind for sql_type, kind in kinds.items() if isinstance(column.type, sql_type)), pa.string())


def _copy_postgresql(conn: Connection, table: Table, frame: pd.DataFrame, columns: list[Column]) -> None:
    """COPY a batch as CSV that pyarrow writes in C: no per-row Python formatting."""
    from psycopg import sql

    names = [column.name for column in columns]
    arrow = pa.Table.from_pandas(frame[names], preserve_index=False).select(names)
    arrow = arrow.cast(pa.schema([(column.name, _arrow_type(column)) for column in columns]))
    buffer = io.BytesIO()
    # Text is always quoted and NULL is an empty unquoted field: COPY's CSV tells them apart.
    pa_csv.write_csv(arrow, buffer, pa_csv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(name) for name in names))
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getbuffer())


def _insert_sqlite(conn: Connection, table: Table, frame: pd.DataFrame, columns: list[Column]) -> None:
    """A batch through the driver's executemany, timestamps as the text SQLAlchemy stores them."""
    names = [column.name for column in columns]
    values = frame[names].copy()
    for column in columns:
        if isinstance(column.type, DateTime):
            values[column.name] = values[column.name].dt.strftime(SQLITE_INSTANT)
        elif isinstance(column.type, Date):
            values[column.name] = values[column.name].dt.strftime("%Y-%m-%d")
    values = values.astype(object).where(values.notna(), None)
    statement = str(table.insert().compile(dialect=conn.dialect, column_keys=names))
    conn.exec_driver_sql(statement, list(values.itertuples(index=False, name=None)))
