"""The compliance list with traffic lights, the reporting calendar, and the submission-delay distribution."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.i18n import fmt_date, fmt_num, fmt_pct, t
from components.safe import label
from components.tables import download_button, excel_button, percent_column, show_table, table_with_download
from queries.metrics import METRICS, lights
from queries.policy import SILENT_AMBER_DAYS, SILENT_DAYS

# The metrics' lights (amber from, green from) are in the registry; days since the last report run the other way.
LIGHTS = lights()
SILENT_AMBER, SILENT_RED = SILENT_AMBER_DAYS, SILENT_DAYS
GREEN, AMBER, RED = "#d9f0d3", "#fee8c8", "#fcbba1"
# Blue / orange / dark red differ in lightness too, so they stay apart for colour-blind readers.
STATUS_COLOURS = {"reported": "#2166ac", "late": "#fdb863", "missing": "#b2182b", "leave": "#c2a5cf",
                  "outage": "#542788", "off": "#f0f0f0"}
LIST_COLUMNS = ["name", "rank", "nrp", "polsek_name", "village_names", "expected_days", "reporting_rate",
                "reporting_rate_on_time", "dds_attainment", "quality_rate", "days_since_report"]
OFFICER_ROWS_MAX = 40  # beyond this many officers the calendar shows Polsek rows instead


def light(value, amber: float, green: float) -> str:
    if pd.isna(value):
        return ""
    return f"background-color: {GREEN if value >= green else AMBER if value >= amber else RED}"


def silence_light(days) -> str:
    if pd.isna(days):
        return f"background-color: {RED}"
    return f"background-color: {RED if days >= SILENT_RED else AMBER if days >= SILENT_AMBER else GREEN}"


def needs_attention(frame: pd.DataFrame) -> pd.Series:
    """Officers with at least one red light."""
    red = pd.Series(False, index=frame.index)
    for column, (amber, _) in LIGHTS.items():
        red |= frame[column].notna() & (frame[column] < amber)
    return red | frame["days_since_report"].isna() | (frame["days_since_report"] >= SILENT_RED)


def compliance_table(frame: pd.DataFrame) -> None:
    """The officers with coloured cells (the numbers are always shown too) and CSV/Excel downloads."""
    headers = {column: t(METRICS[column].label_key if column in METRICS else f"compliance.col.{column}")
               for column in LIST_COLUMNS}
    shown = frame[LIST_COLUMNS].copy()
    for column in LIGHTS:
        shown[column] = shown[column] * 100
    shown = shown.rename(columns=headers)
    styler = shown.style
    for column, (amber, green) in LIGHTS.items():
        styler = styler.map(lambda value, a=amber * 100, g=green * 100: light(value, a, g), subset=[headers[column]])
    styler = styler.map(silence_light, subset=[headers["days_since_report"]])
    config = {headers[column]: percent_column(headers[column]) for column in LIGHTS}
    config[headers["days_since_report"]] = st.column_config.NumberColumn(headers["days_since_report"], format="%d")
    # Colour is never the only signal: a red cell also carries a warning sign before its number.
    formats = {headers[column]: lambda value, a=amber * 100: ("⚠ " if value < a else "") + fmt_num(value, 1) + "%"
               for column, (amber, _) in LIGHTS.items()}
    formats[headers["days_since_report"]] = lambda days: ("⚠ " if days >= SILENT_RED else "") + fmt_num(days, 0)
    show_table(styler, column_config=config, formats=formats, height=min(38 + 35 * len(shown), 600))
    export = frame[LIST_COLUMNS].rename(columns=headers)
    buttons = st.columns([1, 1, 3])
    with buttons[0]:
        download_button(export, "kepatuhan_pelaporan.csv", "compliance_csv")
    with buttons[1]:
        excel_button(export, "kepatuhan_pelaporan.xlsx", "compliance_xlsx", sheet=t("compliance.title"))


POLSEK_COLUMNS = ["name", "officers", "expected_days", "reporting_rate", "reporting_rate_on_time", "dds_attainment",
                  "quality_rate"]


def polsek_compliance_table(frame: pd.DataFrame) -> None:
    """Each Polsek's officers, expected days and compliance rates, worst reporting first, with a CSV download."""
    rates = [column for column in POLSEK_COLUMNS if column in METRICS]
    shown = frame.sort_values(["reporting_rate", "name"], na_position="last")[POLSEK_COLUMNS].copy()
    shown[rates] = shown[rates] * 100
    headers = {column: t(f"rank.col.{column}") for column in POLSEK_COLUMNS}
    table_with_download(shown, headers, "kepatuhan_per_polsek.csv", key="compliance_polsek_csv",
                        column_config={column: percent_column(headers[column]) for column in rates})


