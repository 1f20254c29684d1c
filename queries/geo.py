"""Village shapes for maps: simplified to the scale of the scope, so a whole Polda stays light."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, func, select

from queries.coverage import village_coverage
from queries.officers import village_officers
from queries.schema import units, villages
from queries.scope import Scope, polsek_parents, villages_in, within

DETAIL = 1500  # the scope's extent divided by this is the simplification tolerance (about a pixel)
DECIMALS = 5  # coordinates rounded to about a metre
# Above this many villages (a Polda has about 5,000) a village map would send tens of megabytes;
# the map asks for a smaller scope instead and no outline is computed.
MAX_MAP_VILLAGES = 6000


def scope_bounds(conn: Connection, scope: Scope) -> tuple[float, float, float, float] | None:
    """(min_lng, min_lat, max_lng, max_lat) of the scope's villages."""
    row = conn.execute(select(func.min(villages.c.min_lng), func.min(villages.c.min_lat),
                              func.max(villages.c.max_lng), func.max(villages.c.max_lat))
                       .where(villages.c.code.in_(villages_in(scope)))).one()
    return None if row[0] is None else tuple(float(v) for v in row)


def village_shapes(conn: Connection, scope: Scope) -> dict[str, list[list[list[list[float]]]]]:
    """Each village's polygons as lists of rings of [lng, lat], simplified for the scope's extent."""
    bounds = scope_bounds(conn, scope)
    if bounds is None:
        return {}
    tolerance = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / DETAIL
    rows = conn.execute(select(villages.c.code, villages.c.geometry)
                        .where(villages.c.code.in_(villages_in(scope)), villages.c.geometry.is_not(None))).all()
    if not rows:
        return {}
    # Parse and simplify every village at once in GEOS; only the coordinate lists are built in Python.
    simplified = shapely.simplify(shapely.from_geojson([geometry for _, geometry in rows]), tolerance,
                                  preserve_topology=True)
    return {code: polygon_rings(geometry) for (code, _), geometry in zip(rows, simplified)}


def polygon_rings(geometry) -> list[list[list[list[float]]]]:
    """A (multi)polygon as lists of rings of [lng, lat], rounded to about a metre."""
    parts = shapely.get_parts(geometry)
    return [[np.round(shapely.get_coordinates(ring), DECIMALS).tolist()
             for ring in (polygon.exterior, *polygon.interiors)]
            for polygon in parts if polygon.geom_type == "Polygon" and not polygon.is_empty]


def village_map_frame(conn: Connection, scope: Scope, coverage: pd.DataFrame | None = None,
                      shapes: dict | None = None) -> pd.DataFrame:
    """Per village of the scope: coverage measures, Polsek, officers on the last day, and its shapes.

    `coverage` (village_coverage) and `shapes` (village_shapes) when the caller already has them.
    """
    frame = (village_coverage(conn, scope) if coverage is None else coverage).copy()
    polsek = dict(conn.execute(select(units.c.code, units.c.name).where(*within(units.c.code, scope))).all())
    frame["polsek"] = frame["unit_code"].map(polsek)
    frame = frame.merge(village_officers(conn, scope, scope.end), on="village_code", how="left")
    if shapes is None:
        shapes = village_shapes(conn, scope) if len(frame) <= MAX_MAP_VILLAGES else {}
    frame["shapes"] = [shapes.get(code, []) for code in frame["village_code"]]
    return frame


def unit_shapes(conn: Connection, scope: Scope, level: str) -> dict[str, list]:
    """Each unit of `level` in the scope as the union of its villages, simplified for the scope's extent."""
    bounds = scope_bounds(conn, scope)
    if bounds is None:
        return {}
    tolerance = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / DETAIL
    unit_of = dict(conn.execute(polsek_parents(scope, level)).all())
    rows = [(polsek, geometry) for polsek, geometry in conn.execute(
        select(villages.c.unit_code, villages.c.geometry)
        .where(villages.c.code.in_(villages_in(scope)), villages.c.geometry.is_not(None))) if polsek in unit_of]
    if not rows:
        return {}
    parts: dict[str, list] = {}
    for (polsek, _), geometry in zip(rows, shapely.make_valid(shapely.from_geojson([g for _, g in rows]))):
        parts.setdefault(unit_of[polsek], []).append(geometry)
    shapes = {}
    for unit_code, geometries in parts.items():
        merged = shapely.simplify(shapely.union_all(geometries).buffer(0), tolerance, preserve_topology=True)
        shapes[unit_code] = polygon_rings(merged)
    return shapes
