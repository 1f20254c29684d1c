"""Peringatan Dini read side: the latest run, a scope's forecasts, the backtest verdict, Prioritas DDS (issue 19)."""

from __future__ import annotations

from datetime import date

import pytest
from test_app import new_app
from early_warning_world import AGUS, AS_OF, CITRA, DEDI, V1, V2, V3, V4, store_runs, write_export

from ingest.importer import import_export
from queries.db import make_engine
from queries.early_warning import backtest_card, hotspot_counts, latest_run, newer_data, village_risk
from queries.priorities import dds_priorities, polsek_share
from queries.scope import Scope

NGAWI = "PR-35.21"


@pytest.fixture
def world(engine, tmp_path):
    """The early-warning world imported, with its two stored runs."""
    assert import_export(engine, write_export(tmp_path / "export")).ok
    with engine.begin() as conn:
        store_runs(conn)
    return engine


def scope(unit=None, **options) -> Scope:
    return Scope(unit, date(2024, 3, 1), AS_OF, **options)


def test_no_run_yet(engine):
    with engine.connect() as conn:
        assert latest_run(conn) is None


def test_the_latest_run_is_the_newest_as_of_and_the_data_after_it_is_named(world):
    with world.connect() as conn:
        run = latest_run(conn)
        assert (run["run_id"], run["as_of"], run["method_shown"], run["origins"]) == (2, AS_OF, "model", 12)
        assert newer_data(conn, run) == date(2024, 3, 20)  # the crime of 20 Mar lies after the as-of date
        assert newer_data(conn, {**run, "as_of": date(2024, 3, 20)}) is None


def test_a_scopes_villages_are_ranked_within_it_with_their_hot_spot_class(world):
    with world.connect() as conn:
        model = village_risk(conn, scope(NGAWI), 2, "model")
        last_28 = village_risk(conn, scope(NGAWI), 2, "last_28")
        polsek_c = village_risk(conn, scope("PS-C"), 2, "model")
        everything = village_risk(conn, scope(), 2, "model")
    # Ngawi's model forecasts: V2 6, V1 4, V3 2 -> ranks 1, 2, 3 (V4 lies in another Polda).
    assert model[["village_code", "risk_rank", "expected_crimes"]].values.tolist() == [
        [V2, 1, 6.0], [V1, 2, 4.0], [V3, 3, 2.0]]
    assert model["polsek"].tolist() == ["Polsek A", "Polsek A", "Polsek B"]
    assert model["hotspot_class"].tolist() == ["persistent", "new", "intensifying"]
    # last_28: V1 and V2 both 3 share rank 1, V3 (1) is third.
    assert last_28[["village_code", "risk_rank"]].values.tolist() == [[V1, 1], [V2, 1], [V3, 3]]
    # Stored rank 1 everywhere; within Polsek C its one village is first.
    assert polsek_c[["village_code", "risk_rank", "hotspot_class"]].values.tolist() == [[V4, 1, ""]]
    assert hotspot_counts(everything) == {"new": 1, "intensifying": 1, "persistent": 1, "diminishing": 0,
                                          "sporadic": 0}


def test_a_scope_without_villages_has_no_rows(world):
    with world.connect() as conn:
        assert village_risk(conn, scope("PS-NONE"), 2, "model").empty
        assert village_risk(conn, scope(NGAWI, boundary="PD-63"), 2, "model").empty  # outside the user's unit


def test_the_backtest_verdict_overall_and_for_the_unit(world):
    with world.connect() as conn:
        card = backtest_card(conn, scope(NGAWI), latest_run(conn))
        national = backtest_card(conn, scope(), latest_run(conn))
    assert list(card) == ["", NGAWI] and list(national) == [""]
    overall = card[""]["verdict"]
    # Best baseline overall: mean_12m 0.95 < last_28 1.0 < last_year 1.2; the model 0.8 beats it by 0.15 / 0.95.
    assert overall["beats"] and overall["best_baseline"] == "mean_12m"
    assert overall["improvement"] == pytest.approx(0.15 / 0.95)
    assert card[""]["scores"]["method"].tolist() == ["model", "last_28", "mean_12m", "last_year"]
    ngawi = card[NGAWI]["verdict"]
    # Ngawi: last_28 1.0 is best (last_year has no deviance there); the model's 1.1 is 10 % worse.
    assert not ngawi["beats"] and ngawi["best_baseline"] == "last_28"
    assert ngawi["improvement"] == pytest.approx(-0.1)


def test_dds_priorities_rank_by_forecast_times_the_share_not_visited(world):
    with world.connect() as conn:
        run = latest_run(conn)
        ngawi = dds_priorities(conn, scope(NGAWI), run)
        everything = dds_priorities(conn, scope(), run)
    # Coverage 19 Feb - 17 Mar: V1 10/100, V2 50/50, V3 20/80 (the repeat visit counts once), V4 0/40.
    # Priority = model forecast x (1 - coverage): V1 4 x 0.9 = 3.6, V2 6 x 0 = 0 (left out), V3 2 x 0.75 = 1.5.
    villages = ngawi["villages"]
    assert villages[["priority", "village_code"]].values.tolist() == [[1, V1], [2, V3]]
    assert villages["score"].tolist() == pytest.approx([3.6, 1.5])
    assert villages["coverage"].tolist() == pytest.approx([0.1, 0.25])
    assert villages["officers"].tolist() == [f"Agus ({AGUS})", f"Dedi ({DEDI})"]  # Budi's V3 ended 10 Mar
    assert ngawi["share"] == pytest.approx((4 + 2) / (4 + 6 + 2))
    assert ngawi["week"] == (date(2024, 3, 18), date(2024, 3, 24))
    # Nationally V4 joins: 1 x (1 - 0) = 1.0, after V3; the list holds 7 of the 13 expected crimes.
    assert everything["villages"]["village_code"].tolist() == [V1, V3, V4]
    assert everything["share"] == pytest.approx(7 / 13)
    assert everything["by_officer"][["nrp", "village_code"]].values.tolist() == [[AGUS, V1], [DEDI, V3],
                                                                                 [CITRA, V4]]
    # Polsek A: V1's 4 of its 10 expected crimes; Polsek B: V3's 2 of 2.
    assert polsek_share(ngawi, "PS-A") == pytest.approx(0.4)
    assert polsek_share(ngawi, "PS-B") == pytest.approx(1.0)


@pytest.fixture(scope="module")
def world_url(tmp_path_factory):
    """The world in a SQLite file for the dashboard, with its runs stored."""
    directory = tmp_path_factory.mktemp("early_warning")
    url = f"sqlite:///{directory / 'world.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, write_export(directory / "export")).ok
    with engine.begin() as conn:
        store_runs(conn)
    engine.dispose()
    return url


def open_page(url, monkeypatch, role="polres", home=NGAWI, unit=NGAWI, lang="id"):
    at = new_app(url, monkeypatch, f"ew-{role}", role, home)
    at.session_state["unit"] = unit
    at.session_state["lang"] = lang
    at.switch_page("app_pages/peringatan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at
