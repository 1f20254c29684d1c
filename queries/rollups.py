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
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, Select, Subquery, and_, case, func, select, union_all

from queries.db import frame_of
from queries.policy import Policy
from queries.schema import meta, officer_day_facts, officer_month_facts, officers
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


def day_sums(negated: bool = False) -> list:
    """SUMS as sums over officer_day_facts rows, labelled (what officer_month_facts holds per month); negated: less."""
    f = officer_day_facts.c
    expected = f.expected.is_(True)
    terms = [case((expected, 1), else_=0), case((and_(expected, f.reports > 0), 1), else_=0),
             case((and_(expected, f.on_time_reports > 0), 1), else_=0),
             f.reports, f.late_reports, f.dds_visits, f.flagged_reports]
    return [func.sum(-term if negated else term).label(name) for name, term in zip(SUMS, terms)]


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every calendar month that overlaps start .. end."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def officer_sums(scope: Scope, nrps: Select | None = None) -> Subquery:
    """Per officer (of `nrps`, or every one): SUMS over the window, from the month rollup for the months it holds
    whole or mostly (less the month's days outside the window) and from the officer-days for the rest.

    A year's window at the nation: some 0.5 M month rows and the edges' days instead of 16 M days (1.5 s). A month
    the window holds 27 of 31 days of is its month row less 4 days of rows: at the nation 129,150 rows, not 990,000.
    The sums are additive, so the less is exact.
    """
    f, m = officer_day_facts.c, officer_month_facts.c
    months, days_in, days_out = [], [], []
    for month in month_starts(scope.start, scope.end):
        first, last = max(month, scope.start), min(month_end(month), scope.end)
        if 2 * ((last - first).days + 1) > month_end(month).day:
            months.append(month)
            days_out += [(month, first - timedelta(days=1)), (last + timedelta(days=1), month_end(month))]
        else:
            days_in.append((first, last))
    # Months taken whole or mostly are the window's middle and maybe its edges: one run, read by one range.
    parts = [select(m.nrp, *(m[name] for name in SUMS))
             .where(m.month.between(months[0], months[-1]), *among(m.nrp, nrps))] if months else []
    parts += [select(f.nrp, *day_sums(negated)).where(f.local_date.between(lo, hi), *among(f.nrp, nrps))
              .group_by(f.nrp) for negated, ranges in ((False, days_in), (True, days_out)) for lo, hi in joined(ranges)]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return select(rows.c.nrp, *(func.sum(rows.c[name]).label(name) for name in SUMS)).group_by(rows.c.nrp).subquery()


def joined(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The non-empty date ranges, those that follow each other made one.

    The national 30 days from 16 April are half of April and half of May: their 863,000 officer-days grouped once,
    not in two groupings summed again (officer_counts 0.67/0.69 -> 0.60/0.61 s on PostgreSQL, two pairs of medians).
    officer_sums' ranges never overlap, so only a range starting the day after the one before it is joined.
    """
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
        if merged and lo == merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def among(column, nrps: Select | list[str] | None) -> list:
    """The condition keeping an nrp column to these officers; none for every officer."""
    return [] if nrps is None else [column.in_(nrps)]


def officer_totals(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per officer of the scope: the sums of officer_days over the window, read from the rollup."""
    sums = officer_sums(scope, officers_in(scope))
    found = frame_of(conn.execute(select(sums)).all(), columns=["nrp", *SUMS])
    staff = pd.DataFrame({"nrp": pd.Series(conn.execute(officers_in(scope).order_by(officers.c.nrp)).scalars().all(),
                                           dtype=object)})
    if staff.empty:
        return pd.DataFrame(columns=["nrp", *SUMS])
    totals = staff.merge(found, on="nrp", how="left")
    totals[list(SUMS)] = totals[list(SUMS)].fillna(0).astype("int64")
    return totals
