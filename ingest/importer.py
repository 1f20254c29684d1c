"""One import of a BOS export: read, check every row, then write it all in one transaction (or nothing).

Used by `manage.py import`, `manage.py load-sample` and the dashboard's import page alike.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ingest import aggregates, columnar, crime_months, derive, rollups
from ingest.activities_writer import ActivitiesWriter
from ingest.changes import ActivityChanges
from ingest.columnar import Declined, activity_batches, activity_batches_from_table
from ingest.contract import FILES, FILES_BY_NAME, TIMESTAMP_LEAD
from ingest.outlines import OUTLINE_COLUMNS, refresh_outlines
from ingest.reader import (
    ExportError,
    Problem,
    RawExport,
    StreamedFile,
    empty_file_warnings,
    hashed,
    parse_file,
    read_export,
    unknown_columns,
)
from ingest.upsert import TableDiff, diff_table, key_of, write_diff
from ingest.validate import CHECKS, Context, UnitRef, VillageRef, missing_columns
from queries import follow_up
from queries.accounts import record
from queries.db import rows_up_to
from queries.flags import stored_flags_follow
from queries.migrations import create_schema
from queries.policy import Policy, load_policy
from queries.schema import activities, import_batches, metadata, officers, outline_scopes, units, villages
from queries.spreadsheet import neutralise

Progress = Callable[[str, int, int], None]
MAX_STORED_PROBLEMS = 10_000  # kept in the batch history; the rejects file always has all
# Tables whose new or changed rows can change any officer-day (expected days, time zones, outages): the rollups
# are rebuilt then. Officers, assignments and leave could be narrowed to their own officers; not done yet.
CALENDAR_TABLES = ("units", "villages", "officers", "assignments", "leaves", "outages")


@dataclass
class FileCounts:
    """What happened to the rows of one file."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """The outcome of an import or dry run, for the command line, the import page and the history."""

    source: str
    dry_run: bool
    keep_valid: bool
    files: dict[str, FileCounts] = field(default_factory=dict)  # by contract file name
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fatal: str | None = None
    written: bool = False
    batch_id: int | None = None
    seconds: float = 0.0
    # Seconds per phase: read, check, stage, write, flags, rollup (what `manage.py bench` reports).
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.problems

    @property
    def rejected_rows(self) -> int:
        return sum(counts.rejected for counts in self.files.values())

    def totals(self) -> FileCounts:
        total = FileCounts()
        for counts in self.files.values():
            for name in ("read", "new", "updated", "unchanged", "rejected"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
        return total

    def to_json(self) -> str:
        """The report for the import history (problems capped; the rejects file holds them all)."""
        problems = [asdict(p) for p in self.problems[:MAX_STORED_PROBLEMS]]
        return json.dumps({
            "source": self.source,
            "files": {name: asdict(counts) for name, counts in self.files.items()},
            "warnings": self.warnings,
            "problems": problems,
            "problems_total": len(self.problems),
        }, default=str)

    def write_rejects(self, path: str | Path) -> None:
        """Every rejected row with file, line, column, reason and the row as read (JSON); no cell a formula."""
        rows = [(p.file, "" if p.line is None else p.line, p.column, p.reason,
                 json.dumps(p.record, ensure_ascii=False) if p.record is not None else "") for p in self.problems]
        frame = pd.DataFrame(rows, columns=["file", "line", "column", "reason", "record"])
        neutralise(frame).to_csv(path, index=False, encoding="utf-8")


def import_export(
    engine: Engine,
    source: str | Path | RawExport,
    *,
    dry_run: bool = False,
    keep_valid: bool = False,
    imported_by: str | None = None,
    policy: Policy | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an export; with problems, write nothing unless keep_valid (then write the valid rows).

    Every import (not a dry run) is recorded in the audit log, also one that wrote nothing or failed.
    """
    started = time.perf_counter()
    report = ImportReport(source=str(getattr(source, "source", source)), dry_run=dry_run, keep_valid=keep_valid)
    imported_by = imported_by or getpass.getuser()
    create_schema(engine)
    try:
        with phase(report, "read", progress):
            export = source if isinstance(source, RawExport) else read_export(source, stream=True)
    except ExportError as exc:
        report.fatal = str(exc)
    else:
        report.warnings = list(export.warnings)
        try:
            # An export read here is ours to free as it is checked (a 5 M-row export is gigabytes of strings).
            _check_and_write(engine, export, report, imported_by, policy or load_policy(), progress,
                             free=not isinstance(source, RawExport))
        except Exception as exc:
            report.written, report.batch_id = False, None
            if not dry_run:
                _audit_failure(engine, report, imported_by, exc)
            if not isinstance(exc, (SQLAlchemyError, OSError)):
                raise  # a bug, not a refusal by the database or the disk: keep its traceback
            report.fatal = f"the import failed and nothing was written ({_error_text(exc)})"
            report.seconds = time.perf_counter() - started
            return report
    if not dry_run and not report.written:
        with engine.begin() as conn:
            _audit(conn, report, imported_by)
    if report.written:
        totals = report.totals()
        refresh_statistics(engine, written=totals.new + totals.updated)
    report.seconds = time.perf_counter() - started
    if report.batch_id is not None:
        with engine.begin() as conn:
            conn.execute(import_batches.update().where(import_batches.c.id == report.batch_id)
                         .values(report_json=report.to_json()))
    return report


