"""Alembic environment: runs on the connection queries/migrations.py hands over, else on the configured database."""

from __future__ import annotations

from alembic import context

from queries.db import make_engine
from queries.schema import metadata


def run_migrations(connection) -> None:
    """Migrate on one connection; SQLite alters tables by copying them (batch mode)."""
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:  # the `alembic` command line, e.g. `alembic revision --autogenerate` by a developer
    with make_engine(context.config.get_main_option("sqlalchemy.url") or None).begin() as conn:
        run_migrations(conn)
