"""Every role opens every page it may open; a national user sees officer counts as numbers and no officer."""

from __future__ import annotations

import inspect
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from metric_world import write_world
from sqlalchemy import select
from test_app import QUALITY_TABS, new_app, open_quality_tab
from test_briefing import indonesian

from components import data
from components.i18n import TEXTS
from ingest.importer import import_export
from queries.accounts import User
from queries.compliance import officer_table
from queries.db import make_engine
from queries.effectiveness import unit_counts
from queries.officers import coaching_order, enough_expected_days, most_in_need
from queries.overview import scope_counts
from queries.schema import officers
from queries.scope import Scope
from queries.scorecards import scorecard

WINDOW = (date(2022, 4, 16), date(2022, 5, 15))
KARANGJATI = "PS-35.21.07"
NATIONAL_PAGES = ["ringkasan", "tindak_lanjut", "peta", "pengaduan", "efektivitas", "perbandingan", "peringatan",
                  "definisi"]
CHILD_LEVEL = {None: "polda", "PD-35": "polres", "PR-35.21": "polsek"}


def officer_tokens(engine) -> tuple[set[str], set[str]]:
    """Every officer's NRP and name in the database."""
    with engine.connect() as conn:
        rows = conn.execute(select(officers.c.nrp, officers.c.name)).all()
    return {nrp for nrp, _ in rows}, {name for _, name in rows}


def texts(value, column: str = "") -> list[tuple[str, str]]:
    """Every text inside a loader's result, with the column (or key) it sits in."""
    if isinstance(value, str):
        return [(column, value)]
    if isinstance(value, pd.DataFrame):
        return [item for name in value.columns for cell in value[name] for item in texts(cell, str(name))]
    if isinstance(value, pd.Series | dict):
        return [item for key, cell in value.items() for item in texts(cell, str(key))]
    if isinstance(value, list | tuple | set | frozenset):
        return [item for cell in value for item in texts(cell, column)]
    return []


def leaks(value, nrps: set[str], names: set[str]) -> set[str]:
    """NRPs (as whole tokens) and officers' names found in a result; a report's own text may name anyone."""
    found = set()
    for column, text in texts(value):
        found |= {nrp for nrp in nrps if nrp in text and re.search(rf"(?<![\w.]){nrp}(?!\w)", text)}
        if column not in ("narrative", "example"):
            found |= {name for name in names if name in text}
    return found


@pytest.mark.parametrize("unit", [KARANGJATI, "PR-35.21"])
def test_no_frame_reaching_a_national_user_holds_an_officer(sample_sqlite_url, sample_engine, monkeypatch, unit):
    new_app(sample_sqlite_url, monkeypatch)  # points the loaders at the sample, caches cleared
    nrps, names = officer_tokens(sample_engine)
    hidden, shown = Scope(unit, *WINDOW, people=False), Scope(unit, *WINDOW)
    with sample_engine.connect() as conn:
        officer = conn.execute(select(officers.c.nrp).where(officers.c.unit_code == KARANGJATI)).scalars().first()
    # An argument for each parameter a loader may take besides the scope.
    arguments = {"level": "polsek", "nrp": officer, "text": "", "codes": (KARANGJATI, "PS-35.21.01"),
                 "offset": 0, "limit": 100, "order": "worst", "flags": (), "officer_text": "", "item_id": 1,
                 "now": None, "user": User("tester", "Tester", "admin", None), "kind": "narratives"}
    loaders = {name: loader for name, loader in vars(data).items()
               if getattr(loader, "__module__", None) == data.__name__ and callable(loader)
               and "scope" in _parameters(loader) and name != "any_window"}
    assert {"officer_table", "scorecard", "alerts", "village_map", "quality_views", "compliance_list",
            "flagged_page", "narrative_page", "photo_page", "travel_page", "gps_page"} <= set(loaders)
    for name, loader in loaders.items():
        extra = [arguments[p] for p in _parameters(loader) if p != "scope"]
        result = loader(hidden, *extra)
        assert not leaks(result, nrps, names), name
        assert leaks(loader(shown, *extra), nrps, names) or name not in ("officer_table", "scorecard", "calendar"), (
            f"{name}: the check would not see a name it should")
    # What is masked is masked by meaning: names and NRPs, never a number.
    table, plain = data.officer_table(hidden), data.officer_table(shown)
    assert (table["name"] == data.MASK).all() and table["nrp"].str.startswith(data.MASK).all()
    assert table["nrp"].is_unique and len(table) == len(plain) > 0  # pseudonyms keep the officers apart
    numbers = ["expected_days", "reported_days", "reports", "dds_visits", "flagged_reports"]
    pd.testing.assert_frame_equal(table[numbers], plain[numbers])
    counts = data.unit_counts(hidden, "polsek")
    assert counts["officers"].tolist() == data.unit_counts(shown, "polsek")["officers"].tolist()
    assert pd.api.types.is_integer_dtype(counts["officers"]) and counts["officers"].sum() > 0
    clusters = data.narrative_page(hidden, 0, 100, "worst")
    assert pd.api.types.is_integer_dtype(clusters["officers"])  # how many officers, not who
    assert (clusters["names"].dropna() == data.MASK).all()


