"""Every map has a legend naming what its colours mean, and opens on the units it is about."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from test_app import new_app, open_quality_tab

from queries.policy import Policy


@pytest.fixture(autouse=True)
def indonesian(monkeypatch):
    monkeypatch.setattr("components.i18n.language", lambda: "id")


def square(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> list[list[list[float]]]:
    """One polygon (a list of rings) covering the box."""
    return [[[min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat]]]


def layer_data(deck, layer_id: str) -> list[dict]:
    return next(layer.data for layer in deck.layers if layer.id == layer_id)


def test_the_comparison_map_fits_the_chosen_units_and_explains_its_colours():
    from components.comparison_view import choropleth_deck

    # A and B are compared; C, far away in another province, is drawn but must not shrink them to specks.
    units = pd.DataFrame({"unit_code": ["A", "B", "C"], "name": ["Polres A", "Polres B", "Polres C"],
                          "reporting_rate": [0.5, 1.0, 0.9], "expected_days": [100, 100, 10]})
    shapes = {"A": [square(110.0, -7.4, 110.2, -7.2)], "B": [square(110.2, -7.3, 110.3, -7.2)],
              "C": [square(115.0, -3.0, 116.0, -2.0)]}
    deck, legend = choropleth_deck(units, shapes, "reporting_rate", ["A", "B"])
    view = deck.initial_view_state
    # Bounds of A and B: 110.0–110.3 east, 7.4–7.2 south; the map is 700 × 420 px and deck.gl draws the world
    # 512 px wide at zoom 0, so the 0.2° of latitude limit the zoom: log2(420 · 360 / (512 · 0.2)) − 0.2 ≈ 10.33.
    assert (view.longitude, view.latitude) == pytest.approx((110.15, -7.3))
    assert view.zoom == pytest.approx(math.log2(420 * 360 / (512 * 0.2)) - 0.2) and view.zoom > 10
    assert [entry.label for entry in legend] == [
        "50,0% – 60,0%", "60,0% – 70,0%", "70,0% – 80,0%", "80,0% – 90,0%", "90,0% – 100,0%",
        "sedikit data (tidak diwarnai)", "satuan yang dibandingkan"]
    fills = {record["name"]: record["fill"][:3] for record in layer_data(deck, "units")}
    assert fills == {"Polres A": [255, 255, 204], "Polres B": [37, 52, 148], "Polres C": [189, 189, 189]}
    assert legend[0].colour == (255, 255, 204) and legend[4].colour == (37, 52, 148)
    assert legend[5].colour == (189, 189, 189) and legend[6].shape == "outline"
    assert len(layer_data(deck, "chosen")) == 2  # the compared units are outlined


def test_the_complaint_map_has_a_legend_and_fits_outlines_and_points():
    from components.complaints_view import complaint_deck

    merged = pd.DataFrame({
        "village_code": ["V1", "V2", "V3"], "name": ["Desa Satu", "Desa Dua", "Desa Tiga"],
        "shapes": [[square(111.0, -7.5, 111.1, -7.4)], [], [square(111.1, -7.5, 111.2, -7.4)]],
        "lat": [-7.45, -7.45, -7.45], "lng": [111.05, 111.3, 111.15],  # Desa Dua is known by its point only
        "complaints": [4, 1, 0], "open_backlog": [1, 0, 0]})
    deck, legend = complaint_deck(merged)
    view = deck.initial_view_state
    # 111.0–111.3 east by 7.5–7.4 south: here the 0.3° of longitude limit the zoom in 700 × 420 px.
    assert (view.longitude, view.latitude) == pytest.approx((111.15, -7.45))
    assert view.zoom == pytest.approx(math.log2(700 * 360 / (512 * 0.3)) - 0.2)
    assert [(entry.label, entry.colour, entry.shape) for entry in legend[:2]] == [
        ("ada pengaduan yang masih terbuka", (179, 0, 0), "dot"), ("semua pengaduan selesai", (44, 127, 184), "dot")]
    assert "lingkaran lebih besar" in legend[2].label
    dots = {dot["village"]: dot["fill"][:3] for dot in layer_data(deck, "complaints")}
    assert dots == {"Desa Satu": [179, 0, 0], "Desa Dua": [44, 127, 184]}  # colours the legend names


def test_the_coverage_legend_names_every_class_drawn_and_reads_the_policy(monkeypatch):
    from components.maps import coverage_deck, legend_entries, legend_html

    frame = pd.DataFrame({"coverage": [0.0, 0.03, None], "blind_spot": [True, False, False]})
    entries = legend_entries(frame, Policy(blind_spot_days=45).blind_spot_days, density=True)
    assert [entry.label for entry in entries] == [
        "0% (belum ada kunjungan)", "< 2%", "2–5%", "5–10%", "10–25%", "≥ 25%", "tidak diketahui",
        "titik buta (tanpa DDS 45 hari)", "kunjungan DDS per desa (lingkaran lebih besar: lebih banyak)"]
    assert [entry.shape for entry in entries[-3:]] == ["fill", "outline", "dot"]
    assert "&lt; 2%" in legend_html(entries)  # labels are escaped
    villages = pd.DataFrame({
        "village_code": ["V1"], "name": ["Desa Satu"], "polsek": ["Polsek A"], "officers": [None],
        "households": [100], "households_visited": [0], "coverage": [0.0], "last_dds_date": [None],
        "blind_spot": [True], "shapes": [[square(111.0, -7.5, 111.1, -7.4)]], "dds_visits": [0], "lat": [-7.45],
        "lng": [111.05]})
    view = coverage_deck(villages, (111.0, -7.5, 111.1, -7.4), False, False, size=(380, 300)).initial_view_state
    assert (view.longitude, view.latitude) == pytest.approx((111.05, -7.45))
    assert view.zoom == pytest.approx(math.log2(300 * 360 / (512 * 0.1)) - 0.2)


def legends_after_maps(at) -> list[str]:
    """The legend drawn right after each map of the page (None where a map has none)."""
    elements = list(at.main)
    legends = []
    for index, element in enumerate(elements):
        if getattr(element, "type", None) == "deck_gl_json_chart":
            following = elements[index + 1] if index + 1 < len(elements) else None
            value = getattr(following, "value", "") or ""
            legends.append(value if "display:inline-block" in value else None)
    return legends


@pytest.mark.parametrize("page, expected", [
    ("app_pages/peta.py", "titik buta (tanpa DDS 30 hari)"),
    ("app_pages/pengaduan.py", "ada pengaduan yang masih terbuka"),
    ("app_pages/perbandingan.py", "satuan yang dibandingkan"),
    ("app_pages/kualitas.py", "laporan dikirim dari luar desanya"),
])
def test_every_map_on_the_pages_has_its_legend(sample_sqlite_url, monkeypatch, page, expected):
    from datetime import date

    at = new_app(sample_sqlite_url, monkeypatch)
    at.session_state["unit"] = "PR-35.21"
    at.session_state["window"] = (date(2022, 4, 16), date(2022, 5, 15))
    at.run()
    at.switch_page(page).run()
    if page == "app_pages/kualitas.py":
        open_quality_tab(at, "gps")  # the map of the reports sent from outside their village
    assert not at.exception, [e.value for e in at.exception]
    legends = legends_after_maps(at)
    assert legends and all(legends), legends
    assert any(expected in legend for legend in legends)
    decks = [json.loads(e.proto.json) for e in at.main if getattr(e, "type", None) == "deck_gl_json_chart"]
    assert all(deck["initialViewState"]["zoom"] >= 8 for deck in decks)  # one Polres fills the map
