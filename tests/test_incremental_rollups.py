"""The rollups updated where an import reaches give exactly the tables a full rebuild gives (SQLite and PostgreSQL).

Random sequences of small imports: new reports, re-imports moving a report to another day, officer or
village, reports extending the activities' date range forward and backward, leave and outage files
(which rebuild) in between. After each import, officer_day_facts, submission_hours, its Polda sums and the
rollup's recorded range are compared with what rollups.rebuild makes of the same activities.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from builders import activity, base_units, base_villages, inside, photo, write_export
from conftest import fresh_postgres_engine
from ingest import rollups
from ingest.importer import import_export
from ingest.upsert import bulk_insert
from queries.db import make_engine
from queries.migrations import create_schema
from queries.policy import Policy
from queries.rollups import HOURS_KEY, META_KEY
from queries.schema import meta, officer_day_facts, officer_month_facts, polda_submission_hours, submission_hours

OFFICERS = {"80010001": ("PS-A", (1, 2)), "80010002": ("PS-B", (3,)), "80010003": ("PS-C", (4,))}
VILLAGE_CODES = {1: "35.21.01.2001", 2: "35.21.01.2002", 3: "35.21.02.2003", 4: "63.08.01.2004"}
DAY0 = datetime(2024, 3, 10)  # reports fall up to two weeks either side
POLICY = Policy()
EXAMPLES = int(os.environ.get("BOS_HYPOTHESIS_EXAMPLES", "10"))


def base_files() -> dict[str, list[dict]]:
    """Units, villages, officers and their assignments from 1 March 2024."""
    return {
        "units": base_units(), "villages": base_villages(),
        "officers": [{"nrp": nrp, "name": nrp, "rank": "", "unit_code": unit, "active_from": "", "active_to": ""}
                     for nrp, (unit, _) in OFFICERS.items()],
        "assignments": [{"nrp": nrp, "village_code": VILLAGE_CODES[v], "start_date": "2024-03-01", "end_date": ""}
                        for nrp, (_, villages) in OFFICERS.items() for v in villages],
    }


@st.composite
def reports(draw, report_id: str) -> dict:
    """One activities.csv row: any officer, day, delay (early, late, days late), GPS, photo and narrative."""
    nrp = draw(st.sampled_from(sorted(OFFICERS)))
    village = draw(st.sampled_from(OFFICERS[nrp][1]))
    at = DAY0 + timedelta(minutes=draw(st.integers(-14 * 24 * 60, 14 * 24 * 60)))
    delay = timedelta(minutes=draw(st.sampled_from([-30, 10, 60, 24 * 60 + 1, 3 * 24 * 60])))
    lat, lng = inside(village) if draw(st.booleans()) else ("", "")
    kind = draw(st.sampled_from(["dds", "binluh", "pelayanan"]))
    return {
        "report_id": report_id, "nrp": nrp, "village_code": VILLAGE_CODES[village], "activity_type": kind,
        # UTC instants: local dates then depend on the village's zone (WIB or WITA).
        "activity_at": at.isoformat() + "Z", "submitted_at": (at + delay).isoformat() + "Z", "lat": lat, "lng": lng,
        "household_id": f"H{draw(st.integers(0, 3))}" if kind == "dds" else "",
        "narrative": draw(st.sampled_from(["", "Sambang warga RT 01, situasi aman terkendali."])),
        "photo_sha256": draw(st.sampled_from(["", photo("p1")])),
    }


@st.composite
def steps(draw) -> list[dict[str, list[dict]]]:
    """Files of successive imports; report ids come from a small pool, so later files re-import earlier ones."""
    sequence = []
    for _ in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["activities", "activities", "activities", "leave", "outages"]))
        if kind == "activities":
            ids = draw(st.lists(st.integers(0, 11), min_size=1, max_size=5, unique=True))
            sequence.append({"activities": [draw(reports(f"R{i:02d}")) for i in ids]})
        elif kind == "leave":
            start = date(2024, 3, 1) + timedelta(days=draw(st.integers(0, 20)))
            sequence.append({"leave": [{"nrp": draw(st.sampled_from(sorted(OFFICERS))), "start_date": str(start),
                                        "end_date": str(start + timedelta(days=draw(st.integers(0, 5))))}]})
        else:
            start = DAY0 + timedelta(hours=draw(st.integers(-14 * 24, 14 * 24)))
            sequence.append({"outages": [{"start_at": start.isoformat() + "Z",
                                          "end_at": (start + timedelta(hours=draw(st.integers(1, 30)))).isoformat()
                                          + "Z", "unit_code": draw(st.sampled_from(["", "PS-A", "PS-C"])),
                                          "note": ""}]})
    return sequence


def rollup_state(conn) -> dict:
    """Both rollups and their meta records, as sorted row lists."""
    return {
        "facts": sorted(map(tuple, conn.execute(select(officer_day_facts)).all())),
        "months": sorted(map(tuple, conn.execute(select(officer_month_facts)).all())),
        "hours": sorted(map(tuple, conn.execute(select(submission_hours)).all())),
        "polda_hours": sorted(map(tuple, conn.execute(select(polda_submission_hours)).all())),
        "meta": {key: json.loads(value) if key == META_KEY else value for key, value in conn.execute(
            select(meta.c.key, meta.c.value).where(meta.c.key.in_([META_KEY, HOURS_KEY]))).all()},
    }


def assert_same_as_rebuild(engine) -> dict:
    """The stored rollups equal a full rebuild of the same activities (rolled back, so nothing is masked)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            incremental = rollup_state(conn)
            rollups.rebuild(conn, POLICY, bulk_insert)
            assert incremental == rollup_state(conn)
        finally:
            transaction.rollback()
    return incremental


