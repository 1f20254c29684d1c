"""`manage.py bench-import`: the import's throughput, peak memory and phases, each import in a process of its own.

Scenarios (issue 17):

- bulk: an export imported into an empty database (a first load of a Polda or the whole country);
- daily: one day's activities.csv imported into a database already loaded (`generate --daily`);
- year: generate the largest national export the disk holds (up to a year), import it, and project
  sizes and times to 50 M activities from what was measured.

The import runs in a fresh process, so its peak memory is its own (VmHWM, as `benchmark.peak_memory_mb`
explains), not the benchmark's nor that of a generator that ran before it.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Engine, cast, column, func, literal, select, table
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.exc import OperationalError

from benchmark import peak_memory_mb
from queries.schema import activities, metadata

YEAR_TARGET = 50_000_000  # activities of a national year (issue 17)
# Estimates that only pick --days auto (the run measures the real figures). Per day: polres and polda
# are their year exports / 376 days; national is a generated Monday after a national year (16 May 2022),
# as an upper bound (Sundays are quiet). Bytes: the Polda CSV takes 364 per activity, the national 31 days
# on PostgreSQL 1,223 (every table with its indexes); the rest is a margin for WAL and index builds.
ACTIVITIES_PER_DAY = {"polres": 290, "polda": 13_400, "national": 194_700}
ESTIMATED_BYTES_PER_ACTIVITY = 1_800
DISK_RESERVE_BYTES = 10 * 2**30  # left free for everyone else on the disk
# What does not grow with the days of reports, so a projection adds it once: the reference files and
# tables, the accounts, and crimes (generated from a fixed date whatever the length).
FIXED_FILES = frozenset({"units.csv", "villages.geojson", "villages.csv", "officers.csv", "assignments.csv",
                         "leave.csv", "outages.csv", "crimes.csv"})
FIXED_TABLES = frozenset({"units", "unit_tree", "villages", "officers", "assignments", "leaves", "outages", "crimes",
                          "import_batches", "meta", "users", "user_sessions", "sign_in_failures", "audit_log",
                          "alembic_version", "sqlite_stat1"})


class BenchRefused(Exception):
    """The scenario cannot run as asked (a wrong option, a full disk); said to the user, no traceback."""


def days_option(value: str) -> int | None:
    """--days as given: None for "auto", else a length the generator can write."""
    from sample_data.scale import checked_days  # not at the top: the import's child process needs no shapely

    if value == "auto":
        return None
    try:
        return checked_days(int(value))
    except ValueError as exc:
        raise BenchRefused(f"--days {value}: {exc}") from None


# Progress stages of the import (ingest.importer) and the phase the time after a finished stage belongs to.
AFTER_STAGE = {"lock": "check", "check": "plan", "write": "derive", "rollup": "statistics"}


def phase_of(stage: str) -> str:
    """The coarse phase of an import progress stage ("check activities.csv" -> "check")."""
    if stage.startswith("check "):
        return "check"
    if stage.startswith("write "):
        return "write"
    if stage in ("import lock", "waiting for another import"):
        return "lock"
    return stage  # flags, rollup, or a stage a newer importer adds: a phase of its own


class StageClock:
    """A progress callback that adds up the seconds spent in each phase, from the stages the import reports.

    The time before the first stage is reading the files; after a stage finishes, its time goes to
    the phase that follows it in the importer (AFTER_STAGE) until the next stage is reported.
    """

    def __init__(self) -> None:
        self.current = "read"
        self.since = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        phase = phase_of(stage)
        self._switch(phase)
        if done >= total:
            self._switch(AFTER_STAGE.get(phase, phase))

    def _switch(self, phase: str) -> None:
        now = time.perf_counter()
        if phase != self.current:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self.since
            self.current, self.since = phase, now

    def finish(self) -> dict[str, float]:
        """Seconds per phase, the current one closed now."""
        self._switch("")
        return {phase: round(seconds, 3) for phase, seconds in self.seconds.items() if phase}


def in_own_process(function, *args):
    """Call function(*args) in a fresh interpreter (spawn: nothing inherited) and return its result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def import_in_child(url: str, path: str, echo: bool) -> dict:
    """Run in the child: import the export at path, return what happened, the phases and this process's peak."""
    from ingest.importer import import_export
    from queries.db import make_engine

    clock = StageClock()
    progress = clock
    if echo:
        from manage import ProgressPrinter

        printer = ProgressPrinter()

        def progress(stage: str, done: int, total: int) -> None:
            clock(stage, done, total)
            printer(stage, done, total)

    started = time.perf_counter()
    report = import_export(make_engine(url), path, imported_by="bench", progress=progress)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "ok": report.ok, "written": report.written, "fatal": report.fatal,
            "problems_total": len(report.problems), "problems": [str(p) for p in report.problems[:5]],
            "files": {name: asdict(counts) for name, counts in report.files.items()},
            "phases": dict(getattr(report, "phases", None) or {}), "stages": clock.finish(),
            "peak_rss_mb": peak_memory_mb()}


