"""Every setting in one place: the BOS_* environment and .streamlit/secrets.toml, read and checked once.

The policy file they name is read by queries/policy.py into its own frozen Policy. Plain frozen
dataclasses and tomllib rather than pydantic-settings: the policy already is a frozen dataclass (it
keys caches and the rollup), the checks are a type and a lower bound per value, and six variables
do not justify a compiled dependency. A bad value raises SettingsError (PolicyError for the policy
file) naming the variable, or the file and the key, when first read: at start-up.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_DIR / ".streamlit" / "secrets.toml"
POLICY_FILE = PROJECT_DIR / "policy.toml"
# The variables read, so the cache below keys on exactly them (a test or the benchmark may change one).
VARIABLES = ("BOS_DATABASE_URL", "BOS_READ_DATABASE_URL", "BOS_POLICY_FILE", "BOS_DEMO", "BOS_RLS",
             "BOS_CLIENT_IP_HEADER")
TRUE, FALSE = ("1", "true", "on", "yes"), ("", "0", "false", "off", "no")


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable, or the file and the key."""


@dataclass(frozen=True)
class Settings:
    """What the environment and the files say; the database URL is None when neither names one."""

    database_url: str | None  # BOS_DATABASE_URL, else [connections.bos] url of secrets.toml
    read_database_url: str | None  # BOS_READ_DATABASE_URL: a read replica for the pages
    policy_file: Path  # BOS_POLICY_FILE, else ./policy.toml
    demo: bool  # BOS_DEMO: the sample database may sign in a demo user
    rls: bool  # BOS_RLS: every read transaction sets the home unit for PostgreSQL's row-level security
    client_ip_header: str | None  # BOS_CLIENT_IP_HEADER: the header a trusted proxy names the client in


def read_settings(environ: Mapping[str, str], secrets_file: Path = SECRETS_FILE) -> Settings:
    """The settings from these variables and files (the environment wins over secrets.toml)."""
    return Settings(
        database_url=environ.get("BOS_DATABASE_URL") or secrets_database_url(secrets_file),
        read_database_url=environ.get("BOS_READ_DATABASE_URL") or None,
        policy_file=Path(environ.get("BOS_POLICY_FILE") or POLICY_FILE),
        demo=flag(environ, "BOS_DEMO"),
        rls=flag(environ, "BOS_RLS"),
        client_ip_header=environ.get("BOS_CLIENT_IP_HEADER") or None,
    )


def settings() -> Settings:
    """The settings of this process's environment (read again only when a BOS_* variable changes)."""
    return _settings_for(tuple(os.environ.get(name) for name in VARIABLES))


@lru_cache(maxsize=4)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    return read_settings({name: value for name, value in zip(VARIABLES, values) if value is not None})


def flag(environ: Mapping[str, str], name: str) -> bool:
    """An on/off variable: 1, true, on or yes; empty, 0, false, off or no; anything else is an error."""
    value = environ.get(name, "").strip().lower()
    if value not in TRUE + FALSE:
        raise SettingsError(f"{name}={environ[name]!r}: expected 1 or 0 (true/false, on/off, yes/no)")
    return value in TRUE


def read_toml(path: Path, error: type[SettingsError] = SettingsError) -> dict:
    """A TOML file's contents; `error` naming the file and the line where it is not TOML."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


@dataclass(frozen=True)
class SmtpSettings:
    """Where the briefing packs are sent from: [smtp] of secrets.toml."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = ""
    starttls: bool = True


def smtp_settings(path: Path | None = None) -> SmtpSettings | None:
    """[smtp] of the secrets file (None when it has none); a wrong type raises SettingsError naming the key."""
    path = path or SECRETS_FILE
    section = read_toml(path).get("smtp") if path.exists() else None
    if not section:
        return None
    expected = {"host": str, "port": int, "username": str, "password": str, "sender": str, "starttls": bool}
    for key, value in section.items():
        if key not in expected:
            raise SettingsError(f"{path}: [smtp] {key}: unknown key; expected one of {', '.join(expected)}")
        if not isinstance(value, expected[key]) or (key == "port" and not 0 < value < 65536):
            raise SettingsError(f"{path}: [smtp] {key}: expected a {expected[key].__name__}, got {value!r}")
    for key in ("host", "sender"):
        if not section.get(key):
            raise SettingsError(f"{path}: [smtp] {key}: required")
    return SmtpSettings(**section)


def secrets_database_url(path: Path) -> str | None:
    """[connections.bos] url of the secrets file, if it has one."""
    if not path.exists():
        return None
    url = read_toml(path).get("connections", {}).get("bos", {}).get("url")
    if url is not None and not isinstance(url, str):
        raise SettingsError(f"{path}: [connections.bos] url: expected a text, got {url!r}")
    return url or None
