"""Sign-in: an OpenID Connect provider when one is configured, else the local accounts; demo mode for the sample.

Demo mode needs all three: BOS_DEMO=1 (set by `make run`), the embedded SQLite file, and a database
holding nothing but the generated sample (no real import, no account). So it cannot switch itself on
against a real database by accident.
"""

from __future__ import annotations

import os

import streamlit as st

from components import data
from components.i18n import t
from queries import accounts
from queries.accounts import DEMO_ROLE, User
from queries.db import is_default_sqlite, resolve_url

DEMO_USER = User("demo", "Pengguna demo", DEMO_ROLE, None)
SESSION_KEY = "auth_user"


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section for an OpenID Connect provider."""
    try:
        return "auth" in st.secrets and bool(st.secrets["auth"].get("client_id") or any(
            isinstance(value, dict) and value.get("client_id") for value in st.secrets["auth"].values()))
    except FileNotFoundError:
        return False


def demo_mode() -> bool:
    return (os.environ.get("BOS_DEMO") == "1" and is_default_sqlite(resolve_url())
            and data.run(only_sample_data))


def only_sample_data(conn) -> bool:
    """The database holds the generated sample and nothing else: no real import, no account."""
    from sqlalchemy import func, select

    from queries.schema import import_batches

    real = conn.execute(select(func.count()).select_from(import_batches)
                        .where(import_batches.c.imported_by != "sample")).scalar_one()
    return real == 0 and not accounts.has_accounts(conn)


def current_user() -> User | None:
    """The signed-in user, re-read from the database each run (a disabled account drops out at once)."""
    if demo_mode():
        return DEMO_USER
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        user = data.run(accounts.user_by_email, str(st.user.get("email") or ""))
        if user is not None and st.session_state.get(SESSION_KEY) != user.username:
            st.session_state[SESSION_KEY] = user.username
            audit(user, "sign_in", "openid connect")
        return user
    username = st.session_state.get(SESSION_KEY)
    return data.run(accounts.load_user, username) if username else None


def sign_in_page() -> None:
    """The sign-in screen (provider button or user name and password)."""
    st.title(t("app.name"))
    if oidc_configured():
        if st.user.is_logged_in:
            st.error(t("auth.not_registered", email=str(st.user.get("email") or "")))
            st.button(t("auth.sign_out"), on_click=st.logout)
        else:
            st.button(t("auth.sign_in_provider"), on_click=st.login, type="primary")
        return
    if not data.run(accounts.has_accounts):
        st.info(t("auth.no_accounts"))
        return
    with st.form("sign_in"):
        username = st.text_input(t("auth.username"), key="sign_in_username")
        password = st.text_input(t("auth.password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("auth.sign_in"), type="primary")
    if submitted:
        user, outcome = data.write(accounts.authenticate, username, password)
        if user is None:
            st.error(t(f"auth.{outcome}", minutes=accounts.LOCK_MINUTES))
        else:
            st.session_state[SESSION_KEY] = user.username
            st.rerun()


def sign_out(user: User) -> None:
    audit(user, "sign_out")
    st.session_state.pop(SESSION_KEY, None)
    for key in ("unit", "scope", "window", "officer"):
        st.session_state.pop(key, None)
    if oidc_configured():
        st.logout()


def audit(user: User | None, action: str, detail: str = "") -> None:
    """Record an event for the admin's audit log (never for the demo user)."""
    if user is not None and user.role != DEMO_ROLE:
        data.write(accounts.record, user.username, action, detail)
