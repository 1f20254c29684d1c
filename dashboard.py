"""Binmas command dashboard: page config, sign-in, shared sidebar filters and navigation.

Run with `make run` (or `streamlit run dashboard.py`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components import auth, data, filters
from components.i18n import t
from components.safe import md
from queries.migrations import SchemaNotCurrent
from queries.scope import settings_policy
from queries.settings import SettingsError, settings

ASSETS = Path(__file__).resolve().parent / "assets"
st.set_page_config(page_title="Dasbor Binmas", page_icon=str(ASSETS / "icon.svg"), layout="wide")
st.logo(str(ASSETS / "logo.svg"), icon_image=str(ASSETS / "icon.svg"), size="large")

# page file (app_pages/NAME.py, also its URL path) -> (title key, icon); ROLE_PAGES says who sees it.
PAGES = {
    "ringkasan": ("nav.overview", ":material/dashboard:"),
    "tindak_lanjut": ("nav.follow_up", ":material/assignment_turned_in:"),
    "peta": ("nav.map", ":material/map:"),
    "kepatuhan": ("nav.compliance", ":material/fact_check:"),
    "rapor": ("nav.scorecard", ":material/badge:"),
    "kualitas": ("nav.quality", ":material/rule:"),
    "pengaduan": ("nav.complaints", ":material/campaign:"),
    "efektivitas": ("nav.effectiveness", ":material/trending_down:"),
    "perbandingan": ("nav.comparison", ":material/compare_arrows:"),
    "peringatan": ("nav.early_warning", ":material/crisis_alert:"),
    "impor": ("nav.import", ":material/upload_file:"),
    "audit": ("nav.audit", ":material/policy:"),
    "langganan": ("nav.subscriptions", ":material/forward_to_inbox:"),
    "definisi": ("nav.definitions", ":material/menu_book:"),
}
ANALYSIS = ["ringkasan", "tindak_lanjut", "peta", "kepatuhan", "rapor", "kualitas", "pengaduan", "efektivitas",
            "perbandingan", "peringatan", "definisi"]
ROLE_PAGES = {
    "admin": ANALYSIS[:-1] + ["impor", "audit", "langganan", "definisi"],
    "demo": ANALYSIS,
    "national": ["ringkasan", "tindak_lanjut", "peta", "pengaduan", "efektivitas", "perbandingan", "peringatan",
                 "definisi"],
    "polda": ANALYSIS,
    "polres": ANALYSIS,
    "polsek": ANALYSIS,
    # Not "peringatan": a trainer coaches one officer at a time; where crime is expected is the commanders' question.
    "trainer": ["ringkasan", "tindak_lanjut", "kepatuhan", "rapor", "kualitas", "definisi"],
}


def database_unreachable() -> None:
    """The first database access of a run failed: a wrong URL or a server that is down, said in words."""
    st.title(t("app.name"))
    st.error(t("error.database"))
    st.stop()


def schema_not_current() -> None:
    """The database is not at the newest migration: the dashboard issues no DDL, so the admin must upgrade it."""
    st.title(t("app.name"))
    st.error(t("error.schema"))
    st.stop()


try:
    # A bad variable or policy file is named here, at start-up, not inside a page. Assigned, because Streamlit's
    # magic draws a bare expression on the page.
    _ = settings(), settings_policy()
except SettingsError as exc:  # PolicyError included
    st.title(t("app.name"))
    st.error(t("error.settings", error=md(str(exc))))
    st.stop()
try:
    data.check_database()
    user = auth.current_user()  # before the language picker: a reload's session brings back its language
except SQLAlchemyError:
    database_unreachable()
except SchemaNotCurrent:
    schema_not_current()
filters.language_picker()
# Before sign-in every page is known but hidden and none runs: a link to /rapor?officer=… keeps its page
# through the sign-in form instead of falling back to the overview.
try:
    names = list(PAGES) if user is None else ROLE_PAGES.get(user.role, ["definisi"])
    pages = [st.Page(f"app_pages/{name}.py", title=t(PAGES[name][0]), icon=PAGES[name][1],
                     url_path="" if index == 0 else name, default=index == 0) for index, name in enumerate(names)]
    # The first page is served at "/"; a link by its own name (/ringkasan?unit=…) opens it too.
    alias = st.Page(f"app_pages/{names[0]}.py", title=pages[0].title, icon=pages[0].icon, url_path=names[0],
                    visibility="hidden")
    # Expanded: with Peringatan Dini and Tindak Lanjut a Kapolres has 11 pages, an admin 14; Streamlit would hide
    # those after the tenth behind "View more", Definisi angka among them.
    page = st.navigation(pages + [alias], position="hidden" if user is None else "sidebar", expanded=True)
    auth.write_cookie()
    if user is None:
        st.set_page_config(page_title=f"{t('auth.sign_in')} · {t('app.name')}")  # no page ran to name the tab
        auth.sign_in_page()
        st.stop()
    auth.remember_language()
except SQLAlchemyError:
    database_unreachable()
st.session_state["user"] = user
st.set_page_config(page_title=f"{page.title} · {t('app.name')}")  # tabs of several pages tell themselves apart

scope = filters.sidebar_scope(user)
if scope is None and page.url_path not in ("impor", "audit", "langganan", "definisi"):
    st.title(t("app.name"))
    st.info(t("empty.no_data"))
    st.stop()

st.sidebar.caption(t("auth.signed_in", name=user.display_name, role=t(f"role.{user.role}")))
if user.role == "demo":
    st.sidebar.warning(t("auth.demo_banner"), icon=":material/science:")
else:
    st.sidebar.button(t("auth.sign_out"), on_click=auth.sign_out, args=(user,), key="sign_out")
# The footer is drawn first into a slot below the page's, so a page that stops early on an empty state has it too.
body, footer = st.container(), st.container()
with footer:
    filters.page_footer(scope)
with body:
    page.run()
