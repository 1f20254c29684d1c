"""The group measures (duplicate photo, duplicate narrative, travel) computed set-wise in SQL.

Hand-checked imports, then a property: after every import of a random sequence, the table holds
exactly what a full recompute gives and what the Python of earlier releases computed (kept below
as the reference), and update_group_measures names exactly the stored rows it changed.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import datetime, timedelta
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, literal, select

from builders import activity, base_export, inside, photo, write_export
from ingest import group_flags
from ingest.changes import REPLACED_COLUMNS, ActivityChanges
from ingest.geo import haversine_km
from ingest.group_flags import rebuild_group_measures, update_group_measures
from ingest.importer import import_export
from queries.db import rows_up_to
from queries.schema import activities, meta

MEASURES = ("flag_duplicate_photo", "flag_duplicate_narrative", "travel_km", "travel_seconds")
# Villages 1 and 3 of the builders lie 0.04 degrees of longitude apart at latitude -6.995.
KM_V1_V3 = 6371.0088 * math.cos(math.radians(6.995)) * math.radians(0.04)  # 4.4146 km
EXAMPLES = int(os.environ.get("BOS_HYPOTHESIS_EXAMPLES", "25"))


def measures(engine) -> dict[str, tuple]:
    """report_id -> (duplicate photo, duplicate narrative, travel_km, travel_seconds) as stored."""
    with engine.connect() as conn:
        rows = conn.execute(select(activities.c.report_id, *(activities.c[m] for m in MEASURES))).all()
    return {rid: (bool(photo_flag), bool(narrative_flag), km, seconds)
            for rid, photo_flag, narrative_flag, km, seconds in rows}


def repeats(engine) -> dict[str, bool]:
    """report_id -> narrative_repeats as stored."""
    with engine.connect() as conn:
        return {rid: bool(mark) for rid, mark in conn.execute(select(activities.c.report_id,
                                                                     activities.c.narrative_repeats))}


def load(engine, tmp_path, name: str, rows: list[dict], base: bool = False) -> None:
    directory = tmp_path / name
    export = base_export(directory, activities=rows) if base else write_export(directory, activities=rows)
    report = import_export(engine, export)
    assert report.ok, [str(p) for p in report.problems]


def test_shared_photo_across_officers_then_a_resubmission_reorders_it(engine, tmp_path):
    shared = photo("balai-desa")
    load(engine, tmp_path, "one", [
        activity("A1", submitted_at="2024-03-05T10:00:00+07:00", photo_sha256=shared),
        activity("B1", nrp="80010002", village_code="35.21.02.2003", latlng=inside(3),
                 submitted_at="2024-03-05T09:30:00+07:00", photo_sha256=shared),
        activity("A2", submitted_at="2024-03-05T11:00:00+07:00", photo_sha256=shared),
        activity("A3", submitted_at="2024-03-05T11:30:00+07:00", photo_sha256=photo("other")),
        activity("A4", submitted_at="2024-03-05T12:00:00+07:00"),
    ], base=True)
    flagged = {rid for rid, m in measures(engine).items() if m[0]}
    assert flagged == {"A1", "A2"}  # B1 was submitted first, by another officer

    # B1 submitted again later: A1 is now the first, so B1 and A2 are the copies.
    load(engine, tmp_path, "two", [
        activity("B1", nrp="80010002", village_code="35.21.02.2003", latlng=inside(3),
                 submitted_at="2024-03-05T12:30:00+07:00", photo_sha256=shared)])
    assert {rid for rid, m in measures(engine).items() if m[0]} == {"B1", "A2"}

    # A1 loses its photo: A2 (11:00) is now the first, B1 (12:30) the only copy.
    load(engine, tmp_path, "three", [activity("A1", submitted_at="2024-03-05T10:00:00+07:00")])
    assert {rid for rid, m in measures(engine).items() if m[0]} == {"B1"}


def test_same_narrative_same_officer_versus_another_officer(engine, tmp_path):
    text = "Sambang warga RT 01, situasi aman terkendali."
    load(engine, tmp_path, "one", [
        activity("N1", submitted_at="2024-03-05T10:00:00+07:00", narrative=text),
        activity("N2", submitted_at="2024-03-05T11:00:00+07:00", narrative=text.upper() + " !!"),
        activity("M1", nrp="80010002", village_code="35.21.02.2003", latlng=inside(3),
                 submitted_at="2024-03-05T09:00:00+07:00", narrative=text),
    ], base=True)
    assert {rid: m[1] for rid, m in measures(engine).items()} == {"N1": False, "N2": True, "M1": False}
    assert repeats(engine) == {"N1": True, "N2": True, "M1": False}  # any officer's earlier report: M1 at 09:00

    # N2 resubmitted before N1: now N1 is the copy.
    load(engine, tmp_path, "two", [
        activity("N2", submitted_at="2024-03-05T09:30:00+07:00", narrative=text.upper() + " !!")])
    assert {rid: m[1] for rid, m in measures(engine).items()} == {"N1": True, "N2": False, "M1": False}
    assert repeats(engine) == {"N1": True, "N2": True, "M1": False}

    # M1 resubmitted last: N2 (09:30) is now the narrative's first report of all, M1 repeats it.
    load(engine, tmp_path, "three", [
        activity("M1", nrp="80010002", village_code="35.21.02.2003", latlng=inside(3),
                 submitted_at="2024-03-05T12:00:00+07:00", narrative=text)])
    assert {rid: m[1] for rid, m in measures(engine).items()} == {"N1": True, "N2": False, "M1": False}
    assert repeats(engine) == {"N1": True, "N2": False, "M1": True}


def test_travel_pairs_same_instant_and_a_report_moved_earliest(engine, tmp_path):
    load(engine, tmp_path, "one", [
        activity("T1", activity_at="2024-03-05T09:00:00+07:00", latlng=inside(1)),
        activity("T2", activity_at="2024-03-05T09:03:00+07:00", latlng=inside(3)),
        activity("T3", activity_at="2024-03-05T09:03:00+07:00", latlng=inside(1)),  # same instant as T2
        activity("T4", activity_at="2024-03-05T09:10:00+07:00", latlng=(None, None)),
        activity("T5", activity_at="2024-03-05T09:20:00+07:00", latlng=inside(1)),
    ], base=True)
    stored = measures(engine)
    assert stored["T1"][2:] == (None, None)
    assert stored["T2"][2] == pytest.approx(KM_V1_V3, rel=1e-6) and stored["T2"][3] == 180.0
    assert stored["T3"][2] == pytest.approx(KM_V1_V3, rel=1e-6) and stored["T3"][3] == 0.0
    assert stored["T4"][2:] == (None, None)
    assert stored["T5"] == (False, False, 0.0, 17 * 60.0)

    # T5 re-dated to 08:50 in village 3: it becomes the officer's first report, T1 follows it.
    load(engine, tmp_path, "two", [activity("T5", activity_at="2024-03-05T08:50:00+07:00",
                                            submitted_at="2024-03-05T08:55:00+07:00", latlng=inside(3))])
    stored = measures(engine)
    assert stored["T5"][2:] == (None, None)
    assert stored["T1"][2] == pytest.approx(KM_V1_V3, rel=1e-6) and stored["T1"][3] == 600.0
    assert stored["T2"][3] == 180.0 and stored["T3"][3] == 0.0


@pytest.fixture
def reference_data(engine, tmp_path):
    """Units, villages and officers of the builders; no activities."""
    report = import_export(engine, base_export(tmp_path / "base"))
    assert report.ok
    return engine


def stored_row(report_id: str, nrp: str, activity_at: datetime, submitted_at: datetime, lat, lng,
               photo_sha256: str | None, narrative_key: str | None) -> dict:
    """An activities row as the writer stores it, with the group measures unset."""
    return {"report_id": report_id, "nrp": nrp, "village_code": "35.21.01.2001", "activity_type": "binluh",
            "activity_at": activity_at, "submitted_at": submitted_at, "local_date": activity_at.date(),
            "lat": lat, "lng": lng, "photo_sha256": photo_sha256, "narrative_key": narrative_key,
            "delay_seconds": (submitted_at - activity_at).total_seconds(), "flag_duplicate_photo": False,
            "flag_duplicate_narrative": False, "travel_km": None, "travel_seconds": None}


def stored_versions(conn, report_ids: set[str]) -> list[dict]:
    """What ActivityChanges.replaced holds for these reports, read before they are updated (as the writer does)."""
    query = select(*(activities.c[name] for name in REPLACED_COLUMNS)).where(activities.c.report_id.in_(report_ids))
    return [dict(row) for row in conn.execute(query.order_by(activities.c.report_id)).mappings()]


def write_then_update(conn, rows: list[dict]) -> tuple[set[str], set[str]]:
    """Upsert rows with unset measures, then update_group_measures; return (its answer, what really changed)."""
    before = {r[0]: tuple(r[1:]) for r in conn.execute(select(activities.c.report_id,
                                                              *(activities.c[m] for m in MEASURES)))}
    ids = {row["report_id"] for row in rows}
    replaced = stored_versions(conn, ids)
    for row in rows:
        if row["report_id"] in before:
            conn.execute(activities.update().where(activities.c.report_id == row["report_id"]).values(row))
        else:
            conn.execute(activities.insert().values(row))
    answer = update_group_measures(conn, ActivityChanges(ids, replaced))
    after = {r[0]: tuple(r[1:]) for r in conn.execute(select(activities.c.report_id,
                                                             *(activities.c[m] for m in MEASURES)))}
    really = {rid for rid, values in after.items() if rid not in ids and before.get(rid) != values}
    return answer, really


def test_moving_a_report_earliest_recomputes_only_from_there(reference_data):
    at = datetime(2024, 3, 5, 2, 0)
    rows = [stored_row(rid, "80010001", at + timedelta(minutes=m), at + timedelta(hours=1), -6.995, lng, None, None)
            for rid, m, lng in (("U1", 0, 110.005), ("U2", 10, 110.045), ("U3", 20, 110.005))]
    with reference_data.begin() as conn, mock.patch.object(group_flags, "WHOLE_TABLE_SHARE", 2.0):
        write_then_update(conn, rows)
        moved = dict(rows[2], activity_at=at - timedelta(minutes=10), local_date=at.date())
        answer, really = write_then_update(conn, [moved])
    assert answer == really == {"U1"}  # U1 now follows U3; U2 still follows U1
    stored = measures(reference_data)
    assert stored["U3"][2:] == (None, None)
    assert stored["U1"] == (False, False, 0.0, 600.0)
    assert stored["U2"][2] == pytest.approx(KM_V1_V3, rel=1e-6) and stored["U2"][3] == 600.0


# --- the property ------------------------------------------------------------------------------

def reference_measures(rows: list[dict]) -> dict[str, tuple]:
    """The group measures as the Python of earlier releases computed them over all rows (the oracle)."""
    computed: dict[str, dict] = defaultdict(dict)
    _duplicates(rows, lambda r: r["photo_sha256"], "flag_duplicate_photo", computed)
    _duplicates(rows, lambda r: (r["nrp"], r["narrative_key"]) if r["narrative_key"] else None,
                "flag_duplicate_narrative", computed)
    _travel(rows, computed)
    return {rid: tuple(values[m] for m in MEASURES) for rid, values in computed.items()}


def reference_repeats(rows: list[dict]) -> dict[str, bool]:
    """narrative_repeats by its definition: every report of a narrative key but the earliest of any officer's."""
    computed: dict[str, dict] = defaultdict(dict)
    _duplicates(rows, lambda r: r["narrative_key"], "narrative_repeats", computed)
    return {rid: values["narrative_repeats"] for rid, values in computed.items()}


