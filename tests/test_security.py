"""Who sees what: accounts, sign-in, roles and the query-layer boundary, the import page, no raw HTML."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_app import QUALITY_TABS, new_app, open_quality_tab

from builders import activity, base_export
from conftest import PROJECT_DIR
from ingest.importer import import_export
from queries import accounts
from queries.db import make_engine
from queries.exports import KINDS, export_frame
from queries.migrations import create_schema
from queries.schema import (
    activities,
    audit_log,
    import_batches,
    officers,
    units,
    user_sessions,
    users,
    villages,
)
from queries.scope import Scope

WINDOW = (date(2022, 4, 16), date(2022, 5, 15))
HOME = "PS-35.21.07"  # Polsek Karangjati
ALL_PAGES = sorted(p.stem for p in (PROJECT_DIR / "app_pages").glob("*.py"))


T0 = datetime(2026, 3, 2, 8, 0)  # the clock of the throttling and session tests
OWNER, STRANGER = "198.51.100.7", "203.0.113.5"  # where the account's owner and a guesser sign in from


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """Every argon2 verification from now on, by the hash it was checked against."""
    from argon2 import PasswordHasher

    calls, original = [], PasswordHasher.verify

    def counted(self, password_hash, password):
        calls.append(password_hash)
        return original(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


def test_passwords_are_argon2_and_every_sign_in_is_audited(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "a long secret!" not in stored
    with engine.begin() as conn:
        assert accounts.authenticate(conn, "budi", "a long secret!", OWNER, T0).outcome == "ok"
        assert accounts.authenticate(conn, "budi", "wrong", STRANGER, T0).outcome == "invalid"
        assert accounts.authenticate(conn, "nobody", "x", STRANGER, T0).outcome == "invalid"
        events = conn.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                              .order_by(audit_log.c.id)).all()
    assert [tuple(event) for event in events] == [("budi", "sign_in", "password"),
                                                  ("budi", "sign_in_failed", "wrong password"),
                                                  ("nobody", "sign_in_failed", "unknown user or no password")]


def test_every_failed_sign_in_answers_alike_after_one_argon2_verification(engine, verifications):
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")
        accounts.add_user(conn, "citra", "Citra", "national", password="another secret")
        accounts.set_disabled(conn, "citra")
        accounts.add_user(conn, "dodi", "Dodi", "national", email="dodi@example.test")  # provider only
        answers = {}
        for case, name, password in [("unknown", "nobody", "a long secret!"), ("wrong", "budi", "not it"),
                                     ("disabled", "citra", "another secret"), ("no password", "dodi", "x")]:
            verifications.clear()
            answers[case] = accounts.authenticate(conn, name, password, f"10.0.0.{len(answers)}", T0)
            assert len(verifications) == 1, case
        assert set(answers.values()) == {accounts.SignIn(None, "invalid", 0)}
        # Throttled (what used to be "locked"): a real and an unknown name answer alike, one verification each.
        for name in ("budi", "nobody"):
            for _ in range(accounts.FREE_FAILURES + 1):
                accounts.authenticate(conn, name, "guess", STRANGER, T0)
        verifications.clear()
        throttled = [accounts.authenticate(conn, name, "a long secret!", STRANGER, T0 + timedelta(seconds=1))
                     for name in ("budi", "nobody")]
        assert len(verifications) == 2
        assert throttled == [accounts.SignIn(None, "throttled", 1)] * 2


def test_a_guesser_is_slowed_down_and_the_owner_is_never_locked_out(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")

        def attempt(password, source, seconds):
            return accounts.authenticate(conn, "budi", password, source, T0 + timedelta(seconds=seconds))

        # Three failures are free; from the fourth each failure makes the next attempt wait 2, 4, 8 ... s.
        assert [attempt("guess", STRANGER, 0).outcome for _ in range(3)] == ["invalid"] * 3
        assert attempt("guess", STRANGER, 0) == (None, "invalid", 0)  # 4th failure: the next waits 2 s
        assert attempt("a long secret!", STRANGER, 1) == (None, "throttled", 1)  # even the right password
        assert attempt("a long secret!", OWNER, 1).outcome == "ok"  # the owner, elsewhere, gets in
        assert attempt("guess", STRANGER, 2).outcome == "invalid"  # 5th: the next waits 4 s
        assert attempt("guess", STRANGER, 5) == (None, "throttled", 1)
        assert attempt("guess", STRANGER, 6).outcome == "invalid"  # 6th: 8 s
        assert attempt("guess", STRANGER, 6) == (None, "throttled", 8)
        # Each further failure as soon as it is allowed: the wait doubles up to 15 minutes.
        assert attempt("guess", STRANGER, 6 + 8).outcome == "invalid"  # 7th failure: 16 s
        assert attempt("guess", STRANGER, 6 + 8 + 16).outcome == "invalid"  # 8th: 32 s
        assert attempt("guess", STRANGER, 6 + 8 + 16 + 32).outcome == "invalid"  # 9th: 64 s
        at = 6 + 8 + 16 + 32 + 64
        for delay in (128, 256, 512, 900, 900):  # 10th-14th failures; 1024 s is cut to the 15-minute cap
            assert attempt("guess", STRANGER, at).outcome == "invalid"
            assert attempt("guess", STRANGER, at) == (None, "throttled", delay)
            at += delay
        assert attempt("a long secret!", OWNER, at).outcome == "ok"  # all along, the owner was never refused
        # A day without failures and the stranger starts again with three free attempts.
        later = at + 24 * 3600 + 1
        assert [attempt("guess", STRANGER, later).outcome for _ in range(4)] == ["invalid"] * 4
        assert attempt("guess", STRANGER, later).outcome == "throttled"


def test_a_source_guessing_many_names_is_slowed_down_on_every_name(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")
        for index in range(accounts.SOURCE_FREE_FAILURES + 1):  # one guess per name: credential stuffing
            assert accounts.authenticate(conn, f"name{index}", "guess", STRANGER, T0).outcome == "invalid"
        assert accounts.authenticate(conn, "budi", "a long secret!", STRANGER, T0) == (None, "throttled", 2)
        assert accounts.authenticate(conn, "budi", "a long secret!", OWNER, T0).outcome == "ok"
        # The owner's own mistakes are forgotten at a successful sign-in.
        for _ in range(accounts.FREE_FAILURES):
            accounts.authenticate(conn, "budi", "typo", OWNER, T0)
        assert accounts.authenticate(conn, "budi", "a long secret!", OWNER, T0).outcome == "ok"
        for _ in range(accounts.FREE_FAILURES):
            assert accounts.authenticate(conn, "budi", "typo", OWNER, T0).outcome == "invalid"
        assert accounts.authenticate(conn, "budi", "a long secret!", OWNER, T0).outcome == "ok"


def test_sessions_expire_and_are_revoked(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")
        accounts.add_user(conn, "eka", "Eka", "national", password="a long secret!")
        token = accounts.open_session(conn, "budi", "en", T0)
        stored = conn.execute(select(user_sessions.c.token_sha256)).scalar_one()
        assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored and len(token) >= 40
        budi = accounts.User("budi", "Budi", "national", None)
        assert accounts.session_user(conn, token, T0 + timedelta(hours=9, minutes=59)) == (budi, "en")
        assert accounts.session_user(conn, token, T0 + timedelta(hours=accounts.SESSION_HOURS)) is None
        assert accounts.session_user(conn, token + "x", T0) is None
        accounts.set_session_language(conn, token, "id")
        assert accounts.session_user(conn, token, T0) == (budi, "id")
        other = accounts.open_session(conn, "eka", None, T0)
        accounts.close_session(conn, token)  # sign-out
        assert accounts.session_user(conn, token, T0) is None
        assert accounts.session_user(conn, other, T0) is not None  # someone else's session lives on
        for revoke in (lambda: accounts.set_disabled(conn, "budi"), lambda: accounts.set_role(conn, "budi", "admin"),
                       lambda: accounts.set_password(conn, "budi", "a new long secret")):
            token = accounts.open_session(conn, "budi", None, T0)
            revoke()
            accounts.set_disabled(conn, "budi", False)
            assert accounts.session_user(conn, token, T0) is None  # ended, not just hidden while disabled
        # A new sign-in clears everyone's expired sessions.
        accounts.open_session(conn, "budi", None, T0 + timedelta(hours=11))
        assert conn.execute(select(func.count()).select_from(user_sessions)).scalar_one() == 1


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
    at.text_input(key="sign_in_username").input("tidak.ada")  # no such account: not a word more
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Nama pengguna atau kata sandi salah."]
    at.text_input(key="sign_in_username").input("dina")
    at.text_input(key="sign_in_password").input("correct horse battery")
    at.button[0].click().run()
    assert at.session_state["auth_user"] == "dina"
    assert "Masuk sebagai Dina (Polres)" in [c.value for c in at.sidebar.caption]


def browser_tab(url: str, monkeypatch, cookie: str | None = None):
    """A new browser tab on the dashboard: nobody signed in yet, the given session cookie sent along."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BOS_DATABASE_URL", url)
    monkeypatch.delenv("BOS_DEMO", raising=False)
    monkeypatch.setattr("components.auth.session_cookie", lambda: cookie)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)


