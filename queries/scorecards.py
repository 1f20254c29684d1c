"""One officer's record (Rapor Bhabinkamtibmas): numbers, peers, villages, activity mix, flags, trend, gaps."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import Connection, select

from queries.compliance import officer_compliance, officer_table
from queries.geo import scope_bounds, village_map_frame
from queries.officers import activity_mix, gap_facts, officer_reports, peer_comparison
from queries.schema import officers, unit_tree, units
from queries.scope import Scope, officers_in, subtree
from queries.timeseries import timeseries

PEER_MEASURES = ["reporting_rate", "reporting_rate_on_time", "dds_attainment", "quality_rate"]
TREND_DAYS = 182  # about six months of monthly points


def officer_identity(conn: Connection, nrp: str) -> dict | None:
    """Name, rank, NRP, Polsek and Polres of an officer."""
    polres = units.alias("polres")
    row = conn.execute(
        select(officers.c.nrp, officers.c.name, officers.c.rank, officers.c.unit_code.label("polsek_code"),
               units.c.name.label("polsek"), units.c.parent_code.label("polres_code"), polres.c.name.label("polres"))
        .join(units, units.c.code == officers.c.unit_code)
        .outerjoin(polres, polres.c.code == units.c.parent_code)
        .where(officers.c.nrp == nrp)).mappings().first()
    return dict(row) if row else None


def sees_whole(conn: Connection, scope: Scope, unit_code: str) -> bool:
    """True when the user's home unit (the scope's boundary) holds the whole unit, not just part of it."""
    return scope.boundary is None or conn.execute(
        subtree(scope.boundary).where(unit_tree.c.unit_code == unit_code)).first() is not None


def _compared(numbers, peers, level: str):
    """peer_comparison with its columns named for the peers' level (median_polsek, percentile_polsek, …)."""
    return peer_comparison(numbers, peers, PEER_MEASURES).rename(
        columns={column: f"{column}_{level}" for column in ("median", "percentile", "peers")})


def scorecard(conn: Connection, scope: Scope, nrp: str) -> dict | None:
    """Everything the scorecard shows for one officer of the scope (None if the officer is not in it).

    "peers" compares the officer with the Polsek (median_polsek, percentile_polsek, peers_polsek) and, when
    the user may see the whole Polres, with the Polres (the same three columns ending in _polres).
    """
    if conn.execute(officers_in(dataclasses.replace(scope, nrp=nrp))).first() is None:
        return None
    identity = officer_identity(conn, nrp)
    mine = dataclasses.replace(scope, unit_code=identity["polsek_code"], nrp=nrp)
    numbers = officer_compliance(conn, mine).iloc[0]
    # Against the Polres only when the user sees all of it: a Polsek account's "Polres" is its own Polsek.
    polres = identity["polres_code"]
    compare_polres = polres is not None and sees_whole(conn, scope, polres)
    peers = officer_table(conn, dataclasses.replace(scope, unit_code=polres if compare_polres
                                                    else identity["polsek_code"], nrp=None))
    same_polsek = peers[peers["polsek"] == identity["polsek_code"]]
    comparison = _compared(numbers, same_polsek, "polsek")
    if compare_polres:
        comparison = comparison.merge(_compared(numbers, peers, "polres").drop(columns="value"), on="measure")
    reports = officer_reports(conn, mine)
    # The trend looks back about six months from the window's end, whatever the window's length, from the
    # first of a month: a part month at the start would draw as a fall in reporting that never happened.
    trend_start = min(scope.start, scope.end - timedelta(days=TREND_DAYS)).replace(day=1)
    trend_scope = dataclasses.replace(mine, start=trend_start)
    return {
        "identity": identity,
        "numbers": numbers,
        "peers": comparison,
        "villages": village_map_frame(conn, mine),
        "bounds": scope_bounds(conn, mine),
        "mix": activity_mix(conn, mine),
        "reports": reports,
        "trend": timeseries(conn, trend_scope, "month"),
        "gaps": gap_facts(conn, mine, reports, numbers),
    }
