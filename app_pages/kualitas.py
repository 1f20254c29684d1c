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
    outage_tables,
    travel_table,
    trend_figure,
)

scope = st.session_state["scope"]
st.title(t("quality.title"))
st.caption(scope_label(scope))

views = data.quality_views(scope)
counts = data.quality_counts(scope)
reports = int(views["trend"]["reports"].sum())
if reports == 0:
    st.info(t("empty.window", scope=scope_label(scope)))
    st.stop()
st.caption(t_plural("quality.summary", reports, flagged=fmt_int(counts["flagged"]), reports=fmt_int(reports)))

tabs = st.tabs([t("quality.tab.overview"), t("quality.tab.flagged"), t("quality.tab.copies"), t("quality.tab.gps"),
                t("quality.tab.outages")])
with tabs[0]:
    chart(trend_figure(views["trend"], scope.start, scope.end), key="flag_trend", alt=t("quality.tab.overview"))
    by_unit_table(views["by_unit"])
with tabs[1]:
    if counts["flagged"] == 0:
        st.success(t("quality.no_flags"))
    else:
        flagged_list(scope, counts["flagged"])
with tabs[2]:
    st.subheader(t("quality.narratives"))
    st.caption(t("quality.narratives_help"))
    clusters_table(scope, "narratives", counts["narratives"])
    st.subheader(t("quality.photos"))
    st.caption(t("quality.photos_help"))
    clusters_table(scope, "photos", counts["photos"])
with tabs[3]:
    st.subheader(t("quality.gps_outside", count=fmt_int(counts["gps"])))
    if counts["gps"] == 0:
        st.success(t("alert.none"))
    else:
        gps_section(scope, counts["gps"])
    st.subheader(t("quality.travel", count=fmt_int(counts["travel"])))
    travel_table(scope, counts["travel"])
with tabs[4]:
    outage_tables(views["dips"], views["outages"], display_zone(scope))
