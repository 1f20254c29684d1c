"""Peringatan Dini on screen and on paper: the backtest card in words, risk and hot-spot maps, Prioritas DDS."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pydeck as pdk
import streamlit as st

from components import data
from components.briefing import TEMPLATES
from components.early_warning_text import hotspot_label, method_label, shown_sentence, verdict_sentence
from components.i18n import fmt_date, fmt_int, fmt_local_moment, fmt_num, fmt_pct, language, t
from components.maps import CompactDeck, LegendEntry, view_for
from components.safe import md
from components.tables import percent_column, show_table, table_with_download
from queries.early_warning import HOTSPOT_CLASSES, OVERALL
from queries.priorities import COVERAGE_DAYS, PRIORITY_MIN, PRIORITY_SHARE, polsek_share

# Risk classes by the village's rank within the scope, the shares the backtest's PAI and hit rate target
# (upper bound of the rank share, exclusive; ColorBrewer YlOrRd, darkest = most at risk).
RISK_CLASSES = ((0.05, (189, 0, 38)), (0.10, (240, 59, 32)), (0.20, (253, 141, 60)), (1.01, (255, 237, 160)))
# Qualitative, colour-blind-safe (ColorBrewer Set1 order), "none" a light grey.
HOTSPOT_COLOURS = {"new": (228, 26, 28), "intensifying": (255, 127, 0), "persistent": (152, 78, 163),
                   "diminishing": (55, 126, 184), "sporadic": (77, 175, 74), "": (224, 224, 224)}
BORDER = (90, 90, 90)


def scores_table(scores: pd.DataFrame) -> pd.DataFrame:
    """A backtest's rows with translated methods and headers (hit rates as percentages)."""
    shown = pd.DataFrame({t("ew.col.method"): [method_label(m) for m in scores["method"]]})
    for column in ("pai_5", "pai_10", "pai_20"):
        shown[t(f"ew.col.{column}")] = scores[column].astype("float64")
    for column in ("hit_rate_5", "hit_rate_10", "hit_rate_20"):
        shown[t(f"ew.col.{column}")] = scores[column].astype("float64") * 100
    shown[t("ew.col.deviance")] = scores["deviance"].astype("float64")
    return shown


def backtest_card(card: dict, run: dict, scope_name: str) -> None:
    """Overall first, then the scope's unit: the verdict sentence, and the numbers behind it in an expander."""
    with st.container(border=True):
        st.subheader(t("ew.backtest"))
        for code, part in card.items():
            where = t("ew.overall") if code == OVERALL else md(scope_name)
            st.markdown(f"**{where}** — " + md(verdict_sentence(part["verdict"], run["origins"])))
        st.info(shown_sentence(run), icon=":material/visibility:")
        with st.expander(t("ew.backtest_numbers")):
            st.caption(t("ew.backtest_explained", days=fmt_int(run["horizon_days"])))
            for code, part in card.items():
                st.markdown("**" + (t("ew.overall") if code == OVERALL else md(scope_name)) + "**")
                frame = scores_table(part["scores"])
                show_table(frame, column_config={t(f"ew.col.hit_rate_{n}"): percent_column(t(f"ew.col.hit_rate_{n}"))
                                                 for n in (5, 10, 20)})


def risk_class(rank: int, villages: int) -> int:
    """Index into RISK_CLASSES of a village ranked `rank` (1 = highest) among `villages`."""
    share = (rank - 1) / villages
    return next(index for index, (bound, _) in enumerate(RISK_CLASSES) if share < bound)


def risk_legend() -> list[LegendEntry]:
    labels = [t("ew.class.top", share=fmt_pct(RISK_CLASSES[0][0], 0))]
    labels += [t("ew.class.band", low=fmt_pct(RISK_CLASSES[i - 1][0], 0, sign=False),
                 high=fmt_pct(RISK_CLASSES[i][0], 0)) for i in (1, 2)]
    labels.append(t("ew.class.rest"))
    return [LegendEntry(label, colour) for label, (_, colour) in zip(labels, RISK_CLASSES)]


