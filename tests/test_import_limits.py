"""Value limits, dry-run parity, concurrent imports, refresh-flags and the audit of failed imports.

On SQLite and PostgreSQL alike: what the dry run accepts, the write stores; what it refuses, the
write refuses identically, writing nothing.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
from sqlalchemy import Column, String, func, select
from sqlalchemy.exc import OperationalError

from builders import activity, base_export, base_officers, base_units, base_villages, photo, square
from components.i18n import TEXTS
from ingest import importer
from ingest.contract import FILES, LONG_TEXT, MAX_LENGTH, SHA256_LENGTH
from ingest.importer import import_export, refresh_all_flags
from queries.flags import FLAG_NAMES
from queries.policy import Policy
from queries.schema import activities, audit_log, metadata, officer_day_facts

NOW = datetime(2024, 3, 6, 0, 0)  # the frozen import time: timestamps may reach 2024-03-07 00:00 UTC
DATA_TABLES = ("units", "villages", "officers", "assignments", "leaves", "outages", "activities", "complaints",
               "crimes", "import_batches")


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
                for name in DATA_TABLES}


def problems(report) -> list[tuple]:
    return [(str(p), p.code, p.params) for p in report.problems if not p.consequential]


def stored_column(table_name: str, column: str) -> Column:
    """Where a contract column is stored: villages' code and name are renamed; narratives live apart (0006)."""
    if (table_name, column) == ("activities", "narrative"):
        return metadata.tables["activity_texts"].c.narrative
    renamed = {("villages", "village_code"): "code", ("villages", "village"): "name"}
    return metadata.tables[table_name].c[renamed.get((table_name, column), column)]


def test_contract_lengths_are_the_stored_columns_lengths():
    checked = 0
    for spec in FILES:
        for column in spec.columns:
            stored = stored_column(spec.table, column)
            if column == "photo_sha256":
                assert stored.type.length == SHA256_LENGTH
            elif column in MAX_LENGTH:
                assert isinstance(stored.type, String), column
                # Narrative and note are unbounded text in the database; the contract bounds them.
                assert stored.type.length == MAX_LENGTH[column] or (
                    stored.type.length is None and MAX_LENGTH[column] == LONG_TEXT), (spec.name, column)
                checked += 1
    assert checked == 39  # units 3, villages 7 (twice: geojson and csv), officers 4, assignments 2, leave 1,
    # outages 2, activities 5, complaints 5, crimes 3


# One row of a file, with one value set; its line in the file (GeoJSON: its feature number).
def one_row(stem: str, column: str, value: str) -> tuple[dict, str, str]:
    """The files of a minimal export whose one extra row has `column` = value, and where that row is."""
    files = {"units": base_units(), "villages": base_villages(), "officers": base_officers()}
    rows = {
        "units": {"code": "PD-99", "name": "Polda X", "level": "polda", "parent_code": ""},
        "villages": {"village_code": "35.21.01.2099", "village": "Desa X", "unit_code": "PS-A", "households": 10,
                     "population": 37, "geometry": square(110.1, -7.0)},
        "officers": {"nrp": "80019999", "name": "X", "rank": "", "unit_code": "PS-A", "active_from": "",
                     "active_to": ""},
        "assignments": {"nrp": "80010001", "village_code": "35.21.01.2001", "start_date": "2024-01-01",
                        "end_date": ""},
        "leave": {"nrp": "80010001", "start_date": "2024-03-10", "end_date": "2024-03-12"},
        "outages": {"start_at": "2024-03-05T08:00:00+07:00", "end_at": "2024-03-05T12:00:00+07:00",
                    "unit_code": "", "note": ""},
        "activities": activity("R1"),
        "complaints": {"complaint_id": "C1", "village_code": "35.21.01.2001", "category": "Pencurian",
                       "channel": "", "created_at": "2024-03-05T08:00:00", "first_response_at": "",
                       "resolved_at": "", "nrp": ""},
        "crimes": {"incident_id": "K1", "village_code": "35.21.01.2001", "category": "Curat",
                   "occurred_at": "2024-03-05T02:00:00"},
    }
    row = dict(rows[stem], **{column: value})
    files[stem] = files.get(stem, []) + [row]
    line = len(files[stem]) + 1
    name = {"villages": "villages.geojson", "leave": "leave.csv"}.get(stem, f"{stem}.csv")
    return files, name, f"feature {line - 1}" if stem == "villages" else str(line)


