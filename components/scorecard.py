"""The officer's scorecard: concrete gaps in plain words, peers, activity mix, flagged reports, a printable page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data
from components.briefing import TEMPLATES
from components.charts import mark_partial, round_dual_axes
from components.i18n import (
    fmt_date,
    fmt_int,
    fmt_local_moment,
    fmt_month,
    fmt_pct,
    fmt_time,
    language,
    t,
    t_count,
    t_plural,
)
from components.safe import md
from queries.officers import most_in_need
from queries.scope import Scope

FLAG_GAP_MIN = 1  # a flag shows up among the gaps from its first occurrence
FLAGGED_ROWS_PRINTED = 8


def gap_sentences(facts: dict) -> list[str]:
    """Concrete gaps, largest first, in the current language ("3 desa belum dikunjungi 30 hari terakhir: …")."""
    gaps = []
    if facts["unvisited_villages"]:
        gaps.append(t_plural("gap.unvisited", len(facts["unvisited_villages"]),
                             count=fmt_int(len(facts["unvisited_villages"])),
                             villages=", ".join(facts["unvisited_villages"])))
    if facts["missing_days"] > 0:
        gaps.append(t_plural("gap.missing_days", facts["expected_days"], count=fmt_int(facts["missing_days"]),
                             expected=fmt_int(facts["expected_days"])))
    if facts["late_reports"] > 0:
        gaps.append(t_plural("gap.late", facts["late_reports"], count=fmt_int(facts["late_reports"])))
    if facts["dds_target"] and facts["dds_visits"] < facts["dds_target"]:
        gaps.append(t_plural("gap.dds_target", facts["dds_visits"], visits=fmt_int(facts["dds_visits"]),
                             target=fmt_int(facts["dds_target"])))
    if facts["dds_visits"] >= 10 and facts["dds_households"] * 3 <= facts["dds_visits"]:
        gaps.append(t_plural("gap.same_households", facts["dds_households"], visits=fmt_int(facts["dds_visits"]),
                             households=fmt_int(facts["dds_households"])))
    for flag in ("duplicate_narrative", "duplicate_photo", "gps_outside", "gps_missing", "impossible_travel",
                 "time_inconsistent"):
        count = facts["flag_counts"][flag]
        if count >= FLAG_GAP_MIN:
            gaps.append(t_plural(f"gap.{flag}", count, count=fmt_int(count), reports=fmt_int(facts["reports"])))
    if facts["missing_activities"]:
        gaps.append(t("gap.activities", activities=", ".join(t(f"activity.{k}") for k in facts["missing_activities"])))
    return gaps


PICKER_LIMIT = 200  # a Polda has thousands of officers: the picker lists the worst; the search finds anyone


def picker_options(ranked: pd.DataFrame, matches: pd.DataFrame | None, chosen: str | None) -> dict[str, str]:
    """NRP -> label of the officers to pick from, worst first, each with the figures that put them there.

    `ranked` is the coaching order; `matches` the officers a search found (None: no search); the chosen
    officer stays listed however far down the order.
    """
    if matches is not None:
        shown = ranked[ranked["nrp"].isin(matches["nrp"])]
    else:
        shown = ranked.head(PICKER_LIMIT)
        if chosen is not None and chosen not in set(shown["nrp"]):
            shown = pd.concat([shown, ranked[ranked["nrp"] == chosen]])
    return {row["nrp"]: t_plural("score.pick_option", row["expected_days"], name=row["name"], nrp=row["nrp"],
                                 polsek=row["polsek"], rate=fmt_pct(row["reporting_rate"]),
                                 days=fmt_int(row["expected_days"]), quality=fmt_pct(row["quality_rate"]))
            for row in shown.to_dict("records")}


def default_pick(ranked: pd.DataFrame, options: dict[str, str], chosen: str | None, searching: bool) -> str | None:
    """The officer the picker starts on: the one picked or linked, else the worst found, else the most in need."""
    if chosen in options:
        return chosen
    if searching:
        return next(iter(options), None)
    return most_in_need(ranked)


def remember_pick(key: str) -> None:
    """Keep the officer the user picked (a default pick is not kept: another scope has its own)."""
    st.session_state["officer"] = st.session_state[key]


def peer_table(peers: pd.DataFrame) -> pd.DataFrame:
    """Measure | officer | Polsek median | rank in Polsek [| Polres median | rank in Polres], written out.

    The Polres columns appear only when the scorecard has them (the user sees the whole Polres).
    """
    levels = [level for level in ("polsek", "polres") if f"median_{level}" in peers.columns]
    rows = []
    for row in peers.to_dict("records"):
        shown = {t("score.measure"): t(f"rank.col.{row['measure']}"), t("score.officer"): fmt_pct(row["value"])}
        for level in levels:
            shown[t(f"score.median_{level}")] = fmt_pct(row[f"median_{level}"])
            shown[t(f"score.percentile_{level}")] = _percentile(row[f"percentile_{level}"], row[f"peers_{level}"])
        rows.append(shown)
    return pd.DataFrame(rows)


def polres_hidden_note(card: dict) -> str:
    """Why the Polres columns are missing, or nothing when they are shown."""
    if "median_polres" in card["peers"].columns or not card["identity"]["polres"]:
        return ""
    return t("score.polres_hidden", polres=card["identity"]["polres"], polsek=card["identity"]["polsek"])


def _percentile(value, peers: int) -> str:
    return "–" if pd.isna(value) else t("score.percentile", pct=fmt_pct(value, 0), peers=fmt_int(peers))


def mix_figure(mix: pd.DataFrame) -> go.Figure:
    """Reports per activity type; mandatory types without any report are marked."""
    labels = [t(f"activity.{kind}") + ("" if count or not mandatory else " ⚠")
              for kind, count, mandatory in mix[["activity_type", "reports", "mandatory"]].itertuples(index=False)]
    colours = ["#b2182b" if mandatory and count == 0 else "#2c7fb8"
               for count, mandatory in mix[["reports", "mandatory"]].itertuples(index=False)]
    figure = go.Figure(go.Bar(x=mix["reports"], y=labels, orientation="h", marker_color=colours,
                              text=mix["reports"], textposition="outside"))
    figure.update_layout(height=300, margin={"l": 0, "r": 20, "t": 10, "b": 0}, yaxis={"autorange": "reversed"},
                         xaxis_title=t("score.reports"))
    return figure


def trend_figure(trend: pd.DataFrame, end: date) -> go.Figure:
    """Monthly reporting rate and share of flagged reports (lines), DDS visits (bars); a part last month marked."""
    months = [fmt_month(day) for day in trend["period"]]
    flagged_share = trend["flagged_reports"] / trend["reports"].where(trend["reports"] > 0)
    figure = go.Figure()
    figure.add_bar(x=months, y=trend["dds_visits"], name=t("score.dds_visits"), marker_color="#a1dab4", yaxis="y2")
    figure.add_scatter(x=months, y=trend["reporting_rate"] * 100, name=t("rank.col.reporting_rate"),
                       mode="lines+markers", line={"color": "#1d4e89"})
    figure.add_scatter(x=months, y=flagged_share * 100, name=t("score.flagged_share"), mode="lines+markers",
                       line={"color": "#b2182b", "dash": "dash"})
    figure.update_layout(height=300, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend={"orientation": "h"},
                         yaxis={"title": "%"},
                         yaxis2={"title": t("score.dds_visits"), "overlaying": "y", "side": "right", "showgrid": False})
    round_dual_axes(figure, "yaxis", "yaxis2", trend["dds_visits"])
    if len(trend):  # the trend starts on the first of a month: only its last month can be partial
        mark_partial(figure, dict(zip(months, trend["period"])), trend["period"].min(), end, "month")
    return figure


def flagged_table(reports: pd.DataFrame) -> pd.DataFrame:
    """The officer's flagged reports: why, when, where, and the text itself."""
    flagged = reports[reports["flags"] != ""] if len(reports) else reports
    return pd.DataFrame({
        t("score.col.when"): [f"{fmt_date(d)} {fmt_time(a)}" for d, a in zip(flagged.get("local_date", []),
                                                                          flagged.get("local_time", []))],
        t("score.col.type"): [t(f"activity.{k}") for k in flagged.get("activity_type", [])],
        t("score.col.village"): list(flagged.get("village", [])),
        t("score.col.reasons"): [", ".join(t(f"flag.{name}") for name in flags.split(";"))
                                 for flags in flagged.get("flags", [])],
        t("score.col.narrative"): list(flagged.get("narrative", [])),
        t("score.col.report"): list(flagged.get("report_id", [])),
    })


