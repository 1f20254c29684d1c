"""Fair comparison of units of one level: rates from sums, their denominators, and when n is too small to rank."""

from __future__ import annotations

import dataclasses

import pandas as pd
from sqlalchemy import Connection, func, select

from queries import aggregates, rollups
from queries.effectiveness import unit_counts, with_rates
from queries.metrics import METRICS, rankable
from queries.schema import units
from queries.scope import Scope, within
from queries.timeseries import timeseries, units_timeseries

# The measures a comparison offers, in this order; their formulas and "sedikit data" limits are in the registry.
MEASURES = ["reporting_rate", "reporting_rate_on_time", "dds_attainment", "coverage", "dds_per_1k_households",
            "quality_rate", "response_sla_rate", "complaints_per_10k", "crime_rate_per_10k", "adoption_rate",
            "dds_target_share"]


def compare_units(conn: Connection, scope: Scope, level: str, codes: list[str]) -> pd.DataFrame:
    """The chosen units with every measure (computed from their own sums) and their denominators."""
    frame = with_rates(unit_counts(conn, scope, level))
    return frame[frame["unit_code"].isin(codes)].reset_index(drop=True)


def ranking(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Units ranked on one measure (1 = best); units with too few cases get no rank."""
    ranked = frame.assign(rankable=rankable(frame, measure))
    ranked["rank"] = ranked[measure].where(ranked["rankable"]).rank(
        method="min", ascending=not METRICS[measure].higher_is_better)
    ranked["rank"] = ranked["rank"].astype("Int64")
    return ranked.sort_values(["rank", "name"], na_position="last", ignore_index=True)


def unit_trends(conn: Connection, scope: Scope, codes: list[str], freq: str = "week") -> pd.DataFrame:
    """The same series for each chosen unit (for small multiples)."""
    if codes and fast_trends(conn, scope, codes):
        return units_timeseries(conn, scope, codes, freq)
    parts = [timeseries(conn, dataclasses.replace(scope, unit_code=code, nrp=None), freq).assign(unit_code=code)
             for code in codes]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def fast_trends(conn: Connection, scope: Scope, codes: list[str]) -> bool:
    """Whether the series of many officers come from the rollup: a Polda or the nation it covers, units inside it."""
    if not (aggregates.serves(conn, scope) and rollups.covers(conn, scope)):
        return False
    inside = conn.execute(select(func.count()).select_from(units)
                          .where(units.c.code.in_(codes), *within(units.c.code, scope))).scalar_one()
    return inside == len(set(codes))
