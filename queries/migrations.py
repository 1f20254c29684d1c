"""The schema's history as Alembic migrations (migrations/): upgrade a database to head, or tell why it is not."""

from __future__ import annotations

import threading

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, Index, MetaData, Text, inspect

from queries.db import PROJECT_DIR
from queries.schema import metadata

MIGRATIONS_DIR = PROJECT_DIR / "migrations"
BASELINE = "0001_baseline"  # the schema create_all made before migrations existed
# Alembic's command API runs env.py through one module-global context, so two threads migrating at once
# (two imports started together from the dashboard) break each other: one migration at a time per process.
_MIGRATING = threading.Lock()


class SchemaNotCurrent(Exception):
    """The database is not at the newest migration: the admin must run `python manage.py init-db`."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration in code, so no alembic.ini is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The migration the database is at; None when it has no alembic_version table (or an empty one)."""
    return MigrationContext.configure(conn).get_current_revision()


def schema_differences(conn: Connection, target: MetaData = metadata) -> list:
    """What separates the database's tables, columns, types and indexes from the metadata (autogenerate's diff)."""
    return compare_metadata(MigrationContext.configure(conn), target)


def baseline_metadata() -> MetaData:
    """The metadata without the tables later revisions add (those that say so in info["revision"])."""
    baseline = MetaData()
    for table in metadata.sorted_tables:
        if "revision" not in table.info:
            table.to_metadata(baseline)
    # Revision 0006_activity_texts moved the narrative out of activities: the baseline still had it.
    activities = baseline.tables["activities"]
    activities.append_column(Column("narrative", Text))
    # Revision 0014_narrative_repeats added the mark and two indexes; 0018_copies_covering replaced
    # ix_activities_photo by ix_activities_photo_order and added ix_activities_photo_repeats; 0019 added
    # ix_activities_gps_outside and ix_activities_impossible_travel.
    activities._columns.remove(activities.c.narrative_repeats)  # Table has no public way to drop a column
    for index in [index for index in activities.indexes
                  if index.name in ("ix_activities_narrative_repeats", "ix_activities_narrative_order",
                                    "ix_activities_photo_order", "ix_activities_photo_repeats",
                                    "ix_activities_gps_outside", "ix_activities_impossible_travel")]:
        activities.indexes.discard(index)
    Index("ix_activities_photo", activities.c.photo_sha256)
    # Revision 0017_crime_dates added an index.
    crimes = baseline.tables["crimes"]
    crimes.indexes.discard(next(index for index in crimes.indexes if index.name == "ix_crimes_date"))
    return baseline


def upgrade(engine: Engine) -> None:
    """Bring the database to head; one made by create_all before migrations existed is adopted, never recreated."""
    with _MIGRATING, engine.begin() as conn:
        found = current_revision(conn)
        if found == head_revision():
            return
        if found is None and set(inspect(conn).get_table_names()) & set(metadata.tables):
            adopt_legacy(conn)
        command.upgrade(alembic_config(conn), "head")


def adopt_legacy(conn: Connection) -> None:
    """Stamp a database made by the old create-on-connect code as the baseline, once its tables match it.

    What that code would still have added on its next connect (tables and indexes new since the file was
    made) is added first; any other difference refuses the stamp, naming it, before anything is changed.
    It compares with the baseline's tables (baseline_metadata): the tables of later revisions are made by
    those revisions once the database is stamped.
    """
    baseline = baseline_metadata()
    differences = _flat(schema_differences(conn, baseline))
    _refuse_if_any([diff for diff in differences if diff[0] not in ("add_table", "add_index")])
    if differences:
        baseline.create_all(conn)
        for table in baseline.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        _refuse_if_any(_flat(schema_differences(conn, baseline)))
    command.stamp(alembic_config(conn), BASELINE)


def _refuse_if_any(differences: list[tuple]) -> None:
    """Raise SchemaNotCurrent naming the first differences, if there are any."""
    if differences:
        raise SchemaNotCurrent("the database's tables differ from the baseline schema, so it is not stamped: "
                               + "; ".join(_describe(diff) for diff in differences[:10]))


def require_head(engine: Engine) -> None:
    """Raise SchemaNotCurrent unless the database is at the newest migration (the dashboard issues no DDL)."""
    with engine.connect() as conn:
        found = current_revision(conn)
    if found != head_revision():
        raise SchemaNotCurrent(f"database at migration {found or 'none'}, this code needs {head_revision()}")


def _flat(diffs: list) -> list[tuple]:
    """compare_metadata nests column changes in lists; one tuple per difference."""
    return [item for diff in diffs for item in (diff if isinstance(diff, list) else [diff])]


def _describe(diff: tuple) -> str:
    """One difference in words: its kind and the table / column / index it concerns."""
    names = [getattr(part, "name", part) for part in diff[1:] if isinstance(part, str) or hasattr(part, "name")]
    return f"{diff[0]} {' '.join(str(name) for name in names[:3])}".strip()


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest migration: what init-db, imports, load-sample and the tests run."""
    upgrade(engine)
