"""The seven activity flags on hand-built fixtures, including rows that arrive in later imports."""

from __future__ import annotations

import math

from sqlalchemy import select

from builders import activity, base_export, inside, photo, write_csv, write_export
from ingest.importer import import_export
from ingest.validate import normalise_narrative
from queries.flags import FLAG_NAMES, flag_expressions
from queries.policy import Policy
from queries.schema import activities

METRES_PER_DEGREE = math.radians(1) * 6_371_008.8
V1_CENTRE_LAT = -6.995  # test village 1 spans lat -7.0 .. -6.99, lng 110.0 .. 110.01


def flags(engine, policy: Policy | None = None) -> dict[str, set[str]]:
    """report_id -> names of raised flags, as stored (or computed under another policy)."""
    with engine.connect() as conn:
        if policy is None:
            columns = [activities.c[f"flag_{name}"].label(name) for name in FLAG_NAMES]
        else:
            columns = [expr.label(name) for name, expr in flag_expressions(policy).items()]
        rows = conn.execute(select(activities.c.report_id, *columns)).mappings().all()
    return {row["report_id"]: {name for name in FLAG_NAMES if row[name]} for row in rows}


def load(engine, tmp_path, rows, name="export", **files):
    report = import_export(engine, base_export(tmp_path / name, activities=rows, **files))
    assert report.ok, [str(p) for p in report.problems]
    return report


def east_of_village_1(metres: float) -> tuple[float, float]:
    """A point `metres` east of test village 1's east edge."""
    return V1_CENTRE_LAT, round(110.01 + metres / (METRES_PER_DEGREE * math.cos(math.radians(V1_CENTRE_LAT))), 7)


def test_late_and_time_inconsistent_boundaries(engine, tmp_path):
    load(engine, tmp_path, [
        activity("EXACT24H", activity_at="2024-03-05T09:00:00+07:00", submitted_at="2024-03-06T09:00:00+07:00"),
        activity("LATE", activity_at="2024-03-05T09:00:00+07:00", submitted_at="2024-03-06T09:00:01+07:00"),
        activity("EARLY10M", activity_at="2024-03-05T09:00:00+07:00", submitted_at="2024-03-05T08:50:00+07:00"),
        activity("EARLY10M1S", activity_at="2024-03-05T09:00:00+07:00", submitted_at="2024-03-05T08:49:59+07:00"),
    ])
    assert flags(engine) == {"EXACT24H": set(), "LATE": {"late"}, "EARLY10M": set(),
                             "EARLY10M1S": {"time_inconsistent"}}


def test_late_follows_the_policy_without_reimport(engine, tmp_path):
    load(engine, tmp_path, [
        activity("H30", activity_at="2024-03-05T09:00:00+07:00", submitted_at="2024-03-06T15:00:00+07:00")])
    assert flags(engine)["H30"] == {"late"}
    assert flags(engine, Policy(late_after_hours=48))["H30"] == set()


def test_gps_missing_and_outside_with_tolerance(engine, tmp_path):
    load(engine, tmp_path, [
        activity("INSIDE", latlng=inside(1)),
        activity("NO_LAT", latlng=(None, 110.005)),
        activity("NEAR", latlng=east_of_village_1(150)),
        activity("FAR", latlng=east_of_village_1(250)),
    ])
    stored = flags(engine)
    assert stored["INSIDE"] == set()
    assert stored["NO_LAT"] == {"gps_missing"}
    assert stored["NEAR"] == set()
    assert "gps_outside" in stored["FAR"]
    assert "gps_outside" in flags(engine, Policy(gps_tolerance_m=100))["NEAR"]
    with engine.connect() as conn:
        distance = conn.execute(select(activities.c.gps_distance_m).where(activities.c.report_id == "FAR")).scalar()
    assert abs(distance - 250) < 1


def test_village_without_polygon_is_never_gps_outside(engine, tmp_path):
    export = base_export(tmp_path / "export", activities=[activity("FAR", latlng=(-8.5, 112.0))])
    (export / "villages.geojson").unlink()
    write_csv(export / "villages.csv", [
        {"village_code": "35.21.01.2001", "village": "Desa Satu", "unit_code": "PS-A", "lat": "-6.995",
         "lng": "110.005", "households": "100"}])
    (export / "officers.csv").write_text((export / "officers.csv").read_text())
    report = import_export(engine, export)
    assert report.ok, [str(p) for p in report.problems]
    assert flags(engine)["FAR"] == set()


def test_duplicate_photo_earlier_means_submitted_first_then_report_id(engine, tmp_path):
    load(engine, tmp_path, [
        activity("R2", submitted_at="2024-03-05T10:00:00+07:00", photo_sha256=photo("abc")),
        activity("R9", nrp="80010002", village_code="35.21.02.2003", latlng=inside(3),
                 submitted_at="2024-03-05T09:30:00+07:00", photo_sha256=photo("abc")),  # other officer, sent earlier
        activity("R3", submitted_at="2024-03-05T10:00:00+07:00", photo_sha256=photo("abc")),  # ties R2; R2 < R3
        activity("R4", photo_sha256=""),
        activity("R5", photo_sha256=photo("other")),
    ])
    assert {rid for rid, raised in flags(engine).items() if "duplicate_photo" in raised} == {"R2", "R3"}


