"""Malformed exports: every bad file is named with line and column, nothing half-read, nothing lost."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

import manage
from builders import base_export
from ingest import archive
from ingest.importer import import_export
from ingest.reader import ExportError, parse_file, read_export, read_workbook, read_zip
from queries.schema import activities, activity_texts

HEADER = ("report_id,nrp,village_code,activity_type,activity_at,submitted_at,lat,lng,household_id,narrative,"
          "photo_sha256\n")


def row(report_id: str, narrative: str = "aman") -> str:
    """One activities.csv line (a valid DDS report of the base export), narrative as written."""
    return (f"{report_id},80010001,35.21.01.2001,dds,2024-03-05T09:00:00+07:00,2024-03-05T10:00:00+07:00,"
            f"-6.995,110.005,HH-{report_id},{narrative},\n")


def export_with(tmp_path: Path, activities_text: str | bytes) -> Path:
    export = base_export(tmp_path / "export")
    data = activities_text.encode() if isinstance(activities_text, str) else activities_text
    (export / "activities.csv").write_bytes(data)
    return export


def stored_reports(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(activities.c.report_id)).scalars())


def printed(report) -> list[str]:
    return [str(p) for p in report.problems if not p.consequential]


# 1. Unterminated quotes -------------------------------------------------------------------------------

UNTERMINATED_AT_EOF = HEADER + row("R1") + row("R2", '"Sambang warga, belum ditutup') + row("R3") + row("R4")


def test_unterminated_quote_is_named_where_it_opened_and_nothing_is_written(engine, tmp_path):
    report = import_export(engine, export_with(tmp_path, UNTERMINATED_AT_EOF))
    # Line 3 opens a quote in narrative that no later line closes (R3 and R4 hold no quote).
    assert printed(report) == ["activities.csv:3: narrative: unterminated quote: the value opened at line 3 runs "
                               "to the end of the file; nothing after it is read"]
    assert [(p.line, p.reason) for p in report.problems if p.consequential] == [
        (4, "not read: follows an unreadable row at line 3"), (5, "not read: follows an unreadable row at line 3")]
    assert report.files["activities.csv"].rejected == 3
    assert not report.written and stored_reports(engine) == []


def test_unterminated_quote_exits_non_zero_from_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert manage.main(["import", str(export_with(tmp_path, UNTERMINATED_AT_EOF)), "--db", url]) == 1
    err = capsys.readouterr().err
    assert "activities.csv:3: narrative: unterminated quote: the value opened at line 3" in err
    assert "Nothing was written: 3 row(s) rejected." in err


def test_quote_swallowing_lines_into_a_row_of_the_wrong_width_is_an_unterminated_quote(engine, tmp_path):
    # R2's narrative opens a quote; the stray quote of R3's narrative closes it, so csv alone would read
    # R2 and R3 as one row and R4 as valid. Closed before ",lagi,x,", the row has 9 + 1 + 3 = 13 fields.
    text = HEADER + row("R1") + row("R2", '"dibuka') + row("R3", 'kata tutup",lagi,x') + row("R4")
    report = import_export(engine, export_with(tmp_path, text), keep_valid=True)
    assert printed(report) == ["activities.csv:3: narrative: unterminated quote? the value opened here runs to "
                               "line 4 and leaves 13 fields (the header has 11); nothing after it is read"]
    rejected = [(p.line, p.record) for p in report.problems]
    assert rejected == [(3, {"raw": row("R2", '"dibuka').rstrip()}),
                        (4, {"raw": row("R3", 'kata tutup",lagi,x').rstrip()}), (5, {"raw": row("R4").rstrip()})]
    assert stored_reports(engine) == ["R1"]


@pytest.mark.parametrize(("narrative", "expected"), [
    # Closed in the same column it opened in: the width is right, but line 4 inside the value is a row.
    ('kata tutup"', "narrative: unterminated quote? the value opened here holds line 4, which reads as a whole "
                    "row; nothing after it is read"),
    # Closed by the opening quote of a well-formed value: csv then finds characters after the quote.
    ('"tutup"', "narrative: unterminated quote? a quoted value runs from line 3 to line 4 and the record is then "
                "not CSV (',' expected after '\"'); nothing after it is read"),
])
def test_quote_swallowing_a_row_is_caught_however_it_closes(engine, tmp_path, narrative, expected):
    text = HEADER + row("R1") + row("R2", '"dibuka') + row("R3", narrative) + row("R4")
    report = import_export(engine, export_with(tmp_path, text))
    assert printed(report) == [f"activities.csv:3: {expected}"]
    assert [p.line for p in report.problems if p.consequential] == [4, 5]
    assert not report.written and stored_reports(engine) == []


def test_a_multiline_narrative_with_commas_is_not_taken_for_a_swallowed_row(engine, tmp_path):
    prose = '"Sambang ke rumah warga,\nmenjelaskan, mendengar, mencatat, menindaklanjuti, melapor, pulang, ' \
            'istirahat, makan, tidur, bangun"'
    report = import_export(engine, export_with(tmp_path, HEADER + row("R1", prose) + row("R2")))
    assert report.ok, printed(report)
    assert stored_reports(engine) == ["R1", "R2"]


def test_a_quoted_value_spanning_lines_with_the_right_width_is_read(engine, tmp_path):
    text = HEADER + row("R1", '"baris satu\nbaris ""dua"", selesai"') + row("R2")
    report = import_export(engine, export_with(tmp_path, text))
    assert report.ok, printed(report)
    with engine.connect() as conn:
        narratives = dict(conn.execute(select(activity_texts.c.report_id, activity_texts.c.narrative)).all())
    assert narratives == {"R1": 'baris satu\nbaris "dua", selesai', "R2": "aman"}


def test_stray_characters_after_a_closing_quote_cost_only_their_row(engine, tmp_path):
    text = HEADER + row("R1") + row("R2", '"aman" kata warga') + row("R3")
    report = import_export(engine, export_with(tmp_path, text), keep_valid=True)
    assert printed(report) == [
        "activities.csv:3: narrative: not valid CSV (',' expected after '\"'); the row is not read"]
    assert stored_reports(engine) == ["R1", "R3"]


# 2. --keep-valid after an unreadable row ------------------------------------------------------------

def test_keep_valid_reads_on_after_an_oversize_value(engine, tmp_path):
    long = "x" * 200_000
    text = HEADER + row("R1") + row("R2", f'"{long}"') + row("R3") + row("R4", long) + row("R5")
    report = import_export(engine, export_with(tmp_path, text), keep_valid=True)
    reason = "value longer than 131,072 characters, longer than any the contract allows; the row is not read"
    assert printed(report) == [f"activities.csv:3: narrative: {reason}", f"activities.csv:5: narrative: {reason}"]
    assert report.problems[0].record == {"raw": row("R2", f'"{long}"').rstrip()}
    assert stored_reports(engine) == ["R1", "R3", "R5"]
    assert (report.files["activities.csv"].read, report.files["activities.csv"].rejected) == (5, 2)


def test_keep_valid_lists_every_line_after_an_unterminated_quote_in_the_rejects_file(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    rejects = tmp_path / "rejects.csv"
    export = export_with(tmp_path, UNTERMINATED_AT_EOF)
    assert manage.main(["import", str(export), "--db", url, "--keep-valid", "--rejects", str(rejects)]) == 0
    lines = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [(r["line"], json.loads(r["record"])["raw"]) for r in lines] == [
        ("3", row("R2", '"Sambang warga, belum ditutup').rstrip()), ("4", row("R3").rstrip()),
        ("5", row("R4").rstrip())]
    assert lines[0]["column"] == "narrative"
    from queries.db import make_engine
    assert stored_reports(make_engine(url)) == ["R1"]


def test_every_line_after_a_bad_header_is_in_the_rejects(engine, tmp_path):
    text = HEADER.replace("lat,lng", "lat,lat") + row("R1") + row("R2")
    report = import_export(engine, export_with(tmp_path, text), keep_valid=True)
    assert printed(report) == ["activities.csv:1: lat: column appears twice in header"]
    assert [(p.line, p.reason) for p in report.problems if p.consequential] == [
        (2, "not read: the header (line 1) cannot be used"), (3, "not read: the header (line 1) cannot be used")]


# 3. Encodings ---------------------------------------------------------------------------------------

def test_broken_encoding_is_named_by_line_and_column(engine, tmp_path):
    text = (HEADER + row("R1") + row("R2", "Kafé warga") + row("R3")).encode("cp1252")
    report = import_export(engine, export_with(tmp_path, text), keep_valid=True)
    # "R2,...,HH-R2," is 103 characters, then "Kaf": the é is the 107th.
    assert printed(report) == ["activities.csv:3: narrative: not UTF-8 text: byte 0xe9 at character 107 of line 3; "
                               "nothing after it is read"]
    assert report.problems[0].record == {"raw": row("R2", "Kaf\ufffd warga").rstrip()}
    assert [p.line for p in report.problems if p.consequential] == [4]
    assert stored_reports(engine) == ["R1"]


def test_a_byte_order_mark_and_crlf_line_ends_are_fine(engine, tmp_path):
    text = ("\ufeff" + HEADER + row("R1") + row("R2")).replace("\n", "\r\n").encode()
    report = import_export(engine, export_with(tmp_path, text))
    assert report.ok, printed(report)
    assert stored_reports(engine) == ["R1", "R2"]


def test_geojson_encoding_error_names_its_line():
    table = parse_file("villages.geojson", "villages.geojson", b'{"type":\n "Feature\xff"}')
    assert [str(p) for p in table.problems] == [
        "villages.geojson: -: not UTF-8 text: byte 0xff at line 2, byte 10 of the line; the file is not read"]


# 4. Zip archives ------------------------------------------------------------------------------------

def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def patch_central(data: bytes, name: str, **fields: int) -> bytes:
    """Overwrite fields of one member's central-directory entry (where zipfile takes them from)."""
    offsets = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I"), "compressed": (20, "<I"),
               "size": (24, "<I")}
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46: entry + 46 + len(name)] != name.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    patched = bytearray(data)
    for key, value in fields.items():
        offset, fmt = offsets[key]
        struct.pack_into(fmt, patched, entry + offset, value)
    return bytes(patched)


