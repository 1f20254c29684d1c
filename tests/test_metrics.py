"""Every metric of docs/metrics-reference.md on the hand-checked world of metric_world.py, on both databases."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from metric_world import END, O1, O2, O3, O4, O5, O6, START, V1, V2, V3, V4, V5, write_world

from ingest.importer import import_export
from queries import aggregates
from queries.alerts import blind_spots, silent_officers
from queries.complaints import complaint_response
from queries.compliance import officer_compliance, officer_days
from queries.coverage import scope_villages, unit_coverage, village_coverage, window_numbers, with_window
from queries.effectiveness import unit_counts, unit_effectiveness, with_rates
from queries.policy import Policy
from queries.quality import activity_flags
from queries.scope import Scope
from queries.timeseries import timeseries


@pytest.fixture(scope="module")
def world(module_engine, tmp_path_factory):
    """The hand world imported once per database: every test here only reads it."""
    report = import_export(module_engine, write_world(tmp_path_factory.mktemp("world")))
    assert report.ok, [str(p) for p in report.problems]
    return module_engine


def rows_by(frame: pd.DataFrame, key: str) -> dict:
    return {row[key]: row for row in frame.to_dict("records")}


def same(actual, expected) -> bool:
    """Equal numbers (1e-9 relative), or both undefined."""
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual)) or actual is pd.NA
    return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-12)


def assert_row(row: dict, expected: dict) -> None:
    for column, value in expected.items():
        assert same(row[column], value), f"{column}: {row[column]!r} != {value!r}"


def test_officer_compliance(world):
    with world.connect() as conn:
        result = rows_by(officer_compliance(conn, Scope(None, START, END)), "nrp")
    assert sorted(result) == [O1, O2, O3, O4, O5, O6]
    # O1: expected 4,5,8,9,11,14,15 (7); reported 4,5,9,11 (4); on time 4,5 (exactly 24 h),9 (3).
    # Reports A1-A8 (8); late A5 (49 h), A6 (25 h); DDS A1,A2,A3,A5,A6,A7 (6) against 2 x 7 = 14;
    # flagged A2 (no GPS), A5, A6: quality 1 - 3/8.
    assert_row(result[O1], {"expected_days": 7, "reported_days": 4, "on_time_days": 3, "reporting_rate": 4 / 7,
                            "reporting_rate_on_time": 3 / 7, "reports": 8, "late_reports": 2, "dds_visits": 6,
                            "dds_target": 14, "dds_attainment": 6 / 14, "flagged_reports": 3,
                            "quality_rate": 1 - 3 / 8})
    # O2: expected 4-9 (6); reported 4,5,6 (3); reports B1-B4 (4, B3 after reassignment); DDS 3 of 12.
    assert_row(result[O2], {"expected_days": 6, "reported_days": 3, "on_time_days": 3, "reporting_rate": 0.5,
                            "reports": 4, "late_reports": 0, "dds_visits": 3, "dds_target": 12,
                            "dds_attainment": 0.25, "flagged_reports": 0, "quality_rate": 1.0})
    # O4: expected 11, 14, 15 (3); one DDS on the 14th.
    assert_row(result[O4], {"expected_days": 3, "reported_days": 1, "reporting_rate": 1 / 3, "dds_target": 6,
                            "dds_attainment": 1 / 6})
    # O5: expected 4-9, 11, 14, 15 (9), nothing reported.
    assert_row(result[O5], {"expected_days": 9, "reported_days": 0, "reporting_rate": 0.0, "reports": 0,
                            "dds_attainment": 0.0, "quality_rate": None})
    # O3 (WITA): expected 12 weekdays - 12th (23 h down) - 13th (24 h) = 10; reported 4, 6 (C2 is
    # 00:30 local), 14, 16 (C4 at 23:30 local); C3 is GPS-outside: quality 1 - 1/4.
    assert_row(result[O3], {"expected_days": 10, "reported_days": 4, "on_time_days": 4, "reporting_rate": 0.4,
                            "reports": 4, "dds_visits": 3, "dds_target": 20, "dds_attainment": 0.15,
                            "flagged_reports": 1, "quality_rate": 0.75})
    # O6: no assignment, so no expected day and every rate undefined.
    assert_row(result[O6], {"expected_days": 0, "reporting_rate": None, "reporting_rate_on_time": None,
                            "dds_target": 0, "dds_attainment": None, "quality_rate": None})


def test_expected_day_reasons(world):
    with world.connect() as conn:
        days = officer_days(conn, Scope("PS-A", START, END)).set_index("date")
    assert days.loc[date(2024, 3, 6), "on_leave"]
    assert days.loc[date(2024, 3, 12), "outage_hours"] == 24
    assert days.loc[date(2024, 3, 15), "outage_hours"] == 2.5 and days.loc[date(2024, 3, 15), "expected"]
    assert days.loc[date(2024, 3, 16), "outage_hours"] == 5 and not days.loc[date(2024, 3, 16), "expected"]
    assert not days.loc[date(2024, 3, 17), "reporting_weekday"]
    with world.connect() as conn:
        wita = officer_days(conn, Scope("PS-C", START, END))
    hours = wita[wita["nrp"] == O3].set_index("date")["outage_hours"]
    assert (hours[date(2024, 3, 12)], hours[date(2024, 3, 13)], hours[date(2024, 3, 14)]) == (23, 24, 1)


def test_policy_changes_without_reimport(world):
    # Sunday as a reporting day, a 48 h late threshold and a DDS target of 1 per day.
    policy = Policy(reporting_weekdays=(0, 1, 2, 3, 4, 5, 6), late_after_hours=48, dds_target_per_day=1)
    with world.connect() as conn:
        o1 = rows_by(officer_compliance(conn, Scope("PS-A", START, END, policy)), "nrp")[O1]
    # Sundays 10 and 17 become expected (9 days); A8 on the 17th reports it; A6 (25 h) is on time.
    assert_row(o1, {"expected_days": 9, "reported_days": 5, "on_time_days": 5, "late_reports": 1,
                    "dds_target": 9, "flagged_reports": 2})


def test_village_and_unit_coverage(world):
    with world.connect() as conn:
        villages = rows_by(village_coverage(conn, Scope(None, START, END)), "village_code")
        ps_b = village_coverage(conn, Scope("PS-B", START, END))
        polres = village_coverage(conn, Scope("PR-35.21", START, END))
    # V1: DDS A1 (H1), A3 (H1), A5 (H7), A6 (H8): 3 households of 100; last DDS Mar 11.
    assert_row(villages[V1], {"households_visited": 3, "coverage": 0.03, "dds_visits": 4})
    assert (villages[V1]["last_dds_date"], villages[V1]["blind_spot"]) == (date(2024, 3, 11), False)
    assert_row(villages[V2], {"households_visited": 2, "coverage": 0.04, "dds_visits": 2})
    assert_row(villages[V3], {"households_visited": 2, "coverage": 2 / 80, "dds_visits": 3})
    # V4: C1 and C4 both visit H5; C2 visits H6.
    assert_row(villages[V4], {"households_visited": 2, "coverage": 0.05, "dds_visits": 3})
    assert villages[V4]["last_dds_date"] == date(2024, 3, 16)
    # V5 has no household count: coverage is undefined, never 0.
    assert_row(villages[V5], {"households_visited": 1, "coverage": None, "dds_visits": 1})
    assert same(villages[V5]["households"], None)
    # Unit coverage sums: PS-B = 2 / 80 (V5 left out); PR-35.21 = (3 + 2 + 2) / (100 + 50 + 80).
    assert same(unit_coverage(ps_b), 2 / 80)
    assert same(unit_coverage(polres), 7 / 230)


def test_blind_spots_count_back_from_the_window_end(world):
    # Window Mar 15-17 with blind_spot_days = 2: DDS needed on Mar 16 or 17.
    scope = Scope(None, date(2024, 3, 15), END, Policy(blind_spot_days=2))
    with world.connect() as conn:
        villages = rows_by(village_coverage(conn, scope), "village_code")
    assert {code: row["blind_spot"] for code, row in villages.items()} == {
        V1: True, V2: True, V3: True, V4: False, V5: True}
    # The last DDS date looks back before the window.
    assert villages[V1]["last_dds_date"] == date(2024, 3, 11)
    assert villages[V1]["dds_visits"] == 0
    # The alert labels only its blind spots with their officers on the window's end (O4 took V3 over on the 11th).
    with world.connect() as conn:
        alert = blind_spots(conn, scope)
    assert dict(zip(alert["village_code"], alert["officers"])) == {
        V1: f"Agus ({O1})", V2: f"Agus ({O1})", V3: f"Dedi ({O4})", V5: f"Eko ({O5})"}


@pytest.mark.parametrize(("min_days", "expected"), [
    (7, {O5: None}),  # O5 never reported; O1 (17th), O4 (14th), O3 (16th WITA) did within Mar 11-17
    (3, {O5: None, O4: 3}),  # O4's last report is the 14th: three days before the 17th
    (4, {O5: None}),  # ... which lies inside Mar 14-17
])
def test_silent_officers_are_on_duty_without_a_report_in_the_last_days(world, min_days, expected):
    # On duty on the 17th: O2's assignment ended on the 10th and O6 has none, so neither is listed.
    with world.connect() as conn:
        silent = silent_officers(conn, Scope(None, START, END), min_days)
    assert list(silent["nrp"]) == list(expected)  # never-reported first, then the longest silent
    assert dict(zip(silent["nrp"], silent["days_silent"].astype(object).where(silent["days_silent"].notna(), None))
                ) == expected
    assert silent.set_index("nrp").loc[O5, "last_report_date"] is None


def test_a_window_after_visits_reads_them_for_the_last_date_only(world, monkeypatch):
    # Mar 13-17 with blind spots over 30 days: the sums read from Feb 17, so visits before the 13th give the last
    # DDS date but count neither as visits nor as households; a household seen before counts at its return.
    scope = Scope(None, date(2024, 3, 13), END)
    with world.connect() as conn:
        served = village_coverage(conn, scope)
        monkeypatch.setattr(aggregates, "recorded", lambda conn: None)  # the definition, from the activities
        defined = village_coverage(conn, scope)
    pd.testing.assert_frame_equal(served, defined)
    villages = rows_by(served, "village_code")
    expected = {V1: (0, 0, date(2024, 3, 11)),  # A1-A6 all before the 13th
                V2: (1, 1, date(2024, 3, 13)),  # A7 (H9)
                V3: (1, 1, date(2024, 3, 14)),  # D1 (H4); B1, B2 before
                V4: (1, 1, date(2024, 3, 16)),  # C4 (H5, first seen on Mar 4 by C1)
                V5: (0, 0, date(2024, 3, 5))}   # B4 only
    assert {code: (row["households_visited"], row["dds_visits"], row["last_dds_date"])
            for code, row in villages.items()} == expected
    assert not served["blind_spot"].any()


def test_a_village_the_window_numbers_miss_has_no_visits(world):
    # Imported between the read of the villages and that of the window's numbers (the app caches them apart).
    scope = Scope(None, START, END)
    with world.connect() as conn:
        numbers = window_numbers(conn, scope)
        frame = with_window(scope_villages(conn, scope), numbers[numbers["village_code"] != V1], scope)
    v1 = rows_by(frame, "village_code")[V1]
    assert (v1["households_visited"], v1["dds_visits"], v1["coverage"], v1["last_dds_date"], v1["blind_spot"]) == (
        0, 0, 0.0, None, True)
    assert frame["households_visited"].dtype == "int64" and frame["blind_spot"].dtype == bool


def test_activity_flags(world):
    with world.connect() as conn:
        flags = dict(activity_flags(conn, Scope(None, START, END))[["report_id", "flags"]].itertuples(index=False))
    assert {rid: value for rid, value in flags.items() if value} == {
        "A2": "gps_missing", "A5": "late", "A6": "late", "C3": "gps_outside"}
    assert len(flags) == 17


def test_complaint_response(world):
    with world.connect() as conn:
        polsek = rows_by(complaint_response(conn, Scope(None, START, END)), "unit_code")
        polres = rows_by(complaint_response(conn, Scope(None, START, END), "polres"), "unit_code")
    # PS-A: K1 (2 h, resolved after 24 h), K2 (25 h), K3 (never): median (2+25)/2, p90 2 + 0.9 x 23,
    # SLA 1/3. Open at Mar 18 00:00 WIB: K2, K3, K4, K6 (resolved 01:00 on the 18th); older than 7
    # days: K2 (7 d 16 h), K4, K6.
    expected_a = {"first_response_median_h": 13.5, "first_response_p90_h": 22.7, "response_sla_rate": 1 / 3,
                  "resolution_median_h": 24.0, "open_backlog": 4, "backlog_old": 3, "complaints": 3}
    assert_row(polsek["PS-A"], expected_a)
    assert_row(polsek["PS-B"], {"first_response_median_h": None, "response_sla_rate": None, "open_backlog": 0,
                                "complaints": 0})
    # PS-C (WITA): K7 at 23:30 on the 17th answered an hour later; K8 is 00:30 on the 18th locally.
    assert_row(polsek["PS-C"], {"first_response_median_h": 1.0, "first_response_p90_h": 1.0,
                                "response_sla_rate": 1.0, "resolution_median_h": None, "open_backlog": 1,
                                "backlog_old": 0, "complaints": 1})
    assert_row(polres["PR-35.21"], expected_a)
    assert sorted(polres) == ["PR-35.21", "PR-63.08"]


def test_effectiveness(world):
    with world.connect() as conn:
        polsek = rows_by(unit_effectiveness(conn, Scope(None, START, END)), "unit_code")
        polres = rows_by(unit_effectiveness(conn, Scope(None, START, END), "polres"), "unit_code")
    # Crimes in the window: PS-A 4 (V1 3 + V2 1), PS-B 4 (tie: both rank 1), PS-C 0 (X18 is the 18th in
    # WITA). Previous window Feb 19 - Mar 3: PS-A 1, PS-B 4, PS-C 4.
    assert_row(polsek["PS-A"], {
        "population": 555, "households": 150, "crimes": 4, "crime_rate_per_10k": 4 / 555 * 10_000,
        "crime_rank": 1, "crime_change_z": 2 * (2 - 1), "dds_per_1k_households": 6 / 150 * 1000,
        "coverage": 5 / 150, "reporting_rate": 4 / 7, "response_sla_rate": 1 / 3, "adoption_rate": 1.0})
    # PS-B: V5 has no population or households; officers O2 (3/6), O4 (1/3), O5 (0/9, has not adopted).
    assert_row(polsek["PS-B"], {
        "population": 296, "households": 80, "crimes": 4, "crime_rank": 1, "crime_change_z": 0.0,
        "dds_per_1k_households": 4 / 80 * 1000, "coverage": 2 / 80, "reporting_rate": 4 / 18,
        "response_sla_rate": None, "adoption_rate": 2 / 3})
    assert_row(polsek["PS-C"], {
        "population": 148, "households": 40, "crimes": 0, "crime_rate_per_10k": 0.0, "crime_rank": 3,
        "crime_change_z": 2 * (0 - 2), "dds_per_1k_households": 75.0, "coverage": 0.05,
        "reporting_rate": 0.4, "response_sla_rate": 1.0, "adoption_rate": 1.0})
    assert_row(polres["PR-35.21"], {"population": 851, "households": 230, "crimes": 8, "crime_rank": 1,
                                    "crime_change_z": 2 * (math.sqrt(8) - math.sqrt(5)),
                                    "reporting_rate": 8 / 25, "adoption_rate": 3 / 4})
    assert_row(polres["PR-63.08"], {"crimes": 0, "crime_rank": 2, "crime_change_z": -4.0})


def test_crime_rate_rank_beside_the_count_rank(world):
    with world.connect() as conn:
        units = rows_by(with_rates(unit_counts(conn, Scope(None, START, END), "polsek")), "unit_code")
    # 4 crimes each in PS-A (555 residents: 72.1 per 10k) and PS-B (296: 135.1); none in PS-C (148).
    # By count A and B share rank 1; by rate B is 1, A 2, C 3. The export keeps the count rank.
    assert {code: units[code]["crime_rank"] for code in units} == {"PS-A": 1, "PS-B": 1, "PS-C": 3}
    assert {code: units[code]["crime_rate_rank"] for code in units} == {"PS-A": 2, "PS-B": 1, "PS-C": 3}
    with world.connect() as conn:
        assert "crime_rate_rank" not in unit_effectiveness(conn, Scope(None, START, END)).columns


def test_scope_limits_every_export_to_the_subtree(world):
    scope = Scope("PS-B", START, END)
    with world.connect() as conn:
        assert sorted(officer_compliance(conn, scope)["nrp"]) == [O2, O4, O5]
        assert sorted(village_coverage(conn, scope)["village_code"]) == [V3, V5]
        assert sorted(activity_flags(conn, scope)["report_id"]) == ["B1", "B2", "B3", "B4", "D1"]
        assert list(complaint_response(conn, scope)["unit_code"]) == ["PS-B"]
        assert list(unit_effectiveness(conn, scope)["unit_code"]) == ["PS-B"]
        assert unit_effectiveness(conn, scope, "polres").empty


def test_window_without_data(world):
    scope = Scope(None, date(2023, 3, 1), date(2023, 3, 31))
    with world.connect() as conn:
        compliance = officer_compliance(conn, scope)
        coverage = village_coverage(conn, scope)
        effectiveness = rows_by(unit_effectiveness(conn, scope), "unit_code")
        complaints = complaint_response(conn, scope)
    assert compliance["expected_days"].sum() == 0 and compliance["reporting_rate"].isna().all()
    assert list(coverage["households_visited"]) == [0] * 5 and coverage["blind_spot"].all()
    assert list(coverage["coverage"].isna()) == [False, False, False, True, False]  # V1 V2 V3 V5 V4
    assert {row["crime_rank"] for row in effectiveness.values()} == {1}
    assert complaints["complaints"].sum() == 0 and complaints["open_backlog"].sum() == 0


def test_weekly_series_add_up(world):
    scope = Scope(None, START, END)
    with world.connect() as conn:
        weekly = timeseries(conn, scope, "week").set_index("period")
        daily = timeseries(conn, scope, "day")
        totals = officer_compliance(conn, scope)
    # Week of Mar 4: O1 4 + O2 6 + O3 6 + O5 6 = 22 expected days; week of Mar 11: O1 3 + O4 3 + O3 4 + O5 3.
    assert list(weekly.index) == [date(2024, 3, 4), date(2024, 3, 11)]
    assert list(weekly["expected_days"]) == [22, 13]
    assert weekly["reported_days"].sum() == totals["reported_days"].sum() == daily["reported_days"].sum()
    assert weekly["reports"].sum() == 17 and weekly["crimes"].sum() == 8 and weekly["complaints"].sum() == 4
    # DDS households in the week of Mar 4: V1 {H1, H7}, V2 {H2}, V3 {H3}, V5 {H10}, V4 {H5, H6}.
    assert weekly.loc[date(2024, 3, 4), "households_visited"] == 7
    assert len(daily) == 14
    monthly = timeseries(conn_scope := world.connect(), scope, "month")
    conn_scope.close()
    assert list(monthly["period"]) == [date(2024, 3, 1)]
