"""Data-quality views: flag trend and per-unit counts, copied narratives, reused photos, GPS and travel problems."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from components import data
from components.charts import mark_partial
from components.data import PAGE_ROWS
from components.i18n import fmt_date, fmt_int, fmt_local_moment, fmt_num, fmt_time, t, t_plural
from components.maps import BORDER_LINE, CompactDeck, LegendEntry, show_map, view_for
from components.tables import page_offset, show_table, streamed_download, table_with_download
from queries import quality_lists
from queries.flags import FLAG_NAMES
from queries.schema import ACTIVITY_TYPES
from queries.scope import Scope

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


Moment = Callable[[date, datetime | None], str]


def shown_moment(day: date, at: datetime | None) -> str:
    """A report's local date and time as the page reads them (5 Mei 2022 08.15)."""
    return f"{fmt_date(day)} {fmt_time(at)}"


def file_moment(day: date, at: datetime | None) -> str:
    """A report's local date and time in a download: ISO, which every spreadsheet reads as a date."""
    return f"{day:%Y-%m-%d} {at:%H:%M}" if at is not None and pd.notna(at) else f"{day:%Y-%m-%d}"


def labels() -> dict[str, str]:
    """The flag and activity names in the reader's language, fixed before a download runs off the session."""
    return {**{flag: t(f"flag.{flag}") for flag in FLAG_NAMES},
            **{f"activity.{kind}": t(f"activity.{kind}") for kind in ACTIVITY_TYPES}}


# The tabs' filters and orders: Streamlit forgets the value of a widget it does not draw, and a closed tab draws none.
KEPT_WIDGETS = ("quality_flag_filter", "quality_officer_filter",
                *(f"order_{kind}" for kind in ("flagged", "narratives", "photos", "gps", "travel")))


def keep_tab_choices() -> None:
    """Keep the closed tabs' filters and orders as plain session state, so reopening a tab finds them as left.

    Page numbers are not kept: their range follows the list, which another scope changes.
    """
    for key in KEPT_WIDGETS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def order_picker(options: tuple[str, ...], key: str) -> str:
    return st.selectbox(t("table.order"), options, format_func=lambda o: t(f"quality.order.{o}"),
                        key=f"order_{key}")


