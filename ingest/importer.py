"""One import of a BOS export: read, check every row, then write it all in one transaction (or nothing).

Used by `manage.py import`, `manage.py load-sample` and the dashboard's import page alike.
"""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ingest import derive, rollups
from ingest.changes import ActivityChanges
from ingest.contract import FILES, FILES_BY_NAME, TIMESTAMP_LEAD
from ingest.reader import ExportError, Problem, RawExport, read_export
from ingest.upsert import TableDiff, diff_table, key_of, write_diff
from ingest.validate import CHECKS, Context, UnitRef, VillageRef, missing_columns
from queries.accounts import record
from queries.migrations import create_schema
from queries.policy import Policy, load_policy
from queries.schema import activities, import_batches, metadata, officers, units, villages
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
        export = source if isinstance(source, RawExport) else read_export(source)
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
        refresh_statistics(engine)
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
        records = _check_all(conn, export, report, progress, free=free)
        if report.problems and not report.keep_valid:
            transaction.rollback()
            return
        diffs = _plan(conn, records, report)
        if report.dry_run:
            transaction.rollback()
            return
        _apply(conn, export, diffs, report, imported_by, policy, progress)
        report.written = True
        _audit(conn, report, imported_by)  # committed with the import, or not at all


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


def flags_and_rollup(conn: Connection, policy: Policy, reports, progress: Progress | None,
                     changes: ActivityChanges | None = None) -> None:
    """Stored flags of the given reports (None: all) and the rollups brought up to date (changes None: rebuilt)."""
    derive.refresh_flags(conn, policy, reports)
    derive.record_flag_policy(conn, policy)
    if progress:
        progress("flags", 1, 1)
        progress("rollup", 0, 1)
    rollups.update(conn, policy, changes or ActivityChanges(set(), [], full=True))
    if progress:
        progress("rollup", 1, 1)


def refresh_statistics(engine: Engine) -> None:
    """Planner statistics (and on PostgreSQL the visibility map) brought up to date after a bulk write.

    Without them the planner guesses until autovacuum comes by, and PostgreSQL cannot answer the
    coverage queries from ix_activities_dds alone (index-only scans need the visibility map).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # This schema's tables only (a shared server may hold other databases' schemas).
            conn.exec_driver_sql("VACUUM (ANALYZE) " + ", ".join(t.name for t in metadata.sorted_tables))
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
               free: bool = False) -> dict[str, list[dict]]:
    """Check every file in dependency order; return the valid records per table."""
    ctx = load_context(conn)
    records: dict[str, list[dict]] = {}
    for spec in FILES:
        table = export.tables.get(spec.name)
        if table is None:
            continue
        problems: list[Problem] = list(table.problems)
        # No header means the reader already said why; a header without required columns is said here.
        if not table.header or missing_columns(table, problems):
            reason = "not loaded: the file itself was rejected (see its first problem)"
            problems.extend(Problem(table.label, line, "-", reason, row, consequential=True, code="file_rejected")
                            for line, row in zip(table.lines, table.rows))
        else:
            kwargs = {"progress": progress} if spec.table == "activities" else {}
            records[spec.table] = CHECKS[spec.name](table, ctx, problems, **kwargs)
        report.files[spec.name] = FileCounts(
            read=len(table),
            # Rows, not problems: a row with two bad values is one rejected row. Line 1 is the header.
            rejected=len({p.line for p in problems if p.line not in (None, 1)}),
        )
        report.problems.extend(problems)
        if free:
            table.rows, table.lines = [], []
    return records


def _plan(conn: Connection, records: dict[str, list[dict]], report: ImportReport) -> dict[str, TableDiff]:
    """Sort every valid record into new, changed or unchanged; derive what new activities need."""
    diffs = {table: diff_table(conn, table, rows) for table, rows in records.items()}
    for name, counts in report.files.items():
        diff = diffs.get(FILES_BY_NAME[name].table)
        if diff is not None:
            counts.new, counts.updated, counts.unchanged = len(diff.new), len(diff.changed), diff.unchanged
    if "activities" in diffs:
        diff = diffs["activities"]
        incoming = diff.new + diff.changed
        imported = {r["code"]: r["geometry"] for r in records.get("villages", [])}
        stored = derive.stored_geometries(conn, {r["village_code"] for r in incoming} - set(imported))
        derive.set_gps_distances(incoming, lambda code: imported[code] if code in imported else stored.get(code))
        diff.stored_changes = derive.group_measures(conn, incoming, diff.previous)
    return diffs


def _apply(conn, export, diffs, report, imported_by, policy, progress) -> None:
    """Write the plan, then bring every derived value (flags, local dates, unit tree) up to date."""
    totals = report.totals()
    report.batch_id = conn.execute(import_batches.insert().values(
        started_at=_utc_now(), imported_by=imported_by, source=export.source, source_sha256=export.sha256,
        mode="keep-valid" if report.keep_valid else "all-or-nothing", rows_read=totals.read,
        rows_new=totals.new, rows_updated=totals.updated, rows_unchanged=totals.unchanged,
        rows_rejected=totals.rejected,
    )).inserted_primary_key[0]
    # Read before the writes overwrite them: the officer-days and hours the updated reports leave.
    replaced = stored_versions(conn, diffs["activities"].changed) if "activities" in diffs else []
    for table in dict.fromkeys(spec.table for spec in FILES):
        if table in diffs:
            write_diff(conn, diffs[table], report.batch_id, progress)
    touched: set[str] = set()
    if "activities" in diffs:
        diff = diffs["activities"]
        derive.write_activity_changes(conn, diff.stored_changes)
        touched |= {r["report_id"] for r in diff.new + diff.changed} | set(diff.stored_changes)
    if "villages" in diffs:
        diff = diffs["villages"]
        moved = set()
        for record in diff.changed:
            old = diff.previous[key_of(record, "villages")]
            if old["timezone"] != record["timezone"] or old["geometry"] != record["geometry"]:
                moved.add(record["code"])
        touched |= derive.refresh_villages(conn, moved)
    derive.refresh_unit_tree(conn)
    if progress:
        progress("flags", 0, 1)
    # Stored flags follow the settings file; if it changed since the last import, refresh them all.
    same_policy = derive.stored_flag_policy(conn) == policy.flag_values()
    calendar_changed = any(diffs[table].new or diffs[table].changed for table in CALENDAR_TABLES if table in diffs)
    changes = ActivityChanges(touched, replaced, full=calendar_changed or not same_policy)
    flags_and_rollup(conn, policy, touched if same_policy else None, progress, changes)
    conn.execute(import_batches.update().where(import_batches.c.id == report.batch_id)
                 .values(finished_at=_utc_now()))


def stored_versions(conn: Connection, records: list[dict]) -> list[dict]:
    """The stored rows of these activities as ActivityChanges.replaced wants them (read before they are updated)."""
    columns = [activities.c[name] for name in ("report_id", "nrp", "village_code", "local_date", "activity_at",
                                                 "submitted_at", "photo_sha256", "narrative_key")]
    ids = sorted(record["report_id"] for record in records)
    found = []
    for chunk in derive.chunks(ids):
        found.extend(dict(row) for row in conn.execute(select(*columns).where(activities.c.report_id.in_(chunk)))
                     .mappings())
    return found


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