def _parameters(loader) -> list[str]:
    return list(inspect.signature(loader).parameters)


@pytest.mark.parametrize("unit", [None, "PD-35", "PR-35.21"])
def test_a_national_user_opens_every_page_with_officer_counts_as_numbers(sample_sqlite_url, sample_engine,
                                                                         monkeypatch, unit):
    at = new_app(sample_sqlite_url, monkeypatch, "korbinmas-pages", "national")
    at.session_state["unit"] = unit
    at.session_state["window"] = WINDOW
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    scope = Scope(unit, *WINDOW)
    with sample_engine.connect() as conn:
        expected = unit_counts(conn, scope, CHILD_LEVEL[unit]).set_index("name")["officers"]
        total = scope_counts(conn, scope)["officers"]
    ranking = next(frame.value for frame in at.dataframe if "officers" in frame.value.columns)
    assert ranking.set_index("name")["officers"].sort_index().to_dict() == expected.sort_index().to_dict()
    assert pd.api.types.is_integer_dtype(ranking["officers"]) and expected.sum() > 0
    assert any(caption.value.startswith(f"{total:,} Bhabinkamtibmas".replace(",", ".")) for caption in at.caption)
    for page in NATIONAL_PAGES[1:]:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])


def test_a_national_user_sees_a_polsek_ranking_of_masked_officers(sample_sqlite_url, sample_engine, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch, "korbinmas-polsek", "national")
    at.session_state["unit"] = KARANGJATI
    at.session_state["window"] = WINDOW
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    nrps, names = officer_tokens(sample_engine)
    ranking = next(frame.value for frame in at.dataframe if "nrp" in frame.value.columns)
    with sample_engine.connect() as conn:
        karangjati = conn.execute(select(officers.c.nrp).where(officers.c.unit_code == KARANGJATI)).scalars().all()
    assert len(ranking) == len(karangjati) and ranking["nrp"].is_unique
    assert (ranking["name"] == data.MASK).all()
    assert not leaks(ranking, nrps, names)


def test_the_briefing_prints_an_nrp_as_written_and_hides_it_from_national_users(sample_sqlite_url, sample_engine,
                                                                              monkeypatch):
    from components.briefing import briefing_html

    new_app(sample_sqlite_url, monkeypatch)
    with sample_engine.connect() as conn:
        nrp = conn.execute(select(officers.c.nrp).where(officers.c.unit_code == KARANGJATI)
                           .order_by(officers.c.nrp)).scalars().first()
    pack = briefing_html(Scope(KARANGJATI, *WINDOW))  # a Polsek's ranking lists its officers
    assert f"<td>{nrp}</td>" in pack.replace(" ", "") or f">{nrp}<" in pack
    assert f"{int(nrp):,}".replace(",", ".") not in pack
    hidden = briefing_html(Scope(KARANGJATI, *WINDOW, people=False))
    assert nrp not in hidden and data.MASK in hidden


ANALYSIS = ["ringkasan", "tindak_lanjut", "peta", "kepatuhan", "rapor", "kualitas", "pengaduan", "efektivitas",
            "perbandingan", "peringatan", "definisi"]
