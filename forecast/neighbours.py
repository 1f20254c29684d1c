"""Which villages are neighbours: shared polygon borders (queen contiguity), else the nearest by location."""

from __future__ import annotations

import warnings

import geopandas
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import KNN, WSP, W, fuzzy_contiguity
from scipy import sparse

# Digitised village boundaries leave slivers and gaps between neighbours; borders closer than
# this (degrees, about 50 m at the equator) count as shared.
BORDER_TOLERANCE_DEG = 0.0005
# Villages without a polygon, and polygons that touch no other (islands, or a gap wider than the
# tolerance), take this many nearest villages instead: about the number of borders a village has.
NEAREST = 5


def village_weights(places: pd.DataFrame) -> W:
    """Binary neighbour weights (no self-weights) over the villages of `places` that have a location.

    `places` has village_code, geometry (GeoJSON text or None), lat and lng. Polygons sharing a
    border or a corner are neighbours; a village without polygon, or whose polygon touches no other,
    is joined to its NEAREST nearest villages (both ways, so the weights stay symmetric). Villages
    with neither polygon nor lat/lng cannot be placed and are left out: the W's ids say which remain.
    """
    located = located_villages(places)
    codes = located["village_code"].tolist()
    if len(codes) < 2:
        return W({code: [] for code in codes}, silence_warnings=True)
    adjacency = polygon_adjacency(located["shape"])
    lonely = np.asarray(adjacency.sum(axis=1)).ravel() == 0
    adjacency = adjacency + nearest_links(located, lonely)
    adjacency = ((adjacency + adjacency.T) > 0).astype("float64")
    return WSP(sparse.csr_matrix(adjacency), id_order=codes).to_W(silence_warnings=True)


def located_villages(places: pd.DataFrame) -> pd.DataFrame:
    """The villages with a polygon or a lat/lng, with their shape (or None) and a point for nearness."""
    frame = places.reset_index(drop=True).copy()
    texts = np.array([text if isinstance(text, str) else None for text in frame["geometry"]], dtype=object)
    # A broken geometry is data, not a reason to crash: the village falls back to its lat/lng.
    shapes = shapely.make_valid(shapely.from_geojson(texts, on_invalid="ignore"))
    frame["shape"] = [s if s is not None and not s.is_empty else None for s in shapes]
    inside = [s.representative_point() if s is not None else None for s in frame["shape"]]
    frame["x"] = frame["lng"].astype("float64").fillna(pd.Series([p.x if p else np.nan for p in inside]))
    frame["y"] = frame["lat"].astype("float64").fillna(pd.Series([p.y if p else np.nan for p in inside]))
    return frame[frame["x"].notna() & frame["y"].notna()].reset_index(drop=True)


def polygon_adjacency(shapes: pd.Series) -> sparse.csr_matrix:
    """Queen contiguity (a shared border or corner, within the tolerance) between the villages' polygons."""
    size = len(shapes)
    has_shape = shapes.notna().to_numpy()
    positions = np.flatnonzero(has_shape)
    if len(positions) < 2:
        return sparse.csr_matrix((size, size))
    frame = geopandas.GeoDataFrame(geometry=geopandas.GeoSeries(shapes[has_shape].tolist()))
    with warnings.catch_warnings():
        # libpysal 4.14 drops a column in place, which pandas 3.1 deprecates; the result is unaffected.
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        polygons = fuzzy_contiguity(frame, buffering=True, buffer=BORDER_TOLERANCE_DEG,
                                    silence_warnings=True).sparse
    rows, cols = polygons.nonzero()
    return sparse.csr_matrix((np.ones(len(rows)), (positions[rows], positions[cols])), shape=(size, size))


def nearest_links(located: pd.DataFrame, lonely: np.ndarray) -> sparse.csr_matrix:
    """Links from each lonely village (no polygon neighbour) to its NEAREST nearest villages."""
    size = len(located)
    # Degrees of longitude shrink away from the equator; scale them so distances compare fairly.
    scale = np.cos(np.radians(located["y"].mean()))
    points = np.column_stack([located["x"] * scale, located["y"]])
    nearest = KNN.from_array(points, k=min(NEAREST, size - 1), silence_warnings=True).sparse.tocsr()
    keep = sparse.diags(lonely.astype("float64"))
    return sparse.csr_matrix(keep @ nearest)


def adjacency(frame: pd.DataFrame) -> sparse.csr_matrix:
    """Row-normalised neighbour weights in the frame's row order (a spatial lag averages the neighbours).

    The same neighbours as village_weights; a village that cannot be placed gets a zero row.
    """
    size = len(frame)
    weights = village_weights(frame[["geometry", "lat", "lng"]].assign(village_code=np.arange(size)))
    if weights.n == 0:
        return sparse.csr_matrix((size, size))
    positions = np.asarray(weights.id_order, dtype=int)
    inner = weights.sparse.tocoo()
    binary = sparse.csr_matrix((np.ones(inner.nnz), (positions[inner.row], positions[inner.col])), shape=(size, size))
    degree = np.asarray(binary.sum(axis=1)).ravel()
    return sparse.csr_matrix(sparse.diags(np.divide(1.0, degree, out=np.zeros(size), where=degree > 0)) @ binary)


def areas(frame: pd.DataFrame) -> np.ndarray:
    """Approximate areas (degrees² scaled by cos(latitude)) in the frame's row order, for the PAI's area shares.

    Villages without a polygon get the median area of those with one; with no polygon at all every village
    counts as the same area (the PAI then compares crime share with village share).
    """
    shapes = located_villages(frame.assign(village_code=np.arange(len(frame)), lat=np.nan, lng=np.nan))
    size = np.full(len(frame), np.nan)
    if shapes.empty:
        return np.ones(len(frame))
    geometries = shapes["shape"].to_numpy(dtype=object)
    size[shapes["village_code"].to_numpy(dtype=int)] = (shapely.area(geometries)
                                                         * np.cos(np.radians(shapes["y"].to_numpy())))
    return np.where(np.isnan(size), np.nanmedian(size), size)
