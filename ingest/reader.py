"""Read a BOS export (directory, .xlsx workbook, .zip, or loose files) into raw text tables.

Every value stays a string here; parsing and rules live in `validate`. Each row keeps
the line it came from, so every message can name file, line and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

from ingest.archive import ArchiveError, archive_size, check_members, member_chunks, open_archive
from ingest.archive import Budget as ContentBudget
from ingest.contract import FILES_BY_NAME
from ingest.csvfile import BadRecord, CsvRecords, Unreadable, field_starts

CHUNK_BYTES = 1024**2
# Rows held in memory cost ~0.7 KB each however short their line, so an archive (whose content is
# not on disk for anyone to see) may hold at most this many, over all its files: more than a year of
# a large Polda (the sample export has 249,000), far from 2 GB of process memory.
MAX_ARCHIVE_ROWS = 1_000_000
# A sheet cannot have more rows than Excel allows; cells counts the empty ones openpyxl pads rows and
# gaps with, which a forged cell reference (XFD1048576) would otherwise make billions of.
MAX_SHEET_ROWS = 1_048_576
MAX_WORKBOOK_CELLS = 20_000_000
LINE_BREAK = re.compile(r"\r\n|\r|\n")

Content = bytes | Callable[[], bytes | Iterable[bytes]]


class ExportError(Exception):
    """The export as a whole cannot be read (not a file problem of one row)."""


@dataclass(slots=True)
class Problem:
    """One reason a row (or a whole file) was rejected."""

    file: str
    line: int | str | None
    column: str
    reason: str
    record: dict | None = None
    # True for rows rejected only because of another problem (their file's, or an unreadable row before
    # them): listed in the rejects file, not printed one by one.
    consequential: bool = False
    code: str = ""  # machine-readable reason, e.g. "too_long" (texts: components/i18n.py "import.reason.<code>")
    params: dict = field(default_factory=dict)  # the values the reason's text names, e.g. {"limit": 40}

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.reason}"


@dataclass
class RawTable:
    """The rows of one export file as strings, with the line (or feature number) of each."""

    name: str  # contract name, e.g. "activities.csv"
    label: str  # what the user calls it in messages, e.g. "activities.csv" or "bos.xlsx[activities]"
    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int | str] = field(default_factory=list)
    geometries: list[dict | None] | None = None  # villages.geojson only
    problems: list[Problem] = field(default_factory=list)  # rows that could not even be read

    def __len__(self) -> int:
        return len(self.rows) + len(self.problems)


@dataclass
class StreamedFile:
    """A large contract file on disk left unread by read_export: the importer reads it in batches."""

    name: str
    path: Path
    digest: object = field(default_factory=hashlib.sha256)  # filled as the file is streamed

    def chunks(self) -> Iterator[bytes]:
        """The file in chunks, hashed on the way (the export's checksum needs every byte)."""
        return hashed(_file_chunks(self.path), self.digest)

    def reread(self, offset: int, size: int) -> bytes:
        """Bytes of the file again (to confirm a report_id repeated far apart)."""
        with self.path.open("rb") as fh:
            fh.seek(offset)
            return fh.read(size)


@dataclass
class RawExport:
    """All recognised files of an export, plus what was ignored."""

    source: str
    tables: dict[str, RawTable]
    warnings: list[str]
    sha256: str | None = None
    streams: dict[str, StreamedFile] = field(default_factory=dict)  # read by the importer, batch by batch
    file_digests: dict[str, object] = field(default_factory=dict)

    def seal(self) -> None:
        """The export's checksum, once every streamed file has been read through."""
        digest = hashlib.sha256()
        for name, file_digest in sorted(self.file_digests.items()):
            digest.update(name.encode() + b"\0" + file_digest.digest())
        self.sha256 = digest.hexdigest()


class RowBudget:
    """How many more rows (read or refused) an archive may bring into memory."""

    def __init__(self, label: str, limit: int | None = None):
        self.label = label
        self.limit = self.left = MAX_ARCHIVE_ROWS if limit is None else limit

    def take(self, count: int = 1) -> None:
        self.left -= count
        if self.left < 0:
            raise ExportError(f"{self.label}: more than {self.limit:,} rows; refused (import the unzipped "
                              "export from the command line instead)")


STREAMED = frozenset({"activities.csv"})  # the files an import from disk reads in batches (millions of rows)


def read_export(path: str | Path, stream: bool = False) -> RawExport:
    """Read an export from a directory, an .xlsx workbook, a .zip, or one contract file.

    With stream, activities.csv on disk is left unread (export.streams) for the importer to read in batches.
    """
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: no such file or directory")
    if path.is_dir():
        files = {p.name: (lambda p=p: _file_chunks(p)) for p in sorted(path.iterdir()) if p.is_file()}
        streamed = {p.name: p for p in path.iterdir() if p.is_file() and p.name in STREAMED} if stream else {}
        return read_files(files, source=str(path), streamed=streamed)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_workbook(path, label=path.name, source=str(path))
    if suffix == ".zip":
        return read_zip(path, label=path.name, source=str(path))
    if path.name in FILES_BY_NAME:
        streamed = {path.name: path} if stream and path.name in STREAMED else {}
        return read_files({path.name: lambda: _file_chunks(path)}, source=str(path), streamed=streamed)
    raise ExportError(f"{path}: not an export directory, .xlsx workbook, .zip or contract file")


def _file_chunks(path: Path) -> Iterator[bytes]:
    """A file from disk in chunks: never more of it in memory at once than one chunk (and one line)."""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            yield chunk


def read_files(files: dict[str, Content], source: str, rows: RowBudget | None = None,
               streamed: dict[str, Path] | None = None) -> RawExport:
    """Read loose files given as {name: bytes, or a callable returning bytes or chunks of bytes}.

    Files named in `streamed` (name -> path on disk) are not read here but left in export.streams.
    """
    tables: dict[str, RawTable] = {}
    streams: dict[str, StreamedFile] = {}
    warnings: list[str] = []
    digests: dict[str, object] = {}
    for name, content in sorted(files.items()):
        base = PurePosixPath(name).name
        if base not in FILES_BY_NAME:
            if not base.startswith("."):
                warnings.append(f"{name}: not a file of the BOS export contract; ignored")
            continue
        if streamed and base in streamed:
            streams[base] = StreamedFile(base, streamed[base])
            digests[base] = streams[base].digest
            continue
        data = content() if callable(content) else content
        digests[base] = hashlib.sha256()
        tables[base] = parse_file(base, base, hashed([data] if isinstance(data, bytes) else data, digests[base]),
                                  rows)
    _check_one_village_file(tables)
    if not tables and not streams:
        raise ExportError(f"{source}: no BOS export files found (expected e.g. units.csv, activities.csv)")
    export = RawExport(source=source, tables=tables, streams=streams, file_digests=digests,
                       warnings=warnings + empty_file_warnings(tables) + _unknown_columns(tables))
    export.seal()  # final unless a streamed file is still to be read (the importer seals again after it)
    return export


def hashed(chunks: Iterable[bytes], digest) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def read_zip(data: bytes | str | Path, label: str, source: str) -> RawExport:
    """Read a zip of an export directory; the files may sit in one top-level folder."""
    try:
        with open_archive(data, label) as archive:
            return _read_archive(archive, archive_size(data), label, source)
    except ArchiveError as exc:
        raise ExportError(str(exc)) from exc


def _read_archive(archive: zipfile.ZipFile, size: int, label: str, source: str) -> RawExport:
    """The contract files of an open zip, each inflated for real and within bounds."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    for info in members:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ExportError(f"{label}: {info.filename}: path outside the export folder; refused")
    wanted = [info for info in members if not info.filename.startswith("__MACOSX/")
              and PurePosixPath(info.filename).name in FILES_BY_NAME]
    twice = sorted(name for name, count in Counter(info.filename for info in wanted).items() if count > 1)
    if twice:
        raise ExportError(f"{label}: {', '.join(twice)} appears more than once in the archive; refused")
    folders = {str(PurePosixPath(info.filename).parent) for info in wanted}
    if len(folders) > 1:
        raise ExportError(f"{label}: export files found in several folders ({', '.join(sorted(folders))})")
    check_members(archive, label, size, wanted)  # real sizes, CRCs and methods, before parsing anything
    budget = ContentBudget()
    files: dict[str, Content] = {
        info.filename: (lambda info=info: member_chunks(archive, info, label, budget, size)) for info in wanted}
    warnings = [f"{info.filename}: not a file of the BOS export contract; ignored" for info in members
                if PurePosixPath(info.filename).name not in FILES_BY_NAME and not info.filename.startswith("__MACOSX/")
                and not PurePosixPath(info.filename).name.startswith(".")]
    export = read_files(files, source=source, rows=RowBudget(label))
    export.warnings[:0] = warnings
    return export


def read_workbook(data: bytes | str | Path, label: str, source: str) -> RawExport:
    """Read an .xlsx workbook with one sheet per contract file (sheet "activities" or "activities.csv")."""
    import openpyxl

    try:
        # An .xlsx is a zip: its XML is inflated for real, and within bounds, before openpyxl sees it.
        with open_archive(data, label) as archive:
            check_members(archive, label, archive_size(data))
    except ArchiveError as exc:
        raise ExportError(str(exc)) from exc
    raw = data if isinstance(data, bytes) else Path(data).read_bytes()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ExportError(f"{label}: not a readable .xlsx workbook ({exc})") from exc
    tables: dict[str, RawTable] = {}
    warnings: list[str] = []
    rows, cells = RowBudget(label), [0]
    try:
        for sheet in workbook.worksheets:
            name = str(sheet.title).strip()
            if not name.endswith(".csv"):
                name += ".csv"
            if name not in FILES_BY_NAME:
                warnings.append(f"{label}[{sheet.title}]: not a file of the BOS export contract; ignored")
                continue
            if name in tables:
                raise ExportError(f"{label}: two sheets for {name}; keep only one")
            tables[name] = _sheet_table(name, f"{label}[{sheet.title}]", sheet, rows, cells)
    finally:
        workbook.close()
    _check_one_village_file(tables)
    if not tables:
        raise ExportError(f"{label}: no sheet named after a BOS export file (e.g. units, activities)")
    return RawExport(source=source, tables=tables,
                     warnings=warnings + empty_file_warnings(tables) + _unknown_columns(tables),
                     sha256=hashlib.sha256(raw).hexdigest())


def _sheet_table(name: str, label: str, sheet, rows: RowBudget, cells: list[int]) -> RawTable:
    """One worksheet as a table; rows and cells counted as openpyxl yields them, padding included."""
    # Declared dimensions can be forged (A1:XFD1048576): forget them, so rows are only as wide as their cells.
    sheet.reset_dimensions()
    builder = _TableBuilder(name, label, rows)
    header_ok = True
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells[0] += len(values) + 1
            if number > MAX_SHEET_ROWS or cells[0] > MAX_WORKBOOK_CELLS:
                raise ExportError(f"{label}: more than {MAX_SHEET_ROWS:,} rows or {MAX_WORKBOOK_CELLS:,} cells "
                                  "in the workbook; refused")
            texts = [_cell_text(value) for value in values]
            if header_ok:
                header_ok = builder.add(number, texts, None)
                header_line = number
            elif any(texts):
                builder.not_read([(number, texts)], header_line)
    except ExportError:
        raise
    except Exception as exc:  # openpyxl parses sheets lazily: damaged XML surfaces here, in many types
        raise ExportError(f"{label}: the sheet cannot be read ({exc.__class__.__name__}: {exc})") from exc
    return builder.table


def parse_file(name: str, label: str, data: bytes | Iterable[bytes], rows: RowBudget | None = None) -> RawTable:
    """Parse one CSV or GeoJSON file of the contract (given whole, or as chunks of bytes)."""
    chunks = [data] if isinstance(data, bytes) else data
    if name.endswith(".geojson"):
        return _parse_geojson(name, label, b"".join(chunks))
    return _parse_csv(name, label, chunks, rows)


def _parse_csv(name: str, label: str, chunks: Iterable[bytes], rows: RowBudget | None) -> RawTable:
    """CSV rows with the physical line each record starts on (quoted fields may span lines)."""
    builder = _TableBuilder(name, label, rows)
    records = CsvRecords(chunks)
    while True:
        try:
            line, cells, raw = next(records)
        except StopIteration:
            break
        except BadRecord as exc:  # its end is known: only this row is lost
            if not builder.refuse(records.line, exc.field, exc.reason, exc.raw):
                builder.not_read(records.rest(), records.line)
                break
            continue
        except Unreadable as exc:
            builder.stop(exc.line, exc.field, exc.reason, exc.raw, records.rest())
            break
        if records.end_line > line and builder.header and not builder.fits(cells):
            # A quoted value spanning lines that leaves a row of the wrong width: an unterminated quote
            # swallowed the line breaks of the rows after it, and nothing after it can be trusted.
            first = LINE_BREAK.split(raw, maxsplit=1)[0]
            opened = len(field_starts(first)[0]) - 1
            builder.stop(line, opened, f"unterminated quote? the value opened here runs to line {records.end_line} "
                         f"and leaves {len(cells)} fields (the header has {len(builder.header)}); nothing after it "
                         "is read", raw, records.rest())
            break
        inside = builder.row_inside(raw) if records.end_line > line and builder.header else None
        if inside:
            # Right width, but a whole row sits inside the value: the quote swallowed it and closed on a stray one.
            first = LINE_BREAK.split(raw, maxsplit=1)[0]
            builder.stop(line, len(field_starts(first)[0]) - 1, f"unterminated quote? the value opened here holds "
                         f"line {line + inside}, which reads as a whole row; nothing after it is read", raw,
                         records.rest())
            break
        if not builder.add(line, cells, raw):
            builder.not_read(records.rest(), line)
            break
    return builder.table


class _TableBuilder:
    """Rows of cells into a RawTable: the first non-blank row is the header; each row as wide as it."""

    def __init__(self, name: str, label: str, rows: RowBudget | None):
        self.table = RawTable(name=name, label=label, header=[])
        self.label, self.rows = label, rows
        self.keep: list[tuple[int, str]] = []  # (position, column) of the contract's columns

    @property
    def header(self) -> list[str]:
        return self.table.header

    def _take(self) -> None:
        if self.rows is not None:
            self.rows.take()

    def _column(self, position: int | None) -> str:
        if position is None:
            return "-"
        if position < len(self.header):
            return self.header[position] or f"column {position + 1}"
        return f"column {position + 1}"

    def fits(self, cells: list[str]) -> bool:
        width = len(self.header)
        return len(cells) == width or (len(cells) > width and not any(c.strip() for c in cells[width:]))

    def row_inside(self, raw: str) -> int | None:
        """The first line after the first of a record's text that reads as a row of its own, if any.

        As many fields as the header, every required column filled and none starting with a space (as
        the words after a comma in prose do): what a row swallowed by an unterminated quote looks like.
        """
        required = [i for i, col in enumerate(self.header) if col in FILES_BY_NAME[self.table.name].required]
        for offset, text in enumerate(LINE_BREAK.split(raw)[1:], start=1):
            cells = next(csv.reader([text]), [])
            if self.fits(cells) and all(cells[i].strip() and not cells[i][0].isspace() for i in required):
                return offset
        return None

    def add(self, line: int, cells: list[str], raw: str | None) -> bool:
        """Take one row (or the header); False when the header makes the rest unreadable."""
        if not any(cell.strip() for cell in cells):
            return True
        if not self.header:
            self.table.header = [cell.strip() for cell in cells]
            bad = _header_problems(self.header)
            self.table.problems.extend(Problem(self.label, line, col, reason) for col, reason in bad)
            spec = FILES_BY_NAME[self.table.name]
            self.keep = [(i, col) for i, col in enumerate(self.header) if col in spec.columns]
            return not bad
        self._take()
        width = len(self.header)
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            record = dict(zip(self.header, cells)) if raw is None else {"raw": raw.rstrip("\r\n")}
            self.table.problems.append(
                Problem(self.label, line, "-", f"{len(cells)} fields but the header has {width}", record))
            return True
        cells = list(cells[:width]) + [""] * (width - len(cells))
        # Only the contract's columns are kept: the others are ignored (with a warning) anyway.
        self.table.rows.append({col: cells[i].strip() for i, col in self.keep})
        self.table.lines.append(line)
        return True

    def refuse(self, line: int, position: int | None, reason: str, raw: str) -> bool:
        """One row that cannot be read; False if it was the header (then nothing after it can be)."""
        self._take()
        header_line = not self.header
        self.table.problems.append(Problem(self.label, line, "-" if header_line else self._column(position),
                                           reason, {"raw": raw.rstrip("\r\n")}))
        return not header_line

    def stop(self, line: int, position: int | None, reason: str, raw: str, rest: Iterable[tuple[int, str]]) -> None:
        """Reading ends at `line`: that row is refused, and every line after it listed as not read."""
        first, *swallowed = LINE_BREAK.split(raw.rstrip("\r\n"))
        self.refuse(line, position, reason, first)
        following = ((line + offset, text) for offset, text in enumerate(swallowed, start=1) if text.strip())
        self.not_read(following, line)
        self.not_read(rest, line)

    def not_read(self, lines: Iterable[tuple[int, str | list[str]]], since: int) -> None:
        """Rows after the point where reading stopped, each listed raw (text, or a sheet row's cells)."""
        if not self.header or _header_problems(self.header):
            reason = f"not read: the header (line {since}) cannot be used"
        else:
            reason = f"not read: follows an unreadable row at line {since}"
        for number, text in lines:
            self._take()
            self.table.problems.append(Problem(self.label, number, "-", reason, {"raw": text}, consequential=True))


def _header_problems(header: list[str]) -> list[tuple[str, str]]:
    """Blank or repeated column names make every row ambiguous."""
    problems = []
    seen = set()
    for position, col in enumerate(header, start=1):
        if not col:
            problems.append((f"column {position}", "blank column name in header"))
        elif col in seen:
            problems.append((col, "column appears twice in header"))
        seen.add(col)
    return problems


def _parse_geojson(name: str, label: str, data: bytes) -> RawTable:
    """A FeatureCollection as rows of properties; the "line" of a row is its feature number."""
    table = RawTable(name=name, label=label, header=[], geometries=[])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        table.problems.append(Problem(label, None, "-", f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line "
                                      f"{line}, byte {column} of the line; the file is not read"))
        return table
    del data
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        table.problems.append(Problem(label, None, "-", reason))
        return table
    except (ValueError, RecursionError) as exc:  # a number too long for int(), or nesting too deep
        table.problems.append(Problem(label, None, "-", f"invalid JSON ({exc.__class__.__name__}: {exc})"))
        return table
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        table.problems.append(Problem(label, None, "-", "not a GeoJSON FeatureCollection"))
        return table
    features = document.get("features")
    if not isinstance(features, list):
        table.problems.append(Problem(label, None, "features", "missing or not a list"))
        return table
    columns: dict[str, None] = {}
    for number, feature in enumerate(features, start=1):
        where = f"feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            table.problems.append(Problem(label, where, "-", "not a GeoJSON Feature"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            table.problems.append(Problem(label, where, "properties", "not an object"))
            continue
        row = {key: _cell_text(value) for key, value in properties.items()}
        columns.update(dict.fromkeys(row))
        table.rows.append(row)
        table.lines.append(where)
        table.geometries.append(feature.get("geometry"))
    table.header = list(columns)
    for row in table.rows:
        for col in table.header:
            row.setdefault(col, "")
    return table


def _cell_text(value) -> str:
    """A spreadsheet or JSON value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def _check_one_village_file(tables: dict[str, RawTable]) -> None:
    """villages.csv replaces villages.geojson; both at once would be ambiguous."""
    if "villages.geojson" in tables and "villages.csv" in tables:
        raise ExportError("the export has both villages.geojson and villages.csv; keep only one")


def empty_file_warnings(tables: dict[str, RawTable]) -> list[str]:
    """A file with nothing in it (not even a header) holds no rows; say so, it may be a mistake."""
    return [f"{table.label}: empty file, nothing to import from it"
            for table in tables.values() if not table.header and not table.problems and not table.rows]


def _unknown_columns(tables: dict[str, RawTable]) -> list[str]:
    return [text for table in tables.values() for text in unknown_columns(table.name, table.label, table.header)]


def unknown_columns(name: str, label: str, header: list[str]) -> list[str]:
    """Columns outside the contract are ignored, but the user is told."""
    spec = FILES_BY_NAME[name]
    return [f"{label}: column {col!r} is not in the contract; ignored"
            for col in header if col and col not in spec.columns]
