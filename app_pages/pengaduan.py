"""Pengaduan Masyarakat: how fast complaints are answered, what is still open, and where they come from."""

import streamlit as st

from components import data
from components.alerts import displayable
from components.charts import chart
from components.complaints_view import (
    backlog_figure,
    breakdown_figure,
    complaint_map,
    distribution_figure,
    headline,
    unit_table,
    weekly_figure,
)
from components.filters import scope_label
from components.i18n import t
from components.tables import table_with_download
from queries.complaints import backlog_by_age, breakdown, complaints_by_village, weekly_response

scope = st.session_state["scope"]
sla = scope.policy.complaint_response_sla_hours
st.title(t("complaints.title"))
st.caption(scope_label(scope))

frame = data.scope_complaints(scope)
if frame.empty:
    st.info(t("complaints.none"))
    st.stop()
headline(frame, sla)

st.subheader(t("complaints.by_unit"))
levels = data.levels_below(scope) or ["polsek"]
level = st.segmented_control(t("cmp.level"), levels, default=levels[0], key=f"complaint_level_{scope.unit_code}",
                             format_func=lambda code: t(f"sidebar.{code}")) or levels[0]
unit_table(data.complaint_units(scope, level))

left, right = st.columns(2)
window = frame[frame["in_window"]]
with left:
    st.subheader(t("complaints.response"))
    chart(distribution_figure(window["response_hours"], sla, t("complaints.response_axis")), key="response",
          alt=t("complaints.response"))
with right:
    st.subheader(t("complaints.resolution_title"))
    chart(distribution_figure(window["resolution_hours"], sla, t("complaints.resolution_axis")), key="resolution",
          alt=t("complaints.resolution_title"))

left, right = st.columns(2)
with left:
    st.subheader(t("complaints.weekly"))
    chart(weekly_figure(weekly_response(frame), scope.start, scope.end), key="weekly", alt=t("complaints.weekly"))
with right:
    st.subheader(t("complaints.backlog_age"))
    buckets = backlog_by_age(frame)
    chart(backlog_figure(buckets), key="backlog", alt=t("complaints.backlog_age"))

left, right = st.columns(2)
for column, name in ((left, "category"), (right, "channel")):
    with column:
        st.subheader(t(f"complaints.by_{name}"))
        counts = breakdown(frame, name)
        chart(breakdown_figure(counts, name), key=f"by_{name}", alt=t(f"complaints.by_{name}"), as_table=False)
        table_with_download(counts, {name: t(f"complaints.{name}"), "complaints": t("complaints.count"),
                                     "within_sla": t("complaints.within_sla")}, f"pengaduan_{name}.csv", key=name)

st.subheader(t("complaints.overdue"))
overdue = data.overdue_complaints(scope)
if overdue.empty:
    st.success(t("alert.none"))
else:
    shown = displayable("overdue_complaints", overdue)
    table_with_download(shown, {c: t(f"alert.col.{c}") for c in shown.columns}, "pengaduan_terlambat.csv",
                        key="overdue")

st.subheader(t("complaints.map"))
complaint_map(data.complaint_villages(scope), complaints_by_village(frame))