def _duplicates(rows, group_of, column: str, computed: dict) -> None:
    """Within each group, every row but the earliest by (submitted_at, report_id) is a duplicate."""
    groups: dict = defaultdict(list)
    for row in rows:
        group = group_of(row)
        if group is None:
            computed[row["report_id"]][column] = False
        else:
            groups[group].append(row)
    for members in groups.values():
        members.sort(key=lambda r: (r["submitted_at"], r["report_id"]))
        for position, row in enumerate(members):
            computed[row["report_id"]][column] = position > 0


def _travel(rows, computed: dict) -> None:
    """Distance and time from each GPS report to the officer's previous one, by (activity_at, report_id)."""
    by_officer: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["lat"] is None or row["lng"] is None:
            computed[row["report_id"]].update(travel_km=None, travel_seconds=None)
        else:
            by_officer[row["nrp"]].append(row)
    for members in by_officer.values():
        members.sort(key=lambda r: (r["activity_at"], r["report_id"]))
        computed[members[0]["report_id"]].update(travel_km=None, travel_seconds=None)
        if len(members) == 1:
            continue
        lat = np.array([r["lat"] for r in members])
        lng = np.array([r["lng"] for r in members])
        km = haversine_km(lat[:-1], lng[:-1], lat[1:], lng[1:])
        for previous, row, distance in zip(members, members[1:], km):
            seconds = (row["activity_at"] - previous["activity_at"]).total_seconds()
            computed[row["report_id"]].update(travel_km=float(distance), travel_seconds=seconds)


