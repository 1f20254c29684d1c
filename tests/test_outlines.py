"""Map outlines stored by the import: the same rings and bounds the polygons give, kept current by re-imports."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import func, select

import ingest.outlines
from builders import base_export, base_units, base_villages, square
from ingest.importer import import_export, refresh_all_outlines
from queries import geo
from queries.hierarchy import levels_below
from queries.schema import outline_scopes, outlines, units
from queries.scope import Scope

DAY = date(2024, 3, 1)
V1, V2, V3, V4 = "35.21.01.2001", "35.21.01.2002", "35.21.02.2003", "63.08.01.2004"
SCOPES = (None, "PD-35", "PR-35.21", "PS-A", "PS-B", "PD-63", "PR-63.08", "PS-C")


def imported(engine, directory, **files) -> None:
    report = import_export(engine, base_export(directory, **files), imported_by="test")
    assert report.ok, [str(problem) for problem in report.problems]


def corners(polygons: list) -> list[set[tuple[float, float]]]:
    """The distinct vertices of each polygon's rings, polygons sorted (ring start and direction aside)."""
    return sorted(({tuple(point) for ring in rings for point in ring} for rings in polygons), key=sorted)


def box(lng: float, lat: float, size: float = 0.01) -> set[tuple[float, float]]:
    """The corners of a square, rounded to 5 decimals as stored outlines are."""
    return {(round(x, 5), round(y, 5)) for x in (lng, lng + size) for y in (lat, lat + size)}


def read_without_computing(conn, scope: Scope, monkeypatch) -> tuple:
    """Bounds, village shapes and unit shapes of every level below the scope, failing if any is computed."""
    for name in ("computed_bounds", "computed_village_shapes", "computed_unit_shapes"):
        monkeypatch.setattr(geo, name, lambda *args, name=name: pytest.fail(f"{name} ran for {scope.unit_code}"))
    level = None if scope.unit_code is None else conn.execute(
        select(units.c.level).where(units.c.code == scope.unit_code)).scalar_one()
    found = (geo.scope_bounds(conn, scope), geo.village_shapes(conn, scope),
             {below: geo.unit_shapes(conn, scope, below) for below in levels_below(level)})
    monkeypatch.undo()
    return found


def computed(conn, scope: Scope) -> tuple:
    """What the pages computed from the polygons before outlines were stored."""
    level = None if scope.unit_code is None else conn.execute(
        select(units.c.level).where(units.c.code == scope.unit_code)).scalar_one()
    return (geo.computed_bounds(conn, scope), geo.computed_village_shapes(conn, scope),
            {below: geo.computed_unit_shapes(conn, scope, below) for below in levels_below(level)})


def assert_stored_as_computed(engine, monkeypatch, scopes=SCOPES) -> None:
    with engine.connect() as conn:
        for code in scopes:
            scope = Scope(code, DAY, DAY)
            assert read_without_computing(conn, scope, monkeypatch) == computed(conn, scope), code


def test_the_import_stores_every_scopes_outlines_as_the_polygons_give_them(engine, tmp_path, monkeypatch):
    imported(engine, tmp_path / "export")
    assert_stored_as_computed(engine, monkeypatch)
    with engine.connect() as conn:
        bounds, villages, unit_shapes = read_without_computing(conn, Scope("PR-35.21", DAY, DAY), monkeypatch)
        # V1 (110.00–110.01), V2 (110.02–110.03) and V3 (110.04–110.05), all from 7.00 to 6.99 south
        assert bounds == pytest.approx((110.0, -7.0, 110.05, -6.99))
        # A tolerance of 0.05° / 1500 keeps each 0.01° square as it is
        assert {code: corners(shapes) for code, shapes in villages.items()} == {
            V1: [box(110.0, -7.0)], V2: [box(110.02, -7.0)], V3: [box(110.04, -7.0)]}
        assert {code: corners(shapes) for code, shapes in unit_shapes["polsek"].items()} == {
            "PS-A": [box(110.0, -7.0), box(110.02, -7.0)], "PS-B": [box(110.04, -7.0)]}
        national = read_without_computing(conn, Scope(None, DAY, DAY), monkeypatch)
        assert national[0] == pytest.approx((110.0, -7.0, 115.21, -2.39))
        assert set(national[2]["polda"]) == {"PD-35", "PD-63"} and set(national[1]) == {V1, V2, V3, V4}
        stored = conn.execute(select(outline_scopes.c.scope_code, outline_scopes.c.tolerance)).all()
        assert dict(stored) == pytest.approx({"": 5.21 / 1500, "PD-35": 0.05 / 1500, "PR-35.21": 0.05 / 1500,
                                              "PS-A": 0.03 / 1500, "PS-B": 0.01 / 1500, "PD-63": 0.01 / 1500,
                                              "PR-63.08": 0.01 / 1500, "PS-C": 0.01 / 1500})
        # a village under each of its four scopes; a Polsek under the whole database, its Polda and Polres
        village_rows = conn.execute(select(func.count()).where(outlines.c.kind == "village")).scalar_one()
        unit_rows = conn.execute(select(func.count()).where(outlines.c.kind != "village")).scalar_one()
        assert (village_rows, unit_rows) == (4 * 4, 3 * 3 + 2 * 2 + 2)