def small_export() -> dict[str, bytes]:
    return {"units.csv": b"code,name,level,parent_code\nPD-1,Polda,polda,\n",
            "activities.csv": (HEADER + row("R1")).encode()}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"size": 10}, "bos.zip: activities.csv: damaged archive member (BadZipFile: Bad CRC-32 for file "
                   "'activities.csv')"),
    ({"crc": 12345}, "bos.zip: activities.csv: damaged archive member (BadZipFile: Bad CRC-32 for file "
                     "'activities.csv')"),
    ({"flags": 1}, "bos.zip: activities.csv: encrypted (password-protected); zip the export again without a "
                   "password"),
    ({"method": 9}, "bos.zip: activities.csv: compressed with Deflate64, which cannot be read; zip the export "
                    "again with ordinary (Deflate) compression"),
])
def test_forged_or_unreadable_zip_members_are_named(engine, tmp_path, fields, expected):
    path = tmp_path / "bos.zip"
    path.write_bytes(patch_central(zipped(small_export()), "activities.csv", **fields))
    report = import_export(engine, path)
    assert report.fatal == expected
    assert not report.written
    with pytest.raises(ExportError, match="activities.csv"):
        read_zip(path.read_bytes(), label="bos.zip", source="upload")


def test_zip_bomb_is_refused_by_what_it_really_inflates_to(tmp_path):
    # 50 MB of one repeated row deflates about 1000:1; its header declares the true size.
    bomb = zipped({"activities.csv": HEADER.encode() + row("R1").encode() * 400_000})
    assert len(bomb) < 200_000
    with pytest.raises(ExportError, match=r"bos.zip: activities.csv: inflates more than 100 times its compressed "
                                          r"size, as zip bombs do; refused"):
        read_zip(bomb, label="bos.zip", source="upload")


