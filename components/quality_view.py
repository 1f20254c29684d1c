"""Data-quality views: flag trend and per-unit counts, copied narratives, reused photos, GPS and travel problems."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from components.charts import mark_partial
from components.i18n import fmt_date, fmt_int, fmt_local_moment, fmt_num, fmt_time, t, t_plural
from components.maps import BORDER_LINE, CompactDeck, LegendEntry, show_map, view_for
from components.tables import table_with_download
from queries.flags import FLAG_NAMES

# Colour-blind-safe qualitative palette (Okabe–Ito), one colour per flag.
OUTSIDE_DOT = (213, 94, 0)
FLAG_COLOURS = dict(zip(FLAG_NAMES, ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")))


def trend_figure(trend: pd.DataFrame, start: date, end: date) -> go.Figure:
    """Flag counts per week, stacked by type; weeks the window covers only in part are marked."""
    weeks = [fmt_date(day) for day in trend["period"]]
    figure = go.Figure([go.Bar(x=weeks, y=trend[flag], name=t(f"flag.{flag}"), marker_color=FLAG_COLOURS[flag])
                        for flag in FLAG_NAMES])
    figure.update_layout(barmode="stack", height=360, margin={"l": 0, "r": 0, "t": 40, "b": 0},
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.02}, yaxis_title=t("quality.flags"),
                         xaxis_title=t("quality.week"))
    mark_partial(figure, dict(zip(weeks, trend["period"])), start, end, "week")
    return figure


def by_unit_table(frame: pd.DataFrame) -> None:
    headers = {"name": t("rank.col.name"), "reports": t("alert.col.reports"),
               **{flag: t(f"flag.{flag}") for flag in FLAG_NAMES}}
    table_with_download(frame, headers, "tanda_per_satuan.csv", key="flags_by_unit")


def flagged_list(frame: pd.DataFrame) -> None:
    """The flagged reports with a filter on flag type."""
    chosen = st.multiselect(t("quality.filter_flags"), list(FLAG_NAMES), format_func=lambda f: t(f"flag.{f}"),
                            key="quality_flag_filter")
    officer_text = st.text_input(t("quality.filter_officer"), key="quality_officer_filter").strip().lower()
    shown = frame
    if chosen:
        shown = shown[shown[chosen].any(axis=1)]
    if officer_text:
        shown = shown[shown["officer"].str.lower().str.contains(officer_text, regex=False)
                      | shown["nrp"].str.contains(officer_text, regex=False)]
    shown = shown.assign(
        when=[f"{fmt_date(d)} {fmt_time(a)}" for d, a in zip(shown["local_date"], shown["local_time"])],
        reasons=[", ".join(t(f"flag.{f}") for f in flags.split(";")) for flags in shown["flags"]],
        kind=[t(f"activity.{k}") for k in shown["activity_type"]])
    st.caption(t_plural("quality.showing", len(frame), shown=fmt_int(len(shown)), total=fmt_int(len(frame))))
    table_with_download(shown, {"when": t("score.col.when"), "officer": t("alert.col.officer"),
                                "nrp": t("alert.col.nrp"), "village": t("alert.col.village"),
                                "kind": t("score.col.type"), "reasons": t("score.col.reasons"),
                                "narrative": t("score.col.narrative"), "report_id": t("score.col.report")},
                        "laporan_bertanda.csv", key="flagged")


def clusters_table(frame: pd.DataFrame, kind: str) -> None:
    """Copied narratives (kind "narratives") or reused photos (kind "photos")."""
    if frame.empty:
        st.success(t(f"quality.no_{kind}"))
        return
    shown = frame.assign(first=[fmt_date(d) for d in frame["first_date"]],
                         last=[fmt_date(d) for d in frame["last_date"]])
    headers = {"reports": t("alert.col.reports"), "officers": t("quality.officers"), "names": t("quality.names"),
               "first": t("quality.first"), "last": t("quality.last")}
    if kind == "narratives":
        headers = {"example": t("quality.example"), **headers}
    else:
        shown["photo"] = shown["photo_sha256"].str[:12] + "…"
        headers = {"photo": t("quality.photo"), **headers}
    table_with_download(shown, headers, f"{kind}.csv", key=kind)


def gps_map(points: pd.DataFrame, villages: pd.DataFrame, bounds) -> None:
    """Reports sent from outside their village (red points) over the scope's village outlines."""
    outlines = [{"polygon": rings} for shapes in villages["shapes"] for rings in shapes]
    dots = [{"position": [row.lng, row.lat], "officer": row.officer, "village": row.village,
             "distance": fmt_num(row.gps_distance_m / 1000, 1)} for row in points.itertuples(index=False)
            if pd.notna(row.lat) and pd.notna(row.lng)]
    layers = [pdk.Layer("PolygonLayer", id="outlines", data=outlines, get_polygon="polygon", filled=False,
                        stroked=True, get_line_color=[*BORDER_LINE, 140], get_line_width=0, line_width_min_pixels=1),
              pdk.Layer("ScatterplotLayer", id="outside", data=dots, get_position="position", get_radius=120,
                        radius_min_pixels=3, get_fill_color=[*OUTSIDE_DOT, 200], pickable=True)]
    show_map(CompactDeck(layers=layers, initial_view_state=view_for(bounds), map_provider=None,
                         map_style=None, tooltip={"text": t("quality.gps_tooltip")}),
             [LegendEntry(t("quality.gps_legend"), OUTSIDE_DOT, "dot")], t("quality.tab.gps"), 420)


