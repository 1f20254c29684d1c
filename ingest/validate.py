"""The rules of the import contract: turn raw rows into clean records, or name what is wrong.

Each `check_*` function takes one raw file and the codes known so far (database plus the
valid rows of earlier files), and returns clean records keyed by database column names.
Every problem names file, line, column and reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import shapely
from shapely.geometry import shape

from ingest.contract import (
    ACTIVITY_TYPES,
    EARLIEST_DATE,
    FILES_BY_NAME,
    LATEST_DATE,
    MAX_LATITUDE,
    MAX_LENGTH,
    MAX_LONGITUDE,
    MAX_WHOLE_NUMBER,
    PARENT_LEVEL,
    SHA256_LENGTH,
    TIMESTAMP_LEAD,
    UNIT_LEVELS,
    households_from_population,
    timezone_for_village_code,
)
from ingest.reader import Problem, RawTable
from queries.hierarchy import LEVEL_ORDER
from queries.timeutil import as_utc, is_known_zone, local_date, parse_date

MIN_NARRATIVE_CHARS = 20
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHA256 = re.compile(f"[0-9a-fA-F]{{{SHA256_LENGTH}}}")
DEFAULT_ZONE = "Asia/Jakarta"  # outages for "everywhere" given without offset: national HQ time


@dataclass
class UnitRef:
    level: str
    parent_code: str | None


@dataclass
class VillageRef:
    unit_code: str
    timezone: str


@dataclass
class Context:
    """Codes the rows of an export may refer to: the database's, then this export's valid rows."""

    units: dict[str, UnitRef] = field(default_factory=dict)
    villages: dict[str, VillageRef] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)  # nrp -> unit code
    # The latest instant a timestamp may name (naive UTC): one day after the import.
    latest_instant: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None) + TIMESTAMP_LEAD)

    def unit_timezone(self, unit_code: str | None) -> str:
        """Most common time zone of the villages below a unit (DEFAULT_ZONE when none)."""
        if not unit_code:
            return DEFAULT_ZONE
        below = self.subtree(unit_code)
        counts: dict[str, int] = {}
        for village in self.villages.values():
            if village.unit_code in below:
                counts[village.timezone] = counts.get(village.timezone, 0) + 1
        return max(sorted(counts), key=counts.get) if counts else DEFAULT_ZONE

    def subtree(self, unit_code: str) -> set[str]:
        """The unit and every unit below it."""
        children: dict[str, list[str]] = {}
        for code, unit in self.units.items():
            children.setdefault(unit.parent_code, []).append(code)
        found, stack = set(), [unit_code]
        while stack:
            code = stack.pop()
            if code not in found:
                found.add(code)
                stack.extend(children.get(code, []))
        return found


class RowCheck:
    """Parses the fields of one raw row, recording a Problem for each bad value."""

    def __init__(self, table: RawTable, index: int, ctx: Context, problems: list[Problem]):
        self.table = table
        self.row = table.rows[index]
        self.line = table.lines[index]
        self.ctx = ctx
        self.problems = problems
        self.failed = False

    def fail(self, column: str, reason: str, code: str = "", **params) -> None:
        """Reject the row: `reason` in English, `code` and `params` for the translated text."""
        self.failed = True
        self.problems.append(Problem(self.table.label, self.line, column, reason, self.row, code=code, params=params))

    def text(self, column: str, required: bool = False) -> str | None:
        """The value as text, within the contract's length limit for the column; None when empty or bad."""
        value = self.row.get(column, "")
        if value == "":
            if required:
                self.fail(column, "required value missing", "required")
            return None
        limit = MAX_LENGTH.get(column)
        if limit is not None and len(value) > limit:
            self.fail(column, f"{len(value):,} characters; at most {limit:,} allowed", "too_long",
                      limit=limit, length=len(value))
            return None
        if "\x00" in value or (not value.isascii() and _SURROGATE.search(value)):
            # Only GeoJSON's \u escapes can carry these; both databases refuse to store them.
            self.fail(column, "contains a NUL or unpaired surrogate character", "unstorable_character")
            return None
        return value

    def choice(self, column: str, options: tuple[str, ...], required: bool = True) -> str | None:
        value = self.text(column, required)
        if value is not None and value not in options:
            self.fail(column, f"{excerpt(value)} is not one of {', '.join(options)}", "not_one_of",
                      value=excerpt(value), options=", ".join(options))
            return None
        return value

    def whole_number(self, column: str, maximum: int = MAX_WHOLE_NUMBER) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(column, f"{excerpt(value)} is not a number", "not_a_number", value=excerpt(value))
            return None
        if not number.is_integer() or not 0 <= number <= maximum:
            self.fail(column, f"{excerpt(value)} is not a whole number from 0 to {maximum:,}", "not_whole_number",
                      value=excerpt(value), min=0, max=maximum)
            return None
        return int(number)

    def coordinate(self, column: str, limit: float, required: bool = False) -> float | None:
        value = self.text(column, required)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(column, f"{excerpt(value)} is not a number", "not_a_number", value=excerpt(value))
            return None
        if not -limit <= number <= limit:
            self.fail(column, f"{excerpt(value, quote=False)} is out of range [-{limit:g}, {limit:g}]", "out_of_range",
                      value=excerpt(value), min=-limit, max=limit)
            return None
        return number

    def sha256(self, column: str) -> str | None:
        """Empty, or a SHA-256 hash written as 64 hexadecimal characters."""
        value = self.text(column)
        if value is not None and not _SHA256.fullmatch(value):
            self.fail(column, f"{excerpt(value)} is not a SHA-256 hash ({SHA256_LENGTH} hexadecimal characters)",
                      "not_sha256", value=excerpt(value), length=SHA256_LENGTH)
            return None
        return value

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.text(column, required)
        if value is None:
            return None
        try:
            parsed = parse_date(value)
        except ValueError:
            self.fail(column, f"{excerpt(value)} is not a date (YYYY-MM-DD)", "not_a_date", value=excerpt(value))
            return None
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            self.fail(column, f"{excerpt(value)} is outside the dates allowed, {EARLIEST_DATE} to {LATEST_DATE}",
                      "date_out_of_range", value=excerpt(value), min=str(EARLIEST_DATE), max=str(LATEST_DATE))
            return None
        return parsed

    def timestamp(self, column: str, zone_name: str, required: bool = False) -> datetime | None:
        """An instant from 2000-01-01 to one day after the import, as naive UTC."""
        value = self.text(column, required)
        if value is None:
            return None
        try:
            written = datetime.fromisoformat(value)
        except ValueError:
            self.fail(column, f"{excerpt(value)} is not an ISO 8601 timestamp", "not_a_timestamp", value=excerpt(value))
            return None
        latest = self.ctx.latest_instant
        # The written date is checked before converting to UTC: year 1 or 9999 would overflow there.
        if EARLIEST_DATE <= written.date() <= latest.date() + TIMESTAMP_LEAD:
            instant = as_utc(written, zone_name)
            if instant <= latest:
                return instant
        limit = f"{latest:%Y-%m-%d %H:%M} UTC"
        self.fail(column, f"{excerpt(value)} is outside the times allowed, {EARLIEST_DATE} to {limit} "
                          "(one day after the import)", "timestamp_out_of_range",
                  value=excerpt(value), min=str(EARLIEST_DATE), max=limit)
        return None

    def village(self, ctx: Context) -> tuple[str | None, str]:
        """The row's village code (checked) and its time zone; UTC when unknown, so times still parse."""
        code = self.text("village_code", True)
        if self.known("village_code", code, ctx.villages, "village"):
            return code, ctx.villages[code].timezone
        return code, "UTC"

    def known(self, column: str, code: str | None, codes, what: str) -> bool:
        if code is not None and code not in codes:
            self.fail(column, f"unknown {what} {excerpt(code)}", f"unknown_{what}", value=excerpt(code))
            return False
        return code is not None

    def ordered(self, start, end, end_column: str, start_column: str) -> None:
        if start is not None and end is not None and end < start:
            self.fail(end_column, f"{end_column} is before {start_column}", "end_before_start",
                      end=end_column, start=start_column)


