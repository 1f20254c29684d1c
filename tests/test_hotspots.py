"""Emerging hot spots: Gi* against the Getis-Ord formula, FDR and Mann-Kendall by hand, each class, no look-ahead."""

from __future__ import annotations

import json
import math
import re
import shutil
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import insert, make_url, update
from test_app import new_app

from builders import base_units, square, write_export
from forecast.hotspots import analysis_months, classified, emerging_hotspots, gi_star_z, mann_kendall, significant
from forecast.neighbours import adjacency, areas, village_weights
from ingest.importer import import_export
from queries.alerts import rising_hotspots
from queries.db import make_engine
from queries.schema import crimes, forecast_runs, village_hotspots, villages
from queries.scope import Scope

HOT, CALM = 6.0, 0.0  # Gi* z of a clearly hot month (two-sided p ≈ 2e-9) and of a month without pattern


def grid_places(rows: int, cols: int, size: float = 1.0) -> pd.DataFrame:
    """Square villages "r<row>c<col>" tiling a rows × cols grid, as the villages table stores them."""
    return pd.DataFrame([{"village_code": f"r{r}c{c}", "geometry": json.dumps(square(c * size, r * size, size)),
                          "lat": None, "lng": None} for r in range(rows) for c in range(cols)])


def getis_ord_gi_star(values: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """Gi* z (Getis & Ord 1995) with queen neighbours including the cell itself, binary weights.

    Gi* = (Σ_j w_ij x_j − x̄ W_i) / (S √((n S1_i − W_i²) / (n − 1))), W_i = Σ_j w_ij, S1_i = Σ_j w_ij²,
    x̄ and S the mean and (population) standard deviation of all n values.
    """
    n = len(values)
    mean = sum(values.values()) / n
    s = math.sqrt(sum(x * x for x in values.values()) / n - mean * mean)
    result = {}
    for (r, c) in values:
        near = [values[cell] for cell in values if abs(cell[0] - r) <= 1 and abs(cell[1] - c) <= 1]
        w = len(near)  # binary weights: W_i = S1_i = number of cells in the neighbourhood
        spread = s * math.sqrt((n * w - w * w) / (n - 1))
        result[(r, c)] = (sum(near) - mean * w) / spread if spread > 0 else math.nan
    return result


def test_gi_star_on_a_3x3_grid_matches_the_getis_ord_formula():
    rates = {(r, c): float(3 * r + c + 1) for r in range(3) for c in range(3)}  # 1 … 9 row by row
    rates[(2, 2)] = 20.0  # one outlier so the grid is not symmetric
    weights = village_weights(grid_places(3, 3))
    codes = weights.id_order
    column = np.array([[rates[(int(code[1]), int(code[3]))]] for code in codes])
    z = gi_star_z(column, weights)[:, 0]
    expected = getis_ord_gi_star(rates)
    for index, code in enumerate(codes):
        cell = (int(code[1]), int(code[3]))
        if math.isnan(expected[cell]):
            # The centre's neighbourhood is the whole grid (W_i = n): Gi* is undefined, reported as 0.
            assert cell == (1, 1) and z[index] == 0
        else:
            assert z[index] == pytest.approx(expected[cell], rel=1e-9)


def test_gi_star_of_the_corner_by_hand():
    # Values 1 … 9: x̄ = 5, S² = 285/9 − 25 = 60/9. Corner (0,0) with (0,1), (1,0), (1,1): Σ = 1+2+4+5 = 12,
    # W = 4: (12 − 20) / (√(60/9) · √((9·4 − 16)/8)) = −8 / (2.5820 · 1.5811) = −1.9596.
    weights = village_weights(grid_places(3, 3))
    column = np.array([[float(3 * int(code[1]) + int(code[3]) + 1)] for code in weights.id_order])
    z = gi_star_z(column, weights)[:, 0]
    assert z[weights.id_order.index("r0c0")] == pytest.approx(-8 / (math.sqrt(60 / 9) * math.sqrt(2.5)), rel=1e-9)
    assert z[weights.id_order.index("r0c0")] == pytest.approx(-1.9596, abs=1e-4)


def test_a_month_with_equal_rates_everywhere_has_no_pattern():
    weights = village_weights(grid_places(3, 3))
    assert (gi_star_z(np.zeros((9, 1)), weights) == 0).all()


def test_benjamini_hochberg_by_hand():
    # Sorted p 0.001, 0.012, 0.029, 0.041, 0.6 against k/m · 0.05 = 0.01, 0.02, 0.03, 0.04, 0.05:
    # the largest k with p(k) ≤ k/m · α is 3, so the first three are significant; 0.041 would pass
    # without the correction (0.041 < 0.05) but not with it (0.041 > 0.04).
    p = np.array([0.029, 0.6, 0.001, 0.041, 0.012])
    z = stats.norm.isf(p / 2)[:, None]
    assert significant(z)[:, 0].tolist() == [True, False, True, False, True]


def test_mann_kendall_of_a_steady_rise_by_hand():
    # 12 strictly rising values: S = 12·11/2 = 66 concordant pairs, Var(S) = 12·11·29/18 = 212.67,
    # z = 66 / √212.67 = 4.5258; p = 2·(1 − Φ(4.5258)) = 6.0e-6.
    trend_z, trend_p = mann_kendall(np.arange(12.0))
    assert trend_z == pytest.approx(66 / math.sqrt(12 * 11 * 29 / 18), rel=1e-9)
    assert trend_p == pytest.approx(2 * stats.norm.sf(4.5258), rel=1e-3)
    falling_z, _ = mann_kendall(np.arange(12.0)[::-1])
    assert falling_z == pytest.approx(-trend_z)


def test_a_flat_series_has_no_trend():
    assert all(math.isnan(value) for value in mann_kendall(np.zeros(12)))


# Months oldest first; HOT months have z = 6 (significant after FDR across these rows), CALM ones 0.
SERIES = {
    "new": [CALM] * 11 + [HOT],
    "intensifying": [HOT + month / 2 for month in range(12)],  # hot every month, rising steadily
    "persistent": [HOT, HOT + 1] * 6,  # hot every month, S = 21 − 15 = 6: no significant trend
    "persistent_11": [CALM] + [HOT, HOT + 1] * 5 + [HOT],  # 11 of 12 = 91.7 % ≥ 90 %
    "diminishing": [HOT + 6 - month / 2 for month in range(12)],
    "historical": [HOT, HOT + 1] * 5 + [HOT, CALM],  # hot 11 months, not the last: faded
    "sporadic": [HOT, CALM] * 5 + [CALM, HOT],
    "sporadic_10": [CALM, CALM] + [HOT, HOT + 1] * 5,  # 10 of 12 = 83 % < 90 %: not persistent
    "oscillating": [-HOT, -HOT] + [CALM] * 8 + [HOT, HOT],  # cold once, hot now
    "none_past": [HOT] * 6 + [CALM] * 6,
    "cold": [-HOT] * 12,
    "calm": [CALM] * 12,
}
EXPECTED = {"new": "new", "intensifying": "intensifying", "persistent": "persistent", "persistent_11": "persistent",
            "diminishing": "diminishing", "historical": "diminishing", "sporadic": "sporadic",
            "sporadic_10": "sporadic", "oscillating": "sporadic", "none_past": "", "cold": "", "calm": ""}


def test_each_class_from_a_constructed_series():
    codes = list(SERIES)
    result = classified(codes, np.array([SERIES[code] for code in codes])).set_index("village_code")
    assert result["hotspot_class"].to_dict() == EXPECTED
    assert result.loc["persistent_11", "hot_months"] == 11 and result.loc["persistent_11", "months"] == 12
    assert result.loc["new", "gi_z"] == HOT
    assert result.loc["intensifying", "trend_z"] == pytest.approx(66 / math.sqrt(212 + 2 / 3))


def test_the_months_are_the_last_twelve_complete_ones_after_the_first_crime():
    assert analysis_months(date(2024, 1, 15), date(2020, 1, 1)) == [f"2023-{m:02d}" for m in range(1, 13)]
    assert analysis_months(date(2024, 1, 31), date(2020, 1, 1))[-1] == "2024-01"  # January is complete
    assert analysis_months(date(2024, 1, 15), date(2023, 10, 20)) == ["2023-10", "2023-11", "2023-12"]
    assert analysis_months(date(2024, 1, 15), None) == []


# The database world: a 6 × 6 grid of 0.01° villages of 1,000 residents (rate = crimes × 10) in one Polsek.
SIDE = 6
AS_OF = date(2024, 1, 15)  # the complete months are January … December 2023
PERSISTENT_BLOCK = [(r, c) for r in range(3) for c in range(3)]  # 8 crimes every month
NEW_BLOCK = [(r, c) for r in range(4, 6) for c in range(4, 6)]  # 8 crimes in December only


def village_code(r: int, c: int) -> str:
    return f"35.21.01.{2000 + SIDE * r + c}"


def crime_rows() -> list[dict]:
    """One crime per village and month, more in the two blocks; local noon, no offset (WIB)."""
    rows = []
    for month in range(1, 13):
        for r in range(SIDE):
            for c in range(SIDE):
                hot = (r, c) in PERSISTENT_BLOCK or ((r, c) in NEW_BLOCK and month == 12)
                for n in range(8 if hot else 1):
                    rows.append({"incident_id": f"K{month}-{r}{c}-{n}", "village_code": village_code(r, c),
                                 "category": "Curat", "occurred_at": f"2023-{month:02d}-{1 + n:02d}T12:00:00"})
    return rows


@pytest.fixture
def grid_engine(engine, tmp_path):
    village_rows = [{"village_code": village_code(r, c), "village": f"Desa {r}-{c}", "unit_code": "PS-A",
                 "population": 1000, "geometry": square(110 + 0.01 * c, -7 + 0.01 * r)}
                for r in range(SIDE) for c in range(SIDE)]
    units = [u for u in base_units() if u["code"] in ("PD-35", "PR-35.21", "PS-A")]
    report = import_export(engine, write_export(tmp_path / "grid", units=units, villages=village_rows,
                                                crimes=crime_rows()), imported_by="test")
    assert report.ok, [str(p) for p in report.problems[:5]]
    return engine


def add_crimes(engine, village: str, day: date, count: int) -> None:
    """Crimes straight into the table (local noon WIB = 05:00 UTC)."""
    with engine.begin() as conn:
        conn.execute(insert(crimes), [{"incident_id": f"X{day}-{village}-{n}", "village_code": village,
                                       "category": "Curat", "occurred_at": datetime(day.year, day.month, day.day, 5),
                                       "local_date": day} for n in range(count)])


def hotspots(engine, unit_code=None) -> pd.DataFrame:
    with engine.connect() as conn:
        return emerging_hotspots(conn, AS_OF, unit_code)


def test_the_blocks_are_found_in_the_database(grid_engine):
    result = hotspots(grid_engine).set_index("village_code")
    classes = result["hotspot_class"]
    assert len(result) == SIDE * SIDE and set(result["months"]) == {12}
    assert classes[village_code(0, 0)] == "persistent" and result.loc[village_code(0, 0), "hot_months"] == 12
    assert classes[village_code(5, 5)] == "new" and result.loc[village_code(5, 5), "hot_months"] == 1
    assert classes[village_code(3, 0)] == "" and classes[village_code(0, 5)] == ""
    assert set(result["unit_code"]) == {"PS-A"}


def test_crimes_after_the_last_complete_month_change_nothing(grid_engine):
    before = hotspots(grid_engine)
    quiet = village_code(3, 3)  # a calm village: a burst there would show if it were counted
    add_crimes(grid_engine, quiet, date(2024, 1, 10), 30)  # ≤ as_of, but January is not complete
    add_crimes(grid_engine, quiet, date(2024, 3, 1), 30)  # after as_of
    pd.testing.assert_frame_equal(hotspots(grid_engine), before)


def test_crimes_inside_the_months_do_change_the_result(grid_engine):
    # The same burst in December 2023 is inside the analysis: the guard above is not vacuous.
    before = hotspots(grid_engine)
    add_crimes(grid_engine, village_code(3, 3), date(2023, 12, 10), 30)
    after = hotspots(grid_engine)
    assert not np.allclose(after["gi_z"], before["gi_z"])


def test_a_village_without_population_has_no_rate_and_no_class(grid_engine):
    with grid_engine.begin() as conn:
        conn.execute(update(villages).where(villages.c.code == village_code(0, 0)).values(population=None))
    result = hotspots(grid_engine, "PS-A").set_index("village_code")
    assert len(result) == SIDE * SIDE  # still listed, so the stored run covers every village
    row = result.loc[village_code(0, 0)]
    assert row["hotspot_class"] == "" and row["months"] == 0 and math.isnan(row["gi_z"])
    assert result.loc[village_code(1, 1), "hotspot_class"] == "persistent"


def test_a_database_without_crimes_classifies_nothing(engine, tmp_path):
    village_rows = [{"village_code": village_code(0, c), "village": f"Desa {c}", "unit_code": "PS-A",
                 "population": 1000, "geometry": square(110 + 0.01 * c, -7)} for c in range(4)]
    units = [u for u in base_units() if u["code"] in ("PD-35", "PR-35.21", "PS-A")]
    assert import_export(engine, write_export(tmp_path / "empty", units=units, villages=village_rows),
                         imported_by="test").ok
    result = hotspots(engine)
    assert result["hotspot_class"].tolist() == [""] * 4 and result["months"].tolist() == [0] * 4


def test_villages_without_a_polygon_take_their_nearest_and_islands_too():
    places = grid_places(3, 3)
    places.loc[len(places)] = {"village_code": "point", "geometry": None, "lat": 1.5, "lng": 3.5}
    places.loc[len(places)] = {"village_code": "island", "geometry": json.dumps(square(40, 40)), "lat": None,
                               "lng": None}
    places.loc[len(places)] = {"village_code": "nowhere", "geometry": None, "lat": None, "lng": None}
    weights = village_weights(places)
    assert "nowhere" not in weights.id_order  # neither polygon nor lat/lng: cannot be placed
    assert set(weights.neighbors["r0c0"]) >= {"r0c1", "r1c0", "r1c1"}  # queen: a shared corner counts
    assert "r0c2" not in weights.neighbors["r0c0"] and "r2c2" not in weights.neighbors["r0c0"]
    assert len(weights.neighbors["island"]) == 5  # NEAREST, although its polygon touches nothing
    assert set(weights.neighbors["point"]) >= {"r0c2", "r1c2", "r2c2"}  # the column beside it
    assert all("point" in weights.neighbors[other] for other in weights.neighbors["point"])  # symmetric


# The overview alert reads the latest stored run: an older run and classes other than new/intensifying stay silent.
NGAWI = Scope("PR-35.21", date(2022, 4, 16), date(2022, 5, 15))
OLDER_RUN = [("35.21.07.2003", "intensifying", 5.0)]
LATEST_RUN = [("35.21.07.2001", "new", 3.1), ("35.21.07.2002", "intensifying", 4.0),
              ("35.21.07.2004", "persistent", 6.0), ("63.08.01.2003", "new", 3.5)]


@pytest.fixture
def hotspot_url(sample_sqlite_url, tmp_path):
    """A copy of the sample database with two stored runs of hot spots, the later one as listed above."""
    path = tmp_path / "hotspots.sqlite"
    shutil.copy(make_url(sample_sqlite_url).database, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for run_id, (computed, rows) in enumerate([(datetime(2022, 5, 1), OLDER_RUN),
                                                   (datetime(2022, 5, 16), LATEST_RUN)], start=1):
            conn.execute(insert(forecast_runs).values(run_id=run_id, as_of=computed.date(), horizon_days=28,
                                                      computed_at=computed, method_shown="last_28", origins=12))
            conn.execute(insert(village_hotspots), [
                {"run_id": run_id, "village_code": code, "unit_code": "PS-" + code[:8], "hotspot_class": kind,
                 "gi_z": z, "trend_z": 2.5, "trend_p": 0.01, "hot_months": 1 if kind == "new" else 12, "months": 12}
                for code, kind, z in rows])
    engine.dispose()
    return f"sqlite:///{path}"


def hotspot_expander(at):
    return next(e for e in at.expander if e.label.startswith("Hot spot kejahatan"))


def test_the_overview_alerts_new_and_intensifying_hot_spots_of_the_latest_run(hotspot_url, monkeypatch):
    at = new_app(hotspot_url, monkeypatch)
    at.session_state["unit"], at.session_state["window"] = NGAWI.unit_code, (NGAWI.start, NGAWI.end)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    expander = hotspot_expander(at)
    # Ngawi: Campurasri (new) and Danguk (intensifying); Gempol was only in the older run, Ringinanom is
    # persistent, Sungai Namang lies in Polres Hulu Sungai Utara.
    assert expander.label == "Hot spot kejahatan baru atau menguat: 2 desa"
    table = expander.dataframe[0].value
    assert table["Desa"].tolist() == ["Campurasri", "Danguk"]  # new ones first
    assert table["Kelas"].tolist() == ["Baru", "Menguat"]
    assert table["Polsek"].tolist() == ["Polsek Karangjati"] * 2
    assert table["Bulan hot spot"].tolist() == [1, 12] and table["Data sampai"].tolist() == ["16 Mei 2022"] * 2


def test_the_whole_country_sees_every_rising_hot_spot(hotspot_url, monkeypatch):
    at = new_app(hotspot_url, monkeypatch).run()
    assert hotspot_expander(at).label == "Hot spot kejahatan baru atau menguat: 3 desa"


def test_without_a_stored_run_all_is_well(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch).run()
    assert not at.exception
    assert hotspot_expander(at).label == "Hot spot kejahatan baru atau menguat: 0 desa"


def test_the_briefing_pack_lists_the_hot_spots(hotspot_url, monkeypatch):
    from components.briefing import briefing_html

    new_app(hotspot_url, monkeypatch)  # points the loaders at the database and clears caches
    pack = briefing_html(NGAWI)
    section = re.search(r"Hot spot kejahatan baru atau menguat: 2 desa</strong></p>\s*<table>(.*?)</table>", pack, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", section.group(1))
    assert re.findall(r"<th>([^<]*)</th>", rows[0]) == ["Desa", "Polsek", "Kelas", "Bulan hot spot",
                                                          "Bulan dianalisis", "Data sampai"]
    assert [re.findall(r"<td>([^<]*)</td>", row) for row in rows[1:]] == [
        ["Campurasri", "Polsek Karangjati", "Baru", "1", "12", "16 Mei 2022"],
        ["Danguk", "Polsek Karangjati", "Menguat", "12", "12", "16 Mei 2022"]]


def test_each_polda_is_its_own_study_area(grid_engine, tmp_path):
    # A far busier Polda elsewhere must not change which of Jawa Timur's villages are hot against their region.
    within_polda = hotspots(grid_engine, "PD-35")
    other = {"village_code": "63.08.01.2004", "village": "Desa Empat", "unit_code": "PS-C", "population": 1000,
             "geometry": square(115.2, -2.4)}
    report = import_export(grid_engine, write_export(
        tmp_path / "other", units=base_units(), villages=[other]), imported_by="test")
    assert report.ok, [str(p) for p in report.problems[:5]]
    add_crimes(grid_engine, "63.08.01.2004", date(2023, 6, 10), 50)
    everything = hotspots(grid_engine)
    assert set(everything["village_code"]) == set(within_polda["village_code"]) | {"63.08.01.2004"}
    java = everything[everything["village_code"] != "63.08.01.2004"].reset_index(drop=True)
    pd.testing.assert_frame_equal(java, within_polda)


def test_the_models_spatial_lag_averages_the_same_neighbours():
    # Squares (0,0) and (1,0) share a border; the point at (2.5, 0.5) has no polygon and takes its nearest,
    # which are the two squares (only two others exist); the last row cannot be placed: a zero row.
    frame = pd.DataFrame({"geometry": [json.dumps(square(0, 0, 1)), json.dumps(square(1, 0, 1)), None, None],
                          "lat": [None, None, 0.5, None], "lng": [None, None, 2.5, None]})
    assert adjacency(frame).toarray().tolist() == [[0, 0.5, 0.5, 0], [0.5, 0, 0.5, 0], [0.5, 0.5, 0, 0], [0, 0, 0, 0]]
    # Unit squares near the equator: 1 degree² × cos(0.5°) = 0.99996; no polygon: the median of the others.
    assert areas(frame) == pytest.approx([math.cos(math.radians(0.5))] * 4)


def test_the_alert_query_reads_only_the_latest_run_on_both_databases(grid_engine):
    with grid_engine.begin() as conn:
        for run_id, computed, rows in [(1, datetime(2024, 1, 20), [(village_code(0, 0), "new", 9.0)]),
                                       (2, datetime(2024, 2, 20), [(village_code(1, 1), "intensifying", 5.0),
                                                                   (village_code(2, 2), "new", 3.0),
                                                                   (village_code(3, 3), "sporadic", 4.0)])]:
            conn.execute(insert(forecast_runs).values(run_id=run_id, as_of=computed.date(), horizon_days=28,
                                                      computed_at=computed, method_shown="model", origins=12))
            conn.execute(insert(village_hotspots), [
                {"run_id": run_id, "village_code": code, "unit_code": "PS-A", "hotspot_class": kind, "gi_z": z,
                 "trend_z": None, "trend_p": None, "hot_months": 1, "months": 12} for code, kind, z in rows])
        frame = rising_hotspots(conn, Scope("PS-A", AS_OF, AS_OF))
        elsewhere = rising_hotspots(conn, Scope("PS-B", AS_OF, AS_OF))
    # Run 2 only; new before intensifying although its z is lower; sporadic is not an alert.
    assert frame["village_code"].tolist() == [village_code(2, 2), village_code(1, 1)]
    assert frame["polsek"].tolist() == ["Polsek A"] * 2 and frame["as_of"].tolist() == [date(2024, 2, 20)] * 2
    assert elsewhere.empty
