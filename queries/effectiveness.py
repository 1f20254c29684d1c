"""Effectiveness per unit (DESIGN.md section 4, "Per unit"): crime, DDS intensity, coverage, adoption."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from queries.complaints import complaint_response
from queries.compliance import officer_compliance, ratio, scope_officers
from queries.coverage import capped_visited, village_coverage
from queries.schema import crimes
from queries.scope import Scope, polsek_parents, units_at_level, villages_in

EFFECTIVENESS_COLUMNS = ["unit_code", "population", "households", "crimes", "crime_rate_per_10k", "crime_rank",
                         "crime_change_z", "dds_per_1k_households", "coverage", "reporting_rate",
                         "response_sla_rate", "adoption_rate", "crimes_previous"]


def crimes_by_village(conn: Connection, scope: Scope) -> dict[str, int]:
    """Crime incidents per village of the scope with local date in the window."""
    query = (select(crimes.c.village_code, func.count())
             .where(crimes.c.village_code.in_(villages_in(scope)), crimes.c.local_date.between(scope.start, scope.end))
             .group_by(crimes.c.village_code))
    return dict(conn.execute(query).all())


def poisson_change_z(current: pd.Series, previous: pd.Series) -> pd.Series:
    """2 × (√current − √previous): a change of more than 3 is real; small counts do not swing it."""
    return 2 * (np.sqrt(current.astype("float64")) - np.sqrt(previous.astype("float64")))


def unit_effectiveness(conn: Connection, scope: Scope, level: str = "polsek") -> pd.DataFrame:
    """The effectiveness export: one row per unit of `level` in the scope."""
    unit_of = dict(conn.execute(polsek_parents(scope, level)).all())
    unit_codes = [code for code, _ in conn.execute(units_at_level(scope, level)).all()]

    villages = village_coverage(conn, scope)
    villages["unit_code"] = villages["unit_code"].map(unit_of)
    now, before = crimes_by_village(conn, scope), crimes_by_village(conn, scope.previous())
    villages["crimes"] = villages["village_code"].map(now).fillna(0).astype("int64")
    villages["crimes_previous"] = villages["village_code"].map(before).fillna(0).astype("int64")
    villages["capped_visited"] = capped_visited(villages)
    by_village = villages.groupby("unit_code").agg(
        population=("population", lambda s: s.sum(min_count=1)),
        households=("households", lambda s: s.sum(min_count=1)),
        crimes=("crimes", "sum"),
        crimes_previous=("crimes_previous", "sum"),
        dds_visits=("dds_visits", "sum"),
        capped_visited=("capped_visited", "sum"),
    )

    officers = officer_compliance(conn, scope).merge(scope_officers(conn, scope)[["nrp", "unit_code"]], on="nrp")
    officers["unit_code"] = officers["unit_code"].map(unit_of)
    officers["counted"] = officers["expected_days"] > 0
    officers["adopted"] = officers["counted"] & (officers["reports"] > 0)
    by_officer = officers.groupby("unit_code").agg(
        expected_days=("expected_days", "sum"), reported_days=("reported_days", "sum"),
        counted=("counted", "sum"), adopted=("adopted", "sum"))

    sla = complaint_response(conn, scope, level).set_index("unit_code")["response_sla_rate"]

    frame = pd.DataFrame({"unit_code": unit_codes}).set_index("unit_code")
    frame = frame.join(by_village).join(by_officer).join(sla).reset_index()
    for column in ("crimes", "crimes_previous", "dds_visits", "expected_days", "reported_days", "counted", "adopted"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["population"] = frame["population"].astype("Int64")
    frame["households"] = frame["households"].astype("Int64")
    population = frame["population"].astype("float64")
    households = frame["households"].astype("float64")
    frame["crime_rate_per_10k"] = ratio(frame["crimes"], population) * 10_000
    frame["crime_rank"] = frame["crimes"].rank(method="min", ascending=False).astype("Int64")
    frame["crime_change_z"] = poisson_change_z(frame["crimes"], frame["crimes_previous"])
    frame["dds_per_1k_households"] = ratio(frame["dds_visits"], households) * 1000
    frame["coverage"] = ratio(frame["capped_visited"].fillna(0), households)
    frame["reporting_rate"] = ratio(frame["reported_days"], frame["expected_days"])
    frame["adoption_rate"] = ratio(frame["adopted"], frame["counted"])
    return frame[EFFECTIVENESS_COLUMNS]
