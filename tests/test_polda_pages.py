"""The Polda pages' faster paths give the definitions' numbers (ringkasan's counts, pengaduan's overdue list)."""

from __future__ import annotations

from datetime import date

import pytest
from metric_world import END, O1, O3, START, write_world
from sqlalchemy import update

from ingest.importer import import_export
from queries import aggregates
from queries.alerts import overdue_complaints
from queries.complaints import scope_complaints
from queries.overview import activity_date_range, data_date_range, scope_counts
from queries.policy import Policy
from queries.schema import complaints
from queries.scope import Scope


@pytest.fixture
def world(engine, tmp_path):
    report = import_export(engine, write_world(tmp_path / "world"))
    assert report.ok, [str(p) for p in report.problems]
    return engine


@pytest.mark.parametrize(("unit_code", "expected"), [
    # Reports made in PD-35's villages V1, V2, V3 in the window: 13 (test_aggregates); PD-63's V4: 4.
    # Complaints dated in the window: K1-K3 in V1, K7 in V4 (K8 is 00:30 on the 18th in WITA).
    ("PD-35", {"officers": 4, "villages": 4, "activities": 13, "complaints": 3}),
    (None, {"officers": 6, "villages": 5, "activities": 17, "complaints": 4}),
])
def test_scope_counts_of_a_polda_from_the_aggregates_equal_the_definition(world, monkeypatch, unit_code, expected):
    scope = Scope(unit_code, START, END)
    with world.connect() as conn:
        assert aggregates.serves(conn, scope)
        served = scope_counts(conn, scope)
        with monkeypatch.context() as patch:
            patch.setattr(aggregates, "serves", lambda conn, scope: False)
            defined = scope_counts(conn, scope)
    assert served == defined == expected


def test_scope_counts_of_one_day_and_of_a_polres(world, monkeypatch):
    for scope in (Scope("PD-35", START, START), Scope("PR-35.21", START, END), Scope(None, END, END)):
        with world.connect() as conn:
            served = scope_counts(conn, scope)
            with monkeypatch.context() as patch:
                patch.setattr(aggregates, "serves", lambda conn, scope: False)
                assert scope_counts(conn, scope) == served, scope


def test_overdue_complaints_name_officers_inside_and_outside_the_scope(world):
    with world.begin() as conn:  # K3 answered to O1 of PD-35, K4 to O3, who serves in PD-63
        conn.execute(update(complaints).where(complaints.c.complaint_id == "K3").values(nrp=O1))
        conn.execute(update(complaints).where(complaints.c.complaint_id == "K4").values(nrp=O3))
    with world.connect() as conn:
        overdue = overdue_complaints(conn, Scope("PD-35", START, END))
    # Open and unanswered at 18 March 00:00 WIB, past 24 h: K3 (this window's) first, then K4 (20 Feb) and K6
    # (1 March, resolved only after the window's end); K2 was answered, K5 resolved on the 17th.
    assert overdue["complaint_id"].tolist() == ["K3", "K4", "K6"]
    assert overdue["officer"].tolist()[:2] == ["Agus", "Citra"]
    assert overdue["officer"].isna().tolist() == [False, False, True]
    assert overdue["village"].tolist() == ["Desa Satu"] * 3 and overdue["polsek"].tolist() == ["Polsek A"] * 3


def definition_overdue(frame, scope: Scope) -> list[str]:
    """The overdue complaints of an unnarrowed scope_complaints frame, by the definition's three conditions."""
    unanswered = frame["first_response_at"].isna() | (frame["first_response_at"] >= frame["as_of"])
    late = frame["age_days_at_end"] * 24 > scope.policy.complaint_response_sla_hours
    return sorted(frame.loc[frame["open_at_end"] & unanswered & late, "complaint_id"])


def test_overdue_candidates_read_in_sql_lose_no_overdue_complaint(world):
    # K3 (16 March 20:00 WIB) is exactly 28 h old at 18 March 00:00 WIB: past an SLA of 27 h, not of 28 h.
    found = {}
    with world.connect() as conn:
        for hours in (27, 28, 24 * 30):
            for unit_code, start, end in ((None, START, END), ("PD-63", START, END), (None, START, date(2024, 3, 10)),
                                          ("PR-35.21", END, END)):
                scope = Scope(unit_code, start, end, Policy(complaint_response_sla_hours=hours))
                found[hours, unit_code, end] = sorted(overdue_complaints(conn, scope)["complaint_id"])
                assert found[hours, unit_code, end] == definition_overdue(scope_complaints(conn, scope), scope)
    # K7 (17 March 23:30 WITA) is half an hour old at its as_of.
    assert found[27, None, END] == ["K3", "K4", "K6"] and found[28, None, END] == ["K4", "K6"]
    assert found[24 * 30, None, END] == []  # none open for 30 days; K4 (20 February) is 26.7 days old


def test_date_ranges_asked_one_bound_at_a_time(engine, tmp_path):
    with engine.connect() as conn:
        assert activity_date_range(conn) == (None, None) and data_date_range(conn) == (None, None)
    import_export(engine, write_world(tmp_path / "world"))
    with engine.connect() as conn:
        assert activity_date_range(conn) == (START, END)  # A1 and C1 on 4 March, A8 on 17 March
        # K4 and crimes X10, X14 on 20 February; X18 and K8 at 00:30 on 18 March in WITA.
        assert data_date_range(conn) == (date(2024, 2, 20), date(2024, 3, 18))
