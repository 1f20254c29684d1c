"""Random exports over the base units (hypothesis), imported in two files into a fresh database of either kind.

The aggregate tests check a stored table against its definition on such a database: the second file moves
reports of the first, so the incremental updates are exercised as well as the first load.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import base_units, base_villages, inside, photo, write_export
from conftest import fresh_postgres_engine
from ingest.importer import import_export
from queries.db import make_engine
from queries.migrations import create_schema
from queries.overview import activity_date_range

EXAMPLES = int(os.environ.get("BOS_HYPOTHESIS_EXAMPLES", "15")) // 3 or 1
PG_EXAMPLES = EXAMPLES * 2 // 5 or 1
OFFICERS = {"80010001": "PS-A", "80010002": "PS-B", "80010003": "PS-C"}
VILLAGES = {1: "35.21.01.2001", 2: "35.21.01.2002", 3: "35.21.02.2003", 4: "63.08.01.2004"}
DAY0 = datetime(2024, 3, 1)


@st.composite
def activity_files(draw):
    """Random reports over the base units from a small pool of ids, so a second file moves some of them."""
    rows = {}
    for _ in range(draw(st.integers(1, 30))):
        report_id = f"R{draw(st.integers(0, 40)):03d}"
        village = draw(st.integers(1, 4))  # any officer in any village: both Polsek bases are exercised
        at = DAY0 + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
        delay = timedelta(minutes=draw(st.sampled_from([-600, -30, 10, 60, 24 * 60, 24 * 60 + 1, 3000, 9000])))
        kind = draw(st.sampled_from(["dds", "dds", "binluh"]))
        gps = draw(st.sampled_from(["inside", "missing", "far"]))
        lat, lng = {"inside": inside(village), "missing": ("", ""), "far": inside(4 if village != 4 else 1)}[gps]
        rows[report_id] = {
            "report_id": report_id, "nrp": draw(st.sampled_from(sorted(OFFICERS))), "village_code": VILLAGES[village],
            "activity_type": kind, "activity_at": at.isoformat() + "+07:00",
            "submitted_at": (at + delay).isoformat() + "+07:00", "lat": lat, "lng": lng,
            "household_id": f"H{draw(st.integers(0, 5))}" if kind == "dds" else "", "narrative": "",
            "photo_sha256": draw(st.sampled_from(["", photo("p1")]))}
    return list(rows.values())


def random_database(backend: str, tmp_path):
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite'}")
        return engine, engine.dispose
    return fresh_postgres_engine()


def over_random_imports(test):
    """Run `test(backend, tmp_path, monkeypatch, first, second, days, unit_code)` on both databases, random files.

    Fewer examples on PostgreSQL, where a new schema makes each several times dearer: SQLite does the random
    search, PostgreSQL checks its dialect on the same property.
    """
    @pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
    def run(backend, tmp_path, monkeypatch):
        @settings(max_examples=EXAMPLES if backend == "sqlite" else PG_EXAMPLES, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(first=activity_files(), second=activity_files(), days=st.tuples(st.integers(0, 13), st.integers(0, 13)),
               unit_code=st.sampled_from([None, "PD-35", "PD-63"]))
        def drawn(first, second, days, unit_code):
            test(backend, tmp_path, monkeypatch, first, second, days, unit_code)

        drawn()

    run.__name__, run.__doc__ = test.__name__, test.__doc__  # not functools.wraps: pytest would read test's arguments
    return run


@contextmanager
def imported_twice(backend: str, tmp_path, first: list[dict], second: list[dict],
                   days: tuple[int, int]) -> Iterator[tuple]:
    """A connection to a fresh database that imported `first`, then `second`, and the window of `days`
    (day offsets from DAY0) clipped to the reports' dates."""
    engine, drop = random_database(backend, tmp_path)
    try:
        create_schema(engine)
        run = tmp_path / uuid.uuid4().hex
        officers = [{"nrp": nrp, "name": nrp, "rank": "", "unit_code": unit, "active_from": "", "active_to": ""}
                    for nrp, unit in OFFICERS.items()]
        assignments = [{"nrp": nrp, "village_code": VILLAGES[index + 1], "start_date": "2024-03-03", "end_date": ""}
                       for index, nrp in enumerate(OFFICERS)]
        for part, rows in (("first", first), ("second", second)):  # the second import moves reports of the first
            export = write_export(run / part, units=base_units(), villages=base_villages(), officers=officers,
                                  assignments=assignments, activities=rows)
            assert import_export(engine, export).ok
        with engine.connect() as conn:
            low, high = activity_date_range(conn)
            start = min(max(low, DAY0.date() + timedelta(days=min(days))), high)
            end = max(min(high, DAY0.date() + timedelta(days=max(days))), start)
            yield conn, (start, end)
    finally:
        drop()
