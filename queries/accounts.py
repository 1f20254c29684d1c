"""Accounts, roles, sessions and the audit log: who may see which part of the hierarchy, and what they did.

Passwords are hashed with argon2id (argon2-cffi); nothing else about a password is stored. Every failed
sign-in answers the same way after one argon2 verification, and failures slow down further attempts of
the same (user name, source) and of the same source, never the account's owner elsewhere (OWASP
Authentication and Credential Stuffing cheat sheets): no lock-out a stranger can impose.
A signed-in browser holds a random session token; only its SHA-256 is stored, with an expiry.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, select

from queries.db import frame_of
from queries.schema import audit_log, import_batches, meta, sign_in_failures, units, user_sessions, users

ROLES = ("national", "polda", "polres", "polsek", "trainer", "admin")
DEMO_ROLE = "demo"  # the sample data's built-in user; never stored, never assignable
UNIT_ROLES = {"polda": "polda", "polres": "polres", "polsek": "polsek"}  # role -> level its home unit must have
# Progressive delays: after FREE_FAILURES failures of one (user name, source) the next attempt waits
# 2, 4, 8, ... seconds, at most MAX_DELAY; a source failing on many names gets SOURCE_FREE_FAILURES.
FREE_FAILURES = 3
SOURCE_FREE_FAILURES = 20
MAX_DELAY = timedelta(minutes=15)
FORGET_FAILURES_AFTER = timedelta(hours=24)  # a counter idle this long starts again from zero
SESSION_HOURS = 10  # a sign-in lasts a working day across reloads and opened links, then the form again
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # a plausible address; the mail server has the last word

_hasher = PasswordHasher()
# Verifying against a real hash even for unknown names keeps the answer's timing from telling them apart.
_DUMMY_HASH = _hasher.hash("unknown user, never a real password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out (message says why)."""


@dataclass(frozen=True)
class User:
    """A signed-in person: what they may see (home unit, None = everything) and do (role)."""

    username: str
    display_name: str
    role: str
    home_unit: str | None

    @property
    def sees_names(self) -> bool:
        """National evaluators compare regions; they do not need officers' names or NRPs."""
        return self.role != "national"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_role(conn: Connection, role: str, home_unit: str | None) -> str | None:
    """The home unit a role may have: none for national and admin, a unit of the right level otherwise."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role in ("national", "admin"):
        return None
    if home_unit is None:
        raise AccountError(f"a {role} account needs a home unit (--unit CODE)")
    level = conn.execute(select(units.c.level).where(units.c.code == home_unit)).scalar()
    if level is None:
        raise AccountError(f"unknown unit {home_unit!r}")
    if role in UNIT_ROLES and level != UNIT_ROLES[role]:
        raise AccountError(f"a {role} account needs a {UNIT_ROLES[role]} as home unit; {home_unit} is a {level}")
    return home_unit


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def add_user(conn: Connection, username: str, display_name: str, role: str, home_unit: str | None = None,
             password: str | None = None, email: str | None = None) -> User:
    """Create an account (a password, an OpenID Connect e-mail, or both)."""
    if not USERNAME.match(username):
        raise AccountError("a user name is 2-80 lower-case letters, digits, '.', '_' or '-'")
    if conn.execute(select(users.c.username).where(users.c.username == username)).first():
        raise AccountError(f"user {username!r} already exists")
    if password is None and email is None:
        raise AccountError("give a password, an e-mail for OpenID Connect sign-in, or both")
    home_unit = _check_role(conn, role, home_unit)
    conn.execute(users.insert().values(
        username=username, display_name=display_name, role=role, home_unit=home_unit,
        password_hash=_check_password(password) if password is not None else None,
        email=email.lower() if email else None, created_at=_now()))
    return User(username, display_name, role, home_unit)


def _update(conn: Connection, username: str, **values) -> None:
    if conn.execute(users.update().where(users.c.username == username).values(**values)).rowcount != 1:
        raise AccountError(f"no user {username!r}")


def set_role(conn: Connection, username: str, role: str, home_unit: str | None = None) -> None:
    """A new role or home unit; the account's sessions end, so its next page is drawn for what it may now see."""
    _update(conn, username, role=role, home_unit=_check_role(conn, role, home_unit))
    revoke_sessions(conn, username)


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    _update(conn, username, disabled=disabled)
    revoke_sessions(conn, username)