ROLE_PAGES = {  # what dashboard.py lets each role open (the test checks the navigation agrees)
    "national": NATIONAL_PAGES,
    "polda": ANALYSIS,
    "polres": ANALYSIS,
    "polsek": ANALYSIS,
    "trainer": ["ringkasan", "tindak_lanjut", "kepatuhan", "rapor", "kualitas", "definisi"],
    "admin": ANALYSIS + ["impor", "audit", "langganan"],
}
HOMES = {  # each export's home unit for the roles that need one
    "sample": {"polda": "PD-35", "polres": "PR-35.21", "polsek": KARANGJATI, "trainer": "PR-35.21"},
    "world": {"polda": "PD-63", "polres": "PR-35.21", "polsek": "PS-B", "trainer": "PR-35.21"},
}
EXPORTS = {"sample": "sample_sqlite_url", "world": "world_export_url"}
TITLES = {"ringkasan": "overview.title", "tindak_lanjut": "fu.title",
          "peta": "map.title", "kepatuhan": "compliance.title", "rapor": "score.title",
          "kualitas": "quality.title", "pengaduan": "complaints.title", "efektivitas": "eff.title",
          "perbandingan": "cmp.title", "peringatan": "ew.title", "impor": "import.title", "audit": "audit.title",
          "langganan": "subs.title"}


@pytest.fixture(scope="module")
def world_export_url(tmp_path_factory):
    """The small hand-built world of metric_world.py: an officer without villages, one who never reports, WITA."""
    directory = tmp_path_factory.mktemp("roles_world")
    url = f"sqlite:///{directory / 'world.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, write_world(directory / "export")).ok
    engine.dispose()
    return url


@pytest.mark.parametrize(("export", "role", "page"), [(export, role, page) for export in EXPORTS
                                                      for role, pages in ROLE_PAGES.items() for page in pages])
def test_every_role_opens_every_page_it_may_open(request, monkeypatch, export, role, page):
    at = new_app(request.getfixturevalue(EXPORTS[export]), monkeypatch, f"every-page-{role}", role,
                 HOMES[export].get(role))
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    registered = {Path(str(info["script_path"])).stem for info in at._registered_pages.values()}
    assert registered == set(ROLE_PAGES[role])
    if page in TITLES:  # the page itself drew, not an empty state of the whole app
        assert at.title[0].value == TEXTS[TITLES[page]][0]
    if page == "kualitas":  # its tabs read their lists only when opened: open each
        for tab in QUALITY_TABS[1:]:
            assert not open_quality_tab(at, tab).error, tab


