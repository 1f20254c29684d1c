"""Trainers and supervisors: compliance page, officer scorecard, data-quality page (AppTest and queries)."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import numpy as np
import pytest
from metric_world import END, O5, START
from test_app import new_app, open_quality_tab
from test_briefing import indonesian

from conftest import PROJECT_DIR  # noqa: F401  (puts the project on sys.path)
from queries.compliance import officer_compliance
from queries.officers import calendar, officer_search, village_last_dds_by
from queries.quality import narrative_clusters, reused_photos
from queries.scope import Scope

WINDOW = (date(2022, 4, 16), date(2022, 5, 15))
KARANGJATI = Scope("PS-35.21.07", *WINDOW)


def open_page(url, monkeypatch, page, unit, window=WINDOW, query=None):
    at = new_app(url, monkeypatch)
    at.session_state["unit"] = unit
    at.session_state["window"] = window
    if query:
        at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def gap_lines(at) -> list[str]:
    """The scorecard's gap bullets as the reader sees them (markdown escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown if m.value.startswith("- ")]


def plotly_array(value) -> np.ndarray:
    """A plotly array, which plotly 7 may send as base64 binary ("bdata")."""
    if isinstance(value, dict) and "bdata" in value:
        shape = tuple(int(n) for n in str(value.get("shape", "-1")).split(","))
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).reshape(shape)
    return np.asarray(value)


def plotly_spec(at, key: str) -> dict:
    chart = next(e for e in at.main if getattr(e, "type", None) == "plotly_chart" and key in (e.proto.id or ""))
    return json.loads(chart.proto.spec)