def set_email(conn: Connection, username: str, email: str | None) -> None:
    """The account's e-mail: its OpenID Connect identity, and where its briefing packs are sent."""
    if email is not None and not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    _update(conn, username, email=email.lower() if email else None)


def set_password(conn: Connection, username: str, password: str) -> None:
    _update(conn, username, password_hash=_check_password(password))
    revoke_sessions(conn, username)


def list_users(conn: Connection) -> pd.DataFrame:
    """Every account, without its password hash."""
    columns = ["username", "display_name", "email", "role", "home_unit", "disabled", "last_sign_in"]
    rows = conn.execute(select(*(users.c[c] for c in columns)).order_by(users.c.username)).all()
    return frame_of(rows, columns=columns)


def load_user(conn: Connection, username: str) -> User | None:
    """The enabled account of that name (None if missing or disabled)."""
    row = conn.execute(select(users).where(users.c.username == username, users.c.disabled.is_(False))).first()
    return User(row.username, row.display_name, row.role, row.home_unit) if row else None


def user_by_email(conn: Connection, email: str) -> User | None:
    """The enabled account registered for an e-mail (OpenID Connect sign-in)."""
    row = conn.execute(select(users).where(func.lower(users.c.email) == email.lower(),
                                           users.c.disabled.is_(False))).first()
    return User(row.username, row.display_name, row.role, row.home_unit) if row else None


class SignIn(NamedTuple):
    """The answer to a sign-in: the user on "ok"; on "invalid" or "throttled" nothing about the account."""

    user: User | None
    outcome: str  # "ok" | "invalid" | "throttled"
    retry_seconds: int = 0  # "throttled": how long until the next attempt is checked


def authenticate(conn: Connection, username: str, password: str, source: str = "",
                 now: datetime | None = None) -> SignIn:
    """Check a password sign-in from a source (the client's address).

    Unknown, wrong, disabled and password-less accounts get the same answer after exactly one argon2
    verification (against a dummy hash where there is no real one), so neither the message nor the
    time tells whether an account exists. Throttled attempts are answered alike, whatever the name.
    """
    now = now or _now()
    name = username.strip().lower()
    keys = (_failure_key("account", name, source), _failure_key("source", source))
    waits = [until for until in conn.execute(select(sign_in_failures.c.retry_after)
                                              .where(sign_in_failures.c.key.in_(keys))).scalars()
             if until is not None and until > now]
    row = conn.execute(select(users).where(users.c.username == name)).first()
    if waits:
        _verify(_DUMMY_HASH, password)
        record(conn, name[:80], "sign_in_failed", "throttled")
        return SignIn(None, "throttled", max(1, int((max(waits) - now).total_seconds() + 0.999)))
    usable = row is not None and row.password_hash is not None
    correct = _verify(row.password_hash if usable else _DUMMY_HASH, password) and usable
    if not correct or row.disabled:
        _count_failure(conn, keys[0], FREE_FAILURES, now)
        _count_failure(conn, keys[1], SOURCE_FREE_FAILURES, now)
        reason = ("unknown user or no password" if not usable else "account disabled" if row.disabled
                  else "wrong password")
        record(conn, name[:80], "sign_in_failed", reason)
        return SignIn(None, "invalid")
    conn.execute(sign_in_failures.delete().where((sign_in_failures.c.key == keys[0])
                                                 | (sign_in_failures.c.last_failure < now - FORGET_FAILURES_AFTER)))
    _update(conn, row.username, last_sign_in=now)
    record(conn, row.username, "sign_in", "password")
    return SignIn(User(row.username, row.display_name, row.role, row.home_unit), "ok")


