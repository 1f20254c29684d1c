"""What the forecast reads: the villages and, per village and local day up to the as-of date, the counts it learns from.

Everything is read with local_date <= as_of (the local dates stored at import, in each village's time zone,
as every other crime count of the dashboard), so nothing after the as-of date can reach a forecast.
Counts are kept as cumulative sums over a village × day matrix: any window's count for every village is
then one subtraction of two columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, func, select

from queries.db import frame_of
from queries.schema import activities, complaints, crimes, village_day_facts, villages

COUNT_COLUMNS = ["village_code", "local_date", "n"]
PARTITION_ROWS = 100_000


class ForecastError(ValueError):
    """The data cannot give a forecast (no crimes, or too short a history); the message says why."""


@dataclass(frozen=True)
class History:
    """Villages (in row order of the matrices) and cumulative daily counts from first_day to as_of."""

    villages: pd.DataFrame  # village_code, unit_code, population, lat, lng, geometry (GeoJSON text)
    first_day: date
    as_of: date
    cumulative: dict[str, np.ndarray]  # signal -> villages × (days + 1), column k = count of days before k

    @property
    def days(self) -> int:
        return (self.as_of - self.first_day).days + 1

    def index_of(self, day: date) -> int:
        """The column of a date (0 = first_day); may be negative or past as_of for windows outside the data."""
        return (day - self.first_day).days

    def window(self, signal: str, end: int, length: int) -> np.ndarray:
        """Counts per village over the `length` days ending on day index `end` (days outside the data count 0)."""
        cum = self.cumulative[signal]
        stop = min(max(end + 1, 0), self.days)
        start = min(max(end + 1 - length, 0), self.days)
        return (cum[:, stop] - cum[:, start]).astype("float64")

    def observed_days(self, end: int, length: int) -> int:
        """How many of the `length` days ending on day index `end` lie inside the data."""
        return max(0, min(end, self.days - 1) - max(end + 1 - length, 0) + 1)


def last_data_day(conn: Connection) -> date | None:
    """The latest local date of a crime or an activity: the default as-of date."""
    days = [conn.execute(select(func.max(table.c.local_date))).scalar() for table in (crimes, activities)]
    days = [day for day in days if day is not None]
    return max(days) if days else None


def village_frame(conn: Connection) -> pd.DataFrame:
    """Every village, in code order, with what the features and the scores need."""
    rows = conn.execute(select(villages.c.code, villages.c.unit_code, villages.c.population, villages.c.lat,
                               villages.c.lng, villages.c.geometry).order_by(villages.c.code)).all()
    return frame_of(rows, ["village_code", "unit_code", "population", "lat", "lng", "geometry"])


def daily_queries(as_of: date) -> dict[str, Select]:
    """Per signal: (village_code, local_date, n) with local_date <= as_of."""
    dds = select(village_day_facts.c.village_code, village_day_facts.c.local_date,
                 func.sum(village_day_facts.c.dds_visits))
    return {
        "crimes": select(crimes.c.village_code, crimes.c.local_date, func.count())
        .where(crimes.c.local_date <= as_of).group_by(crimes.c.village_code, crimes.c.local_date),
        "deteksi_dini": select(activities.c.village_code, activities.c.local_date, func.count())
        .where(activities.c.activity_type == "deteksi_dini", activities.c.local_date <= as_of)
        .group_by(activities.c.village_code, activities.c.local_date),
        "complaints": select(complaints.c.village_code, complaints.c.local_date, func.count())
        .where(complaints.c.local_date <= as_of).group_by(complaints.c.village_code, complaints.c.local_date),
        # DDS visits per village and day are kept by the import in village_day_facts: no scan of the reports.
        "dds_visits": dds.where(village_day_facts.c.local_date <= as_of)
        .group_by(village_day_facts.c.village_code, village_day_facts.c.local_date),
    }


def add_counts(matrix: np.ndarray, counts: pd.DataFrame, codes: pd.Index, first_day: date) -> None:
    """Add rows (village_code, local_date, n) into a villages × (days + 1) matrix at column day index + 1.

    Rows of unknown villages or dated before first_day are left out.
    """
    if counts.empty:
        return
    rows = codes.get_indexer(counts["village_code"])
    columns = (pd.to_datetime(counts["local_date"]) - pd.Timestamp(first_day)).dt.days.to_numpy() + 1
    keep = (rows >= 0) & (columns >= 1)
    np.add.at(matrix, (rows[keep], columns[keep]), counts["n"].to_numpy(dtype="int64")[keep])


def cumulative_matrix(counts: pd.DataFrame, codes: pd.Index, first_day: date, days: int) -> np.ndarray:
    """villages × (days + 1) cumulative counts (column k = the count of the days before day index k)."""
    matrix = np.zeros((len(codes), days + 1), dtype="int32")
    add_counts(matrix, counts, codes, first_day)
    return np.cumsum(matrix, axis=1, dtype="int32")


def streamed_matrix(conn: Connection, query: Select, codes: pd.Index, first_day: date, days: int) -> np.ndarray:
    """cumulative_matrix of a query turned into Python rows a partition at a time: a Polda's 1.3 million DDS
    village-days never sit in memory as Python objects all at once.

    Not a server-side cursor (yield_per): PostgreSQL plans those for the first rows; with one, the Polda
    forecast took 114 s instead of 48 s (one measurement each, on the loaded shared machine).
    """
    matrix = np.zeros((len(codes), days + 1), dtype="int32")
    for rows in conn.execute(query).partitions(PARTITION_ROWS):
        add_counts(matrix, frame_of(rows, COUNT_COLUMNS), codes, first_day)
    return np.cumsum(matrix, axis=1, dtype="int32")


def load_history(conn: Connection, as_of: date) -> History:
    """The villages and cumulative daily counts from the first crime's date to as_of."""
    frame = village_frame(conn)
    queries = daily_queries(as_of)
    crime_days = frame_of(conn.execute(queries.pop("crimes")).all(), COUNT_COLUMNS)
    if crime_days.empty:
        raise ForecastError(f"no crime is dated on or before {as_of}: nothing to learn from")
    first_day = pd.to_datetime(crime_days["local_date"]).min().date()
    days = (as_of - first_day).days + 1
    codes = pd.Index(frame["village_code"])
    cumulative = {"crimes": cumulative_matrix(crime_days, codes, first_day, days)}
    cumulative |= {name: streamed_matrix(conn, query, codes, first_day, days) for name, query in queries.items()}
    return History(frame, first_day, as_of, cumulative)

