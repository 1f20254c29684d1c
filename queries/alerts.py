"""What needs action this week: blind spots, silent officers, overdue complaints, flag spikes, outage-like dips,
villages becoming crime hot spots."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, exists, func, or_, select

from queries import rollups
from queries.briefing import KPIS
from queries.complaints import earliest_as_of, scope_complaints
from queries.coverage import blind_spot_villages, last_activity_date
from queries.db import frame_of
from queries.early_warning import latest_run
from queries.effectiveness import poisson_change_z
from queries.metrics import METRICS
from queries.officers import village_officers
from queries.policy import REAL_CHANGE_Z, SILENT_DAYS
from queries.schema import (
    activities,
    assignments,
    complaints,
    leaves,
    officers,
    polda_submission_hours,
    submission_hours,
    units,
    village_hotspots,
    villages,
)
from queries.scope import Scope, officers_in, villages_in, within

DIP_SHARE = 0.25  # a day with under a quarter of its usual submissions looks like an outage
DIP_MIN_USUAL = 20  # ... but only where a usual day has enough submissions to tell
DIP_LOOKBACK_WEEKS = 8
SPIKE_Z = REAL_CHANGE_Z  # a rise in flagged reports is real by the same test as a change in crime


def blind_spots(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Villages without DDS in the last blind-spot days of the window, longest-neglected first."""
    frame = blind_spot_villages(conn, scope)
    frame = frame.merge(village_officers(conn, scope, scope.end, frame["village_code"].tolist()), on="village_code",
                        how="left")
    frame = frame.merge(_polsek_names(conn, scope), on="unit_code", how="left")
    frame["days_since_dds"] = pd.array([(scope.end - day).days if day is not None else None
                                        for day in frame["last_dds_date"]], dtype="Int64")
    frame = frame.sort_values(["days_since_dds", "village_code"], ascending=[False, True], na_position="first")
    return frame[["village_code", "name", "polsek", "officers", "households", "last_dds_date", "days_since_dds"]]


def silent_officers(conn: Connection, scope: Scope, min_days: int = SILENT_DAYS) -> pd.DataFrame:
    """Officers on duty at the window's end (active, assigned, not on leave) silent for min_days or more."""
    end = scope.end
    reported = activities.c.nrp == officers.c.nrp
    # Silent is no report in the last min_days days: one index probe per officer keeps the others out, and
    # only the silent take the backward step to their last report (a nation: 44,092 steps before).
    recent = exists().where(reported, activities.c.local_date.between(end - timedelta(days=min_days - 1), end))
    on_duty = (
        select(officers.c.nrp, officers.c.name, officers.c.rank, units.c.name.label("polsek"),
               last_activity_date(end, reported))
        .join(units, units.c.code == officers.c.unit_code)
        .where(officers.c.nrp.in_(officers_in(scope)), ~recent,
               or_(officers.c.active_from.is_(None), officers.c.active_from <= end),
               or_(officers.c.active_to.is_(None), officers.c.active_to >= end),
               officers.c.nrp.in_(select(assignments.c.nrp).where(
                   assignments.c.start_date <= end, or_(assignments.c.end_date.is_(None),
                                                        assignments.c.end_date >= end))),
               officers.c.nrp.not_in(select(leaves.c.nrp).where(leaves.c.start_date <= end,
                                                                leaves.c.end_date >= end)))
    )
    silent = frame_of(conn.execute(on_duty).all(), columns=["nrp", "name", "rank", "polsek", "last_report_date"])
    silent["days_silent"] = pd.array([(end - day).days if day is not None else None
                                      for day in silent["last_report_date"]], dtype="Int64")
    return silent.sort_values(["days_silent", "nrp"], ascending=[False, True], na_position="first")


