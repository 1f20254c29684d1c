"""Perbandingan Wilayah: two to six units of one level side by side, fairly (rates from sums, denominators shown)."""

import streamlit as st

from components import data
from components.charts import chart
from components.comparison_view import choropleth, downloads, ranking_table, side_by_side, small_multiples
from components.filters import scope_label
from components.i18n import t
from components.tables import show_table
from queries.comparison import MEASURES, ranking
from queries.effectiveness import with_rates
from queries.hierarchy import CHILD_LEVEL

scope = st.session_state["scope"]
st.title(t("cmp.title"))
st.caption(scope_label(scope))

own = data.scope_level(scope)
levels = data.levels_below(scope)
if not levels:
    st.info(t("cmp.no_levels"))
    st.stop()
controls = st.columns([1, 3, 2])
default_level = CHILD_LEVEL[own] if CHILD_LEVEL[own] in levels else levels[0]
level = controls[0].selectbox(t("cmp.level"), levels, index=levels.index(default_level), key="cmp_level",
                              format_func=lambda code: t(f"sidebar.{code}"))
all_units = with_rates(data.unit_counts(scope, level))
names = dict(zip(all_units["unit_code"], all_units["name"]))
chosen = controls[1].multiselect(t("cmp.units"), list(names), default=list(names)[:6], max_selections=6,
                                 format_func=names.get, key=f"cmp_units_{scope.unit_code}_{level}")
measure = controls[2].selectbox(t("cmp.measure_pick"), list(MEASURES), key="cmp_measure",
                                format_func=lambda m: t(f"rank.col.{m}"))
if len(chosen) < 2:
    st.info(t("cmp.pick_two"))
    st.stop()

units = all_units[all_units["unit_code"].isin(chosen)].set_index("unit_code").loc[chosen].reset_index()
st.caption(t("cmp.fair"))
table = side_by_side(units)
show_table(table)
downloads(table, "semua_ukuran")

st.subheader(t("cmp.ranking", measure=t(f"rank.col.{measure}")))
ranked = ranking_table(ranking(units, measure), measure)
show_table(ranked)
downloads(ranked, "peringkat")

st.subheader(t("cmp.trends"))
trends = data.unit_trends(scope, tuple(chosen))
chart(small_multiples(trends, units, measure, scope.start, scope.end), key="multiples",
      alt=t("cmp.trends"))

st.subheader(t("cmp.map", measure=t(f"rank.col.{measure}"), level=t(f"sidebar.{level}")))
choropleth(all_units, data.unit_shapes(scope, level), measure, chosen)
