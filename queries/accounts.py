"""Accounts, roles and the audit log: who may see which part of the hierarchy, and what they did.

Passwords are hashed with argon2id (argon2-cffi); nothing else about a password is stored.
After LOCK_AFTER failed attempts an account is locked for LOCK_MINUTES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, select

from queries.db import frame_of
from queries.schema import audit_log, units, users

ROLES = ("national", "polda", "polres", "polsek", "trainer", "admin")
DEMO_ROLE = "demo"  # the sample data's built-in user; never stored, never assignable
UNIT_ROLES = {"polda": "polda", "polres": "polres", "polsek": "polsek"}  # role -> level its home unit must have
LOCK_AFTER = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")

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
    _update(conn, username, role=role, home_unit=_check_role(conn, role, home_unit))


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    _update(conn, username, disabled=disabled, failed_attempts=0, locked_until=None)


def set_password(conn: Connection, username: str, password: str) -> None:
    _update(conn, username, password_hash=_check_password(password), failed_attempts=0, locked_until=None)


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


def authenticate(conn: Connection, username: str, password: str) -> tuple[User | None, str]:
    """Check a password sign-in; returns (user, "ok") or (None, "invalid" | "locked" | "disabled")."""
    row = conn.execute(select(users).where(users.c.username == username.strip().lower())).first()
    now = _now()
    if row is None or row.password_hash is None:
        _verify(_DUMMY_HASH, password)
        record(conn, username[:80], "sign_in_failed", "unknown user or no password")
        return None, "invalid"
    if row.disabled:
        record(conn, row.username, "sign_in_failed", "account disabled")
        return None, "disabled"
    if row.locked_until is not None and row.locked_until > now:
        record(conn, row.username, "sign_in_failed", "account locked")
        return None, "locked"
    if not _verify(row.password_hash, password):
        failures = row.failed_attempts + 1
        locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= LOCK_AFTER else None
        _update(conn, row.username, failed_attempts=0 if locked else failures, locked_until=locked)
        record(conn, row.username, "sign_in_failed", "wrong password" + (", account locked" if locked else ""))
        return None, "locked" if locked else "invalid"
    _update(conn, row.username, failed_attempts=0, locked_until=None, last_sign_in=now)
    record(conn, row.username, "sign_in", "password")
    return User(row.username, row.display_name, row.role, row.home_unit), "ok"


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
