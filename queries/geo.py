"""Village shapes for maps: simplified to the scale of the scope, so a whole Polda stays light.

The import stores them per scope (ingest/outlines.py: tables outline_scopes and outlines); these functions
read the stored rows, and compute from the polygons only for a scope without them (an officer's villages,
a database not refreshed since the tables were added).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Row, func, select

from queries.coverage import village_coverage
from queries.hierarchy import LEVEL_ORDER, levels_below
from queries.officers import village_officers
from queries.schema import outline_scopes, outlines, unit_tree, units, villages
from queries.scope import Scope, polsek_parents, villages_in, within

DETAIL = 1500  # the scope's extent divided by this is the simplification tolerance (about a pixel)
DECIMALS = 5  # coordinates rounded to about a metre
# Above this many villages (a Polda has about 5,000) a village map would send tens of megabytes;
# the map asks for a smaller scope instead and no outline is computed.
MAX_MAP_VILLAGES = 6000
ROOT_SCOPE = ""  # outline_scopes' code for the whole database (no unit chosen)
POLYGON, MULTIPOLYGON = 3, 6  # shapely.get_type_id
COORDINATES = '"coordinates":'  # where GEOS's GeoJSON of a geometry has its coordinates


def tolerance_for(bounds: tuple[float, float, float, float]) -> float:
    """The simplification tolerance of a map of these bounds: about a pixel of its longer side."""
    return max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / DETAIL


def stored_scope(conn: Connection, scope: Scope) -> Row | None:
    """The scope's row of outline_scopes, or None when its outlines are not stored (then they are computed)."""
    code = outline_scope_code(conn, scope)
    if code is None:
        return None
    return conn.execute(select(outline_scopes).where(outline_scopes.c.scope_code == code)).first()


def outline_scope_code(conn: Connection, scope: Scope) -> str | None:
    """The stored scope that draws the same villages: the deeper of unit and boundary (None for an officer)."""
    if scope.nrp is not None:
        return None
    codes = {code for code in (scope.unit_code, scope.boundary) if code is not None}
    if len(codes) < 2:
        return codes.pop() if codes else ROOT_SCOPE
    # The unit inside the boundary (or the boundary inside the unit); disjoint ones draw nothing stored.
    return conn.execute(select(unit_tree.c.unit_code).where(unit_tree.c.ancestor_code.in_(codes),
                                                            unit_tree.c.unit_code.in_(codes),
                                                            unit_tree.c.depth > 0)).scalar()


def stored_rings(conn: Connection, scope_code: str, kind: str) -> dict[str, list]:
    """The stored outlines of one kind ("village" or a unit level) for a scope, parsed for pydeck."""
    rows = conn.execute(select(outlines.c.code, outlines.c.rings)
                        .where(outlines.c.scope_code == scope_code, outlines.c.kind == kind)).all()
    # One JSON object parsed at once: a json.loads per village cost more in calls than in parsing.
    return json.loads("{" + ",".join(f"{json.dumps(code)}:{rings}" for code, rings in rows) + "}")


def scope_bounds(conn: Connection, scope: Scope) -> tuple[float, float, float, float] | None:
    """(min_lng, min_lat, max_lng, max_lat) of the scope's villages."""
    stored = stored_scope(conn, scope)
    if stored is not None:
        return None if stored.min_lng is None else (stored.min_lng, stored.min_lat, stored.max_lng, stored.max_lat)
    return computed_bounds(conn, scope)


def computed_bounds(conn: Connection, scope: Scope) -> tuple[float, float, float, float] | None:
    """scope_bounds from the villages' bounding boxes."""
    row = conn.execute(select(func.min(villages.c.min_lng), func.min(villages.c.min_lat),
                              func.max(villages.c.max_lng), func.max(villages.c.max_lat))
                       .where(villages.c.code.in_(villages_in(scope)))).one()
    return None if row[0] is None else tuple(float(v) for v in row)


def village_shapes(conn: Connection, scope: Scope) -> dict[str, list[list[list[list[float]]]]]:
    """Each village's polygons as lists of rings of [lng, lat], simplified for the scope's extent."""
    stored = stored_scope(conn, scope)
    if stored is not None and stored.villages_stored:
        return stored_rings(conn, stored.scope_code, "village")
    return computed_village_shapes(conn, scope)


def computed_village_shapes(conn: Connection, scope: Scope) -> dict[str, list[list[list[list[float]]]]]:
    """village_shapes from the polygons."""
    bounds = computed_bounds(conn, scope)
    if bounds is None:
        return {}
    tolerance = tolerance_for(bounds)
    rows = conn.execute(select(villages.c.code, villages.c.geometry)
                        .where(villages.c.code.in_(villages_in(scope)), villages.c.geometry.is_not(None))).all()
    if not rows:
        return {}
    # Parse and simplify every village at once in GEOS; only the coordinate lists are built in Python.
    parsed = shapely.from_geojson([geometry for _, geometry in rows])
    simplified = village_outlines(parsed, np.full(len(rows), tolerance))
    return {code: polygon_rings(geometry) for (code, _), geometry in zip(rows, simplified)}


