"""Efektivitas and perbandingan at a Polda read what grows with officers and reports from the rollups,
with the definitions' numbers: fast path == definition path on the hand world and the sample, both databases.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pandas as pd
import pytest
from metric_world import END, START, V1, V2, V3, V4, write_world
from sqlalchemy import select
from test_aggregates import WINDOWS

from builders import base_villages, write_export
from ingest import crime_months
from ingest.importer import import_export
from queries import comparison, effectiveness
from queries.overview import activity_date_range
from queries.schema import crime_month_facts, units
from queries.scope import Scope

OFFICER_SUMS = ["expected_days", "reported_days", "on_time_days", "reports", "late_reports", "flagged_reports",
                "counted", "adopted", "at_target"]


@pytest.fixture(scope="module")
def world(module_engine, tmp_path_factory):
    """The hand world imported once per database: every test here only reads it."""
    report = import_export(module_engine, write_world(tmp_path_factory.mktemp("world")))
    assert report.ok, [str(p) for p in report.problems]
    return module_engine


def trends_both_ways(conn, scope: Scope, codes: list[str], freq: str, monkeypatch) -> tuple:
    """unit_trends as the Polda page reads it, and unit by unit through timeseries() (the definition)."""
    assert comparison.fast_trends(conn, scope, codes)
    served = comparison.unit_trends(conn, scope, codes, freq)
    with monkeypatch.context() as patch:
        patch.setattr(comparison, "fast_trends", lambda conn, scope, codes: False)
        defined = comparison.unit_trends(conn, scope, codes, freq)
    return served, defined


def test_hand_world_trends_of_the_poldas(world, monkeypatch):
    with world.connect() as conn:
        served, defined = trends_both_ways(conn, Scope(None, START, END), ["PD-35", "PD-63"], "week", monkeypatch)
    pd.testing.assert_frame_equal(served, defined)
    totals = served.groupby("unit_code")[OFFICER_SUMS].sum()
    # The officers' numbers of the two weeks add up to the window's (test_aggregates' hand counts):
    # PD-35 O1 (7 expected, 4 reported, 3 on time), O2 (6, 3, 3), O4 (3, 1, 1), O5 (9, 0, 0); PD-63 O3 (10, 4, 4).
    assert totals.loc["PD-35", ["expected_days", "reported_days", "on_time_days", "reports", "late_reports",
                                "flagged_reports"]].tolist() == [25, 8, 7, 13, 2, 3]
    assert totals.loc["PD-63", ["expected_days", "reported_days", "on_time_days", "reports", "late_reports",
                                "flagged_reports"]].tolist() == [10, 4, 4, 4, 0, 1]
    pd35 = served[served["unit_code"] == "PD-35"]
    assert pd35["period"].tolist() == [date(2024, 3, 4), date(2024, 3, 11)]
    # Crimes: X1, X5, X6-X9 (5-8 March) and X2 (Sunday 10th) in the first week, X3 (17th) in the second.
    assert pd35["crimes"].tolist() == [7, 1]
    # Complaints of the window: K1 (4th, answered in 2 h) and K2 (10th, 25 h) in week one, K3 (16th, none) in two.
    assert pd35["complaints"].tolist() == [2, 1]
    assert pd35["within_sla"].tolist() == [1, 0]
    assert served[served["unit_code"] == "PD-63"]["crimes"].tolist() == [0, 0]  # X18 is the 18th in WITA


# A Polres, two Polsek, and a Polres with its own Polsek (a Polsek counts in both).
POLRES, TWO_POLSEK, OVERLAP = ["PR-35.21"], ["PS-A", "PS-B"], ["PS-B", "PR-35.21", "PS-A"]
# A covering design, not the full product (36 cells): every window, every frequency and both plain unit sets in
# more than one window, and the overlapping units (the hardest case) at every frequency over the whole window.
TREND_CELLS = [(WINDOWS[0], OVERLAP, "day"), (WINDOWS[0], OVERLAP, "week"), (WINDOWS[0], OVERLAP, "month"),
               (WINDOWS[1], POLRES, "week"),  # the first week whole: one period per unit
               (WINDOWS[2], TWO_POLSEK, "day"),  # the second week, starting on a Monday
               (WINDOWS[3], POLRES, "month"),  # one Saturday: a period starting before the window
               (WINDOWS[3], TWO_POLSEK, "week")]


def test_hand_world_trends_at_a_polda_equal_the_definition(world, monkeypatch):
    with world.connect() as conn:
        for window, codes, freq in TREND_CELLS:
            served, defined = trends_both_ways(conn, Scope("PD-35", *window), codes, freq, monkeypatch)
            assert not served.empty
            pd.testing.assert_frame_equal(served, defined, obj=f"{window} {codes} {freq}")


def test_trends_of_a_polres_or_units_outside_the_scope_keep_the_definition(world):
    with world.connect() as conn:
        assert not comparison.fast_trends(conn, Scope("PR-35.21", START, END), ["PS-A", "PS-B"])
        assert not comparison.fast_trends(conn, Scope("PD-35", START, END), ["PS-A", "PS-C"])
        # The facts cover the data's range (crimes and complaints: 20 February - 18 March), not a day beyond.
        assert not comparison.fast_trends(conn, Scope("PD-35", START, date(2024, 3, 19)), ["PS-A"])


def test_trends_reaching_before_the_first_report_come_from_the_rollup(world, monkeypatch):
    # Weeks of 26 February (crimes, no report) and 4 March. Week one: O1, O2, O5 6 days each (Mon-Sat, no leave or
    # outage); week two as test_aggregates counts it: O1 4 (leave 6-7), O2 6, O5 6, O4 none before the 11th.
    with world.connect() as conn:
        served, defined = trends_both_ways(conn, Scope(None, date(2024, 2, 26), date(2024, 3, 10)), ["PD-35"],
                                           "week", monkeypatch)
    pd.testing.assert_frame_equal(served, defined)
    assert served["expected_days"].tolist() == [18, 16]
    assert served["reports"].tolist() == [0, 8]  # O1's A1-A5 (A4 is the 9th in WIB), O2's B1, B4, B2


def test_sample_trends_at_a_polda_equal_the_definition(sample, monkeypatch):
    with sample.connect() as conn:
        first, last = activity_date_range(conn)
        polda = conn.execute(units.select().where(units.c.level == "polda").order_by(units.c.code)).first().code
        polres = conn.execute(units.select().where(units.c.level == "polres", units.c.parent_code == polda)
                              .order_by(units.c.code)).scalars().all()[:6]
        for window in ((last - timedelta(days=29), last), (first, last)):
            served, defined = trends_both_ways(conn, Scope(polda, *window), list(polres), "week", monkeypatch)
            assert served["reports"].sum() > 0
            pd.testing.assert_frame_equal(served, defined)


def test_hand_world_crime_months(world):
    with world.connect() as conn:
        months = effectiveness.crime_months(conn, Scope(None, date(2024, 2, 1), END), "polres")
        by_polsek = effectiveness.polsek_crimes(conn, Scope(None, date(2024, 2, 1), END))
    got = {(row.unit_code, row.month): row.crimes for row in months.itertuples()}
    # February: X4 (V1) and X10-X13 (V3) in PR-35.21, X14-X17 (V4) in PR-63.08; March: X1-X3, X5 (V1, V2) and
    # X6-X9 (V3); X18 falls on 18 March in WITA, after the window.
    assert got == {("PR-35.21", "2024-02"): 5, ("PR-35.21", "2024-03"): 8,
                   ("PR-63.08", "2024-02"): 4, ("PR-63.08", "2024-03"): 0}
    assert sum(got.values()) == sum(by_polsek.values()) == 17
    with world.connect() as conn:
        polsek = effectiveness.crime_months(conn, Scope("PD-35", date(2024, 2, 1), END), "polsek")
        counted = effectiveness.polsek_crimes(conn, Scope("PD-35", date(2024, 2, 1), END))
    assert polsek.groupby("unit_code")["crimes"].sum().to_dict() == counted == {"PS-A": 5, "PS-B": 8}


def crime_facts(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(select(crime_month_facts)).all()
    return {(row.unit_code, row.month.isoformat()[:7]): row.crimes for row in rows}


def counted_afresh(engine) -> dict:
    """What crime_month_facts holds when every month is counted again from the crimes."""
    with engine.begin() as conn:
        crime_months.refresh(conn, None)
    return crime_facts(engine)


def test_the_import_keeps_the_crimes_per_polsek_and_month(engine, tmp_path):
    assert import_export(engine, write_world(tmp_path / "world")).ok
    # metric_world: PS-A X4 (Feb) and X1-X3, X5 (Mar); PS-B X10-X13 (Feb), X6-X9 (Mar); PS-C X14-X17 (Feb) and
    # X18 (18 March in WITA).
    first = {("PS-A", "2024-02"): 1, ("PS-A", "2024-03"): 4, ("PS-B", "2024-02"): 4, ("PS-B", "2024-03"): 4,
             ("PS-C", "2024-02"): 4, ("PS-C", "2024-03"): 1}
    assert crime_facts(engine) == first

    # X4 moves to V4 (PS-C) in March, X3 to 1 April in WIB (23:30 UTC on 31 March), X19 is new in January.
    moved = [{"incident_id": "X4", "village_code": V4, "category": "Curat", "occurred_at": "2024-03-02T10:00:00"},
             {"incident_id": "X3", "village_code": V1, "category": "Curat", "occurred_at": "2024-03-31T23:30:00Z"},
             {"incident_id": "X19", "village_code": V3, "category": "Curat", "occurred_at": "2024-01-31T23:30:00"}]
    assert import_export(engine, write_export(tmp_path / "crimes", crimes=moved)).ok
    second = {("PS-A", "2024-03"): 3, ("PS-A", "2024-04"): 1, ("PS-B", "2024-01"): 1, ("PS-B", "2024-02"): 4,
              ("PS-B", "2024-03"): 4, ("PS-C", "2024-02"): 4, ("PS-C", "2024-03"): 2}
    assert crime_facts(engine) == second
    assert import_export(engine, write_export(tmp_path / "again", crimes=moved)).ok  # nothing changes
    assert crime_facts(engine) == second == counted_afresh(engine)

    # V2 (X5, 6 March) moves to PS-B: every month is counted again.
    v2 = [dict(next(v for v in base_villages() if v["village_code"] == V2), unit_code="PS-B")]
    assert import_export(engine, write_export(tmp_path / "villages", villages=v2)).ok
    third = second | {("PS-A", "2024-03"): 2, ("PS-B", "2024-03"): 5}
    assert crime_facts(engine) == third == counted_afresh(engine)
    with engine.connect() as conn:
        assert effectiveness.polsek_crimes(conn, Scope(None, date(2024, 1, 1), date(2024, 3, 31))) == {
            "PS-A": 2, "PS-B": 10, "PS-C": 6}


# Windows over the world's crimes (January to 18 March): whole months only, a partial month on either side, none.
CRIME_WINDOWS = [(date(2024, 2, 1), date(2024, 2, 29)), (date(2024, 1, 15), date(2024, 3, 17)),
                 (date(2024, 2, 1), date(2024, 3, 31)), (date(2024, 2, 20), date(2024, 3, 10))]


def crimes_both_ways(conn, scope: Scope, level: str, by_month: bool, monkeypatch) -> tuple:
    """unit_crimes with the whole months from crime_month_facts, and counted from the crimes (the definition)."""
    assert effectiveness.facts_serve(conn, scope)
    found = effectiveness.unit_crimes(conn, scope, level, by_month)
    with monkeypatch.context() as patch:
        patch.setattr(effectiveness, "facts_serve", lambda conn, scope: False)
        return found, effectiveness.unit_crimes(conn, scope, level, by_month)


@pytest.mark.parametrize("unit_code", [None, "PD-35", "PD-63"])
def test_crimes_per_unit_and_month_from_the_facts_equal_the_definition(world, unit_code, monkeypatch):
    with world.connect() as conn:
        for (start, end), level, by_month in itertools.product(CRIME_WINDOWS, ["polsek", "polres", "polda"],
                                                               [True, False]):
            found, defined = crimes_both_ways(conn, Scope(unit_code, start, end), level, by_month, monkeypatch)
            pd.testing.assert_frame_equal(found, defined, obj=f"{unit_code} {start} {end} {level} {by_month}")
    # February whole at the nation: X4 (PS-A), X10-X13 (PS-B), X14-X17 (PS-C), all from the facts.
    with world.connect() as conn:
        february = effectiveness.unit_crimes(conn, Scope(None, date(2024, 2, 1), date(2024, 2, 29)), "polsek")
        polda = effectiveness.unit_crimes(conn, Scope(None, date(2024, 2, 1), date(2024, 3, 31)), "polda", False)
    assert dict(zip(february["unit_code"], february["crimes"])) == {"PS-A": 1, "PS-B": 4, "PS-C": 4}
    assert dict(zip(polda["unit_code"], polda["crimes"])) == {"PD-35": 13, "PD-63": 5}  # X18: 18 March in WITA


def test_a_polres_or_an_officer_counts_the_crimes_themselves(world):
    with world.connect() as conn:
        assert not effectiveness.facts_serve(conn, Scope("PR-35.21", date(2024, 2, 1), END))
        assert not effectiveness.facts_serve(conn, Scope("PD-35", date(2024, 2, 1), END, nrp="80010001"))


def test_sample_crimes_per_polsek_and_month_equal_the_definition(sample, monkeypatch):
    with sample.connect() as conn:
        first, last = activity_date_range(conn)
        polda = conn.execute(units.select().where(units.c.level == "polda").order_by(units.c.code)).first().code
        for scope in (Scope(None, first, last), Scope(polda, first.replace(day=1), last)):
            found = effectiveness.crime_months(conn, scope, "polres")
            assert found["crimes"].sum() > 0
            with monkeypatch.context() as patch:
                patch.setattr(effectiveness, "facts_serve", lambda conn, scope: False)
                pd.testing.assert_frame_equal(found, effectiveness.crime_months(conn, scope, "polres"))
