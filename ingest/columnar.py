"""activities.csv read and checked in column batches: the exact path's records and messages, in bounded memory.

The exact path (ingest/csvfile.py, ingest/reader.py, then validate.check_activities) takes any file however
broken, a row at a time as Python dicts: the whole file in memory and ~50,000 rows/s. This module takes the
files exporters really write, a block of lines at a time, as columns (pyarrow and numpy):
- a block is read only if every line is "plain" CSV (each value unquoted without quotes, or wholly quoted
  with "" escapes; no NUL, no CR but before the LF), valid UTF-8, no longer than csvfile.MAX_FIELD_CHARS and
  as wide as the header. Anything else raises Declined, and the caller reads the whole file the exact way
  (batches yielded before it must be thrown away): this path never guesses how csvfile would read a line;
- every rule of check_activities is applied as a vectorised test that only passes values the row check
  surely accepts, computing the same values; a row failing any test is checked again by check_activities
  itself (a one-row RawTable with its real line and values), so its messages are the exact path's by
  construction;
- a report_id repeated inside the file is rejected as KeyTracker does it, across batches, remembering
  64-bit hashes and first lines in sorted numpy runs (12 bytes a row) and confirming each hash hit exactly.

Dtypes of ActivityBatch.records: report_id, nrp, village_code, activity_type, household_id, narrative,
photo_sha256, narrative_key are object (str, or None where empty); activity_at and submitted_at are
datetime64[us], naive UTC; local_date is datetime64[us] at midnight of the local date (the village's zone);
lat, lng (NaN = missing) and delay_seconds are float64; line is int64.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ingest.contract import (
    ACTIVITY_TYPES,
    EARLIEST_DATE,
    FILES_BY_NAME,
    MAX_LATITUDE,
    MAX_LENGTH,
    MAX_LONGITUDE,
    SHA256_LENGTH,
    TIMESTAMP_LEAD,
)
from ingest.csvfile import BOM, MAX_FIELD_CHARS
from ingest.reader import Problem, RawTable, RowBudget, _header_problems
from ingest.validate import MIN_NARRATIVE_CHARS, Context, check_activities, missing_columns, narrative_key
from queries.timeutil import zone

MiB = 1024**2
BATCH_BYTES = 8 * MiB  # ~22,000 activities: measured on the Polda export, 4x less memory than 32 MiB, as fast
SPEC = FILES_BY_NAME["activities.csv"]
COLUMNS = ("report_id", "nrp", "village_code", "activity_type", "household_id", "narrative", "photo_sha256",
           "narrative_key", "activity_at", "submitted_at", "local_date", "lat", "lng", "delay_seconds", "line")
TEXT_COLUMNS = COLUMNS[:8]
TIME_COLUMNS = ("activity_at", "submitted_at", "local_date")

# One CSV value as csv's default dialect reads it unchanged: unquoted without any quote, or wholly quoted.
_VALUE = r'(?:[^",\r\n\x00]*|"(?:[^"\r\n\x00]|"")*")'
PLAIN_LINE = rf"{_VALUE}(?:,{_VALUE})*\r?\n?"
_PLAIN_LINE = re.compile(PLAIN_LINE)
# A value whose first or last character is not printable ASCII may change under str.strip().
_MAY_STRIP = r"^[^!-~]|[^!-~]$"
# The ISO 8601 forms read here (datetime.fromisoformat reads each the same way); others go to the row check.
_TIMESTAMP = (r"^(?P<y>\d{4})-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])[T ](?P<h>[01]\d|2[0-3]):"
              r"(?P<mi>[0-5]\d):(?P<s>[0-5]\d)(?:\.(?P<f>\d{1,6}))?(?P<z>Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$")
_NUMBER = r"^-?\d{1,3}(?:\.\d{1,20})?$"
_SHA256 = rf"^[0-9a-fA-F]{{{SHA256_LENGTH}}}$"
US = 1_000_000  # microseconds a second
DAY_US = 86_400 * US


class Declined(Exception):
    """This file holds something only the exact path reads right: use ingest.reader + check_activities for it."""


@dataclass
class ActivityBatch:
    """The valid rows of a stretch of activities.csv, and the problems of its rows (both in file order)."""

    records: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0  # rows read (valid or rejected; blank lines not counted), as RawTable's len
    header: list[str] = field(default_factory=list)  # the file's columns, for the unknown-column warnings


def activity_batches_from_file(path: str | Path, label: str, ctx: Context, rows: RowBudget | None = None, *,
                               batch_bytes: int = BATCH_BYTES) -> Iterator[ActivityBatch]:
    """activity_batches over a file on disk; repeated report_ids are confirmed by re-reading their first line."""
    path = Path(path)

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as fh:
            while chunk := fh.read(MiB):
                yield chunk

    def reread(offset: int, size: int) -> bytes:
        with path.open("rb") as fh:
            fh.seek(offset)
            return fh.read(size)

    return activity_batches(chunks(), label, ctx, rows, batch_bytes=batch_bytes, reread=reread)


def activity_batches(chunks: Iterable[bytes], label: str, ctx: Context, rows: RowBudget | None = None, *,
                     batch_bytes: int = BATCH_BYTES,
                     reread: Callable[[int, int], bytes] | None = None) -> Iterator[ActivityBatch]:
    """The file's rows in batches of about batch_bytes, checked; raises Declined where only the exact path will do.

    reread(offset, size) gives bytes of the stream again, to confirm a report_id seen in an earlier batch;
    without it the report_ids of earlier batches are kept in memory instead (~30 bytes a row).
    """
    checker = _BatchChecker(label, ctx, rows, _SeenKeys(reread))
    lines_before = 0
    for offset, block in _blocks(chunks, batch_bytes):
        start = 0
        if checker.header is None:
            start = len(BOM) if block.startswith(BOM) else 0
            end = block.find(b"\n", start)
            end = len(block) if end < 0 else end + 1
            checker.read_header(block[start:end])
            start, lines_before = end, 1
        body = block[start:]
        if body:
            yield checker.batch(body, lines_before + 1, offset + start)
            lines_before += body.count(b"\n")
    if checker.header is None:
        raise Declined("empty file")


def activity_batches_from_table(table: RawTable, ctx: Context, *, batch_rows: int = 100_000) -> Iterator[ActivityBatch]:
    """Batches from an already-read table (a workbook sheet, or a file the fast path declined).

    The problems are those the importer lists for the file: the reader's, then the missing columns or the
    row checks'; all of them come with the first batch.
    """
    problems: list[Problem] = list(table.problems)
    records: list[dict] = []
    if not table.header or missing_columns(table, problems):
        reason = "not loaded: the file itself was rejected (see its first problem)"
        problems.extend(Problem(table.label, line, "-", reason, row, consequential=True, code="file_rejected")
                        for line, row in zip(table.lines, table.rows))
    else:
        records = check_activities(table, ctx, problems)
    rejected = {p.line for p in problems}
    lines = [line for line in table.lines if line not in rejected]
    count = max(1, -(-len(records) // batch_rows))
    for index in range(count):
        part = slice(index * batch_rows, (index + 1) * batch_rows)
        yield ActivityBatch(records_frame(records[part], lines[part]), problems if index == 0 else [],
                            len(table) if index == 0 else 0, table.header)


def records_frame(records: list[dict], lines: list) -> pd.DataFrame:
    """check_activities records (and their lines) as a batch's DataFrame, with the batch dtypes."""
    frame = pd.DataFrame({
        **{name: pd.Series([r[name] for r in records], dtype=object) for name in TEXT_COLUMNS},
        **{name: pd.Series(pd.to_datetime([r[name] for r in records]), dtype="datetime64[us]")
           for name in TIME_COLUMNS},
        **{name: pd.Series([np.nan if r[name] is None else r[name] for r in records], dtype="float64")
           for name in ("lat", "lng", "delay_seconds")},
        "line": pd.Series(lines, dtype="int64"),
    })
    return frame[list(COLUMNS)]