def test_zip_content_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(archive, "MAX_ARCHIVE_CONTENT_BYTES", 4 * 1024**2)
    # Incompressible-looking content (ratio about 2:1), 6 MB in all: under the ratio check, over the total.
    lines = "".join(row(f"R{i}", format(zlib.crc32(str(i).encode()), "x") * 3) for i in range(40_000))
    data = zipped({"activities.csv": (HEADER + lines).encode(), "crimes.csv": (HEADER + lines).encode()})
    with pytest.raises(ExportError, match=r"inflates to more than 4 MB; refused"):
        read_zip(data, label="bos.zip", source="upload")


def test_zip_with_one_file_twice_is_refused():
    data = zipped({"units.csv": b"code,name,level,parent_code\n"})
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as zf, pytest.warns(UserWarning):
        zf.writestr("units.csv", b"code,name,level,parent_code\nPD-1,Polda,polda,\n")
    with pytest.raises(ExportError, match=r"bos.zip: units.csv appears more than once in the archive; refused"):
        read_zip(buffer.getvalue(), label="bos.zip", source="upload")


def test_rows_of_an_archive_are_capped(monkeypatch):
    monkeypatch.setattr("ingest.reader.MAX_ARCHIVE_ROWS", 3)
    data = zipped({"activities.csv": (HEADER + "".join(row(f"R{i}") for i in range(4))).encode()})
    with pytest.raises(ExportError, match=r"bos.zip: more than 3 rows; refused"):
        read_zip(data, label="bos.zip", source="upload")


