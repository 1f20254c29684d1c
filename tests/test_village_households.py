"""Households visited per village from village_dds_days equal the definition (distinct household_id of the
window's DDS visits), on both databases: hand world, every window, imports that move visits, a re-import,
the sample, random exports (hypothesis), and the migration's backfill.
"""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from random_exports import VILLAGES, imported_twice, over_random_imports
from sqlalchemy import text

from builders import activity, base_export, write_export
from ingest import aggregates as build
from ingest.importer import import_export
from queries import aggregates
from queries.coverage import village_coverage
from queries.overview import activity_date_range
from queries.schema import units, village_dds_days
from queries.scope import Scope, settings_policy

V1, V2 = "35.21.01.2001", "35.21.01.2002"


def at(day: int) -> str:
    return f"2024-03-{day:02d}T09:00:00+07:00"


def visit(report_id: str, village: str, day: int, household: str, kind: str = "dds") -> dict:
    return activity(report_id, village_code=village, activity_type=kind, activity_at=at(day),
                    submitted_at=at(day).replace("T09", "T10"), household_id=household if kind == "dds" else "")


HAND = [visit("R1", V1, 1, "H1"), visit("R2", V1, 1, "H1"), visit("R3", V1, 2, "H2"), visit("R4", V1, 5, "H1"),
        visit("R5", V1, 9, "H2"), visit("R6", V2, 5, "H1"), visit("R7", V1, 3, "", "binluh")]


@pytest.fixture
def hand(engine, tmp_path):
    report = import_export(engine, base_export(tmp_path / "hand", activities=HAND))
    assert report.ok, [str(p) for p in report.problems]
    return engine


@pytest.fixture(scope="module")
def read_hand(module_engine, tmp_path_factory):
    """The hand export imported once per database, for tests that only read it or roll their writes back."""
    report = import_export(module_engine, base_export(tmp_path_factory.mktemp("hand"), activities=HAND))
    assert report.ok, [str(p) for p in report.problems]
    return module_engine


def numbers(conn, scope: Scope) -> pd.DataFrame:
    return village_coverage(conn, scope)[["village_code", "households_visited", "dds_visits", "last_dds_date"]]


def both_ways(conn, scope: Scope, monkeypatch) -> pd.DataFrame:
    """The coverage read from village_dds_days, after checking it equals the definition's (aggregates off)."""
    assert aggregates.recorded(conn) is not None
    served = numbers(conn, scope)
    with monkeypatch.context() as patch:
        patch.setattr(aggregates, "recorded", lambda conn: None)
        defined = numbers(conn, scope)
    pd.testing.assert_frame_equal(served, defined)
    return served.set_index("village_code")


def visited(frame: pd.DataFrame, village: str) -> tuple[int, int]:
    return int(frame.loc[village, "households_visited"]), int(frame.loc[village, "dds_visits"])


def stored(conn) -> list[tuple]:
    return sorted((tuple(row) for row in conn.execute(village_dds_days.select())),
                  key=lambda row: (row[0], row[1], row[2] or date.min))


def rebuilt(conn) -> list[tuple]:
    """What a full rebuild stores, rolled back."""
    transaction = conn.begin_nested()
    try:
        conn.execute(village_dds_days.delete())
        build.store_households(conn, None)
        return stored(conn)
    finally:
        transaction.rollback()


@pytest.mark.parametrize("window, v1, v2", [
    ((1, 9), (2, 5), (1, 1)),  # H1 three times (twice on the 1st), H2 twice
    ((2, 5), (2, 2), (1, 1)),  # H2 first seen on the 2nd, H1 seen again on the 5th: its earlier visit is before
    ((5, 9), (2, 2), (1, 1)),
    ((1, 1), (1, 2), (0, 0)),  # two visits of H1 on one day: one household
    ((6, 8), (0, 0), (0, 0)),
])
@pytest.mark.parametrize("unit_code", [None, "PD-35", "PS-A"])
def test_hand_world_households_per_window(read_hand, monkeypatch, window, v1, v2, unit_code):
    with read_hand.connect() as conn:
        frame = both_ways(conn, Scope(unit_code, date(2024, 3, window[0]), date(2024, 3, window[1])), monkeypatch)
    assert visited(frame, V1) == v1 and visited(frame, V2) == v2  # H1 of V2 is another household than V1's


def test_hand_world_rows(read_hand):
    with read_hand.connect() as conn:
        rows = stored(conn)
    day = lambda d: date(2024, 3, d)  # noqa: E731
    assert rows == [(V1, day(1), None, 1), (V1, day(1), day(1), 1), (V1, day(2), None, 1), (V1, day(5), day(1), 1),
                    (V1, day(9), day(2), 1), (V2, day(5), None, 1)]


