"""Complaint charts: categories and channels, response-time distributions, weekly trend, backlog by age, map."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from components.charts import mark_partial, round_dual_axes, text_equivalent
from components.i18n import fmt_date, fmt_int, fmt_num, fmt_pct, t
from components.maps import BORDER_LINE, CompactDeck, LegendEntry, bounds_of, show_map, view_for
from components.safe import label
from components.tables import percent_column, table_with_download

SLA_COLOUR = "#b2182b"
OPEN_DOT = (179, 0, 0)
CLOSED_DOT = (44, 127, 184)
MAP_SIZE = (700, 420)


def headline(frame: pd.DataFrame, sla_hours: float) -> None:
    """Complaints, median and p90 first response, SLA share, open backlog (old)."""
    window = frame[frame["in_window"]]
    answered = window["response_hours"].dropna()
    cards = st.columns(5)
    cards[0].metric(t("complaints.count"), fmt_int(len(window)), border=True)
    cards[1].metric(t("complaints.median"), _hours(answered.median() if len(answered) else np.nan), border=True)
    cards[2].metric(t("complaints.p90"), _hours(np.percentile(answered, 90) if len(answered) else np.nan),
                    border=True)
    cards[3].metric(t("complaints.sla", hours=fmt_num(sla_hours, 0)),
                    fmt_pct(window["within_sla"].sum() / len(window) if len(window) else np.nan), border=True)
    cards[4].metric(t("complaints.backlog"), fmt_int(frame["open_at_end"].sum()), border=True,
                    help=t("complaints.backlog_help", old=fmt_int(frame["old_at_end"].sum())))


def _hours(value) -> str:
    return "–" if pd.isna(value) else t("complaints.hours", hours=fmt_num(value, 1))


def breakdown_figure(counts: pd.DataFrame, column: str) -> go.Figure:
    figure = go.Figure(go.Bar(x=counts["complaints"], y=[label(v) for v in counts[column]], orientation="h",
                              marker_color="#2c7fb8",
                              text=counts["complaints"], textposition="outside"))
    figure.update_layout(height=60 + 28 * len(counts), margin={"l": 0, "r": 30, "t": 10, "b": 0},
                         yaxis={"autorange": "reversed"}, xaxis_title=t("complaints.count"))
    return figure


def distribution_figure(hours: pd.Series, sla_hours: float, title: str) -> go.Figure:
    """Hours to first response (or resolution), clipped at 10 days, with the SLA line."""
    clipped = hours.dropna().clip(upper=240)
    figure = go.Figure(go.Histogram(x=clipped, xbins={"start": 0, "end": 244, "size": 4}, marker_color="#41b6c4"))
    figure.add_vline(x=sla_hours, line_dash="dash", line_color=SLA_COLOUR,
                     annotation_text=t("complaints.sla_line", hours=fmt_num(sla_hours, 0)))
    figure.update_layout(height=280, margin={"l": 0, "r": 0, "t": 30, "b": 0}, xaxis_title=title,
                         yaxis_title=t("complaints.count"), bargap=0.05)
    return figure


def weekly_figure(weekly: pd.DataFrame, start: date, end: date) -> go.Figure:
    """Complaints per week (bars) and the share answered within the SLA (line); partial weeks marked."""
    weeks = [fmt_date(day) for day in weekly["week"]]
    figure = go.Figure()
    figure.add_bar(x=weeks, y=weekly["complaints"], name=t("complaints.count"), marker_color="#a1dab4")
    figure.add_scatter(x=weeks, y=weekly["within_sla"] / weekly["complaints"] * 100, name=t("complaints.sla_share"),
                       yaxis="y2", mode="lines+markers", line={"color": "#1d4e89"})
    figure.update_layout(height=280, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend={"orientation": "h"},
                         yaxis={"title": t("complaints.count")},
                         yaxis2={"title": "%", "overlaying": "y", "side": "right", "showgrid": False})
    round_dual_axes(figure, "yaxis2", "yaxis", weekly["complaints"])
    mark_partial(figure, dict(zip(weeks, weekly["week"])), start, end, "week")
    return figure


def backlog_figure(buckets: pd.DataFrame) -> go.Figure:
    labels = [t("complaints.age", low=low, high=int(high)) if pd.notna(high) else t("complaints.age_over", low=low)
              for low, high in buckets[["low", "high"]].itertuples(index=False)]
    figure = go.Figure(go.Bar(x=labels, y=buckets["complaints"], text=buckets["complaints"], textposition="outside",
                              marker_color=["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"]))
    figure.update_layout(height=280, margin={"l": 0, "r": 0, "t": 20, "b": 0}, yaxis_title=t("complaints.count"))
    return figure


def unit_table(units: pd.DataFrame) -> None:
    """Complaint response per unit, the worst SLA first (then the largest backlog); units without complaints last."""
    ordered = units.sort_values(["response_sla_rate", "open_backlog", "name"], ascending=[True, False, True],
                                na_position="last")
    shown = ordered.assign(sla=ordered["response_sla_rate"] * 100)
    headers = {"name": t("rank.col.name"), "complaints": t("complaints.count"),
               "first_response_median_h": t("complaints.median"), "first_response_p90_h": t("complaints.p90"),
               "sla": t("complaints.sla_short"), "resolution_median_h": t("complaints.resolution"),
               "open_backlog": t("complaints.backlog"), "backlog_old": t("complaints.backlog_old")}
    hours = {c: st.column_config.NumberColumn(headers[c], format="%.1f") for c in
             ("first_response_median_h", "first_response_p90_h", "resolution_median_h")}
    table_with_download(shown, headers, "pengaduan_per_satuan.csv", key="complaint_units",
                        column_config={"sla": percent_column(headers["sla"]), **hours})


def complaint_deck(merged: pd.DataFrame) -> tuple[pdk.Deck, list[LegendEntry]]:
    """Village outlines with a circle per village sized by its complaints (red: some still open), and its legend."""
    outlines = [{"polygon": rings} for shapes in merged["shapes"] for rings in shapes]
    dots = [{"position": [row.lng, row.lat], "village": row.name, "complaints": fmt_int(row.complaints),
             "open": fmt_int(row.open_backlog), "radius": 150 * math.sqrt(row.complaints),
             "fill": [*(OPEN_DOT if row.open_backlog else CLOSED_DOT), 200]}
            for row in merged.itertuples(index=False) if row.complaints > 0 and pd.notna(row.lat)]
    layers = [pdk.Layer("PolygonLayer", id="outlines", data=outlines, get_polygon="polygon", filled=False,
                        stroked=True, get_line_color=[*BORDER_LINE, 120], get_line_width=0, line_width_min_pixels=1),
              pdk.Layer("ScatterplotLayer", id="complaints", data=dots, get_position="position", get_radius="radius",
                        radius_min_pixels=3, get_fill_color="fill", pickable=True)]
    # The view fits what is drawn: the scope's village outlines, and the villages known only by a point.
    bounds = bounds_of((rings for shapes in merged["shapes"] for rings in shapes),
                       merged.loc[merged["lat"].notna(), ["lng", "lat"]].itertuples(index=False))
    legend = [LegendEntry(t("complaints.map_open"), OPEN_DOT, "dot"),
              LegendEntry(t("complaints.map_closed"), CLOSED_DOT, "dot"),
              LegendEntry(t("complaints.map_size"), BORDER_LINE, "note")]
    deck = CompactDeck(layers=layers, initial_view_state=view_for(bounds, *MAP_SIZE), map_provider=None,
                       map_style=None, tooltip={"text": t("complaints.map_tooltip")})
    return deck, legend


def complaint_map(villages: pd.DataFrame, counts: pd.DataFrame) -> None:
    """The complaint map with its legend, and the villages with complaints as a table beneath."""
    merged = villages.merge(counts, on="village_code", how="left").fillna({"complaints": 0, "open_backlog": 0})
    show_map(*complaint_deck(merged), t("complaints.map"), MAP_SIZE[1])
    # The map's text equivalent: colour alone (red: some still open) must not carry the message.
    listed = merged[merged["complaints"] > 0].sort_values(["open_backlog", "complaints", "name"],
                                                           ascending=[False, False, True])
    with text_equivalent():
        table_with_download(listed, {"name": t("map.col.name"), "polsek": t("map.col.polsek"),
                                     "complaints": t("complaints.count"), "open_backlog": t("rank.col.open_backlog")},
                            "pengaduan_per_desa.csv", key="complaints_villages")