def gps_table(points: pd.DataFrame) -> None:
    when = [f"{fmt_date(d)} {fmt_time(a)}" for d, a in zip(points["local_date"], points["local_time"])]
    shown = points.assign(when=when, distance_km=(points["gps_distance_m"] / 1000).round(2))
    table_with_download(shown, {"when": t("score.col.when"), "officer": t("alert.col.officer"),
                                "village": t("alert.col.village"), "distance_km": t("quality.distance_km"),
                                "lat": "lat", "lng": "lng", "report_id": t("score.col.report")},
                        "gps_di_luar_desa.csv", key="gps_outside")


def travel_table(pairs: pd.DataFrame) -> None:
    if pairs.empty:
        st.success(t("quality.no_travel"))
        return
    shown = pairs.assign(
        when=[f"{fmt_date(d)} {fmt_time(a)}" for d, a in zip(pairs["local_date"], pairs["local_time"])],
        before=[f"{a:%d/%m} {fmt_time(a)}" if pd.notna(a) else "–" for a in pairs["previous_at"]],
        km=pairs["travel_km"].round(1), minutes=(pairs["travel_seconds"] / 60).round(0))
    table_with_download(shown, {"officer": t("alert.col.officer"), "when": t("score.col.when"),
                                "village": t("alert.col.village"), "before": t("quality.previous_time"),
                                "previous_village": t("quality.previous_village"), "km": t("quality.km"),
                                "minutes": t("quality.minutes"), "speed_kmh": t("quality.speed"),
                                "report_id": t("score.col.report"), "previous_report_id": t("quality.previous_report")},
                        "perjalanan_mustahil.csv", key="travel")


def outage_tables(dips: pd.DataFrame, recorded: pd.DataFrame, zone: str) -> None:
    """Days with unusually few submissions, and the outages the export records (their times local to `zone`)."""
    st.markdown(f"**{t('quality.dips')}**")
    if dips.empty:
        st.success(t("alert.none"))
    else:
        shown = dips.assign(day=[fmt_date(d) for d in dips["date"]])
        table_with_download(shown, {"day": t("alert.col.day"), "submissions": t("alert.col.submissions"),
                                    "usual": t("alert.col.usual")}, "dugaan_gangguan.csv", key="dips")
    st.markdown(f"**{t('quality.recorded')}**")
    if recorded.empty:
        st.info(t("quality.no_recorded"))
    else:
        shown = recorded.assign(start=[fmt_local_moment(at, zone) for at in recorded["start_at"]],
                                end=[fmt_local_moment(at, zone) for at in recorded["end_at"]],
                                where=recorded["unit"].fillna(t("quality.everywhere")),
                                duration=recorded["hours"].round(1))
        table_with_download(shown, {"start": t("quality.start_utc"), "end": t("quality.end_utc"),
                                    "where": t("quality.where"), "duration": t("quality.hours"),
                                    "note": t("quality.note")}, "gangguan_tercatat.csv", key="recorded")