def _rows(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    return frame[list(headers)].rename(columns=headers)


def flagged_rows(frame: pd.DataFrame, names: dict[str, str], moment: Moment) -> pd.DataFrame:
    """The flagged reports with their time, flag reasons and activity kind written out."""
    return frame.assign(
        when=[moment(d, a) for d, a in zip(frame["local_date"], frame["local_time"])],
        reasons=[", ".join(names[f] for f in flags.split(";")) for flags in frame["flags"]],
        kind=[names[f"activity.{k}"] for k in frame["activity_type"]])


def flagged_headers() -> dict[str, str]:
    return {"when": t("score.col.when"), "officer": t("alert.col.officer"), "nrp": t("alert.col.nrp"),
            "village": t("alert.col.village"), "kind": t("score.col.type"), "reasons": t("score.col.reasons"),
            "narrative": t("score.col.narrative"), "report_id": t("score.col.report")}


def flagged_list(scope: Scope, total: int) -> None:
    """The flagged reports, a page at a time, with filters on flag type and officer; the download has them all."""
    chosen = tuple(st.multiselect(t("quality.filter_flags"), list(FLAG_NAMES), format_func=lambda f: t(f"flag.{f}"),
                                  key="quality_flag_filter"))
    officer_text = st.text_input(t("quality.filter_officer"), key="quality_officer_filter").strip().lower()
    order = order_picker(("worst", "newest"), "flagged")
    kept = data.flagged_count(scope, chosen, officer_text) if chosen or officer_text else total
    st.caption(t_plural("quality.showing", total, shown=fmt_int(kept), total=fmt_int(total)))
    offset = page_offset(kept, "flagged")
    headers, names = flagged_headers(), labels()
    page = data.flagged_page(scope, offset, PAGE_ROWS, order, chosen, officer_text)
    show_table(_rows(flagged_rows(page, names, shown_moment), headers))
    streamed_download(lambda: (_rows(flagged_rows(chunk, names, file_moment), headers) for chunk in data.stream(
        quality_lists.stream_flagged_reports, scope, order, chosen, officer_text)), "laporan_bertanda.csv", "flagged")


def cluster_rows(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Copied narratives or shared photos with their first and last dates (ISO: the same on screen and in files)."""
    shown = frame.assign(first=frame["first_date"], last=frame["last_date"])
    if kind == "photos":
        shown["photo"] = shown["photo_sha256"].str[:12] + "…"
    return shown


def cluster_headers(kind: str) -> dict[str, str]:
    headers = {"reports": t("alert.col.reports"), "officers": t("quality.officers"), "names": t("quality.names"),
               "first": t("quality.first"), "last": t("quality.last")}
    if kind == "narratives":
        return {"example": t("quality.example"), **headers}
    return {"photo": t("quality.photo"), **headers}


CLUSTER_LISTS = {"narratives": (data.narrative_page, quality_lists.stream_narrative_clusters),
                 "photos": (data.photo_page, quality_lists.stream_reused_photos)}


def clusters_table(scope: Scope, kind: str, total: int) -> None:
    """Copied narratives (kind "narratives") or reused photos (kind "photos"), a page at a time."""
    if total == 0:
        st.success(t(f"quality.no_{kind}"))
        return
    page_of, everything = CLUSTER_LISTS[kind]
    st.caption(t(f"quality.{kind}_count", count=fmt_int(total)))
    order = order_picker(("worst", "officers"), kind)
    offset = page_offset(total, kind)
    headers = cluster_headers(kind)
    show_table(_rows(cluster_rows(page_of(scope, offset, PAGE_ROWS, order), kind), headers))
    streamed_download(lambda: (_rows(cluster_rows(chunk, kind), headers)
                               for chunk in data.stream(everything, scope, order)), f"{kind}.csv", kind)


def gps_map(points: pd.DataFrame, polygons: list, bounds) -> None:
    """Reports sent from outside their village (red points) over the scope's village outlines."""
    outlines = [{"polygon": rings} for rings in polygons]
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


def gps_rows(points: pd.DataFrame, moment: Moment) -> pd.DataFrame:
    return points.assign(when=[moment(d, a) for d, a in zip(points["local_date"], points["local_time"])],
                         distance_km=(points["gps_distance_m"] / 1000).round(2))


def gps_headers() -> dict[str, str]:
    return {"when": t("score.col.when"), "officer": t("alert.col.officer"), "village": t("alert.col.village"),
            "distance_km": t("quality.distance_km"), "lat": "lat", "lng": "lng", "report_id": t("score.col.report")}


def gps_section(scope: Scope, total: int) -> None:
    """Reports sent from outside their village, a page at a time: the map draws the page's points only.

    A Polda's window holds tens of thousands of them; drawing them all sent every row to the browser.
    The download has them all.
    """
    order = order_picker(("worst", "time"), "gps")
    offset = page_offset(total, "gps")
    page = data.gps_page(scope, offset, PAGE_ROWS, order)
    if len(page) < total:
        st.caption(t("quality.gps_map_shows", shown=fmt_int(len(page)), total=fmt_int(total)))
    gps_map(page, data.map_outlines(scope), data.scope_bounds(scope))  # the outlines only: no coverage frame
    headers = gps_headers()
    show_table(_rows(gps_rows(page, shown_moment), headers))
    streamed_download(lambda: (_rows(gps_rows(chunk, file_moment), headers) for chunk in data.stream(
        quality_lists.stream_gps_outside, scope, order)), "gps_di_luar_desa.csv", "gps_outside")


def travel_rows(pairs: pd.DataFrame, moment: Moment) -> pd.DataFrame:
    """Impossible-travel pairs with both times written out, the distance and the gap."""
    return pairs.assign(
        when=[moment(d, a) for d, a in zip(pairs["local_date"], pairs["local_time"])],
        before=[moment(a.date(), a) if a is not None and pd.notna(a) else "–" for a in pairs["previous_at"]],
        km=pairs["travel_km"].round(1), minutes=(pairs["travel_seconds"] / 60).round(0))


def travel_headers() -> dict[str, str]:
    return {"officer": t("alert.col.officer"), "when": t("score.col.when"), "village": t("alert.col.village"),
            "before": t("quality.previous_time"), "previous_village": t("quality.previous_village"),
            "km": t("quality.km"), "minutes": t("quality.minutes"), "speed_kmh": t("quality.speed"),
            "report_id": t("score.col.report"), "previous_report_id": t("quality.previous_report")}


def travel_table(scope: Scope, total: int) -> None:
    """Impossible-travel reports beside the report before each, a page at a time."""
    if total == 0:
        st.success(t("quality.no_travel"))
        return
    order = order_picker(("worst", "time"), "travel")
    offset = page_offset(total, "travel")
    headers = travel_headers()
    show_table(_rows(travel_rows(data.travel_page(scope, offset, PAGE_ROWS, order), shown_moment), headers))
    streamed_download(lambda: (_rows(travel_rows(chunk, file_moment), headers) for chunk in data.stream(
        quality_lists.stream_travel_pairs, scope, order)), "perjalanan_mustahil.csv", "travel")


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
