"""Fair comparison of units of one level: rates from sums, their denominators, and when n is too small to rank."""

from __future__ import annotations

import dataclasses

import pandas as pd
from sqlalchemy import Connection

from queries.effectiveness import unit_counts, with_rates
from queries.scope import Scope
from queries.timeseries import timeseries

# measure -> (denominator column, smallest denominator worth ranking on, higher is better)
MEASURES = {
    "reporting_rate": ("expected_days", 50, True),
    "reporting_rate_on_time": ("expected_days", 50, True),
    "dds_attainment": ("dds_target", 50, True),
    "coverage": ("households", 1, True),
    "dds_per_1k_households": ("households", 1, True),
    "quality_rate": ("reports", 50, True),
    "response_sla_rate": ("complaints", 10, True),
    "complaints_per_10k": ("population", 1, False),
    "crime_rate_per_10k": ("crimes", 10, False),
    "adoption_rate": ("counted", 5, True),
}


def compare_units(conn: Connection, scope: Scope, level: str, codes: list[str]) -> pd.DataFrame:
    """The chosen units with every measure (computed from their own sums) and their denominators."""
    frame = with_rates(unit_counts(conn, scope, level))
    return frame[frame["unit_code"].isin(codes)].reset_index(drop=True)


def rankable(frame: pd.DataFrame, measure: str) -> pd.Series:
    """Whether each unit has enough cases behind the measure to be ranked on it."""
    denominator, minimum, _ = MEASURES[measure]
    return frame[measure].notna() & (frame[denominator].astype("float64").fillna(0) >= minimum)


def ranking(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Units ranked on one measure (1 = best); units with too few cases get no rank."""
    _, _, higher_is_better = MEASURES[measure]
    ranked = frame.assign(rankable=rankable(frame, measure))
    ranked["rank"] = ranked[measure].where(ranked["rankable"]).rank(method="min", ascending=not higher_is_better)
    ranked["rank"] = ranked["rank"].astype("Int64")
    return ranked.sort_values(["rank", "name"], na_position="last", ignore_index=True)


def unit_trends(conn: Connection, scope: Scope, codes: list[str], freq: str = "week") -> pd.DataFrame:
    """The same series for each chosen unit (for small multiples)."""
    parts = [timeseries(conn, dataclasses.replace(scope, unit_code=code, nrp=None), freq).assign(unit_code=code)
             for code in codes]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
