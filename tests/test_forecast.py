"""Peringatan dini forecasts: the baselines, PAI, hit rate and deviance by hand, no look-ahead, storage and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_poisson_deviance
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

import manage
from builders import activity, base_export, base_units, base_villages, inside, square
from forecast.backtest import scores, shown_method, unit_deviance
from forecast.baselines import baseline_forecasts
from forecast.history import History, cumulative_matrix
from forecast.model import training_origins
from forecast.neighbours import adjacency, areas
from forecast.run import EXPORT_COLUMNS, compute_run
from ingest.importer import import_export
from queries.early_warning import latest_run
from queries.schema import backtest_scores, village_forecasts

V1, V2, V3, V4 = "35.21.01.2001", "35.21.01.2002", "35.21.02.2003", "63.08.01.2004"
SIGNALS = ("crimes", "deteksi_dini", "complaints", "dds_visits")


def history_of(crime_days: dict[str, list[str]], first: str, as_of: str) -> History:
    """A History of villages with crimes on the given local dates and no other signal."""
    first_day, last_day = date.fromisoformat(first), date.fromisoformat(as_of)
    codes = pd.Index(list(crime_days))
    rows = [(code, date.fromisoformat(day), 1) for code, days in crime_days.items() for day in days]
    counts = pd.DataFrame(rows, columns=["village_code", "local_date", "n"])
    days = (last_day - first_day).days + 1
    empty = counts.iloc[0:0]
    cumulative = {name: cumulative_matrix(counts if name == "crimes" else empty, codes, first_day, days)
                  for name in SIGNALS}
    villages = pd.DataFrame({"village_code": codes, "unit_code": "PS-A", "population": 100.0, "lat": None,
                             "lng": None, "geometry": None})
    return History(villages, first_day, last_day, cumulative)


def test_baselines_by_hand():
    # As of 2022-01-10, horizon 7. Windows: last 28 days 2021-12-14 … 2022-01-10; last 365 days 2021-01-11 …
    # 2022-01-10; last year (52 weeks back) 2022-01-11 − 364 d = 2021-01-12 … 2022-01-17 − 364 d = 2021-01-18.
    history = history_of({
        "A": ["2022-01-05", "2021-12-01", "2021-03-01", "2021-01-12", "2021-01-18", "2021-01-19", "2021-01-05"],
        "B": ["2021-01-05", "2021-12-13"],
    }, first="2021-01-01", as_of="2022-01-10")
    got = baseline_forecasts(history, history.index_of(date(2022, 1, 10)), 7)
    # A: last 28 days hold 2022-01-05 → 1 × 7/28 = 0.25; B: 2021-12-13 is a day too early → 0.
    np.testing.assert_allclose(got["last_28"], [0.25, 0.0])
    # A: six crimes from 2021-01-11 on (not 2021-01-05) → 6 × 7/365; B: 2021-12-13 → 1 × 7/365.
    np.testing.assert_allclose(got["mean_12m"], [6 * 7 / 365, 7 / 365])
    # A: 2021-01-12 and 2021-01-18 (2021-01-19 falls after the window); B: none.
    np.testing.assert_allclose(got["last_year"], [2.0, 0.0])


def test_short_history_mean_over_the_days_held_and_last_year_stands_in():
    # 60 days of data (2021-01-01 … 2021-03-01): the year's mean is over those 60 days, not 365, and the
    # window a year back lies before the data, so last_year gives the same 3 × 28/60 = 1.4.
    history = history_of({"A": ["2021-01-10", "2021-02-10", "2021-03-01"]}, first="2021-01-01", as_of="2021-03-01")
    got = baseline_forecasts(history, history.index_of(date(2021, 3, 1)), 28)
    np.testing.assert_allclose(got["mean_12m"], [1.4])
    np.testing.assert_allclose(got["last_year"], [1.4])


def ten_villages(expected: list[float]) -> pd.DataFrame:
    """One origin, one method, villages 0 … 9 with fixed actual counts (10 crimes in all)."""
    actual = [3, 0, 2, 1, 1, 0, 0, 2, 0, 1]
    return pd.DataFrame({"origin": 0, "method": "m", "village": range(10), "expected": expected, "actual": actual})


AREAS = np.array([1, 1, 2, 2, 1, 1, 1, 1, 1, 1], dtype=float)  # 12 in all
OVERALL = pd.DataFrame({"village": range(10), "scope_code": ""})


def test_pai_and_hit_rate_of_ten_villages_by_hand():
    table = scores(ten_villages([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]), OVERALL, AREAS).iloc[0]
    # 5 % and 10 % of 10 villages: ceil(0.5) = ceil(1) = 1 place, village 0: 3 of 10 crimes on 1 of 12 area units.
    assert table["hit_rate_5"] == pytest.approx(0.3) and table["hit_rate_10"] == pytest.approx(0.3)
    assert table["pai_5"] == pytest.approx(0.3 / (1 / 12))  # 3.6
    # 20 %: 2 places, villages 0 and 1: 3 + 0 crimes, area 1 + 1.
    assert table["hit_rate_20"] == pytest.approx(0.3)
    assert table["pai_20"] == pytest.approx(0.3 / (2 / 12))  # 1.8
    assert (table["crimes"], table["villages"]) == (10, 10)


def test_villages_tied_at_the_cut_share_the_last_place():
    table = scores(ten_villages([9, 7, 7, 5, 4, 3, 2, 1, 0, 0]), OVERALL, AREAS).iloc[0]
    # 20 %: village 0, then villages 1 and 2 (tied at 7) half each: crimes 3 + 0.5·0 + 0.5·2 = 4,
    # area 1 + 0.5·1 + 0.5·2 = 2.5 of 12.
    assert table["hit_rate_20"] == pytest.approx(0.4)
    assert table["pai_20"] == pytest.approx(0.4 / (2.5 / 12))  # 1.92


def test_scores_per_unit_target_within_the_unit():
    membership = pd.DataFrame({"village": range(10), "scope_code": ["PS-1"] * 5 + ["PS-2"] * 5})
    table = scores(ten_villages([9, 7, 7, 5, 4, 3, 2, 1, 0, 0]), membership, AREAS).set_index("scope_code")
    # PS-1 (villages 0-4: 7 crimes, area 7): 1 place (ceil 0.25), village 0: 3/7 of the crimes on 1/7 of the area.
    assert table.loc["PS-1", "hit_rate_20"] == pytest.approx(3 / 7)
    assert table.loc["PS-1", "pai_20"] == pytest.approx(3.0)
    # PS-2 (villages 5-9: 3 crimes): its top village (5, expected 3) had none.
    assert table.loc["PS-2", "hit_rate_5"] == 0 and table.loc["PS-2", "crimes"] == 3


def test_poisson_deviance_by_hand():
    # y = 2, μ = 1: 2 (2 ln 2 − 1) = 0.772589; y = 0, μ = 0.5: 2 · 0.5 = 1; mean 0.886294.
    actual, expected = np.array([2.0, 0.0]), np.array([1.0, 0.5])
    np.testing.assert_allclose(unit_deviance(actual, expected), [0.7725887, 1.0], rtol=1e-6)
    assert mean_poisson_deviance(actual, expected) == pytest.approx(0.8862944)
    frame = pd.DataFrame({"origin": 0, "method": "m", "village": [0, 1], "expected": expected, "actual": actual})
    village_pair = pd.DataFrame({"village": [0, 1], "scope_code": ""})
    assert scores(frame, village_pair, np.ones(2)).iloc[0]["deviance"] == pytest.approx(0.8862944)
    # A forecast of 0 where a crime happens is scored at the floor 0.01: 2 (ln 100 − 0.99) = 7.230340.
    assert unit_deviance(np.array([1.0]), np.array([0.0]))[0] == pytest.approx(7.230340, rel=1e-6)


def test_shown_method_is_the_model_only_when_it_beats_the_best_baseline():
    def table(model: float) -> pd.DataFrame:
        return pd.DataFrame({"scope_code": "", "method": ["model", "last_28", "mean_12m", "last_year"],
                             "deviance": [model, 1.2, 0.6, 0.9]})
    assert shown_method(table(0.55)) == "model"
    assert shown_method(table(0.65)) == "mean_12m"


def test_training_origins_end_their_targets_before_the_fit_origin():
    # Fit at day 181, horizon 28: targets of origins 153, 125, … end by day 181; day 13 has under 28 days behind it.
    assert training_origins(181, 28) == [153, 125, 97, 69, 41]
    assert training_origins(54, 28) == []  # 26 is one day short of 28 days of history


def test_neighbours_touching_polygons_or_nearest_points():
    # A and B share an edge; C's polygon touches nothing and D has none, so each of them takes its nearest
    # villages (all three others: fewer than NEAREST exist), both ways. A's neighbours are then B (the edge),
    # C and D (their links back), and so on: four villages, each with three neighbours of weight 1/3.
    frame = pd.DataFrame({"village_code": ["A", "B", "C", "D"],
                          "geometry": [json.dumps(square(0, 0)), json.dumps(square(0.01, 0)),
                                       json.dumps(square(0.05, 0)), None],
                          "lat": [0.005, 0.005, 0.005, 0.006], "lng": [0.005, 0.015, 0.055, 0.004]})
    weights = adjacency(frame).toarray()
    # Without the loners, A and B are only each other's.
    np.testing.assert_allclose(adjacency(frame.head(2)).toarray(), [[0, 1], [1, 0]])
    np.testing.assert_allclose(weights, (np.ones((4, 4)) - np.eye(4)) / 3)
    # Areas: each 0.01° square is 0.0001 deg² × cos(0.005°) ≈ 0.0001; D takes the median of the known ones.
    np.testing.assert_allclose(areas(frame), [1e-4] * 4, rtol=1e-6)


def test_export_needs_its_own_dates(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert manage.main(["export", "forecast", "--db", url]) == 2
    assert "--as-of" in capsys.readouterr().err
    assert manage.main(["export", "coverage", "--db", url]) == 2
    assert "--start and --end" in capsys.readouterr().err
    assert manage.main(["export", "forecast", "--as-of", "2024-06-30", "--horizon-days", "0", "--db", url]) == 1
    assert "horizon must be 1 to 364 days" in capsys.readouterr().err


# -- A small world in the database: V1 (PS-A) and V4 (PS-C, WITA) have crimes; V2 and V3 never have any, and
# have the same population, no touching neighbour (the test squares lie 0.01° apart) and no report, so every
# method gives them the same forecast: a tie in the ranks.
AS_OF = date(2024, 6, 30)
FIRST = date(2024, 1, 1)
LAST = date(2024, 8, 31)


def days(step: int, offset: int = 0):
    """Every step-th day from FIRST + offset to LAST."""
    day = FIRST + timedelta(days=offset)
    while day <= LAST:
        yield day
        day += timedelta(days=step)


def world_files(later: bool) -> dict:
    """The world's files; later=True changes and adds crimes, reports and complaints dated after AS_OF."""
    crimes = [{"incident_id": f"C1-{day}", "village_code": V1, "category": "Curat",
               "occurred_at": f"{day}T10:00:00+07:00"} for day in days(3)]
    crimes += [{"incident_id": f"C4-{day}", "village_code": V4, "category": "Curas",
                "occurred_at": f"{day}T21:00:00+08:00"} for day in days(5, 2) if day.month % 2 or day.day < 10]
    reports = [activity(f"DD-{day}", village_code=V1, activity_type="deteksi_dini", activity_at=f"{day}T09:00:00+07:00",
                        submitted_at=f"{day}T10:00:00+07:00") for day in days(7)]
    reports += [activity(f"DDS-{day}", village_code=V1, activity_at=f"{day}T08:00:00+07:00",
                         submitted_at=f"{day}T09:00:00+07:00") for day in days(2)]
    complaints = [{"complaint_id": f"K-{day}", "village_code": V1, "category": "Pencurian", "channel": "WhatsApp",
                   "created_at": f"{day}T11:00:00+07:00", "first_response_at": "", "resolved_at": "", "nrp": ""}
                  for day in days(10)]
    if later:
        after = [day for day in days(1) if day > AS_OF]
        crimes = [dict(row, village_code=V2) if row["occurred_at"][:10] > str(AS_OF) else row for row in crimes]
        crimes += [{"incident_id": f"N-{day}", "village_code": V3, "category": "Curat",
                    "occurred_at": f"{day}T00:30:00+07:00"} for day in after]
        reports += [activity(f"NDD-{day}", village_code=V2, activity_type="deteksi_dini",
                             activity_at=f"{day}T00:10:00+07:00", submitted_at=f"{day}T01:00:00+07:00",
                             latlng=inside(2)) for day in after]
        complaints += [{"complaint_id": f"NK-{day}", "village_code": V3, "category": "Pencurian", "channel": "SMS",
                        "created_at": f"{day}T00:20:00+07:00", "first_response_at": "", "resolved_at": "",
                        "nrp": ""} for day in after]
    villages = base_villages()
    for village in villages:
        if village["village_code"] in (V2, V3):
            village.update(population=200, households=54)
    return {"units": base_units(), "villages": villages, "crimes": crimes, "activities": reports,
            "complaints": complaints}


