"""Reference data and simple counts: the unit tree, the data's extent, and what a scope holds."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, case, func, or_, select

from queries import aggregates
from queries.db import frame_of
from queries.hierarchy import LEVEL_ORDER
from queries.schema import activities, complaints, crimes, import_batches, outages, unit_tree, units
from queries.scope import Scope, officers_in, subtree, units_below, villages_in


def unit_list(conn: Connection) -> pd.DataFrame:
    """Every unit with its level and parent, ordered by level then name."""
    query = select(units.c.code, units.c.name, units.c.level, units.c.parent_code).order_by(
        case(LEVEL_ORDER, value=units.c.level), units.c.name)
    return frame_of(conn.execute(query).all(), columns=["code", "name", "level", "parent_code"])


def activity_date_range(conn: Connection) -> tuple[date | None, date | None]:
    """First and last local date of any activity."""
    return date_bounds(conn, activities)


def date_bounds(conn: Connection, table) -> tuple[date | None, date | None]:
    """A table's first and last local date (None, None when empty)."""
    # Asked apart: SQLite reads the date index for a lone min() or max() but scans the whole table for both
    # together (0.6-0.8 s on a Polda's 5 M activities).
    first = conn.execute(select(func.min(table.c.local_date))).scalar()
    last = conn.execute(select(func.max(table.c.local_date))).scalar()
    return first, last


def data_date_range(conn: Connection) -> tuple[date | None, date | None]:
    """First and last local date of any activity, complaint or crime (crime may reach further back)."""
    bounds = [date_bounds(conn, t) for t in (activities, complaints, crimes)]
    firsts = [first for first, _ in bounds if first is not None]
    lasts = [last for _, last in bounds if last is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def last_import(conn: Connection) -> pd.DataFrame:
    """The most recent finished import (when, by whom, from where)."""
    query = (select(import_batches.c.finished_at, import_batches.c.imported_by, import_batches.c.source)
             .where(import_batches.c.finished_at.is_not(None))
             .order_by(import_batches.c.finished_at.desc()).limit(1))
    return frame_of(conn.execute(query).all(), columns=["finished_at", "imported_by", "source"])


def scope_counts(conn: Connection, scope: Scope) -> dict[str, int]:
    """Officers and villages of the scope; its activities and complaints dated in the window."""
    villages = villages_in(scope)
    if aggregates.serves(conn, scope):  # a Polda's window is a million rows; its Polsek-days a few thousand
        reports = aggregates.polsek_sums(conn, scope, ("village_reports",))["village_reports"].sum()
    else:
        reports = conn.execute(select(func.count()).select_from(activities).where(
            activities.c.village_code.in_(villages), activities.c.local_date.between(scope.start, scope.end))
        ).scalar_one()
    return {
        "officers": conn.execute(select(func.count()).select_from(officers_in(scope).subquery())).scalar_one(),
        "villages": conn.execute(select(func.count()).select_from(villages.subquery())).scalar_one(),
        "activities": int(reports),
        "complaints": conn.execute(
            select(func.count()).select_from(complaints).where(
                complaints.c.village_code.in_(villages),
                complaints.c.local_date.between(scope.start, scope.end))
        ).scalar_one(),
    }


def unit_timezone(conn: Connection, unit_code: str | None) -> str:
    """The time zone of a unit's villages (WIB for the national scope)."""
    if unit_code is None:
        return "Asia/Jakarta"
    return conn.execute(select(units.c.timezone).where(units.c.code == unit_code)).scalar() or "Asia/Jakarta"


def recorded_outages(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Outages recorded in the export that overlap the window (everywhere, or a unit above or in the scope)."""
    lo = datetime.combine(scope.start, datetime.min.time()) - timedelta(days=1)
    hi = datetime.combine(scope.end, datetime.min.time()) + timedelta(days=2)
    names = dict(conn.execute(select(units.c.code, units.c.name)).all())
    # Outages everywhere, of a unit above the scope, or of a unit inside it; never of a neighbour.
    inside = units_below(scope)
    above = select(unit_tree.c.ancestor_code).where(unit_tree.c.unit_code.in_(inside))
    rows = conn.execute(select(outages.c.unit_code, outages.c.start_at, outages.c.end_at, outages.c.note)
                        .where(outages.c.start_at < hi, outages.c.end_at > lo,
                               or_(outages.c.unit_code.is_(None), outages.c.unit_code.in_(inside),
                                   outages.c.unit_code.in_(above)))
                        .order_by(outages.c.start_at)).all()
    frame = frame_of(rows, columns=["unit_code", "start_at", "end_at", "note"])
    frame["unit"] = frame["unit_code"].map(names)
    frame["hours"] = (pd.to_datetime(frame["end_at"]) - pd.to_datetime(frame["start_at"])).dt.total_seconds() / 3600
    return frame


def units_within(conn: Connection, boundary: str | None) -> frozenset[str]:
    """Codes of the boundary unit and every unit below it (every unit when there is no boundary)."""
    query = select(units.c.code) if boundary is None else subtree(boundary)
    return frozenset(conn.execute(query).scalars())


def import_history(conn: Connection, limit: int = 200) -> pd.DataFrame:
    """The most recent imports: who, when, which file, counts, and the stored report (with rejected rows)."""
    columns = ["id", "finished_at", "imported_by", "source", "mode", "rows_read", "rows_new", "rows_updated",
               "rows_unchanged", "rows_rejected", "report_json"]
    rows = conn.execute(select(*(import_batches.c[c] for c in columns))
                        .order_by(import_batches.c.id.desc()).limit(limit)).all()
    return frame_of(rows, columns=columns)