def _check_and_write(engine: Engine, export: RawExport, report: ImportReport, imported_by: str, policy: Policy,
                     progress: Progress | None, free: bool) -> None:
    """Check every row and plan the writes; unless a dry run (or rows were rejected), write, all in one transaction."""
    with engine.connect() as conn, conn.begin() as transaction:
        if not report.dry_run:
            # Checked and planned under the lock too, so a second import sees the first's rows.
            take_import_lock(conn, progress)
        with phase(report, "check", progress):
            records, writer = _check_all(conn, export, report, progress, free=free)
        # Staging ran inside the check, batch by batch; it is timed on its own.
        report.phases["check"] -= report.phases.get("stage", 0.0)
        if report.problems and not report.keep_valid:
            _roll_back(transaction, writer)
            return
        diffs = _plan(conn, records, writer, report, progress)
        if report.dry_run:
            _roll_back(transaction, writer)
            return
        _apply(conn, export, diffs, writer, report, imported_by, policy, progress)
        report.written = True
        _audit(conn, report, imported_by)  # committed with the import, or not at all


def _roll_back(transaction, writer: ActivitiesWriter | None) -> None:
    """Undo everything; SQLite's temporary tables would outlive the rollback, so they go first."""
    if writer is not None:
        writer.drop_work_tables()
    transaction.rollback()


@contextmanager
def phase(report: ImportReport, name: str, progress: Progress | None = None) -> Iterator[None]:
    """Time one phase of the import into report.phases (added up if it runs more than once)."""
    if progress:
        progress(name, 0, 1)
    started = time.perf_counter()
    try:
        yield
    finally:
        report.phases[name] = report.phases.get(name, 0.0) + time.perf_counter() - started
    if progress:
        progress(name, 1, 1)


VACUUM_SHARE = 0.1  # PostgreSQL: an import writing less than this share of the activities is only ANALYZEd
IMPORT_LOCK = 0x42_4F_53_49  # "BOSI": the advisory lock class of imports (PostgreSQL)
WAITING = "waiting for another import"  # the progress stage while the lock is held elsewhere
# SQLite: try the write lock for 100 ms, then say "waiting for another import" and wait as long as it
# takes; afterwards the connection's usual busy timeout (30 s, queries/db.py) again.
SQLITE_TRY_LOCK = "PRAGMA busy_timeout = 100"
SQLITE_USUAL_WAIT = "PRAGMA busy_timeout = 30000"


def take_import_lock(conn: Connection, progress: Progress | None = None) -> None:
    """Hold the database's import lock until the transaction ends; say so if another import has it.

    Imports (and refresh-flags) change the group flags of rows other imports bring, so two at
    once must give what the same two give in sequence: the second waits, then sees the first's rows.
    """
    if conn.dialect.name == "postgresql":
        # Keyed by schema as well: one server may hold several databases' schemas.
        key = (IMPORT_LOCK, func.hashtext(func.current_schema()))
        if not conn.execute(select(func.pg_try_advisory_xact_lock(*key))).scalar_one():
            _waiting(progress)
            conn.execute(select(func.pg_advisory_xact_lock(*key)))
    else:
        # SQLite has one writer at a time: take the write lock now rather than at the first write.
        driver = conn.connection.driver_connection
        conn.exec_driver_sql(SQLITE_TRY_LOCK)
        try:
            while True:
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    break
                except OperationalError as exc:
                    if "locked" not in str(exc.orig) or driver.in_transaction:
                        raise
                    _waiting(progress)
                    conn.exec_driver_sql(SQLITE_USUAL_WAIT)
        finally:
            conn.exec_driver_sql(SQLITE_USUAL_WAIT)
    if progress:
        progress("import lock", 1, 1)