def excerpt(value: str, quote: bool = True, limit: int = 60) -> str:
    """A value as quoted in a message: cut short, so a 20,000-character cell does not fill the screen."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return repr(cut) if quote else cut


def row_checks(table: RawTable, ctx: Context, problems: list[Problem]):
    """A RowCheck for each row of the table, in file order."""
    for index in range(len(table.rows)):
        yield RowCheck(table, index, ctx, problems)


class KeyTracker:
    """Rejects a second row with the same natural key inside one file."""

    def __init__(self):
        self.first_line: dict[tuple, int | str] = {}

    def check(self, check: RowCheck, key: tuple, column: str) -> None:
        if check.failed or any(part is None for part in key[:1]):
            return
        if key in self.first_line:
            check.fail(column, f"duplicate key {_key_text(key)} (first at line {self.first_line[key]})",
                       "duplicate_key", key=_key_text(key), line=self.first_line[key])
        else:
            self.first_line[key] = check.line


def _key_text(key: tuple) -> str:
    return "/".join("" if part is None else str(part) for part in key)


def missing_columns(table: RawTable, problems: list[Problem]) -> bool:
    """Report required columns absent from the header; True if the file cannot be read at all."""
    spec = FILES_BY_NAME[table.name]
    missing = [col for col in spec.required if col not in table.header]
    header_line = 1 if not table.name.endswith(".geojson") else None
    for col in missing:
        problems.append(Problem(table.label, header_line, col, "required column missing", code="missing_column"))
    return bool(missing)


def check_units(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Units: a Polda -> Polres -> Polsek tree; parents may come later in the file or from the database."""
    parsed: list[tuple[RowCheck, dict]] = []
    keys = KeyTracker()
    for check in row_checks(table, ctx, problems):
        record = {
            "code": check.text("code", True),
            "name": check.text("name", True),
            "level": check.choice("level", UNIT_LEVELS),
            "parent_code": check.text("parent_code"),
        }
        has_parent = check.row.get("parent_code", "") != ""
        if record["level"] == "polda" and has_parent:
            check.fail("parent_code", "a polda has no parent unit; leave it empty", "polda_has_parent")
        elif record["level"] in ("polres", "polsek") and not has_parent:
            check.fail("parent_code", f"required for a {record['level']}", "parent_required", level=record["level"])
        keys.check(check, (record["code"],), "code")
        parsed.append((check, record))
    # Parents first, so a child sees whether its parent row was valid.
    valid: list[dict] = []
    for check, record in sorted(parsed, key=lambda item: LEVEL_ORDER.get(item[1]["level"], len(LEVEL_ORDER))):
        if check.failed:
            continue
        parent = record["parent_code"]
        if parent is not None:
            ref = ctx.units.get(parent)
            if ref is None:
                check.fail("parent_code", f"unknown unit {parent!r}", "unknown_unit", value=repr(parent))
                continue
            if ref.level != PARENT_LEVEL[record["level"]]:
                check.fail("parent_code", f"{parent!r} is a {ref.level}; a {record['level']} belongs to a "
                                          f"{PARENT_LEVEL[record['level']]}", "parent_wrong_level",
                           value=repr(parent), parent_level=ref.level, level=record["level"],
                           expected=PARENT_LEVEL[record["level"]])
                continue
        ctx.units[record["code"]] = UnitRef(record["level"], parent)
        valid.append(record)
    return valid