def test_a_polygon_changed_by_a_reimport_is_redrawn_where_it_is_drawn(engine, tmp_path, monkeypatch):
    imported(engine, tmp_path / "first")
    with engine.connect() as conn:
        before = {code: read_without_computing(conn, Scope(code, DAY, DAY), monkeypatch) for code in SCOPES}
    villages = base_villages()
    # V2 becomes a triangle in the same box: no scope's extent moves, so only V2 and its units are redrawn
    villages[1]["geometry"] = {"type": "Polygon",
                               "coordinates": [[[110.02, -7.0], [110.03, -7.0], [110.03, -6.99], [110.02, -7.0]]]}
    imported(engine, tmp_path / "second", villages=villages)
    assert_stored_as_computed(engine, monkeypatch)
    with engine.connect() as conn:
        after = {code: read_without_computing(conn, Scope(code, DAY, DAY), monkeypatch) for code in SCOPES}
    triangle = [{(110.02, -7.0), (110.03, -7.0), (110.03, -6.99)}]
    for code in (None, "PD-35", "PR-35.21", "PS-A"):
        assert corners(after[code][1][V2]) == triangle
    assert corners(after["PR-35.21"][2]["polsek"]["PS-A"]) == [box(110.0, -7.0), triangle[0]]
    assert after["PS-B"] == before["PS-B"] and after["PD-63"] == before["PD-63"]

    # V1 grows north: the extents of PS-A and everything above it move, so those scopes are redrawn whole
    villages[0]["geometry"] = square(110.0, -7.0, 0.015)
    imported(engine, tmp_path / "third", villages=villages)
    assert_stored_as_computed(engine, monkeypatch)
    with engine.connect() as conn:
        assert geo.scope_bounds(conn, Scope("PD-35", DAY, DAY)) == pytest.approx((110.0, -7.0, 110.05, -6.985))
        assert corners(geo.village_shapes(conn, Scope("PS-A", DAY, DAY))[V1]) == [box(110.0, -7.0, 0.015)]


def test_a_village_moved_to_another_polsek_moves_with_its_outline(engine, tmp_path, monkeypatch):
    imported(engine, tmp_path / "first")
    villages = base_villages()
    villages[1]["unit_code"] = "PS-B"  # V2 leaves Polsek A for Polsek B
    imported(engine, tmp_path / "second", villages=villages)
    assert_stored_as_computed(engine, monkeypatch)
    with engine.connect() as conn:
        scope = Scope("PR-35.21", DAY, DAY)
        shapes = {code: corners(rings) for code, rings in geo.unit_shapes(conn, scope, "polsek").items()}
        assert shapes == {"PS-A": [box(110.0, -7.0)], "PS-B": [box(110.02, -7.0), box(110.04, -7.0)]}
        assert set(geo.village_shapes(conn, Scope("PS-A", DAY, DAY))) == {V1}
        assert set(geo.village_shapes(conn, Scope("PS-B", DAY, DAY))) == {V2, V3}
        assert geo.scope_bounds(conn, Scope("PS-A", DAY, DAY)) == pytest.approx((110.0, -7.0, 110.01, -6.99))