def signed_out(at) -> bool:
    return [b.label for b in at.button] in (["Masuk"], ["Sign in"]) and not at.sidebar.selectbox


def sign_in_through_the_form(at, username: str, password: str):
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def test_a_session_survives_a_reload_and_an_opened_link_until_sign_out(sample_sqlite_url, monkeypatch):
    with make_engine(sample_sqlite_url).begin() as conn:
        accounts.add_user(conn, "fani", "Fani", "polres", "PR-35.21", password="correct horse battery")
    at = sign_in_through_the_form(browser_tab(sample_sqlite_url, monkeypatch).run(), "fani", "correct horse battery")
    token = at.session_state["auth_token"]
    assert at.title[0].value == "Ringkasan"
    assert [h.value for h in at.html if "bos_session" in h.value] == [
        f"""<script>document.cookie = "bos_session={token}; Max-Age=36000; Path=/; SameSite=Strict"
                + (location.protocol === "https:" ? "; Secure" : "");</script>"""]
    # A reload, or a link opened in another tab: the cookie signs in again, on the link's view.
    tab = browser_tab(sample_sqlite_url, monkeypatch, cookie=token)
    tab.query_params.update({"unit": "PS-35.21.07", "start": "2022-03-01", "end": "2022-03-31"})
    tab.run()
    assert tab.session_state["auth_user"] == "fani" and tab.title[0].value == "Ringkasan"
    assert tab.session_state["unit"] == "PS-35.21.07" and tab.query_params["start"] == "2022-03-01"
    at.run()
    assert not [h for h in at.html if "bos_session" in h.value]  # the cookie is written once
    at.sidebar.button(key="sign_out").click().run()
    assert signed_out(at)
    assert any("bos_session=; Max-Age=0" in h.value for h in at.html)
    tab.run()  # the other tab is signed out at its next click
    assert signed_out(tab)
    assert signed_out(browser_tab(sample_sqlite_url, monkeypatch, cookie=token).run())  # and so is a reload


