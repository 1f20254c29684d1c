"""Building the stored rollups after an import or a policy change (read by queries/rollups.py)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, func, select

from queries.compliance import officer_days
from queries.policy import Policy
from queries.rollups import HOURS_KEY, META_KEY, hour_text, policy_key
from queries.schema import activities, meta, officer_day_facts, officers, submission_hours, villages
from queries.scope import Scope

CHUNK = 500  # officers per pass: bounded memory whatever the size of the country
CELLS = 250_000  # officer-days per pass at most: bounded memory whatever the span of the data


def rebuild(conn: Connection, policy: Policy, write_rows) -> int:
    """Recompute the whole rollup under `policy` (write_rows(conn, table, rows) inserts); return the rows stored."""
    conn.execute(officer_day_facts.delete())
    conn.execute(meta.delete().where(meta.c.key == META_KEY))
    first, last = conn.execute(select(func.min(activities.c.local_date), func.max(activities.c.local_date))).one()
    if first is None:
        rebuild_submission_hours(conn)
        return 0
    nrps = conn.execute(select(officers.c.nrp).order_by(officers.c.nrp)).scalars().all()
    per_pass = max(1, min(CHUNK, CELLS // ((last - first).days + 1)))
    stored = 0
    for start in range(0, len(nrps), per_pass):
        days = officer_days(conn, Scope(None, first, last, policy), nrps=nrps[start:start + per_pass])
        days = days[days["expected"] | (days["reports"] > 0)]
        columns = ["nrp", "date", "expected", "reports", "on_time_reports", "late_reports", "dds_visits",
                   "flagged_reports"]
        rows = days[columns].rename(columns={"date": "local_date"}).to_dict("records")
        if rows:
            write_rows(conn, officer_day_facts, rows)
        stored += len(rows)
    conn.execute(meta.insert().values(key=META_KEY, value=json.dumps(
        {"policy": policy_key(policy), "start": first.isoformat(), "end": last.isoformat()})))
    rebuild_submission_hours(conn)
    return stored


def rebuild_submission_hours(conn: Connection) -> None:
    """Recompute reports per Polsek and UTC hour from the activities, in one statement."""
    hour = hour_text(conn, activities.c.submitted_at)
    conn.execute(submission_hours.delete())
    conn.execute(meta.delete().where(meta.c.key == HOURS_KEY))
    conn.execute(meta.insert().values(key=HOURS_KEY, value="built"))
    conn.execute(submission_hours.insert().from_select(
        ["unit_code", "hour", "reports"],
        select(villages.c.unit_code, hour, func.count())
        .join(villages, villages.c.code == activities.c.village_code)
        .group_by(villages.c.unit_code, hour)))
