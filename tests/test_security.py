"""Who sees what: accounts, sign-in, roles and the query-layer boundary, the import page, no raw HTML."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_app import new_app

from builders import activity, base_export
from conftest import PROJECT_DIR
from ingest.importer import import_export
from queries import accounts
from queries.db import make_engine
from queries.exports import KINDS, export_frame
from queries.schema import activities, audit_log, officers, units, users, villages
from queries.scope import Scope

WINDOW = (date(2022, 4, 16), date(2022, 5, 15))
HOME = "PS-35.21.07"  # Polsek Karangjati
ALL_PAGES = sorted(p.stem for p in (PROJECT_DIR / "app_pages").glob("*.py"))


def test_passwords_are_argon2_and_lockout_works(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "a long secret!" not in stored
    with engine.begin() as conn:
        assert accounts.authenticate(conn, "budi", "a long secret!")[1] == "ok"
        outcomes = [accounts.authenticate(conn, "budi", "wrong")[1] for _ in range(accounts.LOCK_AFTER)]
        assert outcomes == ["invalid"] * (accounts.LOCK_AFTER - 1) + ["locked"]
        assert accounts.authenticate(conn, "budi", "a long secret!") == (None, "locked")
        assert accounts.authenticate(conn, "nobody", "x") == (None, "invalid")
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert actions.count("sign_in") == 1 and actions.count("sign_in_failed") == accounts.LOCK_AFTER + 2


def test_a_disabled_user_cannot_sign_in(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "citra", "Citra", "national", password="another secret")
        accounts.set_disabled(conn, "citra")
        assert accounts.authenticate(conn, "citra", "another secret") == (None, "disabled")
        assert accounts.load_user(conn, "citra") is None


def test_roles_need_a_home_unit_of_their_level(engine, tmp_path):
    assert import_export(engine, base_export(tmp_path / "export")).ok
    with engine.begin() as conn:
        with pytest.raises(accounts.AccountError, match="needs a polres"):
            accounts.add_user(conn, "xx", "X", "polres", "PS-A", password="0123456789")
        with pytest.raises(accounts.AccountError, match="needs a home unit"):
            accounts.add_user(conn, "yy", "Y", "polsek", None, password="0123456789")
        with pytest.raises(accounts.AccountError, match="at least 10"):
            accounts.add_user(conn, "zz", "Z", "national", password="short")
        assert accounts.add_user(conn, "ww", "W", "national", "PS-A", password="0123456789").home_unit is None


def test_sign_in_page(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch)
    with make_engine(sample_sqlite_url).begin() as conn:
        if accounts.load_user(conn, "dina") is None:
            accounts.add_user(conn, "dina", "Dina", "polres", "PR-35.21", password="correct horse battery")
    at.session_state["auth_user"] = None
    at.run()
    assert [b.label for b in at.button] == ["Masuk"] and not at.sidebar.selectbox
    at.text_input(key="sign_in_username").input("dina")
    at.text_input(key="sign_in_password").input("wrong password")
    at.button[0].click().run()
    assert at.error[0].value == "Nama pengguna atau kata sandi salah."
    at.text_input(key="sign_in_password").input("correct horse battery")
    at.button[0].click().run()
    assert at.session_state["auth_user"] == "dina"
    assert "Masuk sebagai Dina (Polres)" in [c.value for c in at.sidebar.caption]


def test_a_disabled_account_is_dropped_at_once(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch, "eko", "polsek", HOME).run()
    assert at.title[0].value == "Ringkasan"
    with make_engine(sample_sqlite_url).begin() as conn:
        accounts.set_disabled(conn, "eko")
    at.run()
    assert at.title[0].value == "Dasbor Binmas" and [b.label for b in at.button] == ["Masuk"]


@pytest.mark.parametrize(("role", "unit", "expected"), [
    ("national", None, ["definisi", "efektivitas", "pengaduan", "perbandingan", "peta", "ringkasan"]),
    ("trainer", "PR-35.21", ["definisi", "kepatuhan", "kualitas", "rapor", "ringkasan"]),
    ("polsek", HOME, ["definisi", "efektivitas", "kepatuhan", "kualitas", "pengaduan", "perbandingan", "peta",
                      "rapor", "ringkasan"]),
    ("admin", None, ALL_PAGES),
])
def test_each_role_sees_exactly_its_pages(sample_sqlite_url, monkeypatch, role, unit, expected):
    at = new_app(sample_sqlite_url, monkeypatch, f"role-{role}", role, unit).run()
    registered = sorted(Path(str(info["script_path"])).stem for info in at._registered_pages.values())
    assert registered == expected
    # ... and exactly its units: after "all", the first picker offers only the units just below the home unit.
    pickers = at.sidebar.selectbox
    below_home = pickers[0].options[1:] if pickers else []
    assert len(below_home) == {"national": 3, "admin": 3, "trainer": 19, "polsek": 0}[role]
    if "impor" not in expected:
        with pytest.raises(ValueError):
            at.switch_page("app_pages/impor.py")


def outside_tokens(engine) -> set[str]:
    """NRPs, village codes and unit codes that a Polsek Karangjati user must never see."""
    with engine.connect() as conn:
        nrps = set(conn.execute(select(officers.c.nrp).where(officers.c.unit_code != HOME)).scalars())
        codes = set(conn.execute(select(villages.c.code).where(villages.c.unit_code != HOME)).scalars())
        polsek = set(conn.execute(select(units.c.code).where(units.c.level == "polsek", units.c.code != HOME))
                     .scalars())
    return nrps | codes | polsek


def rendered_text(at) -> str:
    """Everything an AppTest page shows: texts, tables, chart and map specs."""
    parts = []
    for element in at.main:
        proto = getattr(element, "proto", None)
        if getattr(element, "type", None) == "dataframe":
            parts.append(element.value.to_csv())
        elif proto is not None:
            parts.append(str(proto))
        parts.append(str(getattr(element, "value", "")))
    for element in at.sidebar:
        parts.append(str(getattr(element, "value", "")))
    return "\n".join(parts)


LEAK_CASES = [("sample_sqlite_url", page) for page in ("ringkasan", "peta", "kepatuhan", "rapor", "kualitas",
                                                       "pengaduan", "efektivitas", "perbandingan")]
LEAK_CASES += [("sample_postgres_url", page) for page in ("ringkasan", "kepatuhan", "pengaduan")]


@pytest.mark.parametrize(("database", "page"), LEAK_CASES)
def test_a_polsek_user_sees_nothing_outside_its_subtree(request, sample_engine, monkeypatch, database, page):
    forbidden = outside_tokens(sample_engine)
    at = new_app(request.getfixturevalue(database), monkeypatch, "polsek-karangjati", "polsek", HOME)
    # A stale widget value and a crafted link both point at another Polres.
    at.session_state["unit"] = "PR-63.08"
    at.query_params.update({"unit": "PR-63.08", "officer": "92041273"})
    at.session_state["window"] = WINDOW
    at.run()
    if page != "ringkasan":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["unit"] == HOME
    text = rendered_text(at)
    leaked = {token for token in forbidden if re.search(rf"(?<![\w.]){re.escape(token)}(?![\w])", text)}
    assert not leaked, sorted(leaked)[:10]


@pytest.mark.parametrize("database", ["sample_engine", "sample_postgres_engine"])
def test_the_query_layer_keeps_every_export_inside_the_boundary(request, database):
    outside = Scope("PR-63.08", *WINDOW, boundary=HOME)
    everything = Scope(None, *WINDOW, boundary=HOME)
    with request.getfixturevalue(database).connect() as conn:
        for kind in KINDS:
            assert export_frame(conn, kind, outside).empty, kind
            inside = export_frame(conn, kind, everything)
            assert len(inside) > 0, kind
        home_villages = set(conn.execute(select(villages.c.code).where(villages.c.unit_code == HOME)).scalars())
        assert set(export_frame(conn, "coverage", everything)["village_code"]) == home_villages
        assert set(export_frame(conn, "effectiveness", everything, "polsek")["unit_code"]) == {HOME}
        assert export_frame(conn, "effectiveness", everything, "polres").empty


def test_national_users_see_no_names(sample_sqlite_url, sample_engine, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch, "korbinmas", "national")
    at.session_state["unit"] = HOME
    at.session_state["window"] = WINDOW
    at.run()
    with sample_engine.connect() as conn:
        nrps = set(conn.execute(select(officers.c.nrp).where(officers.c.unit_code == HOME)).scalars())
    for page in ("ringkasan", "peta", "pengaduan"):
        if page != "ringkasan":
            at.switch_page(f"app_pages/{page}.py").run()
        text = rendered_text(at)
        assert not [nrp for nrp in nrps if nrp in text], page
    assert "•••" in text


def upload_app(url, monkeypatch):
    at = new_app(url, monkeypatch, "importer", "admin")
    at.run()
    at.switch_page("app_pages/impor.py").run()
    return at


def row_count(url) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(activities)).scalar_one()


def zipped(directory, prefix="export/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in directory.iterdir():
            archive.write(path, prefix + path.name)
    return buffer.getvalue()


def test_import_page_dry_run_then_confirm(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    at = upload_app(url, monkeypatch)
    export = base_export(tmp_path / "export", activities=[activity("R1"), activity("R2")])
    at.file_uploader(key="import_files").upload("bos.zip", zipped(export)).run()
    assert not at.exception and row_count(url) == 0  # the dry run wrote nothing
    counts = at.dataframe[0].value.set_index("Berkas")
    assert counts.loc["activities.csv", "Baru"] == 2
    at.button(key="import_confirm").click().run()
    assert row_count(url) == 2
    assert any("Impor selesai" in s.value for s in at.success)
    with make_engine(url).connect() as conn:
        assert conn.execute(select(audit_log.c.action).where(audit_log.c.action == "import")).first()


@pytest.mark.parametrize("case", ["wrong_columns", "binary_csv", "zip_slip", "oversized"])
def test_import_page_refuses_bad_uploads(tmp_path, monkeypatch, case):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    at = upload_app(url, monkeypatch)
    uploader = at.file_uploader(key="import_files")
    if case == "wrong_columns":
        uploader.upload("activities.csv", b"report,officer,when\n1,2,3\n", "text/csv")
        expected = "activities.csv,1,report_id,kolom wajib tidak ada"  # the reason in the page's language
    elif case == "binary_csv":
        uploader.upload("units.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "text/csv")
        expected = "not UTF-8 text"
    elif case == "zip_slip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("../../etc/units.csv", "code,name,level,parent_code\n")
        uploader.upload("evil.zip", buffer.getvalue(), "application/zip")
        expected = "path outside the export folder"
    else:
        monkeypatch.setattr("components.import_view.MAX_UPLOAD_MB", 0.00001)
        uploader.upload("units.csv", b"code,name,level,parent_code\n" * 100, "text/csv")
        expected = "lebih dari"
    at.run()
    shown = [e.value for e in at.error] + [str(t.value.to_csv()) for t in at.dataframe]
    assert any(expected in re.sub(r"\\(.)", r"\1", text) for text in shown), shown
    confirm = [b for b in at.button if b.key == "import_confirm"]
    assert not confirm or confirm[0].disabled
    assert row_count(url) == 0


def test_no_data_value_becomes_markup(tmp_path, monkeypatch):
    from components.briefing import briefing_html

    hostile = '<img src=x onerror=alert(1)> [klik](javascript:alert(1)) **tebal**'
    export = base_export(tmp_path / "export", activities=[activity("R1")])
    (export / "units.csv").write_text((export / "units.csv").read_text().replace("Polsek A", hostile))
    (export / "officers.csv").write_text((export / "officers.csv").read_text().replace("Agus", hostile))
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert import_export(make_engine(url), export).ok
    at = new_app(url, monkeypatch, "admin2", "admin")
    at.session_state["unit"] = "PS-A"
    at.session_state["window"] = (date(2024, 3, 1), date(2024, 3, 10))
    at.run()
    for element in list(at.main) + list(at.sidebar):
        value = str(getattr(element, "value", ""))
        if element.type in ("markdown", "caption", "title", "header", "subheader", "alert"):
            # Shown literally: every markup character arrives escaped.
            assert not re.search(r"(?<!\\)<img", value) and not re.search(r"(?<!\\)\]\(java", value), value
    page = briefing_html(Scope("PS-A", date(2024, 3, 1), date(2024, 3, 10)))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_demo_mode_only_on_the_pristine_sample(sample_sqlite_url, tmp_path, monkeypatch):
    from components import auth

    copy = tmp_path / "bos.sqlite"
    shutil.copy(sample_sqlite_url.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(users.delete())
        conn.execute(audit_log.delete())
    monkeypatch.setattr("queries.db.DEFAULT_SQLITE_PATH", copy)
    monkeypatch.setenv("BOS_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("BOS_DEMO", "1")
    with engine.connect() as conn:
        assert auth.only_sample_data(conn)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120).run()
    assert any("MODE DEMO" in w.value for w in at.sidebar.warning)
    with engine.begin() as conn:  # a real account (or a real import) switches demo mode off for good
        accounts.add_user(conn, "first-admin", "Admin", "admin", password="0123456789ab")
    with engine.connect() as conn:
        assert not auth.only_sample_data(conn)
    monkeypatch.setenv("BOS_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert not auth.is_default_sqlite(auth.resolve_url())
