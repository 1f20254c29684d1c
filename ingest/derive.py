"""Derived data kept correct across imports: GPS distances, the group flags, local dates, the unit tree.

The group flags (duplicate photo, duplicate narrative, impossible travel) depend on other
activities, possibly imported earlier or later. For each import we recompute them for every
group the import touches (its photos, its officers' narratives, its officers' travel) over
stored and incoming rows together, so a later row is judged against an earlier one whichever
import brought it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import numpy as np
from sqlalchemy import Column, Connection, MetaData, Table, bindparam, func, or_, select
from sqlalchemy.schema import DropTable

from ingest.geo import distances_to_polygon_m, haversine_km
from ingest.upsert import bulk_insert
from queries.flags import stored_flag_values
from queries.policy import Policy
from queries.schema import activities, code_column, complaints, crimes, meta, unit_tree, units, villages
from queries.timeutil import local_date

CHUNK = 900
GROUP_COLUMNS = ("report_id", "nrp", "activity_at", "submitted_at", "lat", "lng", "photo_sha256",
                 "narrative_key", "travel_km", "travel_seconds", "flag_duplicate_photo",
                 "flag_duplicate_narrative")


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


def group_measures(conn: Connection, incoming: list[dict], previous: dict[tuple, dict]) -> dict[str, dict]:
    """Set the group measures on incoming records; return changes needed on stored rows, by report_id.

    `previous` holds the stored content of incoming rows that replace existing ones, so the
    groups they leave are recomputed too.
    """
    old_rows = list(previous.values())
    photos = {r["photo_sha256"] for r in incoming + old_rows if r["photo_sha256"]}
    officers = {r["nrp"] for r in incoming + old_rows}
    stored_changes = _group_changes(conn, incoming, photos, officers)
    for record in incoming:
        record.setdefault("flag_duplicate_photo", False)
        record.setdefault("flag_duplicate_narrative", False)
        record.setdefault("travel_km", None)
        record.setdefault("travel_seconds", None)
    return stored_changes


def refresh_group_measures(conn: Connection, officers_per_pass: int = 200) -> int:
    """Recompute the group measures of every stored activity (refresh-flags); return the rows changed.

    A pass at a time, so memory stays bounded: narratives and travel a few hundred officers at once
    (which also clears the photo flag of reports without a photo), then every photo that more than
    one report shares or that a stale flag names.
    """
    nrps = conn.execute(select(activities.c.nrp).distinct().order_by(activities.c.nrp)).scalars().all()
    shared = select(activities.c.photo_sha256).where(activities.c.photo_sha256.is_not(None)).group_by(
        activities.c.photo_sha256).having(func.count() > 1)
    flagged = select(activities.c.photo_sha256).where(activities.c.flag_duplicate_photo.is_(True))
    photos = conn.execute(shared.union(flagged)).scalars().all()
    return len(refresh_touched_group_measures(conn, set(nrps), {p for p in photos if p is not None},
                                              officers_per_pass))


def refresh_touched_group_measures(conn: Connection, officers: set[str], photos: set[str],
                                   officers_per_pass: int = 200) -> set[str]:
    """Recompute the group measures of these officers' reports and these photos' reports; return the ids changed.

    Reads the stored rows only (the import's rows are written first), a pass at a time so memory stays
    bounded: narratives and travel a few hundred officers at once, then the photos in chunks.
    """
    changed: set[str] = set()
    nrps = sorted(officers)
    for start in range(0, len(nrps), officers_per_pass):
        changes = _group_changes(conn, [], set(), set(nrps[start:start + officers_per_pass]))
        write_activity_changes(conn, changes)
        changed |= set(changes)
    for chunk in chunks(sorted(photos)):
        changes = _group_changes(conn, [], set(chunk), set())
        write_activity_changes(conn, changes)
        changed |= set(changes)
    return changed


def _group_changes(conn: Connection, incoming: list[dict], photos: set[str], officers: set[str]) -> dict[str, dict]:
    """Group measures over the stored rows of these photos and officers plus the incoming rows.

    Sets them on the incoming records; returns the changes needed on stored rows, by report_id.
    """
    stored = _load_group_rows(conn, photos, officers)
    incoming_ids = {r["report_id"] for r in incoming}
    rows = {rid: row for rid, row in stored.items() if rid not in incoming_ids}
    rows.update({r["report_id"]: r for r in incoming})

    computed: dict[str, dict] = defaultdict(dict)
    # Only groups the import touches are complete in `rows`; leave every other group alone.
    _duplicates(rows.values(), lambda r: r["photo_sha256"], lambda group: group in photos,
                "flag_duplicate_photo", computed)
    _duplicates(rows.values(), lambda r: (r["nrp"], r["narrative_key"]) if r["narrative_key"] else None,
                lambda group: group[0] in officers, "flag_duplicate_narrative", computed)
    _travel(rows.values(), computed, officers)

    stored_changes: dict[str, dict] = {}
    for rid, values in computed.items():
        if rid in incoming_ids:
            rows[rid].update(values)
        else:
            old = stored[rid]
            delta = {col: value for col, value in values.items() if old[col] != value}
            if delta:
                stored_changes[rid] = delta
    return stored_changes


def _load_group_rows(conn: Connection, photos: set[str], officers: set[str]) -> dict[str, dict]:
    """Stored activities sharing a photo with, or reported by an officer of, the import."""
    columns = [activities.c[col] for col in GROUP_COLUMNS]
    found: dict[str, dict] = {}
    stored = conn.execute(select(func.count()).select_from(activities)).scalar_one()
    if stored == 0:
        return found
    if len(photos) > stored / 4:
        # A large import against a small table: one scan beats thousands of IN lists.
        photos_found = conn.execute(select(*columns).where(activities.c.photo_sha256.is_not(None))).mappings()
        found.update({row["report_id"]: dict(row) for row in photos_found if row["photo_sha256"] in photos})
        photos = set()
    for chunk in chunks(sorted(photos)):
        for row in conn.execute(select(*columns).where(activities.c.photo_sha256.in_(chunk))).mappings():
            found[row["report_id"]] = dict(row)
    for chunk in chunks(sorted(officers)):
        for row in conn.execute(select(*columns).where(activities.c.nrp.in_(chunk))).mappings():
            found[row["report_id"]] = dict(row)
    return found


def _duplicates(rows, group_of, touched, column: str, computed: dict) -> None:
    """Within each touched group, every row but the earliest by (submitted_at, report_id) is a duplicate."""
    groups: dict = defaultdict(list)
    for row in rows:
        group = group_of(row)
        if group is None:
            computed[row["report_id"]][column] = False
        elif touched(group):
            groups[group].append(row)
    for members in groups.values():
        members.sort(key=lambda r: (r["submitted_at"], r["report_id"]))
        for position, row in enumerate(members):
            computed[row["report_id"]][column] = position > 0


def _travel(rows, computed: dict, officers: set[str]) -> None:
    """Distance and time from each GPS report to the officer's previous one, by (activity_at, report_id)."""
    by_officer: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["nrp"] not in officers:
            continue
        if row["lat"] is None or row["lng"] is None:
            computed[row["report_id"]].update(travel_km=None, travel_seconds=None)
        else:
            by_officer[row["nrp"]].append(row)
    for members in by_officer.values():
        members.sort(key=lambda r: (r["activity_at"], r["report_id"]))
        first = members[0]
        computed[first["report_id"]].update(travel_km=None, travel_seconds=None)
        if len(members) == 1:
            continue
        lat = np.array([r["lat"] for r in members])
        lng = np.array([r["lng"] for r in members])
        km = haversine_km(lat[:-1], lng[:-1], lat[1:], lng[1:])
        for previous, row, distance in zip(members, members[1:], km):
            seconds = (row["activity_at"] - previous["activity_at"]).total_seconds()
            computed[row["report_id"]].update(travel_km=float(distance), travel_seconds=seconds)


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
    total = conn.execute(select(func.count()).select_from(activities)).scalar_one()
    if 2 * len(report_ids) >= total:
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


def stored_flag_policy(conn: Connection) -> dict | None:
    """The flag policy values the stored flags were computed with."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == "flags_policy")).scalar()
    return json.loads(value) if value else None


def record_flag_policy(conn: Connection, policy: Policy) -> None:
    """Remember which policy the stored flags follow."""
    value = json.dumps(policy.flag_values(), sort_keys=True)
    if conn.execute(select(meta.c.key).where(meta.c.key == "flags_policy")).first():
        conn.execute(meta.update().where(meta.c.key == "flags_policy").values(value=value))
    else:
        conn.execute(meta.insert().values(key="flags_policy", value=value))


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
