"""Village neighbours (polygon adjacency) and areas, from the villages' GeoJSON polygons.

A small version for the model; the hotspots branch owns the shared one (libpysal), the integrator unifies them.
Queen contiguity: polygons that touch or overlap, found with shapely's STRtree. A village without a polygon
gets its K_NEAREST nearest villages by lat/lng, so it still has a neighbourhood.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

K_NEAREST = 5


def polygons(frame: pd.DataFrame) -> np.ndarray:
    """Shapely geometries per village (None where there is no polygon or it cannot be read)."""
    shapes = []
    for text in frame["geometry"]:
        try:
            shapes.append(shapely.from_geojson(text) if isinstance(text, str) and text else None)
        except (shapely.errors.GEOSException, ValueError):  # field data: a broken polygon is just no polygon
            shapes.append(None)
    return np.array(shapes, dtype=object)


def areas(frame: pd.DataFrame) -> np.ndarray:
    """Approximate areas (degrees² scaled by cos(latitude)), for the PAI's area shares.

    Villages without a polygon get the median area of those with one; with no polygon at all every village
    counts as the same area (the PAI then compares crime share with village share).
    """
    shapes = polygons(frame)
    known = np.array([shape is not None and not shape.is_empty for shape in shapes])
    if not known.any():
        return np.ones(len(frame))
    size = np.full(len(frame), np.nan)
    centroids = shapely.centroid(shapes[known])
    size[known] = shapely.area(shapes[known]) * np.cos(np.radians(shapely.get_y(centroids)))
    return np.where(np.isnan(size), np.nanmedian(size[known]), size)


def adjacency(frame: pd.DataFrame) -> sparse.csr_matrix:
    """Row-normalised neighbour weights (each row averages the village's neighbours; no neighbour: a zero row)."""
    n = len(frame)
    shapes = polygons(frame)
    known = np.flatnonzero([shape is not None and not shape.is_empty for shape in shapes])
    tree = shapely.STRtree(shapes[known])
    left, right = tree.query(shapes[known], predicate="intersects")
    pairs = [(known[left], known[right])]
    pairs.append(nearest_pairs(frame, np.setdiff1d(np.arange(n), known)))
    rows = np.concatenate([p[0] for p in pairs])
    cols = np.concatenate([p[1] for p in pairs])
    keep = rows != cols
    weights = sparse.csr_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])), shape=(n, n))
    weights.data[:] = 1.0  # a pair found twice is still one neighbour
    degree = np.asarray(weights.sum(axis=1)).ravel()
    return sparse.diags(np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)) @ weights


def nearest_pairs(frame: pd.DataFrame, lonely: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(village, neighbour) pairs: the K_NEAREST villages by lat/lng of each village in `lonely` that has a point."""
    located = np.flatnonzero(frame["lat"].notna().to_numpy() & frame["lng"].notna().to_numpy())
    lonely = np.intersect1d(lonely, located)
    if len(lonely) == 0 or len(located) < 2:
        return np.array([], dtype=int), np.array([], dtype=int)
    points = frame[["lat", "lng"]].to_numpy(dtype="float64")
    k = min(K_NEAREST + 1, len(located))  # +1: the village itself comes back first
    _, found = cKDTree(points[located]).query(points[lonely], k=k)
    return np.repeat(lonely, k), located[np.asarray(found).reshape(len(lonely), k)].ravel()
