"""PostgreSQL Row-Level Security (optional): a reader role sees only the rows below its home unit."""

from __future__ import annotations

import csv
import uuid
from datetime import timedelta

import pandas as pd
import pytest
from metric_world import END, O3, START, V1, V4, write_world
from sqlalchemy import create_engine, func, select, text

from builders import activity, inside, write_csv
from conftest import PG_URL, fresh_postgres_engine
from ingest.importer import import_export
from queries import follow_up, quality, quality_lists
from queries.accounts import User
from queries.exports import export_frame
from queries.migrations import create_schema
from queries.rls import POLICIES, SETTING, rls_statements
from queries.schema import (
    activities,
    activity_texts,
    crime_month_facts,
    follow_up_history,
    follow_ups,
    metadata,
    officers,
    outline_scopes,
    outlines,
    polda_submission_hours,
    unit_day_facts,
    village_day_facts,
    village_dds_days,
    villages,
)
from queries.scope import Scope


def counts(conn) -> tuple[int, int, int, int]:
    return tuple(conn.execute(select(func.count()).select_from(table)).scalar_one()
                 for table in (villages, officers, activities, activity_texts))


def world_with_a_visiting_officer(directory):
    """The metric world and E1: Citra (PS-C, Polda PD-63) reports in V1 (PS-A, Polda PD-35) from V4's place."""
    world = write_world(directory)
    with open(world / "activities.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows.append(activity("E1", O3, V1, "binluh", "2024-03-10T10:00:00+07:00", "2024-03-10T11:00:00+07:00",
                         inside(4)))
    write_csv(world / "activities.csv", rows)
    return world


def quality_lists_agree(conn, scope):
    """Each kualitas list's total against its rows, and the ids of the flagged and gps-outside lists."""
    flagged = quality_lists.page_flagged_reports(conn, scope, 0, 100)
    gps = quality_lists.page_gps_outside(conn, scope, 0, 100)
    travel = quality_lists.page_travel_pairs(conn, scope, 0, 100)
    assert quality_lists.count_flagged_reports(conn, scope) == len(flagged)
    assert quality_lists.count_flagged_reports(conn, scope, officer_text="80010003") == 1
    assert quality_lists.count_gps_outside(conn, scope) == len(gps)
    assert quality_lists.count_travel_pairs(conn, scope) == len(travel)
    assert set(flagged["total"]) <= {len(flagged)} and set(gps["total"]) <= {len(gps)}
    return set(flagged["report_id"]), gps.set_index("report_id")["officer"].to_dict()


def cluster(conn, scope) -> list:
    """The window's one narrative cluster (example, reports, officers, names), as page and definition give it."""
    page = quality_lists.page_narrative_clusters(conn, scope, 0, 10).drop(columns="total")
    definition = quality.narrative_clusters(conn, scope)  # no name: NaN from its merge, None on the page
    pd.testing.assert_frame_equal(page.fillna({"names": ""}), definition.fillna({"names": ""}))
    assert len(page) == 1
    return page[["example", "reports", "officers", "names"]].iloc[0].tolist()