def village_outlines(geometries: np.ndarray, tolerances: np.ndarray) -> np.ndarray:
    """Villages drawn for maps of these tolerances: simplified, keeping every ring valid and apart."""
    return shapely.simplify(geometries, tolerances, preserve_topology=True)


def polygon_rings(geometry) -> list[list[list[list[float]]]]:
    """A (multi)polygon as lists of rings of [lng, lat], rounded to about a metre."""
    parts = shapely.get_parts(geometry)
    return [[np.round(shapely.get_coordinates(ring), DECIMALS).tolist()
             for ring in (polygon.exterior, *polygon.interiors)]
            for polygon in parts if polygon.geom_type == "Polygon" and not polygon.is_empty]


def rings_json(geometries: np.ndarray) -> list[str]:
    """polygon_rings of each geometry as JSON text, written by GEOS for all of them at once.

    A non-empty Polygon's or MultiPolygon's GeoJSON coordinates are exactly those rings once rounded;
    anything else (an empty or mixed geometry) goes through polygon_rings.
    """
    rounded = shapely.transform(geometries, lambda coordinates: np.round(coordinates, DECIMALS))
    texts = shapely.to_geojson(rounded)
    kinds = shapely.get_type_id(rounded)
    parts, owner = shapely.get_parts(rounded, return_index=True)
    empty_parts = np.bincount(owner[shapely.is_empty(parts)], minlength=len(rounded))
    polygonal = np.isin(kinds, (POLYGON, MULTIPOLYGON)) & ~shapely.is_empty(rounded) & (empty_parts == 0)
    found = []
    for text, kind, simple, geometry in zip(texts, kinds, polygonal, rounded):
        if not simple:
            found.append(json.dumps(polygon_rings(geometry)))
            continue
        coordinates = text[text.index(COORDINATES) + len(COORDINATES):-1]
        found.append(f"[{coordinates}]" if kind == POLYGON else coordinates)
    return found


def village_count(conn: Connection, scope: Scope) -> int:
    """How many villages the scope holds (whether a map of them is drawn at all)."""
    return conn.execute(select(func.count()).select_from(villages_in(scope).subquery())).scalar_one()


