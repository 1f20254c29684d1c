"""Side-by-side comparison of units: every measure with its denominator, small-multiple trends, a choropleth."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
from plotly.subplots import make_subplots

from components.charts import mark_partial
from components.i18n import fmt_int, fmt_num, fmt_pct, t
from components.maps import BORDER_LINE, CompactDeck, LegendEntry, bounds_of, show_map, view_for
from components.safe import label
from components.tables import download_button
from queries.comparison import MEASURES
from queries.metrics import METRICS, OFFICER_MEASURES, rankable
from queries.metrics import value as metric_value

DENOMINATORS = ["officers", "expected_days", "villages", "households", "population", "reports", "complaints", "crimes"]
SEQUENTIAL = [(255, 255, 204), (161, 218, 180), (65, 182, 196), (44, 127, 184), (37, 52, 148)]
STEPS = len(SEQUENTIAL)
FEW_CASES = (189, 189, 189)
CHOSEN_LINE = (217, 95, 2)
MAP_SIZE = (700, 420)


def value_text(measure: str, value) -> str:
    return fmt_pct(value) if METRICS[measure].kind == "rate" else fmt_num(value, 2)


def side_by_side(units: pd.DataFrame) -> pd.DataFrame:
    """Rows: measures then denominators; columns: the units. Too-few-cases values are marked, not hidden."""
    rows = []
    for measure in MEASURES:
        ok = rankable(units, measure)
        row = {t("cmp.measure"): t(METRICS[measure].label_key)}
        for unit, value, enough in zip(units["name"], units[measure], ok):
            row[unit] = value_text(measure, value) + ("" if enough or pd.isna(value) else f" ({t('cmp.few')})")
        rows.append(row)
    for column in DENOMINATORS:
        rows.append({t("cmp.measure"): t(f"cmp.denominator.{column}"),
                     **{unit: fmt_int(value) for unit, value in zip(units["name"], units[column])}})
    return pd.DataFrame(rows)


def ranking_table(ranked: pd.DataFrame, measure: str) -> pd.DataFrame:
    denominator, minimum = METRICS[measure].case_column, METRICS[measure].min_cases
    return pd.DataFrame({
        t("cmp.rank"): [fmt_int(r) if pd.notna(r) else t("cmp.not_ranked") for r in ranked["rank"]],
        t("rank.col.name"): ranked["name"],
        t(METRICS[measure].label_key): [value_text(measure, v) for v in ranked[measure]],
        t(f"cmp.denominator.{denominator}"): [fmt_int(v) for v in ranked[denominator]],
        t("cmp.note"): ["" if ok else t("cmp.few_cases", minimum=fmt_int(minimum)) for ok in ranked["rankable"]],
    })


def weekly_measure(trend: pd.DataFrame, measure: str, unit: pd.Series) -> pd.Series:
    """The measure per week, from the week's own sums (never an average of daily ratios).

    A week's people and households are the unit's: they do not change from one week to the next.
    """
    sizes = {column: float(unit[column]) if pd.notna(unit[column]) else np.nan
             for column in ("population", "households")}
    return metric_value(trend.assign(**sizes), measure, OFFICER_MEASURES)


def small_multiples(trends: pd.DataFrame, units: pd.DataFrame, measure: str, start: date, end: date) -> go.Figure:
    """One small chart per unit, same axis, the measure week by week; weeks only partly in the window dotted."""
    figure = make_subplots(rows=1, cols=len(units), shared_yaxes=True,
                           subplot_titles=[label(name) for name in units["name"]])
    for index, unit in enumerate(units.itertuples(index=False), start=1):
        rows = trends[trends["unit_code"] == unit.unit_code]
        values = weekly_measure(rows, measure, pd.Series(unit._asdict()))
        scale = 100 if METRICS[measure].kind == "rate" else 1
        figure.add_scatter(x=rows["period"], y=values * scale, mode="lines+markers", showlegend=False,
                           name=label(unit.name), line={"color": "#1d4e89"}, row=1, col=index)
    figure.update_layout(height=260, margin={"l": 0, "r": 0, "t": 30, "b": 0})
    figure.update_yaxes(title_text=t(METRICS[measure].label_key) + (" (%)" if METRICS[measure].kind == "rate" else ""),
                        col=1)
    mark_partial(figure, {period: period for period in trends.get("period", [])}, start, end, "week")
    return figure


def choropleth_deck(all_units: pd.DataFrame, shapes: dict, measure: str,
                    chosen: list[str]) -> tuple[pdk.Deck, list[LegendEntry]]:
    """Every unit of the level coloured by the measure in five equal steps (few-case units grey), the chosen ones
    outlined; the view fits the chosen units, so small units are not specks in a whole Polda."""
    values = all_units[measure].where(rankable(all_units, measure))
    low, high = values.min(), values.max()
    records = []
    for unit, value in zip(all_units.itertuples(index=False), values):
        if pd.isna(value):
            fill = [*FEW_CASES, 140]
        else:
            step = 0 if high == low else min(int((value - low) / (high - low) * STEPS), STEPS - 1)
            fill = [*SEQUENTIAL[step], 210]
        text = value_text(measure, getattr(unit, measure))
        for rings in shapes.get(unit.unit_code, []):
            records.append({"polygon": rings, "fill": fill, "name": unit.name, "value": text})
    chosen_shapes = [rings for code in chosen for rings in shapes.get(code, [])]
    layers = [pdk.Layer("PolygonLayer", id="units", data=records, get_polygon="polygon", get_fill_color="fill",
                        get_line_color=[*BORDER_LINE, 200], get_line_width=0, line_width_min_pixels=1, stroked=True,
                        pickable=True),
              pdk.Layer("PolygonLayer", id="chosen", data=[{"polygon": rings} for rings in chosen_shapes],
                        get_polygon="polygon", filled=False, stroked=True, get_line_color=[*CHOSEN_LINE, 255],
                        get_line_width=0, line_width_min_pixels=3, pickable=False)]
    view = view_for(bounds_of(chosen_shapes) or bounds_of(rings for parts in shapes.values() for rings in parts),
                    *MAP_SIZE)
    deck = CompactDeck(layers=layers, initial_view_state=view, map_provider=None, map_style=None,
                       tooltip={"text": "{name}\n{value}"})
    return deck, choropleth_legend(measure, low, high, values.isna().any() and len(values) > 0)


def choropleth_legend(measure: str, low, high, few: bool) -> list[LegendEntry]:
    """The five steps with their value ranges, grey for too few cases, the outline of the chosen units."""
    legend = []
    if pd.notna(low):
        width = (high - low) / STEPS
        steps = 1 if high == low else STEPS
        legend = [LegendEntry(f"{value_text(measure, low + width * step)} – "
                              f"{value_text(measure, low + width * (step + 1) if step < steps - 1 else high)}",
                              SEQUENTIAL[step]) for step in range(steps)]
    if few:
        legend.append(LegendEntry(t("cmp.legend_few"), FEW_CASES))
    legend.append(LegendEntry(t("cmp.legend_chosen"), CHOSEN_LINE, "outline"))
    return legend


def choropleth(all_units: pd.DataFrame, shapes: dict, measure: str, chosen: list[str]) -> None:
    show_map(*choropleth_deck(all_units, shapes, measure, chosen), t(METRICS[measure].label_key), MAP_SIZE[1])


def downloads(table: pd.DataFrame, key: str) -> None:
    download_button(table, f"perbandingan_{key}.csv", key)
