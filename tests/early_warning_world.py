"""A small hand-checked world with stored forecast runs (issue 19), for the Peringatan Dini page and its queries.

Villages (tests/builders.py): V1 Desa Satu (PS-A, 100 households), V2 Desa Dua (PS-A, 50), V3 Desa Tiga
(PS-B, 80), V4 Desa Empat (PS-C, WITA, 40). Run 2 has as-of AS_OF = Sun 2024-03-17; DDS in the 28 days
19 Feb … 17 Mar: V1 10 households (5 more on 10 Feb, before the window), V2 all 50, V3 20 (one of them
twice), V4 none. Assignments on 17 Mar: Agus V1 and V2, Dedi V3 (Budi's ended 10 Mar), Citra V4.
A crime on 20 Mar makes the data newer than the run.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert

from builders import activity, base_export, base_officers, inside
from queries.schema import backtest_scores, forecast_runs, village_forecasts, village_hotspots

AS_OF = date(2024, 3, 17)
V1, V2, V3, V4 = "35.21.01.2001", "35.21.01.2002", "35.21.02.2003", "63.08.01.2004"
AGUS, BUDI, CITRA, DEDI = "80010001", "80010002", "80010003", "80010004"
# Expected crimes in the next 28 days per method (model first).
FORECASTS = {
    "model": {V1: 4.0, V2: 6.0, V3: 2.0, V4: 1.0},
    "last_28": {V1: 3.0, V2: 3.0, V3: 1.0, V4: 0.0},
    "mean_12m": {V1: 2.5, V2: 4.0, V3: 1.5, V4: 0.5},
    "last_year": {V1: 1.0, V2: 2.0, V3: 3.0, V4: 1.0},
}
HOTSPOTS = {V1: "new", V2: "persistent", V3: "intensifying", V4: ""}
# Mean Poisson deviance per method: overall the model beats the best baseline (mean_12m, 0.95) by
# (0.95 - 0.8) / 0.95 = 15.8 %; in Polres Ngawi it loses to last_28 (1.1 against 1.0); last_year was not scored there.
DEVIANCE = {"": {"model": 0.8, "last_28": 1.0, "mean_12m": 0.95, "last_year": 1.2},
            "PR-35.21": {"model": 1.1, "last_28": 1.0, "mean_12m": 1.3, "last_year": None}}


def dds(report_id: str, village: int, code: str, day: str, household: str, nrp: str = AGUS) -> dict:
    """A DDS visit at 09:00 local time (WITA for V4)."""
    offset = "+08:00" if village == 4 else "+07:00"
    return activity(report_id, nrp=nrp, village_code=code, activity_at=f"{day}T09:00:00{offset}",
                    submitted_at=f"{day}T10:00:00{offset}", latlng=inside(village), household_id=household)


def visits() -> list[dict]:
    rows = [dds(f"A{i}", 1, V1, "2024-03-05", f"V1-{i}") for i in range(10)]
    rows += [dds(f"B{i}", 1, V1, "2024-02-10", f"V1-{10 + i}") for i in range(5)]  # before the 28 days
    rows += [dds(f"C{i}", 2, V2, "2024-03-12", f"V2-{i}") for i in range(50)]
    rows += [dds(f"D{i}", 3, V3, "2024-03-14", f"V3-{i}", nrp=DEDI) for i in range(20)]
    rows.append(dds("D-again", 3, V3, "2024-03-15", "V3-0", nrp=DEDI))  # the same household again
    return rows


def write_export(directory: Path) -> Path:
    officers = base_officers() + [{"nrp": DEDI, "name": "Dedi", "rank": "Bripda", "unit_code": "PS-B",
                                   "active_from": "", "active_to": ""}]
    assignments = [
        {"nrp": AGUS, "village_code": V1, "start_date": "2024-01-01", "end_date": ""},
        {"nrp": AGUS, "village_code": V2, "start_date": "2024-01-01", "end_date": ""},
        {"nrp": BUDI, "village_code": V3, "start_date": "2024-01-01", "end_date": "2024-03-10"},
        {"nrp": DEDI, "village_code": V3, "start_date": "2024-03-11", "end_date": ""},
        {"nrp": CITRA, "village_code": V4, "start_date": "2024-01-01", "end_date": ""},
    ]
    crimes = [{"incident_id": "K1", "village_code": V1, "category": "Curat", "occurred_at": "2024-03-20T22:00:00"}]
    return base_export(directory, officers=officers, assignments=assignments, activities=visits(), crimes=crimes)


def store_runs(conn) -> None:
    """An older run (as-of 10 Mar, model shown) and run 2 (as-of 17 Mar, the model shown) with its rows."""
    computed = datetime(2024, 3, 18, 1, 0)
    conn.execute(insert(forecast_runs), [
        {"run_id": 1, "as_of": date(2024, 3, 10), "horizon_days": 28, "computed_at": computed,
         "method_shown": "last_28", "origins": 12},
        {"run_id": 2, "as_of": AS_OF, "horizon_days": 28, "computed_at": computed, "method_shown": "model",
         "origins": 12},
    ])
    units = {V1: "PS-A", V2: "PS-A", V3: "PS-B", V4: "PS-C"}
    conn.execute(insert(village_forecasts), [
        {"run_id": 2, "method": method, "village_code": code, "unit_code": units[code], "expected_crimes": value,
         "lower": 0.0, "upper": value * 2 + 1, "risk_rank": 1}  # stored ranks are the whole database's
        for method, values in FORECASTS.items() for code, value in values.items()])
    conn.execute(insert(village_forecasts), [  # run 1 shows last_28: a page reading it would show 9 crimes in V1
        {"run_id": 1, "method": "last_28", "village_code": V1, "unit_code": "PS-A", "expected_crimes": 9.0,
         "lower": 0.0, "upper": 20.0, "risk_rank": 1}])
    conn.execute(insert(village_hotspots), [
        {"run_id": 2, "village_code": code, "unit_code": units[code], "hotspot_class": kind,
         "gi_z": 2.5 if kind else 0.1, "trend_z": 1.0, "trend_p": 0.3, "hot_months": 3 if kind else 0,
         "months": 24} for code, kind in HOTSPOTS.items()])
    conn.execute(insert(backtest_scores), [
        {"run_id": 2, "scope_code": scope_code, "method": method, "pai_5": 3.0, "pai_10": 2.0, "pai_20": 1.5,
         "hit_rate_5": 0.2, "hit_rate_10": 0.3, "hit_rate_20": 0.5, "deviance": value, "crimes": 120,
         "villages": 4 if scope_code == "" else 3}
        for scope_code, methods in DEVIANCE.items() for method, value in methods.items()])
