"""`manage.py bench`: every page's data, each export and the import, timed at a given scale.

For each scope (a Polsek, a Polres, a Polda and the whole country) and each page, the
benchmark calls the same `components.data` functions the page calls, in the same order:

- cold: a fresh engine and empty caches (the database's own buffers may be warm);
- warm: the same again with empty app caches (so the database does the work again);
- cached: the same again with the app's caches full (what the next visitor to the page waits).

Side by side, the naive way: load the scope's activities for what the page shows into pandas
and compute the page's counts there. The table and a JSON file give medians and naive/ours.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import platform
import resource
import statistics
import time
from dataclasses import dataclass
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
        data.child_rankings(scope)
        data.village_map(scope)  # the briefing pack's map
        data.scope_bounds(scope)

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

    def kualitas():
        data.quality_views(scope)
        data.quality_counts(scope)
        data.flagged_page(scope, 0, data.PAGE_ROWS, "worst", (), "")
        data.narrative_page(scope, 0, data.PAGE_ROWS, "worst")
        data.photo_page(scope, 0, data.PAGE_ROWS, "worst")
        data.travel_page(scope, 0, data.PAGE_ROWS, "worst")
        data.gps_page(scope, 0, data.PAGE_ROWS, "worst")
        data.map_outlines(scope)  # the GPS map's outlines
        data.scope_bounds(scope)

    def pengaduan():
        data.scope_complaints(scope)
        data.complaint_units(scope, below[0])
        data.alerts(scope)
        data.village_map(scope)

    def efektivitas():
        data.unit_counts(after, level)
        data.crime_months(Scope(after.unit_code, after.previous().start, after.end, after.policy), level)

    def perbandingan():
        frame = data.unit_counts(scope, below[0])
        data.unit_trends(scope, tuple(frame["unit_code"].head(6)))
        data.unit_shapes(scope, below[0])

    return {"ringkasan": ringkasan, "peta": lambda: (data.village_map(scope), data.scope_bounds(scope)),
            "kepatuhan": kepatuhan, "rapor": rapor, "kualitas": kualitas, "pengaduan": pengaduan,
            "efektivitas": efektivitas, "perbandingan": perbandingan}


def naive_calls(engine: Engine, scope: Scope) -> dict[str, callable]:
    """Per page, the naive way: read the scope's raw rows into pandas, then group and count there."""
    def load(table, start, end, where=()):
        query = select(table).where(table.c.village_code.in_(villages_in(scope)), *where)
        if start is not None:
            query = query.where(table.c.local_date >= start)
        query = query.where(table.c.local_date <= end)
        with engine.connect() as conn:
            return pd.read_sql(query, conn)

    def officer_and_village_counts(frame):
        frame.groupby(["nrp", "local_date"]).agg(reports=("report_id", "size"),
                                                  late=("flag_late", "sum"))
        dds = frame[frame["activity_type"] == "dds"]
        dds.groupby("village_code").agg(households=("household_id", "nunique"), visits=("report_id", "size"),
                                       last=("local_date", "max"))
        frame.filter(like="flag_").any(axis=1).groupby(frame["nrp"]).sum()

    previous = scope.previous()
    window = (scope.start, scope.end)

    def overview():
        officer_and_village_counts(load(activities, previous.start, scope.end))

    def coverage_map():
        officer_and_village_counts(load(activities, None, scope.end, [activities.c.activity_type == "dds"]))

    def per_window():
        officer_and_village_counts(load(activities, *window))

    def complaint_page():
        frame = load(complaints, *window)
        frame.groupby("village_code").agg(n=("complaint_id", "size"), answered=("first_response_at", "count"))

    def effectiveness():
        after_start = BOS_LAUNCH
        officer_and_village_counts(load(activities, after_start - timedelta(days=365), after_start
                                        + timedelta(days=364)))
        load(crimes, after_start - timedelta(days=365), after_start + timedelta(days=364)).groupby(
            "village_code").size()

    return {"ringkasan": overview, "peta": coverage_map, "kepatuhan": per_window, "rapor": per_window,
            "kualitas": per_window, "pengaduan": complaint_page, "efektivitas": effectiveness,
            "perbandingan": per_window}


@dataclass
class Timing:
    cold: float
    warm: float
    cached: float
    naive: float

    @property
    def ratio(self) -> float:
        return self.naive / self.warm if self.warm else float("nan")


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


