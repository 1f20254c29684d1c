"""The five CSV exports of `manage.py export`, with exactly the column names of docs/metrics-reference.md.

Rates are fractions (formulas in queries/metrics.py); an empty cell means "not defined". The
officer's or village's Polsek (unit_code) follows its key, so a file can be grouped by Polsek;
columns beyond the definitions (denominators) come last.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection

from queries.complaints import complaint_response
from queries.compliance import officer_compliance, scope_officers
from queries.coverage import village_coverage
from queries.effectiveness import unit_effectiveness
from queries.quality import activity_flags
from queries.scope import Scope
from queries.spreadsheet import neutralise

KINDS = ("compliance", "coverage", "quality", "complaints", "effectiveness")
COVERAGE_EXPORT = ["village_code", "unit_code", "households_visited", "coverage", "dds_visits", "last_dds_date",
                   "blind_spot", "households"]
QUALITY_EXPORT = ["report_id", "nrp", "village_code", "flags"]


def export_frame(conn: Connection, kind: str, scope: Scope, level: str = "polsek") -> pd.DataFrame:
    """The rows of one export kind for the scope (per-unit kinds at `level`)."""
    if kind == "compliance":
        frame = officer_compliance(conn, scope)
        polsek = scope_officers(conn, scope)[["nrp", "unit_code"]]
        frame = frame.merge(polsek, on="nrp", how="left")
        return frame[["nrp", "unit_code", *frame.columns[1:-1]]]
    if kind == "coverage":
        return village_coverage(conn, scope)[COVERAGE_EXPORT]
    if kind == "quality":
        return activity_flags(conn, scope)[QUALITY_EXPORT]
    if kind == "complaints":
        return complaint_response(conn, scope, level)
    if kind == "effectiveness":
        return unit_effectiveness(conn, scope, level)
    raise ValueError(f"unknown export {kind!r}; expected one of {', '.join(KINDS)}")


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text: floats at full precision, booleans as true/false, dates as YYYY-MM-DD, blanks for undefined.

    Identifiers come from the export as typed: one starting with =, +, - or @ gets a leading quote (neutralise).
    """
    out = neutralise(frame)
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n")