def test_a_reader_role_sees_only_its_home_unit(tmp_path):
    engine, drop = fresh_postgres_engine()
    role = f"bos_reader_{uuid.uuid4().hex[:10]}"
    try:
        create_schema(engine)
        assert import_export(engine, world_with_a_visiting_officer(tmp_path / "world")).ok
        admin = User("admin", "Admin", "admin", None)
        with engine.begin() as conn:  # an item of Polsek A, one of Polsek B, one national
            for kind, subject in (("blind_spot", "35.21.01.2001"), ("blind_spot", "35.21.02.2003"),
                                  ("submission_dip", "")):
                follow_up.open_item(conn, admin, kind, subject, START)
        with engine.begin() as conn:
            # The world's reports carry no narrative: give each one, so the texts' policy has rows to hide.
            conn.exec_driver_sql("INSERT INTO activity_texts SELECT report_id, 'teks ' || report_id FROM activities")
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            for statement in rls_statements(role):
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SET ROLE {role}")
            conn.commit()  # SET ROLE lasts for the session; each check below is its own transaction
            for unit, expected in (("PS-A", (2, 1, 9, 9)), ("PR-35.21", (4, 4, 14, 14)), ("", (5, 6, 18, 18))):
                with conn.begin():
                    conn.execute(text("SELECT set_config(:name, :unit, true)"), {"name": SETTING, "unit": unit})
                    assert counts(conn) == expected, unit
                    scopes = set(conn.execute(select(outline_scopes.c.scope_code)).scalars())
                    drawn = set(conn.execute(select(outlines.c.code).where(outlines.c.kind == "village")).scalars())
                    assert len(drawn) == expected[0] and (("" in scopes) == (unit == "")), unit
                    # The aggregates a Polda or national page reads: only the visible villages' and units' rows.
                    for table, key in ((village_dds_days, "village_code"), (village_day_facts, "village_code")):
                        seen = set(conn.execute(select(table.c[key]).distinct()).scalars())
                        assert seen and seen <= set(conn.execute(select(villages.c.code)).scalars()), (unit, table)
                    polsek = set(conn.execute(select(unit_day_facts.c.unit_code).distinct()).scalars())
                    assert polsek == {"": {"PS-A", "PS-B", "PS-C"}, "PR-35.21": {"PS-A", "PS-B"},
                                      "PS-A": {"PS-A"}}[unit], unit
                    # Crimes per Polsek and month (efektivitas at a Polda or the nation): the visible Polsek's rows.
                    crime_polsek = set(conn.execute(select(crime_month_facts.c.unit_code).distinct()).scalars())
                    assert crime_polsek == {"": {"PS-A", "PS-B", "PS-C"}, "PR-35.21": {"PS-A", "PS-B"},
                                            "PS-A": {"PS-A"}}[unit], unit
                    # The Polda sums of the dip alert: a Polda's row only under it (a Polres reads its Polsek rows).
                    poldas = set(conn.execute(select(polda_submission_hours.c.unit_code).distinct()).scalars())
                    assert poldas == ({"PD-35", "PD-63"} if unit == "" else set()), unit
                    if unit == "PS-A":
                        # Even a query that asks for everything gets the home unit's rows only.
                        coverage = export_frame(conn, "coverage", Scope(None, START, END))
                        assert sorted(coverage["village_code"]) == ["35.21.01.2001", "35.21.01.2002"]
            polda = Scope("PD-35", START, END, boundary="PD-35")
            with engine.connect() as owner:  # what the application shows a PD-35 user without RLS
                seen_flagged, seen_gps = quality_lists_agree(owner, polda)
            with conn.begin():
                # E1 is PD-35's report (its village's), its officer PD-63's: counted from the aggregates and
                # listed, the officer's name left blank as RLS hides it (the NRP is the report's own column).
                conn.execute(text("SELECT set_config(:name, 'PD-35', true)"), {"name": SETTING})
                # The one home unit whose Polda row of the dip alert's sums it sees: its own, not PD-63's.
                poldas = set(conn.execute(select(polda_submission_hours.c.unit_code).distinct()).scalars())
                assert poldas == {"PD-35"}
                flagged, gps = quality_lists_agree(conn, polda)
                assert "E1" in flagged and flagged == seen_flagged
                assert gps == {**seen_gps, "E1": None} and seen_gps["E1"] == "Citra"
                # The definitions the lists are compared against keep E1 too, name blank.
                points = quality.flagged_points(conn, polda, "gps_outside").set_index("report_id")["officer"]
                assert points.where(points.notna(), None).to_dict() == gps
                assert set(quality.flagged_reports(conn, polda)["report_id"]) == flagged
            with engine.begin() as owner:  # E2, Citra's copy of E1: a cluster made only of a hidden officer's reports
                e1 = owner.execute(select(activities).where(activities.c.report_id == "E1")).mappings().one()
                owner.execute(activities.insert().values({**e1, "report_id": "E2", "narrative_repeats": True}))
                owner.execute(activities.update().where(activities.c.report_id.in_(["E1", "E2"]))
                              .values(narrative_key="e" * 64))
                owner.execute(activity_texts.insert().values(report_id="E2", narrative="teks E2"))
                assert cluster(owner, polda) == ["teks E1", 2, 1, "Citra"]
            with conn.begin():  # counted under RLS, so shown with its example; no name to give
                conn.execute(text("SELECT set_config(:name, 'PD-35', true)"), {"name": SETTING})
                assert cluster(conn, polda) == ["teks E1", 2, 1, None]
            with engine.begin() as owner:  # E0, the narrative's first report, an hour earlier in PD-63's V4: E1 marked
                owner.execute(activities.insert().values({
                    **e1, "report_id": "E0", "village_code": V4, "narrative_key": "e" * 64, "narrative_repeats": False,
                    "activity_at": e1["activity_at"] - timedelta(hours=1),
                    "submitted_at": e1["submitted_at"] - timedelta(hours=1)}))
                owner.execute(activities.update().where(activities.c.report_id == "E1").values(narrative_repeats=True))
                assert cluster(owner, polda) == ["teks E1", 2, 1, "Citra"]  # E0 lies outside PD-35
            with conn.begin():  # E0 hidden: the first report seen is E1, marked and counted once
                conn.execute(text("SELECT set_config(:name, 'PD-35', true)"), {"name": SETTING})
                assert cluster(conn, polda) == ["teks E1", 2, 1, None]
            for unit, expected in (("PS-A", 1), ("PR-35.21", 2), ("", 3)):
                with conn.begin():
                    conn.execute(text("SELECT set_config(:name, :unit, true)"), {"name": SETTING, "unit": unit})
                    assert conn.execute(select(func.count()).select_from(follow_ups)).scalar_one() == expected
            with conn.begin():  # the reader writes items of its subtree, and their history
                conn.execute(text("SELECT set_config(:name, 'PS-A', true)"), {"name": SETTING})
                chief = User("kapolsek.a", "Kapolsek A", "polsek", "PS-A")
                item_id = follow_up.open_item(conn, chief, "silent_officer", "80010001", START)
                follow_up.set_status(conn, chief, item_id, "ditangani")
                assert conn.execute(select(func.count()).select_from(follow_up_history)
                                    .where(follow_up_history.c.item_id == item_id)).scalar_one() == 2
            with conn.begin():
                conn.execute(text("SELECT set_config(:name, 'PS-A', true)"), {"name": SETTING})
                write = conn.execute(text("SELECT has_table_privilege(current_user, 'activities', 'INSERT')"))
                assert write.scalar_one() is False
                # the admin's Langganan page: subscriptions written, the deliveries log only read
                granted = conn.execute(text("SELECT has_table_privilege(current_user, 'subscriptions', 'INSERT'), "
                                            "has_sequence_privilege(current_user, 'subscriptions_id_seq', 'USAGE'), "
                                            "has_table_privilege(current_user, 'deliveries', 'SELECT'), "
                                            "has_table_privilege(current_user, 'deliveries', 'INSERT')")).one()
                assert tuple(granted) == (True, True, True, False)
    finally:
        drop()
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def test_rls_statements_refuse_odd_role_names():
    with pytest.raises(ValueError):
        rls_statements("reader; DROP TABLE users")


def test_every_table_is_granted_to_the_reader_role():
    """A table added without a grant fails every page reading it under RLS ("permission denied"), only there."""
    grants = [statement for statement in rls_statements() if statement.startswith("GRANT") and " ON " in statement]
    granted = {name.strip() for statement in grants
               for name in statement.split(" ON ", 1)[1].rsplit(" TO ", 1)[0].split(",")}
    assert set(metadata.tables) <= granted, sorted(set(metadata.tables) - granted)
    # The per-unit and per-village tables a Polda or national page reads are filtered by a policy, not only granted.
    assert {"crime_month_facts", "unit_day_facts", "officer_month_facts", "village_dds_days"} <= set(POLICIES)
