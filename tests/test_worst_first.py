"""What got worse per subordinate unit, and every list worst first by default."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest
from metric_world import END, START, write_world
from test_app import new_app

from ingest.importer import import_export
from queries.alerts import overdue_complaints, worsened
from queries.effectiveness import COUNT_COLUMNS, with_rates
from queries.officers import compliance_list
from queries.scope import Scope


def unit_frame(rows: dict[str, dict]) -> pd.DataFrame:
    """Unit counts with rates: every count 0 unless given."""
    frame = pd.DataFrame([{"unit_code": code, "name": f"Polsek {code}", **dict.fromkeys(COUNT_COLUMNS, 0), **counts}
                          for code, counts in rows.items()])
    return with_rates(frame)


def test_worsened_lists_each_unit_and_kpi_that_got_worse_clearest_first():
    now = unit_frame({
        "Satu": {"reported_days": 30, "expected_days": 40, "officer_dds_visits": 50, "dds_target": 40, "crimes": 9},
        "Dua": {"reported_days": 1, "expected_days": 2, "crimes": 1, "open_backlog": 4},
    })
    before = unit_frame({
        "Satu": {"reported_days": 36, "expected_days": 40, "officer_dds_visits": 60, "dds_target": 40, "crimes": 4},
        "Dua": {"reported_days": 2, "expected_days": 2, "crimes": 4, "open_backlog": 1},
    })
    worse = worsened(now, before)
    # Reporting, Satu: 36/40 -> 30/40, -15 points; pooled 66/80, z = -0.15 / sqrt(0.825 × 0.175 × (1/40 + 1/40)).
    # Reporting, Dua: 2/2 -> 1/2, -50 points but on two days; pooled 3/4, z = -0.5 / sqrt(0.75 × 0.25 × 1).
    # DDS attainment, Satu: 1.5 -> 1.25 (more visits than the target: Poisson), z = -0.25 / sqrt(1.375 × 0.05).
    # Crimes, Satu 4 -> 9: z = 2 × (3 - 2) = 2; Dua 4 -> 1 is better. Backlog, Dua 1 -> 4: z = 2 × (2 - 1) = 2.
    # On-time days are 0 in both windows (no change); coverage, SLA and adoption have no denominator: not listed.
    expected = [("Polsek Dua", "open_backlog", 1, 4, 3, 2.0),
                ("Polsek Satu", "crimes", 4, 9, 5, 2.0),
                ("Polsek Satu", "reporting_rate", 0.9, 0.75, -0.15, 0.15 / math.sqrt(0.825 * 0.175 * 0.05)),
                ("Polsek Dua", "reporting_rate", 1.0, 0.5, -0.5, 0.5 / math.sqrt(0.75 * 0.25)),
                ("Polsek Satu", "dds_attainment", 1.5, 1.25, -0.25, 0.25 / math.sqrt(1.375 * 0.05))]
    assert list(zip(worse["name"], worse["kpi"])) == [row[:2] for row in expected]
    for row, (*_, previous, current, change, z) in zip(worse.itertuples(), expected):
        assert (row.previous, row.current, row.change, row.worse_z) == pytest.approx((previous, current, change, z))
    assert worse["worse_z"].round(4).tolist() == [2.0, 2.0, 1.7655, 1.1547, 0.9535]


def test_worsened_is_empty_when_nothing_got_worse():
    same = unit_frame({"Satu": {"reported_days": 30, "expected_days": 40, "crimes": 3}})
    assert worsened(same, same).empty
    officers = pd.DataFrame({"unit_code": ["8001"], "name": ["Agus"], "reported_days": [3], "expected_days": [6],
                             "reporting_rate": [0.5]})
    before = officers.assign(reported_days=6, reporting_rate=1.0)
    # An officer has only the KPIs of their own frame: reporting 6/6 -> 3/6; pooled 3/4, z = 0.5 / sqrt(0.1875 / 3).
    worse = worsened(officers, before)
    assert worse[["name", "kpi"]].values.tolist() == [["Agus", "reporting_rate"]]
    assert worse["worse_z"].iloc[0] == pytest.approx(0.5 / math.sqrt(0.75 * 0.25 * (1 / 6 + 1 / 6)))


@pytest.fixture
def world(engine, tmp_path):
    assert import_export(engine, write_world(tmp_path / "world")).ok
    return engine


def test_overdue_complaints_of_the_period_come_before_the_older_backlog(world):
    with world.connect() as conn:
        overdue = overdue_complaints(conn, Scope(None, START, END))
    # Open and unanswered at the end (18 March 00:00 WIB): K3 (16 March, in the window, 28 h), and the backlog
    # K4 (20 February) and K6 (1 March). Oldest first would bury K3 under the backlog.
    assert overdue["complaint_id"].tolist() == ["K3", "K4", "K6"]


def test_the_compliance_list_starts_with_the_lowest_reporting_rate(world):
    with world.connect() as conn:
        officers = compliance_list(conn, Scope(None, START, END))
    # Eko 0/9, Dedi 1/3, Citra 4/10, Budi 3/6, Agus 4/7; Fajar has no expected day (no rate): last.
    assert officers["name"].tolist() == ["Eko", "Dedi", "Citra", "Budi", "Agus", "Fajar"]


def test_submission_dips_deepest_first(monkeypatch):
    import queries.alerts

    scope = Scope(None, date(2024, 3, 4), date(2024, 3, 10))
    usual = {day: 40 for day in (date(2024, 1, 8) + timedelta(days=n) for n in range(56))}
    # Mon 4 March: 8 of a usual 40 (0.2); Wed 6: 2 (0.05); Fri 8: 5 (0.125); the other days as usual.
    window = {scope.start + timedelta(days=n): 40 for n in range(7)} | {
        date(2024, 3, 4): 8, date(2024, 3, 6): 2, date(2024, 3, 8): 5}
    monkeypatch.setattr(queries.alerts, "submissions_per_day", lambda *args: usual | window)
    dips = queries.alerts.submission_dips(None, scope)
    assert dips["date"].tolist() == [date(2024, 3, 6), date(2024, 3, 8), date(2024, 3, 4)]


def open_world_page(world_url, monkeypatch, page, unit):
    at = new_app(world_url, monkeypatch)
    if unit:
        at.session_state["unit"] = unit
    at.session_state["window"] = (START, END)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_overview_says_what_got_worse_per_unit_and_ranks_worst_first(world_url, monkeypatch):
    at = open_world_page(world_url, monkeypatch, None, "PR-35.21")
    assert "Apa yang memburuk" in [header.value for header in at.header]
    table = next(frame.value for frame in at.dataframe if "Seberapa jelas (z)" in frame.value.columns)
    # Polsek A against 19 Feb - 3 Mar: crimes 1 -> 4 (z = 2 × (2 - 1) = 2), open complaints 3 -> 4
    # (z = 2 × (2 - √3) = 0,5). Polsek B: crimes 4 -> 4, and every rate rose from a window without reports.
    assert table.values.tolist() == [["Polsek A", "Kejahatan tercatat", "1", "4", "+3", 2.0],
                                     ["Polsek A", "Tunggakan pengaduan", "3", "4", "+1", 0.5]]
    # The ranking: Polsek B reports on 4 of 18 expected days, Polsek A on 4 of 7: B first.
    assert at.dataframe(key="ranking_PR-35.21").value["name"].tolist() == ["Polsek B", "Polsek A"]


def test_complaint_units_worst_sla_first(world_url, monkeypatch):
    at = open_world_page(world_url, monkeypatch, "app_pages/pengaduan.py", None)
    at.segmented_control(key="complaint_level_None").set_value("polsek").run()
    # SLA: Polsek A 1 of 3 (K1 answered in 2 h; K2 in 25 h; K3 not at all), Polsek C 1 of 1 (K7 in an hour),
    # Polsek B had no complaint (no rate): last.
    assert at.dataframe[0].value["Satuan"].tolist() == ["Polsek A", "Polsek C", "Polsek B"]
