"""The Kapolres briefing: overview KPIs, alerts, rankings, the coverage map and the briefing pack (AppTest)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from metric_world import write_world
from sqlalchemy import select
from test_app import new_app

from components.rankings import worst_first
from ingest.importer import import_export
from queries.alerts import blind_spots, overdue_complaints, silent_officers
from queries.briefing import rank
from queries.db import make_engine
from queries.effectiveness import scope_measures, unit_counts, with_rates
from queries.schema import officers, villages
from queries.scope import Scope, villages_in

WINDOW = (date(2022, 4, 16), date(2022, 5, 15))
NGAWI = Scope("PR-35.21", *WINDOW)


def indonesian(value: float, decimals: int = 1) -> str:
    """1234.56 -> "1.234,6" (written out independently of the app's formatter)."""
    whole, _, fraction = f"{value:.{decimals}f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return grouped + ("," + fraction if fraction else "")


def open_app(url, monkeypatch, page="app_pages/ringkasan.py", unit="PR-35.21", window=WINDOW):
    at = new_app(url, monkeypatch)
    at.session_state["unit"] = unit
    at.session_state["window"] = window
    at.run()
    if page != "app_pages/ringkasan.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def deck_layers(at) -> dict[str, list[dict]]:
    charts = [element for element in at.main if getattr(element, "type", None) == "deck_gl_json_chart"]
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.json)
    return {layer["id"]: layer["data"] for layer in spec["layers"]}