def load(engine, directory, files) -> None:
    report = import_export(engine, write_export(directory, **files), policy=POLICY)
    assert report.ok, [str(p) for p in report.problems]


def new_database(backend: str, tmp_path):
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite'}")
        return engine, engine.dispose
    return fresh_postgres_engine()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
@given(sequence=steps())
def test_incremental_rollups_equal_a_rebuild(backend, tmp_path, sequence):
    engine, drop = new_database(backend, tmp_path)
    try:
        create_schema(engine)
        run = tmp_path / uuid.uuid4().hex
        load(engine, run / "base", base_files())
        for number, files in enumerate(sequence):
            load(engine, run / str(number), files)
            assert_same_as_rebuild(engine)
    finally:
        drop()


def test_a_daily_file_updates_only_what_it_reaches(engine, tmp_path, monkeypatch):
    # Mon 4 and Tue 5 March 2024; O1 reports both days, O2 on Tuesday.
    first = [activity("A1", activity_at="2024-03-04T09:00:00+07:00", submitted_at="2024-03-04T10:00:00+07:00"),
             activity("A2", activity_at="2024-03-05T09:00:00+07:00", submitted_at="2024-03-05T10:00:00+07:00"),
             activity("B1", nrp="80010002", village_code=VILLAGE_CODES[3], activity_at="2024-03-05T09:00:00+07:00",
                      submitted_at="2024-03-05T09:30:00+07:00", latlng=inside(3))]
    load(engine, tmp_path / "base", {**base_files(), "activities": first})
    before = assert_same_as_rebuild(engine)
    assert (before["meta"][META_KEY]["start"], before["meta"][META_KEY]["end"]) == ("2024-03-04", "2024-03-05")

    def no_rebuild(*args):
        raise AssertionError("an activities-only file must not rebuild the rollups")

    monkeypatch.setattr(rollups, "rebuild", no_rebuild)
    # The next day's file: A1 moves from Monday to Thursday 7 in O1's other village, B1 is re-sent 27 h
    # late, C1 (O3, WITA) is new on Wednesday 6.
    daily = [activity("A1", village_code=VILLAGE_CODES[2], activity_at="2024-03-07T09:00:00+07:00",
                      submitted_at="2024-03-07T23:30:00+07:00", latlng=inside(2)),
             activity("B1", nrp="80010002", village_code=VILLAGE_CODES[3], activity_at="2024-03-05T09:00:00+07:00",
                      submitted_at="2024-03-06T12:00:00+07:00", latlng=inside(3)),
             activity("C1", nrp="80010003", village_code=VILLAGE_CODES[4], activity_at="2024-03-06T09:00:00+08:00",
                      submitted_at="2024-03-06T10:00:00+08:00", latlng=inside(4))]
    load(engine, tmp_path / "daily", {"activities": daily})
    monkeypatch.undo()
    after = assert_same_as_rebuild(engine)
    # A1 left Monday: the range starts on Tuesday now, and Monday's rows are gone.
    assert (after["meta"][META_KEY]["start"], after["meta"][META_KEY]["end"]) == ("2024-03-05", "2024-03-07")
    facts = {(nrp, day): (expected, reports, late) for nrp, day, expected, reports, _, late, *_ in after["facts"]}
    # Every officer is assigned from 1 March: Tue-Thu are expected days for all three.
    assert facts == {
        ("80010001", date(2024, 3, 5)): (True, 1, 0), ("80010001", date(2024, 3, 6)): (True, 0, 0),
        ("80010001", date(2024, 3, 7)): (True, 1, 0),
        ("80010002", date(2024, 3, 5)): (True, 1, 1), ("80010002", date(2024, 3, 6)): (True, 0, 0),
        ("80010002", date(2024, 3, 7)): (True, 0, 0),
        ("80010003", date(2024, 3, 5)): (True, 0, 0), ("80010003", date(2024, 3, 6)): (True, 1, 0),
        ("80010003", date(2024, 3, 7)): (True, 0, 0),
    }
    # UTC hours: A1 left 4 March 03:00 for 7 March 16:00, B1 left 5 March 02:00 for 6 March 05:00.
    assert after["hours"] == [("PS-A", "2024-03-05 03", 1), ("PS-A", "2024-03-07 16", 1),
                              ("PS-B", "2024-03-06 05", 1), ("PS-C", "2024-03-06 02", 1)]
    # The Polda sums follow the same hours without a rebuild.
    assert after["polda_hours"] == [("PD-35", "2024-03-05 03", 1), ("PD-35", "2024-03-06 05", 1),
                                    ("PD-35", "2024-03-07 16", 1), ("PD-63", "2024-03-06 02", 1)]


