"""Ringkasan (overview): the KPIs and what changed, what needs action this week, subordinates ranked."""

import streamlit as st

from components import data
from components.alerts import alert_sections
from components.briefing import briefing_html
from components.filters import scope_label, unit_name
from components.i18n import fmt_date, fmt_int, language, t, t_count
from components.kpis import kpi_cards, worsened_table
from components.rankings import best_worst_table, ranking_table
from components.tables import record_download
from queries.briefing import best_and_worst
from queries.hierarchy import CHILD_LEVEL

scope = st.session_state["scope"]
previous = scope.previous()
st.title(t("overview.title"))
st.caption(scope_label(scope) + " · " + t("overview.compared", start=fmt_date(previous.start),
                                            end=fmt_date(previous.end)))

counts = data.scope_counts(scope)
if counts["officers"] == 0 and counts["villages"] == 0:
    st.info(t("empty.scope", scope=unit_name(scope.unit_code)))
    st.stop()
if counts["activities"] == 0:
    st.info(t("empty.window", scope=scope_label(scope)))
st.caption(t("overview.counts", officers=fmt_int(counts["officers"]),
             villages=t_count("overview.count.villages", counts["villages"]),
             activities=t_count("overview.count.activities", counts["activities"]),
             complaints=t_count("overview.count.complaints", counts["complaints"])))

kpi_cards(data.kpi_comparison(scope))
# Built on click, on Streamlit's own thread (hence the language fixed here): at a Polda the pack's 5,000-village
# map and its formatting cost 0.5-0.8 s and a megabyte sent to the browser on every rerun of the page.
lang = language()
st.download_button(t("briefing.button"), lambda: briefing_html(scope, lang=lang).encode("utf-8"),
                   icon=":material/print:",
                   file_name=f"briefing_{scope.unit_code or 'nasional'}_{scope.end:%Y%m%d}_{lang}.html",
                   mime="text/html", help=t("briefing.button_help"), type="primary", on_click=record_download,
                   args=("briefing.html",))

child = CHILD_LEVEL[data.scope_level(scope)]
st.header(t("overview.worsened"))
st.caption(t("overview.worsened_help"))
worse = data.worsened(scope)
if worse.empty:
    st.success(t("overview.worsened_none"))
else:
    worsened_table(worse, officers=child is None)

st.header(t("overview.alerts"))
alert_sections(data.alerts(scope), scope, st.session_state.get("user"), officers=child is None)

st.header(t(f"overview.rankings.{child or 'officer'}"))
rankings = data.child_rankings(scope)
if rankings.empty:
    st.info(t("overview.no_children"))
else:
    best_worst_table(best_and_worst(rankings))
    st.caption(t("overview.drill_hint") if child else t("overview.officer_hint"))
    ranking_table(rankings, key=f"ranking_{scope.unit_code}")
