"""Invariants over random small exports (hypothesis), on SQLite and PostgreSQL.

- every rate lies in [0, 1];
- importing the same export again changes no export;
- importing the activities and crimes in two later batches gives the same flags and numbers as one import;
- the crimes per Polsek and month read from crime_month_facts are those counted from the crimes;
- a unit's totals equal the sum of its children's.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from unittest import mock

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import base_units, base_villages, inside, photo, write_export
from conftest import fresh_postgres_engine
from ingest.importer import import_export
from queries import aggregates, effectiveness, quality
from queries import quality_lists as lists
from queries.coverage import blind_spot_villages, village_coverage
from queries.db import make_engine
from queries.exports import KINDS, export_frame, to_csv
from queries.migrations import create_schema
from queries.scope import Scope

OFFICERS = {"80010001": ("PS-A", (1, 2)), "80010002": ("PS-B", (3,)), "80010003": ("PS-C", (4,))}
VILLAGE_CODES = {1: "35.21.01.2001", 2: "35.21.01.2002", 3: "35.21.02.2003", 4: "63.08.01.2004"}
DAY0 = datetime(2024, 3, 1)
WINDOW = Scope(None, date(2024, 3, 4), date(2024, 3, 17))
NARRATIVES = ["", "Sambang warga RT 01, situasi aman.", "Sambang warga RT 02 situasi aman",
              "Giat binluh kepada pelajar tentang narkoba"]
EXAMPLES = int(os.environ.get("BOS_HYPOTHESIS_EXAMPLES", "15"))
# The same property with fewer examples on PostgreSQL (a new schema per database makes each several times dearer):
# the random search is SQLite's; PostgreSQL checks that its dialect gives the same numbers.
PG_EXAMPLES = EXAMPLES // 3 or 1


@st.composite
def exports(draw):
    """A random export over the base units and villages: reports, leave, outages, complaints, crimes."""
    acts = []
    for index in range(draw(st.integers(0, 40))):
        nrp = draw(st.sampled_from(sorted(OFFICERS)))
        village = draw(st.sampled_from(OFFICERS[nrp][1]))
        at = DAY0 + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
        delay = timedelta(minutes=draw(st.sampled_from([-30, -5, 10, 60, 24 * 60, 24 * 60 + 1, 3000])))
        offset = 8 if village == 4 else 7
        gps = draw(st.sampled_from(["inside", "missing", "far"]))
        lat, lng = {"inside": inside(village), "missing": ("", ""), "far": inside(4 if village != 4 else 1)}[gps]
        kind = draw(st.sampled_from(["dds", "dds", "binluh", "pelayanan"]))
        acts.append({
            "report_id": f"R{index:03d}", "nrp": nrp, "village_code": VILLAGE_CODES[village], "activity_type": kind,
            "activity_at": (at + timedelta(hours=offset)).isoformat() + "Z" if draw(st.booleans())
            else at.isoformat(),
            "submitted_at": (at + delay).isoformat(), "lat": lat, "lng": lng,
            "household_id": f"H{draw(st.integers(0, 5))}" if kind == "dds" else "",
            "narrative": draw(st.sampled_from(NARRATIVES)),
            "photo_sha256": draw(st.sampled_from(["", "", photo("p1"), photo("p2")])),
        })
    assignments = [{"nrp": nrp, "village_code": VILLAGE_CODES[v], "start_date": str(date(2024, 3, 1) +
                    timedelta(days=draw(st.integers(0, 10)))), "end_date": ""}
                   for nrp, (_, villages) in OFFICERS.items() for v in villages]
    leave = [{"nrp": nrp, "start_date": str(date(2024, 3, draw(st.integers(1, 15)))),
              "end_date": str(date(2024, 3, 16))} for nrp in OFFICERS if draw(st.booleans())]
    outages = [{"start_at": (DAY0 + timedelta(hours=h)).isoformat() + "+07:00",
                "end_at": (DAY0 + timedelta(hours=h + length)).isoformat() + "+07:00",
                "unit_code": draw(st.sampled_from(["", "PR-35.21", "PS-C"])), "note": ""}
               for h, length in draw(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 50)), max_size=3,
                                              unique_by=lambda t: t[0]))]
    complaints = []
    for index in range(draw(st.integers(0, 8))):
        created = DAY0 + timedelta(hours=draw(st.integers(0, 400)))
        answer = draw(st.sampled_from([None, 1, 20, 30, 200]))
        resolve = draw(st.sampled_from([None, 5, 100, 500]))
        complaints.append({
            "complaint_id": f"C{index}", "village_code": VILLAGE_CODES[draw(st.integers(1, 4))],
            "category": "Pencurian", "channel": "", "created_at": created.isoformat(),
            "first_response_at": (created + timedelta(hours=answer)).isoformat() if answer else "",
            "resolved_at": (created + timedelta(hours=resolve)).isoformat() if resolve else "", "nrp": ""})
    crimes = [{"incident_id": f"X{i}", "village_code": VILLAGE_CODES[draw(st.integers(1, 4))], "category": "Curat",
               "occurred_at": (DAY0 - timedelta(days=14) + timedelta(hours=draw(st.integers(0, 800)))).isoformat()}
              for i in range(draw(st.integers(0, 10)))]
    return {"activities": acts, "assignments": assignments, "leave": leave, "outages": outages,
            "complaints": complaints, "crimes": crimes}


def all_exports(engine) -> dict[str, str]:
    with engine.connect() as conn:
        texts = {kind: to_csv(export_frame(conn, kind, WINDOW)) for kind in KINDS}
        for level in ("polres", "polda"):
            for kind in ("complaints", "effectiveness"):
                texts[f"{kind}-{level}"] = to_csv(export_frame(conn, kind, WINDOW, level))
    return texts


def new_database(backend: str, tmp_path):
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite'}")
        return engine, engine.dispose
    return fresh_postgres_engine()


def load(engine, directory, files) -> None:
    export = write_export(directory, units=base_units(), villages=base_villages(),
                          officers=[{"nrp": n, "name": n, "rank": "", "unit_code": u, "active_from": "",
                                     "active_to": ""} for n, (u, _) in OFFICERS.items()], **files)
    report = import_export(engine, export)
    assert report.ok, [str(p) for p in report.problems]


SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW_OK)
@given(files=exports(), split=st.randoms(use_true_random=False))
def test_invariants_on_sqlite(tmp_path, files, split):
    check_invariants("sqlite", tmp_path, files, split)


@settings(max_examples=PG_EXAMPLES, deadline=None, suppress_health_check=SLOW_OK)
@given(files=exports(), split=st.randoms(use_true_random=False))
def test_invariants_on_postgresql(tmp_path, files, split):
    check_invariants("postgresql", tmp_path, files, split)


def check_invariants(backend: str, tmp_path, files: dict, split) -> None:
    """One import, the same again, and the activities in two batches: the same exports, rates and sums."""
    one, drop_one = new_database(backend, tmp_path)
    two, drop_two = new_database(backend, tmp_path)
    try:
        create_schema(one)
        create_schema(two)
        run = tmp_path / uuid.uuid4().hex
        load(one, run / "all", files)
        first = all_exports(one)

        load(one, run / "again", files)
        assert all_exports(one) == first

        acts, crimes = list(files["activities"]), list(files["crimes"])
        split.shuffle(acts)
        cut, crime_cut = len(acts) // 2, len(crimes) // 2
        load(two, run / "part1", {**files, "activities": acts[:cut], "crimes": crimes[:crime_cut]})
        load(two, run / "part2", {"activities": acts[cut:], "crimes": crimes[crime_cut:]})
        assert all_exports(two) == first

        check_rates(one)
        check_children_sum_up(one)
        check_blind_spots(one)
        check_copies(one)
        check_copies(two)  # marks kept by an import over stored reports
        check_crime_months(one)
        check_crime_months(two)  # months counted again by the second batch's crimes
    finally:
        drop_one()
        drop_two()


def check_blind_spots(engine) -> None:
    """The blind spots found in the database are village_coverage's, from the rollup and from the activities."""
    one_day = replace(WINDOW, start=date(2024, 3, 11), end=date(2024, 3, 11))
    scopes = [WINDOW, one_day, replace(WINDOW, unit_code="PS-A")]
    with engine.connect() as conn:
        for scope in scopes:
            found = blind_spot_villages(conn, scope)
            defined = village_coverage(conn, scope)
            defined = defined[defined["blind_spot"]].reset_index(drop=True)[found.columns]
            assert found.to_dict("records") == defined.to_dict("records"), scope
            with mock.patch.object(aggregates, "recorded", lambda conn: None):
                assert blind_spot_villages(conn, scope).to_dict("records") == found.to_dict("records"), scope


