"""Kualitas Data: which reports look like formalities, copies, or GPS problems, and when the server failed."""

import streamlit as st

from components import data
from components.charts import chart
from components.filters import display_zone, scope_label
from components.i18n import fmt_int, t, t_plural
from components.quality_view import (
    by_unit_table,
    clusters_table,
    flagged_list,
    gps_section,
    keep_tab_choices,
    outage_tables,
    travel_table,
    trend_figure,
)

scope = st.session_state["scope"]
st.title(t("quality.title"))
st.caption(scope_label(scope))

views = data.quality_views(scope)
reports = int(views["trend"]["reports"].sum())
if reports == 0:
    st.info(t("empty.window", scope=scope_label(scope)))
    st.stop()
flagged = data.flagged_count(scope, (), "")
st.caption(t_plural("quality.summary", reports, flagged=fmt_int(flagged), reports=fmt_int(reports)))

# Only the open tab reads its lists (a rerun on every switch): at the national scope the copies alone take seconds.
keep_tab_choices()
overview, flagged_tab, copies, gps, outages = st.tabs(
    [t("quality.tab.overview"), t("quality.tab.flagged"), t("quality.tab.copies"), t("quality.tab.gps"),
     t("quality.tab.outages")], key="quality_tab", on_change="rerun")
if overview.open:
    with overview:
        chart(trend_figure(views["trend"], scope.start, scope.end), key="flag_trend", alt=t("quality.tab.overview"))
        by_unit_table(views["by_unit"])
if flagged_tab.open:
    with flagged_tab:
        if flagged == 0:
            st.success(t("quality.no_flags"))
        else:
            flagged_list(scope, flagged)
if copies.open:
    with copies:
        st.subheader(t("quality.narratives"))
        st.caption(t("quality.narratives_help"))
        clusters_table(scope, "narratives", data.list_total(scope, "narratives"))
        st.subheader(t("quality.photos"))
        st.caption(t("quality.photos_help"))
        clusters_table(scope, "photos", data.list_total(scope, "photos"))
if gps.open:
    with gps:
        outside = data.list_total(scope, "gps")
        st.subheader(t("quality.gps_outside", count=fmt_int(outside)))
        if outside == 0:
            st.success(t("alert.none"))
        else:
            gps_section(scope, outside)
        travel = data.list_total(scope, "travel")
        st.subheader(t("quality.travel", count=fmt_int(travel)))
        travel_table(scope, travel)
if outages.open:
    with outages:
        outage_tables(views["dips"], views["outages"], display_zone(scope))