def test_a_session_keeps_the_language_chosen(sample_sqlite_url, monkeypatch):
    engine = make_engine(sample_sqlite_url)
    with engine.begin() as conn:
        accounts.add_user(conn, "iwan", "Iwan", "polres", "PR-35.21", password="correct horse battery")
    at = sign_in_through_the_form(browser_tab(sample_sqlite_url, monkeypatch).run(), "iwan", "correct horse battery")
    token = at.session_state["auth_token"]
    iwan = accounts.User("iwan", "Iwan", "polres", "PR-35.21")
    with engine.connect() as conn:
        assert accounts.session_user(conn, token) == (iwan, "id")
    at.sidebar.radio(key="lang").set_value("en").run()
    with engine.connect() as conn:
        assert accounts.session_user(conn, token) == (iwan, "en")
    tab = browser_tab(sample_sqlite_url, monkeypatch, cookie=token).run()  # a reload opens in English
    assert tab.title[0].value == "Overview" and tab.session_state["lang"] == "en"
    # (AppTest cannot rerun a page drawn in English: it formats the pickers' values outside the run.)


@pytest.mark.parametrize("change", ["disabled", "new role"])
def test_a_disabled_account_or_a_new_role_ends_its_sessions(sample_sqlite_url, monkeypatch, change):
    engine = make_engine(sample_sqlite_url)
    name = "gita" if change == "disabled" else "hadi"
    with engine.begin() as conn:
        accounts.add_user(conn, name, name.title(), "polsek", HOME, password="correct horse battery")
        token = accounts.open_session(conn, name, None)
    tab = browser_tab(sample_sqlite_url, monkeypatch, cookie=token).run()
    assert tab.title[0].value == "Ringkasan" and tab.session_state["auth_user"] == name
    with engine.begin() as conn:
        if change == "disabled":
            accounts.set_disabled(conn, name)
        else:
            accounts.set_role(conn, name, "polres", "PR-35.21")
    tab.run()
    assert signed_out(tab)
    assert signed_out(browser_tab(sample_sqlite_url, monkeypatch, cookie=token).run())


