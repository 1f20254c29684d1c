"""Alembic migrations: the baseline equals the metadata, today's databases are adopted, the app issues no DDL."""

from __future__ import annotations

import pytest
import streamlit as st
from alembic import command
from metric_world import write_world
from sqlalchemy import Column, Integer, MetaData, inspect, select, text
from streamlit.testing.v1 import AppTest

from conftest import PROJECT_DIR, fresh_postgres_engine
from ingest.importer import import_export
from queries import accounts
from queries.db import make_engine
from queries.migrations import (
    BASELINE,
    SchemaNotCurrent,
    alembic_config,
    baseline_metadata,
    create_schema,
    current_revision,
    head_revision,
    schema_differences,
)
from queries.schema import activity_texts, crime_month_facts, meta, metadata, officer_month_facts


def legacy_create_schema(engine) -> None:
    """The schema as the code before migrations made it on connect (create_all, indexes, schema_version "1")."""
    baseline = baseline_metadata()
    baseline.create_all(engine)
    with engine.begin() as conn:
        for table in baseline.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        if conn.execute(meta.select().where(meta.c.key == "schema_version")).first() is None:
            conn.execute(meta.insert().values(key="schema_version", value="1"))


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_engine(request, tmp_path):
    """An empty database on which nothing has been created yet."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'bare.sqlite'}")
        yield eng
        eng.dispose()
    else:
        eng, drop = fresh_postgres_engine()
        yield eng
        drop()


def rows_of(engine, schema: MetaData | None = None) -> dict[str, list[tuple]]:
    """Every row of every table of the baseline (read through `schema`'s definitions), in primary-key order."""
    schema = schema or baseline_metadata()
    with engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for name, table in ((table.name, schema.tables[table.name])
                                    for table in baseline_metadata().sorted_tables)}


def test_the_migrations_make_exactly_the_metadata(engine):
    # the engine fixture runs create_schema, i.e. the migrations: no fast path for the tests
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) == set(metadata.tables) | {"alembic_version"}
    for table in metadata.sorted_tables:
        assert {index["name"] for index in inspector.get_indexes(table.name)} == {i.name for i in table.indexes}
        assert [column["name"] for column in inspector.get_columns(table.name)] == list(table.columns.keys())
    with engine.connect() as conn:
        assert schema_differences(conn) == []  # autogenerate's comparison: types, nullability, indexes
        assert current_revision(conn) == head_revision() == "0021_drop_window_copies"
        if conn.dialect.name == "postgresql":  # the partial DDS index and the "C" collation of codes survive
            definition = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_activities_dds' "
                                                "AND schemaname = current_schema()"))
            assert "WHERE" in definition.scalar_one()
            collation = conn.execute(text("SELECT collation_name FROM information_schema.columns "
                                          "WHERE table_schema = current_schema() AND table_name = 'activities' "
                                          "AND column_name = 'report_id'")).scalar_one()
            assert collation == "C"


def test_running_the_migrations_again_changes_nothing(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "admin", "Admin", "admin", None, email="admin@example.test")
    create_schema(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert [row.username for row in conn.execute(select(metadata.tables["users"]))] == ["admin"]


def legacy_database_with_rows(engine, tmp_path) -> None:
    """A database as the code before migrations left it, with an import's rows: today's import (the old
    import code is gone), then every migration undone down to the baseline and the version table dropped."""
    create_schema(engine)
    assert import_export(engine, write_world(tmp_path / "world"), imported_by="old").ok
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))


def test_a_database_made_by_the_old_code_is_stamped_and_keeps_every_row(bare_engine, tmp_path):
    legacy_database_with_rows(bare_engine, tmp_path)
    with bare_engine.begin() as conn:
        accounts.add_user(conn, "kasat", "Kasat", "polres", "PR-35.21", email="kasat@example.test")
        # The world repeats no narrative: three reports (two officers' among them) share one for 0014 to mark.
        conn.execute(text("UPDATE activities SET narrative_key = :key WHERE report_id IN ('A1', 'A2', 'B1')"),
                     {"key": "e" * 64})
    before = rows_of(bare_engine)
    assert len(before["activities"]) > 10 and len(before["officers"]) == 6 and len(before["users"]) == 1
    assert "alembic_version" not in inspect(bare_engine).get_table_names()

    create_schema(bare_engine)  # what init-db, load-sample and import now run

    # Row for row, the schema_version row of meta included; the narratives moved to activity_texts (0006).
    narrative = [column.name for column in baseline_metadata().tables["activities"].columns].index("narrative")
    texts = [(row[0], row[narrative]) for row in before["activities"] if row[narrative] is not None]
    before["activities"] = [row[:narrative] + row[narrative + 1:] for row in before["activities"]]
    after = rows_of(bare_engine, metadata)
    # 0014 added narrative_repeats (last) and its meta record: a report repeats an earlier one's key, any officer's.
    names = list(metadata.tables["activities"].columns.keys())
    marks = {row[0]: row[-1] for row in after["activities"]}
    after["activities"] = [row[:-1] for row in after["activities"]]
    assert ("narrative_repeats", "0014_narrative_repeats") in after["meta"]
    after["meta"] = [row for row in after["meta"] if row[0] != "narrative_repeats"]
    assert after == before
    key, submitted = names.index("narrative_key"), names.index("submitted_at")
    earliest = {}
    for row in sorted(before["activities"], key=lambda row: (row[submitted], row[0])):
        if row[key] is not None:
            earliest.setdefault(row[key], row[0])
    assert marks == {row[0]: row[key] is not None and earliest[row[key]] != row[0] for row in before["activities"]}
    assert sum(marks.values()) == 2
    with bare_engine.connect() as conn:
        stored_texts = conn.execute(select(activity_texts).order_by(activity_texts.c.report_id))
        assert [tuple(row) for row in stored_texts] == texts  # the world has none; test_activity_texts moves some
        assert current_revision(conn) == head_revision()  # stamped as the baseline, then upgraded
        assert schema_differences(conn) == []


