"""Peringatan Dini read side: the latest run, a scope's forecasts, the backtest verdict, Prioritas DDS (issue 19)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from early_warning_world import AGUS, AS_OF, CITRA, DEDI, V1, V2, V3, V4, store_runs, write_export
from test_app import new_app
from test_maps import legends_after_maps
from test_roles import leaks, unescaped
from test_security import rendered_text

from components.i18n import TEXTS
from ingest.importer import import_export
from queries.db import make_engine
from queries.early_warning import backtest_card, hotspot_counts, latest_run, newer_data, village_risk
from queries.priorities import dds_priorities, polsek_share
from queries.schema import village_forecasts, villages
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


def world_database(directory) -> str:
    """The world in a SQLite file for the dashboard, with its runs stored; its URL."""
    url = f"sqlite:///{directory / 'world.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, write_export(directory / "export")).ok
    with engine.begin() as conn:
        store_runs(conn)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def world_url(tmp_path_factory):
    """The world for the dashboard, shared by the module's tests (which only read it)."""
    return world_database(tmp_path_factory.mktemp("early_warning"))


def open_page(url, monkeypatch, role="polres", home=NGAWI, unit=NGAWI, lang="id"):
    at = new_app(url, monkeypatch, f"ew-{role}", role, home)
    at.session_state["unit"] = unit
    at.session_state["lang"] = lang
    at.switch_page("app_pages/peringatan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_says_the_verdict_the_staleness_and_lists_the_priorities(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch)
    verdicts = [unescaped(m.value) for m in at.markdown if "baseline terbaik" in m.value]
    # Overall: (0.95 - 0.8) / 0.95 = 15.8 %; Ngawi: 1.1 against last_28's 1.0.
    assert verdicts == [
        "**Seluruh data** — Model mengalahkan baseline terbaik (rata-rata 12 bulan) sebesar 15,8% pada deviance "
        "Poisson (rata-rata 12 titik awal backtest: 0,80 lawan 0,95).",
        "**Polres Ngawi** — Model tidak lebih baik dari baseline terbaik (28 hari terakhir) pada deviance Poisson "
        "(rata-rata 12 titik awal backtest: 1,10 lawan 1,00)."]
    assert [w.value for w in at.warning] == [
        "Perkiraan ini dihitung dengan data sampai 17 Maret 2024, padahal data sudah ada sampai 20 Maret 2024. "
        "Minta admin menjalankan `python manage.py forecast` lagi."]
    table = next(frame.value for frame in at.dataframe if "Peringkat risiko" in frame.value.columns)
    assert table[["Peringkat risiko", "Desa/kelurahan", "Perkiraan kejadian", "Kelas hot spot"]].values.tolist() == [
        [1, "Desa Dua", 6.0, "menetap"], [2, "Desa Satu", 4.0, "baru"], [3, "Desa Tiga", 2.0, "menguat"]]
    assert len(at.get("deck_gl_json_chart")) == 2  # the risk map and the hot-spot map
    priorities = next(frame.value for frame in at.dataframe if "Nilai prioritas" in frame.value.columns)
    assert priorities[["No.", "Desa/kelurahan", "Nilai prioritas"]].values.tolist() == [[1, "Desa Satu", 3.6],
                                                                                        [2, "Desa Tiga", 1.5]]
    assert any(m.value == "Daftar ini mencakup 50,0% dari perkiraan kejadian Polres Ngawi." for m in at.markdown)
    rule = ("Minggu 18 Maret 2024 – 24 Maret 2024 · Urutan: perkiraan kejadian × (1 − cakupan DDS 28 hari terakhir); "
            "desa tanpa jumlah rumah tangga dihitung belum dikunjungi. Daftar: 10% desa teratas (paling sedikit 5).")
    assert rule in [c.value for c in at.caption]


def test_the_plain_text_list_of_a_polsek(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch)
    assert at.code[0].value == (
        "Prioritas DDS · Polsek A\n"
        "Minggu 18 Maret 2024 – 24 Maret 2024\n"
        "Urutan: perkiraan kejadian × (1 − cakupan DDS 28 hari)\n\n"
        "Agus (80010001)\n"
        "1. Desa Satu — perkiraan 4,0 kejadian, cakupan 10,0%\n\n"
        "Daftar ini mencakup 40,0% dari perkiraan kejadian Polsek A.")  # V1's 4 of Polsek A's 4 + 6
    at.selectbox(key=f"ew_polsek_{NGAWI}").select("PS-B").run()
    assert at.code[0].value.splitlines()[4:6] == [f"Dedi ({DEDI})",
                                                  "2. Desa Tiga — perkiraan 2,0 kejadian, cakupan 25,0%"]
    at = open_page(world_url, monkeypatch, lang="en")
    assert at.code[0].value.splitlines()[0] == "DDS priorities · Polsek A"
    assert at.code[0].value.splitlines()[-1] == "This list covers 40.0% of the incidents expected in Polsek A."


def test_the_printable_list_escapes_what_the_field_typed(world, monkeypatch):
    from components.early_warning_view import priorities_html

    with world.begin() as conn:
        conn.execute(villages.update().where(villages.c.code == V1).values(name="<b>Desa</b> & Satu"))
        priorities = dds_priorities(conn, scope(NGAWI), latest_run(conn))
    monkeypatch.setattr("components.data.unit_timezone", lambda code: "Asia/Jakarta")
    page = priorities_html(priorities, "PS-A", "Polsek A")
    assert "&lt;b&gt;Desa&lt;/b&gt; &amp; Satu" in page and "<b>Desa</b>" not in page
    assert "@page { size: A4" in page and f"Agus ({AGUS})" in page and "10 / 100" in page


def test_without_a_run_the_page_says_how_to_get_one(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, write_export(tmp_path / "export")).ok
    engine.dispose()
    at = open_page(url, monkeypatch)
    assert [i.value for i in at.info] == [TEXTS["ew.no_run"][0]]
    assert not at.dataframe and not at.error


@pytest.mark.parametrize(("role", "home", "unit"), [("national", None, None), ("polda", "PD-63", "PD-63"),
                                                    ("polres", NGAWI, NGAWI), ("polsek", "PS-B", "PS-B"),
                                                    ("admin", None, "PS-C"), ("polsek", "PS-A", "PS-B")])
def test_every_role_opens_the_page_with_a_run(world_url, monkeypatch, role, home, unit):
    at = open_page(world_url, monkeypatch, role, home, unit)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Peringatan Dini"
    if role == "national":  # the priority list names no officer to a user who may not see people
        assert not any(name in code.value for code in at.code for name in ("Agus", "Dedi", "Citra", AGUS, DEDI))
        assert "•••" in at.code[0].value


def test_the_briefing_pack_has_the_early_warning_section_only_with_a_run(world_url, tmp_path, monkeypatch):
    from components.briefing import briefing_html

    new_app(world_url, monkeypatch)  # points the loaders at the world, caches cleared
    pack = briefing_html(scope(NGAWI))
    section = pack[pack.index("<h2>Peringatan dini</h2>"):pack.index("<h2 class=\"page-break\">", pack.index(
        "<h2>Peringatan dini</h2>"))]
    assert ("Model mengalahkan baseline terbaik (rata-rata 12 bulan) sebesar 15,8% pada deviance Poisson "
            "(rata-rata 12 titik awal backtest: 0,80 lawan 0,95).") in section
    # The villages most at risk, with the 90 % interval as stored (upper = 2 x expected + 1).
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>[^<]+</td><td>([^<]+)</td>", section)
    assert rows == [("1", "Desa Dua", "6,0 (0,0–13,0)"), ("2", "Desa Satu", "4,0 (0,0–9,0)"),
                    ("3", "Desa Tiga", "2,0 (0,0–5,0)")]
    assert re.findall(r"<li>([^<]+)</li>", section) == ["Desa Satu (Polsek A): baru", "Desa Tiga (Polsek B): menguat"]
    url = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, write_export(tmp_path / "export")).ok
    engine.dispose()
    new_app(url, monkeypatch)
    assert "Peringatan dini" not in briefing_html(scope(NGAWI))


