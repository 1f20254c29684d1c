"""The columnar reader gives exactly what the exact path gives (reader + check_activities), or declines."""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.columnar import (
    COLUMNS,
    Declined,
    activity_batches,
    activity_batches_from_file,
    activity_batches_from_table,
    records_frame,
)
from ingest.contract import ACTIVITY_TYPES
from ingest.reader import ExportError, RowBudget, parse_file
from ingest.validate import Context, UnitRef, VillageRef, check_activities

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
LABEL = "activities.csv"
HEADER = ["report_id", "nrp", "village_code", "activity_type", "activity_at", "submitted_at", "lat", "lng",
          "household_id", "narrative", "photo_sha256"]
VILLAGES = {"35.21.01.2001": "Asia/Jakarta", "63.08.01.2004": "Asia/Makassar", "94.01.01.2005": "Asia/Jayapura",
            "99.01.01.2006": "Europe/Berlin"}  # Berlin: daylight saving time, ambiguous and missing hours


def context() -> Context:
    units = {"PD": UnitRef("polda", None), "PR": UnitRef("polres", "PD"), "PS": UnitRef("polsek", "PR")}
    return Context(units=units, villages={code: VillageRef("PS", tz) for code, tz in VILLAGES.items()},
                   officers={"80010001": "PS", "80010002": "PS"}, latest_instant=datetime(2025, 1, 1, 12))


def exact(data: bytes, ctx: Context) -> tuple[pd.DataFrame, list, int]:
    """The exact path: csvfile/reader, then check_activities."""
    table = parse_file("activities.csv", LABEL, data)
    problems = list(table.problems)
    records = check_activities(table, ctx, problems)
    rejected = {p.line for p in problems}
    return records_frame(records, [line for line in table.lines if line not in rejected]), problems, len(table)


def fast(data: bytes, ctx: Context, batch_bytes: int, piece: int = 7, reread: bool = True):
    """The columnar path over the data cut in pieces; None when it declines."""
    chunks = [data[i:i + piece] for i in range(0, len(data), piece)]
    again = (lambda offset, size: data[offset:offset + size]) if reread else None
    try:
        batches = list(activity_batches(chunks, LABEL, ctx, batch_bytes=batch_bytes, reread=again))
    except Declined:
        return None
    frames = [b.records for b in batches] or [records_frame([], [])]
    return (pd.concat(frames, ignore_index=True), [p for b in batches for p in b.problems],
            sum(b.rows_read for b in batches))


def assert_same(data: bytes, ctx: Context, batch_bytes: int, piece: int = 7, reread: bool = True) -> bool:
    """Equal records, problems and row counts; False when the fast path declined."""
    got = fast(data, ctx, batch_bytes, piece, reread)
    if got is None:
        return False
    want = exact(data, ctx)
    pd.testing.assert_frame_equal(got[0], want[0])
    assert got[1] == want[1]
    assert got[2] == want[2]
    return True


def csv_bytes(rows: list[list[str]], header=HEADER, quote_all=False, newline="\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(report_id="R1", nrp="80010001", village="35.21.01.2001", kind="dds", at="2024-03-05T09:00:00+07:00",
        sent="2024-03-05T10:00:00+07:00", lat="-6.995", lng="110.005", household="HH-1",
        narrative="Sambang warga RT 05, menyampaikan pesan kamtibmas.", photo="") -> list[str]:
    return [report_id, nrp, village, kind, at, sent, lat, lng, household, narrative, photo]


# Hand-checked cases ----------------------------------------------------------------------------------

def test_local_times_of_a_wita_village_without_offset():
    data = csv_bytes([row(village="63.08.01.2004", at="2024-03-05T09:00:00", sent="2024-03-06T00:30:00")])
    records = fast(data, context(), 1 << 20)[0]
    # WITA is UTC+8: 09:00 local is 01:00 UTC, 00:30 the next day is 16:30 UTC; 15.5 hours later.
    assert records.loc[0, "activity_at"] == pd.Timestamp("2024-03-05 01:00")
    assert records.loc[0, "submitted_at"] == pd.Timestamp("2024-03-05 16:30")
    assert records.loc[0, "local_date"] == pd.Timestamp("2024-03-05")
    assert records.loc[0, "delay_seconds"] == 55_800.0
    assert str(records["activity_at"].dtype) == "datetime64[us]"