def test_an_older_database_gets_the_tables_added_since_then_before_it_is_stamped(bare_engine):
    old_tables = [table for name, table in baseline_metadata().tables.items() if name not in ("user_sessions",
                                                                                              "sign_in_failures")]
    metadata.create_all(bare_engine, tables=old_tables)
    create_schema(bare_engine)
    assert {"user_sessions", "sign_in_failures"} <= set(inspect(bare_engine).get_table_names())
    with bare_engine.connect() as conn:
        assert current_revision(conn) == head_revision()


def test_a_database_that_differs_from_the_baseline_is_not_stamped_nor_touched(bare_engine):
    metadata.create_all(bare_engine, tables=[table for table in baseline_metadata().sorted_tables
                                             if table.name != "sign_in_failures"])
    with bare_engine.begin() as conn:  # a column nobody's code made: the file is not ours to guess about
        conn.execute(text("ALTER TABLE officers ADD COLUMN shoe_size INTEGER"))
    with pytest.raises(SchemaNotCurrent, match="add_column officers shoe_size|remove_column officers"):
        create_schema(bare_engine)
    tables = inspect(bare_engine).get_table_names()
    assert "alembic_version" not in tables and "sign_in_failures" not in tables  # refused before any change
    assert "shoe_size" in [column["name"] for column in inspect(bare_engine).get_columns("officers")]


def test_init_db_reports_the_refusal_without_a_traceback(tmp_path, capsys):
    import manage

    url = f"sqlite:///{tmp_path / 'odd.sqlite'}"
    engine = make_engine(url)
    legacy_create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE units ADD COLUMN colour TEXT"))
    engine.dispose()
    assert manage.main(["init-db", "--db", url]) == 1
    assert "Cannot migrate" in capsys.readouterr().err
    assert manage.main(["init-db", "--db", f"sqlite:///{tmp_path / 'new.sqlite'}"]) == 0
    assert f"migration {head_revision()}" in capsys.readouterr().out


@pytest.mark.parametrize("made_by", ["nothing", "old code"])
def test_the_dashboard_issues_no_ddl_and_tells_the_admin_to_migrate(made_by, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'unmigrated.sqlite'}"
    engine = make_engine(url)
    if made_by == "old code":
        legacy_create_schema(engine)
    tables_before = set(inspect(engine).get_table_names())
    monkeypatch.setenv("BOS_DATABASE_URL", url)
    monkeypatch.delenv("BOS_DEMO", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert "python manage.py init-db" in at.error[0].value
    assert set(inspect(engine).get_table_names()) == tables_before  # nothing created, nothing stamped

    create_schema(engine)  # the admin runs init-db: the next run gets the sign-in form
    at.run()
    assert not at.exception and not at.error
    engine.dispose()


def test_a_column_added_outside_the_migrations_shows_up_in_the_comparison(engine):
    # the comparison the tests above rely on does see a difference (it is not vacuous)
    extra = metadata.tables["meta"].to_metadata(type(metadata)())
    extra.append_column(Column("extra", Integer))
    with engine.connect() as conn:
        assert schema_differences(conn) == []
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        diffs = compare_metadata(MigrationContext.configure(conn), extra.metadata)
    assert ("add_column", None, "meta", extra.c.extra) in [d for d in diffs if d[0] == "add_column"]


def test_two_threads_migrating_one_new_database_at_once_both_succeed(bare_engine):
    import threading

    barrier, outcomes = threading.Barrier(2), []

    def migrate():
        barrier.wait()
        try:
            create_schema(bare_engine)
            outcomes.append("ok")
        except Exception as exc:  # reported below as the failure it is
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["ok", "ok"]
    with bare_engine.connect() as conn:
        assert current_revision(conn) == head_revision() and schema_differences(conn) == []


def test_0016_sums_the_stored_officer_days_per_month(engine, tmp_path):
    """A database at 0015 with its officer-days gets the month rows an import would write (refresh_months)."""
    assert import_export(engine, write_world(tmp_path / "world")).ok  # its days run from 20 Feb to 18 Mar 2024
    with engine.connect() as conn:
        written = [tuple(row) for row in conn.execute(select(officer_month_facts).order_by(
            officer_month_facts.c.nrp, officer_month_facts.c.month))]
    assert {row[1].isoformat() for row in written} == {"2024-02-01", "2024-03-01"}
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0015_alert_facts")
        assert "officer_month_facts" not in inspect(conn).get_table_names()
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        migrated = [tuple(row) for row in conn.execute(select(officer_month_facts).order_by(
            officer_month_facts.c.nrp, officer_month_facts.c.month))]
    assert migrated == written


def test_0020_counts_the_stored_crimes_per_polsek_and_month(engine, tmp_path):
    """A database at 0019 with its crimes gets the month rows an import would write (ingest/crime_months.py)."""
    assert import_export(engine, write_world(tmp_path / "world")).ok
    with engine.connect() as conn:
        written = sorted(tuple(row) for row in conn.execute(select(crime_month_facts)))
    assert len(written) == 6 and sum(row[2] for row in written) == 18  # X1-X18 under PS-A, PS-B, PS-C
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0019_gps_tab")
        assert "crime_month_facts" not in inspect(conn).get_table_names()
        command.upgrade(alembic_config(conn), "head")
    with engine.connect() as conn:
        assert sorted(tuple(row) for row in conn.execute(select(crime_month_facts))) == written