HEX = "0123456789abcdef" * 4
LIMITS = [
    # (file stem, column, value at the limit (accepted), value beyond it, reason code)
    ("units", "code", "P" * 40, "P" * 41, "too_long"),
    ("units", "name", "N" * 200, "N" * 201, "too_long"),
    ("villages", "village_code", "35." + "9" * 37, "35." + "9" * 38, "too_long"),
    ("villages", "village", "D" * 200, "D" * 201, "too_long"),
    ("villages", "district", "D" * 200, "D" * 201, "too_long"),
    ("villages", "regency", "R" * 200, "R" * 201, "too_long"),
    ("villages", "province", "P" * 200, "P" * 201, "too_long"),
    ("villages", "households", "10000000", "10000001", "not_whole_number"),
    ("villages", "households", "0", "1e30", "not_whole_number"),
    ("villages", "population", "10000000", "-1", "not_whole_number"),
    ("officers", "nrp", "8" * 40, "8" * 41, "too_long"),
    ("officers", "name", "A" * 200, "A" * 201, "too_long"),
    ("officers", "rank", "B" * 60, "B" * 61, "too_long"),
    ("officers", "active_from", "2000-01-01", "1999-12-31", "date_out_of_range"),
    ("officers", "active_to", "2100-12-31", "2101-01-01", "date_out_of_range"),
    ("assignments", "start_date", "2000-01-01", "0001-01-01", "date_out_of_range"),
    ("assignments", "end_date", "2100-12-31", "9999-12-31", "date_out_of_range"),
    ("leave", "end_date", "2100-12-31", "2101-01-01", "date_out_of_range"),
    ("outages", "start_at", "2000-01-01T00:00:00+07:00", "1999-12-31T23:59:59+07:00", "timestamp_out_of_range"),
    ("outages", "end_at", "2024-03-07T07:00:00+07:00", "9999-12-31T23:59:59+07:00", "timestamp_out_of_range"),
    ("outages", "note", "n" * 20_000, "n" * 20_001, "too_long"),
    ("activities", "report_id", "R" * 40, "R" * 62, "too_long"),
    ("activities", "household_id", "H" * 80, "H" * 81, "too_long"),
    ("activities", "narrative", "x" * 20_000, "x" * 20_001, "too_long"),
    ("activities", "photo_sha256", HEX, HEX[:-1], "not_sha256"),
    ("activities", "photo_sha256", HEX.upper(), "g" * 64, "not_sha256"),
    ("activities", "activity_at", "2000-01-01T00:00:00+07:00", "0001-01-01T00:00:00+07:00", "timestamp_out_of_range"),
    ("activities", "activity_at", "2024-03-05T09:00:00+07:00", "9999-12-31T23:59:59+07:00", "timestamp_out_of_range"),
    ("activities", "activity_at", "2024-03-05T09:00:00+07:00", "2202-03-05T09:00:00+07:00", "timestamp_out_of_range"),
    ("activities", "submitted_at", "2024-03-07T00:00:00Z", "2024-03-07T00:00:01Z", "timestamp_out_of_range"),
    ("activities", "lat", "-90", "-90.000001", "out_of_range"),
    ("activities", "lng", "180", "180.5", "out_of_range"),
    ("complaints", "complaint_id", "C" * 40, "C" * 41, "too_long"),
    ("complaints", "category", "K" * 200, "K" * 201, "too_long"),
    ("complaints", "channel", "W" * 100, "W" * 101, "too_long"),
    ("complaints", "created_at", "2000-01-01T00:00:00", "1999-12-31T23:59:59", "timestamp_out_of_range"),
    ("complaints", "resolved_at", "2024-03-06T08:00:00", "2202-03-05T08:00:00", "timestamp_out_of_range"),
    ("crimes", "incident_id", "I" * 40, "I" * 41, "too_long"),
    ("crimes", "category", "K" * 200, "K" * 201, "too_long"),
    ("crimes", "occurred_at", "2000-01-01T00:00:00", "0001-01-01T00:00:00", "timestamp_out_of_range"),
]


