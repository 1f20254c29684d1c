"""The dashboard rendered with AppTest on the sample database: every page, real numbers, empty states."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import PROJECT_DIR
from queries import accounts
from queries.db import make_engine
from queries.migrations import create_schema
from queries.overview import activity_date_range, last_import, scope_counts
from queries.scope import Scope

PAGES = sorted(path.relative_to(PROJECT_DIR).as_posix() for path in (PROJECT_DIR / "app_pages").glob("*.py"))


def new_app(url: str, monkeypatch, username: str = "tester", role: str = "admin", unit: str | None = None) -> AppTest:
    """The dashboard on the given database, signed in as an account of that role (created if missing)."""
    monkeypatch.setenv("BOS_DATABASE_URL", url)
    monkeypatch.delenv("BOS_DEMO", raising=False)
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        if accounts.load_user(conn, username) is None:
            accounts.add_user(conn, username, username.title(), role, unit, email=f"{username}@example.test")
    engine.dispose()
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)
    at.session_state["auth_user"] = username
    return at


QUALITY_TABS = ("overview", "flagged", "copies", "gps", "outages")  # the kualitas page's tabs, the first opens first


def open_quality_tab(at: AppTest, tab: str) -> AppTest:
    """The kualitas page with one of its QUALITY_TABS open, as a click does: only the open tab reads and shows its
    lists."""
    from components.i18n import TEXTS

    english = "lang" in at.session_state and at.session_state["lang"] == "en"
    at.session_state["quality_tab"] = TEXTS[f"quality.tab.{tab}"][1 if english else 0]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def default_scope(engine, unit=None) -> Scope:
    with engine.connect() as conn:
        _, last = activity_date_range(conn)
    return Scope(unit, last - timedelta(days=29), last)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(sample_sqlite_url, monkeypatch, page):
    at = new_app(sample_sqlite_url, monkeypatch).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error


def counts_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "Bhabinkamtibmas" in c.value)


def dotted(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def test_overview_counts_are_the_query_results(sample_sqlite_url, sample_engine, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch).run()
    with sample_engine.connect() as conn:
        expected = scope_counts(conn, default_scope(sample_engine))
    assert counts_caption(at) == (
        f"{dotted(expected['officers'])} Bhabinkamtibmas · {dotted(expected['villages'])} desa/kelurahan · "
        f"{dotted(expected['activities'])} laporan kegiatan · {dotted(expected['complaints'])} pengaduan dalam periode")
    assert expected["villages"] == 458


def test_picking_a_polres_narrows_the_scope(sample_sqlite_url, sample_engine, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch).run()
    at.sidebar.selectbox(key="pick_polda").select("PD-35").run()
    at.sidebar.selectbox(key="pick_polres").select("PR-35.21").run()
    assert at.session_state["unit"] == "PR-35.21"
    assert [box.key for box in at.sidebar.selectbox] == ["pick_polda", "pick_polres", "pick_polsek"]
    with sample_engine.connect() as conn:
        expected = scope_counts(conn, default_scope(sample_engine, "PR-35.21"))
    assert f"{dotted(expected['activities'])} laporan kegiatan" in counts_caption(at)
    assert "217 desa/kelurahan" in counts_caption(at)
    assert at.query_params["unit"] == "PR-35.21"  # the address bar holds the scope, for sharing
    # Back to "all Polres": the Polda becomes the scope again.
    at.sidebar.selectbox(key="pick_polres").select("").run()
    assert at.session_state["unit"] == "PD-35"


def test_a_shared_link_opens_its_scope(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch)
    at.query_params.update({"unit": "PS-35.21.07", "start": "2022-03-01", "end": "2022-03-31"})
    at.run()
    assert at.session_state["unit"] == "PS-35.21.07"
    assert at.sidebar.date_input(key="window").value == (date(2022, 3, 1), date(2022, 3, 31))
    at = new_app(sample_sqlite_url, monkeypatch)
    at.query_params.update({"unit": "PS-NOPE", "start": "1999-01-01", "end": "2022-03-31"})
    at.run()
    assert at.session_state.get("unit") is None and not at.exception
    assert at.sidebar.date_input(key="window").value == (date(2022, 4, 16), date(2022, 5, 15))


def test_default_window_is_the_last_30_days_with_data(sample_sqlite_url, sample_engine, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch).run()
    scope = default_scope(sample_engine)
    assert at.sidebar.date_input(key="window").value == (scope.start, scope.end)
    assert scope.end == date(2022, 5, 15)


def test_language_switch_changes_labels(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch).run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert "Reporting rate" in metric_values(at)
    assert at.title[0].value == "Overview"
    assert "activity reports" in counts_caption(at)


def test_window_without_activities_shows_an_empty_state(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch)
    at.session_state["window"] = (date(2020, 6, 1), date(2020, 6, 30))  # crimes only, before BOS V2
    at.run()
    assert not at.exception
    assert "0 laporan kegiatan" in counts_caption(at)
    assert any("Tidak ada kegiatan" in info.value for info in at.info)


def test_every_page_ends_with_its_scope_the_data_range_and_the_last_import_in_wib(sample_sqlite_url, sample_engine,
                                                                                 monkeypatch):
    with sample_engine.connect() as conn:
        finished = last_import(conn)["finished_at"].iloc[0]  # stored in UTC
    wib = finished + timedelta(hours=7)
    months = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
              "November", "Desember")
    # The data start with the sample's first crime: 6 May 2019, a day after its crimes may start (CRIME_START).
    expected = ("Dasbor Binmas · Polres Ngawi · 16 April 2022 – 15 Mei 2022 (30 hari) · data tersedia 6 Mei 2019 – "
                f"15 Mei 2022 · impor terakhir {wib.day} {months[wib.month - 1]} {wib.year} {wib:%H.%M} WIB")
    at = new_app(sample_sqlite_url, monkeypatch)
    at.query_params["unit"] = "PR-35.21"
    at.run()
    assert at.main.caption[-1].value == expected
    at.switch_page("app_pages/rapor.py").run()  # stops early: no officer chosen yet
    assert at.main.caption[-1].value == expected


def test_empty_database_explains_how_to_load_data(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    create_schema(make_engine(url))
    at = new_app(url, monkeypatch).run()
    assert not at.exception
    assert "load-sample" in at.info[0].value


def test_an_unreachable_database_gives_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("BOS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert "Basis data tidak dapat dihubungi" in at.error[0].value


def test_an_older_database_upgraded_by_init_db_opens_with_the_new_tables(tmp_path, monkeypatch):
    from sqlalchemy import inspect

    from queries.migrations import baseline_metadata

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    baseline = baseline_metadata()  # made before migrations: no table of a later revision either
    old_tables = [table for name, table in baseline.tables.items() if name not in ("users", "audit_log")]
    baseline.create_all(make_engine(url), tables=old_tables)
    at = new_app(url, monkeypatch)  # runs create_schema as init-db does (the app itself adds no table)
    at.run()
    assert not at.exception
    assert {"users", "audit_log"} <= set(inspect(make_engine(url)).get_table_names())


def test_a_scope_too_large_for_a_village_map_asks_for_a_smaller_one(sample_sqlite_url, monkeypatch):
    import components.tables
    import queries.geo

    # The sample's 458 villages stand in for the country's 80,000: the limits are lowered to match.
    monkeypatch.setattr(queries.geo, "MAX_MAP_VILLAGES", 400)
    monkeypatch.setattr(components.tables, "MAX_SHOWN_ROWS", 100)
    at = new_app(sample_sqlite_url, monkeypatch).run()
    at.switch_page("app_pages/peta.py").run()
    assert not at.exception
    assert any("458 desa" in info.value and "batas 400" in info.value for info in at.info)
    assert len(at.dataframe[0].value) == 100  # worst first; the download holds all 458
    assert any("100 baris pertama dari 458" in caption.value for caption in at.caption)
    at.sidebar.selectbox(key="pick_polda").select("PD-35").run()  # one Polda: 217 villages, drawn
    assert not at.info and at.get("deck_gl_json_chart")


def test_the_audit_page_names_events_and_roles_in_words_not_codes(tmp_path, sample_sqlite_url, monkeypatch):
    import shutil

    from sqlalchemy.engine import make_url

    from queries.schema import audit_log

    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    shutil.copy(make_url(sample_sqlite_url).database, tmp_path / "audit.sqlite")
    at = new_app(url, monkeypatch, username="admin1", role="admin")
    engine = make_engine(url)
    with engine.begin() as conn:
        # Sign-ins other tests made in the shared sample (test_security.py) are not this test's.
        conn.execute(audit_log.delete().where(audit_log.c.action.in_(("sign_in", "sign_in_failed", "sign_out"))))
        accounts.record(conn, "admin1", "sign_in", "password")
        accounts.record(conn, "admin1", "sign_in_failed")
    engine.dispose()
    at.run()
    at.switch_page("app_pages/audit.py").run()
    events, users = at.dataframe[0].value, at.dataframe[1].value
    assert sorted(events["Kejadian"]) == ["gagal masuk", "impor", "masuk"]  # the importer records the sample's import
    assert users.set_index("Nama pengguna").loc["admin1", "Peran"] == "Admin"


def test_the_import_history_names_the_mode_in_words(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch, username="admin2", role="admin").run()
    at.switch_page("app_pages/impor.py").run()
    history = at.dataframe[0].value
    assert history["Mode"].tolist() == ["semua atau tidak sama sekali"]  # the sample goes in all or nothing
    assert history["Oleh"].tolist() == ["sample"]


@pytest.mark.parametrize("unit, expected", [(None, "17 Mei 2022 00.30 WIB"), ("PR-63.08", "17 Mei 2022 01.30 WITA")])
def test_audit_and_import_times_are_local_with_the_zone_named(tmp_path, sample_sqlite_url, monkeypatch, unit,
                                                              expected):
    import shutil
    from datetime import datetime

    from sqlalchemy import update
    from sqlalchemy.engine import make_url

    from queries.schema import audit_log, import_batches

    url = f"sqlite:///{tmp_path / 'times.sqlite'}"
    shutil.copy(make_url(sample_sqlite_url).database, tmp_path / "times.sqlite")
    at = new_app(url, monkeypatch, username="admin3", role="admin")
    stored = datetime(2022, 5, 16, 17, 30)  # UTC, as stored: WIB is 7 hours ahead, WITA (Kalimantan Selatan) 8
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(import_batches).values(finished_at=stored))
        conn.execute(audit_log.delete())  # the sample's own import is audited too: keep one known row
        conn.execute(audit_log.insert().values(at=stored, username="admin3", action="sign_in", detail="password"))
    engine.dispose()
    at.session_state["unit"] = unit
    at.run()
    at.switch_page("app_pages/audit.py").run()
    assert at.dataframe[0].value["Waktu"].tolist() == [expected]
    assert at.dataframe[1].value.set_index("Nama pengguna").loc["admin3", "Terakhir masuk"] == "–"  # never signed in
    assert any(expected in caption.value for caption in at.main.caption)  # the footer's last import, same zone
    at.switch_page("app_pages/impor.py").run()
    assert at.dataframe[0].value["Selesai"].tolist() == [expected]


def test_recorded_outages_are_shown_in_the_units_local_time(sample_sqlite_url, monkeypatch):
    # The sample records an outage of Polres Hulu Sungai Utara from 00:00 to 10:00 UTC on 9 February 2022:
    # 08.00 to 18.00 in Kalimantan Selatan (WITA, UTC+8).
    at = new_app(sample_sqlite_url, monkeypatch)
    at.session_state["unit"] = "PR-63.08"
    at.session_state["window"] = (date(2022, 2, 1), date(2022, 2, 28))
    at.run()
    at.switch_page("app_pages/kualitas.py").run()
    open_quality_tab(at, "outages")
    recorded = next(frame.value for frame in at.dataframe if "Mulai" in frame.value.columns)
    row = recorded.set_index("Mulai").loc["9 Februari 2022 08.00 WITA"]
    assert row["Selesai"] == "9 Februari 2022 18.00 WITA"
