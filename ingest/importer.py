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
from sqlalchemy import Connection, Engine, select

from ingest import derive
from ingest.contract import FILES, FILES_BY_NAME
from ingest.reader import ExportError, Problem, RawExport, read_export
from ingest.upsert import TableDiff, bulk_insert, diff_table, key_of, write_diff
from ingest.validate import CHECKS, Context, UnitRef, VillageRef, missing_columns
from queries import rollups
from queries.policy import Policy, load_policy
from queries.schema import create_schema, import_batches, metadata, officers, units, villages
from queries.spreadsheet import neutralise

Progress = Callable[[str, int, int], None]
MAX_STORED_PROBLEMS = 10_000  # kept in the batch history; the rejects file always has all


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
    """Import an export; with problems, write nothing unless keep_valid (then write the valid rows)."""
    started = time.perf_counter()
    report = ImportReport(source=str(getattr(source, "source", source)), dry_run=dry_run, keep_valid=keep_valid)
    try:
        export = source if isinstance(source, RawExport) else read_export(source)
    except ExportError as exc:
        report.fatal = str(exc)
        return report
    report.warnings = list(export.warnings)
    policy = policy or load_policy()
    create_schema(engine)
    with engine.connect() as conn, conn.begin() as transaction:
        # An export read here is ours to free as it is checked (a 5 M-row export is gigabytes of strings).
        records = _check_all(conn, export, report, progress, free=not isinstance(source, RawExport))
        if report.problems and not keep_valid:
            transaction.rollback()
        else:
            diffs = _plan(conn, records, report)
            if dry_run:
                transaction.rollback()
            else:
                _apply(conn, export, diffs, report, imported_by or getpass.getuser(), policy, progress)
                report.written = True
    if report.written:
        refresh_statistics(engine)
    report.seconds = time.perf_counter() - started
    if report.batch_id is not None:
        with engine.begin() as conn:
            conn.execute(import_batches.update().where(import_batches.c.id == report.batch_id)
                         .values(report_json=report.to_json()))
    return report


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
    ctx = Context()
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
            problems.extend(Problem(table.label, line, "-", reason, row, consequential=True)
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
    derive.refresh_flags(conn, policy, touched if same_policy else None)
    derive.record_flag_policy(conn, policy)
    if progress:
        progress("flags", 1, 1)
        progress("rollup", 0, 1)
    rollups.rebuild(conn, policy, bulk_insert)
    if progress:
        progress("rollup", 1, 1)
    conn.execute(import_batches.update().where(import_batches.c.id == report.batch_id)
                 .values(finished_at=_utc_now()))


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