@pytest.fixture
def frozen_clock(monkeypatch):
    """Imports happen at NOW, so 'one day after the import' is a fixed instant."""
    monkeypatch.setattr(importer, "_utc_now", lambda: NOW)


@pytest.mark.parametrize(("stem", "column", "at_limit", "beyond", "code"), LIMITS,
                         ids=[f"{c[0]}.{c[1]}={c[3][:16]}" for c in LIMITS])
def test_each_limit_is_refused_by_the_dry_run_and_the_import_alike(engine, tmp_path, frozen_clock, stem, column,
                                                                   at_limit, beyond, code):
    files, name, line = one_row(stem, column, beyond)
    export = base_export(tmp_path / "beyond", **files)
    dry = import_export(engine, export, dry_run=True)
    real = import_export(engine, export)
    assert problems(dry) == problems(real)
    [(message, found_code, params)] = problems(real)
    assert message.startswith(f"{name}:{line}: {column}: "), message
    assert found_code == code
    if code == "too_long":
        assert params == {"limit": len(at_limit), "length": len(beyond)}
        assert message.endswith(f"at most {len(at_limit):,} allowed")
    elif code == "timestamp_out_of_range":
        assert "2000-01-01 to 2024-03-07 00:00 UTC (one day after the import)" in message
    elif code == "date_out_of_range":
        assert "2000-01-01 to 2100-12-31" in message
    # Every reason has its text in both languages, with the parameters it names.
    indonesian, english = TEXTS[f"import.reason.{found_code}"]
    assert indonesian.format(**params) and english.format(**params)
    assert not real.written and all(count == 0 for count in row_counts(engine).values())

    files, _, _ = one_row(stem, column, at_limit)
    accepted = import_export(engine, base_export(tmp_path / "at_limit", **files))
    assert accepted.ok and accepted.written, problems(accepted)
    stored = stored_column({"leave": "leaves"}.get(stem, stem), column)
    if code in ("too_long", "not_sha256"):  # the whole value arrived
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).where(stored == at_limit)).scalar_one() == 1


def test_timestamps_and_dates_far_out_never_expand_officer_days(engine, tmp_path):
    """Assignments, leave and active periods up to 2100 are clipped to the activities' own dates."""
    officers_rows = base_officers()
    officers_rows[0]["active_to"] = "2100-12-31"
    export = base_export(
        tmp_path / "export", officers=officers_rows,
        assignments=[{"nrp": "80010001", "village_code": "35.21.01.2001", "start_date": "2024-03-01",
                      "end_date": "2100-12-31"}],
        leave=[{"nrp": "80010001", "start_date": "2024-03-07", "end_date": "2100-12-31"}],
        activities=[activity("R1", activity_at="2024-03-04T09:00:00+07:00", submitted_at="2024-03-04T10:00:00+07:00"),
                    activity("R2", activity_at="2024-03-08T09:00:00+07:00", submitted_at="2024-03-08T10:00:00+07:00")])
    assert import_export(engine, export).ok
    with engine.connect() as conn:
        days = conn.execute(select(officer_day_facts.c.local_date, officer_day_facts.c.expected,
                                   officer_day_facts.c.reports).order_by(officer_day_facts.c.local_date)).all()
    # 4-6 March expected (Mon-Wed, assigned, not yet on leave); 8 March reported on leave.
    assert [tuple(day) for day in days] == [(date(2024, 3, 4), True, 1), (date(2024, 3, 5), True, 0),
                                             (date(2024, 3, 6), True, 0), (date(2024, 3, 8), False, 1)]


def test_the_rollup_is_the_same_whatever_the_officer_days_per_pass(engine, tmp_path, monkeypatch):
    from ingest import rollups
    from ingest.upsert import bulk_insert

    export = base_export(
        tmp_path / "export",
        assignments=[{"nrp": nrp, "village_code": village, "start_date": "2000-01-03", "end_date": ""}
                     for nrp, village in (("80010001", "35.21.01.2001"), ("80010002", "35.21.02.2003"))],
        activities=[activity("OLD", activity_at="2000-01-03T09:00:00+07:00", submitted_at="2000-01-03T10:00:00+07:00"),
                    activity("NEW", nrp="80010002", village_code="35.21.02.2003", latlng=(None, None))])
    assert import_export(engine, export).ok

    def facts():
        with engine.connect() as conn:
            return sorted(map(tuple, conn.execute(select(officer_day_facts)).all()))

    whole = facts()
    monkeypatch.setattr(rollups, "CELLS", 10)  # one officer per pass
    with engine.begin() as conn:
        rollups.rebuild(conn, Policy(), bulk_insert)
    assert facts() == whole
    # Two officers, each expected Monday to Saturday from 3 January 2000 to 5 March 2024.
    weekdays = sum(1 for day in range((date(2024, 3, 5) - date(2000, 1, 3)).days + 1)
                   if (date(2000, 1, 3).toordinal() + day) % 7 != 0)
    assert sum(1 for row in whole if row[2]) == 2 * weekdays


