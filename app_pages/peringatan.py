"""Peringatan Dini: where crime is expected next, how well that forecast did in the past, and where DDS should go."""

import streamlit as st

from components import data
from components.early_warning_text import run_caption
from components.early_warning_view import (
    backtest_card,
    hotspot_deck,
    hotspot_legend,
    map_records,
    priorities_html,
    priorities_text,
    priority_table,
    risk_deck,
    risk_legend,
    risk_table,
    rule_text,
    share_sentence,
    week_text,
)
from components.filters import scope_label, unit_name
from components.i18n import fmt_date, fmt_int, language, t
from components.maps import show_map
from components.safe import md
from components.tables import record_download
from queries.early_warning import hotspot_counts
from queries.geo import MAX_MAP_VILLAGES

scope = st.session_state["scope"]
st.title(t("ew.title"))
st.caption(scope_label(scope))

summary = data.early_warning_summary(scope)
if summary is None:
    st.info(t("ew.no_run"))
    st.stop()
run, risk = summary["run"], summary["risk"]
st.caption(run_caption(run, data.unit_timezone(scope.unit_code)))
if summary["newer_data"] is not None:
    st.warning(t("ew.stale", as_of=fmt_date(run["as_of"]), last=fmt_date(summary["newer_data"])),
               icon=":material/update:")
if risk.empty:  # a scope without villages, or villages imported after the run
    no_villages = data.scope_counts(scope)["villages"] == 0
    st.info(t("empty.scope" if no_villages else "ew.not_in_run", scope=md(unit_name(scope.unit_code))))
    st.stop()

backtest_card(summary["backtest"], run, unit_name(scope.unit_code))

if len(risk) > MAX_MAP_VILLAGES:
    st.info(t("map.too_many", villages=fmt_int(len(risk)), limit=fmt_int(MAX_MAP_VILLAGES)))
else:
    records, bounds = map_records(risk, data.village_outlines(data.any_window(scope))), data.scope_bounds(scope)
    left, right = st.columns(2)
    with left:
        st.subheader(t("ew.risk_map"))
        show_map(risk_deck(risk, records, bounds), risk_legend(), t("ew.risk_map"), 480, key="ew_risk_map")
    with right:
        st.subheader(t("ew.hotspot_map"))
        show_map(hotspot_deck(risk, records, bounds), hotspot_legend(hotspot_counts(risk)), t("ew.hotspot_map"), 480,
                 key="ew_hotspot_map")
    st.caption(t("ew.hotspot_explained"))

st.subheader(t("ew.table"))
risk_table(risk, f"peringatan_dini_{scope.unit_code or 'nasional'}_{run['as_of']:%Y%m%d}.csv")

st.header(t("ew.priorities"))
priorities = data.dds_priorities(scope)
st.caption(week_text(priorities) + " · " + rule_text())
if priorities["villages"].empty:
    st.info(t("ew.no_priorities"))
    st.stop()
st.markdown(share_sentence(priorities["share"], md(unit_name(scope.unit_code))))
priority_table(priorities)

polseks = priorities["villages"].drop_duplicates("unit_code").set_index("unit_code")["polsek"].to_dict()
polsek = st.selectbox(t("ew.pick_polsek"), list(polseks), format_func=polseks.get, key=f"ew_polsek_{scope.unit_code}")
st.download_button(t("ew.print"), priorities_html(priorities, polsek, polseks[polsek]).encode("utf-8"),
                   file_name=f"prioritas_dds_{polsek}_{priorities['week'][0]:%Y%m%d}_{language()}.html",
                   mime="text/html", icon=":material/print:", on_click=record_download,
                   args=("prioritas_dds.html",), key="ew_print")
text = priorities_text(priorities, polsek, polseks[polsek])
st.caption(t("ew.chat"))
st.code(text, language=None, wrap_lines=True)
st.download_button(t("ew.chat_download"), text.encode("utf-8"), file_name=f"prioritas_dds_{polsek}.txt",
                   mime="text/plain", icon=":material/chat:", on_click=record_download,
                   args=("prioritas_dds.txt",), key="ew_text")
