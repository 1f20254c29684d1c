"""`manage.py bench`: every page's data, each export and the import, timed at a given scale.

For each scope (a Polsek, a Polres, a Polda and the whole country) and each page, the
benchmark calls the same `components.data` functions the page calls, in the same order:

- cold: a fresh engine and empty caches (the database's own buffers may be warm);
- warm: the same again with empty app caches (so the database does the work again);
- cached: the same again with the app's caches full (what the next visitor to the page waits).

Side by side, the naive way: load the scope's activities for what the page shows into pandas
and compute the page's counts there, unless its rows (counted first) would not fit the memory budget.
The table and a JSON file give medians and naive/ours, the runs taken and the load average.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, func, select

from queries.effectiveness import comparison_window
from queries.hierarchy import CHILD_LEVEL, LEVELS, partition_level
from queries.policy import BOS_V2_LAUNCH as BOS_LAUNCH
from queries.schema import activities, complaints, crimes, officers, unit_tree, units, villages
from queries.scope import Scope, officers_in, villages_in

WINDOW_DAYS = 30  # the dashboard's default window
# Peak bytes per row while the naive way reads activities into pandas (driver tuples, then the frame with
# its narrative and hash strings): 2,450 measured on the sample (SQLite, 200,000 rows), rounded up.
NAIVE_BYTES_PER_ROW = 3_000
NAIVE_BUDGET_BYTES = 4 * 2**30  # beyond this the naive run would swap or be killed on a 24 GiB machine


def quiet_cache_warnings() -> None:
    """Cached functions called outside `streamlit run` warn on every call; the table is the output here."""
    import streamlit  # noqa: F401  (configures its loggers, which are then quietened)

    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)


def page_calls(data, scope: Scope, nrp: str | None) -> dict[str, callable]:
    """Per page, the data the page loads for a scope (mirrors app_pages/*.py)."""
    level = partition_level(data.scope_level(scope))
    first, last = data.data_date_range()
    reference = BOS_LAUNCH if first <= BOS_LAUNCH <= last else scope.start
    asked = Scope(scope.unit_code, reference, reference + timedelta(days=364), scope.policy)
    after = comparison_window(asked, first, last) or asked  # as the page: both windows inside the data
    below = data.levels_below(scope) or ["polsek"]

    def ringkasan():
        data.scope_counts(scope)
        data.kpi_comparison(scope)
        data.worsened(scope)
        data.alerts(scope)
        data.child_rankings(scope)  # the briefing pack (its map too) is built only when its button is clicked

    def kepatuhan():
        if data.reads_aggregates(scope):  # a Polda or the nation: per Polsek; the officers only on request
            data.polsek_compliance(scope)
        else:
            data.compliance_list(scope)
        data.calendar(scope)
        data.submission_delays(scope)

    def rapor():
        data.officer_search(scope, "")
        if nrp is not None:
            data.scorecard(scope, nrp)

    def kualitas():  # what the page reads as it opens: the summary and its first tab (the others read on a click)
        data.quality_views(scope)
        data.flagged_count(scope, (), "")

    def kualitas_daftar():  # the flagged reports' tab, opened
        kualitas()
        data.flagged_page(scope, 0, data.PAGE_ROWS, "worst", (), "")

    def kualitas_salinan():  # the copies' tab, opened
        kualitas()
        data.list_total(scope, "narratives")
        data.list_total(scope, "photos")

    def kualitas_gps():  # the GPS tab, opened: the page of points, its map, and impossible travel
        kualitas()
        data.list_total(scope, "gps")
        data.map_outlines(scope)
        data.scope_bounds(scope)
        data.list_total(scope, "travel")

    def pengaduan():
        data.scope_complaints(scope)
        data.complaint_units(scope, below[0])
        data.overdue_complaints(scope)
        data.complaint_villages(scope)

    def efektivitas():
        data.unit_counts(after, level)
        data.crime_months(Scope(after.unit_code, after.previous().start, after.end, after.policy), level)

    def perbandingan():
        frame = data.unit_counts(scope, below[0])
        data.unit_trends(scope, tuple(frame["unit_code"].head(6)))
        data.unit_shapes(scope, below[0])

    return {"ringkasan": ringkasan, "peta": lambda: (data.village_map(scope), data.scope_bounds(scope)),
            "kepatuhan": kepatuhan, "rapor": rapor, "kualitas": kualitas, "kualitas-daftar": kualitas_daftar,
            "kualitas-salinan": kualitas_salinan, "kualitas-gps": kualitas_gps, "pengaduan": pengaduan,
            "efektivitas": efektivitas, "perbandingan": perbandingan}


def naive_loads(scope: Scope) -> dict[str, list[tuple]]:
    """Per page, what the naive way reads: (table, first day or None, last day, extra conditions)."""
    previous = scope.previous()
    window = [(activities, scope.start, scope.end, ())]
    year_start, year_end = BOS_LAUNCH - timedelta(days=365), BOS_LAUNCH + timedelta(days=364)
    return {"ringkasan": [(activities, previous.start, scope.end, ())],
            "peta": [(activities, None, scope.end, (activities.c.activity_type == "dds",))],
            "kepatuhan": window, "rapor": window, "kualitas": window, "kualitas-daftar": window,
            "kualitas-salinan": window, "kualitas-gps": window, "perbandingan": window,
            "pengaduan": [(complaints, scope.start, scope.end, ())],
            "efektivitas": [(activities, year_start, year_end, ()), (crimes, year_start, year_end, ())]}


def _naive_query(scope: Scope, table, start, end, where=(), columns=None):
    query = select(*(columns if columns is not None else [table])).where(
        table.c.village_code.in_(villages_in(scope)), *where)
    if start is not None:
        query = query.where(table.c.local_date >= start)
    return query.where(table.c.local_date <= end)


def naive_rows(engine: Engine, scope: Scope) -> dict[str, int]:
    """Per page, the rows the naive way would read into pandas (a COUNT each: cheap next to reading them)."""
    counted = {}
    with engine.connect() as conn:
        for page, loads in naive_loads(scope).items():
            counted[page] = sum(conn.execute(_naive_query(scope, *load, columns=[func.count()])).scalar_one()
                                for load in loads)
    return counted


def naive_skip_reason(rows: int, budget_bytes: float, skip: bool = False) -> str | None:
    """Why the naive run of a page is not run (None: run it): the flag, or its frames would exceed the budget."""
    if skip:
        return "--skip-naive"
    needed = rows * NAIVE_BYTES_PER_ROW
    if needed > budget_bytes:
        return (f"{rows:,} rows × {NAIVE_BYTES_PER_ROW:,} B ≈ {needed / 2**20:,.0f} MiB "
                f"> budget {budget_bytes / 2**20:,.0f} MiB")
    return None


def naive_calls(engine: Engine, scope: Scope) -> dict[str, callable]:
    """Per page, the naive way: read the scope's raw rows into pandas, then group and count there."""
    def load(table, start, end, where=()):
        with engine.connect() as conn:
            return pd.read_sql(_naive_query(scope, table, start, end, where), conn)

    def officer_and_village_counts(frame):
        frame.groupby(["nrp", "local_date"]).agg(reports=("report_id", "size"),
                                                  late=("flag_late", "sum"))
        dds = frame[frame["activity_type"] == "dds"]
        dds.groupby("village_code").agg(households=("household_id", "nunique"), visits=("report_id", "size"),
                                       last=("local_date", "max"))
        frame.filter(like="flag_").any(axis=1).groupby(frame["nrp"]).sum()

    loads = naive_loads(scope)

    def activity_page(page):
        return lambda: officer_and_village_counts(load(*loads[page][0]))

    def complaint_page():
        frame = load(*loads["pengaduan"][0])
        frame.groupby("village_code").agg(n=("complaint_id", "size"), answered=("first_response_at", "count"))

    def effectiveness():
        officer_and_village_counts(load(*loads["efektivitas"][0]))
        load(*loads["efektivitas"][1]).groupby("village_code").size()

    calls = {page: activity_page(page) for page in loads}
    return {**calls, "pengaduan": complaint_page, "efektivitas": effectiveness}


def pick_scopes(engine: Engine, end: date) -> dict[str, Scope]:
    """The largest Polsek, Polres and Polda (by officers) and the whole country, over the default window."""
    start = end - timedelta(days=WINDOW_DAYS - 1)
    scopes = {"nasional": Scope(None, start, end)}
    with engine.connect() as conn:
        poldas = conn.execute(select(func.count()).select_from(units).where(units.c.level == "polda")).scalar_one()
        for level in reversed(LEVELS):
            query = (select(units.c.code).join(unit_tree, unit_tree.c.ancestor_code == units.c.code)
                     .join(officers, officers.c.unit_code == unit_tree.c.unit_code)
                     .where(units.c.level == level).group_by(units.c.code)
                     .order_by(func.count().desc(), units.c.code).limit(1))
            code = conn.execute(query).scalar()
            if code:
                scopes[level] = Scope(code, start, end)
    if poldas == 1:  # the whole database is that Polda: timing it twice tells nothing new
        del scopes["nasional"]
    return {name: scopes[name] for name in ("polsek", "polres", "polda", "nasional") if name in scopes}


def first_officer(engine: Engine, scope: Scope) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(func.min(officers.c.nrp)).where(officers.c.nrp.in_(officers_in(scope)))).scalar()


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (what else was running while we timed)."""
    return [round(load, 2) for load in os.getloadavg()]


def bench_pages(url: str, repeat: int = 3, scopes: list[str] | None = None, skip_naive: bool = False,
                naive_budget_bytes: float = NAIVE_BUDGET_BYTES) -> tuple[list[dict], dict[str, dict]]:
    """Time every page for every scope: cold, warm, cached and naive (medians of `repeat` runs).

    Returns the rows and, per scope, the load average before and after it.
    """
    os.environ["BOS_DATABASE_URL"] = url
    import streamlit as st

    quiet_cache_warnings()

    from components import data
    from queries.db import make_engine

    engine = make_engine(url)
    _, end = data.activity_date_range()
    rows, loads = [], {}
    for scope_name, scope in pick_scopes(engine, end).items():
        if scopes and scope_name not in scopes:
            continue
        loads[scope_name] = {"before": load_average()}
        nrp = first_officer(engine, scope)
        naive = naive_calls(engine, scope)
        naive_counts = naive_rows(engine, scope)
        for page in page_calls(data, scope, nrp):
            skipped = naive_skip_reason(naive_counts[page], naive_budget_bytes, skip_naive)
            cold, warm, cached, slow = [], [], [], []
            for attempt in range(repeat):
                st.cache_data.clear()
                if attempt == 0:
                    st.cache_resource.clear()  # a new engine: a first visit after a restart
                    data.activity_date_range()
                calls = page_calls(data, scope, nrp)  # the page's own lookups (level, dates) are cached
                (cold if attempt == 0 else warm).append(timed(calls[page]))
                cached.append(timed(calls[page]))
                if not skipped and (attempt == 0 or slow[0] < 1.0):  # a naive run of seconds varies little
                    slow.append(timed(naive[page]))
            row = {"scope": scope_name, "unit": scope.unit_code, "page": page, "cold_s": cold[0],
                   "warm_s": statistics.median(warm or cold), "cached_s": statistics.median(cached),
                   "naive_s": statistics.median(slow) if slow else None, "naive_over_ours": None,
                   "naive_rows": naive_counts[page], "naive_skipped": skipped,
                   "runs": {"cold": len(cold), "warm": len(warm), "cached": len(cached), "naive": len(slow)}}
            if slow and row["warm_s"]:
                row["naive_over_ours"] = row["naive_s"] / row["warm_s"]
            rows.append(row)
            naive_text = (f"naive {row['naive_s']:7.3f}s  ×{row['naive_over_ours']:5.1f}" if slow
                          else f"naive not run ({skipped})")
            print(f"  {scope_name:<9} {page:<16} cold {row['cold_s']:7.3f}s  warm {row['warm_s']:7.3f}s  "
                  f"{naive_text}", flush=True)
        loads[scope_name]["after"] = load_average()
    return rows, loads


def bench_exports(url: str) -> list[dict]:
    """Each export kind at each scope (as `manage.py export`)."""
    from queries.db import make_engine
    from queries.exports import KINDS, export_frame, to_csv

    engine = make_engine(url)
    with engine.connect() as conn:
        end = conn.execute(select(func.max(activities.c.local_date))).scalar()
    rows = []
    for scope_name, scope in pick_scopes(engine, end).items():
        for kind in KINDS:
            with engine.connect() as conn:
                started = time.perf_counter()
                text = to_csv(export_frame(conn, kind, scope))
                seconds = time.perf_counter() - started
            rows.append({"scope": scope_name, "export": kind, "seconds": seconds, "bytes": len(text)})
            print(f"  {scope_name:<9} export {kind:<13} {seconds:7.3f}s  {len(text) / 1e6:6.2f} MB", flush=True)
    return rows


def largest_scope_pages(url: str) -> float:
    """In a fresh process: every page of the largest scope, then this process's peak memory (MB)."""
    os.environ["BOS_DATABASE_URL"] = url
    from components import data
    from queries.db import make_engine

    quiet_cache_warnings()
    engine = make_engine(url)
    _, end = data.activity_date_range()
    scope = list(pick_scopes(engine, end).values())[-1]
    for call in page_calls(data, scope, first_officer(engine, scope)).values():
        call()
    return peak_memory_mb()


def peak_memory_mb() -> float:
    """This process's own peak resident memory (MB).

    VmHWM, not getrusage: Linux carries ru_maxrss across fork and exec, so a child would report
    its parent's peak (here the naive way's frames).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_memory_mb(url: str) -> float:
    """Peak memory (MB) of a fresh app-like process that serves every page of the largest scope."""
    # A new interpreter, not multiprocessing's spawn: spawn re-runs whatever __main__ is, and after an
    # AppTest that is dashboard.py.
    code = "import sys, benchmark; print(benchmark.largest_scope_pages(sys.argv[1]))"
    child = subprocess.run([sys.executable, "-c", code, url], cwd=Path(__file__).parent, capture_output=True,
                           text=True)
    # A child that failed printed no number: say "unknown" rather than guess.
    lines = child.stdout.split()
    return float(lines[-1]) if child.returncode == 0 and lines else float("nan")


def page_payload(url: str) -> dict:
    """The bytes of data the largest scope's main tables hand to the browser, and the app's peak memory."""
    os.environ["BOS_DATABASE_URL"] = url
    import pyarrow as pa

    from components import data
    from queries.db import make_engine

    engine = make_engine(url)
    _, end = data.activity_date_range()
    scope_name, scope = list(pick_scopes(engine, end).items())[-1]  # the largest scope
    sizes = {}
    # As the compliance page: a Polda or the nation lists its Polsek, the officers only on request.
    compliance = data.polsek_compliance(scope) if data.reads_aggregates(scope) else data.compliance_list(scope)
    for name, frame in {"village_map": data.village_map(scope), "rankings": data.child_rankings(scope),
                        "compliance_list": compliance}.items():
        sizes[name] = len(pa.ipc.serialize_pandas(frame.drop(columns=["geometry"], errors="ignore")).to_pybytes())
    return {"scope": scope_name, "bytes": sizes, "peak_rss_mb": page_memory_mb(url)}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (units, villages, officers, activities, complaints, crimes)}


def storage_mb(engine: Engine) -> dict[str, float]:
    """Size on disk of the largest tables with their indexes (PostgreSQL) or of the database file (SQLite)."""
    if engine.dialect.name != "postgresql":
        path = Path(engine.url.database or "")
        return {"database": path.stat().st_size / 2**20 if path.exists() else 0.0}
    with engine.connect() as conn:
        return {name: conn.exec_driver_sql(f"SELECT pg_total_relation_size('{name}')").scalar() / 2**20
                for name in ("activities", "officer_day_facts", "submission_hours", "villages", "complaints", "crimes")}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}"


def write_report(path: Path, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


def _seconds(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def runs_note(rows: list[dict]) -> str:
    """How many runs the figures are medians of (`--repeat 1` at scale: cold only, no warm median)."""
    runs = [r["runs"] for r in rows if "runs" in r]
    if not runs:
        return "runs per page not recorded"
    cached, naive = max(r["cached"] for r in runs), max(r["naive"] for r in runs)
    return (f"{cached} run{'s' if cached != 1 else ''} per page: cold = the first, warm = median of "
            f"{max(r['warm'] for r in runs) or '0 (the cold run)'}, cached = median of {cached}, "
            f"naive = median of up to {naive}")


def markdown_table(rows: list[dict]) -> str:
    """The pages' timings as a Markdown table (seconds; naive/ours = naive ÷ warm; – = naive not run)."""
    lines = [f"Runs: {runs_note(rows)}.", "",
             "| scope | page | cold s | warm s | cached s | naive s | naive/ours |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "–" if r.get("naive_over_ours") is None else f"{r['naive_over_ours']:.1f}"
        lines.append(f"| {r['scope']} | {r['page']} | {r['cold_s']:.3f} | {r['warm_s']:.3f} | {r['cached_s']:.4f} "
                     f"| {_seconds(r.get('naive_s'))} | {ratio} |")
    skipped = [f"{r['scope']} {r['page']}: {r['naive_skipped']}" for r in rows if r.get("naive_skipped")]
    if skipped:
        lines += ["", "Naive way not run — " + "; ".join(skipped) + "."]
    return "\n".join(lines)


PAGES = ("ringkasan", "peta", "kepatuhan", "rapor", "kualitas", "kualitas-daftar", "kualitas-salinan", "kualitas-gps",
         "pengaduan", "efektivitas", "perbandingan")
SCOPES = ("polsek", "polres", "polda", "nasional")
NAIVE_SCOPE = "polda"  # the ≥ 10× naive target is the Polda scope's


def _cold_cached(row: dict | None) -> str:
    return "–" if row is None else f"{row['cold_s']:.2f} / {row['cached_s'] * 1000:.0f} ms"


def _load_note(report: dict) -> str:
    loads = report.get("load") or {}
    return ", ".join(f"{scope} {' / '.join(map(str, load['before']))} → {' / '.join(map(str, load['after']))}"
                     for scope, load in loads.items() if "after" in load)


def report_tables(reports: dict[str, dict], before: dict | None = None, before_label: str = "before") -> str:
    """Markdown tables of saved reports (label -> report): cold/cached seconds per page and scope, naive ratio.

    With `before` (an older report), each scope it also measured gets a column of its figures beside today's.
    """
    out = []
    old = {(r["scope"], r["page"]): r for r in (before or {}).get("pages", [])}
    for label, report in reports.items():
        rows = {(r["scope"], r["page"]): r for r in report["pages"]}
        scopes = [s for s in SCOPES if any(key[0] == s for key in rows)]
        naive_scope = NAIVE_SCOPE if NAIVE_SCOPE in scopes else scopes[-1]
        out.append(f"**{label}** — {report['rows']['activities']:,} activities, "
                   f"{report['rows']['officers']:,} officers, {report['rows']['villages']:,} villages"
                   + (f"; import {report['import']['activities_per_s']:,.0f} activities/s"
                      if report.get("import") else "") + "\n")
        notes = [f"Machine: {report.get('machine', 'not recorded')}", runs_note(report["pages"])]
        if _load_note(report):
            notes.append(f"load average (1 / 5 / 15 min) before → after each scope: {_load_note(report)}")
        if before is not None:
            notes.append(f"{before_label}: {before.get('machine', 'machine not recorded')}")
        payload = report.get("payload") or {}
        if payload.get("peak_rss_mb") is not None:
            notes.append(f"app memory serving every page of the {payload['scope']} scope: "
                         f"{payload['peak_rss_mb']:,.0f} MB")
        out.append("; ".join(notes) + ".\n")
        header, columns = ["page"], []
        for scope in scopes:
            header.append(f"{scope} cold / cached")
            columns.append((rows, scope))
            if any(key[0] == scope for key in old):
                header.append(f"{scope} {before_label}")
                columns.append((old, scope))
        header += [f"naive ({naive_scope})", "naive ÷ ours cold"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|---|" + "---:|" * (len(header) - 1))
        skipped = []
        for page in PAGES:
            cells = [_cold_cached(source.get((scope, page))) for source, scope in columns]
            big = rows.get((naive_scope, page))
            naive = big and big.get("naive_s")
            ratio = f"{naive / big['cold_s']:.1f}×" if naive and big["cold_s"] else "–"
            if big and big.get("naive_skipped"):
                skipped.append(f"{page} ({big['naive_skipped']})")
            out.append(f"| {page} | " + " | ".join(cells) + f" | {_seconds(naive, 2) if naive else '–'} | {ratio} |")
        if skipped:
            out.append(f"\nNaive way not run at the {naive_scope} scope: " + "; ".join(skipped) + ".")
        out.append("")
    return "\n".join(out)


__all__ = ["CHILD_LEVEL", "bench_exports", "bench_pages", "counts", "load_average", "machine", "markdown_table",
           "naive_rows", "naive_skip_reason", "page_payload", "report_tables", "write_report"]
