"""Derived data kept correct across imports: GPS distances, the group flags, local dates, the unit tree.

The group flags (duplicate photo, duplicate narrative, impossible travel) depend on other
activities, possibly imported earlier or later: ingest/group_flags.py recomputes them in SQL,
after the rows are written, for every group an import touches.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import Column, Connection, MetaData, Table, bindparam, func, or_, select
from sqlalchemy.schema import DropTable

from ingest.geo import distances_to_polygon_m
from ingest.group_flags import rebuild_group_measures
from ingest.upsert import bulk_insert
from queries.db import rows_up_to
from queries.flags import POLICY_KEY, stored_flag_values
from queries.policy import Policy
from queries.schema import activities, code_column, complaints, crimes, meta, unit_tree, units, villages
from queries.timeutil import local_date

CHUNK = 900


def chunks(values: Iterable, size: int = CHUNK):
    """Successive lists of at most `size` values."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def stored_geometries(conn: Connection, codes: Iterable[str]) -> dict[str, str | None]:
    """Village polygons (GeoJSON text) from the database."""
    found = {}
    for chunk in chunks(sorted(set(codes))):
        rows = conn.execute(select(villages.c.code, villages.c.geometry).where(villages.c.code.in_(chunk)))
        found.update(dict(rows.all()))
    return found


def set_gps_distances(records: list[dict], geometry: Callable[[str], str | None]) -> None:
    """Metres from each report's point to its village polygon (None without GPS or polygon)."""
    by_village: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        record["gps_distance_m"] = None
        if record["lat"] is not None and record["lng"] is not None:
            by_village[record["village_code"]].append(record)
    for code, group in by_village.items():
        polygon = geometry(code)
        if polygon is None:
            continue
        distances = distances_to_polygon_m(polygon, [r["lat"] for r in group], [r["lng"] for r in group])
        for record, distance in zip(group, distances):
            record["gps_distance_m"] = float(distance)


def refresh_group_measures(conn: Connection) -> int:
    """Recompute the group measures of every stored activity (refresh-flags); return the rows changed."""
    return len(rebuild_group_measures(conn))


SET_WISE_UPDATE = 2_000  # rows from which a staged UPDATE ... FROM beats one UPDATE per row


def write_activity_changes(conn: Connection, changes: dict[str, dict]) -> None:
    """Apply per-row changes to stored activities, grouped by the set of columns changed."""
    by_columns: dict[tuple, list[dict]] = defaultdict(list)
    for rid, delta in changes.items():
        by_columns[tuple(sorted(delta))].append({"report_id": rid, **delta})
    for columns, rows in by_columns.items():
        if len(rows) >= SET_WISE_UPDATE:
            _update_from_staged(conn, columns, rows)
            continue
        statement = activities.update().where(activities.c.report_id == bindparam("k_report_id")).values(
            {col: bindparam(f"v_{col}") for col in columns}
        )
        conn.execute(statement, [{"k_report_id": row["report_id"], **{f"v_{c}": row[c] for c in columns}}
                                 for row in rows])


