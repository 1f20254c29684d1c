"""KPI cards with their change against the previous equal window."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.i18n import fmt_int, fmt_num, fmt_pct, t
from components.tables import table_with_download


def kpi_value(kind: str, value) -> str:
    """The number as shown on a card."""
    if kind == "rate":
        return fmt_pct(value)
    if kind == "per10k":
        return fmt_num(value, 2)
    return fmt_int(value)


def kpi_change(kind: str, key: str, change) -> str | None:
    """The change as shown under a card: points for rates, counts, z for crimes; None when undefined."""
    if pd.isna(change):
        return None
    sign = "+" if change > 0 else ("-" if change < 0 else "±")
    magnitude = abs(change)
    if key == "crimes":
        return f"{sign}{fmt_num(magnitude, 1)} z"
    if kind == "rate":
        return f"{sign}{fmt_num(magnitude * 100, 1)} {t('kpi.points')}"
    return f"{sign}{fmt_int(magnitude)}"


def kpi_cards(comparison: pd.DataFrame, per_row: int = 4) -> None:
    """The KPI cards; arrows are coloured by whether the change is good (green) or bad (red)."""
    rows = comparison.to_dict("records")
    for start in range(0, len(rows), per_row):
        for column, row in zip(st.columns(per_row), rows[start:start + per_row]):
            column.metric(
                t(f"kpi.{row['kpi']}"),
                kpi_value(row["kind"], row["current"]),
                kpi_change(row["kind"], row["kpi"], row["change"]),
                # No change gets no green or red: it is neither good nor bad news.
                delta_color="off" if row["change"] == 0 else ("normal" if row["higher_is_better"] else "inverse"),
                help=t(f"kpi.{row['kpi']}.help", previous=kpi_value(row["kind"], row["previous"])),
                border=True,
            )


def worsened_table(worse: pd.DataFrame, officers: bool) -> None:
    """The subordinate units' (or officers') KPIs that got worse, clearest first, each change written as on a card."""
    shown = pd.DataFrame({
        "name": worse["name"],
        "kpi": [t(f"kpi.{key}") for key in worse["kpi"]],
        "previous": [kpi_value(kind, value) for kind, value in zip(worse["kind"], worse["previous"])],
        "current": [kpi_value(kind, value) for kind, value in zip(worse["kind"], worse["current"])],
        # The count's own change, not the z the crime card shows: the z has its own column here.
        "change": [kpi_change(kind, "", change) for kind, change in zip(worse["kind"], worse["change"])],
        "worse_z": worse["worse_z"].round(1),
    })
    headers = {"name": t("rank.col.officer" if officers else "rank.col.name"), "kpi": t("rank.kpi"),
               **{column: t(f"worse.col.{column}") for column in ("previous", "current", "change", "worse_z")}}
    table_with_download(shown, headers, "apa_yang_memburuk.csv", key="worsened",
                        column_config={"worse_z": st.column_config.NumberColumn(headers["worse_z"], format="%.1f")})
