"""Prioritas DDS: where door-to-door visits should go in the week after a forecast run, and who goes there.

Rule: a village's priority is its forecast crimes (next 28 days, the method the run shows) × (1 − its DDS
coverage over the 28 days up to the run's as-of date, DESIGN §4 "Per village"). A village without a household
count has no coverage: it is counted as unvisited (0 %), since nothing shows its households were reached.
The list is the top PRIORITY_SHARE of the scope's villages (at least PRIORITY_MIN) with a priority above 0,
the same share as the backtest's "top 10 %" targeting.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

import pandas as pd
from sqlalchemy import Connection, or_, select

from queries.coverage import village_coverage
from queries.db import frame_of
from queries.early_warning import village_risk
from queries.schema import assignments, officers
from queries.scope import Scope, villages_in

COVERAGE_DAYS = 28
WEEK_DAYS = 7
PRIORITY_SHARE = 0.10
PRIORITY_MIN = 5
VILLAGE_COLUMNS = ["priority", "village_code", "name", "unit_code", "polsek", "expected_crimes", "coverage",
                   "households", "households_visited", "score", "officers"]


def coverage_window(scope: Scope, as_of) -> Scope:
    """The scope over the COVERAGE_DAYS local dates ending on the run's as-of date."""
    return dataclasses.replace(scope, start=as_of - timedelta(days=COVERAGE_DAYS - 1), end=as_of)


def list_length(villages: int) -> int:
    """How many villages the list holds: PRIORITY_SHARE of the scope's, rounded up, at least PRIORITY_MIN."""
    return max(PRIORITY_MIN, math.ceil(PRIORITY_SHARE * villages))


def ranked_villages(risk: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Every village with a forecast, by priority (expected × (1 − coverage)) highest first; ties by code."""
    frame = risk[["village_code", "name", "unit_code", "polsek", "expected_crimes"]].merge(
        coverage[["village_code", "coverage", "households", "households_visited"]], on="village_code", how="left")
    frame["score"] = frame["expected_crimes"] * (1 - frame["coverage"].fillna(0.0))
    return frame.sort_values(["score", "expected_crimes", "village_code"], ascending=[False, False, True],
                             ignore_index=True)


def assigned_officers(conn: Connection, scope: Scope, on_day) -> pd.DataFrame:
    """(village_code, nrp, name) of every assignment in the scope active on the day."""
    query = (select(assignments.c.village_code, officers.c.nrp, officers.c.name)
             .join(officers, officers.c.nrp == assignments.c.nrp)
             .where(assignments.c.village_code.in_(villages_in(scope)), assignments.c.start_date <= on_day,
                    or_(assignments.c.end_date.is_(None), assignments.c.end_date >= on_day))
             .order_by(assignments.c.village_code, officers.c.name, officers.c.nrp))
    return frame_of(conn.execute(query).all(), columns=["village_code", "nrp", "name"])


def dds_priorities(conn: Connection, scope: Scope, run: dict, risk: pd.DataFrame | None = None) -> dict:
    """The priority list of the week after the run's as-of: villages, the same grouped by officer, and its reach.

    `risk` is the scope's village_risk for the run's shown method, when the caller has it already.
    "share" is the listed villages' forecast crimes over the whole scope's (None when the scope expects none).
    """
    as_of = run["as_of"]
    if risk is None:
        risk = village_risk(conn, scope, run["run_id"], run["method_shown"])
    ranked = ranked_villages(risk, village_coverage(conn, coverage_window(scope, as_of)))
    listed = ranked[ranked["score"] > 0].head(list_length(len(ranked))).copy()
    listed["priority"] = range(1, len(listed) + 1)
    assigned = assigned_officers(conn, scope, as_of)
    assigned["officer"] = assigned["name"] + " (" + assigned["nrp"] + ")"
    names = assigned.groupby("village_code")["officer"].agg("; ".join)
    listed["officers"] = listed["village_code"].map(names)
    total = float(ranked["expected_crimes"].sum())
    # One row per village and officer: the village's name as "village", the officer's as "name" (masked by meaning).
    by_officer = listed.drop(columns="officers").rename(columns={"name": "village"}).merge(
        assigned[["village_code", "nrp", "name"]], on="village_code", how="left")
    return {
        "villages": listed[VILLAGE_COLUMNS].reset_index(drop=True),
        "by_officer": officer_order(by_officer),
        "share": float(listed["expected_crimes"].sum()) / total if total > 0 else None,
        "expected_by_polsek": ranked.groupby("unit_code")["expected_crimes"].sum().to_dict(),
        "as_of": as_of,
        "week": (as_of + timedelta(days=1), as_of + timedelta(days=WEEK_DAYS)),
    }


def officer_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Officers in the order of their most urgent village, each officer's villages by priority; unassigned last."""
    first = rows.groupby(rows["nrp"].fillna(""))["priority"].transform("min")
    ordered = rows.assign(unassigned=rows["nrp"].isna(), first=first)
    ordered = ordered.sort_values(["unassigned", "first", "nrp", "priority"], ignore_index=True)
    return ordered.drop(columns=["unassigned", "first"])


def polsek_share(priorities: dict, unit_code: str) -> float | None:
    """The share of one Polsek's forecast crimes its listed villages hold (None when it expects none)."""
    total = priorities["expected_by_polsek"].get(unit_code, 0.0)
    villages = priorities["villages"]
    listed = float(villages.loc[villages["unit_code"] == unit_code, "expected_crimes"].sum())
    return listed / total if total > 0 else None

