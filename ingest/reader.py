"""Read a BOS export (directory, .xlsx workbook, .zip, or loose files) into raw text tables.

Every value stays a string here; parsing and rules live in `validate`. Each row keeps
the line it came from, so every message can name file, line and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

from ingest.contract import FILES_BY_NAME

MAX_UNCOMPRESSED_BYTES = 2 * 1024**3  # refuse zip bombs before inflating them


class ExportError(Exception):
    """The export as a whole cannot be read (not a file problem of one row)."""


@dataclass
class Problem:
    """One reason a row (or a whole file) was rejected."""

    file: str
    line: int | str | None
    column: str
    reason: str
    record: dict | None = None
    # True for rows rejected only because their whole file was (listed in rejects, not printed).
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
class RawExport:
    """All recognised files of an export, plus what was ignored."""

    source: str
    tables: dict[str, RawTable]
    warnings: list[str]
    sha256: str | None = None


def read_export(path: str | Path) -> RawExport:
    """Read an export from a directory, an .xlsx workbook, a .zip, or one contract file."""
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: no such file or directory")
    if path.is_dir():
        files = {p.name: p.read_bytes for p in sorted(path.iterdir()) if p.is_file()}
        return read_files(files, source=str(path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_workbook(path.read_bytes(), label=path.name, source=str(path))
    if suffix == ".zip":
        return read_zip(path.read_bytes(), label=path.name, source=str(path))
    if path.name in FILES_BY_NAME:
        return read_files({path.name: path.read_bytes}, source=str(path))
    raise ExportError(f"{path}: not an export directory, .xlsx workbook, .zip or contract file")


def read_files(files: dict, source: str) -> RawExport:
    """Read loose files given as {name: bytes or a callable returning bytes}."""
    tables: dict[str, RawTable] = {}
    warnings: list[str] = []
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        base = PurePosixPath(name).name
        if base not in FILES_BY_NAME:
            if not base.startswith("."):
                warnings.append(f"{name}: not a file of the BOS export contract; ignored")
            continue
        data = content() if callable(content) else content
        digest.update(base.encode() + b"\0" + hashlib.sha256(data).digest())
        tables[base] = parse_file(base, base, data)
    _check_one_village_file(tables)
    if not tables:
        raise ExportError(f"{source}: no BOS export files found (expected e.g. units.csv, activities.csv)")
    return RawExport(source=source, tables=tables, warnings=warnings + _empty_files(tables) + _unknown_columns(tables),
                     sha256=digest.hexdigest())


def read_zip(data: bytes, label: str, source: str) -> RawExport:
    """Read a zip of an export directory; the files may sit in one top-level folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ExportError(f"{label}: not a valid zip archive ({exc})") from exc
    members = [info for info in archive.infolist() if not info.is_dir()]
    for info in members:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ExportError(f"{label}: {info.filename}: path outside the export folder; refused")
    if sum(info.file_size for info in members) > MAX_UNCOMPRESSED_BYTES:
        raise ExportError(f"{label}: uncompressed size exceeds {MAX_UNCOMPRESSED_BYTES // 1024**2} MB; refused")
    known = [info for info in members if PurePosixPath(info.filename).name in FILES_BY_NAME]
    folders = {str(PurePosixPath(info.filename).parent) for info in known}
    if len(folders) > 1:
        raise ExportError(f"{label}: export files found in several folders ({', '.join(sorted(folders))})")
    files = {}
    for info in members:
        if info.filename.startswith("__MACOSX/"):
            continue
        files[info.filename] = (lambda info=info: archive.read(info))
    return read_files(files, source=source)


def read_workbook(data: bytes, label: str, source: str) -> RawExport:
    """Read an .xlsx workbook with one sheet per contract file (sheet "activities" or "activities.csv")."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ExportError(f"{label}: not a readable .xlsx workbook ({exc})") from exc
    tables: dict[str, RawTable] = {}
    warnings: list[str] = []
    for sheet in workbook.worksheets:
        name = sheet.title.strip()
        if not name.endswith(".csv"):
            name += ".csv"
        if name not in FILES_BY_NAME:
            warnings.append(f"{label}[{sheet.title}]: not a file of the BOS export contract; ignored")
            continue
        sheet_label = f"{label}[{sheet.title}]"
        rows = ([_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))
        tables[name] = _table_from_rows(name, sheet_label, rows)
    workbook.close()
    _check_one_village_file(tables)
    if not tables:
        raise ExportError(f"{label}: no sheet named after a BOS export file (e.g. units, activities)")
    return RawExport(source=source, tables=tables, warnings=warnings + _empty_files(tables) + _unknown_columns(tables),
                     sha256=hashlib.sha256(data).hexdigest())


def parse_file(name: str, label: str, data: bytes) -> RawTable:
    """Parse one CSV or GeoJSON file of the contract."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        table = RawTable(name=name, label=label, header=[])
        table.problems.append(Problem(label, None, "-", f"not UTF-8 text (invalid byte at offset {exc.start})"))
        return table
    if "\x00" in text:
        table = RawTable(name=name, label=label, header=[])
        table.problems.append(Problem(label, None, "-", "binary content (NUL bytes), not a text file"))
        return table
    if name.endswith(".geojson"):
        return _parse_geojson(name, label, text)
    return _parse_csv(name, label, text)


def _parse_csv(name: str, label: str, text: str) -> RawTable:
    """CSV rows with the physical line each record starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows_with_lines():
        previous_end = 0
        try:
            for record in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                yield start, record
        except csv.Error as exc:
            yield previous_end + 1, exc

    return _table_from_rows(name, label, rows_with_lines(), numbered=True)


def _table_from_rows(name: str, label: str, rows, numbered: bool = False) -> RawTable:
    """Build a RawTable from rows of cells; the first non-empty row is the header."""
    table = RawTable(name=name, label=label, header=[])
    header: list[str] | None = None
    for index, item in enumerate(rows, start=1):
        line, cells = item if numbered else (index, item)
        if isinstance(cells, Exception):
            table.problems.append(Problem(label, line, "-", f"unreadable CSV ({cells})"))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            table.header = header
            bad = _header_problems(header)
            if bad:
                table.problems.extend(Problem(label, line, col, reason) for col, reason in bad)
                return table
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            table.problems.append(
                Problem(label, line, "-", f"{len(cells)} fields but the header has {len(header)}",
                        dict(zip(header, cells)))
            )
            continue
        cells = list(cells[: len(header)]) + [""] * (len(header) - len(cells))
        table.rows.append({col: cell.strip() for col, cell in zip(header, cells)})
        table.lines.append(line)
    return table


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


def _parse_geojson(name: str, label: str, text: str) -> RawTable:
    """A FeatureCollection as rows of properties; the "line" of a row is its feature number."""
    table = RawTable(name=name, label=label, header=[], geometries=[])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        table.problems.append(Problem(label, None, "-", reason))
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


def _empty_files(tables: dict[str, RawTable]) -> list[str]:
    """A file with nothing in it (not even a header) holds no rows; say so, it may be a mistake."""
    return [f"{table.label}: empty file, nothing to import from it"
            for table in tables.values() if not table.header and not table.problems and not table.rows]


def _unknown_columns(tables: dict[str, RawTable]) -> list[str]:
    """Columns outside the contract are ignored, but the user is told."""
    warnings = []
    for table in tables.values():
        spec = FILES_BY_NAME[table.name]
        for col in table.header:
            if col and col not in spec.columns:
                warnings.append(f"{table.label}: column {col!r} is not in the contract; ignored")
    return warnings
