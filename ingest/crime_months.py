"""crime_month_facts kept by the import: crimes per Polsek (of the crime's village now) and calendar month.

Read by queries/effectiveness.py for the months a window holds whole. A month is counted again whenever a crime of
it is added or changed (its old month too); every month when a village moved to another Polsek or time zone, since
that moves its crimes between rows. The import writes nothing else into crimes, so the counts follow them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, Date, func, insert, literal, select

from ingest.upsert import TableDiff, key_of
from queries.rollups import month_end
from queries.schema import crime_month_facts, crimes, villages
from queries.timeseries import sql_period

COLUMNS = ["unit_code", "month", "crimes"]
WHOLE_AFTER = 12  # months touched beyond which one grouping of every crime is cheaper than a statement per month


def update(conn: Connection, diffs: dict[str, TableDiff]) -> None:
    """Count again the months this import's crimes and villages reach (nothing when it touched neither)."""
    moved = diffs.get("villages")
    if moved is not None and any(
            moved.previous[key_of(record, "villages")][column] != record[column]
            for record in moved.changed for column in ("unit_code", "timezone")):
        refresh(conn, None)
        return
    changed = diffs.get("crimes")
    if changed is None:
        return
    months = {record["local_date"].replace(day=1) for record in (*changed.new, *changed.changed)}
    # The stored local date is not kept in the diff; any time zone puts it within a day of the UTC instant's date.
    months |= {(old["occurred_at"] + timedelta(days=shift)).date().replace(day=1)
               for old in changed.previous.values() for shift in (-1, 0, 1)}
    refresh(conn, None if len(months) > WHOLE_AFTER else sorted(months))


def refresh(conn: Connection, months: list[date] | None) -> None:
    """Count these months' crimes per Polsek again (None: every month, from scratch)."""
    f = crime_month_facts.c
    joined = crimes.join(villages, villages.c.code == crimes.c.village_code)
    if months is None:
        conn.execute(crime_month_facts.delete())
        month = sql_period(conn, crimes.c.local_date, "month")
        conn.execute(insert(crime_month_facts).from_select(
            COLUMNS, select(villages.c.unit_code, month, func.count()).select_from(joined)
            .group_by(villages.c.unit_code, month)))
        return
    for month in months:
        conn.execute(crime_month_facts.delete().where(f.month == month))
        conn.execute(insert(crime_month_facts).from_select(
            COLUMNS, select(villages.c.unit_code, literal(month, Date), func.count()).select_from(joined)
            .where(crimes.c.local_date.between(month, month_end(month))).group_by(villages.c.unit_code)))
