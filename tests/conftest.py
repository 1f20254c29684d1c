"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: 127.0.0.1:5432, user postgres, database test (BOS_TEST_POSTGRES_URL overrides).
Each test gets a fresh schema, dropped afterwards. In CI (CI=true) an unreachable server
fails the tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import sys
import uuid
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.schema import CreateSchema, DropSchema

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from queries import accounts  # noqa: E402
from queries.db import make_engine  # noqa: E402
from queries.migrations import create_schema  # noqa: E402

PG_URL = os.environ.get("BOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# In CI the property tests replay the same examples, so a red build is always reproducible.
settings.register_profile("ci", derandomize=True)
if IN_CI:
    settings.load_profile("ci")


@lru_cache(maxsize=1)
def postgres_problem() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any connection failure means the same thing here
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    return None


def require_postgres() -> None:
    """Skip (or, in CI, fail) when PostgreSQL is not reachable."""
    problem = postgres_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL tests are required)")
        pytest.skip(problem)


def fresh_postgres_engine(**kwargs):
    """An engine on a new, empty schema of the test database; returns (engine, drop)."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(CreateSchema(schema))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}, **kwargs)

    def drop():
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))
        admin.dispose()

    return engine, drop


def empty_database(backend: str, directory: Path):
    """A reporting database with the schema created; returns (engine, close)."""
    if backend == "sqlite":
        eng = make_engine(f"sqlite:///{directory / 'test.sqlite'}")
        close = eng.dispose
    else:
        eng, close = fresh_postgres_engine()
    create_schema(eng)
    return eng, close


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """An empty reporting database with the schema created."""
    eng, close = empty_database(request.param, tmp_path)
    yield eng
    close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_engine(request, tmp_path_factory):
    """As `engine`, shared by one module's tests: only for fixtures whose tests read the database, never write."""
    eng, close = empty_database(request.param, tmp_path_factory.mktemp("module_db"))
    yield eng
    close()


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory):
    """The generated sample export (written once per test session)."""
    from sample_data.generator import generate

    directory = tmp_path_factory.mktemp("sample_export")
    counts = generate(directory)
    return directory, counts


@pytest.fixture(scope="session")
def sample_sqlite_url(sample_export, tmp_path_factory):
    """A SQLite database holding the sample data, built once per test session through the import."""
    from ingest.importer import import_export

    url = f"sqlite:///{tmp_path_factory.mktemp('sample_db') / 'bos.sqlite'}"
    engine = make_engine(url)
    report = import_export(engine, sample_export[0], imported_by="sample")
    assert report.ok, [str(p) for p in report.problems[:20]]
    with engine.begin() as conn:  # as `manage.py load-sample` marks it
        accounts.mark_sample_import(conn, report.batch_id)
    engine.dispose()
    return url


@pytest.fixture
def sample_engine(sample_sqlite_url):
    engine = make_engine(sample_sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sample(request):
    """The sample data on each database (the session's SQLite copy, then its PostgreSQL import)."""
    return request.getfixturevalue("sample_engine" if request.param == "sqlite" else "sample_postgres_engine")


@pytest.fixture(scope="session")
def sample_postgres_engine(sample_export):
    """The sample data imported into a fresh PostgreSQL schema (once per session)."""
    from ingest.importer import import_export

    engine, drop = fresh_postgres_engine()
    report = import_export(engine, sample_export[0], imported_by="sample")
    assert report.ok, [str(p) for p in report.problems[:20]]
    yield engine
    drop()


@pytest.fixture
def world_url(tmp_path):
    """A SQLite database holding the hand-checked world of metric_world.py."""
    from metric_world import write_world

    from ingest.importer import import_export

    url = f"sqlite:///{tmp_path / 'world.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, write_world(tmp_path / "world")).ok
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sample_postgres_url(sample_postgres_engine):
    """A URL (with its search_path) of the PostgreSQL schema holding the sample, for the dashboard."""
    from urllib.parse import quote

    with sample_postgres_engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    return f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