def unescaped(markdown: str) -> str:
    """A caption as the reader sees it (markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def open_scorecard(url, monkeypatch, username, role, home, unit, officer=None):
    at = new_app(url, monkeypatch, username, role, home)
    at.session_state["unit"] = unit
    at.session_state["window"] = WINDOW
    if officer:
        at.query_params["officer"] = officer
    at.switch_page("app_pages/rapor.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_polsek_account_compares_its_officer_with_the_polsek_only(sample_sqlite_url, sample_engine, monkeypatch):
    nrp = "97051084"  # Yudi Sulistyo, Polsek Karangjati
    with sample_engine.connect() as conn:
        polsek = officer_table(conn, Scope(KARANGJATI, *WINDOW))["reporting_rate"].dropna()
        polres = officer_table(conn, Scope("PR-35.21", *WINDOW))["reporting_rate"].dropna()
    assert polsek.median() != polres.median()  # so a Polsek median under a Polres heading would show
    at = open_scorecard(sample_sqlite_url, monkeypatch, "rapor-polsek", "polsek", KARANGJATI, KARANGJATI, nrp)
    peers = at.dataframe[0].value.set_index("Ukuran")
    assert list(peers.columns) == ["Petugas ini", "Median Polsek", "Posisi di Polsek"]
    assert peers.loc["Pelaporan", "Median Polsek"] == indonesian(polsek.median() * 100) + "%"
    assert peers.loc["Pelaporan", "Posisi di Polsek"].endswith(f"dari {len(polsek)}")
    assert any("Tanpa perbandingan dengan Polres Ngawi: akun ini hanya melihat Polsek Karangjati" in unescaped(c.value)
               for c in at.caption)
    # A Polres account sees the whole Polres: both comparisons, each over its own officers.
    at = open_scorecard(sample_sqlite_url, monkeypatch, "rapor-polres", "polres", "PR-35.21", KARANGJATI, nrp)
    peers = at.dataframe[0].value.set_index("Ukuran")
    assert peers.loc["Pelaporan", "Median Polsek"] == indonesian(polsek.median() * 100) + "%"
    assert peers.loc["Pelaporan", "Median Polres"] == indonesian(polres.median() * 100) + "%"
    assert peers.loc["Pelaporan", "Posisi di Polres"].endswith(f"dari {len(polres)}")
    assert not any("Tanpa perbandingan" in c.value for c in at.caption)


def test_officers_in_need_of_coaching_come_first(engine, tmp_path):
    from metric_world import END, O1, O2, O3, O4, O5, O6, START

    assert import_export(engine, write_world(tmp_path / "world")).ok
    # 12 reporting weekdays, so 6 expected days are enough. Rates (test_metrics): O5 0 of 9 days, O3 4 of 10,
    # O2 3 of 6, O1 4 of 7; O4 has only 3 expected days, O6 none.
    scope = Scope(None, START, END)
    assert enough_expected_days(scope) == 6
    with engine.connect() as conn:
        order = coaching_order(conn, scope)
    assert order["nrp"].tolist() == [O5, O3, O2, O1, O4, O6]
    assert order["enough_days"].tolist() == [True, True, True, True, False, False]
    assert most_in_need(order) == O5


def test_a_scorecard_compares_with_the_polres_only_when_the_user_sees_all_of_it(engine, tmp_path):
    from metric_world import END, O1, START

    assert import_export(engine, write_world(tmp_path / "world")).ok
    with engine.connect() as conn:
        polsek_user = scorecard(conn, Scope("PS-A", START, END, boundary="PS-A"), O1)["peers"].set_index("measure")
        polres_user = scorecard(conn, Scope("PS-A", START, END, boundary="PR-35.21"), O1)["peers"].set_index("measure")
    # Polsek A has O1 alone (4 of 7 days); Polres Ngawi adds O2 (3 of 6), O4 (1 of 3) and O5 (0 of 9).
    assert list(polsek_user.columns) == ["value", "median_polsek", "percentile_polsek", "peers_polsek"]
    assert polsek_user.loc["reporting_rate"].tolist() == pytest.approx([4 / 7, 4 / 7, 1.0, 1])
    assert polres_user.loc["reporting_rate", "median_polsek"] == pytest.approx(4 / 7)
    assert polres_user.loc["reporting_rate", "median_polres"] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert polres_user.loc["reporting_rate", ["percentile_polres", "peers_polres"]].tolist() == [1.0, 4]


def test_the_scorecard_opens_on_the_officer_most_in_need(sample_sqlite_url, sample_engine, monkeypatch):
    scope = Scope("PR-35.21", *WINDOW)
    reporting_days = sum((WINDOW[0] + timedelta(days=i)).weekday() < 6 for i in range(scope.days))  # Mon-Sat
    with sample_engine.connect() as conn:
        numbers = officer_table(conn, scope)
    assert reporting_days == 25
    enough = numbers[numbers["expected_days"] >= reporting_days // 2]
    worst_first = enough.sort_values(["reporting_rate", "quality_rate", "nrp"], na_position="last")
    first = worst_first.iloc[0]
    at = open_scorecard(sample_sqlite_url, monkeypatch, "rapor-trainer", "trainer", "PR-35.21", "PR-35.21")
    picker = at.selectbox(key="score_pick_")
    assert picker.value == first["nrp"]
    assert at.header[0].value == first["name"]
    expected_labels = [f"{row.name} · {row.nrp} · " for row in worst_first.head(5).itertuples()]
    assert [label.split("Polsek")[0] for label in picker.options[:5]] == expected_labels
    assert picker.options[0].endswith(f"melapor {indonesian(first['reporting_rate'] * 100)}% dari "
                                      f"{first['expected_days']} hari wajib, mutu "
                                      + ("–" if pd.isna(first["quality_rate"])
                                         else indonesian(first["quality_rate"] * 100) + "%"))
    # A pick is kept; the default does not override it.
    picker.select(worst_first.iloc[3]["nrp"]).run()
    assert at.header[0].value == worst_first.iloc[3]["name"]
