"""Narratives kept apart from activities in activity_texts (issue 18 item 4, migration 0006_activity_texts)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

import ingest.activities_writer
from builders import activity, base_export, write_export
from ingest.importer import import_export
from queries.migrations import alembic_config, create_schema, current_revision, head_revision
from queries.schema import activities, activity_texts

# Two long-enough narratives that normalise alike (case, digits and punctuation are ignored) and one other.
ROUND = "Sambang warga RT 01, situasi aman terkendali."
ROUND_AGAIN = "SAMBANG WARGA RT 07 -- situasi aman terkendali!"
MARKET = "Patroli pasar pagi, pedagang tertib dan aman."


def load(engine, tmp_path, name: str, rows: list[dict], base: bool = False) -> None:
    directory = tmp_path / name
    export = base_export(directory, activities=rows) if base else write_export(directory, activities=rows)
    report = import_export(engine, export)
    assert report.ok, [str(problem) for problem in report.problems]


def texts(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(activity_texts.c.report_id, activity_texts.c.narrative)).all())


def copies(engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return dict(conn.execute(select(activities.c.report_id, activities.c.flag_duplicate_narrative)).all())


def three_reports(engine, tmp_path) -> None:
    load(engine, tmp_path, "one", [
        activity("N1", submitted_at="2024-03-05T10:00:00+07:00", narrative=ROUND),
        activity("N2", submitted_at="2024-03-05T11:00:00+07:00", narrative=ROUND_AGAIN),
        activity("N3", submitted_at="2024-03-05T12:00:00+07:00"),  # no narrative
    ], base=True)


def test_a_report_without_narrative_has_no_text_row(engine, tmp_path):
    three_reports(engine, tmp_path)
    assert texts(engine) == {"N1": ROUND, "N2": ROUND_AGAIN}
    # N2 was sent after N1 by the same officer with the same normalised text: the copy.
    assert copies(engine) == {"N1": False, "N2": True, "N3": False}


def test_a_reimport_that_changes_a_narrative_updates_the_text_and_the_copy_flag(engine, tmp_path):
    three_reports(engine, tmp_path)
    load(engine, tmp_path, "two", [
        activity("N2", submitted_at="2024-03-05T11:00:00+07:00", narrative=MARKET),  # no longer a copy
        activity("N3", submitted_at="2024-03-05T12:00:00+07:00", narrative=ROUND),  # now N1's copy
        activity("N1", submitted_at="2024-03-05T10:00:00+07:00", narrative=ROUND),  # unchanged
    ])
    assert texts(engine) == {"N1": ROUND, "N2": MARKET, "N3": ROUND}
    assert copies(engine) == {"N1": False, "N2": False, "N3": True}

    load(engine, tmp_path, "three", [activity("N3", submitted_at="2024-03-05T12:00:00+07:00")])  # text removed
    assert texts(engine) == {"N1": ROUND, "N2": MARKET}
    assert copies(engine) == {"N1": False, "N2": False, "N3": False}


def test_an_unchanged_reimport_counts_nothing_changed(engine, tmp_path):
    three_reports(engine, tmp_path)
    rows = [activity("N1", submitted_at="2024-03-05T10:00:00+07:00", narrative=ROUND),
            activity("N3", submitted_at="2024-03-05T12:00:00+07:00")]
    report = import_export(engine, write_export(tmp_path / "again", activities=rows))
    # The narrative is compared through activity_texts: N1 (with text) and N3 (without) are both unchanged.
    counts = report.files["activities.csv"]
    assert report.ok and (counts.new, counts.updated, counts.unchanged) == (0, 0, 2)


def test_a_bulk_first_load_writes_the_texts_too(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest.activities_writer, "BULK_THRESHOLD", 1)  # indexes dropped and rebuilt
    three_reports(engine, tmp_path)
    assert texts(engine) == {"N1": ROUND, "N2": ROUND_AGAIN}
    assert copies(engine) == {"N1": False, "N2": True, "N3": False}


def test_the_migration_moves_the_narratives_back_and_forth(engine, tmp_path):
    three_reports(engine, tmp_path)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005_forecasts")
    with engine.connect() as conn:
        back = dict(conn.execute(text("SELECT report_id, narrative FROM activities")).all())
        assert "activity_texts" not in conn.dialect.get_table_names(conn)
    assert back == {"N1": ROUND, "N2": ROUND_AGAIN, "N3": None}

    create_schema(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        columns = {column["name"] for column in conn.dialect.get_columns(conn, "activities")}
    assert "narrative" not in columns
    assert texts(engine) == {"N1": ROUND, "N2": ROUND_AGAIN}  # N3 had none: no row

