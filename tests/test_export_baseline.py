"""Every `manage.py export` kind and level, cell by cell, against the CSVs today's code wrote before the registry.

The files under tests/fixtures/exports_before/ were written by this module's `write_baseline` from main at
291a9c8 (before the metric registry); the only change allowed since is the added unit_code column of
compliance and coverage. The sample's complaints, compliance, effectiveness and quality files were written again
from branch crime-signal at c71273f (the same query code, the sample with issue 19's planted signal: more
deteksi_dini reports, complaints and crimes), so every later change of code is still compared cell by cell.
Regenerate only on purpose: `python tests/test_export_baseline.py`.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from metric_world import write_world  # noqa: E402

import manage  # noqa: E402
from ingest.importer import import_export  # noqa: E402
from queries.db import make_engine  # noqa: E402
from queries.exports import KINDS  # noqa: E402
from queries.hierarchy import LEVELS  # noqa: E402

BASELINE = Path(__file__).parent / "fixtures" / "exports_before"
# (name, unit, start, end): the whole hand world, and two weeks of one sample Polres (the sample's last weeks).
SCOPES = {"world": (None, "2024-03-04", "2024-03-17"), "sample": ("PR-35.21", "2022-05-02", "2022-05-15")}
ADDED_COLUMNS = {"compliance": {"unit_code"}, "coverage": {"unit_code"}}
PER_UNIT = {"complaints", "effectiveness"}  # the kinds --level changes; the others are one file for every level


def baseline_file(name: str, kind: str, level: str) -> Path:
    return BASELINE / (f"{name}_{kind}_{level}.csv" if kind in PER_UNIT else f"{name}_{kind}.csv")


def export_text(url: str, kind: str, level: str, unit: str | None, start: str, end: str) -> str:
    """What `manage.py export KIND --level LEVEL` writes for the scope."""
    out = io.StringIO()
    args = ["export", kind, "--level", level, "--start", start, "--end", end, "--db", url]
    if unit:
        args += ["--unit", unit]
    saved, sys.stdout = sys.stdout, out
    try:
        assert manage.main(args) == 0
    finally:
        sys.stdout = saved
    return out.getvalue()


def rows_of(text: str, dropped: set[str] = frozenset()) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV, without the `dropped` columns."""
    table = list(csv.reader(io.StringIO(text)))
    keep = [index for index, name in enumerate(table[0]) if name not in dropped]
    return [table[0][i] for i in keep], [[row[i] for i in keep] for row in table[1:]]


def world_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'world.sqlite'}"
    assert import_export(make_engine(url), write_world(directory / "export")).ok
    return url


def cases():
    return [(name, kind, level) for name in SCOPES for kind in KINDS for level in LEVELS]


@pytest.fixture(scope="module")
def urls(tmp_path_factory, sample_sqlite_url):
    return {"world": world_database(tmp_path_factory.mktemp("baseline_world")), "sample": sample_sqlite_url}


@pytest.mark.parametrize("name,kind,level", cases())
def test_export_is_unchanged_cell_by_cell(urls, name, kind, level):
    unit, start, end = SCOPES[name]
    before = baseline_file(name, kind, level).read_text(encoding="utf-8")
    now = export_text(urls[name], kind, level, unit, start, end)
    header_before, rows_before = rows_of(before)
    header_now, rows_now = rows_of(now, ADDED_COLUMNS.get(kind, set()))
    assert header_now == header_before
    assert len(rows_now) == len(rows_before)
    for line, (old, new) in enumerate(zip(rows_before, rows_now), start=2):
        assert new == old, f"{name}_{kind}_{level}.csv line {line}"
    assert set(rows_of(now)[0]) - set(header_before) == ADDED_COLUMNS.get(kind, set())


def write_baseline() -> None:
    """Write the before-CSVs (run once, from the code being compared against)."""
    import tempfile

    from ingest.importer import import_export as run_import
    from sample_data.generator import generate

    BASELINE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample_url = f"sqlite:///{tmp / 'sample.sqlite'}"
        generate(tmp / "sample")
        assert run_import(make_engine(sample_url), tmp / "sample", imported_by="sample").ok
        urls = {"world": world_database(tmp), "sample": sample_url}
        for name, kind, level in cases():
            unit, start, end = SCOPES[name]
            text = export_text(urls[name], kind, level, unit, start, end)
            baseline_file(name, kind, level).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_baseline()
