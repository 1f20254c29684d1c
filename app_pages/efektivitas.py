"""Efektivitas: is community policing working here? Crime before and after a date, DDS against crime, goals."""

import dataclasses

import streamlit as st

from components import data
from components.charts import chart
from components.effectiveness_view import (
    correlation_text,
    crime_table,
    goals_table,
    scatter_figure,
    trend_figure,
    window_caption,
    window_controls,
)
from components.filters import scope_label
from components.i18n import t
from queries.effectiveness import with_rates
from queries.hierarchy import partition_level

scope = st.session_state["scope"]
st.title(t("eff.title"))
header = st.empty()  # filled below with the windows actually compared, which the controls decide

first, last = data.data_date_range()
after = window_controls(scope, first, last)
if after is None:
    header.caption(scope_label(scope))
    st.stop()
header.caption(window_caption(after))
level = partition_level(data.scope_level(scope))
units = with_rates(data.unit_counts(after, level))
if units.empty:
    st.info(t("overview.no_children"))
    st.stop()

st.header(t("eff.crime"))
st.caption(t("eff.z_explained"))
crime_table(units)

st.subheader(t("eff.trend"))
trend_window = dataclasses.replace(after, start=after.previous().start)
months = data.crime_months(trend_window, level)
top = units.sort_values("crimes", ascending=False)["name"].head(5).tolist()
chosen = st.multiselect(t("eff.trend_units"), sorted(units["name"]), default=top, key=f"eff_units_{scope.unit_code}")
chart(trend_figure(months, chosen, after.start, trend_window.start, trend_window.end), key="crime_trend",
      alt=t("eff.trend"))

st.header(t("eff.dds_vs_crime"))
left, right = st.columns(2)
with left:
    chart(scatter_figure(units, "dds_per_1k_households", t("rank.col.dds_per_1k_households")), key="scatter_dds",
          alt=t("eff.dds_vs_crime"))
    st.caption(correlation_text(units, "dds_per_1k_households"))
with right:
    chart(scatter_figure(units, "coverage", t("rank.col.coverage") + " (%)"), key="scatter_coverage",
          alt=t("eff.dds_vs_crime"))
    st.caption(correlation_text(units, "coverage"))
st.caption(t("eff.correlation_note"))

st.header(t("eff.goals"))
goals_table(units)