def test_duplicate_photo_arriving_in_a_later_import(engine, tmp_path):
    load(engine, tmp_path, [activity("FIRST", submitted_at="2024-03-05T10:00:00+07:00", photo_sha256=photo("xyz"))])
    assert flags(engine)["FIRST"] == set()
    # A later import brings one sent after FIRST and one sent before it.
    report = import_export(engine, write_export(tmp_path / "later", activities=[
        activity("AFTER", submitted_at="2024-03-05T11:00:00+07:00", photo_sha256=photo("xyz")),
        activity("BEFORE", submitted_at="2024-03-05T09:45:00+07:00", photo_sha256=photo("xyz")),
    ]))
    assert report.ok
    stored = flags(engine)
    assert (stored["BEFORE"], stored["FIRST"], stored["AFTER"]) == (set(), {"duplicate_photo"}, {"duplicate_photo"})
    # Correcting BEFORE's photo makes FIRST the earliest again.
    import_export(engine, write_export(tmp_path / "fix", activities=[
        activity("BEFORE", submitted_at="2024-03-05T09:45:00+07:00", photo_sha256=photo("new"))]))
    stored = flags(engine)
    assert (stored["BEFORE"], stored["FIRST"], stored["AFTER"]) == (set(), set(), {"duplicate_photo"})


def test_narrative_normalisation():
    assert normalise_narrative("  Sambang warga RT 01/RW 02, situasi AMAN!! ") == "sambang warga rt rw situasi aman"
    assert normalise_narrative("Giat_desa: café—ok²") == "giat desa café ok"


def test_duplicate_narrative_same_officer_only_and_long_enough(engine, tmp_path):
    load(engine, tmp_path, [
        activity("A1", submitted_at="2024-03-05T10:00:00+07:00", narrative="Sambang warga RT 01, situasi aman."),
        activity("A2", submitted_at="2024-03-05T11:00:00+07:00", narrative="sambang WARGA rt 07 -- situasi aman"),
        activity("B1", nrp="80010002", village_code="35.21.02.2003", latlng=inside(3),
                 narrative="Sambang warga RT 01, situasi aman."),  # other officer: not a copy of A1
        activity("S1", submitted_at="2024-03-05T10:00:00+07:00", narrative="Giat rutin aman 1"),
        activity("S2", submitted_at="2024-03-05T11:00:00+07:00", narrative="Giat rutin aman 2"),  # 15 letters
    ])
    raised = {rid for rid, names in flags(engine).items() if "duplicate_narrative" in names}
    assert raised == {"A2"}


def test_impossible_travel(engine, tmp_path):
    # Villages 1 and 3 are 0.04 degrees of longitude apart at latitude -6.995:
    # 0.04 * 111.195 km * cos(6.995 deg) = 4.415 km.
    load(engine, tmp_path, [
        activity("T1", activity_at="2024-03-05T09:00:00+07:00", latlng=inside(1)),
        activity("T2", activity_at="2024-03-05T09:03:00+07:00", latlng=inside(3)),  # 4.415 km / 0.05 h = 88 km/h
        activity("T3", activity_at="2024-03-05T09:13:00+07:00", latlng=inside(1)),  # 4.415 km / 10 min = 26 km/h
        activity("T4", activity_at="2024-03-05T09:14:00+07:00", latlng=(None, None)),  # no GPS: skipped
        activity("T5", activity_at="2024-03-05T09:20:00+07:00", latlng=inside(1, dx=0.006)),  # 110 m in 7 min
        activity("T6", activity_at="2024-03-05T09:20:00+07:00", latlng=inside(1, dx=0.0065)),  # same instant, 55 m
        activity("T7", activity_at="2024-03-05T09:20:00+07:00", latlng=inside(3)),  # same instant, 4 km
    ])
    raised = {rid for rid, names in flags(engine).items() if "impossible_travel" in names}
    assert raised == {"T2", "T7"}
    assert {rid for rid, names in flags(engine, Policy(max_travel_kmh=100)).items()
            if "impossible_travel" in names} == {"T7"}


def test_impossible_travel_recomputed_when_a_report_arrives_in_between(engine, tmp_path):
    load(engine, tmp_path, [
        activity("U1", activity_at="2024-03-05T09:00:00+07:00", latlng=inside(1)),
        activity("U3", activity_at="2024-03-05T09:20:00+07:00", latlng=inside(1)),
    ])
    assert flags(engine) == {"U1": set(), "U3": set()}
    report = import_export(engine, write_export(tmp_path / "later", activities=[
        activity("U2", activity_at="2024-03-05T09:02:00+07:00", latlng=inside(3))]))
    assert report.ok
    # U2 is 4.4 km from U1 after 2 minutes; U3 is 4.4 km back after 18 minutes (14.7 km/h).
    # (U2's point lies in village 3 while the report names village 1, hence gps_outside too.)
    assert flags(engine) == {"U1": set(), "U2": {"impossible_travel", "gps_outside"}, "U3": set()}