def _blocks(chunks: Iterable[bytes], batch_bytes: int) -> Iterator[tuple[int, bytes]]:
    """The stream cut after the first line end past each batch_bytes (the last block may end without one)."""
    pending: list[bytes] = []
    size = offset = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size < batch_bytes:
            continue
        data, start = b"".join(pending), 0
        while (cut := data.find(b"\n", start + batch_bytes - 1)) >= 0:
            yield offset, data[start:cut + 1]
            offset += cut + 1 - start
            start = cut + 1
        pending = [data[start:]]
        size = len(data) - start
    data = b"".join(pending)
    if data:
        yield offset, data


MAX_RUN = 4_000_000  # keys in one sorted run of _SeenKeys (48 MB)


def _merged(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Two sorted runs of (hashes, lines) as one, without sorting again."""
    at = np.searchsorted(first[0], second[0], side="right") + np.arange(len(second[0]))
    from_second = np.zeros(len(first[0]) + len(second[0]), dtype=bool)
    from_second[at] = True
    merged = []
    for a, b in zip(first, second):
        out = np.empty(len(from_second), dtype=a.dtype)
        out[at], out[~from_second] = b, a
        merged.append(out)
    return tuple(merged)


class _SeenKeys:
    """The report_ids registered so far (KeyTracker's dict), as sorted runs of 64-bit hashes and first lines."""

    def __init__(self, reread: Callable[[int, int], bytes] | None):
        self.reread = reread
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes sorted, first line of each)
        # Where each batch's body lies, to find a first line again: (first line, offset, size, report_id column).
        self.spans: list[tuple[int, int, int, int]] = []
        self.kept: list[tuple[np.ndarray, np.ndarray]] = []  # without reread: (lines, report_ids) per batch

    def lookup(self, hashes: np.ndarray) -> list[tuple[int, int]]:
        """(index in hashes, first line) of each registered key with one of these hashes (usually none)."""
        found: list[tuple[int, int]] = []
        for keys, lines in self.runs:
            left = np.searchsorted(keys, hashes, "left")
            right = np.searchsorted(keys, hashes, "right")
            for index in np.flatnonzero(right > left).tolist():
                found.extend((index, int(line)) for line in lines[left[index]:right[index]])
        return found

    def add(self, hashes: np.ndarray, lines: np.ndarray, ids: np.ndarray, span: tuple[int, int, int, int]) -> None:
        """Register keys (hashes, first lines) of one batch; merge runs of similar size (amortised O(n log n))."""
        if lines.size and int(lines.max()) > np.iinfo(np.uint32).max:
            raise Declined("more than 4,294,967,295 lines")
        order = np.argsort(hashes, kind="stable")
        self.runs.append((hashes[order], lines[order].astype(np.uint32)))
        # Runs past MAX_RUN keys stay as they are: a merge needs the two runs twice over in memory.
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= min(2 * len(self.runs[-1][0]), MAX_RUN):
            later, earlier = self.runs.pop(), self.runs.pop()
            self.runs.append(_merged(earlier, later))
        if self.reread is None:
            self.kept.append((lines.astype(np.int64), ids))
        else:
            self.spans.append(span)

    def report_id_at(self, line: int) -> str:
        """The report_id registered at a line of an earlier batch, read again exactly."""
        if self.reread is None:
            for lines, ids in self.kept:
                at = np.searchsorted(lines, line)
                if at < len(lines) and lines[at] == line:
                    return ids[at]
            raise LookupError(line)
        first_lines = [span[0] for span in self.spans]
        first, offset, size, position = self.spans[bisect.bisect_right(first_lines, line) - 1]
        body = self.reread(offset, size)
        start = 0
        for _ in range(line - first):
            start = body.index(b"\n", start) + 1
        end = body.find(b"\n", start)
        text = body[start:len(body) if end < 0 else end + 1].decode("utf-8")
        return next(csv.reader([text]))[position].strip()


class _BatchChecker:
    """Checks blocks of activities.csv lines, keeping what spans blocks: header, budget and seen keys."""

    def __init__(self, label: str, ctx: Context, rows: RowBudget | None, seen: _SeenKeys):
        self.label, self.ctx, self.rows, self.seen = label, ctx, rows, seen
        self.header: list[str] | None = None
        self.officers = pa.array(list(ctx.officers), pa.string())
        self.village_codes = pa.array(list(ctx.villages), pa.string())
        self.zone_names = sorted({v.timezone for v in ctx.villages.values()})
        zone_ids = {name: i for i, name in enumerate(self.zone_names)}
        self.village_zones = np.array([zone_ids[v.timezone] for v in ctx.villages.values()], dtype=np.int64)
        latest = ctx.latest_instant
        self.latest_us = int(np.datetime64(latest, "us").astype(np.int64))
        self.earliest_day = int(np.datetime64(EARLIEST_DATE, "D").astype(np.int64))
        self.last_day = int(np.datetime64(latest.date() + TIMESTAMP_LEAD, "D").astype(np.int64))

    def read_header(self, raw: bytes) -> None:
        """The header line: plain, and every column the row checks need named once."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Declined("header not UTF-8") from None
        if not _PLAIN_LINE.fullmatch(text) or len(text) > MAX_FIELD_CHARS:
            raise Declined("header not plain CSV")
        header = [cell.strip() for cell in next(csv.reader([text]), [])]
        if not any(header) or _header_problems(header) or any(col not in header for col in SPEC.required):
            raise Declined("header blank, ambiguous or without a required column")
        self.header = header
        self.keep = [(i, col) for i, col in enumerate(header) if col in SPEC.columns]
        self.position = {col: i for i, col in self.keep}

    def batch(self, body: bytes, first_line: int, offset: int) -> ActivityBatch:
        """One block of lines (ending at a line end, or at the end of the file) as a checked batch."""
        if body.startswith(BOM):
            raise Declined("a line starts with a byte order mark")  # pyarrow would drop it, csv keeps it
        table, lines = self._parse(body, first_line)
        n = table.num_rows
        values = {col: _stripped(table.column(i).combine_chunks()) for i, col in self.keep}
        empty = pa.array([""] * n, pa.string())
        cols = {col: values.get(col, empty) for col in SPEC.columns}
        good, parsed = self._vector_checks(cols, n)
        suspects = np.flatnonzero(~good)
        blank, rechecked, problems = self._recheck(table, values, lines, suspects)
        taken = int(n - blank.sum())
        if self.rows is not None:
            self.rows.take(taken)
        passed = np.array([record is not None for record in rechecked], dtype=bool)
        valid = good.copy()
        valid[suspects[passed]] = True
        duplicate, key_problems = self._duplicates(cols["report_id"].to_numpy(zero_copy_only=False), valid, lines,
                                                   values, (first_line, offset, len(body)))
        problems = sorted(problems + key_problems, key=lambda p: p.line)  # each row's problems stay together
        records = self._frame(cols, parsed, lines, good & ~duplicate)
        slow = np.flatnonzero(passed & ~duplicate[suspects])
        if slow.size:  # rows only the row check accepted: its records, merged back in file order
            slow_frame = records_frame([rechecked[i] for i in slow], lines[suspects[slow]].tolist())
            records = pd.concat([records, slow_frame], ignore_index=True)
            records = records.sort_values("line", kind="stable", ignore_index=True)
        return ActivityBatch(records, problems, taken, self.header)

    def _parse(self, body: bytes, first_line: int) -> tuple[pa.Table, np.ndarray]:
        """The block's rows (all values text) and the line of each; Declined unless every line is plain CSV."""
        bytes_ = np.frombuffer(body, np.uint8)
        ends = np.flatnonzero(bytes_ == 10) + 1
        if not body.endswith(b"\n"):
            ends = np.append(ends, len(body))
        offsets = np.concatenate([[0], ends]).astype(np.int64)
        if np.diff(offsets).max() > MAX_FIELD_CHARS:
            raise Declined("a line longer than any value csvfile reads")
        lines = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(body))
        try:
            lines.validate(full=True)
        except pa.ArrowInvalid:
            raise Declined("not UTF-8") from None
        if not pc.all(pc.match_substring_regex(lines, f"^{PLAIN_LINE}$")).as_py():
            raise Declined("a line that is not plain CSV (quotes, NUL, CR)")
        blank = pc.match_substring_regex(lines, r"^\r?\n?$").to_numpy(zero_copy_only=False)
        numbers = first_line + np.flatnonzero(~blank).astype(np.int64)
        width = len(self.header)
        names = [f"c{i}" for i in range(width)]
        if not numbers.size:
            return pa.table({name: pa.array([], pa.string()) for name in names}), numbers
        try:
            table = pcsv.read_csv(
                pa.py_buffer(body),
                read_options=pcsv.ReadOptions(column_names=names, use_threads=False, block_size=1 << 26),
                parse_options=pcsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
                convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                    strings_can_be_null=False, quoted_strings_can_be_null=False))
        except pa.ArrowInvalid:
            raise Declined("a row not as wide as the header") from None
        if table.num_rows != numbers.size:
            raise Declined("rows and lines differ")
        return table, numbers

    def _vector_checks(self, cols: dict[str, pa.Array], n: int) -> tuple[np.ndarray, dict]:
        """Rows every rule surely accepts (True), and the values computed for them."""
        good = np.ones(n, dtype=bool)
        for col in ("report_id", "nrp", "village_code"):
            good &= _between(cols[col], 1, MAX_LENGTH[col])
        good &= _is_in(cols["nrp"], self.officers)
        village = pc.index_in(cols["village_code"], value_set=self.village_codes).to_numpy(zero_copy_only=False)
        known = ~np.isnan(village.astype(np.float64))
        good &= known
        zones = np.where(known, self.village_zones[np.where(known, village, 0).astype(np.int64)]
                         if len(self.village_zones) else -1, -1)
        activity_type = cols["activity_type"]
        good &= _is_in(activity_type, pa.array(ACTIVITY_TYPES, pa.string()))
        dds = pc.equal(activity_type, "dds").to_numpy(zero_copy_only=False)
        good &= _between(cols["household_id"], 0, MAX_LENGTH["household_id"])
        good &= ~dds | _between(cols["household_id"], 1, MAX_LENGTH["household_id"])
        good &= _between(cols["narrative"], 0, MAX_LENGTH["narrative"])
        photo = cols["photo_sha256"]
        good &= _between(photo, 0, 0) | _matches(photo, _SHA256)
        parsed: dict = {"zones": zones}
        for col in ("activity_at", "submitted_at"):
            instant, ok = self._timestamps(cols[col], zones, good)
            good &= ok
            parsed[col] = instant
        for col, limit in (("lat", MAX_LATITUDE), ("lng", MAX_LONGITUDE)):
            number, ok = _coordinates(cols[col], limit)
            good &= ok
            parsed[col] = number
        return good, parsed

    def _timestamps(self, values: pa.Array, zones: np.ndarray, good: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Microseconds since 1970 (UTC) of each timestamp, and whether the row check surely reads it so."""
        parts = pc.extract_regex(values, _TIMESTAMP)
        ok = parts.is_valid().to_numpy(zero_copy_only=False) & good

        def number(name: str) -> np.ndarray:
            text = pc.if_else(ok, parts.field(name), "0")
            text = pc.if_else(pc.equal(text, ""), "0", text)
            return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)

        year, month, day = number("y"), number("mo"), number("d")
        months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
        days = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
        ok &= days.astype("datetime64[M]") == months  # no 30 February
        day_number = days.astype(np.int64)
        ok &= (day_number >= self.earliest_day) & (day_number <= self.last_day)
        fraction = pc.utf8_rpad(pc.if_else(ok, parts.field("f"), ""), 6, "0")
        micros = pc.cast(fraction, pa.int64()).to_numpy(zero_copy_only=False)
        clock = ((number("h") * 60 + number("mi")) * 60 + number("s")) * US + micros
        written = day_number * DAY_US + clock
        offset = pc.if_else(ok, parts.field("z"), "")
        aware = pc.not_equal(offset, "").to_numpy(zero_copy_only=False)
        numeric = pc.if_else(pc.match_substring_regex(offset, "^[+-]"), offset, "+00:00")
        hours = pc.cast(pc.utf8_slice_codeunits(numeric, 1, 3), pa.int64()).to_numpy(zero_copy_only=False)
        minutes = pc.cast(pc.utf8_slice_codeunits(numeric, 4, 6), pa.int64()).to_numpy(zero_copy_only=False)
        sign = np.where(pc.starts_with(numeric, "-").to_numpy(zero_copy_only=False), -1, 1)
        instant = np.where(aware, written - sign * (hours * 60 + minutes) * 60 * US, written)
        local = ~aware & ok
        for zone_id in np.unique(zones[local]):
            rows = np.flatnonzero(local & (zones == zone_id))
            stamps = pd.DatetimeIndex(written[rows].astype("datetime64[us]"))
            utc = stamps.tz_localize(zone(self.zone_names[zone_id]), ambiguous="NaT", nonexistent="NaT")
            missing = np.asarray(utc.isna())
            ok[rows[missing]] = False  # a local time that is ambiguous or never shown: the row check decides
            instant[rows] = np.where(missing, 0, utc.tz_convert("UTC").tz_localize(None).as_unit("us").asi8)
        ok &= instant <= self.latest_us
        return instant, ok

    def _recheck(self, table: pa.Table, values: dict[str, pa.Array], lines: np.ndarray,
                 suspects: np.ndarray) -> tuple[np.ndarray, list[dict | None], list[Problem]]:
        """check_activities on each row a vectorised test refused: blank rows, each one's record or None, problems."""
        blank = np.zeros(table.num_rows, dtype=bool)
        problems: list[Problem] = []
        records: list[dict | None] = []
        if not suspects.size:
            return blank, records, problems
        index = pa.array(suspects)
        cells = [table.column(i).take(index).to_pylist() for i in range(table.num_columns)]
        kept = {col: values[col].take(index).to_pylist() for _, col in self.keep}
        for at, row_index in enumerate(suspects.tolist()):
            if not any(column[at].strip() for column in cells):
                blank[row_index] = True  # csvfile skips a row of blank values, uncounted
                records.append(None)
                continue
            row = {col: kept[col][at] for _, col in self.keep}
            # A table of this one row: KeyTracker sees no other, duplicates are _duplicates' job.
            one = RawTable(name=SPEC.name, label=self.label, header=self.header, rows=[row],
                           lines=[int(lines[row_index])])
            checked = check_activities(one, self.ctx, problems)
            records.append(checked[0] if checked else None)
        return blank, records, problems

    def _duplicates(self, ids: np.ndarray, valid: np.ndarray, lines: np.ndarray, values: dict[str, pa.Array],
                    span: tuple[int, int, int]) -> tuple[np.ndarray, list[Problem]]:
        """KeyTracker over the valid rows: a report_id seen before (this batch or earlier) rejects the row."""
        duplicate = np.zeros(len(ids), dtype=bool)
        rows = np.flatnonzero(valid)
        if not rows.size:
            self.seen.add(np.array([], np.uint64), np.array([], np.int64), np.array([], object),
                          (*span, self.position["report_id"]))
            return duplicate, []
        codes, uniques = pd.factorize(pd.Series(ids[rows], dtype=object))
        _, first = np.unique(codes, return_index=True)  # first row (in rows) of each distinct report_id
        first_line = lines[rows[first]].astype(np.int64)
        unique_ids = np.asarray(uniques, dtype=object)
        hashes = pd.util.hash_array(unique_ids, categorize=False)
        earlier = np.full(len(uniques), -1, dtype=np.int64)
        for index, line in self.seen.lookup(hashes):
            if earlier[index] < 0 and self.seen.report_id_at(line) == unique_ids[index]:
                earlier[index] = line  # a hash equal by chance is told apart by the text itself
        new = earlier < 0
        self.seen.add(hashes[new], first_line[new], unique_ids[new], (*span, self.position["report_id"]))
        seen_line = np.where(new, first_line, earlier)[codes]
        is_dup = ~new[codes] | (lines[rows] != seen_line)
        duplicate[rows[is_dup]] = True
        problems = []
        dup_rows = rows[is_dup]
        if dup_rows.size:
            index = pa.array(dup_rows)
            kept = {col: values[col].take(index).to_pylist() for _, col in self.keep}
            for at, (report_id, first_at) in enumerate(zip(ids[dup_rows], seen_line[is_dup])):
                row = {col: kept[col][at] for _, col in self.keep}
                problems.append(Problem(self.label, int(lines[dup_rows[at]]), "report_id",
                                        f"duplicate key {report_id} (first at line {first_at})", row,
                                        code="duplicate_key", params={"key": report_id, "line": int(first_at)}))
        return duplicate, problems

    def _frame(self, cols: dict[str, pa.Array], parsed: dict, lines: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
        """The DataFrame of the rows that passed every vectorised test, from the values computed there."""
        index = pa.array(np.flatnonzero(rows))

        def text(col: str, empty_is_none: bool = False) -> pd.Series:
            values = cols[col].take(index)
            if empty_is_none:
                values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
            return pd.Series(values.to_numpy(zero_copy_only=False), dtype=object)

        activity_at = parsed["activity_at"][rows]
        zones = parsed["zones"][rows]
        local_day = np.empty(len(activity_at), dtype="datetime64[us]")
        for zone_id in np.unique(zones):
            at = zones == zone_id
            stamps = pd.DatetimeIndex(activity_at[at].astype("datetime64[us]")).tz_localize("UTC")
            local = stamps.tz_convert(zone(self.zone_names[zone_id])).tz_localize(None).normalize()
            local_day[at] = local.as_unit("us").to_numpy()
        narrative = cols["narrative"].take(index)
        frame = pd.DataFrame({
            "report_id": text("report_id"), "nrp": text("nrp"), "village_code": text("village_code"),
            "activity_type": text("activity_type"), "household_id": text("household_id", True),
            "narrative": text("narrative", True), "photo_sha256": text("photo_sha256", True),
            "narrative_key": pd.Series(_narrative_keys(narrative), dtype=object),
            "activity_at": pd.Series(activity_at.astype("datetime64[us]")),
            "submitted_at": pd.Series(parsed["submitted_at"][rows].astype("datetime64[us]")),
            "local_date": pd.Series(local_day),
            "lat": pd.Series(parsed["lat"][rows], dtype="float64"),
            "lng": pd.Series(parsed["lng"][rows], dtype="float64"),
            "delay_seconds": pd.Series((parsed["submitted_at"][rows] - activity_at) / US, dtype="float64"),
            "line": pd.Series(lines[rows], dtype="int64"),
        })
        return frame


def _stripped(values: pa.Array) -> pa.Array:
    """Each value as str.strip() leaves it (Python does the few whose ends are not printable ASCII)."""
    may = pc.match_substring_regex(values, _MAY_STRIP)
    if not pc.any(may).as_py():
        return values
    stripped = [text.strip() for text in pc.filter(values, may).to_pylist()]
    return pc.replace_with_mask(values, may, pa.array(stripped, values.type))


def _between(values: pa.Array, low: int, high: int) -> np.ndarray:
    length = pc.utf8_length(values).to_numpy(zero_copy_only=False)
    return (length >= low) & (length <= high)


def _is_in(values: pa.Array, options: pa.Array) -> np.ndarray:
    return pc.is_in(values, value_set=options).to_numpy(zero_copy_only=False)


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    return pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)


def _coordinates(values: pa.Array, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Each value as float() reads it (NaN when empty), and whether the row check surely accepts it."""
    empty = _between(values, 0, 0)
    plain = _matches(values, _NUMBER)
    number = pc.cast(pc.if_else(plain, values, "nan"), pa.float64()).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        inside = plain & (np.abs(number) <= limit)
    return np.where(empty, np.nan, number), empty | inside


def _narrative_keys(narratives: pa.Array) -> np.ndarray:
    """validate.narrative_key of each narrative: ASCII ones normalised in numpy, the others in Python."""
    keys = np.full(len(narratives), None, dtype=object)
    ascii_ = pc.string_is_ascii(narratives).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(ascii_)
    ascii_texts = pc.filter(narratives, ascii_)
    for first in range(0, len(rows), NORMALISE_ROWS):  # in parts: the temporaries stay small
        data, offsets = _ascii_normalised(ascii_texts.slice(first, NORMALISE_ROWS))
        starts, ends = offsets[:-1], offsets[1:]
        long_enough = np.flatnonzero(ends - starts >= MIN_NARRATIVE_CHARS)
        keys[rows[first + long_enough]] = [hashlib.sha256(data[a:b]).hexdigest() for a, b in
                                           zip(starts[long_enough].tolist(), ends[long_enough].tolist())]
    other = np.flatnonzero(~ascii_)
    if other.size:
        keys[other] = [narrative_key(t) for t in narratives.take(pa.array(other)).to_pylist()]
    return keys


NORMALISE_ROWS = 8192
# For ASCII text the rule's letters are a-z after lower case: every other byte becomes a space.
_LETTERS = np.full(256, ord(" "), dtype=np.uint8)
_LETTERS[ord("a"):ord("z") + 1] = np.arange(ord("a"), ord("z") + 1)
_LETTERS[ord("A"):ord("Z") + 1] = np.arange(ord("a"), ord("z") + 1)


def _ascii_normalised(values: pa.Array) -> tuple[bytes, np.ndarray]:
    """normalise_narrative of ASCII strings, all at once: the bytes of the results and their offsets."""
    if not len(values):
        return b"", np.zeros(1, np.int32)
    _, offset_buffer, data_buffer = values.buffers()
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(offset_buffer, width)[values.offset:values.offset + len(values) + 1]
    mapped = _LETTERS[np.frombuffer(data_buffer, np.uint8)[offsets[0]:offsets[-1]]]
    offsets = (offsets - offsets[0]).astype(np.int32)
    letter = mapped != ord(" ")
    owner = np.repeat(np.arange(len(values), dtype=np.int32), np.diff(offsets))  # the string of each byte
    letters_before = np.zeros(len(mapped) + 1, np.int32)
    np.cumsum(letter, out=letters_before[1:])
    # A space is kept once after a letter of its string, and only if another letter follows in the string.
    after_letter = np.zeros(len(mapped), bool)
    after_letter[1:] = letter[:-1]
    after_letter[offsets[:-1][offsets[:-1] < len(mapped)]] = False
    letter_follows = letters_before[1:] < letters_before[offsets[1:]][owner]
    keep = letter | (after_letter & letter_follows)
    kept_before = np.zeros(len(mapped) + 1, np.int32)
    np.cumsum(keep, out=kept_before[1:])
    return mapped[keep].tobytes(), kept_before[offsets]