def generate_in_child(scale: str, out: str, days: int | None) -> dict:
    """Run in the child: write a scale export, return the rows per file, the seconds and the peak memory."""
    from sample_data.scale import generate_scale

    started = time.perf_counter()
    counts = generate_scale(scale, out, days=days)
    return {"counts": counts, "seconds": time.perf_counter() - started, "peak_rss_mb": peak_memory_mb()}


def activity_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(activities)).scalar_one()


def table_bytes(engine: Engine) -> dict[str, int]:
    """Bytes of each table with its indexes (and partitions); {} where SQLite cannot say (no dbstat)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return {table.name: conn.execute(_partition_tree_bytes(table.name)).scalar_one()
                    for table in metadata.sorted_tables}
    pages = table("dbstat", column("name"), column("pgsize"))  # every page of every table and index
    objects = table("sqlite_master", column("name"), column("tbl_name"))  # index -> its table
    query = (select(objects.c.tbl_name, func.sum(pages.c.pgsize))
             .join_from(pages, objects, pages.c.name == objects.c.name).group_by(objects.c.tbl_name))
    try:
        with engine.connect() as conn:
            return {name: int(size) for name, size in conn.execute(query)}
    except OperationalError:  # SQLite built without the dbstat table
        return {}


def _partition_tree_bytes(name: str):
    """Bytes of a table with its indexes and, if partitioned, every partition (the parent alone holds none)."""
    relation = cast(literal(name), REGCLASS)
    tree = func.pg_partition_tree(relation).table_valued("relid")  # empty for a table that is not partitioned
    partitions = (select(func.coalesce(func.sum(func.pg_total_relation_size(tree.c.relid)), 0))
                  .where(tree.c.relid != relation).scalar_subquery())
    return select(func.pg_total_relation_size(relation) + partitions)


def stored_bytes(engine: Engine) -> int:
    """Bytes the database takes: every table of the schema (PostgreSQL), or the file (SQLite)."""
    if engine.dialect.name == "postgresql":
        return sum(table_bytes(engine).values())
    path = Path(engine.url.database or "")
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.is_file())


def growth(before: dict[str, int], after: dict[str, int], fixed: frozenset[str]) -> tuple[int, int]:
    """Bytes added, split into (what grows with the days of reports, what does not)."""
    added = {name: size - before.get(name, 0) for name, size in after.items()}
    return (sum(size for name, size in added.items() if name not in fixed),
            sum(size for name, size in added.items() if name in fixed))


def database_version(engine: Engine) -> str:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar_one().split()[0]
    return f"SQLite {sqlite3.sqlite_version}"


def files_bytes(directory: Path) -> dict[str, int]:
    """Size of each file of an export directory."""
    return {p.name: p.stat().st_size for p in sorted(Path(directory).iterdir()) if p.is_file()}


def machine_state() -> dict:
    """What else the machine was doing: the load average and the memory available (a shared machine varies)."""
    state = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        fields = dict(line.split(":", 1) for line in meminfo.read_text().splitlines())
        state["memory_available_mb"] = int(fields["MemAvailable"].split()[0]) // 1024
    return state


def measure_import(engine: Engine, url: str, path: Path, echo: bool = False) -> dict:
    """Import the export at path in a process of its own; its throughput, peak memory, phases and growth."""
    before, bytes_before = activity_count(engine), stored_bytes(engine)
    state = machine_state()
    started = time.perf_counter()
    try:
        child = in_own_process(import_in_child, url, str(path), echo)
    except BrokenProcessPool:  # killed (out of memory?) before it could answer
        return {"ok": False, "fatal": "the import process died (killed, out of memory?)",
                "process_seconds": time.perf_counter() - started, "machine_before": state}
    wall = time.perf_counter() - started
    rows = child["files"].get("activities.csv", {}).get("read", 0)
    after, bytes_after = activity_count(engine), stored_bytes(engine)
    return {
        **{key: child[key] for key in ("ok", "written", "fatal", "problems_total", "problems", "files")},
        "activities": rows,
        "seconds": child["seconds"],
        "process_seconds": wall,  # with the child's start-up (imports) and the hand-over
        "activities_per_s": rows / child["seconds"] if child["seconds"] else 0.0,
        "peak_rss_mb": child["peak_rss_mb"],
        # The importer's own phases when it reports them (ImportReport.phases), else the progress stages.
        "phases": child["phases"] or child["stages"],
        "phases_source": "import" if child["phases"] else "progress",
        "stages": child["stages"],
        "activities_before": before,
        "activities_after": after,
        "database_bytes_before": bytes_before,
        "database_bytes_after": bytes_after,
        "machine_before": state,
        "machine_after": machine_state(),
    }


def days_that_fit(free_bytes: int, activities_per_day: int, bytes_per_activity: int = ESTIMATED_BYTES_PER_ACTIVITY,
                  reserve_bytes: int = DISK_RESERVE_BYTES, most: int = 365) -> int:
    """The most days of reports whose export and database fit in the free disk, keeping the reserve."""
    usable = free_bytes - reserve_bytes
    return max(0, min(most, usable // (activities_per_day * bytes_per_activity)))


def projection(measured: int, target: int, generation_s: float, import_s: float, csv: tuple[int, int],
               database: tuple[int, int]) -> dict:
    """Sizes and times at `target` activities: seconds and the growing bytes scaled by rows, fixed bytes added once.

    csv and database: (bytes that grow with the days, bytes that do not), as measured.
    """
    factor = target / measured
    return {"activities": target, "factor": factor,
            "csv_gb": (csv[0] * factor + csv[1]) / 1e9, "database_gb": (database[0] * factor + database[1]) / 1e9,
            "generation_hours": generation_s * factor / 3600, "import_hours": import_s * factor / 3600,
            "note": "seconds and the bytes of reports scale with the rows; reference data is added once"}


def bench_year(engine: Engine, url: str, scale: str, days: int, out: Path, echo: bool = False) -> dict:
    """Generate `days` days of the scale in a process of its own, import them, and project to a national year."""
    generated = in_own_process(generate_in_child, scale, str(out), days)
    rows = generated["counts"]["activities.csv"]
    sizes = files_bytes(out)
    tables_before = table_bytes(engine)
    result = measure_import(engine, url, out, echo)
    csv = growth({}, sizes, FIXED_FILES)
    # SQLite without dbstat: the file's growth, all of it counted as growing (an upper bound).
    database = growth(tables_before, table_bytes(engine), FIXED_TABLES) if tables_before else (
        result.get("database_bytes_after", 0) - result.get("database_bytes_before", 0), 0)
    result["generation"] = {
        "days": days, "rows": generated["counts"], "seconds": generated["seconds"],
        "activities_per_s": rows / generated["seconds"], "peak_rss_mb": generated["peak_rss_mb"],
        "csv_bytes": sum(sizes.values()), "files_bytes": sizes,
        "csv_bytes_per_activity": sizes.get("activities.csv", 0) / rows if rows else 0.0,
        "csv_growing_bytes_per_activity": csv[0] / rows if rows else 0.0,
    }
    result["database_growing_bytes"], result["database_fixed_bytes"] = database
    result["database_bytes_per_activity"] = database[0] / rows if rows else 0.0
    if result.get("ok") and rows:
        result["projection"] = projection(rows, YEAR_TARGET, generated["seconds"], result["seconds"], csv, database)
    return result


def free_disk_bytes(path: Path) -> int:
    """Free bytes on the disk holding path (or its nearest existing parent)."""
    path = Path(path).resolve()
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def markdown_row(report: dict) -> str:
    """One row of the README's import table: scenario, database, activities, seconds, activities/s, peak, phases."""
    phases = ", ".join(f"{name} {seconds:.0f} s" if seconds >= 10 else f"{name} {seconds:.1f} s"
                       for name, seconds in report.get("phases", {}).items())
    return (f"| {report['label']} | {report['database_version']} | {report.get('activities', 0):,} "
            f"| {report.get('seconds', 0):,.1f} | {report.get('activities_per_s', 0):,.0f} "
            f"| {report.get('peak_rss_mb', 0):,.0f} MB | {phases} |")


def projection_table(report: dict) -> str:
    """The README's year table: what the year scenario measured and its projection to 50 M activities."""
    gen, proj, rows = report["generation"], report["projection"], report["activities"]
    return "\n".join([
        f"| | measured ({gen['days']} days) | projected to {proj['activities'] / 1e6:,.0f} M |",
        "|---|---:|---:|",
        f"| activities | {rows:,} | {proj['activities']:,} |",
        f"| generation (activities/s; hours) | {gen['activities_per_s']:,.0f} | {proj['generation_hours']:,.1f} |",
        f"| CSV (bytes per activity; GB) | {gen['csv_bytes_per_activity']:,.0f} | {proj['csv_gb']:,.1f} |",
        f"| database (bytes per activity; GB) | {report['database_bytes_per_activity']:,.0f} "
        f"| {proj['database_gb']:,.1f} |",
        f"| import (activities/s; hours) | {report['activities_per_s']:,.0f} | {proj['import_hours']:,.1f} |",
    ])
