"""The fast paths give the definitions' numbers; the scale exports are valid; the benchmark runs."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import pandas as pd
import pytest
from metric_world import O1, write_world
from sqlalchemy import func, select, text

import manage
from ingest.importer import import_export
from queries import rollups
from queries.compliance import officer_compliance, officer_days
from queries.coverage import village_coverage
from queries.db import make_engine
from queries.policy import Policy
from queries.schema import activities, officer_day_facts, officer_month_facts
from queries.scope import Scope
from sample_data.scale import PATTERNS, Scale, ScaleGenerator


def raw_compliance(conn, scope: Scope) -> pd.DataFrame:
    """The definition: officer_compliance from officer_days, never the rollup."""
    return officer_compliance(conn, scope, days=officer_days(conn, scope))


def assert_same_compliance(conn, scope: Scope) -> None:
    assert rollups.covers(conn, scope), "the rollup should serve this scope"
    fast = officer_compliance(conn, scope)
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), raw_compliance(conn, scope).reset_index(drop=True),
                                  check_dtype=False)


@pytest.fixture(scope="module")
def world(module_engine, tmp_path_factory):
    """The hand world imported once per database: the tests of it only read it."""
    assert import_export(module_engine, write_world(tmp_path_factory.mktemp("world"))).ok
    return module_engine


def test_rollup_gives_the_hand_checked_numbers(world):
    # Activities run from Mon 4 to Sun 17 March 2024 (local), so the rollup covers that range.
    scope = Scope(None, date(2024, 3, 4), date(2024, 3, 17))
    with world.connect() as conn:
        assert rollups.covers(conn, scope)
        o1 = officer_compliance(conn, scope).set_index("nrp").loc[O1]
    # As in test_metrics: expected 4,5,8,9,11,14,15 (7); reported 4,5,9,11 (4); on time 4,5,9 (3).
    assert (o1["expected_days"], o1["reported_days"], o1["on_time_days"], o1["reports"], o1["late_reports"],
            o1["dds_visits"], o1["flagged_reports"]) == (7, 4, 3, 8, 2, 6, 3)


def test_rollup_matches_the_definition_for_every_scope_and_window(world):
    with world.connect() as conn:
        for unit in (None, "PD-35", "PR-35.21", "PS-A", "PS-B", "PS-C", "PS-unknown"):
            for start, end in ((4, 17), (4, 4), (6, 13), (11, 17)):
                assert_same_compliance(conn, Scope(unit, date(2024, 3, start), date(2024, 3, end)))
        assert_same_compliance(conn, Scope(None, date(2024, 3, 4), date(2024, 3, 17), nrp=O1))


def test_rollup_steps_aside_for_another_policy_or_a_window_beyond_it(world):
    with world.connect() as conn:
        # The rollup covers the data's range (crimes and complaints: 20 February - 18 March), not beyond it.
        assert rollups.covers(conn, Scope(None, date(2024, 2, 20), date(2024, 3, 18)))
        assert not rollups.covers(conn, Scope(None, date(2024, 2, 19), date(2024, 3, 17)))
        assert not rollups.covers(conn, Scope(None, date(2024, 3, 4), date(2024, 3, 19)))
        sundays = Scope(None, date(2024, 3, 4), date(2024, 3, 17), Policy(reporting_weekdays=tuple(range(7))))
        assert not rollups.covers(conn, sundays)
        # Another policy still gets its own numbers: Sunday 10 and 17 expected for O1 (9 days).
        assert officer_compliance(conn, sundays).set_index("nrp").loc[O1, "expected_days"] == 9


def test_rollup_follows_a_reimport(engine, tmp_path):
    export = write_world(tmp_path / "world")
    assert import_export(engine, export).ok
    # Move A4 (O1, 00:30 on Sat 9 beside A5) to Wed 13 (outage-excused, so not an expected day).
    path = export / "activities.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["report_id"] == "A4":
            row["activity_at"], row["submitted_at"] = "2024-03-13T10:00:00+07:00", "2024-03-13T11:00:00+07:00"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert import_export(engine, export).ok
    scope = Scope(None, date(2024, 3, 4), date(2024, 3, 17))
    with engine.connect() as conn:
        assert_same_compliance(conn, scope)
        o1 = officer_compliance(conn, scope).set_index("nrp").loc[O1]
    assert (o1["reported_days"], o1["reports"]) == (4, 8)  # 4, 5, 9, 11 still; A4 now on the 13th
    with engine.connect() as conn:
        moved = conn.execute(select(officer_day_facts.c.reports).where(
            officer_day_facts.c.nrp == O1, officer_day_facts.c.local_date == date(2024, 3, 13))).scalar()
    assert moved == 2  # A7 and the moved A4


@pytest.mark.parametrize("which", ["sqlite", "postgresql"])
def test_rollup_matches_the_definition_on_the_sample(which, request):
    engine = request.getfixturevalue("sample_engine" if which == "sqlite" else "sample_postgres_engine")
    with engine.connect() as conn:
        last = conn.execute(select(func.max(activities.c.local_date))).scalar()
        for unit in (None, "PR-35.21", "PS-63.08.01"):
            assert_same_compliance(conn, Scope(unit, last - timedelta(days=29), last))
        assert_same_compliance(conn, Scope("PR-32.74", date(2021, 5, 5), date(2022, 5, 4)))


def test_last_dds_date_uses_the_history_before_the_window(world):
    with world.connect() as conn:
        coverage = village_coverage(conn, Scope("PS-A", date(2024, 3, 15), date(2024, 3, 16))).set_index(
            "village_code")
    # Nothing in the window; V1's last DDS is A6 on the 11th, V2's is A7 on the 13th.
    assert coverage["households_visited"].tolist() == [0, 0]
    assert coverage["last_dds_date"].tolist() == [date(2024, 3, 11), date(2024, 3, 13)]


def test_scale_copies_are_a_valid_export(tmp_path):
    scale = Scale(PATTERNS, copies=2, poldas=2, days=5, pair_share=0.55, intensity=1.9)
    counts = ScaleGenerator(scale).write(tmp_path / "export")
    assert counts["villages.geojson"] == 2 * 458
    engine = make_engine(f"sqlite:///{tmp_path / 'scale.sqlite'}")
    report = import_export(engine, tmp_path / "export")
    assert report.ok, [str(p) for p in report.problems[:5]]
    assert report.files["activities.csv"].new == counts["activities.csv"] > 0
    units = list(csv.DictReader((tmp_path / "export" / "units.csv").open(encoding="utf-8")))
    assert [u["level"] for u in units].count("polda") == 2
    assert [u["level"] for u in units].count("polres") == 6  # three districts, twice
    # Each copy sits in its own grid cell: no two Polres share a village outline.
    outlines = json.loads((tmp_path / "export" / "villages.geojson").read_text(encoding="utf-8"))["features"]
    first_point = {f["properties"]["unit_code"][:8]: tuple(f["geometry"]["coordinates"][0][0][0]
                                                         if f["geometry"]["type"] == "MultiPolygon"
                                                         else f["geometry"]["coordinates"][0][0])
                   for f in outlines}
    assert len(set(first_point.values())) == len(first_point)


def test_bench_reports_every_page(sample_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("BOS_DATABASE_URL", sample_sqlite_url)  # restored afterwards
    out = tmp_path / "bench.json"
    assert manage.main(["bench", "--db", sample_sqlite_url, "--repeat", "1", "--scopes", "polsek",
                        "--skip-exports", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    pages = {row["page"]: row for row in report["pages"]}
    assert set(pages) == {"ringkasan", "peta", "kepatuhan", "rapor", "kualitas", "kualitas-daftar", "kualitas-salinan",
                          "kualitas-gps", "pengaduan", "efektivitas", "perbandingan"}
    assert all(row["cold_s"] > 0 and row["naive_s"] > 0 and row["cached_s"] < row["cold_s"]
               for row in pages.values())
    with make_engine(sample_sqlite_url).connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM activities")).scalar_one()
    assert report["rows"]["activities"] == stored > 240_000  # the sample's reports, as the database counts them


def test_reads_go_to_the_replica_and_writes_to_the_primary(tmp_path, monkeypatch):
    from sqlalchemy import insert

    from components import data
    from queries.accounts import audit_events, record
    from queries.migrations import create_schema
    from queries.schema import units

    primary, replica = (f"sqlite:///{tmp_path / name}.sqlite" for name in ("primary", "replica"))
    for url in (primary, replica):
        create_schema(make_engine(url))
    with make_engine(replica).begin() as conn:  # what streaming replication would have copied
        conn.execute(insert(units).values(code="PD-35", name="Polda Jawa Timur", level="polda"))
    monkeypatch.setenv("BOS_DATABASE_URL", primary)
    monkeypatch.setenv("BOS_READ_DATABASE_URL", replica)
    data.unit_list.clear()
    assert data.unit_list()["code"].tolist() == ["PD-35"]
    data.write(record, "admin", "download", "rapor.html")
    with make_engine(primary).connect() as conn:
        assert audit_events(conn)["action"].tolist() == ["download"]
    with make_engine(replica).connect() as conn:
        assert audit_events(conn).empty
    data.unit_list.clear()


def test_schema_allows_citus_distribution():
    from queries.schema import metadata

    large = {"activities", "complaints", "crimes", "officer_day_facts"}
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            target = key.column.table.name
            # Citus allows distributed -> reference keys, never reference -> distributed or large -> large.
            assert target not in large, f"{table.name}.{key.parent.name} points at the large table {target}"


@pytest.mark.parametrize("which", ["sqlite", "postgresql"])
def test_submission_rollup_gives_the_raw_counts(which, request):
    from queries.alerts import submissions_per_day

    engine = request.getfixturevalue("sample_engine" if which == "sqlite" else "sample_postgres_engine")
    with engine.connect() as conn:
        assert rollups.has_submission_hours(conn)
        for unit in (None, "PR-63.08", "PS-35.21.07"):
            scope = Scope(unit, date(2021, 11, 1), date(2021, 11, 30))
            fast = submissions_per_day(conn, scope, date(2021, 9, 6), "Asia/Makassar")
            raw = submissions_per_day(conn, scope, date(2021, 9, 6), "Asia/Makassar", use_rollup=False)
            assert fast == raw and sum(fast.values()) > 1000


def test_month_rollup_is_the_sum_of_its_days(sample):
    """officer_month_facts holds each officer's days of each month summed, as pandas sums officer_day_facts."""
    with sample.connect() as conn:
        days = pd.read_sql(select(officer_day_facts), conn)
        months = pd.read_sql(select(officer_month_facts), conn)
    days["month"] = pd.to_datetime(days["local_date"]).dt.to_period("M").dt.start_time.dt.date
    days["reported"] = days["expected"] & (days["reports"] > 0)
    days["on_time"] = days["expected"] & (days["on_time_reports"] > 0)
    summed = (days.groupby(["nrp", "month"])
              .agg(expected_days=("expected", "sum"), reported_days=("reported", "sum"),
                   on_time_days=("on_time", "sum"), reports=("reports", "sum"), late_reports=("late_reports", "sum"),
                   dds_visits=("dds_visits", "sum"), flagged_reports=("flagged_reports", "sum"))
              .reset_index().astype({"expected_days": "int64", "reported_days": "int64", "on_time_days": "int64"}))
    months["month"] = pd.to_datetime(months["month"]).dt.date
    assert len(months) > 1_000 and months["month"].nunique() >= 12  # the sample's year, month by month
    pd.testing.assert_frame_equal(months.sort_values(["nrp", "month"], ignore_index=True),
                                  summed.sort_values(["nrp", "month"], ignore_index=True), check_dtype=False)