def overdue_complaints(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Complaints open at the window's end and unanswered past the SLA: this window's first, then older ones."""
    frame = scope_complaints(conn, scope, *overdue_candidates(scope), labelled=True)
    sla = scope.policy.complaint_response_sla_hours
    unanswered = frame["first_response_at"].isna() | (frame["first_response_at"] >= frame["as_of"])
    overdue = frame[frame["open_at_end"] & unanswered & (frame["age_days_at_end"] * 24 > sla)]
    # Each group oldest first; a year-old backlog listed first would bury this period's complaints.
    overdue = overdue.sort_values(["in_window", "created_at", "complaint_id"], ascending=[False, True, True])
    return overdue[["complaint_id", "village_code", "village", "polsek", "officer", "category", "channel",
                    "created_at", "age_days_at_end"]]


def overdue_candidates(scope: Scope) -> list:
    """Conditions every overdue complaint meets whatever its village's zone, so SQL reads these rows only.

    Open, unanswered and older than the SLA at as_of, which lies between earliest_as_of and 12 h after the UTC
    midnight ending the window's last day (zones run UTC-12 .. UTC+14): the exact test, per zone, stays above.
    """
    c = complaints.c
    earliest = earliest_as_of(scope)
    latest = datetime.combine(scope.end + timedelta(days=1), datetime.min.time()) + timedelta(hours=12)
    sla = timedelta(hours=scope.policy.complaint_response_sla_hours)
    return [c.created_at < latest - sla, or_(c.resolved_at.is_(None), c.resolved_at >= earliest),
            or_(c.first_response_at.is_(None), c.first_response_at >= earliest)]


def flag_spikes(now: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Units (or officers) whose flagged reports rose by a Poisson z above SPIKE_Z against the window before.

    Both frames have unit_code, name (now only), flagged_reports and reports.
    """
    frame = now[["unit_code", "name", "flagged_reports", "reports"]].merge(
        previous[["unit_code", "flagged_reports"]], on="unit_code", how="left", suffixes=("", "_previous"))
    frame["flagged_reports_previous"] = frame["flagged_reports_previous"].fillna(0).astype("int64")
    frame["change_z"] = poisson_change_z(frame["flagged_reports"], frame["flagged_reports_previous"])
    return frame[frame["change_z"] > SPIKE_Z].sort_values("change_z", ascending=False)


# dds_attainment may pass 1 (more visits than the target), the other rate KPIs may not.
UNBOUNDED_RATES = {"dds_attainment"}


def numbers(values) -> np.ndarray:
    """Floats, NaN where missing (also from nullable integer columns)."""
    return pd.Series(values).to_numpy(dtype="float64", na_value=np.nan)


def rate_change_z(numerator, denominator, numerator_before, denominator_before, bounded: bool = True) -> np.ndarray:
    """(rate − rate before) / its standard error under "no change" (pooled; binomial if bounded, else Poisson).

    NaN when either window has no denominator; 0 when both rates are 0 (or both 1), which cannot differ.
    """
    x1, n1, x0, n0 = (numbers(v) for v in (numerator, denominator, numerator_before, denominator_before))
    n1, n0 = np.where(n1 > 0, n1, np.nan), np.where(n0 > 0, n0, np.nan)
    pooled = (x1 + x0) / (n1 + n0)
    spread = pooled * (1 - pooled) if bounded else pooled
    difference = x1 / n1 - x0 / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = difference / np.sqrt(spread * (1 / n1 + 1 / n0))
    return np.where((spread == 0) & (difference == 0), 0.0, z)


WORSENED_COLUMNS = ["unit_code", "name", "kpi", "kind", "higher_is_better", "previous", "current", "change",
                    "worse_z"]


def worsened(now: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Each subordinate unit's (or officer's) KPIs that got worse than in the window before, clearest first.

    Both frames hold counts with rates per unit_code (name from `now`); KPIs absent from the frames
    (an officer has no coverage) are skipped. `change` is current − previous as on the KPI cards;
    `worse_z` says how clearly it got worse: the Poisson z for counts, the rate z for rates, so a
    drop of 1 day in 2 does not outrank one of 200 in 400. Only rows with worse_z > 0 are kept.
    """
    # Aligned by position with `now` (a merge suffix could clash: unit counts already hold crimes_previous).
    earlier = previous.set_index("unit_code").reindex(now["unit_code"])
    parts = []
    for kpi in KPIS:
        if kpi.column not in now:
            continue
        current, before = numbers(now[kpi.column]), numbers(earlier[kpi.column])
        if kpi.kind == "count":
            z = poisson_change_z(current, before)
        else:
            x, n = METRICS[kpi.column].numerator, METRICS[kpi.column].denominator
            z = rate_change_z(now[x], now[n], earlier[x], earlier[n], bounded=kpi.column not in UNBOUNDED_RATES)
        worse = -z if kpi.higher_is_better else z
        keep = worse > 0
        parts.append(pd.DataFrame({
            "unit_code": now["unit_code"].to_numpy()[keep], "name": now["name"].to_numpy()[keep], "kpi": kpi.key,
            "kind": kpi.kind, "higher_is_better": kpi.higher_is_better, "previous": before[keep],
            "current": current[keep], "change": (current - before)[keep], "worse_z": worse[keep]}))
    if not parts:
        return pd.DataFrame(columns=WORSENED_COLUMNS)
    return pd.concat(parts).sort_values(["worse_z", "name", "kpi"], ascending=[False, True, True],
                                        ignore_index=True)[WORSENED_COLUMNS]


def submission_dips(conn: Connection, scope: Scope, zone: str = "Asia/Jakarta") -> pd.DataFrame:
    """Window days whose submissions fall far below the usual for that weekday (a likely outage), deepest first."""
    lookback = scope.start - timedelta(weeks=DIP_LOOKBACK_WEEKS)
    counts = submissions_per_day(conn, scope, lookback, zone)
    days = pd.DataFrame({"date": pd.date_range(lookback, scope.end).date})
    days["submissions"] = days["date"].map(counts).fillna(0).astype("int64")
    days["weekday"] = [day.weekday() for day in days["date"]]
    history = days[days["date"] < scope.start]
    usual = history.groupby("weekday")["submissions"].median()
    window = days[days["date"] >= scope.start].copy()
    window["usual"] = window["weekday"].map(usual)
    dips = window[(window["usual"] >= DIP_MIN_USUAL) & (window["submissions"] < DIP_SHARE * window["usual"])]
    dips = dips.assign(share=dips["submissions"] / dips["usual"]).sort_values(["share", "date"])
    return dips[["date", "submissions", "usual"]]


def submissions_per_day(conn: Connection, scope: Scope, since, zone: str, use_rollup: bool = True) -> dict:
    """Reports submitted per local day (in `zone`) of the scope's villages, from `since` to the window end."""
    lo = datetime.combine(since, datetime.min.time()) - timedelta(days=1)
    hi = datetime.combine(scope.end, datetime.min.time()) + timedelta(days=2)
    if use_rollup and scope.nrp is None and rollups.has_submission_hours(conn):
        # From an hourly rollup: the same counts, since a village's reports are its Polsek's (and its Polda's).
        h = (polda_submission_hours if whole_poldas(conn, scope) else submission_hours).c
        rows = conn.execute(
            select(h.hour, func.sum(h.reports))
            .where(*within(h.unit_code, scope), h.hour >= f"{lo:%Y-%m-%d %H}", h.hour < f"{hi:%Y-%m-%d %H}")
            .group_by(h.hour)).all()
    else:
        hour = rollups.hour_text(conn, activities.c.submitted_at).label("hour")
        rows = conn.execute(
            select(hour, func.count())
            .where(and_(activities.c.village_code.in_(villages_in(scope)), activities.c.submitted_at >= lo,
                        activities.c.submitted_at < hi))
            .group_by(hour)).all()
    if not rows:
        return {}
    frame = frame_of(rows, columns=["hour", "count"])
    local = pd.to_datetime(frame["hour"], format="%Y-%m-%d %H").dt.tz_localize("UTC").dt.tz_convert(zone)
    return frame.groupby(local.dt.date)["count"].sum().to_dict()


def whole_poldas(conn: Connection, scope: Scope) -> bool:
    """Whether the scope is whole Polda (the nation, or a Polda, inside a national or that Polda's boundary).

    Then `within` on Polda codes keeps exactly the scope's Polda; a Polres boundary must read the Polsek rows.
    """
    codes = {code for code in (scope.unit_code, scope.boundary) if code is not None}
    return not codes or conn.execute(select(func.count()).where(units.c.code.in_(sorted(codes)),
                                                                units.c.level == "polda")).scalar_one() == len(codes)


# The hot spot classes that call for action: a village that has just become, or is becoming more of, a hot spot.
ALERT_HOTSPOT_CLASSES = ("new", "intensifying")
HOTSPOT_ALERT_COLUMNS = ["village_code", "village", "polsek", "hotspot_class", "hot_months", "months", "gi_z", "as_of"]


def rising_hotspots(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The scope's villages that the latest stored run classed as new or intensifying hot spots, strongest first.

    The run's own as_of, not the window, dates them: hot spots are computed by `manage.py forecast`
    over whole months, so the column `as_of` says how recent they are.
    """
    run = latest_run(conn)
    if run is None:
        return pd.DataFrame(columns=HOTSPOT_ALERT_COLUMNS)
    h = village_hotspots.c
    rows = conn.execute(
        select(h.village_code, villages.c.name, h.unit_code, h.hotspot_class, h.hot_months, h.months, h.gi_z)
        .join(villages, villages.c.code == h.village_code)
        .where(h.run_id == run["run_id"], h.hotspot_class.in_(ALERT_HOTSPOT_CLASSES),
               h.village_code.in_(villages_in(scope)))).all()
    frame = frame_of(rows, columns=["village_code", "village", "unit_code", "hotspot_class", "hot_months", "months",
                                    "gi_z"])
    frame = frame.merge(_polsek_names(conn, scope), on="unit_code", how="left").assign(as_of=run["as_of"])
    # New ones first (they are the news), then by how hot the last month was.
    frame["order"] = frame["hotspot_class"].map(ALERT_HOTSPOT_CLASSES.index)
    frame = frame.sort_values(["order", "gi_z", "village_code"], ascending=[True, False, True])
    return frame[HOTSPOT_ALERT_COLUMNS].reset_index(drop=True)


def _polsek_names(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Names of the scope's Polsek (not the country's thousands)."""
    rows = conn.execute(select(units.c.code, units.c.name).where(units.c.level == "polsek",
                                                                  *within(units.c.code, scope))).all()
    return frame_of(rows, columns=["unit_code", "polsek"])
