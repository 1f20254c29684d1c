"""How table cells read: Indonesian numbers and dates by default, English on request, numbers kept for sorting."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from components.tables import display_format


@pytest.fixture(params=["id", "en"])
def lang(request, monkeypatch):
    monkeypatch.setattr("components.i18n.language", lambda: request.param)
    return request.param


def test_counts_are_grouped_by_thousands(lang):
    shown = display_format(pd.Series([1234567, 5]))
    assert shown(1234567) == {"id": "1.234.567", "en": "1,234,567"}[lang]
    assert shown(5) == "5"


def test_printf_percent_formats_keep_their_decimals(lang):
    assert display_format(pd.Series([80.0]), "%.1f%%")(80.0) == {"id": "80,0%", "en": "80.0%"}[lang]
    assert display_format(pd.Series([0.6449]), "%.2f")(0.6449) == {"id": "0,64", "en": "0.64"}[lang]
    assert display_format(pd.Series([1500.0]), "%d")(1500.0) == {"id": "1.500", "en": "1,500"}[lang]


def test_negative_cells_keep_their_sign_unless_they_round_to_zero(lang):
    percent = display_format(pd.Series([-12.5]), "%.1f%%")
    assert percent(-12.5) == {"id": "-12,5%", "en": "-12.5%"}[lang]
    assert percent(-0.04) == {"id": "0,0%", "en": "0.0%"}[lang]  # "-0,0%" before: a change of nothing
    assert display_format(pd.Series([-1234.567, 0.5]))(-1234.567) == {"id": "-1.234,57", "en": "-1,234.57"}[lang]


def test_whole_floats_read_as_counts_and_others_with_two_decimals(lang):
    # A count column turns float when one value is missing (households of a village without a count).
    assert display_format(pd.Series([2400.0, None]))(2400.0) == {"id": "2.400", "en": "2,400"}[lang]
    assert display_format(pd.Series([7.54, 8.5]))(7.54) == {"id": "7,54", "en": "7.54"}[lang]


def test_dates_and_times_are_written_out(lang):
    assert display_format(pd.Series([date(2021, 5, 5)]))(date(2021, 5, 5)) == {"id": "5 Mei 2021",
                                                                                 "en": "5 May 2021"}[lang]
    moment = datetime(2022, 4, 18, 8, 39)
    assert display_format(pd.Series([pd.Timestamp(moment)]))(moment) == {"id": "18 April 2022 08.39",
                                                                          "en": "18 April 2022 08:39"}[lang]


def test_text_and_ticks_are_left_to_the_grid():
    assert display_format(pd.Series(["Polsek Ngawi"])) is None
    assert display_format(pd.Series([True, False])) is None


def test_missing_values_never_reach_a_formatter(monkeypatch):
    from components.tables import MISSING, show_table

    captured = {}
    monkeypatch.setattr("streamlit.dataframe", lambda styler, **options: captured.update(
        html=styler.to_html(), options=options))
    show_table(pd.DataFrame({"last_dds_date": [date(2022, 5, 1), None], "households": [1200.0, None]}))
    assert "1 Mei 2022" in captured["html"] and "1.200" in captured["html"]
    assert captured["html"].count(MISSING) == 2 and captured["options"]["placeholder"] == MISSING


def test_a_red_compliance_cell_carries_a_warning_sign_as_well_as_its_colour(monkeypatch):
    from components import compliance_view

    captured = {}
    monkeypatch.setattr("streamlit.dataframe", lambda styler, **options: captured.update(html=styler.to_html()))
    monkeypatch.setattr(compliance_view, "download_button", lambda *args, **kwargs: None)
    monkeypatch.setattr(compliance_view, "excel_button", lambda *args, **kwargs: None)
    officer = {"name": "Agus", "rank": "Aipda", "nrp": "1", "polsek_name": "Polsek Ngawi", "village_names": "Dero",
               "expected_days": 25, "reporting_rate": 0.64, "reporting_rate_on_time": 0.92, "dds_attainment": 0.8,
               "quality_rate": 0.9, "days_since_report": 9}
    compliance_view.compliance_table(pd.DataFrame([officer]))
    html = captured["html"]
    # 64 % is below the 70 % red line, 9 silent days past the 7-day one; 92 % and 80 % are not red.
    assert "⚠ 64,0%" in html and "⚠ 9" in html
    assert ">92,0%<" in html and ">80,0%<" in html and "⚠ 92" not in html


def test_number_columns_are_as_wide_as_their_header_text_columns_fit_their_cells(monkeypatch):
    from components.tables import header_width, show_table

    captured = {}
    monkeypatch.setattr("streamlit.dataframe", lambda styler, **options: captured.update(options))
    show_table(pd.DataFrame({"Polsek": ["Polsek Ngawi"], "Capaian DDS": [96.9]}),
               column_config={"Capaian DDS": {"label": "DDS target attainment", "type_config": {"format": "%.1f%%"}}})
    config = captured["column_config"]
    assert config["Capaian DDS"]["width"] == header_width("DDS target attainment") == 21 * 7 + 30
    assert config["Capaian DDS"]["type_config"]["format"] is None  # the text is made by the Styler instead
    assert "Polsek" not in config


def test_past_the_styled_size_the_grid_formats_itself(monkeypatch):
    from components.tables import MISSING, STYLED_ROWS_MAX, show_table

    captured = {}
    monkeypatch.setattr("streamlit.dataframe", lambda data, **options: captured.update(data=data, options=options))
    config = {"rate": {"label": "Pelaporan", "type_config": {"format": "%.1f%%"}}}
    show_table(pd.DataFrame({"rate": [50.0] * (STYLED_ROWS_MAX + 1)}), column_config=config)
    assert isinstance(captured["data"], pd.DataFrame)  # no Styler: its cost grows with every cell
    assert captured["options"]["column_config"] == config and captured["options"]["placeholder"] == MISSING
