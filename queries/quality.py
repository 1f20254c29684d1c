"""Data-quality flags per activity (DESIGN.md section 4, "Flags"), under the scope's policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from queries.flags import FLAG_NAMES, flag_expressions
from queries.schema import activities
from queries.scope import Scope, villages_in

ACTIVITY_COLUMNS = ["report_id", "nrp", "village_code", "activity_type", "local_date", "activity_at", "submitted_at"]


def activity_flags(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Every activity of the scope's villages dated in the window, its seven flags and `flags` as a list."""
    expressions = flag_expressions(scope.policy)
    query = (
        select(*(activities.c[col] for col in ACTIVITY_COLUMNS),
               *(expr.label(name) for name, expr in expressions.items()))
        .where(activities.c.village_code.in_(villages_in(scope)),
               activities.c.local_date.between(scope.start, scope.end))
        .order_by(activities.c.report_id)
    )
    frame = pd.DataFrame(conn.execute(query).all(), columns=ACTIVITY_COLUMNS + list(FLAG_NAMES))
    frame[list(FLAG_NAMES)] = frame[list(FLAG_NAMES)].astype(bool)
    names = np.array(FLAG_NAMES)
    frame["flags"] = [";".join(names[raised]) for raised in frame[list(FLAG_NAMES)].to_numpy()]
    return frame
