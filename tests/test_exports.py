"""manage.py export: exact columns, CSV conventions, errors; and the same numbers on both databases."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from metric_world import write_world

import manage
from ingest.importer import import_export
from queries.db import make_engine
from queries.exports import KINDS, export_frame, to_csv
from queries.scope import Scope

HEADERS = {
    "compliance": "nrp,unit_code,expected_days,reported_days,on_time_days,reporting_rate,reporting_rate_on_time,"
                  "reports,"
                  "late_reports,dds_visits,dds_target,dds_attainment,flagged_reports,quality_rate",
    "coverage": "village_code,unit_code,households_visited,coverage,dds_visits,last_dds_date,blind_spot,households",
    "quality": "report_id,nrp,village_code,flags",
    "complaints": "unit_code,first_response_median_h,first_response_p90_h,response_sla_rate,resolution_median_h,"
                  "open_backlog,backlog_old,complaints",
    "effectiveness": "unit_code,population,households,crimes,crime_rate_per_10k,crime_rank,crime_change_z,"
                     "dds_per_1k_households,coverage,reporting_rate,response_sla_rate,adoption_rate,crimes_previous",
}


@pytest.fixture(scope="module")
def world_url(tmp_path_factory):
    directory = tmp_path_factory.mktemp("world")
    url = f"sqlite:///{directory / 'world.sqlite'}"
    report = import_export(make_engine(url), write_world(directory / "export"))
    assert report.ok
    return url


def run_export(capsys, *args) -> tuple[int, str, str]:
    code = manage.main(["export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("kind", KINDS)
def test_export_headers_are_exactly_the_defined_names(world_url, capsys, kind):
    code, out, _ = run_export(capsys, kind, "--start", "2024-03-04", "--end", "2024-03-17", "--db", world_url)
    assert code == 0
    assert out.splitlines()[0] == HEADERS[kind]


def test_export_cells_follow_the_csv_conventions(world_url, capsys):
    _, out, _ = run_export(capsys, "coverage", "--start", "2024-03-04", "--end", "2024-03-17", "--db", world_url)
    rows = {row["village_code"]: row for row in csv.DictReader(io.StringIO(out))}
    # Rates as fractions, dates as YYYY-MM-DD, booleans as true/false, undefined as an empty cell.
    assert rows["35.21.01.2001"] == {"village_code": "35.21.01.2001", "unit_code": "PS-A", "households_visited": "3",
                                     "coverage": "0.03", "dds_visits": "4", "last_dds_date": "2024-03-11",
                                     "blind_spot": "false", "households": "100"}
    assert rows["35.21.02.2005"]["coverage"] == "" and rows["35.21.02.2005"]["households"] == ""
    _, out, _ = run_export(capsys, "quality", "--start", "2024-03-04", "--end", "2024-03-17", "--unit", "PS-A",
                           "--db", world_url)
    flags = {row["report_id"]: row["flags"] for row in csv.DictReader(io.StringIO(out))}
    assert flags == {"A1": "", "A2": "gps_missing", "A3": "", "A4": "", "A5": "late", "A6": "late", "A7": "",
                     "A8": ""}


def test_export_to_file_and_by_level(world_url, capsys, tmp_path):
    out_file = tmp_path / "eff.csv"
    code, out, err = run_export(capsys, "effectiveness", "--start", "2024-03-04", "--end", "2024-03-17",
                                "--level", "polda", "--db", world_url, "--out", str(out_file))
    assert (code, out) == (0, "")
    rows = list(csv.DictReader(out_file.open()))
    assert [(r["unit_code"], r["crimes"], r["crime_rank"]) for r in rows] == [("PD-35", "8", "1"), ("PD-63", "0", "2")]


def test_export_errors(world_url, capsys):
    assert run_export(capsys, "coverage", "--start", "2024-03-17", "--end", "2024-03-04", "--db", world_url)[0] == 2
    code, _, err = run_export(capsys, "coverage", "--start", "2024-03-04", "--end", "2024-03-17", "--unit", "PS-Z",
                              "--db", world_url)
    assert code == 2 and "unknown unit 'PS-Z'" in err
    code, _, err = run_export(capsys, "coverage", "--start", "4 March", "--end", "2024-03-17", "--db", world_url)
    assert code == 2 and "Invalid isoformat" in err


def test_policy_file_overrides_defaults(world_url, capsys, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[policy]\nlate_after_hours = 48\n")
    _, out, _ = run_export(capsys, "quality", "--start", "2024-03-04", "--end", "2024-03-17", "--unit", "PS-A",
                           "--db", world_url, "--policy", str(policy))
    flags = {row["report_id"]: row["flags"] for row in csv.DictReader(io.StringIO(out))}
    assert flags["A5"] == "late" and flags["A6"] == ""  # 49 h still late, 25 h no longer


@pytest.mark.parametrize("unit", [None, "PR-35.21", "PS-63.08.04"])
def test_sample_exports_agree_between_sqlite_and_postgresql(sample_engine, sample_postgres_engine, unit):
    scope = Scope(unit, date(2022, 4, 16), date(2022, 5, 15))
    for kind in KINDS:
        levels = ("polsek", "polres") if kind in ("complaints", "effectiveness") else ("polsek",)
        for level in levels:
            with sample_engine.connect() as lite, sample_postgres_engine.connect() as pg:
                assert to_csv(export_frame(lite, kind, scope, level)) == to_csv(export_frame(pg, kind, scope, level)), (
                    kind, level)


def test_compliance_and_coverage_name_each_rows_polsek(world_url, capsys):
    """Issue 16 item 5: the officer's and the village's Polsek follow the key, so a file can be grouped by Polsek."""
    from metric_world import O1, O2, O3, V3, V5

    _, out, _ = run_export(capsys, "compliance", "--start", "2024-03-04", "--end", "2024-03-17", "--db", world_url)
    polsek = {row["nrp"]: row["unit_code"] for row in csv.DictReader(io.StringIO(out))}
    assert (polsek[O1], polsek[O2], polsek[O3]) == ("PS-A", "PS-B", "PS-C")
    _, out, _ = run_export(capsys, "coverage", "--start", "2024-03-04", "--end", "2024-03-17", "--db", world_url)
    polsek = {row["village_code"]: row["unit_code"] for row in csv.DictReader(io.StringIO(out))}
    assert (polsek[V3], polsek[V5]) == ("PS-B", "PS-B")
