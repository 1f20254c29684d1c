"""The seven activity flags of docs/metrics-reference.md as SQL expressions, the one definition of them.

The import stores each flag under the policy of the settings file; metric queries
use these expressions with the caller's policy, so a changed threshold needs no re-import.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select

from queries.policy import Policy
from queries.schema import activities, meta

FLAG_NAMES = (
    "late",
    "time_inconsistent",
    "gps_missing",
    "gps_outside",
    "duplicate_photo",
    "duplicate_narrative",
    "impossible_travel",
)

TIME_INCONSISTENT_SECONDS = 600  # submitted more than 10 minutes before the activity
TRAVEL_ZERO_TIME_KM = 1.0  # two reports at the same instant farther apart than this
POLICY_KEY = "flags_policy"  # meta key: the flag policy values the stored flag_* columns were computed with


def flag_expressions(policy: Policy, table=activities) -> dict[str, ColumnElement[bool]]:
    """Each flag as a boolean SQL expression over the stored measures of `table`."""
    a = table.c
    late_seconds = float(policy.late_after_hours) * 3600
    # km/h > limit, written without division: km * 3600 > limit * seconds.
    too_fast = and_(a.travel_seconds > 0, a.travel_km * 3600 > float(policy.max_travel_kmh) * a.travel_seconds)
    same_instant_far = and_(a.travel_seconds == 0, a.travel_km > TRAVEL_ZERO_TIME_KM)
    expressions = {
        "late": a.delay_seconds > late_seconds,
        "time_inconsistent": a.delay_seconds < -TIME_INCONSISTENT_SECONDS,
        "gps_missing": or_(a.lat.is_(None), a.lng.is_(None)),
        "gps_outside": and_(a.gps_distance_m.is_not(None), a.gps_distance_m > float(policy.gps_tolerance_m)),
        "duplicate_photo": a.flag_duplicate_photo,
        "duplicate_narrative": a.flag_duplicate_narrative,
        "impossible_travel": and_(a.travel_km.is_not(None), or_(too_fast, same_instant_far)),
    }
    # NULL comparisons must read as "not flagged" on both databases.
    return {name: func.coalesce(expr, false()) for name, expr in expressions.items()}


def any_flag_expression(policy: Policy, table=activities) -> ColumnElement[bool]:
    """True when at least one flag is raised."""
    return or_(*flag_expressions(policy, table).values())


def stored_flag_values(policy: Policy, table=activities) -> dict[str, ColumnElement[bool]]:
    """SET clause that refreshes the stored flag_* columns from the measures (of `table`, or anything with
    the same column names under .c)."""
    return {f"flag_{name}": expr for name, expr in flag_expressions(policy, table).items()}


def stored_flags_follow(conn: Connection, policy: Policy) -> bool:
    """Whether the stored flag_* columns were computed with `policy` (the import records the one it used)."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == POLICY_KEY)).scalar()
    return value is not None and json.loads(value) == policy.flag_values()


def with_flag_list(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the seven flag columns to booleans and add `flags`, the raised ones joined by ";"."""
    frame[list(FLAG_NAMES)] = frame[list(FLAG_NAMES)].astype(bool)
    names = np.array(FLAG_NAMES)
    frame["flags"] = [";".join(names[raised]) for raised in frame[list(FLAG_NAMES)].to_numpy()]
    return frame