def test_a_polsek_moved_to_another_polres_redraws_the_tree(engine, tmp_path, monkeypatch):
    imported(engine, tmp_path / "first")
    moved = [*base_units(), {"code": "PR-35.22", "name": "Polres Baru", "level": "polres", "parent_code": "PD-35"}]
    next(unit for unit in moved if unit["code"] == "PS-B")["parent_code"] = "PR-35.22"
    imported(engine, tmp_path / "second", units=moved)
    assert_stored_as_computed(engine, monkeypatch, (*SCOPES, "PR-35.22"))
    with engine.connect() as conn:
        polres = geo.unit_shapes(conn, Scope("PD-35", DAY, DAY), "polres")
        assert {code: corners(rings) for code, rings in polres.items()} == {
            "PR-35.21": [box(110.0, -7.0), box(110.02, -7.0)], "PR-35.22": [box(110.04, -7.0)]}


def test_a_database_without_stored_outlines_computes_them_and_init_db_stores_them(engine, tmp_path, monkeypatch):
    imported(engine, tmp_path / "export")
    with engine.connect() as conn:
        stored = {code: computed(conn, Scope(code, DAY, DAY)) for code in SCOPES}
    with engine.begin() as conn:  # as a database upgraded from before the outline tables
        conn.execute(outlines.delete())
        conn.execute(outline_scopes.delete())
    with engine.connect() as conn:
        for code in SCOPES:
            scope = Scope(code, DAY, DAY)
            found = (geo.scope_bounds(conn, scope), geo.village_shapes(conn, scope),
                     {level: geo.unit_shapes(conn, scope, level) for level in stored[code][2]})
            assert found == stored[code]
    assert refresh_all_outlines(engine, only_if_missing=True) == len(SCOPES)
    assert refresh_all_outlines(engine, only_if_missing=True) == 0  # already there: nothing redrawn
    assert_stored_as_computed(engine, monkeypatch)


def test_a_scope_with_more_villages_than_a_map_draws_stores_none_of_them(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest.outlines, "MAX_MAP_VILLAGES", 2)
    imported(engine, tmp_path / "export")
    with engine.connect() as conn:
        stored = dict(conn.execute(select(outline_scopes.c.scope_code, outline_scopes.c.villages_stored)).all())
        assert stored == {"": False, "PD-35": False, "PR-35.21": False, "PS-A": True, "PS-B": True, "PD-63": True,
                          "PR-63.08": True, "PS-C": True}
        scope = Scope("PR-35.21", DAY, DAY)
        assert geo.village_shapes(conn, scope) == geo.computed_village_shapes(conn, scope)  # computed, as before
        assert set(geo.village_shapes(conn, scope)) == {V1, V2, V3}


def test_a_boundary_or_an_officer_reads_the_scope_that_draws_the_same_villages(engine, tmp_path):
    imported(engine, tmp_path / "export")
    with engine.connect() as conn:
        assert geo.outline_scope_code(conn, Scope("PS-A", DAY, DAY, boundary="PD-35")) == "PS-A"
        assert geo.outline_scope_code(conn, Scope(None, DAY, DAY, boundary="PR-35.21")) == "PR-35.21"
        assert geo.outline_scope_code(conn, Scope("PD-35", DAY, DAY, boundary="PS-B")) == "PS-B"
        assert geo.outline_scope_code(conn, Scope("PS-A", DAY, DAY, boundary="PS-A")) == "PS-A"
        assert geo.outline_scope_code(conn, Scope("PD-63", DAY, DAY, boundary="PR-35.21")) is None
        assert geo.outline_scope_code(conn, Scope("PS-A", DAY, DAY, nrp="80010001")) is None
        outside = Scope("PD-63", DAY, DAY, boundary="PR-35.21")  # nothing of Polda 63 lies inside Polres 35.21
        assert geo.scope_bounds(conn, outside) is None and geo.village_shapes(conn, outside) == {}
        assert geo.unit_shapes(conn, outside, "polsek") == {}


def test_sample_outlines_are_stored_as_computed(sample_engine, sample_postgres_engine, monkeypatch):
    for engine in (sample_engine, sample_postgres_engine):
        with engine.connect() as conn:
            codes = [None, *conn.execute(select(units.c.code).order_by(units.c.code)).scalars()]
        assert_stored_as_computed(engine, monkeypatch, codes)


@pytest.mark.parametrize("geometry", [
    shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.2)]]),
    shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2.123456789, 0, 3, 1)]),
    shapely.Polygon(),
    shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (5, 5)])]),
])
def test_rings_written_by_geos_are_the_rings_of_the_polygon(geometry):
    assert [json.loads(text) for text in geo.rings_json(np.array([geometry]))] == [geo.polygon_rings(geometry)]


