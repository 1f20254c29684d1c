"""Sign-in: an OpenID Connect provider when one is configured, else the local accounts; demo mode for the sample.

Demo mode needs all three: BOS_DEMO=1 (set by `make run`), the embedded SQLite file, and a database
holding nothing but the generated sample (no import other than load-sample's, no account). So it cannot
switch itself on against a real database by accident.

A password sign-in opens a server-side session (queries/accounts.py) whose random token the browser
keeps in a cookie, so a reload or an opened link finds the user again for SESSION_HOURS. Streamlit
1.67 reads cookies (st.context.cookies, sent with the page's WebSocket) but has no call that sets one
outside its OpenID Connect routes; a few lines of JavaScript (st.html) set it, holding nothing but the
token. Every run checks the session in the database, so a sign-out, a disabled account or a new role
ends it at once, in every tab.
"""

from __future__ import annotations

import re

import streamlit as st

from components import data
from components.i18n import LANGUAGES, t
from queries import accounts
from queries.accounts import DEMO_ROLE, User
from queries.db import is_default_sqlite, resolve_url
from queries.settings import settings

DEMO_USER = User("demo", "Pengguna demo", DEMO_ROLE, None)
SESSION_KEY = "auth_user"
TOKEN_KEY = "auth_token"  # the session's token in this browser tab's Streamlit session
COOKIE_KEY = "auth_cookie"  # a cookie to write on this run: the token, or "" to clear it
COOKIE = "bos_session"


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section for an OpenID Connect provider."""
    try:
        return "auth" in st.secrets and bool(st.secrets["auth"].get("client_id") or any(
            isinstance(value, dict) and value.get("client_id") for value in st.secrets["auth"].values()))
    except FileNotFoundError:
        return False


def demo_mode() -> bool:
    return (settings().demo and is_default_sqlite(resolve_url())
            and data.run(only_sample_data))


def only_sample_data(conn) -> bool:
    """The database holds the generated sample (as load-sample marked it) and nothing else."""
    return accounts.only_sample_data(conn)


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
    token = st.session_state.get(TOKEN_KEY) or (None if st.session_state.get(SESSION_KEY) else session_cookie())
    if token:
        # On the primary: a session opened a moment ago may not have reached a read replica yet.
        found = data.write(accounts.session_user, token)
        if found is None:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state.pop(TOKEN_KEY, None)
            return None
        user, language = found
        if st.session_state.get(TOKEN_KEY) != token:  # a new tab, a reload or an opened link
            st.session_state[TOKEN_KEY], st.session_state[SESSION_KEY] = token, user.username
            if language in LANGUAGES:
                st.session_state["lang"] = st.session_state["auth_language"] = language
        return user
    username = st.session_state.get(SESSION_KEY)
    return data.run(accounts.load_user, username) if username else None


def session_cookie() -> str | None:
    """The session token the browser sent when this tab opened (cookies arrive with the page's WebSocket)."""
    token = st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) and token else None  # (AppTest's context holds stand-ins)


def request_source() -> str:
    """Where a sign-in comes from, for throttling: the client's address, or behind a proxy the one it names.

    BOS_CLIENT_IP_HEADER names the header a trusted reverse proxy sets (e.g. X-Forwarded-For); its last
    entry is the address the proxy saw, the earlier ones are whatever the client claimed.
    """
    header = settings().client_ip_header
    forwarded = st.context.headers.get(header, "") if header else ""
    address = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
    direct = st.context.ip_address
    return address or (direct if isinstance(direct, str) else "") or "local"


def remember_language() -> None:
    """Keep the language chosen in the sidebar with the session, so a reload opens in it."""
    token, language = st.session_state.get(TOKEN_KEY), st.session_state.get("lang")
    if token and st.session_state.get("auth_language") != language:
        data.write(accounts.set_session_language, token, language)
    st.session_state["auth_language"] = language


def write_cookie() -> None:
    """Set (or clear) the session cookie in the browser, once, after a sign-in (or a sign-out)."""
    token = st.session_state.pop(COOKIE_KEY, None)
    if token is None or not re.fullmatch(r"[A-Za-z0-9_-]*", token):  # token_urlsafe: nothing to escape
        return
    max_age = accounts.SESSION_HOURS * 3600 if token else 0
    st.html(f"""<script>document.cookie = "{COOKIE}={token}; Max-Age={max_age}; Path=/; SameSite=Strict"
                + (location.protocol === "https:" ? "; Secure" : "");</script>""", unsafe_allow_javascript=True)


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
        answer = data.write(accounts.authenticate, username, password, request_source())
        if answer.user is None:
            st.error(t(f"auth.{answer.outcome}", seconds=answer.retry_seconds))
        else:
            token = data.write(accounts.open_session, answer.user.username, st.session_state.get("lang"))
            st.session_state[SESSION_KEY], st.session_state[TOKEN_KEY] = answer.user.username, token
            st.session_state[COOKIE_KEY] = token
            st.session_state["auth_language"] = st.session_state.get("lang")
            st.rerun()


def sign_out(user: User) -> None:
    audit(user, "sign_out")
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        data.write(accounts.close_session, token)
        st.session_state[COOKIE_KEY] = ""
    st.session_state.pop(SESSION_KEY, None)
    for key in ("unit", "scope", "window", "officer"):
        st.session_state.pop(key, None)
    if oidc_configured():
        st.logout()


def audit(user: User | None, action: str, detail: str = "") -> None:
    """Record an event for the admin's audit log (never for the demo user)."""
    if user is not None and user.role != DEMO_ROLE:
        data.write(accounts.record, user.username, action, detail)