DAY0 = datetime(2024, 3, 1)
INSTANTS = [DAY0, DAY0 + timedelta(minutes=5), DAY0 + timedelta(minutes=5, microseconds=1)]
instants = st.one_of(st.sampled_from(INSTANTS),
                     st.integers(0, 400 * 86_400 * 10**6).map(lambda us: DAY0 + timedelta(microseconds=us)))
coordinates = st.one_of(
    st.sampled_from([(-6.995, 110.005), (-6.995, 110.045), (None, None), (-6.995, None)]),
    st.tuples(st.floats(-7.0, -6.9), st.floats(110.0, 110.1)))
reports = st.builds(
    lambda rid, nrp, at, delay, point, photo_name, key: stored_row(
        rid, nrp, at, at + delay, point[0], point[1], photo_name and photo(photo_name), key and photo(key)),
    st.sampled_from([f"R{i}" for i in range(8)]), st.sampled_from(["80010001", "80010002"]), instants,
    st.sampled_from([timedelta(0), timedelta(minutes=7), timedelta(days=2)]), coordinates,
    st.sampled_from([None, "p1", "p2"]), st.sampled_from([None, "n1", "n2"]))
imports = st.lists(st.lists(reports, min_size=1, max_size=6).map(lambda rows: list({r["report_id"]: r
                                                                                     for r in rows}.values())),
                   min_size=1, max_size=4)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
