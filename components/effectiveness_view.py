"""Effectiveness views: crime before and after a reference date, DDS against crime change, goal attainment."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.charts import mark_partial
from components.filters import scope_label
from components.i18n import fmt_date, fmt_int, fmt_num, t, t_plural
from components.safe import label
from components.tables import percent_column, show_table, table_with_download
from queries.effectiveness import comparison_window
from queries.metrics import METRICS
from queries.policy import BOS_V2_LAUNCH as BOS_LAUNCH
from queries.policy import REAL_CHANGE_Z as REAL_CHANGE
from queries.scope import Scope

LENGTHS = (30, 90, 182, 365)


def default_reference(scope: Scope, first: date, last: date) -> date:
    """The BOS V2 launch if the data spans it, else the sidebar's start, else the data's middle (data on both sides)."""
    if first < BOS_LAUNCH <= last:
        return BOS_LAUNCH
    return scope.start if scope.start > first else first + timedelta(days=((last - first).days + 1) // 2)


def window_controls(scope: Scope, first: date, last: date) -> Scope | None:
    """Reference date and window length; returns the "after" window compared (its previous() is "before").

    Both windows are cut to the data (equally long), so no change is called real on missing days;
    None when the data holds nothing before the reference date.
    """
    st.session_state.setdefault("eff_reference", default_reference(scope, first, last))
    st.session_state.setdefault("eff_length", 365)
    if st.button(t("eff.use_sidebar"), key="eff_sidebar", help=t("eff.use_sidebar_help")):
        st.session_state["eff_reference"], st.session_state["eff_length"] = scope.start, scope.days
    columns = st.columns([2, 2, 3])
    reference = columns[0].date_input(t("eff.reference"), key="eff_reference", min_value=first, max_value=last,
                                      format="DD/MM/YYYY", help=t("eff.reference_help"))
    lengths = sorted(set(LENGTHS) | {st.session_state["eff_length"]})
    length = columns[1].selectbox(t("eff.length"), lengths, key="eff_length",
                                  format_func=lambda days: t_plural("eff.days", days, days=fmt_int(days)))
    # replace(), not a new Scope: the user's boundary and name masking must carry over.
    asked = dataclasses.replace(scope, start=reference, end=reference + timedelta(days=length - 1))
    after = comparison_window(asked, first, last)
    if after is None:
        st.warning(t("eff.no_before", first=fmt_date(first)))
        return None
    before = after.previous()
    columns[2].caption(t("eff.windows", b1=fmt_date(before.start), b2=fmt_date(before.end),
                         a1=fmt_date(after.start), a2=fmt_date(after.end)))
    if after.days < asked.days:
        st.warning(t("eff.clipped", first=fmt_date(first), last=fmt_date(last),
                     days=t_plural("eff.days", after.days, days=fmt_int(after.days)),
                     asked=t_plural("eff.days", asked.days, days=fmt_int(asked.days))))
    return after


def window_caption(after: Scope) -> str:
    """The page's header line: the scope and the two windows the numbers below really compare."""
    before = after.previous()
    return scope_label(after) + " · " + t("overview.compared", start=fmt_date(before.start),
                                          end=fmt_date(before.end))


def rank_text(rank, units: int) -> str:
    return "–" if pd.isna(rank) else t("eff.rank", rank=fmt_int(rank), units=fmt_int(units))


def change_text(z) -> str:
    """The z with words and an arrow, so a real change is never signalled by colour alone."""
    if pd.isna(z):
        return "–"
    if z > REAL_CHANGE:
        return f"▲ {fmt_num(z, 1)} · {t('eff.real_rise')}"
    if z < -REAL_CHANGE:
        return f"▼ {fmt_num(z, 1)} · {t('eff.real_fall')}"
    return f"{fmt_num(z, 1)} · {t('eff.no_real_change')}"


