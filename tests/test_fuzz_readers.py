"""Fuzzing the readers: whatever the bytes, only ExportError escapes, and no row of the input is lost.

FUZZ_EXAMPLES=20000 runs a larger campaign locally; CI keeps the default (a few seconds, derandomized).
"""

from __future__ import annotations

import io
import os
import re
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.reader import ExportError, parse_file, read_workbook, read_zip

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER = b"report_id,nrp,village_code,activity_type,activity_at,submitted_at,narrative\r\n"
ROWS = [f'T{i:03d}X,8001,35.21.01.2001,dds,2024-03-05T09:00:00,2024-03-05T10:00:00,"kata T{i:03d}X, ""aman""\n'
        f'baris dua"\r\n'.encode() if i % 3 == 0 else
        f"T{i:03d}X,8001,35.21.01.2001,dds,2024-03-05T09:00:00,2024-03-05T10:00:00,sambang T{i:03d}X\r\n".encode()
        for i in range(12)]
VALID = HEADER + b"".join(ROWS)
TOKEN = re.compile(r"T\d{3}X")

# What a careless exporter or a damaged transfer does to a file: quotes, NULs, CRs, bad UTF-8, cuts.
INSERTS = st.sampled_from([b'"', b'""', b"\x00", b"\r", b"\n", b",", b"\xff", b"\xc3", b"\xe2\x82", b"\xef\xbb\xbf",
                           b"\\", b'"\n', b"x" * 140_000])
EDIT = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, len(VALID)), INSERTS),
    st.tuples(st.just("delete"), st.integers(0, len(VALID)), st.integers(1, 40)),
    st.tuples(st.just("cut"), st.integers(0, len(VALID)), st.just(b"")),
)


def mutate(data: bytes, edits, start: int = 0) -> bytes:
    """Apply edits at positions at or after `start` (positions wrap around the data's length)."""
    for kind, position, value in edits:
        span = max(1, len(data) - start)
        at = start + position % span
        if kind == "insert":
            data = data[:at] + value + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + value:]
        else:
            data = data[:at]
    return data


def outputs(table) -> str:
    """Every text the reader kept: row values and the raw text of every refused line."""
    kept = [value for row in table.rows for value in row.values()]
    kept += [str(problem.record) for problem in table.problems]
    return "\n".join(kept)


@FUZZ
@given(st.lists(EDIT, min_size=1, max_size=4))
def test_mutated_csv_loses_no_row(edits):
    data = mutate(VALID, edits, start=len(HEADER))  # the header stays: every column is known
    table = parse_file("activities.csv", "activities.csv", data)
    starts = {line for line in table.lines} | {problem.line for problem in table.problems}
    kept = outputs(table)
    for number, line in enumerate(data.splitlines(), start=1):
        for token in TOKEN.findall(line.decode("utf-8", "replace")):
            # A row is kept as read, refused with its raw text, or is the row that starts on this line.
            assert token in kept or number in starts, (token, number, data)
    lines = [line for line in table.lines] + [p.line for p in table.problems if isinstance(p.line, int)]
    assert len(lines) == len(set(lines)), "a line read twice"


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_as_csv_never_raise(data):
    table = parse_file("activities.csv", "activities.csv", data)
    assert all(problem.record is not None or problem.line in (None, 1) for problem in table.problems)


@FUZZ
@given(st.lists(EDIT, min_size=1, max_size=4))
def test_mutated_header_and_rows_never_raise(edits):
    parse_file("activities.csv", "activities.csv", mutate(VALID, edits))
    parse_file("villages.geojson", "villages.geojson", mutate(b'{"type": "FeatureCollection", "features": '
                                                              b'[{"type": "Feature", "properties": {"a": 1}}]}', edits))


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bos/units.csv", b"code,name,level,parent_code\nPD-1,Polda,polda,\n")
        zf.writestr("bos/activities.csv", VALID)
    return buffer.getvalue()


def workbook() -> bytes:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "activities"
    for line in VALID.decode().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


ZIP, XLSX = zipped(), workbook()
FLIPS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=6)


def flipped(data: bytes, flips) -> bytes:
    mutable = bytearray(data)
    for position, mask in flips:
        mutable[position % len(mutable)] ^= mask
    return bytes(mutable)


def only_export_errors(reader, data: bytes) -> None:
    try:
        reader(data, label="fuzz", source="fuzz")
    except ExportError:
        pass


@FUZZ
@given(FLIPS)
def test_zip_with_flipped_bytes_gives_only_export_errors(flips):
    only_export_errors(read_zip, flipped(ZIP, flips))


@FUZZ
@given(FLIPS)
def test_xlsx_with_flipped_bytes_gives_only_export_errors(flips):
    only_export_errors(read_workbook, flipped(XLSX, flips))


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06" + bytes(18)]))
def test_random_bytes_as_archives_give_only_export_errors(data, prefix):
    only_export_errors(read_zip, prefix + data)
    only_export_errors(read_workbook, prefix + data)


@FUZZ
@given(st.integers(0, len(ZIP)), st.integers(0, len(XLSX)))
def test_truncated_archives_give_only_export_errors(zip_cut, xlsx_cut):
    only_export_errors(read_zip, ZIP[:zip_cut])
    only_export_errors(read_workbook, XLSX[:xlsx_cut])
