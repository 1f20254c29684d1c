"""Reading the stored rollups: officer-day compliance sums for a Polda or the country without
recomputing every day, and reports per Polsek and hour.

`officer_days` (queries/compliance.py) is the definition; ingest/rollups.py stores its rows for
every officer across the data's date range (any activity, complaint or crime) at each import, and
`officer_totals` sums them in SQL. The rollup is used only when it gives the same numbers as the
definition: the caller's policy is the one it was built with, and the window lies inside the range it
covers. Building lives apart from reading so that compliance can read the rollup without this module
importing compliance.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from queries.db import frame_of
from queries.policy import Policy
from queries.schema import meta, officer_day_facts, officers
from queries.scope import Scope, officers_in

META_KEY = "officer_days_rollup"
HOURS_KEY = "submission_hours"
SUMS = ("expected_days", "reported_days", "on_time_days", "reports", "late_reports", "dds_visits",
        "flagged_reports")


def policy_key(policy: Policy) -> str:
    return json.dumps(dataclasses.asdict(policy), sort_keys=True, default=list)


def hour_text(conn: Connection, column):
    """A timestamp's UTC hour as "YYYY-MM-DD HH" on either database."""
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def has_submission_hours(conn: Connection) -> bool:
    """Whether an import has built submission_hours (a database from before it has the table empty)."""
    return conn.execute(select(meta.c.value).where(meta.c.key == HOURS_KEY)).first() is not None


def covers(conn: Connection, scope: Scope) -> bool:
    """Whether the rollup gives the definition's numbers for this scope's window and policy."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == META_KEY)).scalar()
    if value is None:
        return False
    built = json.loads(value)
    return (built["policy"] == policy_key(scope.policy) and date.fromisoformat(built["start"]) <= scope.start
            and scope.end <= date.fromisoformat(built["end"]))


def officer_totals(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per officer of the scope: the sums of officer_days over the window, read from the rollup."""
    f = officer_day_facts.c
    expected = f.expected.is_(True)
    query = (
        select(f.nrp,
               func.sum(case((expected, 1), else_=0)),
               func.sum(case((and_(expected, f.reports > 0), 1), else_=0)),
               func.sum(case((and_(expected, f.on_time_reports > 0), 1), else_=0)),
               func.sum(f.reports), func.sum(f.late_reports), func.sum(f.dds_visits), func.sum(f.flagged_reports))
        .where(f.nrp.in_(officers_in(scope)), f.local_date.between(scope.start, scope.end))
        .group_by(f.nrp)
    )
    found = frame_of(conn.execute(query).all(), columns=["nrp", *SUMS])
    staff = pd.DataFrame({"nrp": pd.Series(conn.execute(officers_in(scope).order_by(officers.c.nrp)).scalars().all(),
                                           dtype=object)})
    if staff.empty:
        return pd.DataFrame(columns=["nrp", *SUMS])
    totals = staff.merge(found, on="nrp", how="left")
    totals[list(SUMS)] = totals[list(SUMS)].fillna(0).astype("int64")
    return totals
