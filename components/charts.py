"""Plotly charts as readers need them: their number and date formats, and the same data as a table beneath."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from components.i18n import fmt_date, fmt_month, number_separators, t
from components.tables import show_table

MAX_DATE_TICKS = 8
ISO_DAY_OR_MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
WHOLE_NUMBER = re.compile(r"^-?\d+$")
# Grouped thousands ("4.000") and no more decimals than a tick needs ("0,5"): plotly leaves numbers under
# 10,000 ungrouped, and ",d" would print ticks 0, 0.5, 1 of a small count as "0, 1, 1".
NUMBER_TICKS = ","
PARTIAL = "partial"  # meta of the dotted line piece that draws a partial period
PARTIAL_OPACITY = 0.45
PARTIAL_PATTERN = "/"
DUAL_AXIS_INTERVALS = 5


def chart(figure: go.Figure, key: str, alt: str, as_table: bool = True, **options):
    """Draw the figure and, folded beneath it, its data as a table: the text equivalent of the picture.

    as_table=False only where the page shows the same numbers as a table right below the chart.
    """
    format_axes(figure)
    event = st.plotly_chart(figure, width="stretch", key=key, alt=alt, **options)
    if isinstance(figure.layout.meta, dict) and figure.layout.meta.get("partial_note"):
        st.caption(figure.layout.meta["partial_note"])  # what the hatched bars and dotted lines mean
    if as_table:
        with text_equivalent():
            show_table(figure_table(figure), key=f"{key}_table")
    return event


def text_equivalent():
    """The folded section under a chart or map that holds its numbers as a table."""
    return st.expander(t("chart.as_table"), icon=":material/table_rows:")


def format_axes(figure: go.Figure) -> go.Figure:
    """Numbers and dates on the axes as the chosen language writes them: 4.000 · 0,5 · Mei 2022."""
    figure.update_layout(separators=number_separators())
    categorical_axes(figure)
    group_thousands(figure)
    localise_date_ticks(figure)
    for trace in figure.data:  # numbers printed on bars read like the axis beside them
        if trace.type == "bar" and trace.text is not None and not trace.texttemplate and all_numbers(trace.text):
            trace.texttemplate = "%{text:" + NUMBER_TICKS + "}"
    return figure


def group_thousands(figure: go.Figure) -> None:
    """Give every number axis grouped thousands in the chosen language, unless the chart set its own format."""
    for axis in numeric_axes(figure):
        if not figure.layout[axis].tickformat:
            figure.layout[axis].tickformat = NUMBER_TICKS


def numeric_axes(figure: go.Figure) -> set[str]:
    """The layout names ("yaxis", "xaxis2", …) of the axes on which some trace draws numbers."""
    axes = set()
    for trace in figure.data:
        if trace.type == "heatmap":
            continue
        for letter in "xy":
            values = getattr(trace, letter, None)
            counted = values is None and trace.type == "histogram"  # a histogram's other axis counts
            if counted or values is not None and len(values) and is_number_series(values):
                reference = getattr(trace, f"{letter}axis", None) or letter
                axes.add(f"{letter}axis{reference[1:]}")
    return axes


def is_number_series(values) -> bool:
    series = pd.Series(list(values))
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def all_numbers(texts) -> bool:
    """Whether every label is a whole number: plotly keeps a bar's numeric labels as text ("1014"); text that is
    already written out ("1.014", "80,0%") is left as it is."""
    return len(texts) > 0 and all(WHOLE_NUMBER.match(str(text)) for text in texts)


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
    dashed = {trace.legendgroup: trace for trace in figure.data if trace.meta == PARTIAL}
    parts = []
    for trace in figure.data:
        if trace.meta == PARTIAL:
            continue  # its points are put back into the line it continues, below
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
            if trace.legendgroup in dashed:
                values = [own if own is not None else piece for own, piece in zip(values, dashed[trace.legendgroup].y)]
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


def period_end(period: date, freq: str) -> date:
    """The last day of the week (Monday to Sunday) or calendar month starting on `period`."""
    if freq == "week":
        return period + timedelta(days=6)
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def is_partial(period: date, start: date, end: date, freq: str) -> bool:
    """True when the window [start, end] leaves out some days of the week or month starting on `period`."""
    return period < start or period_end(period, freq) > end


def mark_partial(figure: go.Figure, periods: Mapping, start: date, end: date, freq: str) -> None:
    """Draw the periods the window covers only in part as partial, so a short period never reads as a collapse.

    periods maps each x value as drawn to its period's first day. Bars of a partial period are lighter and
    hatched; a line reaches a partial period with a dotted piece and an open marker. The note naming the
    partial periods rides along in layout.meta and is printed under the chart by chart().
    """
    partial = {x for x, period in periods.items() if is_partial(pd.Timestamp(period).date(), start, end, freq)}
    if not partial:
        return
    colours = default_colours(figure)
    marked = set()
    for index, trace in enumerate(list(figure.data)):
        flags = [x in partial for x in trace.x]
        if not any(flags):
            continue
        if trace.type == "bar":
            trace.marker.opacity = [PARTIAL_OPACITY if flag else 1.0 for flag in flags]
            trace.marker.pattern.shape = [PARTIAL_PATTERN if flag else "" for flag in flags]
            marked.add("bars")
        elif trace.type == "scatter" and "lines" in (trace.mode or "lines"):
            dot_partial_line(figure, trace, flags, trace.line.color or colours[index], f"partial-{index}")
            marked.add("lines")
    note = partial_months_note(start, end) if freq == "month" else partial_weeks_note(start, end)
    drawn = "marked" if len(marked) == 2 else next(iter(marked), None)  # name only the marks this chart has
    how = t(f"chart.partial_{drawn}") if drawn else ""
    figure.layout.meta = {"partial_note": f"{note} {how}".strip()}


def dot_partial_line(figure: go.Figure, trace, flags: list[bool], colour: str, group: str) -> None:
    """Cut the partial points out of the solid line and draw them, with the point each joins, as a dotted piece."""
    values = list(trace.y)
    joined = [flag or any(flags[max(i - 1, 0):i + 2]) for i, flag in enumerate(flags)]
    trace.update(y=[None if flag else value for value, flag in zip(values, flags)], line_color=colour,
                 legendgroup=trace.legendgroup or group)
    trace.marker.color = trace.marker.color or colour
    figure.add_scatter(x=trace.x, y=[value if join else None for value, join in zip(values, joined)],
                       mode=trace.mode, name=trace.name, legendgroup=trace.legendgroup, showlegend=False,
                       meta=PARTIAL, xaxis=trace.xaxis, yaxis=trace.yaxis,
                       line={"color": colour, "dash": "dot", "width": trace.line.width},
                       marker={"color": colour, "symbol": ["circle-open" if flag else "circle" for flag in flags]})


def default_colours(figure: go.Figure) -> list[str]:
    """The colour plotly gives each trace without its own (by its index): set explicitly, a line and its dotted
    piece match (Streamlit swaps its theme's placeholder colours for the theme's own)."""
    template = pio.templates[pio.templates.default] if pio.templates.default else None
    colourway = list(figure.layout.colorway or (template.layout.colorway if template else None) or
                     ["#1f77b4"])
    return [colourway[i % len(colourway)] for i in range(len(figure.data))]


def partial_weeks_note(start: date, end: date) -> str:
    """Name the first and last weeks (Monday to Sunday) when the window covers them only in part."""
    first_monday = start - timedelta(days=start.weekday())
    last_monday = end - timedelta(days=end.weekday())
    partial = []
    if first_monday < start:
        partial.append(t("chart.partial_week_first", week=fmt_date(first_monday), day=fmt_date(start)))
    if period_end(last_monday, "week") > end and (last_monday != first_monday or not partial):
        partial.append(t("chart.partial_week_last", week=fmt_date(last_monday), day=fmt_date(end)))
    return t("chart.partial_weeks", weeks="; ".join(partial)) if partial else ""


def round_dual_axes(figure: go.Figure, percent_axis: str, count_axis: str, counts) -> None:
    """Align a 0–100 % axis and a count axis on the same round gridlines (0, 20, …, 100 and 0, 5, …, 25)."""
    top = float(np.nanmax(np.asarray(counts, dtype=float))) if len(counts) else 0.0
    step = nice_step(top / DUAL_AXIS_INTERVALS if top > 0 else 1)
    figure.layout[percent_axis].update(range=[0, 100], tick0=0, dtick=100 / DUAL_AXIS_INTERVALS, tickmode="linear")
    figure.layout[count_axis].update(range=[0, step * DUAL_AXIS_INTERVALS], tick0=0, dtick=step, tickmode="linear",
                                     tickformat=",d")
    for trace in figure.data:
        if trace.type == "scatter":
            trace.cliponaxis = False  # a point at 100 % sits on the top edge: draw it whole


def nice_step(raw: float) -> int:
    """The smallest whole 1, 2, 2.5 or 5 × 10^k at least `raw` (at least 1: counts have no half ticks)."""
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return next(int(f * power) for f in (1, 2, 2.5, 5, 10) if f * power >= raw and float(f * power).is_integer())
