"""The national scope's cheaper paths give what the pages drew before: the GPS map's outlines."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest
import streamlit as st
from metric_world import END, O1, O2, O3, O4, O5, START, V1, V2, V3, V4, V5, write_world
from sqlalchemy import select
from test_app import default_scope

import queries.geo
from components import data
from ingest.importer import import_export
from queries.coverage import village_coverage
from queries.officers import village_officers
from queries.schema import officers
from queries.scope import Scope, subtree


@pytest.fixture
def sample_data(sample_sqlite_url, sample_engine, monkeypatch):
    monkeypatch.setenv("BOS_DATABASE_URL", sample_sqlite_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield sample_engine
    st.cache_data.clear()


@pytest.mark.parametrize("unit", [None, "PD-35", "PR-35.21"])
def test_the_gps_map_outlines_are_the_village_maps_without_its_coverage(sample_data, unit):
    scope = default_scope(sample_data, unit)
    drawn = [rings for shapes in data.village_map(scope).sort_values("village_code")["shapes"] for rings in shapes]
    assert data.map_outlines(scope) == drawn and len(drawn) > 0


def test_above_the_map_limit_no_outline_is_drawn(sample_data, monkeypatch):
    # The sample's 458 villages stand in for the country's 80,000 (as test_app's map test).
    monkeypatch.setattr(queries.geo, "MAX_MAP_VILLAGES", 400)
    scope = default_scope(sample_data)
    assert data.map_outlines(scope) == [] and (data.village_map(scope)["shapes"].str.len() == 0).all()
    assert len(data.map_outlines(Scope("PD-35", scope.start, scope.end))) > 0  # 217 villages: drawn


@pytest.mark.parametrize("limit", [6000, 400])
def test_the_complaint_map_draws_the_village_maps_places_without_its_coverage(sample_data, monkeypatch, limit):
    # Above the limit (the sample's 458 villages standing in for the country's 80,000) neither draws outlines.
    monkeypatch.setattr(queries.geo, "MAX_MAP_VILLAGES", limit)
    scope = default_scope(sample_data)
    columns = ["village_code", "name", "polsek", "lat", "lng", "shapes"]
    drawn = data.complaint_villages(scope)
    mapped = data.village_map(scope)
    pd.testing.assert_frame_equal(drawn.sort_values("village_code", ignore_index=True)[columns],
                                  mapped.sort_values("village_code", ignore_index=True)[columns])
    assert "coverage" not in drawn and "officers" not in drawn
    assert len(drawn) == 458 and (drawn["shapes"].str.len() > 0).all() == (limit > 458)


def test_the_cached_coverage_is_the_definition_for_a_window_its_previous_and_an_officer(sample_data):
    # The app reads a unit's villages once for every window and adds each window's numbers to them.
    scope = default_scope(sample_data, "PR-35.21")
    with sample_data.connect() as conn:
        nrp = conn.execute(select(officers.c.nrp).where(officers.c.unit_code.in_(subtree("PR-35.21")))
                           .order_by(officers.c.nrp).limit(1)).scalar_one()
        windows = [scope, scope.previous(), dataclasses.replace(scope, nrp=nrp)]
        expected = [village_coverage(conn, window) for window in windows]
    for window, frame in zip(windows, expected):
        pd.testing.assert_frame_equal(data.village_coverage(window), frame)
    assert expected[0]["dds_visits"].sum() > 0 and not expected[0].equals(expected[1])
    assert 0 < len(expected[2]) < len(expected[0])


@pytest.fixture
def world(engine, tmp_path):
    report = import_export(engine, write_world(tmp_path / "world"))
    assert report.ok, [str(p) for p in report.problems]
    return engine


def test_village_officers_by_hand_at_the_national_scope(world):
    # O2 covers V3 until Sun 10, O4 from Mon 11; O6 has no assignment; each village's names in name order.
    with world.connect() as conn:
        after = village_officers(conn, Scope(None, START, END), END)
        before = village_officers(conn, Scope("PD-35", START, END), date(2024, 3, 10))
        chosen = village_officers(conn, Scope(None, START, END), END, [V4, V3])  # only these, whatever their order
        none = village_officers(conn, Scope(None, START, END), END, [])
    assert dict(zip(after["village_code"], after["officers"])) == {
        V1: f"Agus ({O1})", V2: f"Agus ({O1})", V3: f"Dedi ({O4})", V4: f"Citra ({O3})", V5: f"Eko ({O5})"}
    assert dict(zip(before["village_code"], before["officers"])) == {
        V1: f"Agus ({O1})", V2: f"Agus ({O1})", V3: f"Budi ({O2})", V5: f"Eko ({O5})"}
    assert dict(zip(chosen["village_code"], chosen["officers"])) == {V3: f"Dedi ({O4})", V4: f"Citra ({O3})"}
    assert chosen.columns.tolist() == ["village_code", "officers"] and len(none) == 0