def village_map_frame(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per village of the scope: coverage measures, Polsek, officers on the last day, and its shapes."""
    frame = village_rows(conn, scope)
    return with_shapes(frame, village_shapes(conn, scope) if len(frame) <= MAX_MAP_VILLAGES else {})


def village_rows(conn: Connection, scope: Scope, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """village_map_frame without the shapes: the part that changes with the window, cached apart from them."""
    frame = (village_coverage(conn, scope) if coverage is None else coverage).copy()
    polsek = dict(conn.execute(select(units.c.code, units.c.name).where(*within(units.c.code, scope))).all())
    frame["polsek"] = frame["unit_code"].map(polsek)
    return frame.merge(village_officers(conn, scope, scope.end), on="village_code", how="left")


NO_SHAPES = ()  # a village without an outline: nothing to draw (read only, so one object serves every row)


def with_shapes(frame: pd.DataFrame, shapes: Mapping[str, list]) -> pd.DataFrame:
    """The frame with a `shapes` column: each village's polygons (none: NO_SHAPES)."""
    # tolist: iterating an Arrow string column value by value cost more than the lookups. One shared empty tuple:
    # 80,000 new empty lists (a national map, drawn without outlines) set off garbage collections over the app's
    # cached frames, 94 of the cached map's 108 ms.
    return frame.assign(shapes=[shapes.get(code, NO_SHAPES) for code in frame["village_code"].tolist()])


def unit_shapes(conn: Connection, scope: Scope, level: str) -> dict[str, list]:
    """Each unit of `level` in the scope as the union of its villages, simplified for the scope's extent."""
    stored = stored_scope(conn, scope)
    if stored is not None and level in levels_below(stored_level(conn, stored.scope_code)):
        return stored_rings(conn, stored.scope_code, level)
    return computed_unit_shapes(conn, scope, level)


def stored_level(conn: Connection, scope_code: str) -> str | None:
    """The level of a stored scope's unit (None for the whole database)."""
    if scope_code == ROOT_SCOPE:
        return None
    return conn.execute(select(units.c.level).where(units.c.code == scope_code)).scalar_one()


def computed_unit_shapes(conn: Connection, scope: Scope, level: str) -> dict[str, list]:
    """unit_shapes from the polygons, united level by level as the import unites them (unite_upwards)."""
    bounds = computed_bounds(conn, scope)
    if bounds is None:
        return {}
    tolerance = tolerance_for(bounds)
    unit_of = dict(conn.execute(polsek_parents(scope, level)).all())
    rows = [(polsek, geometry) for polsek, geometry in conn.execute(
        select(villages.c.unit_code, villages.c.geometry)
        .where(villages.c.code.in_(villages_in(scope)), villages.c.geometry.is_not(None))
        .order_by(villages.c.code)) if polsek in unit_of]
    if not rows:
        return {}
    unions = unite_upwards([polsek for polsek, _ in rows], shapely.from_geojson([g for _, g in rows]),
                           parents_below(conn, scope, level))
    wanted = sorted(set(unit_of.values()) & set(unions))
    merged = unit_outlines(np.array([unions[code] for code in wanted]), np.full(len(wanted), tolerance))
    return {code: polygon_rings(geometry) for code, geometry in zip(wanted, merged)}


def unit_outlines(unions: np.ndarray, tolerances: np.ndarray) -> np.ndarray:
    """Units' unions drawn for maps of these tolerances: holes thinner than that left out, the rest simplified."""
    return shapely.simplify(without_thin_holes(unions, tolerances), tolerances, preserve_topology=True)


def without_thin_holes(geometries: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Each (multi)polygon without the holes narrower than its width (twice the area over the perimeter).

    Borders of neighbouring villages rarely match exactly: their unions are riddled with sliver holes,
    which no map pixel shows but which outnumbered a unit's real vertices and made simplifying slow.
    """
    found = geometries.copy()
    solid = ~shapely.is_empty(geometries)
    parts, owner = shapely.get_parts(geometries[solid], return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    exterior = np.r_[True, part[1:] != part[:-1]]  # each polygon's rings start with its exterior
    width = 2 * shapely.area(shapely.polygons(rings)) / np.maximum(shapely.length(rings), np.finfo(float).tiny)
    kept = exterior | (width >= widths[solid][owner][part])
    polygons = shapely.polygons(rings[kept], indices=part[kept])
    found[solid] = shapely.multipolygons(polygons, indices=owner)
    return found


def parents_below(conn: Connection, scope: Scope, level: str) -> dict[str, str]:
    """Each unit's parent, for the units between the scope's Polsek and their unit at `level` (that one excluded)."""
    polseks = polsek_parents(scope, level).subquery()
    rows = conn.execute(select(units.c.code, units.c.parent_code, units.c.level).distinct()
                        .join(unit_tree, unit_tree.c.ancestor_code == units.c.code)
                        .where(unit_tree.c.unit_code.in_(select(polseks.c.polsek_code))))
    return {code: parent for code, parent, unit_level in rows
            if parent is not None and LEVEL_ORDER[unit_level] > LEVEL_ORDER[level]}


def valid_polygons(geometries: np.ndarray) -> np.ndarray:
    """Polygons repaired to their valid polygonal part: their unions are then valid without a buffer(0)."""
    return shapely.make_valid(geometries, method="structure", keep_collapsed=False)


def unite_upwards(polsek_of: Sequence[str], geometries: np.ndarray, parents: Mapping[str, str]) -> dict:
    """Each Polsek as the union of its villages, and each unit above as the union of its children's unions.

    Villages are united in the given order and children in code order, so the import and a page get the
    same geometry. `parents` holds the steps to climb: a unit without one is not united further. Uniting
    a level from the one below, not every unit from all its villages, draws the nation in seconds.
    """
    members: dict[str, list[int]] = defaultdict(list)
    for index, polsek in enumerate(polsek_of):
        members[polsek].append(index)
    valid = valid_polygons(geometries)
    # A Polsek's villages nearly all touch: grouping them first would cost more than it saves.
    level = thinned({polsek: shapely.union_all(valid[indexes]) for polsek, indexes in members.items()})
    unions = dict(level)
    while level:
        children: dict[str, list] = defaultdict(list)
        for code in sorted(level):
            if code in parents:
                children[parents[code]].append(level[code])
        # Overlaid only among children that touch: GEOS overlays a whole collection whose envelopes
        # overlap, which for Polres apart by a thin gap costs a union of every vertex of the Polda.
        level = thinned({parent: shapely.disjoint_subset_union_all(parts) for parent, parts in children.items()})
        unions.update(level)
    return unions


def thinned(unions: dict) -> dict:
    """Unions without the holes thinner than a pixel of their own extent's map.

    A unit is drawn only on maps of a scope above it, never finer than its own extent, so no map shows
    these holes; the gaps between villages' borders they are made most of the vertices the next level unites.
    """
    if not unions:
        return {}
    geometries = np.array(list(unions.values()))
    bounds = shapely.bounds(geometries)
    widths = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / DETAIL
    return dict(zip(unions, without_thin_holes(geometries, widths)))
