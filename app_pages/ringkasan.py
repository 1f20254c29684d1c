"""Ringkasan (overview): what the selected unit and period hold."""

import plotly.express as px
import streamlit as st

from components import data
from components.filters import scope_label
from components.i18n import fmt_int, t
from components.tables import table_with_download

scope = st.session_state["scope"]
st.title(t("overview.title"))
st.caption(scope_label(scope))

counts = data.scope_counts(scope)
cards = st.columns(4)
cards[0].metric(t("overview.officers"), fmt_int(counts["officers"]), help=t("overview.officers_help"))
cards[1].metric(t("overview.villages"), fmt_int(counts["villages"]))
cards[2].metric(t("overview.activities"), fmt_int(counts["activities"]), help=t("overview.activities_help"))
cards[3].metric(t("overview.complaints"), fmt_int(counts["complaints"]), help=t("overview.complaints_help"))

st.subheader(t("overview.by_type"))
if counts["activities"] == 0:
    st.info(t("empty.window", scope=scope_label(scope)))
else:
    by_type = data.activities_by_type(scope)
    by_type["label"] = [t(f"activity.{kind}") for kind in by_type["activity_type"]]
    chart = px.bar(by_type, x="activities", y="label", orientation="h",
                   labels={"activities": t("column.activities"), "label": ""})
    chart.update_layout(yaxis={"categoryorder": "total ascending"}, height=320, margin={"l": 0, "r": 0, "t": 10})
    st.plotly_chart(chart, width="stretch")
    table_with_download(by_type[["label", "activities"]],
                        {"label": t("column.activity_type"), "activities": t("column.activities")},
                        file_name="kegiatan_per_jenis.csv", key="by_type")