def test_compliance_page_shows_every_officer_with_the_metric_values(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/kepatuhan.py", "PS-35.21.07")
    with sample_engine.connect() as conn:
        expected = officer_compliance(conn, KARANGJATI).set_index("nrp")
    table = at.dataframe[0].value.set_index("NRP")
    assert sorted(table.index) == sorted(expected.index)
    for nrp, row in expected.iterrows():
        assert table.loc[nrp, "Pelaporan"] == pytest.approx(row["reporting_rate"] * 100)
        assert table.loc[nrp, "Mutu laporan"] == pytest.approx(row["quality_rate"] * 100)
        assert table.loc[nrp, "Hari wajib lapor"] == row["expected_days"]
    at.text_input(key="compliance_search").input("9705").run()
    assert list(at.dataframe[0].value["NRP"]) == ["97051084"]


def test_calendar_counts_match_the_compliance_numbers(sample_sqlite_url, sample_engine, monkeypatch):
    with sample_engine.connect() as conn:
        days = calendar(conn, KARANGJATI)
        expected = officer_compliance(conn, KARANGJATI).set_index("nrp")
    counts = days.groupby(["nrp", "status"]).size().unstack(fill_value=0)
    for nrp, row in expected.iterrows():
        assert counts.loc[nrp, "reported"] == row["on_time_days"]
        assert counts.loc[nrp, ["reported", "late"]].sum() == row["reported_days"]
        assert counts.loc[nrp, ["reported", "late", "missing"]].sum() == row["expected_days"]
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/kepatuhan.py", "PS-35.21.07")
    cells = plotly_array(plotly_spec(at, "calendar")["data"][0]["z"])
    assert cells.shape == (len(expected), 30)
    assert (cells == 0.5).sum() == expected["on_time_days"].sum()  # code 0: reported on time


def test_calendar_aggregates_to_polsek_rows_for_a_polres(sample_sqlite_url, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/kepatuhan.py", "PR-35.21")
    heatmap = plotly_spec(at, "calendar")["data"][0]
    assert len(heatmap["y"]) == 19 and all(name.startswith("Polsek") for name in heatmap["y"])


def test_officer_search_by_partial_nrp_and_name(sample_engine):
    everywhere = Scope(None, *WINDOW)
    with sample_engine.connect() as conn:
        by_nrp = officer_search(conn, everywhere, "970510")
        by_name = officer_search(conn, everywhere, "YUDI sulis")
        outside = officer_search(conn, Scope("PR-63.08", *WINDOW), "Yudi Sulistyo")
        wildcard = officer_search(conn, everywhere, "%")
    assert list(by_nrp["nrp"]) == ["97051084"]
    assert list(by_name["name"]) == ["Yudi Sulistyo"]
    assert outside.empty and wildcard.empty  # scoped, and "%" is a literal


def test_scorecard_of_a_formality_reporter(sample_sqlite_url, sample_engine, monkeypatch):
    nrp = "97051084"
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/rapor.py", "PS-35.21.07", query={"officer": nrp})
    with sample_engine.connect() as conn:
        numbers = officer_compliance(conn, Scope("PS-35.21.07", *WINDOW, nrp=nrp)).iloc[0]
    peers = at.dataframe[0].value.set_index("Ukuran")
    assert peers.loc["Pelaporan", "Petugas ini"] == indonesian(numbers["reporting_rate"] * 100) + "%"
    assert peers.loc["Mutu laporan", "Petugas ini"] == indonesian(numbers["quality_rate"] * 100) + "%"
    gaps = gap_lines(at)
    copied = next(g for g in gaps if "uraian yang sama" in g)
    assert copied.startswith(f"- {numbers['flagged_reports']} dari {numbers['reports']} laporan")
    assert any("hanya ke 7 rumah tangga" in g for g in gaps)
    flagged = next(table.value for table in at.dataframe if "Alasan" in table.value.columns)
    assert len(flagged) == numbers["flagged_reports"]
    assert "narasi salinan" in flagged["Alasan"].iloc[0]


def test_scorecard_names_the_unvisited_villages(sample_sqlite_url, sample_engine, monkeypatch):
    nrp = "93061033"  # covers two villages but "visits" only the one near the office
    with sample_engine.connect() as conn:
        villages = village_last_dds_by(conn, Scope("PS-35.21.02", *WINDOW, nrp=nrp))
    unvisited = list(villages.loc[villages["last_own_dds"].isna(), "village"])
    assert unvisited == ["Mendiro"]
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/rapor.py", "PS-35.21.02", query={"officer": nrp})
    gaps = gap_lines(at)
    assert "- 1 desa belum dikunjungi (DDS) 30 hari terakhir: Mendiro." in gaps


def test_scorecard_printable_page(sample_sqlite_url, monkeypatch):
    from components import data
    from components.scorecard import scorecard_html

    new_app(sample_sqlite_url, monkeypatch)
    page = scorecard_html(data.scorecard(KARANGJATI, "97051084"), KARANGJATI)
    assert "Rapor Bhabinkamtibmas: Yudi Sulistyo" in page and "NRP 97051084" in page
    assert "salin-tempel" in page and "Median Polsek" in page and "@page { size: A4" in page
    assert page.count("<tr>") > 10 and "<script" not in page


def test_scorecard_of_an_officer_without_reports(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch, "app_pages/rapor.py", "PS-B", window=(START, END),
                   query={"officer": O5})
    gaps = gap_lines(at)
    assert "- 9 dari 9 hari wajib lapor tanpa laporan." in gaps
    assert any("Tidak ada laporan bertanda" in s.value for s in at.success)
    assert at.dataframe[0].value.set_index("Ukuran").loc["Pelaporan", "Petugas ini"] == "0,0%"


def test_quality_page_lists_match_the_queries(sample_sqlite_url, sample_engine, monkeypatch):
    scope = Scope("PR-35.21", *WINDOW)
    with sample_engine.connect() as conn:
        clusters, photos = narrative_clusters(conn, scope), reused_photos(conn, scope)
    at = open_quality_tab(open_page(sample_sqlite_url, monkeypatch, "app_pages/kualitas.py", "PR-35.21"), "copies")
    tables = [table.value for table in at.dataframe]
    narratives = next(t for t in tables if "Uraian" in t.columns)
    shared = next(t for t in tables if "Foto (sidik)" in t.columns)
    assert len(narratives) == len(clusters) and list(narratives["Laporan"]) == list(clusters["reports"])
    assert len(shared) == len(photos) > 0 and (shared["Petugas"] >= 2).all()
    assert len(clusters) > 0 and clusters["officers"].max() >= 2  # the same text from many officers


def test_quality_page_for_a_scope_without_flags(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch, "app_pages/kualitas.py", "PS-B", window=(START, END))
    assert next(c.value for c in at.caption if "bertanda" in c.value).startswith("0 dari ")
    assert "Tidak ada laporan bertanda dalam periode ini." in [s.value for s in open_quality_tab(at, "flagged").success]
    texts = [s.value for s in open_quality_tab(at, "copies").success]
    assert "Tidak ada uraian yang berulang." in texts and "Tidak ada foto yang dipakai bersama." in texts


def test_a_link_to_an_officer_opens_the_scorecard_in_a_large_scope(sample_sqlite_url, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/rapor.py", "PR-35.21", query={"officer": "97051084"})
    assert at.header[0].value == "Yudi Sulistyo"


def test_the_scorecard_trend_starts_on_a_whole_month(sample_engine):
    from queries.scorecards import scorecard

    with sample_engine.connect() as conn:
        card = scorecard(conn, KARANGJATI, "97051084")
    # 15 May 2022 less 182 days is 14 November 2021: the trend starts on 1 November, not mid-month.
    assert [str(period)[:10] for period in card["trend"]["period"]][:2] == ["2021-11-01", "2021-12-01"]
    first = card["trend"].iloc[0]
    assert first["expected_days"] > 0.8 * card["trend"].iloc[1]["expected_days"]  # a whole month of duty days