def check_copies(engine) -> None:
    """The copies tab's clusters, read from the marked reports and each key's first, are the definition's."""
    one_day = replace(WINDOW, start=date(2024, 3, 11), end=date(2024, 3, 11))
    from_the_first = replace(WINDOW, start=DAY0.date())  # a key's first report in the window, not before it
    scopes = [WINDOW, one_day, from_the_first, replace(from_the_first, unit_code="PS-A"),
              replace(WINDOW, unit_code="PR-35.21")]
    with engine.connect() as conn:
        for scope in scopes:
            for page, definition in ((lists.page_narrative_clusters, quality.narrative_clusters),
                                     (lists.page_reused_photos, quality.reused_photos)):
                found, defined = page(conn, scope, 0, 100).drop(columns="total"), definition(conn, scope)
                # An empty definition's text columns come out float (pandas' merge of nothing): values only there.
                pd.testing.assert_frame_equal(found, defined, check_dtype=not defined.empty,
                                              obj=f"{page.__name__} {scope}")


def check_crime_months(engine) -> None:
    """Crimes per unit (and month) with the whole months from crime_month_facts equal those counted from crimes."""
    february = Scope(None, date(2024, 2, 1), date(2024, 2, 29))
    scopes = [replace(february, end=date(2024, 3, 31)), february, replace(february, start=date(2024, 2, 15)),
              Scope("PD-35", date(2024, 2, 10), date(2024, 3, 31)), Scope("PD-63", date(2024, 1, 1), date(2024, 3, 31))]
    with engine.connect() as conn:
        for scope in scopes:
            for level, by_month in (("polsek", False), ("polsek", True), ("polres", True)):
                found = effectiveness.unit_crimes(conn, scope, level, by_month)
                with mock.patch.object(effectiveness, "facts_serve", lambda conn, scope: False):
                    defined = effectiveness.unit_crimes(conn, scope, level, by_month)
                pd.testing.assert_frame_equal(found, defined, obj=f"{scope} {level} {by_month}")