@given(sequence=imports, share=st.sampled_from([0.0, 0.5, 2.0]))
def test_update_after_each_import_equals_a_full_recompute_and_the_earlier_python(reference_data, sequence, share):
    engine = reference_data
    with engine.begin() as conn:
        conn.execute(activities.delete())
    for rows in sequence:
        with engine.begin() as conn, mock.patch.object(group_flags, "WHOLE_TABLE_SHARE", share):
            answer, really = write_then_update(conn, rows)
        assert answer == really
        with engine.connect() as conn:
            stored = [dict(row) for row in conn.execute(select(activities)).mappings()]
        assert measures(engine) == reference_measures(stored)
        assert repeats(engine) == reference_repeats(stored)
    with engine.begin() as conn:
        assert rebuild_group_measures(conn) == set()


def test_rows_up_to_counts_exactly_below_the_limit_and_stops_at_it(engine):
    with engine.begin() as conn:
        conn.execute(meta.delete())
        conn.execute(meta.insert(), [{"key": f"k{number}", "value": ""} for number in range(5)])
        assert [rows_up_to(conn, meta, limit) for limit in (1, 4, 5, 6, 100)] == [1, 4, 5, 5, 5]
        conn.execute(meta.delete())
        assert rows_up_to(conn, meta, 1) == 0


def test_elapsed_time_keeps_a_fraction_that_sqlite_would_round_to_the_next_second():
    # Found by the property test above: SQLite's strftime('%s') rounds 04:41:14.9995 to :15 (it keeps milliseconds).
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        later, earlier = literal("2024-03-01 04:41:14.999500"), literal("2024-03-01 00:00:00.000000")
        elapsed = conn.execute(select(group_flags._elapsed_microseconds(conn, later, earlier))).scalar_one()
    assert elapsed == (4 * 3600 + 41 * 60 + 14) * 1_000_000 + 999_500