def scorecard_html(card: dict, scope: Scope, now: datetime | None = None) -> str:
    """The scorecard on one printable A4 page, in the current language."""
    now = now or datetime.now(UTC)
    identity, numbers = card["identity"], card["numbers"]
    flagged = flagged_table(card["reports"])
    return TEMPLATES.get_template("scorecard.html").render(
        lang=language(), title=t("score.title"), name=identity["name"],
        subtitle=" · ".join(part for part in (identity["rank"], f"NRP {identity['nrp']}", identity["polsek"],
                                              identity["polres"]) if part),
        window=t_plural("scope.caption", scope.days, scope=identity["polsek"], start=fmt_date(scope.start),
                        end=fmt_date(scope.end), days=fmt_int(scope.days)),
        generated=t("briefing.generated", when=fmt_local_moment(now, data.unit_timezone(identity["polsek_code"]))),
        numbers=[(t("rank.col.reporting_rate"), fmt_pct(numbers["reporting_rate"])),
                 (t("rank.col.reporting_rate_on_time"), fmt_pct(numbers["reporting_rate_on_time"])),
                 (t("rank.col.dds_attainment"), fmt_pct(numbers["dds_attainment"])),
                 (t("rank.col.quality_rate"), fmt_pct(numbers["quality_rate"])),
                 (t("score.reports"), fmt_int(numbers["reports"])),
                 (t("score.dds_visits"), fmt_int(numbers["dds_visits"]))],
        gaps=gap_sentences(card["gaps"]) or [t("gap.none")], gaps_title=t("score.gaps"),
        peers=peer_table(card["peers"]), peers_title=t("score.peers"), peers_note=polres_hidden_note(card),
        mix=[(t(f"activity.{k}"), fmt_int(n), bool(m and n == 0)) for k, n, m in
             card["mix"][["activity_type", "reports", "mandatory"]].itertuples(index=False)],
        mix_title=t("score.mix"), flagged=flagged.head(FLAGGED_ROWS_PRINTED), flagged_title=t("score.flagged"),
        flagged_total=t_count("score.flagged_total", len(flagged)),
        villages=[(row.name, fmt_pct(row.coverage) if pd.notna(row.coverage) else t("map.unknown"),
                   fmt_date(row.last_dds_date) if row.last_dds_date else t("map.never"))
                  for row in card["villages"].itertuples(index=False)],
        villages_title=t("score.villages"), village_headers=[t("map.col.name"), t("map.col.coverage"),
                                                             t("map.col.last_dds")],
        footer=t("briefing.footer"),
    )


def show_gaps(facts: dict) -> None:
    sentences = gap_sentences(facts)
    if not sentences:
        st.success(t("gap.none"))
    for sentence in sentences:
        st.markdown(f"- {md(sentence)}")