def test_the_priorities_reach_a_national_user_without_an_officer(world_url, monkeypatch):
    from components import data

    new_app(world_url, monkeypatch)  # points the loaders at the world, caches cleared
    names, nrps = {"Agus", "Dedi", "Citra"}, {AGUS, DEDI, CITRA}
    hidden, shown = data.dds_priorities(scope(people=False)), data.dds_priorities(scope())
    assert leaks(shown, nrps, names) == names | nrps  # the check sees them when they are there
    assert not leaks(hidden, nrps, names)
    # Pseudonyms keep the officers apart, and every number is the same.
    assert hidden["by_officer"]["nrp"].nunique() == 3
    assert hidden["villages"]["score"].tolist() == shown["villages"]["score"].tolist()


def test_villages_imported_after_the_run_are_said_to_be_missing_from_it(tmp_path, monkeypatch):
    world_url = world_database(tmp_path)  # its own copy: this test changes it
    engine = make_engine(world_url)
    with engine.begin() as conn:
        conn.execute(village_forecasts.delete().where(village_forecasts.c.village_code == V4))
    engine.dispose()
    at = open_page(world_url, monkeypatch, "admin", None, "PS-C")
    assert [i.value for i in at.info] == [
        "Perkiraan terakhir belum memuat desa Polsek C: desanya diimpor sesudah perkiraan dihitung."]
    at = open_page(world_url, monkeypatch, "admin", None, "PS-NONE")  # not a unit: the sidebar falls back
    assert not at.exception