def _update_from_staged(conn: Connection, columns: tuple[str, ...], rows: list[dict]) -> None:
    """Many rows' changes copied into a temporary table, then one UPDATE ... FROM (after a bulk load every
    report's travel changes: 100,000 single-row UPDATEs took half a minute)."""
    staged = Table("tmp_activity_changes", MetaData(), Column("report_id", code_column(), primary_key=True),
                   *(Column(col, activities.c[col].type) for col in columns),
                   prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    if conn.dialect.name == "sqlite":
        # SQLite runs DDL outside the transaction: a failed import may have left it behind.
        conn.execute(DropTable(staged, if_exists=True))
    staged.create(conn)
    bulk_insert(conn, staged, rows)
    conn.execute(activities.update().where(activities.c.report_id == staged.c.report_id)
                 .values({col: staged.c[col] for col in columns}))
    staged.drop(conn)


def refresh_villages(conn: Connection, codes: set[str]) -> set[str]:
    """After a village's time zone or polygon changed: recompute local dates and GPS distances."""
    if not codes:
        return set()
    info = {}
    for chunk in chunks(sorted(codes)):
        rows = conn.execute(select(villages.c.code, villages.c.timezone, villages.c.geometry)
                            .where(villages.c.code.in_(chunk)))
        info.update({code: (zone, geometry) for code, zone, geometry in rows})
    changes: dict[str, dict] = {}
    for chunk in chunks(sorted(codes)):
        rows = conn.execute(
            select(activities.c.report_id, activities.c.village_code, activities.c.activity_at,
                   activities.c.local_date, activities.c.lat, activities.c.lng, activities.c.gps_distance_m)
            .where(activities.c.village_code.in_(chunk))
        ).mappings().all()
        records = [dict(row) for row in rows]
        old = {r["report_id"]: (r["local_date"], r["gps_distance_m"]) for r in records}
        set_gps_distances(records, lambda code: info[code][1])
        for record in records:
            record["local_date"] = local_date(record["activity_at"], info[record["village_code"]][0])
            if (record["local_date"], record["gps_distance_m"]) != old[record["report_id"]]:
                changes[record["report_id"]] = {"local_date": record["local_date"],
                                                "gps_distance_m": record["gps_distance_m"]}
    write_activity_changes(conn, changes)
    for table, instant in ((complaints, "created_at"), (crimes, "occurred_at")):
        key = table.primary_key.columns.values()[0]
        for chunk in chunks(sorted(codes)):
            rows = conn.execute(select(key, table.c.village_code, table.c[instant], table.c.local_date)
                                .where(table.c.village_code.in_(chunk))).all()
            params = [
                {"k": row[0], "v": new}
                for row in rows
                if (new := local_date(row[2], info[row[1]][0])) != row[3]
            ]
            if params:
                conn.execute(table.update().where(key == bindparam("k")).values(local_date=bindparam("v")), params)
    return set(changes)


def refresh_flags(conn: Connection, policy: Policy, report_ids: set[str] | None) -> None:
    """Recompute the stored flag columns (all rows when report_ids is None)."""
    values = stored_flag_values(policy)
    # Only rows whose flags actually change are rewritten (most reports are clean).
    differs = or_(*(activities.c[col] != expr for col, expr in values.items()))
    if report_ids is None:
        conn.execute(activities.update().where(differs).values(values))
        return
    if not report_ids:
        return
    if 2 * len(report_ids) >= rows_up_to(conn, activities, 2 * len(report_ids) + 1):
        conn.execute(activities.update().where(differs).values(values))
        return
    touched = Table("tmp_touched_reports", MetaData(), Column("report_id", code_column(), primary_key=True),
                    prefixes=["TEMPORARY"])
    touched.create(conn)
    try:
        bulk_insert(conn, touched, [{"report_id": rid} for rid in report_ids])
        conn.execute(activities.update()
                     .where(activities.c.report_id.in_(select(touched.c.report_id)), differs)
                     .values(values))
    finally:
        touched.drop(conn)


def record_flag_policy(conn: Connection, policy: Policy) -> None:
    """Remember which policy the stored flags follow."""
    value = json.dumps(policy.flag_values(), sort_keys=True)
    if conn.execute(select(meta.c.key).where(meta.c.key == POLICY_KEY)).first():
        conn.execute(meta.update().where(meta.c.key == POLICY_KEY).values(value=value))
    else:
        conn.execute(meta.insert().values(key=POLICY_KEY, value=value))


def refresh_unit_tree(conn: Connection) -> bool:
    """Rebuild the ancestor closure and the units' time zones when they changed; True if the closure did."""
    parents = dict(conn.execute(select(units.c.code, units.c.parent_code)).all())
    closure = set()
    for code in parents:
        ancestor, depth = code, 0
        while ancestor is not None and depth <= len(parents):
            closure.add((ancestor, code, depth))
            ancestor, depth = parents.get(ancestor), depth + 1
    stored = set(conn.execute(select(unit_tree.c.ancestor_code, unit_tree.c.unit_code, unit_tree.c.depth)).all())
    tree_changed = stored != closure
    if tree_changed:
        conn.execute(unit_tree.delete())
        conn.execute(unit_tree.insert(), [{"ancestor_code": a, "unit_code": u, "depth": d} for a, u, d in closure])

    zones: dict[str, Counter] = defaultdict(Counter)
    rows = conn.execute(select(unit_tree.c.ancestor_code, villages.c.timezone, func.count())
                        .join(villages, villages.c.unit_code == unit_tree.c.unit_code)
                        .group_by(unit_tree.c.ancestor_code, villages.c.timezone)).all()
    for code, zone, count in rows:
        zones[code][zone] += count
    current = dict(conn.execute(select(units.c.code, units.c.timezone)).all())
    params = []
    for code, zone_now in current.items():
        counts = zones.get(code)
        # Most villages decide; ties go to the alphabetically first zone so the result is stable.
        wanted = min(counts, key=lambda z: (-counts[z], z)) if counts else "Asia/Jakarta"
        if wanted != zone_now:
            params.append({"k": code, "v": wanted})
    if params:
        conn.execute(units.update().where(units.c.code == bindparam("k")).values(timezone=bindparam("v")), params)
    return tree_changed