def hotspot_legend(counts: dict[str, int]) -> list[LegendEntry]:
    return [LegendEntry(f"{hotspot_label(name)} ({fmt_int(counts.get(name, 0))})", HOTSPOT_COLOURS[name])
            for name in (*HOTSPOT_CLASSES, "")]


def number_texts(values: pd.Series) -> list[str]:
    """Values with one decimal as the language writes them, each distinct value formatted once.

    A Polda's 5,000 villages hold a few hundred distinct rounded values: formatting each row took most of a map.
    """
    rounded = values.astype("float64").round(1)
    texts = {value: fmt_num(value, 1) for value in rounded.unique()}
    return [texts[value] for value in rounded]


def map_records(risk: pd.DataFrame, shapes: dict) -> list[dict]:
    """One record per polygon part with a plain-text tooltip (never HTML); both maps colour the same records."""
    columns = {"expected": number_texts(risk["expected_crimes"]), "lower": number_texts(risk["lower"]),
               "upper": number_texts(risk["upper"])}
    labels = {name: hotspot_label(name) for name in risk["hotspot_class"].unique()}
    records = []
    for index, row in enumerate(risk.itertuples(index=False)):
        properties = {"village_code": row.village_code, "village": row.name, "polsek": row.polsek,
                      "rank": str(row.risk_rank), "hotspot": labels[row.hotspot_class],
                      **{key: texts[index] for key, texts in columns.items()}}
        records += [{"polygon": rings, **properties} for rings in shapes.get(row.village_code, [])]
    return records


def village_deck(records: list[dict], fills: dict[str, tuple], bounds, layer_id: str) -> pdk.Deck:
    """The records filled with each village's colour, as a pydeck map with a plain-text tooltip."""
    data = [{**record, "fill": [*fills[record["village_code"]], 210]} for record in records]
    layer = pdk.Layer("PolygonLayer", id=layer_id, data=data, get_polygon="polygon", get_fill_color="fill",
                      get_line_color=[*BORDER, 160], get_line_width=0, line_width_min_pixels=1, stroked=True,
                      filled=True, pickable=True)
    # Framed for half of the wide layout: the two maps stand side by side.
    return CompactDeck(layers=[layer], initial_view_state=view_for(bounds, 460, 480),
                       tooltip={"text": t("ew.tooltip")}, map_provider="carto", map_style="light")


def risk_deck(risk: pd.DataFrame, records: list[dict], bounds) -> pdk.Deck:
    """Villages coloured by their risk class within the scope."""
    fills = {code: RISK_CLASSES[risk_class(rank, len(risk))][1]
             for code, rank in zip(risk["village_code"], risk["risk_rank"])}
    return village_deck(records, fills, bounds, "risk")


def hotspot_deck(risk: pd.DataFrame, records: list[dict], bounds) -> pdk.Deck:
    """Villages coloured by their emerging hot-spot class."""
    fills = {code: HOTSPOT_COLOURS.get(name, BORDER) for code, name in zip(risk["village_code"], risk["hotspot_class"])}
    return village_deck(records, fills, bounds, "hotspots")


def risk_table(risk: pd.DataFrame, file_name: str) -> None:
    """The villages worst first, with the interval and hot-spot class, and the same rows as CSV."""
    frame = risk.assign(hotspot=[hotspot_label(name) for name in risk["hotspot_class"]])
    columns = ("risk_rank", "name", "polsek", "expected_crimes", "lower", "upper", "hotspot")
    table_with_download(frame, {column: t(f"ew.col.{column}") for column in columns}, file_name=file_name,
                        key="early_warning")


