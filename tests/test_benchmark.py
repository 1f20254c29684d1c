"""`manage.py bench` at scale: the naive run skipped when it would not fit, runs and load recorded, README tables."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import benchmark
import manage

FIXTURES = Path(__file__).parent / "fixtures" / "bench"


def test_naive_skip_reason_names_the_flag_or_the_rows_and_the_budget():
    assert benchmark.naive_skip_reason(1_000, 4 * 2**30) is None  # 3 MB of frames: run it
    assert benchmark.naive_skip_reason(1_000, 4 * 2**30, skip=True) == "--skip-naive"
    # 2,000,000 rows × 3,000 B = 6,000,000,000 B = 5,722 MiB, above a 4 GiB (4,096 MiB) budget.
    assert benchmark.naive_skip_reason(2_000_000, 4 * 2**30) == (
        "2,000,000 rows × 3,000 B ≈ 5,722 MiB > budget 4,096 MiB")


@pytest.mark.parametrize("which", ["sqlite", "postgresql"])
def test_a_tiny_budget_skips_every_naive_run_with_its_reason(which, request, tmp_path, monkeypatch, capsys):
    url = request.getfixturevalue("sample_sqlite_url" if which == "sqlite" else "sample_postgres_url")
    monkeypatch.setenv("BOS_DATABASE_URL", url)  # bench sets it; restored afterwards
    out = tmp_path / "bench.json"
    assert manage.main(["bench", "--db", url, "--repeat", "1", "--scopes", "polsek", "--skip-exports",
                        "--naive-budget-gb", "0", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    pages = {row["page"]: row for row in report["pages"]}
    assert len(pages) == 11 and report["repeat"] == 1  # eight pages and three of kualitas' tabs opened
    unit = pages["kepatuhan"]["unit"]
    engine = request.getfixturevalue("sample_engine" if which == "sqlite" else "sample_postgres_engine")
    with engine.connect() as conn:
        last = conn.execute(text("SELECT max(local_date) FROM activities")).scalar()
        last = last if isinstance(last, date) else date.fromisoformat(last)
        in_window = conn.execute(text(
            "SELECT count(*) FROM activities a JOIN villages v ON v.code = a.village_code "
            "WHERE v.unit_code = :unit AND a.local_date >= :start AND a.local_date <= :end"),
            {"unit": unit, "start": last - timedelta(days=29), "end": last}).scalar_one()
    assert in_window > 0
    # The window's pages read the Polsek's activities of the 30 days; the overview two windows of them.
    assert [pages[p]["naive_rows"] for p in ("kepatuhan", "rapor", "kualitas", "perbandingan")] == [in_window] * 4
    assert pages["ringkasan"]["naive_rows"] > in_window
    for row in pages.values():
        if row["naive_rows"] == 0:  # zero rows need zero bytes, within even a zero budget
            assert row["naive_skipped"] is None and row["runs"]["naive"] == 1
            continue
        assert row["naive_s"] is None and row["naive_over_ours"] is None
        assert row["runs"] == {"cold": 1, "warm": 0, "cached": 1, "naive": 0}
        assert row["naive_skipped"] == (f"{row['naive_rows']:,} rows × 3,000 B ≈ "
                                        f"{row['naive_rows'] * 3000 / 2**20:,.0f} MiB > budget 0 MiB")
    assert set(report["load"]) == {"polsek"}
    assert all(len(report["load"]["polsek"][when]) == 3 for when in ("before", "after"))
    printed = capsys.readouterr().out
    assert "Runs: 1 run per page: cold = the first, warm = median of 0 (the cold run)" in printed
    assert f"| polsek | kepatuhan | {pages['kepatuhan']['cold_s']:.3f} |" in printed
    assert "| – | – |" in printed
    # The sample holds several Poldas: the memory is that of a process serving every national page.
    assert report["payload"]["scope"] == "nasional" and report["payload"]["peak_rss_mb"] > 0


def test_bench_table_puts_the_older_report_beside_each_scope(capsys):
    assert manage.main(["bench-table", "--before", str(FIXTURES / "before.json"), "--before-label", "22 Nov",
                        str(FIXTURES / "after.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("**national, postgresql** — 4,140,492 activities, 44,092 officers, 80,150 villages")
    assert ("Machine: 2 cores (New CPU), 24 GiB, Linux 6; 1 run per page: cold = the first, warm = median of 0 "
            "(the cold run), cached = median of 1, naive = median of up to 1; load average (1 / 5 / 15 min) "
            "before → after each scope: polda 1.0 / 0.5 / 0.25 → 1.5 / 0.75 / 0.5, nasional 1.5 / 0.75 / 0.5 → "
            "2.0 / 1.0 / 0.5; 22 Nov: 2 cores (Old CPU), 24 GiB, Linux 5; app memory serving every page of the "
            "nasional scope: 900 MB.") in lines
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == ("| page | polda cold / cached | polda 22 Nov | nasional cold / cached | naive (polda) "
                        "| naive ÷ ours cold |")
    # The naive ratio is the Polda scope's (12.00 s ÷ 0.80 s cold), not the nation's (not run).
    assert table[2] == "| ringkasan | 0.80 / 50 ms | 2.85 / 43 ms | 1.50 / 80 ms | 12.00 | 15.0× |"
    assert table[3] == "| peta | – | – | – | – | – |"  # measured in neither report
    assert table[6] == "| kualitas | 0.50 / 12 ms | 6.90 / 135 ms | 1.90 / 90 ms | – | – |"
    assert "Naive way not run at the polda scope: kualitas (too big)." in lines


def test_bench_table_without_before_names_the_runs_as_not_recorded(capsys):
    assert manage.main(["bench-table", str(FIXTURES / "before.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Machine: 2 cores (Old CPU), 24 GiB, Linux 5; runs per page not recorded." in lines
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| page | polda cold / cached | naive (polda) | naive ÷ ours cold |"
    # 3.50 s naive ÷ 6.90 s cold = 0.507.
    assert table[6] == "| kualitas | 6.90 / 135 ms | 3.50 | 0.5× |"