def test_offset_given_is_exact_and_local_date_is_the_villages():
    # 23:30 at +07:00 is 16:30 UTC, already 00:30 of the next day in Makassar (UTC+8).
    data = csv_bytes([row(village="63.08.01.2004", at="2024-03-05T23:30:00+07:00", sent="2024-03-05T23:45:00Z")])
    records = fast(data, context(), 1 << 20)[0]
    assert records.loc[0, "activity_at"] == pd.Timestamp("2024-03-05 16:30")
    assert records.loc[0, "local_date"] == pd.Timestamp("2024-03-06")
    assert records.loc[0, "delay_seconds"] == 7 * 3600 + 15 * 60
    assert records.loc[0, "narrative_key"] is not None and records.loc[0, "photo_sha256"] is None
    assert list(records.columns) == list(COLUMNS)


def test_duplicate_across_batches_names_the_first_line():
    rows = [row(report_id=f"R{i}") for i in range(6)] + [row(report_id="R2")]
    data = csv_bytes(rows)
    for reread in (True, False):
        got = fast(data, context(), batch_bytes=150, reread=reread)  # about one row a batch
        assert [p.line for p in got[1]] == [8]
        problem = got[1][0]
        assert (problem.column, problem.reason, problem.code, problem.params) == (
            "report_id", "duplicate key R2 (first at line 4)", "duplicate_key", {"key": "R2", "line": 4})
        assert list(got[0]["line"]) == [2, 3, 4, 5, 6, 7]
    assert assert_same(data, context(), 150)


def test_a_rejected_row_does_not_register_its_key():
    data = csv_bytes([row(report_id="R1", kind="bad"), row(report_id="R1"), row(report_id="R1")])
    got = fast(data, context(), 60)
    assert [(p.line, p.column, p.code) for p in got[1]] == [(2, "activity_type", "not_one_of"),
                                                            (4, "report_id", "duplicate_key")]
    assert "first at line 3" in got[1][1].reason
    assert assert_same(data, context(), 60)


@pytest.mark.parametrize("data, why", [
    (csv_bytes([row(narrative="baris satu\nbaris dua")]), "a value spanning lines"),
    (csv_bytes([row()]).replace(b"Sambang", b"Samb\xffang"), "not UTF-8"),
    (csv_bytes([row()], header=HEADER[1:] + ["x"]), "required column missing"),
    (b"\n" + csv_bytes([row()]), "blank first line"),
    (csv_bytes([row()]) + b"R9,80010001\n", "a short row"),
    (csv_bytes([row(narrative="x" * 140_000)]), "a value over csvfile's limit"),
    (csv_bytes([row()]).replace(b"Sambang", b'Sam"bang'), "a quote inside an unquoted value"),
    (csv_bytes([row()]).replace(b"Sambang", b"Sam\x00bang"), "NUL"),
    (csv_bytes([row()]).replace(b"Sambang", b"Sam\rbang"), "a bare CR"),
])
def test_declines_what_only_the_exact_path_reads(data, why):
    assert fast(data, context(), 1 << 20) is None, why


def test_accepts_crlf_bom_quotes_blank_lines_and_other_columns():
    rows = [row(report_id=" R1 ", narrative=' "Aman", kata warga. '), row(report_id="R2", kind="binluh",
                                                                         household="", lat="", lng="")]
    rows = [r + ["diabaikan"] for r in rows]
    data = b"\xef\xbb\xbf" + csv_bytes(rows, header=HEADER + ["extra"], quote_all=True, newline="\r\n") + b"\r\n\r\n"
    assert assert_same(data, context(), 1 << 20)
    records = fast(data, context(), 1 << 20)[0]
    assert list(records["report_id"]) == ["R1", "R2"]
    assert records.loc[0, "narrative"] == '"Aman", kata warga.'
    assert np.isnan(records.loc[1, "lat"]) and records.loc[1, "household_id"] is None
    assert next(activity_batches([data], LABEL, context())).header == HEADER + ["extra"]  # for the warning


def test_blank_rows_are_skipped_and_not_counted():
    data = csv_bytes([row(), [""] * 11, [" "] * 11, row(report_id="R2")])
    got = fast(data, context(), 1 << 20)
    assert got[2] == 2 and not got[1] and list(got[0]["line"]) == [2, 5]
    assert assert_same(data, context(), 1 << 20)


def test_row_budget_applies():
    data = csv_bytes([row(report_id=f"R{i}") for i in range(5)])
    with pytest.raises(ExportError, match="more than 4 rows"):
        list(activity_batches([data], LABEL, context(), RowBudget(LABEL, 4)))


