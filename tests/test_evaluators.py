"""Evaluators: complaints, effectiveness before/after a date, fair region comparison (AppTest and queries)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from metric_world import END, START
from test_app import new_app
from test_briefing import indonesian
from test_officers import plotly_array, plotly_spec

from conftest import PROJECT_DIR  # noqa: F401
from queries.complaints import complaint_response, scope_complaints
from queries.effectiveness import unit_counts, unit_effectiveness, with_rates
from queries.metrics import METRICS
from queries.scope import Scope

WINDOW = (date(2022, 4, 16), date(2022, 5, 15))
NGAWI = Scope("PR-35.21", *WINDOW)


def open_page(url, monkeypatch, page, unit, window=WINDOW):
    at = new_app(url, monkeypatch)
    if unit:
        at.session_state["unit"] = unit
    at.session_state["window"] = window
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_complaints_page_backlog_buckets_and_units(sample_sqlite_url, sample_engine, monkeypatch):
    with sample_engine.connect() as conn:
        frame = scope_complaints(conn, NGAWI)
        units = complaint_response(conn, NGAWI, "polsek").set_index("unit_code")
    open_at_end = frame[frame["open_at_end"]]
    ages = open_at_end["age_days_at_end"]
    expected = [int(((ages >= lo) & (ages < hi)).sum()) for lo, hi in ((0, 1), (1, 3), (3, 7), (7, 30))]
    expected.append(int((ages >= 30).sum()))
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/pengaduan.py", "PR-35.21")
    bars = plotly_array(plotly_spec(at, "backlog")["data"][0]["y"])
    assert list(bars) == expected and sum(expected) == len(open_at_end)
    cards = {m.label: m.value for m in at.metric}
    assert cards["Pengaduan"] == str(int(frame["in_window"].sum()))
    assert cards["Tunggakan terbuka"] == indonesian(len(open_at_end), 0)
    table = at.dataframe[0].value.set_index("Satuan")
    assert len(table) == 19
    karangjati = units.loc["PS-35.21.07"]
    assert table.loc["Polsek Karangjati", "Pengaduan"] == karangjati["complaints"]
    assert table.loc["Polsek Karangjati", "SLA"] == pytest.approx(karangjati["response_sla_rate"] * 100)


def test_which_polres_answers_fastest(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/pengaduan.py", None)
    at.segmented_control(key="complaint_level_None").set_value("polres").run()
    table = at.dataframe[0].value.set_index("Satuan")
    with sample_engine.connect() as conn:
        expected = complaint_response(conn, Scope(None, *WINDOW), "polres").set_index("unit_code")
    assert table.loc["Polres Cirebon Kota", "Median tanggapan"] == pytest.approx(
        expected.loc["PR-32.74", "first_response_median_h"])
    assert table["Median tanggapan"].idxmin() == "Polres Cirebon Kota"


def test_effectiveness_before_and_after_the_launch(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/efektivitas.py", "PR-35.21")
    assert any("Sebelum: 5 Mei 2020 – 4 Mei 2021 · Sesudah: 5 Mei 2021 – 4 Mei 2022" in c.value for c in at.caption)
    after = Scope("PR-35.21", date(2021, 5, 5), date(2022, 5, 4))
    assert after.previous() == Scope("PR-35.21", date(2020, 5, 5), date(2021, 5, 4))
    with sample_engine.connect() as conn:
        expected = unit_effectiveness(conn, after).set_index("unit_code")
    table = at.dataframe[0].value.set_index("Satuan")
    karangjati = expected.loc["PS-35.21.07"]
    assert table.loc["Polsek Karangjati", "Sesudah"] == karangjati["crimes"]
    assert table.loc["Polsek Karangjati", "Sebelum"] == karangjati["crimes_previous"]
    rank = int(karangjati["crime_rank"])
    assert table.loc["Polsek Karangjati", "Peringkat (jumlah)"] == f"ke-{rank} tertinggi dari 19"
    rate_rank = int((expected["crime_rate_per_10k"] > karangjati["crime_rate_per_10k"]).sum()) + 1
    assert table.loc["Polsek Karangjati", "Peringkat (per 10 rb penduduk)"] == f"ke-{rate_rank} tertinggi dari 19"
    assert list(table["Kejahatan /10rb"]) == sorted(table["Kejahatan /10rb"], reverse=True)  # highest rate first
    z = karangjati["crime_change_z"]
    assert z > 3 and table.loc["Polsek Karangjati", "Perubahan z"] == f"▲ {indonesian(z)} · naik nyata"
    assert karangjati["crime_rank"] == 1


def test_effectiveness_can_use_the_sidebar_window(sample_sqlite_url, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/efektivitas.py", "PR-35.21")
    at.button(key="eff_sidebar").click().run()
    before_start = WINDOW[0] - timedelta(days=30)
    assert at.date_input(key="eff_reference").value == WINDOW[0]
    assert any(f"Sebelum: {before_start.day} Maret 2022" in c.value for c in at.caption)


def test_units_without_crimes_or_complaints(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch, "app_pages/efektivitas.py", None, window=(START, END))
    at.button(key="eff_sidebar").click().run()
    table = at.dataframe[0].value.set_index("Satuan")
    # PD-63 (Polsek C's Polda) had 4 crimes before and none in the window: z = 2 × (0 − 2) = −4.
    assert table.loc["Polda Kalimantan Selatan", "Sesudah"] == 0
    assert table.loc["Polda Kalimantan Selatan", "Perubahan z"] == "▼ -4,0 · turun nyata"
    at = open_page(world_url, monkeypatch, "app_pages/pengaduan.py", "PR-35.21", window=(START, END))
    units = at.dataframe[0].value.set_index("Satuan")
    assert units.loc["Polsek B", "Pengaduan"] == 0
    assert units.loc["Polsek B", "SLA"] != units.loc["Polsek B", "SLA"]  # undefined (NaN), not 0 %


def test_comparison_of_units_of_very_different_sizes(sample_sqlite_url, sample_engine, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/perbandingan.py", None)
    at.selectbox(key="cmp_level").select("polsek").run()
    pair = {"PS-35.21.18": "Polsek Gerih", "PS-32.74.03": "Polsek Harjamukti"}
    at.multiselect(key="cmp_units_None_polsek").set_value(list(pair)).run()
    table = at.dataframe[0].value.set_index("Ukuran")
    with sample_engine.connect() as conn:
        units = with_rates(unit_counts(conn, Scope(None, *WINDOW), "polsek")).set_index("unit_code")
    small, large = units.loc["PS-35.21.18"], units.loc["PS-32.74.03"]
    assert large["population"] > 3 * small["population"]
    # Each unit's rate is its own reported days over its own expected days.
    for code, name in pair.items():
        unit = units.loc[code]
        assert table.loc["Pelaporan", name].startswith(
            indonesian(unit["reported_days"] / unit["expected_days"] * 100) + "%")
        assert table.loc["Penduduk", name] == indonesian(unit["population"], 0)
    # A unit below a measure's minimum number of cases is marked and left out of the ranking.
    labels = {"response_sla_rate": "SLA pengaduan", "crime_rate_per_10k": "Kejahatan /10rb", "adoption_rate": "Adopsi"}
    marks = []
    for measure, label in labels.items():
        cases, minimum = METRICS[measure].case_column, METRICS[measure].min_cases
        for code, name in pair.items():
            marked = "(sedikit data)" in table.loc[label, name]
            assert marked == bool(units.loc[code, cases] < minimum), (measure, name)
            marks.append(marked)
    assert any(marks)
    at.selectbox(key="cmp_measure").select("crime_rate_per_10k").run()
    ranking = at.dataframe[1].value.set_index("Satuan")
    for code, name in pair.items():
        ranked = ranking.loc[name, "Peringkat"] != "–"
        assert ranked == bool(units.loc[code, "crimes"] >= METRICS["crime_rate_per_10k"].min_cases)


def test_partly_covered_months_are_named_under_the_crime_trend(monkeypatch):
    from datetime import date

    from components.charts import partial_months_note

    monkeypatch.setattr("components.i18n.language", lambda: "id")
    # 5 May 2020 - 4 May 2022 (the default window around the BOS V2 launch): both ends are part months.
    note = partial_months_note(date(2020, 5, 5), date(2022, 5, 4))
    assert note.startswith("Bulan yang tidak penuh dalam periode: Mei 2020 (mulai 5 Mei 2020); Mei 2022 (sampai "
                           "4 Mei 2022).")
    assert partial_months_note(date(2021, 1, 1), date(2021, 12, 31)) == ""
    assert partial_months_note(date(2024, 2, 1), date(2024, 2, 28)).endswith("Februari 2024 (sampai 28 Februari 2024). "
                                                                           "Jumlahnya lebih kecil karena harinya lebih "
                                                                           "sedikit, bukan karena kegiatan atau "
                                                                           "kejahatan turun.")