def _waiting(progress: Progress | None) -> None:
    if progress:
        progress(WAITING, 0, 1)


def _audit(conn: Connection, report: ImportReport, imported_by: str) -> None:
    """Record an import in the audit log with its counts ('nothing written' when it was refused)."""
    if report.fatal:
        record(conn, imported_by, "import", f"{report.source}: {report.fatal} (nothing written)")
        return
    totals = report.totals()
    detail = f"{report.source}: {totals.new} new, {totals.updated} updated, {totals.rejected} rejected"
    record(conn, imported_by, "import", detail + ("" if report.written else " (nothing written)"))


def _audit_failure(engine: Engine, report: ImportReport, imported_by: str, exc: Exception) -> None:
    """Record a crashed import in the audit log, in a transaction of its own after the rollback."""
    try:
        with engine.begin() as conn:
            record(conn, imported_by, "import_failed", f"{report.source}: {_error_text(exc)}")
    except Exception as audit_exc:  # the disk that refused the import may refuse this too; say so, keep going
        report.warnings.append(f"the failed import could not be recorded in the audit log ({_error_text(audit_exc)})")


def _error_text(exc: BaseException) -> str:
    """Class and first line of an error (the driver's own, without SQLAlchemy's statement and parameters)."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return f"{inner.__class__.__name__}: {lines[0] if lines else ''}"


def refresh_all_flags(engine: Engine, policy: Policy, progress: Progress | None = None) -> int:
    """Recompute every stored flag and its group measures, then the rollups (manage.py refresh-flags).

    Under the import lock, so it neither races an import nor is undone by one; returns the number of
    reports whose duplicate or travel measures were stale.
    """
    create_schema(engine)  # up to the newest migration
    with engine.begin() as conn:
        take_import_lock(conn, progress)
        if progress:
            progress("flags", 0, 1)
        changed = derive.refresh_group_measures(conn)
        flags_and_rollup(conn, policy, None, progress)
    refresh_statistics(engine)
    return changed


def refresh_all_outlines(engine: Engine, only_if_missing: bool = False) -> int:
    """Redraw every stored outline (manage.py refresh-outlines); return the number of scopes stored.

    With only_if_missing (init-db), only a database with villages but no stored outline yet is drawn:
    one upgraded from before the outline tables existed.
    """
    create_schema(engine)
    with engine.begin() as conn:
        if only_if_missing and (conn.execute(select(outline_scopes.c.scope_code).limit(1)).first() is not None
                                or conn.execute(select(villages.c.code).limit(1)).first() is None):
            return 0
        take_import_lock(conn)
        refresh_outlines(conn)
        return conn.execute(select(func.count()).select_from(outline_scopes)).scalar_one()


def flags_and_rollup(conn: Connection, policy: Policy, reports, progress: Progress | None,
                     report: ImportReport | None = None, changes: ActivityChanges | None = None) -> None:
    """Stored flags of the given reports (None: all), then every rollup and aggregate where the changes reach
    (changes None: rebuilt)."""
    report = report or ImportReport(source="", dry_run=False, keep_valid=False)  # timings nobody reads
    changes = changes or ActivityChanges(set(), [], full=True)
    with phase(report, "flags"):
        derive.refresh_flags(conn, policy, reports)
        derive.record_flag_policy(conn, policy)
    if progress:
        progress("flags", 1, 1)
        progress("rollup", 0, 1)
    with phase(report, "rollup"):
        rollups.update(conn, policy, changes)
    with phase(report, "aggregates"):
        aggregates.update(conn, policy, changes)  # reads officer_day_facts: after it
    if progress:
        progress("rollup", 1, 1)


def refresh_statistics(engine: Engine, written: int | None = None) -> None:
    """Planner statistics (and on PostgreSQL the visibility map) brought up to date after a write.

    Without them the planner guesses until autovacuum comes by, and PostgreSQL cannot answer the
    coverage queries from ix_village_dds_days_date alone (index-only scans need the visibility map). VACUUM
    reads every page not yet all-visible of every table: after a first load that is all of them, and
    worth it; after a daily file into a national year (`written`, rows, well under VACUUM_SHARE of the
    activities) only the sampled ANALYZE runs, and the new pages are left to autovacuum (PostgreSQL 13+
    vacuums tables after inserts too), or to `refresh-flags` / a scheduled VACUUM where it is off.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            small = written is not None and written < VACUUM_SHARE * rows_up_to(
                conn, activities, int(written / VACUUM_SHARE) + 1)
            # This schema's tables only (a shared server may hold other databases' schemas).
            command = "ANALYZE " if small else "VACUUM (ANALYZE) "
            conn.exec_driver_sql(command + ", ".join(t.name for t in metadata.sorted_tables))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def load_context(conn: Connection) -> Context:
    """The codes already in the database that export rows may refer to."""
    ctx = Context(latest_instant=_utc_now() + TIMESTAMP_LEAD)
    for code, level, parent in conn.execute(select(units.c.code, units.c.level, units.c.parent_code)):
        ctx.units[code] = UnitRef(level, parent)
    for code, unit_code, zone in conn.execute(select(villages.c.code, villages.c.unit_code, villages.c.timezone)):
        ctx.villages[code] = VillageRef(unit_code, zone)
    ctx.officers.update(conn.execute(select(officers.c.nrp, officers.c.unit_code)).all())
    return ctx