def test_from_file_and_from_table_give_the_same_batches(tmp_path):
    rows = [row(report_id=f"R{i % 7}", at=f"2024-03-0{1 + i % 9}T09:00:00") for i in range(30)]
    data = csv_bytes(rows)
    path = tmp_path / "activities.csv"
    path.write_bytes(data)
    from_file = list(activity_batches_from_file(path, LABEL, context(), batch_bytes=500))
    table = parse_file("activities.csv", LABEL, data)
    from_table = list(activity_batches_from_table(table, context(), batch_rows=4))
    for batches in (from_file, from_table):
        assert len(batches) > 1
    pd.testing.assert_frame_equal(pd.concat([b.records for b in from_file], ignore_index=True),
                                  pd.concat([b.records for b in from_table], ignore_index=True))
    assert [p for b in from_file for p in b.problems] == [p for b in from_table for p in b.problems]
    assert sum(b.rows_read for b in from_file) == sum(b.rows_read for b in from_table) == 30


def test_dst_ambiguous_and_missing_local_times_follow_the_row_check():
    data = csv_bytes([row(report_id="A", village="99.01.01.2006", at="2024-10-27T02:30:00",
                          sent="2024-10-27T03:30:00"),
                      row(report_id="B", village="99.01.01.2006", at="2024-03-31T02:30:00",
                          sent="2024-03-31T04:00:00")])
    assert assert_same(data, context(), 1 << 20)


# Generated files -------------------------------------------------------------------------------------

def stamps(good: bool):
    """Timestamps as exporters write them (good) or as they should not (odd)."""
    base = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2024, 12, 30))
    if good:
        offset = st.sampled_from(["", "+07:00", "+08:00", "Z", "-05:30", "+09:00"])
        fraction, sep = st.sampled_from(["", "", ".5", ".123", ".123456"]), st.sampled_from(["T", "T", " "])
    else:
        base = st.datetimes(min_value=datetime(1999, 12, 30), max_value=datetime(2025, 1, 3))
        offset = st.sampled_from(["", "+23:59", "+24:00", "+07:60", "+0700", "+07"])
        fraction, sep = st.sampled_from(["", ".1234567", "."]), st.sampled_from(["T", " ", "t"])
    formatted = st.builds(lambda d, s, f, o: d.strftime(f"%Y-%m-%d{s}%H:%M:%S") + f + o, base, sep, fraction, offset)
    if good:
        return formatted
    return st.one_of(formatted, st.sampled_from([
        "", "2024-02-30T10:00:00", "2024-03-05", "kemarin", "2024-10-27T02:30:00", "2024-03-31T02:30:00",
        "2024-03-05T24:00:00", "9999-12-31T23:59:59+07:00", " 2024-03-05T09:00:00+07:00", "2024-13-01T00:00:00",
        "2025-01-01T12:00:00.000001Z", "2025-01-02T19:00:00+07:00", "2025-01-02T20:00:00"]))


def numbers(limit: int, good: bool):
    if good:
        return st.floats(min_value=-limit, max_value=limit).map(lambda x: f"{x:.{abs(hash(x)) % 12}f}")
    return st.one_of(st.floats(min_value=-limit - 2, max_value=limit + 2).map(str), st.sampled_from(
        ["abc", "1e5", "nan", "inf", " 1.5", "+1.5", ".5", "5.", "1_0", "-0", f"{limit}.0000001", "١٢"]))


TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019 ,.;'-_\"\t") + ["é", "İ", "ß", "²", "\u3000", "\x85", "😀"]),
               max_size=40)
GOOD = [
    st.sampled_from(["R1", "R2", "R3", "R4", "R5", "R6", "R7", " R1", "R,8", 'R"9']),
    st.sampled_from(["80010001", "80010002", " 80010001 "]),
    st.sampled_from(list(VILLAGES)),
    st.sampled_from([*ACTIVITY_TYPES, "dds", "dds"]),
    stamps(True), stamps(True), st.one_of(st.just(""), numbers(90, True)), st.one_of(st.just(""), numbers(180, True)),
    st.sampled_from(["HH-1", " HH 2 ", "x" * 80]),
    st.one_of(TEXT, st.sampled_from(["", "Sambang warga RT 05, menyampaikan pesan kamtibmas.", "x" * 20_000,
                                     "Ａｂｃ ünïcödé narasi yang cukup panjang sekali"])),
    st.sampled_from(["", "a" * 64, "A0" * 32]),
]
ODD = [
    st.sampled_from(["", "x" * 41, "Ré"]),
    st.sampled_from(["999", ""]),
    st.sampled_from(["00.00", "", "35.21.01.2001\t"]),
    st.sampled_from(["DDS", "", "lain"]),
    stamps(False), stamps(False), numbers(90, False), numbers(180, False),
    st.sampled_from(["", "x" * 81]),
    st.sampled_from(["x" * 20_001, "baris\nbaru", "cr\rsaja", "a" * 140_000]),
    st.sampled_from(["g" * 64, "a" * 63, "a" * 65]),
]


