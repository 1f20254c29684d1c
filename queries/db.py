"""Where the database is and how to connect to it, for the dashboard and the command line alike."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, Table, create_engine, event, func, literal, select
from sqlalchemy.engine import make_url

from queries.settings import PROJECT_DIR, settings

DEFAULT_SQLITE_PATH = PROJECT_DIR / "data" / "bos.sqlite"


def default_url() -> str:
    """The embedded SQLite database that `make run` fills with the sample data."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def resolve_url(explicit: str | None = None) -> str:
    """The database URL: explicit, else BOS_DATABASE_URL, else secrets.toml, else embedded SQLite."""
    url = explicit or settings().database_url
    return normalise_url(url) if url else default_url()


def resolve_read_url() -> str:
    """Where the dashboard reads: BOS_READ_DATABASE_URL (a streaming replica) if set, else the primary.

    Imports, sign-in counters and the audit log always write to the primary (resolve_url).
    """
    replica = settings().read_database_url
    return normalise_url(replica) if replica else resolve_url()


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written without a driver (postgres://, postgresql://)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_default_sqlite(url: str) -> bool:
    """True for the embedded sample database (the only one demo mode may use)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and Path(parsed.database or "").resolve() == DEFAULT_SQLITE_PATH


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for the resolved URL; SQLite gets WAL, foreign keys and a busy timeout."""
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(resolved, pool_pre_ping=True, **kwargs)
    event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(dbapi_connection, _record) -> None:
    """Per-connection PostgreSQL settings for many mid-sized analytic queries.

    JIT compilation costs ~40 ms a query and pays off only on much longer ones; 64 MB of sort
    memory keeps a Polda's distinct-household counts out of temporary files.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("SET work_mem = '64MB'")
    dbapi_connection.commit()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Per-connection SQLite settings: enforce foreign keys, let readers work during an import."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def frame_of(rows, columns) -> pd.DataFrame:
    """A frame from result rows: plain tuples first, since pandas probes every SQLAlchemy Row for
    namedtuple fields (a failed lookup each), which costs ten times the frame itself."""
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def rows_up_to(conn: Connection, table: Table, limit: int) -> int:
    """The table's row count, counted no further than `limit`: exact below it, `limit` at or above it.

    Deciding "is this import a large share of the table" needs no full count: on PostgreSQL count(*)
    of a national activities table reads tens of millions of rows, this stops after `limit`.
    """
    return conn.execute(select(func.count()).select_from(select(literal(1)).select_from(table).limit(limit)
                                                         .subquery())).scalar_one()