def _failure_key(*parts: str) -> str:
    """What a failure counter counts, hashed: a fixed-length key, and no typed-in name stored in the clear."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _count_failure(conn: Connection, key: str, free: int, now: datetime) -> None:
    """One more failure for the key; beyond `free` failures the next attempt waits twice as long as the last."""
    row = conn.execute(select(sign_in_failures).where(sign_in_failures.c.key == key)).first()
    failures = 1 if row is None or now - row.last_failure > FORGET_FAILURES_AFTER else row.failures + 1
    delay = min(timedelta(seconds=2 ** (failures - free)), MAX_DELAY) if failures > free else None
    values = {"failures": failures, "last_failure": now, "retry_after": now + delay if delay else None}
    if row is None:
        conn.execute(sign_in_failures.insert().values(key=key, **values))
    else:
        conn.execute(sign_in_failures.update().where(sign_in_failures.c.key == key).values(**values))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: Connection, username: str, language: str | None = None, now: datetime | None = None) -> str:
    """A new session for a signed-in user: returns the token for the browser's cookie (stored only hashed)."""
    now = now or _now()
    conn.execute(user_sessions.delete().where(user_sessions.c.expires_at <= now))  # expired ones, anyone's
    token = secrets.token_urlsafe(32)
    conn.execute(user_sessions.insert().values(token_sha256=_token_hash(token), username=username, created_at=now,
                                               expires_at=now + timedelta(hours=SESSION_HOURS), language=language))
    return token


def session_user(conn: Connection, token: str, now: datetime | None = None) -> tuple[User, str | None] | None:
    """The user and language of a live session (None when unknown, expired, signed out or the account disabled)."""
    row = conn.execute(
        select(users, user_sessions.c.language).join(user_sessions, user_sessions.c.username == users.c.username)
        .where(user_sessions.c.token_sha256 == _token_hash(token), user_sessions.c.expires_at > (now or _now()),
               users.c.disabled.is_(False))).first()
    return (User(row.username, row.display_name, row.role, row.home_unit), row.language) if row else None


def set_session_language(conn: Connection, token: str, language: str) -> None:
    conn.execute(user_sessions.update().where(user_sessions.c.token_sha256 == _token_hash(token))
                 .values(language=language))


def close_session(conn: Connection, token: str) -> None:
    """Sign-out: the token is worthless from now on, in every tab and after every reload."""
    conn.execute(user_sessions.delete().where(user_sessions.c.token_sha256 == _token_hash(token)))


def revoke_sessions(conn: Connection, username: str) -> int:
    """End every session of an account (disabled, new role, new password); returns how many there were."""
    return conn.execute(user_sessions.delete().where(user_sessions.c.username == username)).rowcount


SAMPLE_BATCHES = "sample_batches"  # meta key: ids of the imports that load-sample made


def mark_sample_import(conn: Connection, batch_id: int) -> None:
    """Record an import as the generated sample; only the load-sample code path calls this."""
    ids = sorted(set(sample_imports(conn)) | {batch_id})
    conn.execute(meta.delete().where(meta.c.key == SAMPLE_BATCHES))
    conn.execute(meta.insert().values(key=SAMPLE_BATCHES, value=json.dumps(ids)))


def sample_imports(conn: Connection) -> list[int]:
    value = conn.execute(select(meta.c.value).where(meta.c.key == SAMPLE_BATCHES)).scalar()
    return json.loads(value) if value else []


def real_imports(conn: Connection) -> int:
    """Imports that were not the generated sample, whoever ran them and whatever the file was called."""
    return conn.execute(select(func.count()).select_from(import_batches)
                        .where(import_batches.c.id.not_in(sample_imports(conn)))).scalar_one()


def only_sample_data(conn: Connection) -> bool:
    """The database holds the generated sample and nothing else: no other import, no account (demo mode)."""
    return real_imports(conn) == 0 and not has_accounts(conn)


def record(conn: Connection, username: str | None, action: str, detail: str = "") -> None:
    """Append one event to the audit log."""
    conn.execute(audit_log.insert().values(at=_now(), username=username, action=action, detail=detail[:2000]))


def audit_events(conn: Connection, limit: int = 5000) -> pd.DataFrame:
    """The most recent audit events, newest first."""
    rows = conn.execute(select(audit_log.c.at, audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)).all()
    return frame_of(rows, columns=["at", "username", "action", "detail"])


def has_accounts(conn: Connection) -> bool:
    return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0
