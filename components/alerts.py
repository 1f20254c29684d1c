"""Alerts that need action this week, each with its list and a download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.follow_up_view import alert_table
from components.i18n import fmt_date, t, t_count
from queries.accounts import User
from queries.scope import Scope

# kind -> (columns shown, in order)
ALERT_COLUMNS = {
    "blind_spots": ["name", "polsek", "officers", "households", "last_dds", "days_since_dds"],
    "silent_officers": ["name", "nrp", "rank", "polsek", "last_report", "days_silent"],
    "overdue_complaints": ["complaint_id", "village", "polsek", "officer", "category", "channel", "created",
                           "age_days"],
    "flag_spikes": ["name", "flagged_reports", "flagged_reports_previous", "reports", "change_z"],
    "submission_dips": ["day", "submissions", "usual"],
    "hotspot": ["village", "polsek", "hotspot_class", "hot_months", "months", "as_of"],
}


def displayable(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The alert's rows with dates and ages written out for people."""
    frame = frame.copy()
    if kind == "blind_spots":
        frame["last_dds"] = [fmt_date(d) if pd.notna(d) else t("map.never") for d in frame["last_dds_date"]]
        frame["officers"] = frame["officers"].fillna(t("map.no_officer"))
    elif kind == "silent_officers":
        frame["last_report"] = [fmt_date(d) if pd.notna(d) else t("map.never") for d in frame["last_report_date"]]
    elif kind == "overdue_complaints":
        frame["created"] = [fmt_date(d.date()) for d in frame["created_at"]]
        frame["age_days"] = frame["age_days_at_end"].round(1)
    elif kind == "flag_spikes":
        frame["change_z"] = frame["change_z"].round(1)
    elif kind == "submission_dips":
        frame["day"] = [fmt_date(d) for d in frame["date"]]
    elif kind == "hotspot":
        frame["hotspot_class"] = [t(f"hotspot.class.{name or 'none'}") for name in frame["hotspot_class"]]
        frame["as_of"] = [fmt_date(d) for d in frame["as_of"]]
    return frame[ALERT_COLUMNS[kind]]


def alert_sections(alerts: dict[str, pd.DataFrame], scope: Scope, user: User | None, officers: bool) -> None:
    """One expander per kind of alert, its count in the title; empty kinds say all is well.

    Each row shows the status of its open follow-up (one query for every alert); roles that act select rows
    to open follow-ups. `officers`: the scope's subordinates are officers (a Polsek), so spikes are officers'.
    """
    marks = data.follow_up_marks(scope)
    for kind, frame in alerts.items():
        count = len(frame)
        icon = ":material/warning:" if count else ":material/check_circle:"
        with st.expander(t_count(f"alert.{kind}", count), expanded=False, icon=icon):
            st.caption(t(f"alert.{kind}.help"))
            if count == 0:
                st.success(t("alert.none"))
                continue
            shown = displayable(kind, frame)
            alert_table(kind, frame, shown, {c: t(f"alert.col.{c}") for c in shown.columns}, scope, user, officers,
                        marks)