def crime_table(units: pd.DataFrame) -> None:
    """Crimes before and after, rate per 10,000 and both ranks (highest rate first), and the change z."""
    rated = int(units["crime_rate_rank"].notna().sum())
    shown = units.sort_values(["crime_rate_rank", "crime_rank", "name"], na_position="last").assign(
        rate_rank_label=lambda f: [rank_text(r, rated) for r in f["crime_rate_rank"]],
        rank_label=lambda f: [rank_text(r, len(f)) for r in f["crime_rank"]],
        change=lambda f: [change_text(z) for z in f["crime_change_z"]])
    headers = {"name": t("rank.col.name"), "crimes_previous": t("eff.before"), "crimes": t("eff.after"),
               "crime_rate_per_10k": t("rank.col.crime_rate_per_10k"), "rate_rank_label": t("eff.rank_rate_col"),
               "rank_label": t("eff.rank_count_col"), "change": t("eff.change"), "population": t("eff.population")}
    styled = shown[list(headers)].rename(columns=headers).style.map(
        lambda text: "background-color: #fcbba1; font-weight: 600" if str(text).startswith("▲")
        else ("background-color: #d1e5f0; font-weight: 600" if str(text).startswith("▼") else ""),
        subset=[headers["change"]])
    show_table(styled, column_config={
        headers["crime_rate_per_10k"]: st.column_config.NumberColumn(format="%.2f")})
    table_with_download(shown, headers, "kejahatan_per_satuan.csv", key="crime_units", show=False)


def trend_figure(months: pd.DataFrame, names: list[str], reference: date, start: date, end: date) -> go.Figure:
    """Crimes per month for the chosen units, the reference date marked, months only partly in [start, end] dotted."""
    figure = go.Figure()
    for name in names:
        rows = months[months["name"] == name]
        figure.add_scatter(x=rows["month"], y=rows["crimes"], name=label(name), mode="lines+markers")
    # Plotly cannot place a vline's own annotation on a category axis, so the label is added separately.
    figure.add_vline(x=reference.strftime("%Y-%m"), line_dash="dash", line_color="#555")
    figure.add_annotation(x=reference.strftime("%Y-%m"), y=1, yref="paper", text=t("eff.reference_line"),
                          showarrow=False, yanchor="bottom")
    figure.update_layout(height=340, margin={"l": 0, "r": 0, "t": 30, "b": 0}, legend={"orientation": "h"},
                         yaxis_title=t("eff.crimes_month"))
    mark_partial(figure, {month: date.fromisoformat(f"{month}-01") for month in months["month"]}, start, end, "month")
    return figure


def scatter_figure(units: pd.DataFrame, x: str, x_title: str) -> go.Figure:
    """One point per unit: DDS intensity (or coverage) against the crime change z, sized by population."""
    population = units["population"].astype("float64").fillna(0)
    size = 12 + 28 * (population / population.max()) if population.max() > 0 else 14
    values = units[x] * (100 if x == "coverage" else 1)
    # Only units with a real change are labelled on the chart; every point names itself on hover.
    names = [label(name) for name in units["name"]]
    labels = [name if abs(z) > REAL_CHANGE else "" for name, z in zip(names, units["crime_change_z"])]
    figure = go.Figure(go.Scatter(x=values, y=units["crime_change_z"], mode="markers+text", text=labels,
                                  customdata=names,
                                  hovertemplate="%{customdata}<br>%{x:.1f} · z %{y:.1f}<extra></extra>",
                                  textposition="top center", marker={"size": size, "color": "#2c7fb8", "opacity": 0.7}))
    figure.add_hrect(y0=-REAL_CHANGE, y1=REAL_CHANGE, fillcolor="#f0f0f0", opacity=0.5, line_width=0)
    figure.update_layout(height=380, margin={"l": 0, "r": 0, "t": 10, "b": 0}, xaxis_title=x_title,
                         yaxis_title=t("eff.change"))
    return figure


def correlation_text(units: pd.DataFrame, x: str) -> str:
    """Spearman rank correlation between a measure and the crime change, with the number of units."""
    pairs = units[[x, "crime_change_z"]].dropna()
    if len(pairs) < 4:
        return t("eff.too_few_units")
    rho = pairs[x].rank().corr(pairs["crime_change_z"].rank())
    return t("eff.correlation", rho=fmt_num(rho, 2), units=fmt_int(len(pairs)))


def goals_table(units: pd.DataFrame) -> None:
    """Goal attainment per unit, lowest reporting rate first: officers at the DDS target, reporting, SLA, coverage."""
    columns = ["dds_target_share", "reporting_rate", "response_sla_rate", "coverage"]
    ordered = units.sort_values(["reporting_rate", "name"], na_position="last")  # worst first
    shown = ordered.assign(**{c: ordered[c] * 100 for c in columns})
    headers = {"name": t("rank.col.name"), **{c: t(METRICS[c].label_key) for c in columns},
               "counted": t("eff.officers"), "complaints": t("complaints.count")}
    table_with_download(shown, headers, "capaian_tujuan.csv", key="goals",
                        column_config={c: percent_column(headers[c]) for c in columns})