def priority_table(priorities: dict) -> None:
    """The priority list on screen, with its CSV."""
    villages = priorities["villages"].assign(coverage_pct=priorities["villages"]["coverage"] * 100)
    columns = ("priority", "name", "polsek", "officers", "expected_crimes", "coverage_pct", "score")
    table_with_download(villages, {column: t(f"ew.pcol.{column}", days=fmt_int(COVERAGE_DAYS)) for column in columns},
                        file_name=f"prioritas_dds_{priorities['week'][0]:%Y%m%d}.csv", key="dds_priorities",
                        column_config={"coverage_pct": percent_column(t("ew.pcol.coverage_pct",
                                                                                 days=fmt_int(COVERAGE_DAYS)))})


def coverage_text(value) -> str:
    return t("map.unknown") if pd.isna(value) else fmt_pct(value)


def officer_groups(rows: pd.DataFrame) -> list[dict]:
    """The list grouped by officer (a village with two officers under both; unassigned villages last)."""
    groups = []
    for nrp, part in rows.groupby(rows["nrp"].fillna(""), sort=False):
        officer = f"{part['name'].iloc[0]} ({nrp})" if nrp else t("ew.no_officer")
        groups.append({"officer": officer, "rows": [
            {"priority": fmt_int(row.priority), "village": row.village, "expected": fmt_num(row.expected_crimes, 1),
             "coverage": coverage_text(row.coverage), "visited": visited_text(row)}
            for row in part.itertuples(index=False)]})
    return groups


def visited_text(row) -> str:
    """"12 / 80" households visited in the 28 days, or "12 / ?" without a household count."""
    households = "?" if pd.isna(row.households) else fmt_int(row.households)
    return f"{fmt_int(row.households_visited)} / {households}"


def polsek_rows(priorities: dict, unit_code: str) -> pd.DataFrame:
    """The by-officer rows of one Polsek."""
    rows = priorities["by_officer"]
    return rows[rows["unit_code"] == unit_code]


def share_sentence(share: float | None, where: str) -> str:
    if share is None:
        return t("ew.share_none", scope=where)
    return t("ew.share", share=fmt_pct(share), scope=where)


def rule_text() -> str:
    """How the list is ranked and how long it is, from the constants that decide it."""
    return t("ew.rule", days=fmt_int(COVERAGE_DAYS), share=fmt_pct(PRIORITY_SHARE, 0), minimum=fmt_int(PRIORITY_MIN))


def week_text(priorities: dict) -> str:
    start, end = priorities["week"]
    return t("ew.week", start=fmt_date(start), end=fmt_date(end))


def priorities_text(priorities: dict, unit_code: str, polsek: str) -> str:
    """The Polsek's list as short plain text to paste into a chat group."""
    lines = [f"{t('ew.priorities')} · {polsek}", week_text(priorities), t("ew.rule_short", days=COVERAGE_DAYS), ""]
    for group in officer_groups(polsek_rows(priorities, unit_code)):
        lines.append(group["officer"])
        lines += [t("ew.text_line", **row) for row in group["rows"]]
        lines.append("")
    lines.append(share_sentence(polsek_share(priorities, unit_code), polsek))
    return "\n".join(lines)


def priorities_html(priorities: dict, unit_code: str, polsek: str, now: datetime | None = None) -> str:
    """The Polsek's list on one printable A4 page, grouped by officer (every value escaped by Jinja)."""
    now = now or datetime.now(UTC)
    return TEMPLATES.get_template("priorities.html").render(
        lang=language(), title=t("ew.priorities"), polsek=polsek, week=week_text(priorities),
        rule=rule_text(), as_of=t("ew.as_of", as_of=fmt_date(priorities["as_of"])),
        groups=officer_groups(polsek_rows(priorities, unit_code)),
        headers=[t("ew.pcol.priority"), t("ew.pcol.name"), t("ew.pcol.expected_crimes"),
                 t("ew.pcol.coverage_pct", days=fmt_int(COVERAGE_DAYS)), t("ew.pcol.visited")],
        share=share_sentence(polsek_share(priorities, unit_code), polsek),
        generated=t("briefing.generated", when=fmt_local_moment(now, data.unit_timezone(unit_code))),
        footer=t("briefing.footer"))