def check_rates(engine) -> None:
    with engine.connect() as conn:
        frames = {kind: export_frame(conn, kind, WINDOW) for kind in ("compliance", "coverage", "complaints",
                                                                        "effectiveness")}
    rates = {
        "compliance": ["reporting_rate", "reporting_rate_on_time", "quality_rate"],
        "coverage": ["coverage"],
        "complaints": ["response_sla_rate"],
        "effectiveness": ["coverage", "reporting_rate", "response_sla_rate", "adoption_rate"],
    }
    for kind, columns in rates.items():
        for column in columns:
            values = frames[kind][column].dropna()
            assert ((values >= 0) & (values <= 1)).all(), (kind, column, list(values))


def check_children_sum_up(engine) -> None:
    with engine.connect() as conn:
        polsek = export_frame(conn, "effectiveness", WINDOW, "polsek").set_index("unit_code")
        polres = export_frame(conn, "effectiveness", WINDOW, "polres").set_index("unit_code")
        complaints_polsek = export_frame(conn, "complaints", WINDOW, "polsek").set_index("unit_code")
        complaints_polres = export_frame(conn, "complaints", WINDOW, "polres").set_index("unit_code")
        compliance = export_frame(conn, "compliance", WINDOW)
    children = {"PR-35.21": ["PS-A", "PS-B"], "PR-63.08": ["PS-C"]}
    for parent, kids in children.items():
        for column in ("crimes", "crimes_previous", "population", "households"):
            assert polres.loc[parent, column] == polsek.loc[kids, column].sum()
        for column in ("complaints", "open_backlog", "backlog_old"):
            assert complaints_polres.loc[parent, column] == complaints_polsek.loc[kids, column].sum()
    # Polres reporting rate: reported over expected days of all its officers (not an average of rates).
    officers = compliance[compliance["nrp"].isin(["80010001", "80010002"])]
    expected = officers["expected_days"].sum()
    rate = polres.loc["PR-35.21", "reporting_rate"]
    if expected:
        assert math.isclose(rate, officers["reported_days"].sum() / expected)
    else:
        assert math.isnan(rate)
