"""The set-wise activities writer: counts on re-import, touched tables, the bulk path (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Index, func, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateTable

from builders import activity, base_export, inside, photo
from ingest import activities_writer
from ingest.activities_writer import ActivitiesWriter, touched_reports
from ingest.importer import import_export, refresh_all_flags
from queries.migrations import schema_differences
from queries.policy import load_policy
from queries.schema import activities


def activity_rows(engine) -> dict[str, tuple]:
    """Every stored activity by report_id: content, derived measures, flags and batch."""
    with engine.connect() as conn:
        return {row.report_id: tuple(row) for row in conn.execute(select(activities))}


def counts(report) -> tuple[int, int, int]:
    found = report.files["activities.csv"]
    return found.new, found.updated, found.unchanged


def first_rows() -> list[dict]:
    # A fractional second and six-decimal coordinates: both must survive staging exactly, or a
    # re-import would count them as changed.
    return [
        activity("R1", activity_at="2024-03-05T09:00:00.123456+07:00", latlng=(-7.123457, 112.654321)),
        activity("R2", nrp="80010002", activity_at="2024-03-06T09:00:00+07:00",
                 submitted_at="2024-03-06T10:00:00+07:00", narrative="Sambang warga membahas keamanan desa"),
        activity("R3", latlng=(None, None), activity_type="binluh"),
    ]


def test_reimport_counts_new_changed_unchanged_and_keeps_batches(engine, tmp_path):
    first = import_export(engine, base_export(tmp_path / "a", activities=first_rows()))
    assert first.ok and counts(first) == (3, 0, 0)
    rows = first_rows()
    rows[1]["narrative"] = "Sambang warga membahas ronda malam"  # R2 changed
    rows.append(activity("R4", nrp="80010003", village_code="63.08.01.2004", latlng=inside(4)))
    second_export = base_export(tmp_path / "b", activities=rows)

    dry = import_export(engine, second_export, dry_run=True)
    assert counts(dry) == (1, 1, 2) and not dry.written
    assert set(activity_rows(engine)) == {"R1", "R2", "R3"}

    second = import_export(engine, second_export)
    assert counts(second) == (1, 1, 2)
    stored = activity_rows(engine)
    batch = activities.c.keys().index("batch_id")
    assert {rid: row[batch] for rid, row in stored.items()} == {
        "R1": first.batch_id, "R2": second.batch_id, "R3": first.batch_id, "R4": second.batch_id}

    third = import_export(engine, second_export)
    assert counts(third) == (0, 0, 4)
    assert activity_rows(engine) == stored  # nothing rewritten, batch stamps included


def test_touched_reports_and_changes_name_new_and_changed_reports_and_the_old_versions(engine, tmp_path, monkeypatch):
    assert import_export(engine, base_export(tmp_path / "a", activities=first_rows())).ok
    rows = first_rows()
    rows[0]["activity_at"] = "2024-03-07T09:00:00+07:00"  # R1 moves from 5 to 7 March
    rows[0]["submitted_at"] = "2024-03-07T10:00:00+07:00"
    rows.append(activity("R5", nrp="80010002", activity_at="2024-03-08T09:00:00+07:00",
                         submitted_at="2024-03-08T09:30:00+07:00"))
    seen = {}
    write, drop = ActivitiesWriter.write, ActivitiesWriter.drop_work_tables

    def spy_write(self, batch_id, policy):
        seen["changes"] = write(self, batch_id, policy)
        return seen["changes"]

    def spy_drop(self):
        seen["reports"] = set(self.conn.execute(select(touched_reports.c.report_id, touched_reports.c.is_new)).all())
        drop(self)

    monkeypatch.setattr(ActivitiesWriter, "write", spy_write)
    monkeypatch.setattr(ActivitiesWriter, "drop_work_tables", spy_drop)
    assert import_export(engine, base_export(tmp_path / "b", activities=rows)).ok
    assert seen["reports"] == {("R1", False), ("R5", True)}
    changes = seen["changes"]
    assert not changes.full and {"R1", "R5"} <= changes.report_ids
    assert [(r["report_id"], r["local_date"], r["activity_at"]) for r in changes.replaced] == [
        ("R1", date(2024, 3, 5), datetime(2024, 3, 5, 2, 0, 0, 123456))]


def schema_state(engine) -> tuple[set[str], set[tuple], list]:
    """The activities' index names, foreign keys (columns -> table) and any difference from queries/schema.py."""
    with engine.connect() as conn:
        found = inspect(conn)
        indexes = {index["name"] for index in found.get_indexes("activities")}
        keys = {(tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in found.get_foreign_keys("activities")}
        return indexes, keys, schema_differences(conn)


EXPECTED_KEYS = {(("nrp",), "officers"), (("village_code",), "villages"), (("batch_id",), "import_batches")}


def test_bulk_load_brings_indexes_and_foreign_keys_back(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(activities_writer, "BULK_THRESHOLD", 2)
    used = []
    dropped = activities_writer.secondary_indexes_dropped

    def spy(conn):
        used.append(conn.dialect.name)
        return dropped(conn)

    monkeypatch.setattr(activities_writer, "secondary_indexes_dropped", spy)
    rows = first_rows() + [activity("R9", nrp="80010002", photo_sha256=photo("p")),
                           activity("R8", nrp="80010002", photo_sha256=photo("p"),
                                    submitted_at="2024-03-05T11:00:00+07:00")]
    report = import_export(engine, base_export(tmp_path / "a", activities=rows))
    assert report.ok and counts(report) == (5, 0, 0)
    assert used == [engine.dialect.name]
    indexes, keys, differences = schema_state(engine)
    assert {index.name for index in activities.indexes} <= indexes
    assert keys == EXPECTED_KEYS
    assert differences == []
    # Flags after a bulk load are computed over everything: R8 came later with R9's photo.
    with engine.connect() as conn:
        flagged = conn.execute(select(activities.c.report_id).where(activities.c.flag_duplicate_photo)).scalars()
        assert list(flagged) == ["R8"]
    # A second, small import takes the usual path and sees the first's rows.
    again = import_export(engine, base_export(tmp_path / "b", activities=rows))
    assert counts(again) == (0, 0, 5) and used == [engine.dialect.name]


def test_failed_bulk_load_leaves_schema_and_table_intact(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(activities_writer, "BULK_THRESHOLD", 2)

    def refuse(self, bind, checkfirst=False):
        raise OperationalError("CREATE INDEX", {}, Exception("No space left on device"))

    monkeypatch.setattr(Index, "create", refuse)  # fails after the drop and the load
    report = import_export(engine, base_export(tmp_path / "a", activities=first_rows()))
    assert report.fatal and "No space left on device" in report.fatal and not report.written
    monkeypatch.undo()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar_one() == 0
    indexes, keys, differences = schema_state(engine)
    assert {index.name for index in activities.indexes} <= indexes
    assert keys == EXPECTED_KEYS
    assert differences == []


@pytest.mark.parametrize("size", [1, 200])
def test_batch_size_does_not_change_what_is_stored(engine, tmp_path, monkeypatch, size):
    """The file read one line (or a couple of lines) per batch stores what one batch stores."""
    monkeypatch.setattr("ingest.columnar.BATCH_BYTES", size)
    assert import_export(engine, base_export(tmp_path / "a", activities=first_rows())).ok
    stored = activity_rows(engine)
    gps = activities.c.keys().index("gps_distance_m")
    assert stored["R1"][gps] is not None and stored["R3"][gps] is None
    assert counts(import_export(engine, base_export(tmp_path / "a", activities=first_rows()))) == (0, 0, 3)


@pytest.mark.parametrize("fetch", [2, 100_000])
def test_first_load_measures_equal_the_per_group_computation(engine, tmp_path, monkeypatch, fetch):
    """Duplicates (SQL windows) and travel (streamed, `fetch` rows at a time) of a first load are what
    refresh-flags' per-group Python computation finds: it has nothing left to change."""
    monkeypatch.setattr(activities_writer, "STREAM_ROWS", fetch)
    text = "Sambang warga membahas keamanan desa"
    rows = [
        activity("A1", activity_at="2024-03-05T08:00:00+07:00", latlng=inside(1), photo_sha256=photo("x"),
                 narrative=text),
        activity("A2", activity_at="2024-03-05T08:30:00+07:00", latlng=inside(3), narrative=text.upper() + "!"),
        activity("A3", activity_at="2024-03-05T09:00:00+07:00", latlng=(None, None)),
        activity("A4", activity_at="2024-03-05T09:10:00+07:00", latlng=inside(2)),
        activity("B1", nrp="80010002", activity_at="2024-03-05T08:00:00+07:00", latlng=inside(2),
                 photo_sha256=photo("x"), narrative=text),
        activity("B2", nrp="80010002", activity_at="2024-03-05T08:00:00+07:00", latlng=inside(1)),
        activity("C1", nrp="80010003", village_code="63.08.01.2004", latlng=inside(4), photo_sha256=photo("x"),
                 submitted_at="2024-03-05T08:00:00+07:00"),
    ]
    assert import_export(engine, base_export(tmp_path / "a", activities=rows)).ok
    stored = activity_rows(engine)
    column = {name: activities.c.keys().index(name) for name in activities.c.keys()}
    flagged = {name: sorted(rid for rid, row in stored.items() if row[column[name]])
               for name in ("flag_duplicate_photo", "flag_duplicate_narrative")}
    # C1 was submitted first (08:00 WITA = 07:00 WIB); B1 and A1 share its photo; B1's narrative is
    # another officer's, A2's is A1's normalised.
    assert flagged == {"flag_duplicate_photo": ["A1", "B1"], "flag_duplicate_narrative": ["A2"]}
    travel = {rid: row[column["travel_seconds"]] for rid, row in stored.items()}
    assert travel == {"A1": None, "A2": 1800.0, "A3": None, "A4": 2400.0, "B1": None, "B2": 0.0, "C1": None}
    assert refresh_all_flags(engine, load_policy()) == 0
    assert activity_rows(engine) == stored


def test_bulk_load_leaves_the_schema_objects_as_they_were(engine, tmp_path, monkeypatch):
    """Re-creating the foreign keys must not change queries/schema.py's objects: a later create_all
    (tests, the legacy adoption) would make activities without them."""
    monkeypatch.setattr(activities_writer, "BULK_THRESHOLD", 2)
    assert import_export(engine, base_export(tmp_path / "a", activities=first_rows())).ok
    ddl = str(CreateTable(activities).compile(dialect=engine.dialect))
    assert ddl.count("FOREIGN KEY") == 3