def bench_pages(url: str, repeat: int = 3, scopes: list[str] | None = None) -> list[dict]:
    """Time every page for every scope: cold, warm, cached and naive (medians of `repeat` runs)."""
    os.environ["BOS_DATABASE_URL"] = url
    import streamlit as st

    quiet_cache_warnings()

    from components import data
    from queries.db import make_engine

    engine = make_engine(url)
    _, end = data.activity_date_range()
    rows = []
    for scope_name, scope in pick_scopes(engine, end).items():
        if scopes and scope_name not in scopes:
            continue
        nrp = first_officer(engine, scope)
        naive = naive_calls(engine, scope)
        for page in page_calls(data, scope, nrp):
            cold, warm, cached, slow = [], [], [], []
            for attempt in range(repeat):
                st.cache_data.clear()
                if attempt == 0:
                    st.cache_resource.clear()  # a new engine: a first visit after a restart
                    data.activity_date_range()
                calls = page_calls(data, scope, nrp)  # the page's own lookups (level, dates) are cached
                (cold if attempt == 0 else warm).append(timed(calls[page]))
                cached.append(timed(calls[page]))
                if attempt == 0 or slow[0] < 1.0:  # a naive run of seconds varies little; one is enough
                    slow.append(timed(naive[page]))
            timing = Timing(cold[0], statistics.median(warm or cold), statistics.median(cached),
                            statistics.median(slow))
            rows.append({"scope": scope_name, "unit": scope.unit_code, "page": page, "cold_s": timing.cold,
                         "warm_s": timing.warm, "cached_s": timing.cached, "naive_s": timing.naive,
                         "naive_over_ours": timing.ratio})
            print(f"  {scope_name:<9} {page:<13} cold {timing.cold:7.3f}s  warm {timing.warm:7.3f}s  "
                  f"naive {timing.naive:7.3f}s  ×{timing.ratio:5.1f}", flush=True)
    return rows


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


def _largest_scope_pages(url: str, results) -> None:
    """In a fresh process: every page of the largest scope, then this process's peak memory."""
    os.environ["BOS_DATABASE_URL"] = url
    from components import data
    from queries.db import make_engine

    quiet_cache_warnings()
    engine = make_engine(url)
    _, end = data.activity_date_range()
    scope = list(pick_scopes(engine, end).values())[-1]
    for call in page_calls(data, scope, first_officer(engine, scope)).values():
        call()
    results.put(peak_memory_mb())


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
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_largest_scope_pages, args=(url, results))
    child.start()
    child.join()
    # A child that failed put nothing; say "unknown" rather than wait for ever.
    return results.get() if child.exitcode == 0 and not results.empty() else float("nan")


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
    for name, frame in {"village_map": data.village_map(scope), "rankings": data.child_rankings(scope),
                        "compliance_list": data.compliance_list(scope)}.items():
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


def markdown_table(rows: list[dict]) -> str:
    """The pages' timings as a Markdown table (seconds; naive/ours = naive ÷ warm)."""
    lines = ["| scope | page | cold s | warm s | cached s | naive s | naive/ours |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['scope']} | {r['page']} | {r['cold_s']:.3f} | {r['warm_s']:.3f} | {r['cached_s']:.4f} "
                     f"| {r['naive_s']:.3f} | {r['naive_over_ours']:.1f} |")
    return "\n".join(lines)


PAGES = ("ringkasan", "peta", "kepatuhan", "rapor", "kualitas", "pengaduan", "efektivitas", "perbandingan")
SCOPES = ("polsek", "polres", "polda", "nasional")


def report_tables(reports: dict[str, dict]) -> str:
    """Markdown tables of saved reports (label -> report): cold/cached seconds per page and scope, naive ratio."""
    out = []
    for label, report in reports.items():
        rows = {(r["scope"], r["page"]): r for r in report["pages"]}
        scopes = [s for s in SCOPES if any(key[0] == s for key in rows)]
        largest = scopes[-1]
        out.append(f"**{label}** — {report['rows']['activities']:,} activities, "
                   f"{report['rows']['officers']:,} officers, {report['rows']['villages']:,} villages"
                   + (f"; import {report['import']['activities_per_s']:,.0f} activities/s"
                      if report.get("import") else "") + "\n")
        out.append("| page | " + " | ".join(f"{s} cold / cached" for s in scopes)
                   + f" | naive ({largest}) | naive ÷ ours cold |")
        out.append("|---|" + "---:|" * (len(scopes) + 2))
        for page in PAGES:
            cells = [f"{rows[(s, page)]['cold_s']:.2f} / {rows[(s, page)]['cached_s'] * 1000:.0f} ms" for s in scopes]
            big = rows[(largest, page)]
            out.append(f"| {page} | " + " | ".join(cells) + f" | {big['naive_s']:.2f} | "
                       f"{big['naive_s'] / big['cold_s']:.1f}× |")
        out.append("")
    return "\n".join(out)


__all__ = ["CHILD_LEVEL", "bench_exports", "bench_pages", "counts", "machine", "markdown_table", "page_payload",
           "write_report"]