def flags(engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(activities.c.report_id, *[activities.c[f"flag_{n}"] for n in FLAG_NAMES])).all()
    return {row[0]: {name for name, raised in zip(FLAG_NAMES, row[1:]) if raised} for row in rows}


def two_exports(tmp_path):
    """Two exports, each with one report of the same photo: EARLY sent first, LATER by another officer."""
    same = photo("shared")
    first = base_export(tmp_path / "a", activities=[
        activity("EARLY", submitted_at="2024-03-05T09:30:00+07:00", photo_sha256=same)])
    second = base_export(tmp_path / "b", activities=[
        activity("LATER", nrp="80010002", village_code="35.21.02.2003", latlng=(None, None),
                 submitted_at="2024-03-05T10:00:00+07:00", photo_sha256=same)])
    return first, second


def test_two_imports_at_once_give_what_the_two_give_in_sequence(engine, tmp_path, monkeypatch):
    first, second = two_exports(tmp_path)
    planned = importer._plan

    def slow_plan(*args):
        time.sleep(0.5)  # both imports would plan before either writes, without the import lock
        return planned(*args)

    monkeypatch.setattr(importer, "_plan", slow_plan)
    barrier = threading.Barrier(2)
    outcomes, stages = {}, {}

    def run(export):
        stages[export.name] = []
        barrier.wait()
        try:
            outcomes[export.name] = import_export(engine, export,
                                                  progress=lambda stage, done, total: stages[export.name].append(stage))
        except Exception as exc:  # reported below as the failure it is
            outcomes[export.name] = exc

    threads = [threading.Thread(target=run, args=(export,)) for export in (second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(getattr(outcome, "written", False) for outcome in outcomes.values()), outcomes
    assert flags(engine) == {"EARLY": set(), "LATER": {"duplicate_photo", "gps_missing"}}
    waited = [name for name, seen in stages.items() if "waiting for another import" in seen]
    assert len(waited) == 1, stages
    assert row_counts(engine)["import_batches"] == 2


def test_refresh_flags_repairs_hand_broken_group_flags(engine, tmp_path):
    first, second = two_exports(tmp_path)
    assert import_export(engine, first).ok and import_export(engine, second).ok
    assert import_export(engine, base_export(tmp_path / "c", activities=[
        activity("ALONE", photo_sha256=photo("alone"), submitted_at="2024-03-05T11:00:00+07:00")])).ok
    expected = flags(engine)
    with engine.connect() as conn:  # EARLY follows ALONE (same instant, same place): 0 km in 0 s
        travel = conn.execute(select(activities.c.travel_km, activities.c.travel_seconds)
                              .where(activities.c.report_id == "EARLY")).one()
    assert tuple(travel) == (0.0, 0.0)
    assert expected["LATER"] == {"duplicate_photo", "gps_missing"} and expected["ALONE"] == set()
    with engine.begin() as conn:  # what two racing imports left behind before the import lock
        conn.execute(activities.update().where(activities.c.report_id == "LATER").values(flag_duplicate_photo=False))
        conn.execute(activities.update().where(activities.c.report_id == "ALONE").values(flag_duplicate_photo=True))
        conn.execute(activities.update().where(activities.c.report_id == "EARLY").values(travel_km=None))
    assert refresh_all_flags(engine, Policy()) == 3
    assert flags(engine) == expected
    assert refresh_all_flags(engine, Policy()) == 0
    with engine.connect() as conn:
        assert conn.execute(select(activities.c.travel_km).where(activities.c.report_id == "EARLY")).scalar() == 0.0


def audit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(audit_log.c.username, audit_log.c.action,
                                                          audit_log.c.detail).order_by(audit_log.c.id))]


