"""Subordinate units ranked on each KPI: best and worst at a glance, the full table to drill into."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.filters import drill_to
from components.i18n import t
from components.kpis import kpi_value
from components.tables import download_button, percent_column, show_table
from queries.metrics import METRICS

UNIT_COLUMNS = ["name", "reporting_rate", "reporting_rate_on_time", "coverage", "dds_attainment",
                "response_sla_rate", "open_backlog", "crimes", "crime_rate_per_10k", "crime_change_z",
                "adoption_rate", "officers", "villages"]
OFFICER_COLUMNS = ["name", "nrp", "reporting_rate", "reporting_rate_on_time", "dds_attainment",
                   "quality_rate", "expected_days", "reports"]
RATE_COLUMNS = {name for name, metric in METRICS.items() if metric.kind == "rate"}  # shown as percentages


def best_worst_table(summary: pd.DataFrame) -> None:
    """One line per KPI: the best and the worst unit with their values."""
    if summary.empty:
        return
    rows = [{
        t("rank.kpi"): t(f"kpi.{row.kpi}"),
        t("rank.best"): f"{row.best} ({kpi_value(row.kind, row.best_value)})",
        t("rank.worst"): (f"{row.worst} ({kpi_value(row.kind, row.worst_value)})"
                         if row.worst_value != row.best_value else t("rank.all_equal")),
    } for row in summary.itertuples(index=False)]
    show_table(pd.DataFrame(rows))


def worst_first(rankings: pd.DataFrame) -> pd.DataFrame:
    """Lowest reporting rate first, so whoever needs attention leads; those without expected days last."""
    return rankings.sort_values(["reporting_rate", "name"], na_position="last", kind="stable", ignore_index=True)


def ranking_table(rankings: pd.DataFrame, key: str) -> None:
    """Every subordinate unit with its numbers, worst first; selecting a unit's row narrows the scope to it."""
    rankings = worst_first(rankings)  # the selected row's position must index this same order
    officers = rankings["level"].iloc[0] == "officer" if not rankings.empty else False
    columns = OFFICER_COLUMNS if officers else UNIT_COLUMNS
    shown = rankings[columns].copy()
    for column in RATE_COLUMNS & set(columns):
        shown[column] = shown[column] * 100
    # Each metric's column says, on hovering its header, what the number is.
    config = {column: percent_column(t(METRICS[column].label_key), t(METRICS[column].definition_key))
              for column in RATE_COLUMNS & set(columns)}
    config.update({column: st.column_config.NumberColumn(t(f"rank.col.{column}"),
                                                         format="%.2f" if column in ("crime_rate_per_10k",
                                                                                     "crime_change_z") else "%d")
                   for column in columns if column not in RATE_COLUMNS and column not in ("name", "nrp")})
    config["name"] = st.column_config.TextColumn(t("rank.col.officer" if officers else "rank.col.name"))
    config["nrp"] = st.column_config.TextColumn(t("rank.col.nrp"))
    event = show_table(shown, column_config=config, key=key, on_select="ignore" if officers else "rerun",
                       selection_mode="single-row")
    download_button(shown.rename(columns={c: t(f"rank.col.{c}") for c in columns if c != "name"}),
                    f"peringkat_{key}.csv", key)
    if not officers and event and event.selection.rows:
        drill_to(rankings.iloc[event.selection.rows[0]]["unit_code"])
