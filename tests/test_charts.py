"""Every chart's text equivalent holds the numbers it draws; date axes speak Indonesian."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from components.charts import categorical_axes, figure_table, localise_date_ticks


@pytest.fixture(autouse=True)
def indonesian(monkeypatch):
    monkeypatch.setattr("components.i18n.language", lambda: "id")


def test_bars_and_a_line_over_the_same_weeks_sit_side_by_side():
    weeks = [date(2022, 4, 11), date(2022, 4, 18)]
    figure = go.Figure([go.Bar(x=weeks, y=[15, 29], name="Pengaduan"),
                        go.Scatter(x=weeks, y=[60.0, 75.5], name="% ≤ 24 jam", mode="lines")])
    figure.update_layout(xaxis_title="Minggu")
    table = figure_table(figure)
    assert list(table.columns) == ["Minggu", "Pengaduan", "% ≤ 24 jam"]
    assert table.values.tolist() == [[date(2022, 4, 11), 15, 60.0], [date(2022, 4, 18), 29, 75.5]]


def test_horizontal_bars_list_category_then_value():
    figure = go.Figure(go.Bar(x=[25, 9], y=["Pencurian", "Pelayanan Polri"], orientation="h", name="Pengaduan"))
    figure.update_layout(yaxis_title="Kategori")
    assert figure_table(figure).values.tolist() == [["Pencurian", 25], ["Pelayanan Polri", 9]]


def test_a_histogram_becomes_its_bins_with_counts():
    # 1, 1.5 and 3 hours in 2-hour bins from 0: [0, 2) holds two, [2, 4) one; empty bins are left out.
    figure = go.Figure(go.Histogram(x=[1, 1.5, 3, 9], xbins={"start": 0, "end": 10, "size": 2}))
    assert figure_table(figure).values.tolist() == [[0, 2, 2], [2, 4, 1], [8, 10, 1]]


def test_a_heatmap_reads_as_its_text_row_by_row():
    figure = go.Figure(go.Heatmap(z=[[0.5, 2.5]], x=["1 Mei 2022", "2 Mei 2022"], y=["Agus (9711)"],
                                  text=[["melapor", "tidak melapor"]]))
    assert figure_table(figure).values.tolist() == [["Agus (9711)", "melapor", "tidak melapor"]]


def test_named_scatter_points_keep_their_names():
    figure = go.Figure(go.Scatter(x=[10.8, 24.7], y=[-0.8, 2.1], text=["Polda Jawa Barat", "Polda Jawa Timur"],
                                  mode="markers", name="Perubahan z"))
    figure.update_layout(xaxis_title="DDS per 1.000 rumah tangga")
    assert figure_table(figure).values.tolist() == [["Polda Jawa Barat", 10.8, -0.8], ["Polda Jawa Timur", 24.7, 2.1]]


def test_month_axes_get_indonesian_month_names_on_every_panel():
    months = [date(2022, month, 1) for month in (3, 4, 5)]
    figure = make_subplots(rows=1, cols=2)
    figure.add_scatter(x=months, y=[1, 2, 3], row=1, col=1)
    figure.add_scatter(x=months[:2], y=[4, 5], row=1, col=2)
    localise_date_ticks(figure)
    assert list(figure.layout.xaxis.ticktext) == ["Maret 2022", "April 2022", "Mei 2022"]
    assert list(figure.layout.xaxis2.ticktext) == ["Maret 2022", "April 2022"]


def test_long_daily_axes_get_at_most_eight_labels():
    days = [date(2022, 4, 1 + index) for index in range(30)]
    figure = go.Figure(go.Scatter(x=days, y=list(range(30))))
    localise_date_ticks(figure)
    # 30 days, every 4th day labelled: 1, 5, 9, … 29 April.
    assert list(figure.layout.xaxis.ticktext) == [f"{day} April 2022" for day in range(1, 31, 4)]


def test_series_keep_the_order_drawn_even_when_labels_sort_otherwise():
    weeks = ["25 April 2022", "2 Mei 2022", "9 Mei 2022"]
    figure = go.Figure([go.Bar(x=weeks, y=[1, 2, 3], name="terlambat"),
                        go.Bar(x=weeks[1:], y=[5, 6], name="tanpa GPS")])
    table = figure_table(figure)
    assert table.iloc[:, 0].tolist() == weeks
    assert table["tanpa GPS"].tolist()[1:] == [5, 6] and pd.isna(table["tanpa GPS"].iloc[0])


def test_a_heatmap_without_text_keeps_its_numbers_numeric():
    figure = go.Figure(go.Heatmap(z=[[71.428571, None]], x=["16 April 2022", "17 April 2022"], y=["Polsek Bringin"]))
    table = figure_table(figure)
    assert table["16 April 2022"].dtype == float and table["16 April 2022"].iloc[0] == pytest.approx(71.428571)
    assert pd.isna(table["17 April 2022"].iloc[0])


def test_iso_month_strings_read_as_indonesian_months_on_the_axis_and_in_the_table():
    figure = go.Figure(go.Scatter(x=["2021-04", "2021-05"], y=[3, 7], name="Polsek Karangjati", mode="lines"))
    localise_date_ticks(figure)
    assert list(figure.layout.xaxis.ticktext) == ["April 2021", "Mei 2021"]
    table = figure_table(figure)
    assert list(table.columns) == ["Bulan", "Polsek Karangjati"]
    assert table.values.tolist() == [["April 2021", 3], ["Mei 2021", 7]]


def test_unnamed_horizontal_bars_keep_their_categories():
    figure = go.Figure(go.Bar(x=[66, 12], y=["DDS (sambang rumah)", "Deteksi dini"], orientation="h"))
    figure.update_layout(xaxis_title="Laporan")
    table = figure_table(figure)
    assert list(table.columns) == ["Kategori", "Laporan"]
    assert table.values.tolist() == [["DDS (sambang rumah)", 66], ["Deteksi dini", 12]]


def test_a_channel_that_looks_like_a_number_stays_one_category_among_the_others():
    from components.complaints_view import breakdown_figure

    counts = pd.DataFrame({"channel": ["WhatsApp", "110", "Datang langsung"], "complaints": [7, 4, 2]})
    figure = breakdown_figure(counts, "channel")
    categorical_axes(figure)
    assert figure.layout.yaxis.type == "category"  # plotly would read "110" as a number: axis 109.5–110.5
    assert list(figure.data[0].y) == ["WhatsApp", "110", "Datang langsung"]
    assert figure.layout.xaxis.type is None  # the counts stay a number axis
    assert figure_table(figure).values.tolist() == [["WhatsApp", 7], ["110", 4], ["Datang langsung", 2]]


def test_word_axes_become_categories_on_every_panel_and_dates_and_numbers_do_not():
    figure = make_subplots(rows=2, cols=2)
    figure.add_bar(x=["2021", "2022"], y=[3, 4], row=1, col=1)  # years written as words: categories
    figure.add_scatter(x=[date(2022, 4, 1), date(2022, 5, 1)], y=[1, 2], row=1, col=2)
    figure.add_heatmap(z=[[1, 2]], x=["1 Mei 2022", "2 Mei 2022"], y=["17"], row=2, col=1)
    figure.add_histogram(x=["1", "2", "2"], row=2, col=2)
    categorical_axes(figure)
    layout = figure.layout
    assert (layout.xaxis.type, layout.yaxis.type) == ("category", None)
    assert (layout.xaxis2.type, layout.yaxis2.type) == (None, None)  # dates keep their date axis
    assert (layout.xaxis3.type, layout.yaxis3.type) == ("category", "category")
    assert layout.xaxis4.type is None  # a histogram bins values: never categories


def test_the_complaint_page_draws_every_channel_even_one_called_110(tmp_path, monkeypatch):
    import json

    from test_app import new_app

    from builders import activity, base_export
    from ingest.importer import import_export
    from queries.db import make_engine

    complaints = [{"complaint_id": f"K{n}", "village_code": "35.21.01.2001", "category": "Pencurian",
                   "channel": channel, "created_at": "2024-03-05T08:00:00", "first_response_at": "",
                   "resolved_at": "", "nrp": ""}
                  for n, channel in enumerate(["110"] * 3 + ["WhatsApp"] * 2 + ["Datang"])]
    url = f"sqlite:///{tmp_path / 'channels.sqlite'}"
    assert import_export(make_engine(url), base_export(tmp_path / "export", activities=[activity("R1")],
                                                       complaints=complaints)).ok
    at = new_app(url, monkeypatch)
    at.session_state["window"] = (date(2024, 3, 1), date(2024, 3, 10))
    at.switch_page("app_pages/pengaduan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    chart = next(e for e in at.main if getattr(e, "type", None) == "plotly_chart" and "by_channel" in e.proto.id)
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["yaxis"]["type"] == "category"
    assert spec["data"][0]["y"] == ["110", "WhatsApp", "Datang"]  # most complaints first, none dropped