def test_a_failed_import_is_in_the_audit_log_and_wrote_nothing(engine, tmp_path, monkeypatch):
    export = base_export(tmp_path / "export", activities=[activity("R1")])

    def disk_full(conn):
        raise OperationalError("INSERT INTO unit_tree ...", {}, OSError("could not extend file: No space left"))

    monkeypatch.setattr(importer.derive, "refresh_unit_tree", disk_full)
    report = import_export(engine, export, imported_by="operator")
    assert report.fatal == "the import failed and nothing was written (OSError: could not extend file: No space left)"
    assert not report.written and report.batch_id is None
    assert all(count == 0 for count in row_counts(engine).values())
    assert audit_rows(engine) == [
        ("operator", "import_failed", f"{export}: OSError: could not extend file: No space left")]

    def bug(conn):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(importer.derive, "refresh_unit_tree", bug)
    with pytest.raises(RuntimeError):
        import_export(engine, export, imported_by="operator")
    assert audit_rows(engine)[-1] == ("operator", "import_failed", f"{export}: RuntimeError: unexpected")
    assert all(count == 0 for count in row_counts(engine).values())


def test_every_import_is_audited_but_no_dry_run(engine, tmp_path):
    good = base_export(tmp_path / "good", activities=[activity("R1")])
    bad = base_export(tmp_path / "bad", activities=[activity("R2", nrp="nobody")])
    import_export(engine, good, dry_run=True, imported_by="ani")
    import_export(engine, good, imported_by="ani")
    import_export(engine, bad, imported_by="ani")
    assert audit_rows(engine) == [
        ("ani", "import", f"{good}: 15 new, 0 updated, 0 rejected"),
        ("ani", "import", f"{bad}: 0 new, 0 updated, 1 rejected (nothing written)"),
    ]


def test_reasons_read_in_the_chosen_language(monkeypatch):
    import streamlit as st

    from components.import_view import reason_text

    monkeypatch.setattr(st, "session_state", {"lang": "id"})
    assert reason_text("too_long", {"limit": 20_000, "length": 20_001}, "x") == "20.001 karakter; paling banyak 20.000"
    assert reason_text("out_of_range", {"value": "'-97.5'", "min": -90.0, "max": 90.0}, "x") == (
        "'-97.5' di luar rentang -90 sampai 90")
    assert reason_text("", {}, "unreadable CSV (line contains NUL)") == "unreadable CSV (line contains NUL)"
    assert reason_text("from_a_newer_importer", {}, "english text") == "english text"
    monkeypatch.setattr(st, "session_state", {"lang": "en"})
    assert reason_text("too_long", {"limit": 40, "length": 62}, "x") == "62 characters; at most 40 allowed"


def test_refresh_flags_command_repairs_a_stale_duplicate_photo(tmp_path, capsys):
    import manage
    from queries.db import make_engine

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    first, second = two_exports(tmp_path)
    assert import_export(engine, first).ok and import_export(engine, second).ok
    with engine.begin() as conn:
        conn.execute(activities.update().where(activities.c.report_id == "LATER").values(flag_duplicate_photo=False))
    assert manage.main(["refresh-flags", "--db", url]) == 0
    assert "(1 report(s) had a stale duplicate or travel measure)" in capsys.readouterr().out
    assert flags(engine)["LATER"] == {"duplicate_photo", "gps_missing"}


@pytest.mark.parametrize("value", ["Desa\x00Nul", "Desa \ud800"], ids=["nul", "lone-surrogate"])
def test_characters_no_database_stores_are_refused_before_the_write(engine, tmp_path, value):
    """GeoJSON escapes (\\u0000, \\ud800) can carry them; PostgreSQL and SQLite would fail on the write."""
    files, name, line = one_row("villages", "district", value)
    export = base_export(tmp_path / "export", **files)
    dry = import_export(engine, export, dry_run=True)
    real = import_export(engine, export)
    assert problems(dry) == problems(real) == [
        (f"{name}:{line}: district: contains a NUL or unpaired surrogate character", "unstorable_character", {})]
    assert all(count == 0 for count in row_counts(engine).values())