def calendar_figure(calendar: pd.DataFrame) -> go.Figure:
    """Officers × days coloured by status; for many officers, Polsek × days shaded by share reported."""
    dates = sorted(calendar["date"].unique())
    labels = [fmt_date(day) for day in dates]
    if "expected_days" in calendar.columns:  # a Polda or the nation: Polsek × day from the aggregates
        expected = calendar["expected_days"].where(calendar["expected_days"] > 0)
        share = calendar.assign(done=calendar["reported_days"] / expected).pivot_table(
            index="polsek", columns="date", values="done", aggfunc="first", dropna=False).reindex(columns=dates)
        figure = go.Figure(go.Heatmap(z=share.to_numpy() * 100, x=labels, y=[label(n) for n in share.index],
                                      zmin=0, zmax=100,
                                      colorscale="YlGnBu", colorbar={"title": t("calendar.share")},
                                      hovertemplate="%{y}<br>%{x}: %{z:.0f}%<extra></extra>", xgap=1, ygap=1))
        height = 120 + 22 * len(share)
    elif calendar["nrp"].nunique() <= OFFICER_ROWS_MAX:
        statuses = list(STATUS_COLOURS)
        grid = calendar.pivot_table(index=["name", "nrp"], columns="date", values="status", aggfunc="first")
        # Codes sit mid-step (+0.5), so each status takes exactly its own colour band.
        codes = grid.apply(lambda col: col.map(statuses.index)).to_numpy(dtype=float) + 0.5
        steps = len(statuses)
        scale = [[edge / steps, colour] for index, colour in enumerate(STATUS_COLOURS.values())
                 for edge in (index, index + 1)]
        text = grid.apply(lambda col: col.map(lambda s: t(f"calendar.{s}"))).to_numpy()
        figure = go.Figure(go.Heatmap(z=codes, x=labels, y=[label(f"{n} ({nrp})") for n, nrp in grid.index],
                                      colorscale=scale, zmin=0, zmax=steps, showscale=False, text=text,
                                      hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>", xgap=1, ygap=1))
        height = 120 + 22 * len(grid)
    else:
        duty = calendar[calendar["status"].isin(["reported", "late", "missing"])]
        share = duty.assign(done=duty["status"] != "missing").pivot_table(
            index="polsek", columns="date", values="done", aggfunc="mean").reindex(columns=dates)
        figure = go.Figure(go.Heatmap(z=share.to_numpy() * 100, x=labels, y=[label(n) for n in share.index],
                                      zmin=0, zmax=100,
                                      colorscale="YlGnBu", colorbar={"title": t("calendar.share")},
                                      hovertemplate="%{y}<br>%{x}: %{z:.0f}%<extra></extra>", xgap=1, ygap=1))
        height = 120 + 22 * len(share)
    figure.update_layout(height=min(height, 1400), margin={"l": 0, "r": 0, "t": 10, "b": 0},
                         yaxis={"autorange": "reversed"}, xaxis={"side": "top"})
    return figure


def calendar_legend() -> str:
    """The status colours, as text (colour is never the only signal: hovering names the status)."""
    return " · ".join(f"{t(f'calendar.{status}')}: {t(f'calendar.colour.{status}')}" for status in STATUS_COLOURS)


def delay_figure(delays: dict, late_hours: float) -> go.Figure:
    """Reports per two hours from activity to submission (from the whole-hour counts), with the late threshold."""
    histogram = delays["histogram"]
    figure = go.Figure(go.Histogram(x=histogram["delay_hour"], y=histogram["reports"], histfunc="sum",
                                    xbins={"start": -6, "end": 121, "size": 2}, marker_color="#2c7fb8",
                                    hovertemplate=t("delays.hover") + "<extra></extra>"))
    figure.add_vline(x=late_hours, line_dash="dash", line_color="#b2182b",
                     annotation_text=t("delays.threshold", hours=fmt_num(late_hours, 0)), annotation_position="top")
    figure.update_layout(height=320, margin={"l": 0, "r": 0, "t": 30, "b": 0}, bargap=0.05,
                         xaxis_title=t("delays.axis"), yaxis_title=t("delays.reports"))
    return figure


def delay_summary(delays: dict, late_hours: float) -> str:
    if delays["reports"] == 0:
        return ""
    return t("delays.summary", median=fmt_num(delays["median"], 1), p90=fmt_num(delays["p90"], 1),
             late=fmt_pct(delays["late"] / delays["reports"]), hours=fmt_num(late_hours, 0))