def test_a_disabled_account_is_dropped_at_once(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch, "eko", "polsek", HOME).run()
    assert at.title[0].value == "Ringkasan"
    with make_engine(sample_sqlite_url).begin() as conn:
        accounts.set_disabled(conn, "eko")
    at.run()
    assert at.title[0].value == "Dasbor Binmas" and [b.label for b in at.button] == ["Masuk"]


@pytest.mark.parametrize(("role", "unit", "expected"), [
    ("national", None, ["definisi", "efektivitas", "pengaduan", "perbandingan", "peringatan", "peta", "ringkasan",
                        "tindak_lanjut"]),
    ("trainer", "PR-35.21", ["definisi", "kepatuhan", "kualitas", "rapor", "ringkasan", "tindak_lanjut"]),
    ("polsek", HOME, ["definisi", "efektivitas", "kepatuhan", "kualitas", "pengaduan", "perbandingan", "peringatan",
                      "peta", "rapor", "ringkasan", "tindak_lanjut"]),
    ("admin", None, ALL_PAGES),
])
def test_each_role_sees_exactly_its_pages(sample_sqlite_url, monkeypatch, role, unit, expected):
    at = new_app(sample_sqlite_url, monkeypatch, f"role-{role}", role, unit).run()
    registered = {Path(str(info["script_path"])).stem for info in at._registered_pages.values()}
    assert sorted(registered) == expected  # (the overview is registered twice: at "/" and at /ringkasan)
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
    if page == "kualitas":  # each tab reads its lists only when open: every one of them is checked
        text += "".join(rendered_text(open_quality_tab(at, tab)) for tab in QUALITY_TABS[1:])
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
        conn.execute(user_sessions.delete())  # of the accounts other tests added to the shared sample
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


def test_an_import_by_an_os_user_named_sample_ends_demo_mode(sample_sqlite_url, tmp_path, monkeypatch):
    copy = tmp_path / "bos.sqlite"
    shutil.copy(sample_sqlite_url.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(user_sessions.delete())
        conn.execute(users.delete())
    with engine.connect() as conn:
        assert accounts.only_sample_data(conn) and accounts.real_imports(conn) == 0
    monkeypatch.setattr("getpass.getuser", lambda: "sample")  # whoever runs `manage.py import` names the batch
    report = import_export(engine, base_export(tmp_path / "export"))
    assert report.ok
    with engine.connect() as conn:
        assert conn.execute(select(import_batches.c.imported_by).where(import_batches.c.id == report.batch_id)
                            ).scalar_one() == "sample"
        assert not accounts.only_sample_data(conn) and accounts.real_imports(conn) == 1


def test_load_sample_marks_its_own_import_and_no_other(tmp_path, monkeypatch, capsys):
    import manage

    # A small export stands in for the generated sample (the path through load-sample is the same).
    monkeypatch.setattr("sample_data.generator.generate", lambda out: base_export(Path(out)) and {})
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert manage.main(["load-sample", "--db", url]) == 0
    engine = make_engine(url)
    with engine.connect() as conn:
        assert accounts.sample_imports(conn) == [1] and accounts.only_sample_data(conn)
    assert manage.main(["import", str(base_export(tmp_path / "real", activities=[activity("R1")])),
                        "--db", url]) == 0
    with engine.connect() as conn:
        assert accounts.sample_imports(conn) == [1] and not accounts.only_sample_data(conn)
    assert manage.main(["load-sample", "--db", url]) == 1
    assert "holds 1 import(s) of real exports" in capsys.readouterr().err


def test_user_sign_out_command_ends_every_session_of_the_account(tmp_path, capsys):
    import manage

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        accounts.add_user(conn, "budi", "Budi", "national", password="a long secret!")
        tokens = [accounts.open_session(conn, "budi") for _ in range(2)]
    assert manage.main(["user", "sign-out", "budi", "--db", url]) == 0
    assert capsys.readouterr().out == "budi: 2 session(s) ended\n"
    with engine.connect() as conn:
        assert [accounts.session_user(conn, token) for token in tokens] == [None, None]
