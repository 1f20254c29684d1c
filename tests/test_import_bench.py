"""`generate --days/--daily` and `bench-import`: the daily file follows the export; the bench's JSON has its fields."""

from __future__ import annotations

import csv
import json
import sys
import types
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

import benchmark_import as bench
import manage
from queries.db import make_engine
from queries.schema import activities, units
from sample_data.generator import END

DAILY_DAY = END + timedelta(days=1)  # 2022-05-16, a Monday


def rows_of(path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def local_day(row: dict) -> date:
    # Ngawi (the polres scale) writes activity times as naive local time: the date is the local date.
    return date.fromisoformat(row["activity_at"][:10])


def active_on(row: dict, first: str, last: str, day: date) -> bool:
    return (not row[first] or date.fromisoformat(row[first]) <= day) and (
        not row[last] or day <= date.fromisoformat(row[last]))


@pytest.fixture(autouse=True)
def plain_main_module(monkeypatch):
    """The bench imports in a spawned process, which re-runs the parent's __main__ script; AppTest tests earlier in
    the session leave dashboard.py there (manage.py, the real __main__, is guarded by if __name__ == "__main__")."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """A polres export of the last 7 days and the daily file that follows it."""
    root = tmp_path_factory.mktemp("week")
    assert manage.main(["generate", "--scale", "polres", "--days", "7", "--out", str(root / "export")]) == 0
    assert manage.main(["generate", "--scale", "polres", "--days", "7", "--daily", "--out", str(root / "daily")]) == 0
    return root / "export", root / "daily"


def test_days_sets_the_period_of_the_reports(week):
    export, _ = week
    days = {local_day(row) for row in rows_of(export / "activities.csv")}
    assert min(days) == END - timedelta(days=6) and max(days) == END


def test_daily_file_is_the_next_day_of_every_officer(week):
    export, daily = week
    assert [p.name for p in daily.iterdir()] == ["activities.csv"]
    reports = rows_of(daily / "activities.csv")
    assert {local_day(row) for row in reports} == {DAILY_DAY}
    ids = [row["report_id"] for row in reports]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & {row["report_id"] for row in rows_of(export / "activities.csv")}
    # Only officers on duty that day report: active, with a village assigned, not on leave.
    on_leave = {row["nrp"] for row in rows_of(export / "leave.csv")
                if active_on(row, "start_date", "end_date", DAILY_DAY)}
    assigned = {row["nrp"] for row in rows_of(export / "assignments.csv")
                if active_on(row, "start_date", "end_date", DAILY_DAY)}
    on_duty = {row["nrp"] for row in rows_of(export / "officers.csv")
               if active_on(row, "active_from", "active_to", DAILY_DAY)} & assigned - on_leave
    per_officer = Counter(row["nrp"] for row in reports)
    assert set(per_officer) <= on_duty
    assert len(per_officer) > 0.5 * len(on_duty)  # profiles work 45-97 % of reporting days
    # Each officer's reports are numbered 1..n in the id, as in the export.
    for nrp, count in per_officer.items():
        assert sorted(int(i.rsplit("-", 1)[1]) for i in ids if i.startswith(f"{nrp}-")) == list(range(1, count + 1))
    # The export's intensity: reports per officer and working day (Monday to Saturday) within a quarter.
    export_days = Counter((row["nrp"], local_day(row)) for row in rows_of(export / "activities.csv")
                          if local_day(row).weekday() < 6)
    export_mean = sum(export_days.values()) / len(export_days)
    assert sum(per_officer.values()) / len(per_officer) == pytest.approx(export_mean, rel=0.25)


def test_daily_must_come_after_the_export(tmp_path, capsys):
    assert manage.main(["generate", "--scale", "polres", "--daily", END.isoformat(), "--out", str(tmp_path)]) == 2
    assert "must come after the export's last day" in capsys.readouterr().err


def test_bench_import_bulk_then_daily(week, tmp_path, capsys):
    export, daily = week
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    exported = len(rows_of(export / "activities.csv"))
    assert manage.main(["bench-import", "--db", url, "--scenario", "daily", "--daily", str(daily), "--quiet"]) == 1
    assert "needs a database already loaded" in capsys.readouterr().err

    assert manage.main(["bench-import", "--db", url, "--scenario", "bulk", "--data", str(export), "--quiet",
                        "--json", str(tmp_path / "bulk.json")]) == 0
    bulk = json.loads((tmp_path / "bulk.json").read_text(encoding="utf-8"))
    assert {"database", "dialect", "machine", "database_version", "storage_mb"} <= set(bulk)
    assert (bulk["scenario"], bulk["dialect"], bulk["ok"]) == ("bulk", "sqlite", True)
    assert bulk["activities"] == bulk["activities_after"] == exported and bulk["activities_before"] == 0
    assert bulk["activities_per_s"] == pytest.approx(exported / bulk["seconds"])
    assert 50 < bulk["peak_rss_mb"] < 4096
    assert {"read", "check", "plan", "write", "flags", "rollup", "statistics"} <= set(bulk["stages"])
    # The phases add up to the import's time: nothing unaccounted, nothing counted twice.
    assert sum(bulk["stages"].values()) == pytest.approx(bulk["seconds"], abs=0.5)
    assert bulk["database_bytes_after"] > bulk["database_bytes_before"] > 0
    assert "| bulk export | SQLite" in capsys.readouterr().out

    assert manage.main(["bench-import", "--db", url, "--scenario", "bulk", "--data", str(export), "--quiet"]) == 1
    assert "needs an empty database" in capsys.readouterr().err

    assert manage.main(["bench-import", "--db", url, "--scenario", "daily", "--daily", str(daily), "--quiet",
                        "--json", str(tmp_path / "daily.json")]) == 0
    report = json.loads((tmp_path / "daily.json").read_text(encoding="utf-8"))
    added = len(rows_of(daily / "activities.csv"))
    assert (report["activities"], report["activities_before"], report["activities_after"]) == (
        added, exported, exported + added)
    assert report["files"]["activities.csv"]["new"] == added
    with make_engine(url).connect() as conn:
        days = conn.execute(select(activities.c.local_date, func.count()).group_by(activities.c.local_date)
                            .order_by(activities.c.local_date.desc()).limit(2)).all()
    assert days[0] == (DAILY_DAY, added) and days[1][0] == END


def test_bench_import_year_generates_imports_and_projects(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'year.sqlite'}"
    out = tmp_path / "year"
    assert manage.main(["bench-import", "--db", url, "--scenario", "year", "--scale", "polres", "--days", "2",
                        "--data", str(out), "--quiet", "--json", str(tmp_path / "year.json")]) == 0
    report = json.loads((tmp_path / "year.json").read_text(encoding="utf-8"))
    rows = len(rows_of(out / "activities.csv"))
    generation = report["generation"]
    assert generation["days"] == 2 and generation["rows"]["activities.csv"] == rows == report["activities"]
    assert generation["csv_bytes_per_activity"] == (out / "activities.csv").stat().st_size / rows
    assert generation["activities_per_s"] > 0 and generation["peak_rss_mb"] > 0
    growing, fixed = report["database_growing_bytes"], report["database_fixed_bytes"]
    assert report["database_bytes_per_activity"] == growing / rows > 0 and fixed > 0
    projection = report["projection"]
    assert projection["activities"] == 50_000_000
    # Reports grow with the rows, the reference files once: units, villages, officers, ... and crimes.
    files = generation["files_bytes"]
    grows = files["activities.csv"] + files["complaints.csv"]
    assert projection["csv_gb"] == pytest.approx((grows * 50_000_000 / rows + sum(files.values()) - grows) / 1e9)
    assert projection["database_gb"] == pytest.approx((growing * 50_000_000 / rows + fixed) / 1e9)
    assert projection["import_hours"] == pytest.approx(report["seconds"] * 50_000_000 / rows / 3600)
    out = capsys.readouterr().out
    assert "| year polres (2 days) | SQLite" in out
    assert f"| activities | {rows:,} | 50,000,000 |" in out


def test_stage_clock_splits_the_import_into_phases(monkeypatch):
    now = iter([0.0, 2.0, 2.0, 3.0, 5.0, 5.0, 9.0, 10.0, 10.5, 11.5, 11.5, 11.5, 12.5, 14.5])
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(now))
    clock = bench.StageClock()  # 0: reading starts
    clock("import lock", 1, 1)  # 2: lock taken at once; the other files' checks start
    clock("check activities.csv", 0, 10)  # 3
    clock("check activities.csv", 10, 10)  # 5: planning starts
    clock("write activities", 10, 10)  # 9, done at 10: deriving until the flags
    clock("flags", 0, 1)  # 10.5
    clock("flags", 1, 1)  # 11.5
    clock("rollup", 1, 1)  # 11.5, done at 12.5: then statistics until the end (14.5)
    assert clock.finish() == {"read": 2.0, "lock": 0.0, "check": 3.0, "plan": 4.0, "write": 1.0, "derive": 0.5,
                              "flags": 1.0, "rollup": 1.0, "statistics": 2.0}


def test_days_that_fit_keeps_the_reserve():
    gib = 2**30
    # 77 GiB free, 10 GiB kept: 67 GiB / (133,600 activities x 1,800 bytes) = 299.2 days.
    assert bench.days_that_fit(77 * gib, 133_600) == 299
    assert bench.days_that_fit(500 * gib, 133_600) == 365
    assert bench.days_that_fit(5 * gib, 133_600) == 0


def test_stored_bytes_grow_with_rows(engine):
    before, tables = bench.stored_bytes(engine), bench.table_bytes(engine)
    with engine.begin() as conn:
        conn.execute(insert(units), [{"code": f"PD-{n:02d}", "name": "x" * 200, "level": "polda"}
                                     for n in range(2000)])
    after = bench.table_bytes(engine)
    assert bench.stored_bytes(engine) > before > 0
    assert after["units"] > 2000 * 200 > tables["units"]
    assert bench.growth(tables, after, frozenset({"units"})) == (0, after["units"] - tables["units"])


def test_officers_and_villages_do_not_depend_on_the_days():
    """The daily file imports into an export of any length: the same NRPs, villages and units."""
    from dataclasses import replace

    from sample_data.scale import PATTERNS, Scale, ScaleGenerator

    def people(days: int):
        generator = ScaleGenerator(replace(Scale(PATTERNS, 2, 2, 5, 0.55, 1.9), days=days))
        generator.prepare()
        return ({o.nrp for o in generator.officers}, {v.code for v in generator.villages},
                [u["code"] for u in generator.units])

    short, year = people(31), people(365)
    assert short == year and len(short[0]) > 600


def test_bench_import_generates_a_missing_export(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'gen.sqlite'}"
    assert manage.main(["bench-import", "--db", url, "--scenario", "bulk", "--scale", "polres", "--days", "999",
                        "--data", str(tmp_path / "gen")]) == 2
    assert "days must be between 1 and 376" in capsys.readouterr().err
    assert manage.main(["bench-import", "--db", url, "--scenario", "bulk", "--scale", "polres", "--days", "1",
                        "--data", str(tmp_path / "gen"), "--quiet", "--json", str(tmp_path / "gen.json")]) == 0
    report = json.loads((tmp_path / "gen.json").read_text(encoding="utf-8"))
    assert report["activities"] == len(rows_of(tmp_path / "gen" / "activities.csv")) > 0
    assert report["label"] == "bulk polres" and report["scale"] == "polres"


def test_daily_file_is_deterministic(week, tmp_path):
    _, daily = week
    assert manage.main(["generate", "--scale", "polres", "--days", "7", "--daily", "2022-05-16",
                        "--out", str(tmp_path)]) == 0
    assert (tmp_path / "activities.csv").read_bytes() == (daily / "activities.csv").read_bytes()
