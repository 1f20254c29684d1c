"""Rapor Bhabinkamtibmas: one officer's numbers against peers, gaps in plain words, villages, reports, trend."""

import streamlit as st

from components import data
from components.charts import chart, text_equivalent
from components.filters import scope_label
from components.i18n import fmt_int, t, t_count
from components.maps import coverage_deck, legend_entries, show_map, village_table
from components.safe import md
from components.scorecard import (
    default_pick,
    flagged_table,
    mix_figure,
    peer_table,
    picker_options,
    polres_hidden_note,
    remember_pick,
    scorecard_html,
    show_gaps,
    trend_figure,
)
from components.tables import record_download, show_table, table_with_download
from queries.officers import enough_expected_days

scope = st.session_state["scope"]
st.title(t("score.title"))
st.caption(scope_label(scope))

if "officer" not in st.session_state and st.query_params.get("officer"):
    st.session_state["officer"] = st.query_params["officer"]  # a link straight to one officer's scorecard
query = st.text_input(t("score.search"), key="score_search", placeholder=t("score.search_placeholder"))
# Worst first: the page opens on the officer who most needs coaching, unless one was picked or linked.
ranked = data.coaching_order(scope)
chosen = st.session_state.get("officer")
if chosen and chosen not in set(ranked["nrp"]):  # a link or an earlier pick outside this scope
    if chosen == st.query_params.get("officer"):
        st.warning(t("score.none_found"))
    chosen = None
searching = bool(query.strip())
options = picker_options(ranked, data.officer_search(scope, query) if searching else None, chosen)
default = default_pick(ranked, options, chosen, searching)
key = f"score_pick_{query}"
nrp = st.selectbox(t("score.pick"), list(options), index=list(options).index(default) if default in options else None,
                   format_func=options.get, placeholder=t("score.pick_placeholder"), key=key,
                   on_change=remember_pick, args=(key,))
st.caption(t("score.order_note", days=fmt_int(enough_expected_days(scope))))
if nrp is None:
    st.info(t("score.none_found") if searching and not options else t("score.choose"))
    st.stop()

card = data.scorecard(scope, nrp)
if card is None:  # an officer outside the scope (or the user's home unit)
    st.info(t("score.none_found"))
    st.stop()
identity, numbers = card["identity"], card["numbers"]
st.header(md(identity["name"]))
st.caption(md(" · ".join(p for p in (identity["rank"], f"NRP {identity['nrp']}", identity["polsek"],
                                      identity["polres"]) if p)))
st.download_button(t("score.print"), scorecard_html(card, scope).encode("utf-8"), icon=":material/print:",
                   file_name=f"rapor_{nrp}_{scope.end:%Y%m%d}.html", mime="text/html", help=t("score.print_help"),
                   on_click=record_download, args=(f"rapor_{nrp}.html",))

st.subheader(t("score.gaps"))
show_gaps(card["gaps"])
st.subheader(t("score.peers"))
show_table(peer_table(card["peers"]))
if note := polres_hidden_note(card):
    st.caption(md(note))
st.caption(t("score.numbers", reports=t_count("score.count.reports", numbers["reports"]),
             dds=t_count("score.count.dds_visits", numbers["dds_visits"]),
             expected=t_count("score.count.expected_days", numbers["expected_days"]),
             reported=fmt_int(numbers["reported_days"])))

left, right = st.columns(2)
with left:
    st.subheader(t("score.villages"))
    if card["villages"].empty:
        st.info(t("score.no_villages"))
    else:
        show_map(coverage_deck(card["villages"], card["bounds"], False, False, size=(380, 300)),
                 legend_entries(card["villages"], scope.policy.blind_spot_days), t("score.villages"), 300)
        with text_equivalent():
            village_table(card["villages"], f"desa_binaan_{nrp}_{scope.end:%Y%m%d}.csv", key="score_villages")
with right:
    st.subheader(t("score.mix"))
    chart(mix_figure(card["mix"]), key="mix", alt=t("score.mix"))

st.subheader(t("score.trend"))
chart(trend_figure(card["trend"], scope.end), key="trend", alt=t("score.trend"))

st.subheader(t("score.flagged"))
flagged = flagged_table(card["reports"])
if flagged.empty:
    st.success(t("score.no_flags"))
else:
    table_with_download(flagged, {c: c for c in flagged.columns}, f"laporan_bertanda_{nrp}.csv", key="score_flags")