def _check_all(conn: Connection, export: RawExport, report: ImportReport, progress,
               free: bool = False) -> tuple[dict[str, list[dict]], ActivitiesWriter | None]:
    """Check every file in dependency order; return the valid records per table, activities already staged."""
    ctx = load_context(conn)
    records: dict[str, list[dict]] = {}
    writer = None
    for spec in FILES:
        if spec.name in export.streams:
            writer = ActivitiesWriter(conn, _imported_geometries(records))
            _stream_activities(export, export.streams[spec.name], ctx, writer, report, progress)
            continue
        table = export.tables.get(spec.name)
        if table is None:
            continue
        if spec.table == "activities":
            writer = ActivitiesWriter(conn, _imported_geometries(records))
            _stage_checked(writer, activity_batches_from_table(table, ctx), report, spec.name, progress)
            if free:
                table.rows, table.lines = [], []
            continue
        problems: list[Problem] = list(table.problems)
        # No header means the reader already said why; a header without required columns is said here.
        if not table.header or missing_columns(table, problems):
            reason = "not loaded: the file itself was rejected (see its first problem)"
            problems.extend(Problem(table.label, line, "-", reason, row, consequential=True, code="file_rejected")
                            for line, row in zip(table.lines, table.rows))
        else:
            records[spec.table] = CHECKS[spec.name](table, ctx, problems)
        report.files[spec.name] = FileCounts(
            read=len(table),
            # Rows, not problems: a row with two bad values is one rejected row. Line 1 is the header.
            rejected=len({p.line for p in problems if p.line not in (None, 1)}),
        )
        report.problems.extend(problems)
        if free:
            table.rows, table.lines = [], []
    return records, writer


def _imported_geometries(records: dict[str, list[dict]]) -> dict[str, str | None]:
    """Polygons of this import's villages (they win over the stored ones for GPS distances)."""
    return {r["code"]: r["geometry"] for r in records.get("villages", [])}


def _stream_activities(export: RawExport, streamed: StreamedFile, ctx: Context, writer: ActivitiesWriter,
                       report: ImportReport, progress: Progress | None) -> None:
    """activities.csv read, checked and staged batch by batch; the exact row-by-row path where the fast one declines."""
    batches = activity_batches(streamed.chunks(), streamed.name, ctx, reread=streamed.reread,
                               batch_bytes=columnar.BATCH_BYTES)
    try:
        header = _stage_checked(writer, batches, report, streamed.name, progress)
    except Declined:
        # Only a file the fast reader cannot promise to read exactly as the row reader does (a quoted value
        # spanning lines, a NUL, another encoding ...): start again, the exact way, in memory.
        writer.discard()
        report.problems = [p for p in report.problems if p.file != streamed.name]
        digest = export.file_digests[streamed.name] = hashlib.sha256()
        table = parse_file(streamed.name, streamed.name, hashed(streamed.chunks(), digest))
        report.warnings.extend(empty_file_warnings({streamed.name: table}))
        header = _stage_checked(writer, activity_batches_from_table(table, ctx), report, streamed.name, progress)
    report.warnings.extend(unknown_columns(streamed.name, streamed.name, header))
    export.seal()


def _stage_checked(writer: ActivitiesWriter, batches, report: ImportReport, name: str,
                   progress: Progress | None) -> list[str]:
    """Stage the valid rows of each checked batch and count the file's rows; return its header."""
    counts = report.files[name] = FileCounts()
    rejected: set = set()
    header: list[str] = []
    started, checking = time.perf_counter(), 0.0
    batches = iter(batches)

    def valid_rows():
        nonlocal header, checking
        while True:
            began = time.perf_counter()
            batch = next(batches, None)
            checking += time.perf_counter() - began
            if batch is None:
                return
            header = batch.header
            counts.read += batch.rows_read
            # Rows, not problems: a row with two bad values is one rejected row. Line 1 is the header.
            rejected.update(p.line for p in batch.problems if p.line not in (None, 1))
            report.problems.extend(batch.problems)
            yield batch.records

    try:
        writer.stage(valid_rows(), progress)
    finally:
        report.phases["stage"] = report.phases.get("stage", 0.0) + time.perf_counter() - started - checking
    counts.rejected = len(rejected)
    return header