def test_officer_day_ranges_that_follow_each_other_are_read_as_one():
    april, may = (date(2022, 4, 16), date(2022, 4, 30)), (date(2022, 5, 1), date(2022, 5, 15))
    assert rollups.joined([may, april]) == [(date(2022, 4, 16), date(2022, 5, 15))]
    # A day between them keeps two ranges; an empty one (a month's days before the window's first) is dropped.
    assert rollups.joined([(date(2022, 4, 16), date(2022, 4, 29)), may, (date(2022, 2, 1), date(2022, 1, 31))]) == [
        (date(2022, 4, 16), date(2022, 4, 29)), may]


@pytest.mark.parametrize("start, end", [(date(2022, 1, 17), date(2022, 4, 10)),  # two whole months and two parts
                                        (date(2022, 3, 1), date(2022, 3, 31)),  # one whole month alone
                                        (date(2022, 2, 28), date(2022, 3, 1)),  # two parts, no whole month
                                        # months held mostly: each month's row less its days outside the window
                                        (date(2022, 1, 3), date(2022, 4, 27)),  # less 1-2 Jan and 28-30 Apr
                                        (date(2022, 3, 2), date(2022, 3, 30)),  # one month less both its ends
                                        (date(2022, 1, 10), date(2022, 2, 25))])  # two such months, nothing between
def test_windows_over_whole_months_give_the_definitions_compliance(sample, start, end):
    with sample.connect() as conn:
        polres = conn.execute(text("SELECT min(code) FROM units WHERE level = 'polres'")).scalar()
        assert_same_compliance(conn, Scope(polres, start, end))
