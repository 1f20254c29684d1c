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


# Partial periods: a window from Monday 18 April to Wednesday 11 May 2022 covers the weeks of 18 April,
# 25 April and 2 May whole, and the week of 9 May (9–15 May) only until the 11th.
WEEKS = [date(2022, 4, 18), date(2022, 4, 25), date(2022, 5, 2), date(2022, 5, 9)]
WINDOW = (date(2022, 4, 18), date(2022, 5, 11))
LAST_ONLY = [False, False, False, True]


def bar_marks(trace) -> list[tuple[float, str]]:
    opacity = trace.marker.opacity if trace.marker.opacity is not None else [1.0] * len(trace.x)
    shapes = trace.marker.pattern.shape if trace.marker.pattern.shape is not None else [""] * len(trace.x)
    return list(zip(opacity, shapes))


def expected_bar_marks(flags: list[bool]) -> list[tuple[float, str]]:
    return [(0.45, "/") if flag else (1.0, "") for flag in flags]


def solid_and_dotted(figure, name: str) -> tuple[list, list]:
    """The y values of a line's solid trace and of its dotted partial piece."""
    solid = next(tr for tr in figure.data if tr.name == name and tr.meta != "partial")
    dotted = next(tr for tr in figure.data if tr.name == name and tr.meta == "partial")
    assert dotted.line.dash == "dot" and dotted.line.color == solid.line.color and not dotted.showlegend
    return list(solid.y), list(dotted.y)


def test_complaints_per_week_mark_the_last_week_partial_and_keep_its_numbers():
    from components.complaints_view import weekly_figure

    weekly = pd.DataFrame({"week": WEEKS, "complaints": [4, 12, 8, 3], "within_sla": [2, 9, 8, 3],
                           "median_h": [5.0, 6.0, 7.0, 8.0]})
    figure = weekly_figure(weekly, *WINDOW)
    bars = next(tr for tr in figure.data if tr.type == "bar")
    assert bar_marks(bars) == expected_bar_marks(LAST_ONLY)
    solid, dotted = solid_and_dotted(figure, "% ditanggapi ≤ 24 jam")
    assert solid == [50.0, 75.0, 100.0, None]  # the solid line stops at the last whole week
    assert dotted == [None, None, 100.0, 100.0]  # and a dotted piece joins it to the partial week
    assert "minggu 9 Mei 2022 (sampai 11 Mei 2022)" in figure.layout.meta["partial_note"]
    # The table under the chart still has every week's numbers, once.
    table = figure_table(figure)
    assert table["% ditanggapi ≤ 24 jam"].tolist() == [50.0, 75.0, 100.0, 100.0] and len(table) == 4
    # Two axes, round ticks on both: 0–100 % in steps of 20, 0–15 complaints in steps of 3 would not be round:
    # 12 complaints at most / 5 steps = 2.4, rounded up to 5, so 0, 5, … 25.
    assert (figure.layout.yaxis2.range, figure.layout.yaxis2.dtick) == ((0, 100), 20)
    assert (figure.layout.yaxis.range, figure.layout.yaxis.dtick, figure.layout.yaxis.tickformat) == ((0, 25), 5, ",d")


def test_whole_weeks_are_not_marked():
    from components.complaints_view import weekly_figure

    weekly = pd.DataFrame({"week": WEEKS[:3], "complaints": [4, 12, 8], "within_sla": [2, 9, 8],
                           "median_h": [5.0, 6.0, 7.0]})
    figure = weekly_figure(weekly, date(2022, 4, 18), date(2022, 5, 8))  # Monday to Sunday, three whole weeks
    assert all(tr.meta != "partial" for tr in figure.data)
    assert figure.data[0].marker.opacity is None and figure.layout.meta is None


def test_flag_trend_marks_the_first_and_last_weeks_on_every_stacked_bar():
    from components.quality_view import trend_figure
    from queries.flags import FLAG_NAMES

    trend = pd.DataFrame({"period": WEEKS, "reports": [10, 20, 30, 5],
                          **{flag: [1, 2, 3, 4] for flag in FLAG_NAMES}})
    figure = trend_figure(trend, date(2022, 4, 20), date(2022, 5, 11))  # from a Wednesday: the first week too
    flags = [True, False, False, True]
    assert len(figure.data) == len(FLAG_NAMES)
    assert all(bar_marks(trace) == expected_bar_marks(flags) for trace in figure.data)
    note = figure.layout.meta["partial_note"]
    assert "minggu 18 April 2022 (mulai 20 April 2022)" in note and "minggu 9 Mei 2022 (sampai 11 Mei 2022)" in note
    assert note.endswith("Di grafik: batangnya lebih pucat dan diarsir.")  # bars only: no word of dotted lines


