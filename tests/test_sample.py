"""The sample generator: deterministic, in the contract format, and telling the field research's stories."""

from __future__ import annotations

import hashlib
import statistics
from datetime import timedelta

from sqlalchemy import Integer, func, select

from queries.schema import activities, assignments, complaints, crimes, leaves, officers, outages, units, villages
from sample_data.generator import generate


def digests(directory) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


def test_same_seed_writes_identical_files(sample_export, tmp_path):
    directory, counts = sample_export
    assert generate(tmp_path / "again") == counts
    assert digests(tmp_path / "again") == digests(directory)


def test_sample_size_and_shape(sample_export, sample_engine):
    _, counts = sample_export
    assert counts["villages.geojson"] == 458
    assert counts["units.csv"] == 3 + 3 + 34  # Polda, Polres, one Polsek per kecamatan
    assert counts["activities.csv"] > 150_000
    with sample_engine.connect() as conn:
        first, last = conn.execute(select(func.min(activities.c.local_date), func.max(activities.c.local_date))).one()
        n_officers = conn.execute(select(func.count()).select_from(officers)).scalar_one()
        n_villages = conn.execute(select(func.count()).select_from(villages)).scalar_one()
        names = set(conn.execute(select(units.c.name).where(units.c.level == "polres")).scalars())
    assert last - first >= timedelta(days=365)
    assert 1 <= n_villages / n_officers <= 2
    assert names == {"Polres Cirebon Kota", "Polres Ngawi", "Polres Hulu Sungai Utara"}


def test_staffing_stories(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(select(assignments.c.nrp, assignments.c.village_code, assignments.c.start_date,
                                   assignments.c.end_date)).all()
        on_leave = conn.execute(select(func.count(func.distinct(leaves.c.nrp)))).scalar_one()
    open_ended = [r for r in rows if r.end_date is None]
    per_officer: dict[str, int] = {}
    for r in open_ended:
        per_officer[r.nrp] = per_officer.get(r.nrp, 0) + 1
    reassigned = {r.village_code for r in rows if r.end_date is not None}
    assert sum(1 for n in per_officer.values() if n == 2) > 50  # officers covering two villages
    assert len(reassigned) >= 10  # reassignments, transfers and vacancies
    assert on_leave > 100


def test_outage_holds_back_submissions_then_the_backlog_arrives(sample_engine):
    with sample_engine.connect() as conn:
        stored = conn.execute(select(outages)).all()
        longest = max(stored, key=lambda o: o.end_at - o.start_at)
        during = conn.execute(select(func.count()).select_from(activities).where(
            activities.c.submitted_at.between(longest.start_at, longest.end_at))).scalar_one()
        after = conn.execute(select(func.count()).select_from(activities).where(
            activities.c.submitted_at.between(longest.end_at, longest.end_at + timedelta(hours=12)))).scalar_one()
    assert longest.unit_code is None and longest.end_at - longest.start_at > timedelta(days=2)
    assert during == 0
    assert after > 1000
    assert [o.unit_code for o in stored if o.unit_code] == ["PR-63.08"]
    assert any(o.end_at - o.start_at == timedelta(hours=2, minutes=30) for o in stored)


def test_formality_reporters_look_good_on_paper_but_copy(sample_engine):
    with sample_engine.connect() as conn:
        per_officer = conn.execute(
            select(activities.c.nrp, func.count(), func.sum(activities.c.flag_duplicate_narrative.cast(Integer)),
                   func.count(func.distinct(activities.c.household_id)))
            .group_by(activities.c.nrp)).all()
    copiers = [row for row in per_officer if row[2] / row[1] > 0.9]
    assert len(copiers) >= 15
    # They report a lot, but visit only a handful of distinct households.
    assert statistics.median(row[1] for row in copiers) > 600
    assert max(row[3] for row in copiers) <= 2 * 7 + 1


def test_complaints_have_a_long_tail_and_some_are_never_answered(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(select(complaints.c.created_at, complaints.c.first_response_at)).all()
    answered = [(r.first_response_at - r.created_at).total_seconds() / 3600 for r in rows if r.first_response_at]
    deciles = statistics.quantiles(answered, n=10)
    assert len(rows) - len(answered) > 100
    assert deciles[8] > 4 * statistics.median(answered)


def test_karangjati_ranks_high_in_ngawi_and_rises(sample_engine):
    polsek_crimes = (select(units.c.name, crimes.c.local_date)
                     .select_from(crimes.join(villages, villages.c.code == crimes.c.village_code)
                                  .join(units, units.c.code == villages.c.unit_code))
                     .where(units.c.parent_code == "PR-35.21"))
    with sample_engine.connect() as conn:
        rows = conn.execute(polsek_crimes).all()
    end = max(day for _, day in rows)
    last_year = [name for name, day in rows if day > end - timedelta(days=365)]
    ranking = sorted(set(last_year), key=last_year.count, reverse=True)
    karangjati = [day for name, day in rows if name == "Polsek Karangjati"]
    recent = sum(day > end - timedelta(days=182) for day in karangjati)
    before = sum(end - timedelta(days=364) < day <= end - timedelta(days=182) for day in karangjati)
    assert ranking.index("Polsek Karangjati") < 4
    assert recent > before


def test_hulu_sungai_utara_is_in_wita(sample_engine):
    with sample_engine.connect() as conn:
        zones = set(conn.execute(select(villages.c.timezone).where(villages.c.code.like("63.%"))).scalars())
        unknown = conn.execute(select(func.count()).select_from(villages).where(villages.c.households.is_(None))
                               ).scalar_one()
    assert zones == {"Asia/Makassar"}
    assert unknown == 3
