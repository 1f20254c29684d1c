"""The BOS export contract of DESIGN.md section 3: files, columns, keys and value sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from queries.hierarchy import LEVELS as UNIT_LEVELS  # noqa: F401  (the level value set is part of the contract)
from queries.hierarchy import PARENT_LEVEL  # noqa: F401
from queries.schema import (  # noqa: F401  (the value sets are part of the contract)
    ACTIVITY_TYPES,
    CHANNEL,
    CODE,
    HOUSEHOLD_ID,
    NAME,
    RANK,
    SHA256_HEX,
    ZONE_NAME,
)

PERSONS_PER_HOUSEHOLD = 3.7

# Value limits (DESIGN.md section 3), the same on SQLite and PostgreSQL. Lengths are the stored
# columns' own (queries/schema.py), so a value that passes validation always fits.
LONG_TEXT = 20_000  # narrative, note (stored as unbounded text; the contract bounds them)
MAX_LENGTH: dict[str, int] = {
    **dict.fromkeys(("code", "parent_code", "nrp", "village_code", "unit_code", "report_id", "complaint_id",
                     "incident_id"), CODE),
    "household_id": HOUSEHOLD_ID,
    **dict.fromkeys(("name", "village", "category", "district", "regency", "province"), NAME),
    "rank": RANK,
    "channel": CHANNEL,
    "timezone": ZONE_NAME,
    "narrative": LONG_TEXT,
    "note": LONG_TEXT,
}
SHA256_LENGTH = SHA256_HEX  # photo_sha256: empty or exactly this many hexadecimal characters
MAX_WHOLE_NUMBER = 10_000_000  # population, households
EARLIEST_DATE = date(2000, 1, 1)  # dates and timestamps alike
LATEST_DATE = date(2100, 12, 31)  # dates only: planned leave and assignments may lie ahead
TIMESTAMP_LEAD = timedelta(days=1)  # timestamps: at most this long after the import
MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0


@dataclass(frozen=True)
class FileSpec:
    """One file of an export: its table, its columns and its natural key."""

    name: str
    table: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


VILLAGE_PROPERTIES = ("households", "population", "timezone", "district", "regency", "province")

# In import order: every file only refers to codes of files before it (or of the database).
FILES: tuple[FileSpec, ...] = (
    FileSpec("units.csv", "units", ("code", "name", "level"), ("parent_code",), ("code",)),
    FileSpec(
        "villages.geojson",
        "villages",
        ("village_code", "village", "unit_code"),
        VILLAGE_PROPERTIES + ("lat", "lng"),
        ("village_code",),
    ),
    FileSpec(
        "villages.csv",
        "villages",
        ("village_code", "village", "unit_code", "lat", "lng"),
        VILLAGE_PROPERTIES,
        ("village_code",),
    ),
    FileSpec(
        "officers.csv",
        "officers",
        ("nrp", "name", "unit_code"),
        ("rank", "active_from", "active_to"),
        ("nrp",),
    ),
    FileSpec(
        "assignments.csv",
        "assignments",
        ("nrp", "village_code", "start_date"),
        ("end_date",),
        ("nrp", "village_code", "start_date"),
    ),
    FileSpec("leave.csv", "leaves", ("nrp", "start_date", "end_date"), (), ("nrp", "start_date")),
    FileSpec("outages.csv", "outages", ("start_at", "end_at"), ("unit_code", "note"), ("unit_code", "start_at")),
    FileSpec(
        "activities.csv",
        "activities",
        ("report_id", "nrp", "village_code", "activity_type", "activity_at", "submitted_at"),
        ("lat", "lng", "household_id", "narrative", "photo_sha256"),
        ("report_id",),
    ),
    FileSpec(
        "complaints.csv",
        "complaints",
        ("complaint_id", "village_code", "category", "created_at"),
        ("channel", "first_response_at", "resolved_at", "nrp"),
        ("complaint_id",),
    ),
    FileSpec("crimes.csv", "crimes", ("incident_id", "village_code", "category", "occurred_at"), (), ("incident_id",)),
)
FILES_BY_NAME = {spec.name: spec for spec in FILES}


def timezone_for_village_code(village_code: str) -> str:
    """The time zone implied by the province code (first two digits of the village code)."""
    digits = "".join(ch for ch in village_code if ch.isdigit())[:2]
    province = int(digits) if len(digits) == 2 else 0
    if 51 <= province <= 53 or 63 <= province <= 65 or 71 <= province <= 76:
        return "Asia/Makassar"
    if 81 <= province <= 82 or 91 <= province <= 96:
        return "Asia/Jayapura"
    return "Asia/Jakarta"


def households_from_population(population: int) -> int:
    """population / 3.7 rounded to the nearest whole household (exact integer arithmetic)."""
    # population / 3.7 == 10 * population / 37; round half up without float error.
    return (20 * population + 37) // 74