def damaged(fields: list[str], edits: list[tuple[int, str]]) -> list[str]:
    fields = list(fields)
    for column, value in edits:
        fields[column] = value
    return fields


ROWS = st.builds(damaged, st.tuples(*GOOD), st.lists(st.integers(0, len(ODD) - 1).flatmap(
    lambda column: st.tuples(st.just(column), ODD[column])), max_size=2))


@FUZZ
@given(st.lists(ROWS, max_size=25), st.booleans(), st.sampled_from(["\n", "\r\n"]), st.booleans(),
       st.integers(40, 3000), st.integers(1, 500), st.booleans(), st.permutations(range(len(HEADER))))
def test_generated_files_match_the_exact_path(rows, quote_all, newline, bom, batch_bytes, piece, reread, order):
    header = [HEADER[i] for i in order]
    data = csv_bytes([[r[i] for i in order] for r in rows], header=header, quote_all=quote_all, newline=newline)
    assert_same((b"\xef\xbb\xbf" if bom else b"") + data, context(), batch_bytes, piece, reread)


EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(
    [b"\n", b"\r\n", b",", b'"', b"\xff", b"\x00", b"\xef\xbb\xbf", b" ", b"\n\n", b"x" * 140_000])), max_size=3)


@FUZZ
@given(st.lists(ROWS, min_size=1, max_size=12), EDITS, st.integers(40, 2000))
def test_damaged_files_match_the_exact_path_or_are_declined(rows, edits, batch_bytes):
    data = csv_bytes(rows)
    start = data.index(b"\n") + 1
    for position, insert in edits:
        at = start + position % max(1, len(data) - start)
        data = data[:at] + insert + data[at:]
    assert_same(data, context(), batch_bytes)


def test_most_generated_clean_files_are_not_declined():
    rng = np.random.default_rng(7)
    rows = [row(report_id=f"R{rng.integers(0, 50)}", village=rng.choice(list(VILLAGES)),
                at=(datetime(2024, 1, 1) + timedelta(minutes=int(rng.integers(0, 500_000)))).isoformat(),
                lat=f"{rng.uniform(-95, 95):.6f}") for _ in range(400)]
    assert assert_same(csv_bytes(rows), context(), 2000)


@pytest.mark.parametrize("reread", [True, False])
def test_equal_hashes_of_different_report_ids_are_told_apart(monkeypatch, reread):
    # Every report_id hashes alike: only the exact comparison keeps R1..R5 apart and finds the real repeats.
    monkeypatch.setattr(pd.util, "hash_array", lambda values, categorize=False: np.zeros(len(values), np.uint64))
    rows = [row(report_id=f"R{i % 5}") for i in range(12)]
    data = csv_bytes(rows)
    got = fast(data, context(), 120, reread=reread)
    assert list(got[0]["report_id"]) == ["R0", "R1", "R2", "R3", "R4"]
    assert [(p.line, p.params["line"]) for p in got[1]] == [(7, 2), (8, 3), (9, 4), (10, 5), (11, 6), (12, 2),
                                                            (13, 3)]
    assert assert_same(data, context(), 120, reread=reread)


def test_local_times_around_daylight_saving_changes():
    # Every 20 minutes over Berlin's two changes of 2024 (ambiguous and missing hours included), and Jayapura.
    starts = [datetime(2024, 3, 30, 22), datetime(2024, 10, 26, 22)]
    rows = [row(report_id=f"R{k}{i}", village=village, at=(start + timedelta(minutes=20 * i)).isoformat(),
                sent=(start + timedelta(minutes=20 * i + 7)).isoformat())
            for k, start in enumerate(starts) for i in range(24)
            for village in ("99.01.01.2006", "94.01.01.2005")]
    for i, fields in enumerate(rows):
        fields[0] = f"R{i}"
    assert assert_same(csv_bytes(rows), context(), 1 << 20)
