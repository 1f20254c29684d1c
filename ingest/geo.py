"""Distances for the GPS flags: point to village polygon (metres) and report to report (km)."""

from __future__ import annotations

import json
import math

import numpy as np
import shapely
from shapely.geometry import shape

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def project_local(lng, lat, lng0: float, lat0: float):
    """Equirectangular projection in metres around (lng0, lat0); exact enough within a village."""
    scale = math.radians(1) * EARTH_RADIUS_M
    x = (np.asarray(lng, dtype=float) - lng0) * scale * math.cos(math.radians(lat0))
    y = (np.asarray(lat, dtype=float) - lat0) * scale
    return x, y


def projected_polygon(geometry_json: str) -> tuple[shapely.Geometry, float, float]:
    """The polygon in metres around its centroid, and that centroid (lng, lat): parsed once, measured often."""
    polygon = shapely.make_valid(shape(json.loads(geometry_json)))
    centre = polygon.centroid
    projected = shapely.transform(
        polygon, lambda coords: np.column_stack(project_local(coords[:, 0], coords[:, 1], centre.x, centre.y))
    )
    shapely.prepare(projected)
    return projected, centre.x, centre.y


def distances_to_projected_m(polygon: tuple[shapely.Geometry, float, float], lats, lngs) -> np.ndarray:
    """Metres from each point to a polygon from projected_polygon (0 inside)."""
    projected, lng0, lat0 = polygon
    x, y = project_local(lngs, lats, lng0, lat0)
    return shapely.distance(projected, shapely.points(x, y))


def distances_to_polygon_m(geometry_json: str, lats, lngs) -> np.ndarray:
    """Metres from each point to the polygon (0 inside), in a projection centred on the polygon."""
    return distances_to_projected_m(projected_polygon(geometry_json), lats, lngs)


def haversine_km(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Great-circle distance in kilometres between arrays of points."""
    lat1, lng1, lat2, lng2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lng1, lat2, lng2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M / 1000 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