def test_kpi_cards_show_the_metric_values(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_app(sample_sqlite_url, monkeypatch)
    with sample_engine.connect() as conn:
        now, before = scope_measures(conn, NGAWI), scope_measures(conn, NGAWI.previous())
    cards = {metric.label: (metric.value, metric.delta) for metric in at.metric}
    rate = now["reported_days"] / now["expected_days"]
    change = rate - before["reported_days"] / before["expected_days"]
    assert cards["Tingkat pelaporan"] == (indonesian(rate * 100) + "%",
                                          ("+" if change > 0 else "-") + indonesian(abs(change) * 100) + " poin")
    assert cards["Cakupan DDS"][0] == indonesian(now["capped_visited"] / now["households"] * 100) + "%"
    assert cards["Tunggakan pengaduan"][0] == indonesian(now["open_backlog"], 0)
    z = 2 * (now["crimes"] ** 0.5 - before["crimes"] ** 0.5)
    assert cards["Kejahatan tercatat"] == (indonesian(now["crimes"], 0),
                                               ("+" if z > 0 else "-") + indonesian(abs(z)) + " z")
    assert len(cards) == 8


def test_alerts_and_rankings_match_the_queries(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_app(sample_sqlite_url, monkeypatch)
    with sample_engine.connect() as conn:
        expected = {"Desa titik buta": len(blind_spots(conn, NGAWI)),
                    "Bhabinkamtibmas tanpa laporan": len(silent_officers(conn, NGAWI)),
                    "Pengaduan belum ditanggapi": len(overdue_complaints(conn, NGAWI))}
        ranking = rank(with_rates(unit_counts(conn, NGAWI, "polsek")), "polsek")
    labels = [expander.label for expander in at.expander]
    for prefix, count in expected.items():
        assert any(label.startswith(prefix) and label.endswith(f": {count}") for label in labels), (prefix, labels)
    assert expected["Desa titik buta"] > 0 and expected["Bhabinkamtibmas tanpa laporan"] > 0
    table = at.dataframe(key="ranking_PR-35.21").value
    assert len(table) == 19 == len(ranking)
    assert list(table["name"]) == list(worst_first(ranking)["name"])  # lowest reporting rate first
    assert list(table["reporting_rate"].dropna()) == sorted(table["reporting_rate"].dropna())


def test_selecting_a_ranked_unit_drills_down(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_app(sample_sqlite_url, monkeypatch)
    with sample_engine.connect() as conn:
        first = worst_first(rank(with_rates(unit_counts(conn, NGAWI, "polsek")), "polsek"))["unit_code"].iloc[0]
    at.session_state["ranking_PR-35.21"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.session_state["unit"] == first
    assert at.sidebar.selectbox(key="pick_polsek").value == first
    assert at.header[-1].value == "Peringkat Bhabinkamtibmas"


def test_map_has_one_feature_per_village_and_an_unknown_class(sample_sqlite_url, sample_engine, monkeypatch):
    for unit, has_unknown in (("PR-35.21", False), ("PR-63.08", True)):
        at = open_app(sample_sqlite_url, monkeypatch, "app_pages/peta.py", unit=unit)
        with sample_engine.connect() as conn:
            codes = set(conn.execute(select(villages.c.code).where(
                villages.c.code.in_(villages_in(Scope(unit, *WINDOW))))).scalars())
        layers = deck_layers(at)
        assert {record["village_code"] for record in layers["villages"]} == codes
        legend = next(m.value for m in at.markdown if "titik buta" in m.value or "belum ada kunjungan" in m.value)
        assert ("tidak diketahui" in legend) is has_unknown
        unknown = [r for r in layers["villages"] if r["coverage"] == "tidak diketahui"]
        assert bool(unknown) is has_unknown and all(r["fill"][:3] == [189, 189, 189] for r in unknown)
        table = at.dataframe[0].value
        assert len(table) == len(codes)
        assert table["Titik buta"].iloc[0]  # worst (blind spots) first


def test_map_payload_is_aggregated_and_small(sample_sqlite_url, monkeypatch):
    at = open_app(sample_sqlite_url, monkeypatch, "app_pages/peta.py", unit="PD-35")
    layers = deck_layers(at)
    size = len(json.dumps(layers))
    assert len({r["village_code"] for r in layers["villages"]}) == 217
    assert size < 1_000_000, size
    at.segmented_control(key="map_layer").set_value("density").run()
    density = deck_layers(at)["density"]
    assert len(density) <= 217  # one point per village, never one per visit


def test_choosing_a_village_on_the_map_drills_down(sample_sqlite_url, monkeypatch):
    at = open_app(sample_sqlite_url, monkeypatch, "app_pages/peta.py", unit="PR-35.21")
    at.selectbox(key="pick_village_PR-35.21").select("35.21.07.2001").run()  # a village of Polsek Karangjati
    assert at.session_state["unit"] == "PS-35.21.07"
    at.selectbox(key="pick_village_PS-35.21.07").select("35.21.07.2001").run()
    assert at.session_state["unit"] == "PS-35.21.07"
    assert at.subheader[0].value not in ("", None)
    assert {m.label for m in at.metric} >= {"Cakupan", "Kunjungan DDS"}


def test_briefing_pack_content(sample_sqlite_url, monkeypatch):
    from components.briefing import briefing_html

    new_app(sample_sqlite_url, monkeypatch)  # points the loaders at the sample and clears caches
    pack = briefing_html(NGAWI)
    assert pack.startswith("<!DOCTYPE html>") and "@page { size: A4" in pack
    assert "Bahan Briefing Binmas" in pack and "Polres Ngawi" in pack
    assert "16 April 2022 – 15 Mei 2022" in pack
    for label in ("Tingkat pelaporan", "Cakupan DDS", "Tunggakan pengaduan", "Adopsi BOS"):
        assert label in pack
    assert "Desa titik buta: 15" in pack
    assert "Polsek Karangjati" in pack
    svg = re.search(r"<svg.*?</svg>", pack, re.S).group(0)
    assert svg.count('<path d="M') >= 217
    assert "http://" not in pack.replace("http://www.w3.org/2000/svg", "")  # opens offline
    assert "<script" not in pack


@pytest.fixture
def world_with_empty_polsek(tmp_path):
    export = write_world(tmp_path / "world")
    with (export / "units.csv").open("a", encoding="utf-8") as fh:
        fh.write("PS-D,Polsek Baru,polsek,PR-35.21\n")
    url = f"sqlite:///{tmp_path / 'world.sqlite'}"
    assert import_export(make_engine(url), export).ok
    return url


@pytest.mark.parametrize("page", ["app_pages/ringkasan.py", "app_pages/peta.py"])
def test_empty_scope_and_empty_window(world_with_empty_polsek, monkeypatch, page):
    at = open_app(world_with_empty_polsek, monkeypatch, page, unit="PS-D", window=(date(2024, 3, 4),
                                                                                  date(2024, 3, 17)))
    assert any("Polsek Baru belum punya desa" in info.value for info in at.info)
    at = open_app(world_with_empty_polsek, monkeypatch, page, unit="PR-35.21",
                  window=(date(2024, 2, 20), date(2024, 2, 26)))  # crimes, but no activities that week
    assert not at.exception
    if page == "app_pages/ringkasan.py":
        assert any("Tidak ada kegiatan" in info.value for info in at.info)
        # Officers were on duty but sent nothing: 0 %, not "undefined".
        assert {m.label: m.value for m in at.metric}["Tingkat pelaporan"] == "0,0%"
    else:
        assert at.dataframe[0].value["Titik buta"].all()


UNGROUPED = re.compile(r"(?<![\w.,-])\d{4,}(?![\w-])")  # 1014, 2297 (not inside an id such as ADU-3521012002-002)


def test_briefing_pack_prints_page_numbers_and_one_title_line(sample_sqlite_url, monkeypatch):
    from components.briefing import briefing_html

    new_app(sample_sqlite_url, monkeypatch)
    pack = briefing_html(NGAWI)
    page_rule = re.search(r"@page \{.*?\}\s*\}", pack, re.S).group(0)
    # Chromium prints the margin box on every page: "Halaman 2 dari 5".
    assert re.search(r'@bottom-right \{ content: "Halaman " counter\(page\) " dari " counter\(pages\);', page_rule)
    header = re.search(r"<header>(.*?)</header>", pack, re.S).group(1)
    assert re.findall(r"<h1>(.*?)</h1>", header) == ["Bahan Briefing Binmas · Polres Ngawi"]
    assert header.count("Polres Ngawi") == 1  # the scope is named once, in the title
    assert "16 April 2022 – 15 Mei 2022 (30 hari)" in header


def test_briefing_pack_page_numbers_in_english(sample_sqlite_url, monkeypatch):
    from components.briefing import briefing_html

    new_app(sample_sqlite_url, monkeypatch)
    monkeypatch.setattr("components.i18n.language", lambda: "en")
    assert 'content: "Page " counter(page) " of " counter(pages);' in briefing_html(NGAWI)


def test_briefing_pack_groups_every_number(sample_sqlite_url, sample_engine, monkeypatch):
    from components.briefing import briefing_html

    new_app(sample_sqlite_url, monkeypatch)
    pack = briefing_html(NGAWI)
    with sample_engine.connect() as conn:
        households = blind_spots(conn, NGAWI)["households"]
        nrps = set(conn.execute(select(officers.c.nrp)).scalars())
    assert households.max() >= 1000  # the blind-spot alert lists villages of over a thousand households
    cells = re.findall(r"<td>([^<]*)</td>", pack)
    for value in households[households >= 1000].head(15):
        assert indonesian(value, 0) in cells, value  # "1.014", not "1014"
    # Every number printed reads the Indonesian way; only identifiers (an officer's NRP) and years stand alone.
    text = re.sub(r"<svg.*?</svg>|<style>.*?</style>", "", pack, flags=re.S)
    text = re.sub(r"\b(19|20)\d{2}\b", "", text)
    assert [number for number in UNGROUPED.findall(text) if number not in nrps] == []


def test_briefing_kpi_counts_over_a_thousand_are_grouped(sample_sqlite_url, sample_engine, monkeypatch):
    from components.briefing import briefing_html

    year = Scope(None, date(2021, 5, 16), date(2022, 5, 15))
    new_app(sample_sqlite_url, monkeypatch)
    pack = briefing_html(year)
    with sample_engine.connect() as conn:
        crimes = scope_measures(conn, year)["crimes"]
    assert crimes >= 1000
    values = re.findall(r'<div class="value">([^<]*)</div>', pack)
    assert indonesian(crimes, 0) in values and not any(UNGROUPED.search(value) for value in values)


@pytest.mark.parametrize("polres, expected", [("PR-35.21", "Dibuat 17 Mei 2022 00.30 WIB"),
                                              ("PR-63.08", "Dibuat 17 Mei 2022 01.30 WITA")])
def test_printed_pages_say_when_in_the_units_local_time(sample_sqlite_url, sample_engine, monkeypatch, polres,
                                                         expected):
    from datetime import UTC, datetime

    from components import data
    from components.briefing import briefing_html
    from components.scorecard import scorecard_html
    from queries.scope import officers_in

    now = datetime(2022, 5, 16, 17, 30, tzinfo=UTC)  # WIB is UTC+7, WITA (Kalimantan Selatan) UTC+8
    scope = Scope(polres, *WINDOW)
    new_app(sample_sqlite_url, monkeypatch)
    with sample_engine.connect() as conn:
        nrp = min(conn.execute(officers_in(scope)).scalars())
    assert expected in scorecard_html(data.scorecard(scope, nrp), scope, now=now)
    assert expected in briefing_html(scope, now=now)


def test_briefing_pack_prints_every_complaint_age_with_one_decimal(sample_sqlite_url, sample_engine, monkeypatch):
    from components.briefing import ALERT_ROWS, briefing_html

    week = Scope("PR-35.21", date(2022, 5, 9), date(2022, 5, 15))
    new_app(sample_sqlite_url, monkeypatch)
    pack = briefing_html(week)
    with sample_engine.connect() as conn:
        ages = overdue_complaints(conn, week)["age_days_at_end"].head(ALERT_ROWS).round(1)
    assert (ages % 1 == 0).any() and (ages % 1 != 0).any()  # this week mixes whole (6.0125 → 6,0) and other ages
    cells = re.findall(r"<td>([^<]*)</td>", pack)
    for age in ages:  # 6 days reads "6,0" beside "6,6", never a bare "6"
        assert indonesian(age, 1) in cells, age