def test_comparison_small_multiples_dot_each_units_partial_week():
    from components.comparison_view import small_multiples

    trends = pd.DataFrame({"unit_code": ["A"] * 4 + ["B"] * 4, "period": WEEKS * 2,
                           "expected_days": [6, 6, 6, 3] * 2, "reported_days": [6, 3, 6, 3, 3, 3, 3, 0],
                           **{column: [0] * 8 for column in ("on_time_days", "dds_visits", "coverage", "reports",
                                                             "flagged_reports", "response_sla_rate", "complaints",
                                                             "crimes")}})
    units = pd.DataFrame({"unit_code": ["A", "B"], "name": ["Polsek A", "Polsek B"], "population": [1000, 2000],
                          "households": [300, 500]})
    figure = small_multiples(trends, units, "reporting_rate", *WINDOW)
    for name, rates in (("Polsek A", [100.0, 50.0, 100.0, 100.0]), ("Polsek B", [50.0, 50.0, 50.0, 0.0])):
        solid, dotted = solid_and_dotted(figure, name)
        assert solid == rates[:3] + [None]
        assert dotted == [None, None, rates[2], rates[3]]
    dotted_b = next(tr for tr in figure.data if tr.name == "Polsek B" and tr.meta == "partial")
    assert dotted_b.xaxis == "x2" and dotted_b.yaxis == "y2"  # drawn in its own unit's panel
    assert figure.layout.meta["partial_note"].endswith("Di grafik: garisnya titik-titik.")


def test_scorecard_trend_marks_only_a_part_last_month():
    from components.scorecard import trend_figure

    months = [date(2022, month, 1) for month in (3, 4, 5)]
    trend = pd.DataFrame({"period": months, "dds_visits": [40, 52, 18], "reporting_rate": [0.9, 0.8, 0.7],
                          "flagged_reports": [1, 2, 0], "reports": [50, 60, 20]})
    figure = trend_figure(trend, date(2022, 5, 15))
    bars = next(tr for tr in figure.data if tr.type == "bar")
    assert bar_marks(bars) == expected_bar_marks([False, False, True])
    solid, dotted = solid_and_dotted(figure, "Pelaporan")
    assert solid == [90.0, 80.0, None] and dotted == [None, 80.0, 70.0]
    assert "Mei 2022 (sampai 15 Mei 2022)" in figure.layout.meta["partial_note"]
    # DDS visits on the right: 52 at most / 5 = 10.4, so steps of 20 up to 100, aligned with 0, 20, … 100 %.
    assert (figure.layout.yaxis2.range, figure.layout.yaxis2.dtick) == ((0, 100), 20)
    assert (figure.layout.yaxis.range, figure.layout.yaxis.dtick) == ((0, 100), 20)

    whole = trend_figure(trend, date(2022, 5, 31))
    assert whole.layout.meta is None and all(tr.meta != "partial" for tr in whole.data)


def test_crime_trend_dots_a_partial_first_and_last_month():
    from components.effectiveness_view import trend_figure

    months = pd.DataFrame({"unit_code": ["A"] * 3, "name": ["Polsek A"] * 3, "month": ["2022-03", "2022-04", "2022-05"],
                           "crimes": [9, 14, 6]})
    figure = trend_figure(months, ["Polsek A"], date(2022, 4, 16), date(2022, 3, 17), date(2022, 5, 15))
    solid, dotted = solid_and_dotted(figure, "Polsek A")
    assert solid == [None, 14, None]
    assert dotted == [9, 14, 6]
    symbols = next(tr for tr in figure.data if tr.meta == "partial").marker.symbol
    assert list(symbols) == ["circle-open", "circle", "circle-open"]
    assert figure_table(figure)["Polsek A"].tolist() == [9, 14, 6]


def test_number_axes_group_thousands_in_indonesian():
    from components.charts import format_axes

    figure = go.Figure([go.Bar(x=["Pencurian", "Penipuan"], y=[4000, 1200]),
                        go.Scatter(x=[date(2022, 4, 1), date(2022, 5, 1)], y=[1.5, 2.5], xaxis="x2", yaxis="y2")])
    figure.update_layout(xaxis2={"anchor": "y2"}, yaxis2={"anchor": "x2", "tickformat": ".1f"})
    format_axes(figure)
    assert figure.layout.separators == ",."  # 4.000 and 0,5
    assert figure.layout.yaxis.tickformat == ","  # grouped even under 10.000, where plotly would not group
    assert figure.layout.xaxis.tickformat is None  # categories
    assert figure.layout.xaxis2.tickformat is None  # dates keep their own labels
    assert figure.layout.yaxis2.tickformat == ".1f"  # a chart's own format stays


def test_a_horizontal_bar_chart_groups_its_value_axis():
    from components.charts import format_axes

    figure = format_axes(go.Figure(go.Bar(x=[1014, 9], y=["DDS", "Binluh"], orientation="h", text=[1014, 9])))
    assert figure.layout.xaxis.tickformat == "," and figure.layout.yaxis.tickformat is None
    assert figure.data[0].texttemplate == "%{text:,}"  # the labels on the bars too: 1.014
    written = format_axes(go.Figure(go.Bar(x=[1014, 9], y=["DDS", "Binluh"], orientation="h", text=["1.014", "9"])))
    assert written.data[0].texttemplate is None  # already written out: not read again as 1,014


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