# 5. Workbooks ---------------------------------------------------------------------------------------

def workbook_bytes(rows: list[list], title: str = "activities") -> bytes:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = title
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return zipped({info.filename: change(source.read(info)) if info.filename == name else source.read(info)
                   for info in source.infolist()})


def test_workbook_with_a_forged_dimension_and_far_row_numbers_is_read_quickly():
    header = HEADER.strip().split(",")
    data = workbook_bytes([header, row("R1").strip().split(",")])

    def forge(xml: bytes) -> bytes:
        # Declares the whole grid and puts the second row at Excel's last row number.
        return xml.replace(b'<dimension ref="A1:K2"/>', b'<dimension ref="A1:XFD1048576"/>').replace(
            b'<row r="2"', b'<row r="1048576"').replace(b'r="A2"', b'r="A1048576"')
    export = read_workbook(rewrite_member(data, "xl/worksheets/sheet1.xml", forge), label="bos.xlsx", source="up")
    table = export.tables["activities.csv"]
    assert table.lines == [1_048_576] and table.rows[0]["report_id"] == "R1"


def test_workbook_rows_beyond_excel_are_refused():
    data = workbook_bytes([["report_id"], ["R1"]])
    forged = rewrite_member(data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b'<row r="2"', b'<row r="5000000"').replace(b'r="A2"', b'r="A5000000"'))
    with pytest.raises(ExportError, match=r"bos.xlsx\[activities\]: more than 1,048,576 rows or 20,000,000 cells"):
        read_workbook(forged, label="bos.xlsx", source="up")


def test_workbook_bomb_is_refused_before_openpyxl_reads_it():
    data = workbook_bytes([["report_id"], ["R1"]])
    filler = b"<!--" + b" " * 30_000_000 + b"-->"
    bomb = rewrite_member(data, "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace(b"<sheetData>", filler + b"<sheetData>"))
    with pytest.raises(ExportError, match=r"bos.xlsx: xl/worksheets/sheet1.xml: inflates more than 100 times"):
        read_workbook(bomb, label="bos.xlsx", source="up")


def test_damaged_workbook_member_is_named():
    data = workbook_bytes([["report_id"], ["R1"]])
    with pytest.raises(ExportError, match=r"bos.xlsx: xl/worksheets/sheet1.xml: damaged archive member"):
        read_workbook(patch_central(data, "xl/worksheets/sheet1.xml", crc=1), label="bos.xlsx", source="up")


# The upload page reads through the same functions ---------------------------------------------------

class Upload(io.BytesIO):
    """What st.file_uploader hands the page: bytes with a name and a size."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name, self.size = name, len(data)


def test_upload_page_reports_the_same_problems_for_the_same_bytes(tmp_path):
    from components.import_view import read_upload

    data = UNTERMINATED_AT_EOF.encode()
    export = export_with(tmp_path, data)
    from_disk = read_export(export).tables["activities.csv"].problems
    uploaded = read_upload([Upload("activities.csv", data)]).tables["activities.csv"].problems
    assert [str(p) for p in uploaded] == [str(p) for p in from_disk]
    assert [str(p) for p in uploaded][0].startswith("activities.csv:3: narrative: unterminated quote")
    bad_zip = patch_central(zipped(small_export()), "activities.csv", method=9)
    with pytest.raises(ExportError, match="activities.csv: compressed with Deflate64"):
        read_upload([Upload("bos.zip", bad_zip)])