def test_a_leave_file_rebuilds(engine, tmp_path, monkeypatch):
    load(engine, tmp_path / "base", {**base_files(), "activities": [activity("A1")]})
    calls = []
    real = rollups.rebuild
    monkeypatch.setattr(rollups, "rebuild", lambda *args: calls.append(args) or real(*args))
    load(engine, tmp_path / "leave", {"leave": [{"nrp": "80010001", "start_date": "2024-03-05",
                                                 "end_date": "2024-03-05"}]})
    assert len(calls) == 1
    with engine.connect() as conn:
        expected = conn.execute(select(officer_day_facts.c.expected).where(
            officer_day_facts.c.nrp == "80010001")).scalar_one()
    assert expected is False  # on leave the only day of the range, yet reported: kept with expected False


def test_touched_blocks_share_a_pass_only_when_it_stays_small():
    day = date(2024, 3, 5)
    keys = {("a", day), ("b", day), ("a", day + timedelta(days=1)), ("b", day + timedelta(days=1)),
            ("c", day + timedelta(days=200))}
    assert rollups.touched_blocks(keys) == [(day, day + timedelta(days=1), ["a", "b"]),
                                            (day + timedelta(days=200), day + timedelta(days=200), ["c"])]


def test_hour_runs_join_consecutive_hours():
    at = datetime(2024, 3, 5, 10, 15)
    runs = rollups.hour_runs({at, at + timedelta(minutes=50), at + timedelta(hours=3), at + timedelta(minutes=5)})
    assert runs == [(datetime(2024, 3, 5, 10), datetime(2024, 3, 5, 12)),
                    (datetime(2024, 3, 5, 13), datetime(2024, 3, 5, 14))]
