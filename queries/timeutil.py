"""Time zones, ISO 8601 timestamps and local days; shared by the import and the metrics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """A cached ZoneInfo (raises KeyError-like ZoneInfoNotFoundError for unknown names)."""
    return ZoneInfo(name)


def is_known_zone(name: str) -> bool:
    """True if `name` is an IANA time zone this machine knows."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_timestamp(text: str, local_zone: str) -> datetime:
    """ISO 8601 text as a naive UTC datetime; text without offset is local time in `local_zone`."""
    return as_utc(datetime.fromisoformat(text), local_zone)


def as_utc(value: datetime, local_zone: str) -> datetime:
    """A parsed timestamp as a naive UTC datetime; one without offset is local time in `local_zone`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(local_zone))
    return value.astimezone(UTC).replace(tzinfo=None)


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date."""
    return date.fromisoformat(text)


def local_date(utc: datetime, zone_name: str) -> date:
    """The calendar date of a naive UTC instant in the given time zone."""
    return utc.replace(tzinfo=UTC).astimezone(zone(zone_name)).date()


def local_day_bounds_utc(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants where the local day starts and the next one starts."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone(zone_name))
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone(zone_name))
    return start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)


def local_times(utc_values, zone_names) -> list[datetime | None]:
    """Naive UTC instants as wall-clock times in each row's time zone (for display).

    Converted a zone at a time in pandas: a Polda's month of flagged reports is hundreds of
    thousands of rows, too many for one datetime conversion each.
    """
    utc = pd.to_datetime(pd.Series(list(utc_values), dtype=object), errors="coerce")
    zones = pd.Series(list(zone_names), index=utc.index, dtype=object)
    local = pd.Series(pd.NaT, index=utc.index, dtype=utc.dtype)
    for name in zones.dropna().unique():
        rows = (zones == name) & utc.notna()
        local[rows] = utc[rows].dt.tz_localize("UTC").dt.tz_convert(name).dt.tz_localize(None)
    return [None if pd.isna(value) else value.to_pydatetime() for value in local]
