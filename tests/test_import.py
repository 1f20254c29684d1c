"""Import rules of DESIGN.md section 3, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from builders import activity, base_export, base_villages, photo, write_csv, write_export
from ingest.importer import import_export
from queries.schema import (
    activities,
    activity_texts,
    assignments,
    complaints,
    crimes,
    import_batches,
    leaves,
    metadata,
    officers,
    outages,
    units,
    villages,
)

DATA_TABLES = ("units", "villages", "officers", "assignments", "leaves", "outages", "activities", "complaints",
               "crimes", "unit_tree")


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
                for name in DATA_TABLES + ("import_batches",)}


def dump(engine) -> dict[str, list]:
    """Every data row (batch stamps included), sorted, to compare whole databases."""
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(select(metadata.tables[name])).all()), key=repr)
                for name in DATA_TABLES}


def messages(report) -> list[str]:
    return [str(p) for p in report.problems if not p.consequential]


def test_valid_export_imports_every_file(engine, tmp_path):
    export = base_export(
        tmp_path / "export",
        assignments=[{"nrp": "80010001", "village_code": "35.21.01.2001", "start_date": "2024-01-01",
                      "end_date": ""}],
        leave=[{"nrp": "80010001", "start_date": "2024-03-10", "end_date": "2024-03-12"}],
        outages=[{"start_at": "2024-03-05T08:00:00+07:00", "end_at": "2024-03-05T12:00:00+07:00",
                  "unit_code": "", "note": "national"}],
        activities=[activity("R1"), activity("R2", activity_type="binluh")],
        complaints=[{"complaint_id": "C1", "village_code": "35.21.01.2001", "category": "Pencurian",
                     "channel": "WhatsApp", "created_at": "2024-03-05T08:00:00", "first_response_at": "",
                     "resolved_at": "", "nrp": "80010001"}],
        crimes=[{"incident_id": "K1", "village_code": "35.21.01.2001", "category": "Curat",
                 "occurred_at": "2024-03-05T02:00:00"}],
    )
    report = import_export(engine, export)
    assert report.ok, messages(report)
    assert {name: c.new for name, c in report.files.items()} == {
        "units.csv": 7, "villages.geojson": 4, "officers.csv": 3, "assignments.csv": 1, "leave.csv": 1,
        "outages.csv": 1, "activities.csv": 2, "complaints.csv": 1, "crimes.csv": 1}
    counts = row_counts(engine)
    # unit_tree: 7 units themselves + Polres->Polda (2) + Polsek->Polres (3) + Polsek->Polda (3) = 15
    assert counts["unit_tree"] == 15
    assert counts["import_batches"] == 1
    with engine.connect() as conn:
        batch = conn.execute(select(import_batches)).one()
        assert (batch.rows_read, batch.rows_new, batch.rows_rejected) == (21, 21, 0)
        # Polsek C's villages are all WITA, so the unit is too.
        assert conn.execute(select(units.c.timezone).where(units.c.code == "PS-C")).scalar_one() == "Asia/Makassar"


REJECTIONS = [
    # (file stem, row change, expected "line: column: reason" fragment)
    ("activities", {"nrp": ""}, "activities.csv:3: nrp: required value missing"),
    ("activities", {"nrp": "99999999"}, "activities.csv:3: nrp: unknown officer '99999999'"),
    ("activities", {"village_code": "35.21.01.9999"}, "activities.csv:3: village_code: unknown village"),
    ("activities", {"activity_type": "patroli"}, "activities.csv:3: activity_type: 'patroli' is not one of"),
    ("activities", {"activity_at": "05/03/2024 09:00"},
     "activities.csv:3: activity_at: '05/03/2024 09:00' is not an ISO 8601"),
    ("activities", {"household_id": ""}, "activities.csv:3: household_id: required value missing"),
    ("activities", {"lat": "-97.5"}, "activities.csv:3: lat: -97.5 is out of range"),
    ("activities", {"lng": "east"}, "activities.csv:3: lng: 'east' is not a number"),
    ("activities", {"report_id": "R1"}, "activities.csv:3: report_id: duplicate key R1 (first at line 2)"),
    ("assignments", {"end_date": "2023-12-31"}, "assignments.csv:3: end_date: end_date is before start_date"),
    ("leave", {"end_date": "2024-03-01"}, "leave.csv:3: end_date: end_date is before start_date"),
    ("outages", {"end_at": "2024-03-05T07:00:00+07:00"}, "outages.csv:3: end_at: end_at is before start_at"),
    ("outages", {"unit_code": "PS-X"}, "outages.csv:3: unit_code: unknown unit 'PS-X'"),
    ("complaints", {"first_response_at": "2024-03-04T08:00:00"},
     "complaints.csv:3: first_response_at: first_response_at is before created_at"),
    ("crimes", {"occurred_at": ""}, "crimes.csv:3: occurred_at: required value missing"),
    ("officers", {"unit_code": "PR-35.21"},
     "officers.csv:3: unit_code: 'PR-35.21' is a polres; an officer belongs to a polsek"),
    ("officers", {"active_to": "2019-01-01", "active_from": "2020-01-01"},
     "officers.csv:3: active_to: active_to is before active_from"),
]


def _two_rows(stem: str) -> list[dict]:
    """Two valid rows of a file; the second (line 3) gets broken by the test."""
    if stem == "activities":
        return [activity("R1"), activity("R2")]
    if stem == "assignments":
        return [{"nrp": "80010001", "village_code": v, "start_date": "2024-01-01", "end_date": ""}
                for v in ("35.21.01.2001", "35.21.01.2002")]
    if stem == "leave":
        return [{"nrp": n, "start_date": "2024-03-10", "end_date": "2024-03-12"} for n in ("80010001", "80010002")]
    if stem == "outages":
        return [{"start_at": f"2024-03-0{d}T08:00:00+07:00", "end_at": f"2024-03-0{d}T12:00:00+07:00",
                 "unit_code": "", "note": ""} for d in (5, 6)]
    if stem == "complaints":
        return [{"complaint_id": f"C{i}", "village_code": "35.21.01.2001", "category": "Pencurian", "channel": "",
                 "created_at": "2024-03-05T08:00:00", "first_response_at": "", "resolved_at": "", "nrp": ""}
                for i in (1, 2)]
    if stem == "crimes":
        return [{"incident_id": f"K{i}", "village_code": "35.21.01.2001", "category": "Curat",
                 "occurred_at": "2024-03-05T02:00:00"} for i in (1, 2)]
    raise ValueError(stem)


@pytest.mark.parametrize(("stem", "change", "expected"), REJECTIONS,
                         ids=[f"{r[0]}-{r[2].split(': ')[1]}" for r in REJECTIONS])
def test_each_rejection_is_named_and_nothing_is_written(engine, tmp_path, stem, change, expected):
    if stem == "officers":
        from builders import base_officers
        rows = base_officers()
        rows[1].update(change)
        export = base_export(tmp_path / "export", officers=rows)
    else:
        rows = _two_rows(stem)
        rows[1].update(change)
        export = base_export(tmp_path / "export", **{stem: rows})
    report = import_export(engine, export)
    assert not report.ok
    assert any(message.startswith(expected) for message in messages(report)), messages(report)
    assert not report.written
    assert all(count == 0 for count in row_counts(engine).values())


def test_missing_required_column_rejects_the_file(engine, tmp_path):
    export = base_export(tmp_path / "export", activities=[activity("R1")])
    rows = list(csv.DictReader((export / "activities.csv").open()))
    write_csv(export / "activities.csv", rows, columns=[c for c in rows[0] if c != "submitted_at"])
    report = import_export(engine, export)
    assert messages(report) == ["activities.csv:1: submitted_at: required column missing"]
    assert report.files["activities.csv"].rejected == 1
    assert row_counts(engine)["units"] == 0


def test_every_bad_row_is_reported_not_just_the_first(engine, tmp_path):
    rows = [activity(f"R{i}") for i in range(1, 6)]
    rows[1]["nrp"] = "1"
    rows[3]["lat"] = "200"
    rows[3]["lng"] = "200"
    report = import_export(engine, base_export(tmp_path / "export", activities=rows))
    assert messages(report) == [
        "activities.csv:3: nrp: unknown officer '1'",
        "activities.csv:5: lat: 200 is out of range [-90, 90]",
        "activities.csv:5: lng: 200 is out of range [-180, 180]",
    ]
    assert report.files["activities.csv"].rejected == 2


def test_line_numbers_count_physical_lines_of_multiline_narratives(engine, tmp_path):
    rows = [activity("R1", narrative="line one\nline two\nline three"), activity("R2", nrp="nobody")]
    report = import_export(engine, base_export(tmp_path / "export", activities=rows))
    # Header is line 1; R1 spans lines 2-4; R2 starts on line 5.
    assert messages(report) == ["activities.csv:5: nrp: unknown officer 'nobody'"]


def test_unit_parent_rules(engine, tmp_path):
    rows = [
        {"code": "PD-1", "name": "Polda", "level": "polda", "parent_code": ""},
        {"code": "PS-1", "name": "Polsek", "level": "polsek", "parent_code": "PD-1"},
        {"code": "PR-1", "name": "Polres", "level": "polres", "parent_code": ""},
        {"code": "PR-2", "name": "Polres 2", "level": "kapolsek", "parent_code": "PD-1"},
    ]
    report = import_export(engine, write_export(tmp_path / "export", units=rows))
    assert messages(report) == [
        "units.csv:4: parent_code: required for a polres",
        "units.csv:5: level: 'kapolsek' is not one of polda, polres, polsek",
        "units.csv:3: parent_code: 'PD-1' is a polda; a polsek belongs to a polres",
    ]


def test_dry_run_reports_counts_and_writes_nothing(engine, tmp_path):
    export = base_export(tmp_path / "export", activities=[activity("R1"), activity("R2")])
    report = import_export(engine, export, dry_run=True)
    assert report.ok and not report.written
    assert report.files["activities.csv"].new == 2
    assert all(count == 0 for count in row_counts(engine).values())


def test_keep_valid_writes_valid_rows_and_every_rejected_row(engine, tmp_path):
    rows = [activity("R1"), activity("R2", nrp="nobody"), activity("R3")]
    rows[2]["lat"] = "x"
    export = base_export(tmp_path / "export", activities=rows)
    report = import_export(engine, export, keep_valid=True)
    assert report.written
    assert report.files["activities.csv"].new == 1
    assert report.files["activities.csv"].rejected == 2
    rejects = tmp_path / "rejects.csv"
    report.write_rejects(rejects)
    lines = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [(r["file"], r["line"], r["column"]) for r in lines] == [
        ("activities.csv", "3", "nrp"), ("activities.csv", "4", "lat")]
    assert json.loads(lines[0]["record"])["report_id"] == "R2"
    with engine.connect() as conn:
        assert conn.execute(select(activities.c.report_id)).scalars().all() == ["R1"]


def test_keep_valid_cascades_rejected_parents(engine, tmp_path):
    officers_rows = [{"nrp": "80010009", "name": "X", "rank": "", "unit_code": "PS-NONE", "active_from": "",
                      "active_to": ""}]
    export = base_export(tmp_path / "export", officers=officers_rows,
                         activities=[activity("R1", nrp="80010009")])
    report = import_export(engine, export, keep_valid=True)
    assert messages(report) == ["officers.csv:2: unit_code: unknown unit 'PS-NONE'",
                                "activities.csv:2: nrp: unknown officer '80010009'"]
    assert row_counts(engine)["officers"] == 0


def test_reimport_changes_nothing(engine, tmp_path):
    export = base_export(tmp_path / "export", activities=[
        activity("R1", photo_sha256=photo("p1"), narrative="Sambang warga RT 01, situasi aman terkendali"),
        activity("R2", photo_sha256=photo("p1"), narrative="Sambang warga RT 02, situasi aman terkendali"),
    ])
    first = import_export(engine, export)
    assert first.ok
    before = dump(engine)
    second = import_export(engine, export)
    assert second.ok
    assert {c.new + c.updated for c in second.files.values()} == {0}
    assert second.files["activities.csv"].unchanged == 2
    assert dump(engine) == before


def test_changed_row_updates_the_stored_one(engine, tmp_path):
    import_export(engine, base_export(tmp_path / "a", activities=[activity("R1"), activity("R2")]))
    report = import_export(engine, write_export(tmp_path / "b", activities=[
        activity("R1", narrative="koreksi"), activity("R2")]))
    assert (report.files["activities.csv"].updated, report.files["activities.csv"].unchanged) == (1, 1)
    with engine.connect() as conn:
        rows = dict(conn.execute(select(activity_texts.c.report_id, activity_texts.c.narrative)).all())
        batches = dict(conn.execute(select(activities.c.report_id, activities.c.batch_id)).all())
    assert rows == {"R1": "koreksi"}  # R2 has no narrative, so no text row
    assert batches == {"R1": 2, "R2": 1}


@pytest.mark.parametrize(("village", "activity_at", "expected_utc", "expected_local"), [
    # WIB village, naive local 23:30 stays on its day.
    ("35.21.01.2001", "2024-03-05T23:30:00", datetime(2024, 3, 5, 16, 30), date(2024, 3, 5)),
    # WIB village, 00:30 +07:00 is still the previous day in UTC but the 6th locally.
    ("35.21.01.2001", "2024-03-06T00:30:00+07:00", datetime(2024, 3, 5, 17, 30), date(2024, 3, 6)),
    # WITA village, naive 23:30 local.
    ("63.08.01.2004", "2024-03-05 23:30:00", datetime(2024, 3, 5, 15, 30), date(2024, 3, 5)),
    # WITA village, the instant 23:30 WIB is already 00:30 on the 6th in WITA.
    ("63.08.01.2004", "2024-03-05T23:30:00+07:00", datetime(2024, 3, 5, 16, 30), date(2024, 3, 6)),
    # WITA village, UTC given with Z.
    ("63.08.01.2004", "2024-03-05T16:10:00Z", datetime(2024, 3, 5, 16, 10), date(2024, 3, 6)),
])
def test_local_dates_across_time_zones_and_midnight(engine, tmp_path, village, activity_at, expected_utc,
                                                    expected_local):
    row = activity("R1", nrp="80010003" if village.startswith("63") else "80010001", village_code=village,
                   activity_at=activity_at, submitted_at="2024-03-07T10:00:00+07:00", latlng=(None, None))
    report = import_export(engine, base_export(tmp_path / "export", activities=[row]))
    assert report.ok, messages(report)
    with engine.connect() as conn:
        stored = conn.execute(select(activities.c.activity_at, activities.c.local_date)).one()
    assert tuple(stored) == (expected_utc, expected_local)


def test_timezone_from_province_and_households_from_population(engine, tmp_path):
    rows = base_villages()
    rows[3].pop("households")  # WITA village: 148 / 3.7 = 40
    rows[2].pop("households")
    rows[2]["population"] = 1000  # 1000 / 3.7 = 270.27 -> 270
    rows[1].pop("households")
    rows[1].pop("population")  # no denominator at all
    report = import_export(engine, base_export(tmp_path / "export", villages=rows))
    assert report.ok, messages(report)
    with engine.connect() as conn:
        stored = {code: (hh, est, tz) for code, hh, est, tz in conn.execute(
            select(villages.c.code, villages.c.households, villages.c.households_estimated, villages.c.timezone))}
    assert stored == {
        "35.21.01.2001": (100, False, "Asia/Jakarta"),
        "35.21.01.2002": (None, False, "Asia/Jakarta"),
        "35.21.02.2003": (270, True, "Asia/Jakarta"),
        "63.08.01.2004": (40, True, "Asia/Makassar"),
    }


def test_unknown_columns_and_files_are_warned_about(engine, tmp_path):
    rows = [dict(activity("R1"), officer_mood="ok")]
    export = base_export(tmp_path / "export", activities=rows)
    (export / "notes.txt").write_text("hello")
    report = import_export(engine, export)
    assert report.ok
    assert "activities.csv: column 'officer_mood' is not in the contract; ignored" in report.warnings
    assert "notes.txt: not a file of the BOS export contract; ignored" in report.warnings


def test_villages_csv_replaces_geojson(engine, tmp_path):
    export = base_export(tmp_path / "export")
    (export / "villages.geojson").unlink()
    write_csv(export / "villages.csv", [
        {"village_code": "35.21.01.2001", "village": "Desa Satu", "unit_code": "PS-A", "lat": "-6.995",
         "lng": "110.005", "households": "100"},
    ])
    (export / "officers.csv").unlink()
    report = import_export(engine, export)
    assert report.ok, messages(report)
    with engine.connect() as conn:
        assert conn.execute(select(villages.c.geometry, villages.c.lat)).one() == (None, -6.995)


def test_workbook_and_zip_give_the_same_database(engine, tmp_path):
    export = base_export(tmp_path / "export", activities=[activity("R1"), activity("R2")])
    (export / "villages.geojson").unlink()
    write_csv(export / "villages.csv", [
        {"village_code": "35.21.01.2001", "village": "Desa Satu", "unit_code": "PS-A", "lat": "-6.995",
         "lng": "110.005", "households": "100"}])
    (export / "officers.csv").write_text((export / "officers.csv").read_text())
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for path in sorted(export.iterdir()):
        sheet = workbook.create_sheet(path.stem)
        for row in csv.reader(path.open(encoding="utf-8")):
            sheet.append(row)
    workbook.save(tmp_path / "export.xlsx")
    report = import_export(engine, tmp_path / "export.xlsx")
    assert report.ok, messages(report)
    assert report.files["activities.csv"].new == 2
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in export.iterdir():
            zf.write(path, f"bos_export/{path.name}")
    again = import_export(engine, archive)
    assert again.ok, messages(again)
    assert again.files["activities.csv"].unchanged == 2


def test_zip_with_paths_outside_its_folder_is_refused(engine, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../units.csv", "code,name,level,parent_code\n")
    (tmp_path / "evil.zip").write_bytes(buffer.getvalue())
    report = import_export(engine, tmp_path / "evil.zip")
    assert report.fatal == "evil.zip: ../units.csv: path outside the export folder; refused"
    assert row_counts(engine)["units"] == 0


def test_binary_file_named_csv_is_rejected_clearly(engine, tmp_path):
    export = base_export(tmp_path / "export")
    (export / "activities.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    report = import_export(engine, export)
    assert messages(report) == [
        "activities.csv:1: -: not UTF-8 text: byte 0x89 at character 1 of line 1; nothing after it is read"]
    assert row_counts(engine)["units"] == 0


def test_outage_without_offset_is_in_the_units_time_zone(engine, tmp_path):
    rows = [{"start_at": "2024-03-05T08:00:00", "end_at": "2024-03-05T18:00:00", "unit_code": "PR-63.08",
             "note": ""},
            {"start_at": "2024-03-05T08:00:00", "end_at": "2024-03-05T09:00:00", "unit_code": "", "note": ""}]
    report = import_export(engine, base_export(tmp_path / "export", outages=rows))
    assert report.ok, messages(report)
    with engine.connect() as conn:
        stored = conn.execute(select(outages.c.unit_code, outages.c.start_at).order_by(outages.c.unit_code)).all()
    # HSU is WITA (UTC+8); "everywhere" without offset is read in WIB (UTC+7).
    assert sorted(map(tuple, stored), key=repr) == sorted(
        [("PR-63.08", datetime(2024, 3, 5, 0, 0)), (None, datetime(2024, 3, 5, 1, 0))], key=repr)


def test_assignment_leave_complaint_crime_rows_are_stored_as_given(engine, tmp_path):
    export = base_export(
        tmp_path / "export",
        assignments=[{"nrp": "80010001", "village_code": "35.21.01.2001", "start_date": "2024-01-01",
                      "end_date": "2024-02-29"}],
        leave=[{"nrp": "80010001", "start_date": "2024-03-10", "end_date": "2024-03-12"}],
        complaints=[{"complaint_id": "C1", "village_code": "63.08.01.2004", "category": "Pencurian",
                     "channel": "", "created_at": "2024-03-05T23:30:00", "first_response_at": "2024-03-06T01:00:00",
                     "resolved_at": "", "nrp": ""}],
        crimes=[{"incident_id": "K1", "village_code": "63.08.01.2004", "category": "Curat",
                 "occurred_at": "2024-03-05T16:30:00Z"}],
    )
    assert import_export(engine, export).ok
    with engine.connect() as conn:
        assert tuple(conn.execute(select(assignments.c.start_date, assignments.c.end_date)).one()) == (
            date(2024, 1, 1), date(2024, 2, 29))
        assert tuple(conn.execute(select(leaves.c.start_date, leaves.c.end_date)).one()) == (
            date(2024, 3, 10), date(2024, 3, 12))
        assert tuple(conn.execute(select(complaints.c.created_at, complaints.c.first_response_at,
                                         complaints.c.local_date)).one()) == (
            datetime(2024, 3, 5, 15, 30), datetime(2024, 3, 5, 17, 0), date(2024, 3, 5))
        assert tuple(conn.execute(select(crimes.c.occurred_at, crimes.c.local_date)).one()) == (
            datetime(2024, 3, 5, 16, 30), date(2024, 3, 6))
        assert conn.execute(select(func.count()).select_from(officers)).scalar_one() == 3