def test_units_are_united_level_by_level_and_groups_apart_only_gathered():
    # Polsek A: two squares sharing an edge; Polsek B: one square far east; both under Polres R, under Polda D
    villages = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 0, 6, 1)])
    unions = geo.unite_upwards(["PS-A", "PS-A", "PS-B"], villages, {"PS-A": "PR-R", "PS-B": "PR-R", "PR-R": "PD-D"})
    assert set(unions) == {"PS-A", "PS-B", "PR-R", "PD-D"}
    assert unions["PS-A"].equals(shapely.box(0, 0, 2, 1)) and unions["PR-R"].area == 3.0
    assert unions["PR-R"].equals(shapely.union_all(villages)) and unions["PD-D"].equals(unions["PR-R"])
    assert all(shapely.is_valid(union) for union in unions.values())


def test_holes_thinner_than_a_pixel_are_left_out_of_unit_outlines():
    # a 10 x 10 square with a sliver hole 4 long and 0.05 wide (width 2 × 0.2 / 8.1) and a 2 x 2 hole (width 1)
    sliver, square_hole = [(1, 1), (1, 1.05), (5, 1.05), (5, 1)], [(6, 6), (6, 8), (8, 8), (8, 6)]
    unit = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [sliver, square_hole])
    found = geo.without_thin_holes(np.array([unit, shapely.Polygon(), unit]), np.array([0.1, 0.1, 1.5]))
    assert found[0].equals(shapely.Polygon(unit.exterior, [square_hole])) and found[0].area == 96.0
    assert found[1].is_empty and found[2].equals(shapely.Polygon(unit.exterior)) and found[2].area == 100.0
    # a unit's own union keeps no hole thinner than a pixel of its extent: 10 / 1500 here
    # (two villages whose borders leave a gap 8 long and 0.001 wide between them)
    notched = shapely.box(0, 5, 10, 10).difference(shapely.box(1, 5, 9, 5.001))
    union = geo.unite_upwards(["PS-A"] * 2, np.array([shapely.box(0, 0, 10, 5), notched]), {})["PS-A"]
    assert union.equals(shapely.box(0, 0, 10, 10)) and len(shapely.get_parts(union)[0].interiors) == 0


def test_village_officers_join_each_villages_officers_by_name(engine, tmp_path):
    from queries.officers import village_officers

    # V1: Budi and Agus (listed by name); V2: Agus until 29 Feb (ended the day before); V3: Citra; V4: none.
    rows = [("80010002", V1, "2024-01-01", ""), ("80010001", V1, "2024-01-01", ""),
            ("80010001", V2, "2024-01-01", "2024-02-29"), ("80010003", V3, "2024-02-01", "")]
    imported(engine, tmp_path, assignments=[{"nrp": nrp, "village_code": code, "start_date": start, "end_date": end}
                                            for nrp, code, start, end in rows])
    with engine.connect() as conn:
        found = village_officers(conn, Scope(None, DAY, DAY), DAY)
        assert found.to_dict("records") == [
            {"village_code": V1, "officers": "Agus (80010001); Budi (80010002)"},
            {"village_code": V3, "officers": "Citra (80010003)"}]
        assert village_officers(conn, Scope("PD-63", DAY, DAY), DAY).to_dict("records") == []


def test_the_dashboards_village_map_is_the_frame_and_shares_one_outline_entry(sample_sqlite_url, sample_postgres_url,
                                                                               monkeypatch):
    import dataclasses

    import streamlit as st

    from components import data
    from queries.db import make_engine
    from queries.overview import activity_date_range

    for url in (sample_sqlite_url, sample_postgres_url):
        monkeypatch.setenv("BOS_DATABASE_URL", url)
        st.cache_data.clear()
        st.cache_resource.clear()
        engine = make_engine(url)
        with engine.connect() as conn:
            _, last = activity_date_range(conn)
            scope = Scope("PD-35", last - timedelta(days=29), last)
            expected = geo.village_map_frame(conn, scope)
        engine.dispose()
        found = data.village_map(scope)
        pd.testing.assert_frame_equal(found, expected)
        assert len(found) == 217 and found["shapes"].map(len).gt(0).all()
        # Another window reads no outline again: the very same lists (a resource, never a pickled copy).
        earlier = data.village_map(dataclasses.replace(scope, start=scope.start - timedelta(days=7)))
        assert all(a is b for a, b in zip(earlier["shapes"], found["shapes"]))
    st.cache_data.clear()
    st.cache_resource.clear()
