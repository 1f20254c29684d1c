"""The per-unit aggregates give the definitions' numbers: aggregate-backed == definition-backed, on both databases.

Each page function is called twice on the same data: as the Polda and national pages read it (from
unit_day_facts and unit_delay_hours) and with the aggregates switched off (the per-officer and per-report
code of the definitions). Hand-checked world, the sample, random exports (hypothesis), several windows
and scopes, a re-import that moves a report, and the incremental update against a rebuild.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from metric_world import END, O1, O2, O3, O4, START, V1, V3, V4, write_world
from random_exports import imported_twice, over_random_imports
from sqlalchemy import func, select, text

from builders import activity, inside, write_export
from ingest import aggregates as build
from ingest import rollups
from ingest.changes import ActivityChanges
from ingest.importer import import_export
from ingest.upsert import bulk_insert
from queries import aggregates
from queries.aggregates import DELAY_MAX_HOUR, DELAY_MIN_HOUR
from queries.alerts import submissions_per_day, whole_poldas
from queries.coverage import blind_spot_villages, capped_visited, polsek_coverage, village_coverage
from queries.effectiveness import unit_counts, with_rates
from queries.officers import calendar as officer_calendar
from queries.officers import delay_distribution, submission_delays
from queries.overview import activity_date_range
from queries.quality import flag_trend, flags_by_unit
from queries.schema import (
    activities,
    assignments,
    meta,
    officer_day_facts,
    officer_month_facts,
    polda_submission_hours,
    unit_day_facts,
    unit_delay_hours,
    units,
    village_day_facts,
)
from queries.scope import Scope, settings_policy

LEVELS = ("polda", "polres", "polsek")
WINDOWS = [(START, END), (START, date(2024, 3, 10)), (date(2024, 3, 11), END), (date(2024, 3, 9), date(2024, 3, 9))]
# Windows × scopes as a covering design, not the full product (12): every window with two scopes, every scope
# with three windows counting the whole window of the nation (test_hand_world_national_numbers_...).
SCOPE_CELLS = [(WINDOWS[0], "PD-35"), (WINDOWS[0], "PD-63"), (WINDOWS[1], None), (WINDOWS[1], "PD-35"),
               (WINDOWS[2], None), (WINDOWS[2], "PD-63"), (WINDOWS[3], "PD-35"), (WINDOWS[3], "PD-63")]


@pytest.fixture
def world(engine, tmp_path):
    report = import_export(engine, write_world(tmp_path / "world"))
    assert report.ok, [str(p) for p in report.problems]
    return engine


@pytest.fixture(scope="module")
def read_world(module_engine, tmp_path_factory):
    """The hand world imported once per database, for the tests that only read it (most of this file's)."""
    report = import_export(module_engine, write_world(tmp_path_factory.mktemp("world")))
    assert report.ok, [str(p) for p in report.problems]
    return module_engine


def page_numbers(conn, scope: Scope) -> dict:
    """What the Polda and national pages show per unit, for every level and period."""
    numbers = {}
    for level in LEVELS:
        numbers[f"counts-{level}"] = unit_counts(conn, scope, level).sort_values("unit_code", ignore_index=True)
        numbers[f"flags-{level}"] = flags_by_unit(conn, scope, level).sort_values("unit_code", ignore_index=True)
    for freq in ("day", "week", "month"):
        numbers[f"trend-{freq}"] = flag_trend(conn, scope, freq)
    numbers["delays"] = delay_distribution(conn, scope) | {"hours": submission_delays(conn, scope)}
    return numbers


def both_ways(conn, scope: Scope, monkeypatch) -> tuple[dict, dict]:
    """The page numbers read from the aggregates, and computed by the definitions with the aggregates off."""
    assert aggregates.serves(conn, scope)
    served = page_numbers(conn, scope)
    with monkeypatch.context() as patch:
        patch.setattr(aggregates, "serves", lambda conn, scope: False)
        defined = page_numbers(conn, scope)
    return served, defined


def assert_same_numbers(served: dict, defined: dict) -> None:
    for name, frame in defined.items():
        if name == "delays":
            continue
        pd.testing.assert_frame_equal(served[name], frame, obj=name)
    ours, theirs = served["delays"], defined["delays"]
    pd.testing.assert_frame_equal(ours["histogram"], theirs["histogram"], obj="delay histogram")
    assert (ours["reports"], ours["late"]) == (theirs["reports"], theirs["late"])
    hours = np.clip(theirs["hours"], DELAY_MIN_HOUR, DELAY_MAX_HOUR + 0.999)
    for key, share in (("median", 50), ("p90", 90)):
        # Each delay stands inside its own hour of the chart: less than an hour from the exact (clipped) value.
        assert (pd.isna(ours[key]) and len(hours) == 0) or abs(ours[key] - np.percentile(hours, share)) < 1, key


def test_hand_world_national_numbers_come_from_the_aggregates(read_world, monkeypatch):
    with read_world.connect() as conn:
        scope = Scope(None, START, END)
        served, defined = both_ways(conn, scope, monkeypatch)
    polda = served["counts-polda"].set_index("unit_code")
    # PD-35: O1 (7 expected, 4 reported, 3 on time), O2 (6, 3, 3), O4 (3, 1, 1), O5 (9, 0, 0); reports 8 + 4 + 1,
    # late A5 and A6, own DDS 6 + 3 + 1, flagged A2, A5, A6; O5 has expected days but no report (not adopted).
    assert polda.loc["PD-35", ["expected_days", "reported_days", "on_time_days", "reports", "late_reports",
                               "officer_dds_visits", "flagged_reports", "officers", "counted", "adopted",
                               "at_target", "dds_target"]].tolist() == [25, 8, 7, 13, 2, 10, 3, 4, 4, 3, 0, 50]
    # PD-63: O3 (10 expected, 4 reported and on time, 4 reports, 3 DDS, C3 flagged); O6 has no expected day.
    assert polda.loc["PD-63", ["expected_days", "reported_days", "on_time_days", "reports", "late_reports",
                               "officer_dds_visits", "flagged_reports", "officers", "counted", "adopted",
                               "at_target"]].tolist() == [10, 4, 4, 4, 0, 3, 1, 2, 1, 1, 0]
    flags = served["flags-polda"].set_index("unit_code")
    assert flags.loc["PD-35", ["reports", "late", "gps_missing", "gps_outside"]].tolist() == [13, 2, 1, 0]
    assert flags.loc["PD-63", ["reports", "late", "gps_missing", "gps_outside"]].tolist() == [4, 0, 0, 1]
    # Delays in hours: C2 0.5; A1, A2, A4, A8, B1-B4, C1, C3 1; D1 2; C4 8.5; A7 23; A3 24 (not late); A6 25; A5 49.
    delays = served["delays"]
    assert dict(zip(delays["histogram"]["delay_hour"], delays["histogram"]["reports"])) == {
        0: 1, 1: 10, 2: 1, 8: 1, 23: 1, 24: 1, 25: 1, 49: 1}
    assert (delays["reports"], delays["late"]) == (17, 2)
    assert_same_numbers(served, defined)


@pytest.mark.parametrize("window, unit_code", SCOPE_CELLS)
def test_hand_world_every_window_and_scope(read_world, monkeypatch, unit_code, window):
    with read_world.connect() as conn:
        assert_same_numbers(*both_ways(conn, Scope(unit_code, *window), monkeypatch))


@pytest.mark.parametrize("built", [True, False])
def test_polsek_coverage_sums_the_coverage_of_every_village(sample, monkeypatch, built):
    """Per Polsek in the database == village_coverage's villages summed by pandas, from the rollup or the activities;
    and the blind spots found in the database are village_coverage's."""
    if not built:
        monkeypatch.setattr(aggregates, "recorded", lambda conn: None)
    with sample.connect() as conn:
        first, last = activity_date_range(conn)
        polda = conn.execute(select(func.min(units.c.code)).where(units.c.level == "polda")).scalar_one()
        for scope in (Scope(None, last - timedelta(days=29), last), Scope(polda, first, last), Scope(None, last, last)):
            villages = village_coverage(conn, scope)
            grouped = villages.assign(capped_visited=capped_visited).groupby("unit_code")
            expected = grouped.agg(villages=("village_code", "count"), capped_visited=("capped_visited", "sum"),
                                   dds_visits=("dds_visits", "sum"), blind_spots=("blind_spot", "sum"))
            expected["population"] = grouped["population"].sum(min_count=1)
            expected["households"] = grouped["households"].sum(min_count=1)
            got = polsek_coverage(conn, scope).set_index("polsek_code").sort_index()[expected.columns]
            assert 0 < got["blind_spots"].sum() < got["villages"].sum() and got["capped_visited"].sum() > 0
            pd.testing.assert_frame_equal(got, expected, check_names=False, check_dtype=False)
            blind = villages[villages["blind_spot"]].reset_index(drop=True)
            found = blind_spot_villages(conn, scope)
            pd.testing.assert_frame_equal(found, blind[found.columns])
        # An officer's villages are those assigned in the window: an officer of a blind spot of the last 30 days.
        window = Scope(None, last - timedelta(days=29), last)
        village = village_coverage(conn, window).query("blind_spot")["village_code"].iloc[0]
        nrp = conn.execute(select(func.min(assignments.c.nrp)).where(assignments.c.village_code == village)).scalar()
        mine = Scope(None, window.start, last, nrp=nrp)
        villages = village_coverage(conn, mine)
        blind = villages[villages["blind_spot"]].reset_index(drop=True)
        found = blind_spot_villages(conn, mine)
        assert village in set(found["village_code"])
        pd.testing.assert_frame_equal(found, blind[found.columns])


POLSEK_TABLE = ["unit_code", "name", *aggregates.OFFICER_MEASURE_ORDER, "reporting_rate", "reporting_rate_on_time",
                "dds_attainment", "quality_rate", "adoption_rate", "dds_target_share"]


@pytest.mark.parametrize("window, unit_code", SCOPE_CELLS + [(WINDOWS[0], None)])
def test_the_polsek_compliance_table_equals_the_definition(read_world, monkeypatch, unit_code, window):
    scope = Scope(unit_code, *window)
    with read_world.connect() as conn:
        ours = aggregates.polsek_compliance(conn, scope)
        with monkeypatch.context() as patch:
            patch.setattr(aggregates, "serves", lambda conn, scope: False)
            defined = with_rates(unit_counts(conn, scope, "polsek"))
    pd.testing.assert_frame_equal(ours[POLSEK_TABLE], defined[POLSEK_TABLE])


def test_the_national_polsek_compliance_table_by_hand(read_world):
    with read_world.connect() as conn:
        table = aggregates.polsek_compliance(conn, Scope(None, START, END)).set_index("unit_code")
    # PS-A: O1 (7 expected, 4 reported, 3 on time); PS-B: O2 (6, 3, 3), O4 (3, 1, 1), O5 (9, 0, 0);
    # PS-C: O3 (10, 4, 4) and O6 without an expected day.
    assert table[["officers", "expected_days", "reported_days", "on_time_days"]].to_dict("index") == {
        "PS-A": {"officers": 1, "expected_days": 7, "reported_days": 4, "on_time_days": 3},
        "PS-B": {"officers": 3, "expected_days": 18, "reported_days": 4, "on_time_days": 4},
        "PS-C": {"officers": 2, "expected_days": 10, "reported_days": 4, "on_time_days": 4}}
    assert table["reporting_rate"].tolist() == pytest.approx([4 / 7, 4 / 18, 4 / 10])
    with read_world.connect() as conn:  # a Polres, or a window past the built range: not from the aggregates
        for scope in (Scope("PR-35.21", START, END), Scope(None, START, date(2024, 3, 19))):
            with pytest.raises(ValueError, match="serves"):
                aggregates.polsek_compliance(conn, scope)


def test_only_a_polda_or_the_nation_inside_the_built_range_and_policy_is_served(read_world):
    with read_world.connect() as conn:
        assert aggregates.serves(conn, Scope("PD-35", START, END))
        assert not aggregates.serves(conn, Scope("PR-35.21", START, END))  # a Polres keeps the officer lists
        assert not aggregates.serves(conn, Scope("PS-A", START, END))
        assert not aggregates.serves(conn, Scope(None, START, END, nrp=O1))
        # The data runs from the first crime and complaint (20 February) to the last (18 March), not the reports'
        # 4-17 March: days outside it are not built (nothing was exported there).
        assert aggregates.serves(conn, Scope(None, date(2024, 2, 20), date(2024, 3, 18)))
        assert not aggregates.serves(conn, Scope(None, START, date(2024, 3, 19)))
        assert not aggregates.serves(conn, Scope(None, date(2024, 2, 19), END))
        other = settings_policy().__class__(**{**settings_policy().__dict__, "late_after_hours": 48})
        assert not aggregates.serves(conn, Scope(None, START, END, other))


def test_a_boundary_keeps_the_aggregates_inside_it(read_world, monkeypatch):
    with read_world.connect() as conn:
        scope = Scope(None, START, END, boundary="PD-63")
        served, defined = both_ways(conn, scope, monkeypatch)
    assert served["counts-polda"]["unit_code"].tolist() == ["PD-63"]
    assert served["delays"]["reports"] == 4
    assert_same_numbers(served, defined)


def test_a_reimport_that_moves_a_report_moves_its_numbers(world, tmp_path, monkeypatch):
    # A4 (O1, V1 of PS-A, Sat 9th) sent again as O2's report in V3 (PS-B) on Tue 12th, 30 hours late.
    moved = activity("A4", O2, V3, "dds", "2024-03-12T09:00:00+07:00", "2024-03-13T15:00:00+07:00", inside(3), "H11")
    report = import_export(world, write_export(tmp_path / "again", activities=[moved]))
    assert report.ok, [str(p) for p in report.problems]
    with world.connect() as conn:
        # The whole window, the Saturday A4 left, and both weeks: the one it left and the one it reached.
        for unit_code, window in ((None, WINDOWS[0]), (None, WINDOWS[3]), ("PD-35", WINDOWS[1]),
                                  ("PD-35", WINDOWS[2])):
            served, defined = both_ways(conn, Scope(unit_code, *window), monkeypatch)
            assert_same_numbers(served, defined)
        flags = page_numbers(conn, Scope(None, START, END))["flags-polsek"].set_index("unit_code")
    assert flags.loc["PS-A", "reports"] == 8 - 1 and flags.loc["PS-B", "reports"] == 5 + 1
    assert flags.loc["PS-B", "late"] == 1


def stored(conn) -> dict[str, list[tuple]]:
    return {table.name: sorted(tuple(row) for row in conn.execute(table.select()))
            for table in (unit_day_facts, unit_delay_hours, village_day_facts)}


def test_the_update_of_the_keys_a_change_reaches_equals_a_rebuild(world):
    policy = settings_policy()
    with world.begin() as conn:
        old = dict(conn.execute(activities.select().where(activities.c.report_id == "A4")).mappings().one())
        # Moved by hand: to O2 in V3 on the 12th, submitted 30 h later; the officer-day rollup follows first.
        conn.execute(activities.update().where(activities.c.report_id == "A4").values(
            nrp=O2, village_code=V3, local_date=date(2024, 3, 12), activity_type="dds", household_id="H11",
            activity_at=datetime(2024, 3, 12, 2), submitted_at=datetime(2024, 3, 13, 8), delay_seconds=30 * 3600.0))
        rollups.rebuild(conn, policy, bulk_insert)
        before = stored(conn)
        build.update(conn, policy, ActivityChanges({"A4"}, [old]))
        updated = stored(conn)
        build.rebuild(conn, policy)
        rebuilt = stored(conn)
    assert updated == rebuilt
    assert updated != before  # the update did something: PS-A's 9th lost a report, PS-B's 12th gained one


def test_an_update_past_the_stored_range_adds_its_dates(world):
    policy = settings_policy()
    with world.begin() as conn:
        old = dict(conn.execute(activities.select().where(activities.c.report_id == "A8")).mappings().one())
        conn.execute(activities.update().where(activities.c.report_id == "A8").values(local_date=date(2024, 3, 20)))
        rollups.rebuild(conn, policy, bulk_insert)
        build.update(conn, policy, ActivityChanges({"A8"}, [old]))  # the range grew by the 18th to the 20th
        assert aggregates.recorded(conn)["end"] == "2024-03-20"
        updated = stored(conn)
        build.rebuild(conn, policy)
        assert stored(conn) == updated


def test_an_update_under_another_policy_rebuilds(world, monkeypatch):
    policy = settings_policy()
    with world.begin() as conn:
        conn.execute(meta.update().where(meta.c.key == aggregates.META_KEY).values(
            value=json.dumps(aggregates.recorded(conn) | {"policy": "another"})))
        calls = []
        monkeypatch.setattr(build, "rebuild", lambda *args: calls.append(args))
        build.update(conn, policy, ActivityChanges(set(), []))
    assert len(calls) == 1


def rebuilt_in_rollback(engine) -> dict[str, list[tuple]]:
    """The aggregates a full rebuild gives of the stored activities (rolled back: the stored ones stay)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            build.rebuild(conn, settings_policy())
            return stored(conn)
        finally:
            transaction.rollback()


@pytest.mark.parametrize("new_day, late", [
    # A report after every other (Mon 18th: built from the roster alone so far), plus one of the 15th 3 days late.
    (activity("N1", O4, V3, "dds", "2024-03-18T09:00:00+07:00", "2024-03-18T10:00:00+07:00", inside(3), "H12"),
     activity("N2", O1, V1, "dds", "2024-03-15T09:00:00+07:00", "2024-03-18T11:00:00+07:00", inside(1), "H13")),
    # A report before every other (Sun 3rd, WITA: no row so far), plus a report of the 11th.
    (activity("N1", O3, V4, "dds", "2024-03-03T09:00:00+08:00", "2024-03-03T10:00:00+08:00", inside(4), "H41"),
     activity("N2", O1, V1, "dds", "2024-03-11T09:00:00+07:00", "2024-03-11T12:00:00+07:00", inside(1), "H14")),
])
def test_a_file_reporting_outside_the_reports_range_updates_without_a_rebuild(world, tmp_path, monkeypatch, new_day,
                                                                              late):
    before = rebuilt_in_rollback(world)

    def no_rebuild(*args):
        raise AssertionError("a file adding a day must not rebuild the aggregates")

    monkeypatch.setattr(build, "rebuild", no_rebuild)
    report = import_export(world, write_export(tmp_path / "daily", activities=[new_day, late]))
    assert report.ok, [str(p) for p in report.problems]
    monkeypatch.undo()
    with world.connect() as conn:
        updated = stored(conn)
        built = aggregates.recorded(conn)
    day = date.fromisoformat(new_day["activity_at"][:10])
    assert (built["start"], built["end"]) == ("2024-02-20", "2024-03-18")  # the crimes' and complaints' range
    assert updated == rebuilt_in_rollback(world)
    assert sum(row[5] for row in updated["unit_day_facts"] if row[1] == day) == 1  # the new day's one report
    assert updated != before


def test_a_window_before_the_first_report_comes_from_the_aggregates(world, monkeypatch):
    # 20 Feb - 3 Mar 2024 holds crimes and complaints but no report (they start on 4 March): the effectiveness
    # page's "before" window. Tue 20 - Sat 2 are 11 reporting days; every officer assigned from 1 January has
    # them all (no leave or outage then), O4 (active from 11 March) and O6 (no assignment) none.
    before = Scope(None, date(2024, 2, 20), date(2024, 3, 3))
    with world.connect() as conn:
        served, defined = both_ways(conn, before, monkeypatch)
        assert_same_numbers(served, defined)
        assert_same_numbers(*both_ways(conn, Scope("PD-35", date(2024, 2, 26), date(2024, 3, 10)), monkeypatch))
    polda = served["counts-polda"].set_index("unit_code")
    columns = ["expected_days", "reported_days", "reports", "officers", "counted", "adopted", "at_target", "crimes"]
    # PD-35: O1, O2, O5 11 days each; crimes X4 (V1, 25 Feb) and X10-X13 (V3, 20-23 Feb).
    assert polda.loc["PD-35", columns].tolist() == [33, 0, 0, 4, 3, 0, 0, 5]
    assert polda.loc["PD-63", columns].tolist() == [11, 0, 0, 2, 1, 0, 0, 4]  # O3; X14-X17 (V4)


def stored_with_rollup(conn) -> dict[str, list[tuple]]:
    return stored(conn) | {"facts": sorted(tuple(row) for row in conn.execute(officer_day_facts.select())),
                           "months": sorted(tuple(row) for row in conn.execute(officer_month_facts.select()))}


def test_a_crime_file_reaching_further_back_extends_the_facts_without_a_rebuild(world, tmp_path, monkeypatch):
    def no_rebuild(*args):
        raise AssertionError("a crime file must not rebuild the rollup or the aggregates")

    monkeypatch.setattr(build, "rebuild", no_rebuild)
    monkeypatch.setattr(rollups, "rebuild", no_rebuild)
    older = {"incident_id": "X99", "village_code": V4, "category": "Curat", "occurred_at": "2024-02-10T10:00:00"}
    report = import_export(world, write_export(tmp_path / "crimes", crimes=[older]))
    assert report.ok, [str(p) for p in report.problems]
    monkeypatch.undo()
    new_days = Scope(None, date(2024, 2, 10), date(2024, 2, 19))
    with world.connect() as conn:
        assert aggregates.recorded(conn)["start"] == "2024-02-10"
        assert aggregates.serves(conn, new_days)
        updated = stored_with_rollup(conn)
        polda = unit_counts(conn, new_days, "polda").set_index("unit_code")
    with world.connect() as conn:
        transaction = conn.begin()
        try:
            rollups.rebuild(conn, settings_policy(), bulk_insert)
            build.rebuild(conn, settings_policy())
            assert stored_with_rollup(conn) == updated
        finally:
            transaction.rollback()
    # Sat 10 - Mon 19 Feb: 8 reporting days for O1, O2, O5 (PD-35) and O3 (PD-63).
    assert polda["expected_days"].to_dict() == {"PD-35": 24, "PD-63": 8}
    assert polda["crimes"].to_dict() == {"PD-35": 0, "PD-63": 1}


def test_sample_aggregates_equal_the_definitions(sample, monkeypatch):
    with sample.connect() as conn:
        first, last = activity_date_range(conn)
        polda = conn.execute(units.select().where(units.c.level == "polda").order_by(units.c.code)).first().code
        # Each window once and each scope (the hand world and random exports cross them): the nation over four
        # weeks, the Polda over the whole range and over its last week.
        for unit_code, window in ((None, (last - timedelta(days=27), last)), (polda, (first, last)),
                                  (polda, (last - timedelta(days=6), last))):
            assert_same_numbers(*both_ways(conn, Scope(unit_code, *window), monkeypatch))


@over_random_imports
def test_random_exports_aggregates_equal_the_definitions(backend, tmp_path, monkeypatch, first, second, days,
                                                         unit_code):
    with imported_twice(backend, tmp_path, first, second, days) as (conn, window):
        assert_same_numbers(*both_ways(conn, Scope(unit_code, *window), monkeypatch))


def calendar_shares(calendar: pd.DataFrame) -> pd.Series:
    """Share of expected officer-days reported, per Polsek and date, from either form of the calendar."""
    if "expected_days" in calendar.columns:
        days = calendar[calendar["expected_days"] > 0]
        share = days["reported_days"] / days["expected_days"]
    else:  # the officers' statuses: reported, late and missing are the expected days
        days = calendar[calendar["status"].isin(["reported", "late", "missing"])]
        share = days["status"] != "missing"
    return share.groupby([days["polsek"], days["date"]]).mean().astype("float64").sort_index().rename("share")


@pytest.mark.parametrize("unit_code", [None, "PD-35"])
def test_the_polsek_calendar_equals_the_officers_days(read_world, monkeypatch, unit_code):
    scope = Scope(unit_code, START, END)
    with read_world.connect() as conn:
        served = officer_calendar(conn, scope)
        monkeypatch.setattr(aggregates, "serves", lambda conn, scope: False)
        defined = officer_calendar(conn, scope)
    assert set(served["date"]) == set(defined["date"])  # every window day, as the officers' calendar
    pd.testing.assert_series_equal(calendar_shares(served), calendar_shares(defined))
    # Polsek B on Mon 4th: O2 reported, O5 did not (O4 not yet active).
    assert calendar_shares(served)[("Polsek B", date(2024, 3, 4))] == 0.5


def test_compliance_page_of_a_polda_shows_polsek_totals_and_officers_on_request(sample_sqlite_url, monkeypatch):
    from test_officers import open_page, plotly_spec

    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/kepatuhan.py", "PD-35")
    assert [header.value for header in at.header][0] == "Kepatuhan per Polsek"
    frames = [len(frame.value) for frame in at.dataframe]
    assert 19 in frames  # one row per Polsek of the sample's Polda
    heatmap = plotly_spec(at, "calendar")["data"][0]
    assert all(name.startswith("Polsek") for name in heatmap["y"])
    at.toggle(key="compliance_per_officer").set_value(True).run()
    assert not at.exception
    asked = [len(frame.value) for frame in at.dataframe]
    assert len(asked) == len(frames) + 1 and max(asked) > max(frames)  # then every officer, on request


# Reports submitted per Jakarta day in the hand world (submitted_at read off metric_world by hand). PD-63's
# C2, sent 17:00 UTC on the 5th, is the 6th in Jakarta; C1 and C4, naive WITA times, are an hour earlier in WIB.
PD35_SUBMITTED = {date(2024, 3, 4): 3, date(2024, 3, 5): 1, date(2024, 3, 6): 2, date(2024, 3, 9): 1,
                  date(2024, 3, 11): 1, date(2024, 3, 12): 2, date(2024, 3, 14): 2, date(2024, 3, 17): 1}
PD63_SUBMITTED = {date(2024, 3, 4): 1, date(2024, 3, 6): 1, date(2024, 3, 14): 1, date(2024, 3, 17): 1}


def test_submissions_per_day_by_hand_from_the_polda_or_the_polsek_hours(world):
    nation = {day: PD35_SUBMITTED.get(day, 0) + PD63_SUBMITTED.get(day, 0) for day in PD35_SUBMITTED | PD63_SUBMITTED}
    cases = [  # unit, boundary, whole Polda (read per Polda), the counts
        (None, None, True, nation), ("PD-35", None, True, PD35_SUBMITTED), ("PD-63", "PD-63", True, PD63_SUBMITTED),
        (None, "PD-63", True, PD63_SUBMITTED), ("PD-35", "PD-63", True, {}),
        # A Polres boundary inside a Polda (or a Polres scope) is not a whole Polda: the Polsek rows answer.
        ("PD-35", "PR-35.21", False, PD35_SUBMITTED), (None, "PR-63.08", False, PD63_SUBMITTED),
        ("PR-35.21", None, False, PD35_SUBMITTED)]
    with world.connect() as conn:
        assert sorted(conn.execute(select(polda_submission_hours).where(
            polda_submission_hours.c.unit_code == "PD-63")).all()) == [
            ("PD-63", "2024-03-04 02", 1), ("PD-63", "2024-03-05 17", 1), ("PD-63", "2024-03-14 02", 1),
            ("PD-63", "2024-03-17 00", 1)]
        for unit_code, boundary, whole, expected in cases:
            scope = Scope(unit_code, START, END, boundary=boundary)
            assert whole_poldas(conn, scope) is whole, (unit_code, boundary)
            for use_rollup in (True, False):
                assert submissions_per_day(conn, scope, START, "Asia/Jakarta", use_rollup) == expected, (
                    unit_code, boundary, use_rollup)
        # The migration fills an existing database's table with what the import stores.
        path = Path(__file__).parents[1] / "migrations" / "versions" / "0015_alert_facts.py"
        spec = importlib.util.spec_from_file_location("migration_0015", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        kept = sorted(conn.execute(select(polda_submission_hours)).all())
        conn.execute(polda_submission_hours.delete())
        conn.execute(text(migration.BACKFILL))  # rolled back as the connection closes
        assert sorted(conn.execute(select(polda_submission_hours)).all()) == kept
        assert sum(reports for _, _, reports in kept) == 17  # every report of the world



def test_a_crime_before_the_first_assignment_computes_no_officer_day_before_it(world, tmp_path, monkeypatch):
    """A crime on 10 Dec 2023, before every assignment (1 Jan 2024) and report (4 Mar): the facts reach back to it,
    the officer-days are computed only from the first assignment on (first_row_date's clip), by the update and by
    a rebuild, and December is served all the same: the definition's numbers, no expected day."""
    computed = []  # the windows officer-days were computed over
    store_days = rollups._store_days

    def recording(conn, scope, nrps, write_rows):
        computed.append((scope.start, scope.end))
        return store_days(conn, scope, nrps, write_rows)

    monkeypatch.setattr(rollups, "_store_days", recording)
    older = {"incident_id": "X98", "village_code": V1, "category": "Curat", "occurred_at": "2023-12-10T10:00:00"}
    report = import_export(world, write_export(tmp_path / "crimes", crimes=[older]))
    assert report.ok, [str(p) for p in report.problems]
    # Added 10 Dec - 19 Feb (the facts began on 20 Feb), clipped to the first assignment; no report touched.
    assert computed == [(date(2024, 1, 1), date(2024, 2, 19))]
    december = Scope("PD-35", date(2023, 12, 10), date(2023, 12, 31))
    with world.connect() as conn:
        assert aggregates.recorded(conn)["start"] == "2023-12-10"
        assert conn.execute(select(func.min(officer_day_facts.c.local_date))).scalar() == date(2024, 1, 1)
        served, defined = both_ways(conn, december, monkeypatch)
        assert_same_numbers(served, defined)
        updated = stored_with_rollup(conn)
    with world.connect() as conn:
        transaction = conn.begin()
        try:
            computed.clear()
            rollups.rebuild(conn, settings_policy(), bulk_insert)
            assert min(start for start, _ in computed) == date(2024, 1, 1)
            assert stored_with_rollup(conn)["facts"] == updated["facts"]
        finally:
            transaction.rollback()
    polda = served["counts-polda"].set_index("unit_code")
    columns = ["expected_days", "reported_days", "reports", "counted", "adopted", "at_target", "crimes"]
    assert polda.index.tolist() == ["PD-35"] and polda.loc["PD-35", columns].tolist() == [0, 0, 0, 0, 0, 0, 1]