def _plan(conn: Connection, records: dict[str, list[dict]], writer: ActivitiesWriter | None, report: ImportReport,
          progress: Progress | None = None) -> dict[str, TableDiff]:
    """Sort every valid record into new, changed or unchanged: activities (already staged) in SQL, the rest here."""
    diffs = {table: diff_table(conn, table, rows) for table, rows in records.items()}
    if writer is not None:
        with phase(report, "classify", progress):
            writer.classify()
    for name, counts in report.files.items():
        table = FILES_BY_NAME[name].table
        if table == "activities" and writer is not None:
            counts.new, counts.updated, counts.unchanged = writer.new, writer.changed, writer.unchanged
        elif table in diffs:
            diff = diffs[table]
            counts.new, counts.updated, counts.unchanged = len(diff.new), len(diff.changed), diff.unchanged
    return diffs


def _apply(conn, export, diffs, writer, report, imported_by, policy, progress) -> None:
    """Write the plan, then bring every derived value (flags, local dates, unit tree) up to date."""
    totals = report.totals()
    report.batch_id = conn.execute(import_batches.insert().values(
        started_at=_utc_now(), imported_by=imported_by, source=export.source, source_sha256=export.sha256,
        mode="keep-valid" if report.keep_valid else "all-or-nothing", rows_read=totals.read,
        rows_new=totals.new, rows_updated=totals.updated, rows_unchanged=totals.unchanged,
        rows_rejected=totals.rejected,
    )).inserted_primary_key[0]
    changes: ActivityChanges | None = None
    with phase(report, "write", progress):
        for table in dict.fromkeys(spec.table for spec in FILES):
            if table in diffs:
                write_diff(conn, diffs[table], report.batch_id, progress)
            elif table == "activities" and writer is not None:
                changes = writer.write(report.batch_id, policy)
    touched: set[str] = set() if changes is None else set(changes.report_ids)
    outlined, left = set(), set()  # villages whose outline, extent or Polsek changed; the Polsek they left
    if "villages" in diffs:
        diff = diffs["villages"]
        moved = set()
        outlined = {record["code"] for record in diff.new}
        for record in diff.changed:
            old = diff.previous[key_of(record, "villages")]
            if old["timezone"] != record["timezone"] or old["geometry"] != record["geometry"]:
                moved.add(record["code"])
            if any(old[column] != record[column] for column in OUTLINE_COLUMNS):
                outlined.add(record["code"])
                left.add(old["unit_code"])
        touched |= derive.refresh_villages(conn, moved)
    tree_changed = derive.refresh_unit_tree(conn)
    with phase(report, "crime_months", progress):
        crime_months.update(conn, diffs)  # after refresh_villages: a village's new time zone moved its crimes' dates
    if tree_changed or outlined:
        with phase(report, "outlines", progress):
            # Units moved in the tree: any scope may hold other villages now, so every one is redrawn.
            refresh_outlines(conn, *(() if tree_changed else (outlined, left)))
    if progress:
        progress("flags", 0, 1)
    # Stored flags follow the settings file; if it changed since the last import, refresh them all.
    same_policy = stored_flags_follow(conn, policy)
    calendar_changed = any(diffs[table].new or diffs[table].changed for table in CALENDAR_TABLES if table in diffs)
    first_load = writer is not None and writer.first_load
    changes = ActivityChanges(touched, [] if changes is None else changes.replaced,
                              full=calendar_changed or not same_policy or first_load)
    # A first load's flags were computed as its rows were written (under this policy): nothing to refresh.
    flag_reports = set() if first_load else touched if same_policy else None
    flags_and_rollup(conn, policy, flag_reports, progress, report, changes)
    with phase(report, "follow_up"):
        # Items the new rows resolve (a DDS visit, a report, a response) are closed in the same transaction.
        follow_up.close_by_evidence(conn)
    if writer is not None:
        writer.drop_work_tables()
    conn.execute(import_batches.update().where(import_batches.c.id == report.batch_id)
                 .values(finished_at=_utc_now()))


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