def test_an_import_that_moves_visits_keeps_the_rows_exact(hand, tmp_path, monkeypatch):
    # R4 becomes H2's visit of the 8th (so R5's previous visit is the 8th, no longer the 2nd); R6 leaves V2 for
    # V1 as H3 on the 4th; R7 becomes a DDS visit of H1 on the 3rd.
    moved = [visit("R4", V1, 8, "H2"), visit("R6", V1, 4, "H3"), visit("R7", V1, 3, "H1")]
    report = import_export(hand, write_export(tmp_path / "moved", activities=moved))
    assert report.ok, [str(p) for p in report.problems]
    with hand.connect() as conn:
        assert stored(conn) == rebuilt(conn)
        assert not [row for row in stored(conn) if row[0] == V2]
        frame = both_ways(conn, Scope(None, date(2024, 3, 3), date(2024, 3, 9)), monkeypatch)
        assert visited(frame, V1) == (3, 4) and visited(frame, V2) == (0, 0)  # H1 (3rd), H3 (4th), H2 (8th, 9th)
        frame = both_ways(conn, Scope(None, date(2024, 3, 9), date(2024, 3, 9)), monkeypatch)
        assert visited(frame, V1) == (1, 1)
        for start in range(1, 10):
            for end in range(start, 10):
                both_ways(conn, Scope("PD-35", date(2024, 3, start), date(2024, 3, end)), monkeypatch)
        before = stored(conn)
    again = import_export(hand, write_export(tmp_path / "again", activities=moved))  # the same rows: no change
    assert again.ok
    with hand.connect() as conn:
        assert stored(conn) == before


def test_a_new_day_updates_the_touched_villages_only(hand, tmp_path, monkeypatch):
    """Each touched village is recomputed from its own earliest changed date; the others not at all."""
    calls = []
    original = build.store_households
    monkeypatch.setattr(build, "store_households",
                        lambda conn, codes, since=None: calls.append((codes, since)) or original(conn, codes, since))
    report = import_export(hand, write_export(tmp_path / "daily", activities=[visit("N1", V2, 10, "H1")]))
    assert report.ok, [str(p) for p in report.problems]
    assert calls == [([V2], date(2024, 3, 10))]
    # A back-dated report restarts its own village only: V1 from H2's visit of the 4th (R5's previous date moves
    # from the 2nd to it), V2 from the 11th, not from the 4th.
    calls.clear()
    report = import_export(hand, write_export(tmp_path / "late", activities=[visit("N2", V2, 11, "H1"),
                                                                              visit("N3", V1, 4, "H2")]))
    assert report.ok, [str(p) for p in report.problems]
    assert calls == [([V1], date(2024, 3, 4)), ([V2], date(2024, 3, 11))]
    monkeypatch.undo()
    with hand.connect() as conn:
        assert stored(conn) == rebuilt(conn)
        assert (V1, date(2024, 3, 9), date(2024, 3, 4), 1) in stored(conn)
        frame = both_ways(conn, Scope(None, date(2024, 3, 1), date(2024, 3, 10)), monkeypatch)
    assert visited(frame, V2) == (1, 2)


@pytest.mark.parametrize("since", range(1, 11))
def test_rows_from_a_date_on_equal_the_hand_rows(read_hand, since):
    # From `since` on only: a household's first visit there takes its previous date from the index lookup
    # (since 5: H1's 5th <- the 1st, H2's 9th <- the 2nd), its later ones from LAG (since 2: H2's 9th <- the 2nd).
    day = lambda d: date(2024, 3, d)  # noqa: E731
    expected = [(V1, day(1), None, 1), (V1, day(1), day(1), 1), (V1, day(2), None, 1), (V1, day(5), day(1), 1),
                (V1, day(9), day(2), 1), (V2, day(5), None, 1)]
    with read_hand.connect() as conn, conn.begin() as transaction:
        conn.execute(village_dds_days.delete().where(village_dds_days.c.local_date >= day(since)))
        build.store_households(conn, [V1, V2], day(since))
        assert stored(conn) == expected
        conn.execute(village_dds_days.delete().where(village_dds_days.c.local_date >= day(since)))
        build.store_households(conn, [V2], day(since))  # V1's rows from `since` on are not recomputed
        assert stored(conn) == [row for row in expected if row[0] == V2 or row[1] < day(since)]
        transaction.rollback()  # the shared database keeps its rows for the next test


def test_the_migration_backfill_equals_the_import(hand):
    path = Path(__file__).parents[1] / "migrations" / "versions" / "0011_village_households.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with hand.begin() as conn:
        kept = stored(conn)
        conn.execute(village_dds_days.delete())
        conn.execute(text(migration.BACKFILL))
        assert stored(conn) == kept


def test_sample_households_equal_the_definition(sample, monkeypatch):
    with sample.connect() as conn:
        first, last = activity_date_range(conn)
        polda = conn.execute(units.select().where(units.c.level == "polda").order_by(units.c.code)).first().code
        for unit_code in (None, polda):
            for window in ((last - timedelta(days=29), last), (first, last), (last - timedelta(days=6), last),
                           (first + timedelta(days=10), first + timedelta(days=40))):
                frame = both_ways(conn, Scope(unit_code, *window), monkeypatch)
                assert frame["households_visited"].sum() > 0


@over_random_imports
def test_random_exports_households_equal_the_definition(backend, tmp_path, monkeypatch, first, second, days,
                                                        unit_code):
    with imported_twice(backend, tmp_path, first, second, days) as (conn, window):
        assert stored(conn) == rebuilt(conn)
        both_ways(conn, Scope(unit_code, *window), monkeypatch)


def test_a_policy_change_keeps_the_households(hand):
    """The rows depend on no policy: a rebuild under another policy stores the same."""
    other = settings_policy().__class__(**{**settings_policy().__dict__, "late_after_hours": 48})
    with hand.begin() as conn:
        before = stored(conn)
        build.rebuild(conn, other)
        assert stored(conn) == before
    assert VILLAGES[1] == V1
