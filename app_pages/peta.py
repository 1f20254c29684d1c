"""Peta Cakupan DDS: every village coloured by door-to-door coverage, blind spots outlined, worst first below."""

import streamlit as st

from components import data
from components.filters import drill_to, next_unit_toward, scope_label, unit_name
from components.i18n import fmt_date, fmt_int, fmt_pct, t
from components.maps import coverage_deck, legend_entries, show_map, village_table
from components.safe import md
from queries.geo import MAX_MAP_VILLAGES

scope = st.session_state["scope"]
st.title(t("map.title"))
st.caption(scope_label(scope))

villages = data.village_map(scope)
if villages.empty:
    st.info(t("empty.scope", scope=unit_name(scope.unit_code)))
    st.stop()

if len(villages) > MAX_MAP_VILLAGES:
    st.info(t("map.too_many", villages=fmt_int(len(villages)), limit=fmt_int(MAX_MAP_VILLAGES)))
else:
    controls = st.columns([2, 2, 3])
    layer = controls[0].segmented_control(t("map.layer"), ["coverage", "density"], default="coverage",
                                          key="map_layer", format_func=lambda key: t(f"map.layer.{key}")) or "coverage"
    basemap = controls[1].toggle(t("map.basemap"), value=True, key="map_basemap", help=t("map.basemap_help"))
    controls[2].caption(t("map.hint"))

    deck = coverage_deck(villages, data.scope_bounds(scope), density=layer == "density", basemap=basemap)
    event = show_map(deck, legend_entries(villages, scope.policy.blind_spot_days, density=layer == "density"),
                     t("map.title"), 560, on_select="rerun", selection_mode="single-object",
                     key=f"map_{scope.unit_code}_{layer}")

    picked = [obj["village_code"] for objects in (event.selection.objects or {}).values() for obj in objects]
    names = dict(zip(villages["village_code"], villages["name"] + " — " + villages["polsek"].fillna("")))
    choice = st.selectbox(t("map.pick_village"), [None, *names], format_func=lambda c: names.get(c, "—"),
                          key=f"pick_village_{scope.unit_code}")
    target = picked[0] if picked else choice
    if target:
        row = villages.set_index("village_code").loc[target]
        below = next_unit_toward(scope, row["unit_code"])
        if below is not None:
            drill_to(below)
        st.subheader(md(row["name"]))
        cards = st.columns(4)
        cards[0].metric(t("map.col.coverage"),
                        t("map.unknown") if row.isna()["coverage"] else fmt_pct(row["coverage"]))
        cards[1].metric(t("map.col.households_visited"), fmt_int(row["households_visited"]),
                        help=t("map.of_households", households=fmt_int(row["households"])))
        cards[2].metric(t("map.col.dds_visits"), fmt_int(row["dds_visits"]))
        cards[3].metric(t("map.col.last_dds"),
                        fmt_date(row["last_dds_date"]) if row["last_dds_date"] else t("map.never"))
        st.write(t("map.officers_line", officers=md(row["officers"]) if isinstance(row["officers"], str)
                   else t("map.no_officer")))

st.subheader(t("map.table"))
village_table(villages, f"cakupan_dds_{scope.unit_code or 'nasional'}_{scope.end:%Y%m%d}.csv", key="villages")
