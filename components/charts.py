"""Plotly charts as readers need them: their number and date formats, and the same data as a table beneath."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.i18n import fmt_date, fmt_month, language, t
from components.tables import show_table

MAX_DATE_TICKS = 8
ISO_DAY_OR_MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def chart(figure: go.Figure, key: str, alt: str, as_table: bool = True, **options):
    """Draw the figure and, folded beneath it, its data as a table: the text equivalent of the picture.

    as_table=False only where the page shows the same numbers as a table right below the chart.
    """
    figure.update_layout(separators=",." if language() == "id" else ".,")  # 1.234,5 on the axes too
    categorical_axes(figure)
    localise_date_ticks(figure)
    event = st.plotly_chart(figure, width="stretch", key=key, alt=alt, **options)
    if as_table:
        with text_equivalent():
            show_table(figure_table(figure), key=f"{key}_table")
    return event


def text_equivalent():
    """The folded section under a chart or map that holds its numbers as a table."""
    return st.expander(t("chart.as_table"), icon=":material/table_rows:")


def categorical_axes(figure: go.Figure) -> None:
    """Axes labelled with words are categories: plotly would read a channel "110" as a number and drop the rest."""
    for trace in figure.data:
        for letter in ("x", "y"):
            values = getattr(trace, letter, None)
            if trace.type == "histogram" or values is None or len(values) == 0:
                continue
            if any(isinstance(value, str) for value in values) and as_dates(values) is None:
                anchor = getattr(trace, f"{letter}axis", None) or letter  # "x", "x2", "y2"
                figure.update_layout({f"{letter}axis{anchor[1:]}": {"type": "category"}})


def localise_date_ticks(figure: go.Figure) -> None:
    """Label date axes with Indonesian month names ("5 Mei 2021", "Mei 2022"): plotly only knows English."""
    for axis, days in date_axes(figure).items():
        if len(days) < 2:
            continue
        monthly = all(day.day == 1 for day in days)
        step = -(-len(days) // MAX_DATE_TICKS)  # ceiling division: at most MAX_DATE_TICKS labels
        shown = days[::step]
        figure.layout[axis].update(tickvals=shown, ticktext=[fmt_month(d) if monthly else fmt_date(d) for d in shown])


def date_axes(figure: go.Figure) -> dict[str, list[date]]:
    """Each x axis whose values are dates, with its sorted distinct days."""
    axes: dict[str, set[date]] = {}
    for trace in figure.data:
        values = getattr(trace, "x", None)
        if values is None or len(values) == 0 or getattr(trace, "orientation", None) == "h":
            continue
        days = as_dates(values)
        if days is not None:
            name = "xaxis" + (trace.xaxis[1:] if getattr(trace, "xaxis", None) not in (None, "x") else "")
            axes.setdefault(name, set()).update(days)
    return {axis: sorted(days) for axis, days in axes.items()}


def as_dates(values) -> list[date] | None:
    """The values as dates if they all are dates, midnight timestamps or ISO days or months ("2021-05"), else None."""
    series = pd.Series(list(values))
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series
    elif series.map(lambda v: isinstance(v, date)).all():
        stamps = pd.to_datetime(series)
    elif series.map(lambda v: isinstance(v, str) and ISO_DAY_OR_MONTH.match(v) is not None).all():
        stamps = pd.to_datetime(series, format="mixed")
    else:
        return None
    if stamps.isna().any() or not (stamps == stamps.dt.normalize()).all():
        return None
    return [stamp.date() for stamp in stamps]


def readable_x(values) -> tuple[list, str | None]:
    """A trace's x values as a table shows them ("Mei 2021" for months, dates for days) and what they are."""
    days = as_dates(values)
    if days is None:
        return list(values), None
    if all(day.day == 1 for day in days):
        return [fmt_month(day) for day in days], t("chart.month")
    return days, t("chart.date")


def figure_table(figure: go.Figure) -> pd.DataFrame:
    """The numbers a figure draws, one row per point (or per histogram bin, or per heatmap row)."""
    x_title, y_title = figure.layout.xaxis.title.text, figure.layout.yaxis.title.text
    parts = []
    for trace in figure.data:
        if trace.type == "heatmap":
            # Its words where it has them (a status per day), else its numbers (kept numeric, so they read 71,43).
            cells = np.asarray(trace.text, dtype=object) if trace.text is not None else np.asarray(trace.z, dtype=float)
            parts.append(pd.DataFrame(cells, columns=list(trace.x),
                                      index=pd.Index(list(trace.y), name=t("chart.row"))).reset_index())
        elif trace.type == "histogram":
            parts.append(histogram_table(trace))
        else:
            horizontal = getattr(trace, "orientation", None) == "h"
            labels, values = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
            labels, kind = readable_x(labels)
            label_title = (y_title if horizontal else x_title) or kind or t("chart.x")
            value_title = trace.name or (x_title if horizontal else y_title) or t("chart.value")
            if value_title == label_title:
                value_title = t("chart.value")
            frame = pd.DataFrame({label_title: labels, value_title: list(values)})
            if trace.type == "scatter" and trace.mode == "markers" and trace.text is not None:
                frame.insert(0, t("chart.point"), list(trace.text))  # a scatter's points are named units
            parts.append(frame)
    if not parts:
        return pd.DataFrame()
    same_x = all(part.columns[0] == parts[0].columns[0] for part in parts)
    unique = all(part.iloc[:, 0].is_unique for part in parts) and len({p.columns[-1] for p in parts}) == len(parts)
    if len(parts) > 1 and same_x and unique:
        # Series over the same x (bars and lines of one chart) side by side, in the order drawn: an outer
        # merge would sort "2 Mei 2022" before "25 April 2022".
        key = parts[0].columns[0]
        return pd.concat([part.set_index(key) for part in parts], axis=1, sort=False).rename_axis(key).reset_index()
    return pd.concat(parts, ignore_index=True)


def histogram_table(trace) -> pd.DataFrame:
    """A histogram's bins with their counts, as drawn."""
    values = np.asarray([v for v in trace.x if v is not None], dtype=float)
    bins = trace.xbins
    if bins is not None and bins.size:
        edges = np.arange(bins.start, bins.end + bins.size, bins.size)
    else:
        edges = np.histogram_bin_edges(values, bins="auto") if len(values) else np.array([0.0, 1.0])
    counts, edges = np.histogram(values, bins=edges)
    return pd.DataFrame({t("chart.bin_from"): edges[:-1], t("chart.bin_to"): edges[1:],
                         t("chart.count"): counts})[counts > 0].reset_index(drop=True)


def partial_months_note(start: date, end: date) -> str:
    """Name the first and last months when the window covers them only in part (their counts look low)."""
    partial = []
    if start.day != 1:
        partial.append(t("chart.partial_first", month=fmt_month(start), day=fmt_date(start)))
    if (end + timedelta(days=1)).day != 1:
        partial.append(t("chart.partial_last", month=fmt_month(end), day=fmt_date(end)))
    return t("chart.partial", months="; ".join(partial)) if partial else ""