def import_world(engine, directory, later: bool = False) -> None:
    """Import the world's export (again, with the later changes, when later=True)."""
    report = import_export(engine, base_export(directory, **world_files(later)), imported_by="test")
    assert report.ok, [str(problem) for problem in report.problems[:5]]


def cli_url(engine) -> str:
    """A URL for manage.py reaching the same database (and, on PostgreSQL, the test's own schema)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("select current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def export_text(engine, capsys, *extra: str) -> str:
    assert manage.main(["export", "forecast", "--as-of", str(AS_OF), "--db", cli_url(engine), *extra]) == 0
    return capsys.readouterr().out


def test_export_uses_nothing_after_the_as_of_date(engine, tmp_path, capsys):
    import_world(engine, tmp_path / "first")
    before = export_text(engine, capsys)
    import_world(engine, tmp_path / "later", later=True)
    with engine.connect() as conn:  # the later data did arrive: V3 has crimes now
        later = conn.execute(text("select count(*) from crimes where village_code = :code"), {"code": V3})
        assert later.scalar_one() > 0
    assert export_text(engine, capsys) == before


def test_export_columns_and_shared_ranks(engine, tmp_path, capsys):
    import_world(engine, tmp_path / "world")
    rows = list(csv.DictReader(io.StringIO(export_text(engine, capsys))))
    assert list(rows[0]) == EXPORT_COLUMNS
    by_village = {row["village_code"]: row for row in rows}
    assert set(by_village) == {V1, V2, V3, V4}
    # V1 (a crime every 3 days) leads; V2 and V3 tie behind V4 and share rank 3 (pandas rank method "min").
    assert [by_village[code]["risk_rank"] for code in (V1, V4, V2, V3)] == ["1", "2", "3", "3"]
    assert all(float(row["lower"]) <= float(row["expected_crimes"]) <= float(row["upper"]) for row in rows)
    assert {row["hotspot_class"] for row in rows} == {""}
    # --unit PS-A: its two villages only, ranked among themselves.
    rows = list(csv.DictReader(io.StringIO(export_text(engine, capsys, "--unit", "PS-A"))))
    assert [(row["village_code"], row["risk_rank"]) for row in rows] == [(V1, "1"), (V2, "2")]


def test_stored_run_reads_back(engine, tmp_path, capsys):
    import_world(engine, tmp_path / "world")
    run_id = compute_run(engine, AS_OF)
    with engine.connect() as conn:
        run = latest_run(conn)
        assert (run["run_id"], run["as_of"], run["horizon_days"]) == (run_id, AS_OF, 28)
        # 182 days of data: backtest origins 28 days apart ending on 2 June, each with a past origin
        # (28 days of history + a 28-day target) to fit on: 2 June, 5 May, 7 April, 10 March.
        assert run["origins"] == 4
        assert run["method_shown"] in ("model", "last_28", "mean_12m", "last_year")
        forecasts = conn.execute(select(village_forecasts.c.method, village_forecasts.c.village_code,
                                        village_forecasts.c.expected_crimes)
                                 .where(village_forecasts.c.run_id == run_id)).all()
        scopes = conn.execute(select(backtest_scores.c.scope_code, func.count())
                              .where(backtest_scores.c.run_id == run_id).group_by(backtest_scores.c.scope_code)).all()
    expected = {(method, code): value for method, code, value in forecasts}
    assert len(expected) == 4 * 4
    # last_28: V1's crimes fall every 3 days from 1 Jan (day 0); 3 … 30 Jun are days 154 … 181 (2024 is a
    # leap year), holding days 156, 159, …, 180 (5 … 29 Jun): 9 crimes, × 28/28.
    assert expected[("last_28", V1)] == pytest.approx(9)
    assert expected[("last_28", V2)] == 0
    # Overall and each unit with villages (PS-A, PS-B, PS-C, two Polres, two Polda), four methods each.
    assert dict(scopes) == {code: 4 for code in ("", "PS-A", "PS-B", "PS-C", "PR-35.21", "PR-63.08", "PD-35",
                                                 "PD-63")}
    assert manage.main(["forecast", "--as-of", str(AS_OF), "--db", cli_url(engine)]) == 0
    printed = capsys.readouterr().out
    assert all(method in printed for method in ("model", "last_28", "mean_12m", "last_year"))