def check_villages(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Villages from GeoJSON features (with polygon) or CSV rows (with a point only)."""
    from_csv = table.geometries is None
    keys = KeyTracker()
    valid = []
    for index, check in enumerate(row_checks(table, ctx, problems)):
        code = check.text("village_code", True)
        name = check.text("village", True)
        unit_code = check.text("unit_code", True)
        if check.known("unit_code", unit_code, ctx.units, "unit") and ctx.units[unit_code].level != "polsek":
            check.fail("unit_code", f"{unit_code!r} is a {ctx.units[unit_code].level}; a village belongs to a polsek",
                       "not_a_polsek", value=repr(unit_code), level=ctx.units[unit_code].level)
        population = check.whole_number("population")
        households = check.whole_number("households")
        zone_name = check.text("timezone")
        if zone_name is not None and not is_known_zone(zone_name):
            check.fail("timezone", f"unknown time zone {excerpt(zone_name)} (expected e.g. Asia/Jakarta)",
                       "unknown_timezone", value=excerpt(zone_name))
        district, regency, province = check.text("district"), check.text("regency"), check.text("province")
        lat = check.coordinate("lat", MAX_LATITUDE, required=from_csv)
        lng = check.coordinate("lng", MAX_LONGITUDE, required=from_csv)
        geometry = None if from_csv else _village_geometry(check, table.geometries[index])
        keys.check(check, (code,), "village_code")
        if check.failed:
            continue
        estimated = households is None and population is not None
        record = {
            "code": code,
            "name": name,
            "unit_code": unit_code,
            "district": district,
            "regency": regency,
            "province": province,
            "population": population,
            "households": households_from_population(population) if estimated else households,
            "households_estimated": estimated,
            "timezone": zone_name or timezone_for_village_code(code),
            "lat": lat,
            "lng": lng,
            "geometry": None,
            "min_lng": None,
            "min_lat": None,
            "max_lng": None,
            "max_lat": None,
        }
        if geometry is not None:
            geojson, shp = geometry
            record["geometry"] = geojson
            record["min_lng"], record["min_lat"], record["max_lng"], record["max_lat"] = shp.bounds
            if lat is None or lng is None:
                point = shapely.point_on_surface(shp)
                record["lat"], record["lng"] = round(point.y, 6), round(point.x, 6)
        elif lat is not None and lng is not None:
            record["min_lng"] = record["max_lng"] = lng
            record["min_lat"] = record["max_lat"] = lat
        ctx.villages[code] = VillageRef(unit_code, record["timezone"])
        valid.append(record)
    return valid


def _village_geometry(check: RowCheck, geometry) -> tuple[str, object] | None:
    """A Polygon/MultiPolygon as compact GeoJSON text and a shapely shape; None if absent."""
    if geometry is None:
        return None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        check.fail("geometry", f"{kind} is not a Polygon or MultiPolygon", "not_polygon", kind=excerpt(str(kind)))
        return None
    try:
        shp = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        check.fail("geometry", f"malformed coordinates ({exc})", "malformed_geometry", error=str(exc))
        return None
    if shp.is_empty:
        check.fail("geometry", "empty polygon", "empty_polygon")
        return None
    min_lng, min_lat, max_lng, max_lat = shp.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        check.fail("geometry", "coordinates are not WGS84 longitude/latitude", "not_wgs84")
        return None
    compact = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return json.dumps(compact, separators=(",", ":")), shp


def check_officers(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Officers belong to a Polsek and may have an active period."""
    keys = KeyTracker()
    valid = []
    for check in row_checks(table, ctx, problems):
        nrp = check.text("nrp", True)
        name = check.text("name", True)
        unit_code = check.text("unit_code", True)
        if check.known("unit_code", unit_code, ctx.units, "unit") and ctx.units[unit_code].level != "polsek":
            check.fail("unit_code", f"{unit_code!r} is a {ctx.units[unit_code].level}; an officer belongs to a polsek",
                       "not_a_polsek", value=repr(unit_code), level=ctx.units[unit_code].level)
        rank = check.text("rank")
        active_from = check.date("active_from")
        active_to = check.date("active_to")
        check.ordered(active_from, active_to, "active_to", "active_from")
        keys.check(check, (nrp,), "nrp")
        if check.failed:
            continue
        ctx.officers[nrp] = unit_code
        valid.append({"nrp": nrp, "name": name, "rank": rank, "unit_code": unit_code,
                      "active_from": active_from, "active_to": active_to})
    return valid


def check_assignments(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Which officer covers which village from when to when."""
    keys = KeyTracker()
    valid = []
    for check in row_checks(table, ctx, problems):
        nrp = check.text("nrp", True)
        village_code = check.text("village_code", True)
        check.known("nrp", nrp, ctx.officers, "officer")
        check.known("village_code", village_code, ctx.villages, "village")
        start = check.date("start_date", True)
        end = check.date("end_date")
        check.ordered(start, end, "end_date", "start_date")
        keys.check(check, (nrp, village_code, start), "start_date")
        if not check.failed:
            valid.append({"nrp": nrp, "village_code": village_code, "start_date": start, "end_date": end})
    return valid


def check_leave(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Leave periods, whole days inclusive."""
    keys = KeyTracker()
    valid = []
    for check in row_checks(table, ctx, problems):
        nrp = check.text("nrp", True)
        check.known("nrp", nrp, ctx.officers, "officer")
        start = check.date("start_date", True)
        end = check.date("end_date", True)
        check.ordered(start, end, "end_date", "start_date")
        keys.check(check, (nrp, start), "start_date")
        if not check.failed:
            valid.append({"nrp": nrp, "start_date": start, "end_date": end})
    return valid


def check_outages(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Server outages, for one unit's subtree or (empty unit_code) everywhere."""
    keys = KeyTracker()
    valid = []
    zones: dict[str | None, str] = {}
    for check in row_checks(table, ctx, problems):
        unit_code = check.text("unit_code")
        if unit_code is not None and not check.known("unit_code", unit_code, ctx.units, "unit"):
            continue
        if unit_code not in zones:
            zones[unit_code] = ctx.unit_timezone(unit_code)
        start = check.timestamp("start_at", zones[unit_code], True)
        end = check.timestamp("end_at", zones[unit_code], True)
        check.ordered(start, end, "end_at", "start_at")
        note = check.text("note")
        keys.check(check, (start, unit_code), "start_at")
        if not check.failed:
            valid.append({"unit_code": unit_code, "start_at": start, "end_at": end, "note": note})
    return valid


def check_activities(table: RawTable, ctx: Context, problems: list[Problem], progress=None) -> list[dict]:
    """Activity reports, with their local date, delay and normalised-narrative key."""
    keys = KeyTracker()
    valid = []
    total = len(table.rows)
    for index in range(total):
        if progress and index % 20000 == 0:
            progress(f"check {table.name}", index, total)
        check = RowCheck(table, index, ctx, problems)
        report_id = check.text("report_id", True)
        nrp = check.text("nrp", True)
        check.known("nrp", nrp, ctx.officers, "officer")
        village_code, zone_name = check.village(ctx)
        activity_type = check.choice("activity_type", ACTIVITY_TYPES)
        activity_at = check.timestamp("activity_at", zone_name, True)
        submitted_at = check.timestamp("submitted_at", zone_name, True)
        lat = check.coordinate("lat", MAX_LATITUDE)
        lng = check.coordinate("lng", MAX_LONGITUDE)
        household_id = check.text("household_id", activity_type == "dds")
        narrative = check.text("narrative")
        photo = check.sha256("photo_sha256")
        keys.check(check, (report_id,), "report_id")
        if check.failed:
            continue
        valid.append({
            "report_id": report_id,
            "nrp": nrp,
            "village_code": village_code,
            "activity_type": activity_type,
            "activity_at": activity_at,
            "submitted_at": submitted_at,
            "local_date": local_date(activity_at, zone_name),
            "lat": lat,
            "lng": lng,
            "household_id": household_id,
            "narrative": narrative,
            "photo_sha256": photo,
            "delay_seconds": (submitted_at - activity_at).total_seconds(),
            "narrative_key": narrative_key(narrative),
        })
    if progress:
        progress(f"check {table.name}", total, total)
    return valid


def check_complaints(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Public complaints and when they were answered and resolved."""
    keys = KeyTracker()
    valid = []
    for check in row_checks(table, ctx, problems):
        complaint_id = check.text("complaint_id", True)
        village_code, zone_name = check.village(ctx)
        category = check.text("category", True)
        created = check.timestamp("created_at", zone_name, True)
        responded = check.timestamp("first_response_at", zone_name)
        resolved = check.timestamp("resolved_at", zone_name)
        check.ordered(created, responded, "first_response_at", "created_at")
        check.ordered(created, resolved, "resolved_at", "created_at")
        nrp = check.text("nrp")
        if nrp is not None:
            check.known("nrp", nrp, ctx.officers, "officer")
        channel = check.text("channel")
        keys.check(check, (complaint_id,), "complaint_id")
        if check.failed:
            continue
        valid.append({
            "complaint_id": complaint_id,
            "village_code": village_code,
            "category": category,
            "channel": channel,
            "created_at": created,
            "first_response_at": responded,
            "resolved_at": resolved,
            "nrp": nrp,
            "local_date": local_date(created, zone_name),
        })
    return valid


def check_crimes(table: RawTable, ctx: Context, problems: list[Problem]) -> list[dict]:
    """Recorded crime incidents."""
    keys = KeyTracker()
    valid = []
    for check in row_checks(table, ctx, problems):
        incident_id = check.text("incident_id", True)
        village_code, zone_name = check.village(ctx)
        category = check.text("category", True)
        occurred = check.timestamp("occurred_at", zone_name, True)
        keys.check(check, (incident_id,), "incident_id")
        if not check.failed:
            valid.append({"incident_id": incident_id, "village_code": village_code, "category": category,
                          "occurred_at": occurred, "local_date": local_date(occurred, zone_name)})
    return valid


CHECKS = {
    "units.csv": check_units,
    "villages.geojson": check_villages,
    "villages.csv": check_villages,
    "officers.csv": check_officers,
    "assignments.csv": check_assignments,
    "leave.csv": check_leave,
    "outages.csv": check_outages,
    "activities.csv": check_activities,
    "complaints.csv": check_complaints,
    "crimes.csv": check_crimes,
}

_NOT_LETTERS = re.compile(r"[\W\d_]+")


def normalise_narrative(text: str) -> str:
    """Lower case, every non-letter replaced by a space, runs of spaces collapsed, trimmed."""
    lowered = text.lower()
    spaced = _NOT_LETTERS.sub(" ", lowered)
    if not spaced.replace(" ", "").isalpha() and spaced.strip():
        # \w also keeps a few non-letters (e.g. superscript digits); fall back to the exact rule.
        spaced = "".join(ch if ch.isalpha() else " " for ch in lowered)
    return " ".join(spaced.split())


def narrative_key(narrative: str | None) -> str | None:
    """Hash of the normalised narrative when it is long enough to count as a copy."""
    if not narrative:
        return None
    normalised = normalise_narrative(narrative)
    if len(normalised) < MIN_NARRATIVE_CHARS:
        return None
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
