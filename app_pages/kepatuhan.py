"""Kepatuhan Pelaporan: every officer's reporting numbers, the reporting calendar, and submission delays."""

import streamlit as st

from components import data
from components.charts import chart
from components.compliance_view import (
    calendar_figure,
    calendar_legend,
    compliance_table,
    delay_figure,
    delay_summary,
    needs_attention,
    polsek_compliance_table,
)
from components.filters import scope_label
from components.i18n import fmt_int, t, t_plural

scope = st.session_state["scope"]
st.title(t("compliance.title"))
st.caption(scope_label(scope))

# A Polda or the nation: the Polsek totals first; the officers (thousands of rows) only when asked.
per_officer = True
if data.reads_aggregates(scope):
    polsek_totals = data.polsek_compliance(scope)
    if polsek_totals["officers"].sum() == 0:
        st.info(t("compliance.no_officers"))
        st.stop()
    st.header(t("compliance.by_polsek"))
    polsek_compliance_table(polsek_totals)
    per_officer = st.toggle(t("compliance.per_officer"), key="compliance_per_officer",
                            help=t("compliance.per_officer_help"))

if per_officer:
    officers = data.compliance_list(scope)
    if officers.empty:
        st.info(t("compliance.no_officers"))
        st.stop()

    filters = st.columns([3, 3, 2])
    text = filters[0].text_input(t("compliance.search"), key="compliance_search").strip().lower()
    polsek = filters[1].multiselect(t("compliance.polsek"), sorted(officers["polsek_name"].dropna().unique()),
                                    key="compliance_polsek", placeholder=t("compliance.all_polsek"))
    only_red = filters[2].toggle(t("compliance.only_red"), key="compliance_red", help=t("compliance.only_red_help"))
    shown = officers
    if text:
        shown = shown[shown["name"].str.lower().str.contains(text, regex=False) | shown["nrp"].str.contains(text)]
    if polsek:
        shown = shown[shown["polsek_name"].isin(polsek)]
    if only_red:
        shown = shown[needs_attention(shown)]
    st.caption(t_plural("compliance.showing", len(officers), shown=fmt_int(len(shown)), total=fmt_int(len(officers)))
               + " · " + t("compliance.lights"))
    compliance_table(shown)

st.header(t("calendar.title"))
st.caption(t("calendar.help") + " " + calendar_legend())
chart(calendar_figure(data.calendar(scope)), key="calendar", alt=t("calendar.title"))

st.header(t("delays.title"))
delays = data.submission_delays(scope)
if delays["reports"] == 0:
    st.info(t("empty.window", scope=scope_label(scope)))
else:
    st.caption(delay_summary(delays, scope.policy.late_after_hours))
    chart(delay_figure(delays, scope.policy.late_after_hours), key="delays", alt=t("delays.title"))
