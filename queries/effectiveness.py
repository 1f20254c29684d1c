"""Per-unit measures (docs/metrics-reference.md, "Per unit"): counts summed per unit, then the registry's rates.

Every rate of a unit is a ratio of sums over its villages, officers or complaints, never an
average of its children's rates, so a parent's counts are exactly the sum of its children's.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from queries import aggregates
from queries.complaints import scope_complaints
from queries.compliance import officer_compliance, scope_officers
from queries.coverage import in_scope, polsek_coverage
from queries.db import frame_of
from queries.metrics import DAY_MEASURES, METRICS, OFFICER_MEASURES, sums, with_metrics
from queries.rollups import month_end, month_starts
from queries.schema import crime_month_facts, crimes, units, villages
from queries.scope import Scope, polsek_parents, scope_level, units_at_level
from queries.timeseries import sql_period

EFFECTIVENESS_COLUMNS = ["unit_code", "population", "households", "crimes", "crime_rate_per_10k", "crime_rank",
                         "crime_change_z", "dds_per_1k_households", "coverage", "reporting_rate",
                         "response_sla_rate", "adoption_rate", "crimes_previous"]
# Additive counts per unit: summing them over units gives the counts of the union.
COUNT_COLUMNS = ["villages", "population", "households", "capped_visited", "dds_visits", "blind_spots", "crimes",
                 "crimes_previous", "officers", "expected_days", "reported_days", "on_time_days", "reports",
                 "late_reports", "flagged_reports", "officer_dds_visits", "dds_target", "counted", "adopted",
                 "at_target",
                 "complaints", "within_sla", "open_backlog", "backlog_old"]


def polsek_crimes(conn: Connection, scope: Scope) -> dict[str, int]:
    """Crime incidents per Polsek (of the village) of the scope with local date in the window."""
    counts = unit_crimes(conn, scope, "polsek", by_month=False)
    return dict(zip(counts["unit_code"], counts["crimes"].tolist()))


def unit_crimes(conn: Connection, scope: Scope, level: str, by_month: bool = True) -> pd.DataFrame:
    """Crimes per unit of `level` in the scope (and calendar month of the window, as a date); none: no row.

    At a Polda or the nation the months the window holds whole are summed from crime_month_facts, kept by the
    import, per unit in the database (a nation's year is 70,000 Polsek-months: read row by row they took 0.8 s);
    the rest is counted from the crimes per Polsek, then given to its unit.
    """
    keys = ["unit_code", "month"] if by_month else ["unit_code"]
    parents = polsek_parents(scope, level).subquery()
    whole = whole_months(scope) if facts_serve(conn, scope) else []
    partial = days_around(scope, whole)
    unit_of = dict(conn.execute(select(parents)).all()) if partial else {}
    frames = []
    for first, last in partial:
        per_polsek = frame_of(conn.execute(crimes_in_days(conn, scope, first, last, by_month)).all(),
                              columns=["polsek_code", *keys[1:], "crimes"])
        per_polsek["unit_code"] = per_polsek.pop("polsek_code").map(unit_of)
        frames.append(per_polsek.dropna(subset=["unit_code"]))
    if whole:
        f = crime_month_facts.c
        grouping = [parents.c.unit_code, *([f.month] if by_month else [])]
        frames.append(frame_of(conn.execute(
            select(*grouping, func.sum(f.crimes)).join(parents, parents.c.polsek_code == f.unit_code)
            .where(f.month.between(whole[0], whole[-1])).group_by(*grouping)).all(), columns=[*keys, "crimes"]))
    # An empty part would turn the codes' column to object (pandas keeps a dtype only where every part has it).
    frame = pd.concat([part for part in frames if not part.empty] or frames[:1], ignore_index=True)
    if by_month:  # one resolution whatever each database returns (dates from the facts, text from SQLite's date())
        frame["month"] = pd.to_datetime(frame["month"]).astype("datetime64[s]")
    # The codes as text even when no crime was found (an empty part's column is object).
    return frame.astype({"unit_code": "str", "crimes": "int64"}).groupby(keys, as_index=False)["crimes"].sum()


def facts_serve(conn: Connection, scope: Scope) -> bool:
    """Whether the window's whole months are read from crime_month_facts: a Polda or the nation, not an officer."""
    return scope.nrp is None and scope_level(conn, scope) in aggregates.SERVED_LEVELS


def whole_months(scope: Scope) -> list[date]:
    """The first day of every calendar month lying entirely inside the window."""
    return [month for month in month_starts(scope.start, scope.end)
            if scope.start <= month and month_end(month) <= scope.end]


def days_around(scope: Scope, whole: list[date]) -> list[tuple[date, date]]:
    """The window's days before and after its whole months (the whole window when there are none)."""
    if not whole:
        return [(scope.start, scope.end)]
    ranges = [(scope.start, whole[0] - timedelta(days=1)), (month_end(whole[-1]) + timedelta(days=1), scope.end)]
    return [(lo, hi) for lo, hi in ranges if lo <= hi]


def crimes_in_days(conn: Connection, scope: Scope, first: date, last: date, by_month: bool):
    """Crimes of the scope per Polsek (and month), from first to last, counted in the database.

    Per Polsek, not per unit: with the hierarchy joined in, SQLite scans every crime of the range (a Polda's two
    years 0.08 -> 0.6 s). The month as a date: formatting every crime's date as text took half of a nation's two
    years (1.3 s).
    """
    grouping = [villages.c.unit_code, *([sql_period(conn, crimes.c.local_date, "month")] if by_month else [])]
    return (select(*grouping, func.count()).join(villages, villages.c.code == crimes.c.village_code)
            .where(*in_scope(crimes.c.village_code, scope), crimes.c.local_date.between(first, last))
            .group_by(*grouping))


def poisson_change_z(current, previous):
    """2 × (√current − √previous): a change of more than 3 is real; small counts do not swing it."""
    return 2 * (np.sqrt(np.asarray(current, dtype="float64")) - np.sqrt(np.asarray(previous, dtype="float64")))


def comparison_window(after: Scope, first: date, last: date) -> Scope | None:
    """The "after" window cut so that it and its equally long previous() ("before") both lie inside the data.

    A day outside [first, last] holds no crimes because nothing was exported, not because none happened:
    counted, it would make a fall look real. None when the data holds no day before the reference date.
    """
    days = min(after.days, (last - after.start).days + 1, (after.start - first).days)
    if days < 1:
        return None
    return dataclasses.replace(after, end=after.start + timedelta(days=days - 1))


def unit_counts(conn: Connection, scope: Scope, level: str) -> pd.DataFrame:
    """The additive counts behind every per-unit measure, one row per unit of `level` in the scope."""
    unit_of = dict(conn.execute(polsek_parents(scope, level)).all())
    frame = frame_of(conn.execute(units_at_level(scope, level)).all(), columns=["unit_code", "name"])

    polseks = polsek_coverage(conn, scope)
    now, before = polsek_crimes(conn, scope), polsek_crimes(conn, scope.previous())
    polseks["crimes"] = polseks["polsek_code"].map(now).fillna(0)
    polseks["crimes_previous"] = polseks["polsek_code"].map(before).fillna(0)
    polseks["unit_code"] = polseks.pop("polsek_code").map(unit_of)
    grouped = polseks.groupby("unit_code")
    by_village = grouped[["villages", "capped_visited", "dds_visits", "blind_spots", "crimes", "crimes_previous"]].sum()
    # Unknown (not zero) when no village of the unit has a count: min_count, in compiled code.
    by_village["population"] = grouped["population"].sum(min_count=1)
    by_village["households"] = grouped["households"].sum(min_count=1)

    by_officer = (aggregates.unit_officer_measures(conn, scope, unit_of) if aggregates.serves(conn, scope)
                  else officer_measures(conn, scope, unit_of))

    complaints = scope_complaints(conn, scope)
    complaints["unit_code"] = complaints["polsek_code"].map(unit_of)
    complaints["counted"] = complaints["in_window"]
    complaints["sla_met"] = complaints["in_window"] & complaints["within_sla"]
    by_complaint = complaints.groupby("unit_code").agg(
        complaints=("counted", "sum"), within_sla=("sla_met", "sum"), open_backlog=("open_at_end", "sum"),
        backlog_old=("old_at_end", "sum"))

    frame = frame.set_index("unit_code").join(by_village).join(by_officer).join(by_complaint).reset_index()
    for column in COUNT_COLUMNS:
        if column in ("population", "households", "capped_visited", "dds_target"):
            continue
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["dds_target"] = frame["dds_target"].fillna(0)
    frame["capped_visited"] = frame["capped_visited"].fillna(0)
    return frame.astype({"population": "Int64", "households": "Int64"})


def officer_measures(conn: Connection, scope: Scope, unit_of: dict[str, str]) -> pd.DataFrame:
    """Per unit (Polsek mapped by `unit_of`): its officers' compliance sums, officer by officer."""
    officers = officer_compliance(conn, scope).merge(scope_officers(conn, scope)[["nrp", "unit_code"]], on="nrp")
    officers["unit_code"] = officers["unit_code"].map(unit_of)
    officers["counted"] = officers["expected_days"] > 0
    officers["adopted"] = officers["counted"] & (officers["reports"] > 0)
    officers["at_target"] = officers["counted"] & (officers["dds_visits"] >= officers["dds_target"])
    # The officers' sums; their own DDS visits are kept apart from the DDS visits in the unit's villages.
    summed = {measure: measure for measure in DAY_MEASURES if measure != "dds_visits"} | OFFICER_MEASURES | {
        column: column for column in ("dds_target", "counted", "adopted", "at_target")}
    return officers.groupby("unit_code").agg(officers=("nrp", "count"), **sums(summed))


def with_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Add every registered metric, the crime ranks and the crime change to a frame of unit counts."""
    frame = with_metrics(counts, METRICS)
    frame["crime_rank"] = frame["crimes"].rank(method="min", ascending=False).astype("Int64")
    # Units of different sizes are ranked fairly by the rate (1 = highest); no population, no rank.
    frame["crime_rate_rank"] = frame["crime_rate_per_10k"].rank(method="min", ascending=False).astype("Int64")
    frame["crime_change_z"] = poisson_change_z(frame["crimes"], frame["crimes_previous"])
    return frame


def unit_effectiveness(conn: Connection, scope: Scope, level: str = "polsek") -> pd.DataFrame:
    """The effectiveness export: one row per unit of `level` in the scope."""
    return with_rates(unit_counts(conn, scope, level))[EFFECTIVENESS_COLUMNS]


def scope_measures(conn: Connection, scope: Scope) -> pd.Series:
    """Counts and rates for the scope as a whole (its unit, or every Polda together)."""
    if scope.unit_code is None:
        level = "polda"
    else:
        level = conn.execute(select(units.c.level).where(units.c.code == scope.unit_code)).scalar_one()
    counts = unit_counts(conn, scope, level)
    if scope.unit_code is not None:
        counts = counts[counts["unit_code"] == scope.unit_code]
    total = counts[COUNT_COLUMNS].sum(min_count=1).to_frame().T
    total["unit_code"] = scope.unit_code
    return with_rates(total).iloc[0]


def crime_months(conn: Connection, scope: Scope, level: str) -> pd.DataFrame:
    """Crimes per unit of `level` and calendar month of the window (every unit and month listed)."""
    counts = unit_crimes(conn, scope, level)
    counts["month"] = counts["month"].dt.strftime("%Y-%m")
    months = pd.period_range(scope.start, scope.end, freq="M").astype(str)
    units_frame = frame_of(conn.execute(units_at_level(scope, level)).all(), columns=["unit_code", "name"])
    grid = units_frame.merge(pd.DataFrame({"month": months}), how="cross")
    return grid.merge(counts, on=["unit_code", "month"], how="left").fillna({"crimes": 0}).astype({"crimes": "int64"})