def test_a_unit_the_backtest_did_not_score_says_so(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch, "polsek", "PS-B", "PS-B")  # backtest rows: overall and Ngawi only
    verdicts = [unescaped(m.value) for m in at.markdown if m.value.startswith("**")]
    assert verdicts[1] == "**Polsek B** — Backtest tidak menilai wilayah ini secara terpisah."


def test_both_maps_have_their_legend_and_plain_text_tooltips(world_url, monkeypatch):
    at = open_page(world_url, monkeypatch)
    legends = legends_after_maps(at)
    # Ngawi's 3 villages: rank 1 of 3 is in the top 5 % ((1 - 1) / 3 = 0); one new, one intensifying, one persistent.
    assert len(legends) == 2 and "5% teratas" in legends[0] and "lainnya" in legends[0]
    assert all(f"{label} (1)" in legends[1] for label in ("baru", "menguat", "menetap"))
    protos = [e.proto for e in at.main if getattr(e, "type", None) == "deck_gl_json_chart"]
    decks = [json.loads(proto.json) for proto in protos]
    tooltip = json.loads(protos[0].tooltip)  # Streamlit sends it beside the spec
    assert list(tooltip) == ["text"] and "{expected} ({lower}–{upper})" in tooltip["text"]
    fills = {record["village"]: record["fill"][:3] for record in decks[0]["layers"][0]["data"]}
    assert fills == {"Desa Dua": [189, 0, 38], "Desa Satu": [255, 237, 160], "Desa Tiga": [255, 237, 160]}


def test_a_polsek_user_sees_nothing_of_another_polda(world_url, monkeypatch):
    at = new_app(world_url, monkeypatch, "ew-polsek-a", "polsek", "PS-A")
    at.session_state["unit"] = "PD-63"  # a stale widget value and a crafted link both point elsewhere
    at.query_params["unit"] = "PD-63"
    at.switch_page("app_pages/peringatan.py").run()
    assert not at.exception and at.session_state["unit"] == "PS-A"
    text = rendered_text(at)
    assert "Desa Satu" in text and "Desa Dua" in text
    assert not [token for token in ("Desa Tiga", "Desa Empat", "Citra", "Dedi", CITRA, DEDI, V3, V4) if token in text]
