"""The kualitas page's lists counted, paged and streamed in the database: the same rows as the full lists."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import event, select
from test_app import new_app, open_quality_tab

from builders import activity, base_export, inside, photo, write_export
from components import data
from ingest.importer import import_export
from queries import aggregates, quality
from queries import quality_lists as lists
from queries.db import frame_of
from queries.flags import FLAG_NAMES, stored_flags_follow
from queries.schema import activities, meta, villages
from queries.scope import Scope
from queries.spreadsheet import csv_stream_bytes
from queries.timeutil import local_times

V1, V2, V3, V4 = "35.21.01.2001", "35.21.01.2002", "35.21.02.2003", "63.08.01.2004"
AGUS, BUDI, CITRA = "80010001", "80010002", "80010003"
SAMBANG = "Sambang warga membahas keamanan lingkungan"  # >= 20 letters: a narrative that can be a copy
PATROLI = "Patroli dialogis bersama perangkat desa"
WINDOW = (date(2024, 3, 5), date(2024, 3, 7))
SAMPLE_WINDOW = (date(2022, 4, 16), date(2022, 5, 15))


def travel_pairs_from_gps_rows(conn, scope: Scope) -> pd.DataFrame:
    """The way before the paged lists, kept as the reference: the flagged officers' month of GPS rows in pandas."""
    flagged = quality.flagged_points(conn, scope, "impossible_travel")
    if flagged.empty:
        return flagged.assign(previous_report_id=None, previous_village=None, previous_at=None, speed_kmh=None)
    officers_flagged = sorted(flagged["nrp"].unique())
    lo = datetime.combine(scope.start - timedelta(days=30), datetime.min.time())
    rows = []
    for start in range(0, len(officers_flagged), 900):
        rows.extend(conn.execute(
            select(activities.c.report_id, activities.c.nrp, activities.c.activity_at, villages.c.name,
                   villages.c.timezone)
            .join(villages, villages.c.code == activities.c.village_code)
            .where(activities.c.nrp.in_(officers_flagged[start:start + 900]), activities.c.lat.is_not(None),
                   activities.c.lng.is_not(None), activities.c.activity_at >= lo)).all())
    gps = frame_of(rows, columns=["report_id", "nrp", "activity_at", "village", "timezone"]).sort_values(
        ["nrp", "activity_at", "report_id"])
    previous = gps.groupby("nrp")
    gps["previous_report_id"] = previous["report_id"].shift()
    gps["previous_village"] = previous["village"].shift()
    gps["previous_utc"] = previous["activity_at"].shift()
    gps["previous_zone"] = previous["timezone"].shift()
    pairs = flagged.merge(gps[["report_id", "previous_report_id", "previous_village", "previous_utc",
                               "previous_zone"]], on="report_id", how="left")
    # Local times for the pairs only, not for every GPS report of the officers' month.
    pairs["previous_at"] = local_times(pairs.pop("previous_utc"), pairs.pop("previous_zone"))
    hours = pairs["travel_seconds"] / 3600
    pairs["speed_kmh"] = (pairs["travel_km"] / hours.where(hours > 0)).round(1)
    return pairs


def report(rid, nrp, village, at, latlng, narrative="", photo_sha256=""):
    """A report submitted ten minutes after the activity (never late), at a point inside its village."""
    submitted = datetime.fromisoformat(at) + timedelta(minutes=10)
    return activity(rid, nrp, village, activity_at=at, submitted_at=submitted.isoformat(), latlng=latlng,
                    narrative=narrative, photo_sha256=photo_sha256)


def hand_reports() -> list[dict]:
    """Ten reports in the window (nine flagged) and one before it.

    Villages 1, 2 and 3 lie 0.02 degrees of longitude apart (2.2 km each step); village 4 is in Kalimantan.
    """
    return [
        report("A1", AGUS, V1, "2024-03-05T08:00:00+07:00", inside(1), SAMBANG, photo("p1")),  # photo of B1: copy
        report("A2", AGUS, V2, "2024-03-05T08:01:00+07:00", inside(2), PATROLI),  # 2.2 km in 1 min: 132 km/h
        report("A3", AGUS, V1, "2024-03-05T08:01:00+07:00", inside(1), PATROLI),  # same instant, 2.2 km; copy
        report("A5", AGUS, V3, "2024-03-05T09:10:00+07:00", inside(3), SAMBANG, photo("p2")),  # copy of A1's text
        report("A4", AGUS, V1, "2024-03-05T09:11:00+07:00", (None, None)),  # no GPS: skipped by travel
        report("A6", AGUS, V1, "2024-03-05T09:13:00+07:00", inside(1), photo_sha256=photo("p2")),  # 4.4 km, 3 min
        report("A7", AGUS, V1, "2024-03-06T10:00:00+07:00", inside(1)),  # clean
        report("B1", BUDI, V3, "2024-03-04T23:59:00+07:00", inside(3), photo_sha256=photo("p1")),  # before window
        report("B2", BUDI, V1, "2024-03-05T00:00:00+07:00", inside(1), SAMBANG),  # 4.4 km in 1 min
        report("C1", CITRA, V4, "2024-03-06T08:00:00+08:00", inside(4), SAMBANG, photo("p1")),  # photo copy
        report("C2", CITRA, V1, "2024-03-06T09:00:00+08:00", inside(1)),  # 770 km in one hour
    ]


@pytest.fixture
def hand(engine, tmp_path):
    assert import_export(engine, base_export(tmp_path / "export", activities=hand_reports())).ok
    return engine


def every_page(page_of, total: int, size: int, *args) -> pd.DataFrame:
    """The pages of `size` rows, one after the other, until one past the end."""
    pages = [page_of(offset, size, *args) for offset in range(0, total + size, size)]
    assert pages[-1].empty
    return pd.concat(pages, ignore_index=True)


def test_travel_pairs_on_the_hand_world(hand):
    scope = Scope(None, *WINDOW)
    with hand.connect() as conn:
        by_time = lists.page_travel_pairs(conn, scope, 0, 10, "time")
        worst = lists.page_travel_pairs(conn, scope, 0, 10, "worst")
        today = travel_pairs_from_gps_rows(conn, scope)
        assert lists.count_travel_pairs(conn, scope) == 5
    # B2 at 17:00 UTC on the 4th; A2 and A3 at the same instant (A3 judged against A2); C2 at 01:00 UTC on the 6th.
    assert by_time["report_id"].tolist() == ["B2", "A2", "A3", "A6", "C2"]
    assert by_time["previous_report_id"].tolist() == ["B1", "A1", "A2", "A5", "C1"]  # A6 skips A4, without GPS
    assert by_time["previous_village"].tolist() == ["Desa Tiga", "Desa Satu", "Desa Dua", "Desa Tiga", "Desa Empat"]
    citra = by_time.set_index("report_id").loc["C2"]
    assert citra["local_time"] == datetime(2024, 3, 6, 8, 0)  # in Java (WIB)
    assert citra["previous_at"] == datetime(2024, 3, 6, 8, 0)  # in Kalimantan (WITA), an hour earlier
    # The same instant first, then the fastest: 770, 264, 132 and 88 km/h.
    assert worst["report_id"].tolist() == ["A3", "C2", "B2", "A2", "A6"]
    assert worst["speed_kmh"].iloc[1:].is_monotonic_decreasing and pd.isna(worst["speed_kmh"].iloc[0])
    assert worst.set_index("report_id").loc["A6", "speed_kmh"] == pytest.approx(88.3, abs=0.1)
    pd.testing.assert_frame_equal(by_time[today.columns], today, check_dtype=False)


def test_flagged_reports_on_the_hand_world(hand):
    scope = Scope(None, *WINDOW)
    with hand.connect() as conn:
        worst = lists.page_flagged_reports(conn, scope, 0, 20)
        newest = lists.page_flagged_reports(conn, scope, 0, 20, "newest")
        today = quality.flagged_reports(conn, scope)
        travel_only = lists.count_flagged_reports(conn, scope, ("impossible_travel",))
        copies = lists.page_flagged_reports(conn, scope, 0, 20, "newest", ("duplicate_narrative", "duplicate_photo"))
        agus = lists.count_flagged_reports(conn, scope, officer_text=" AGUS ")
        by_nrp = lists.count_flagged_reports(conn, scope, officer_text="8001000")
        hidden = lists.count_flagged_reports(conn, Scope(None, *WINDOW, people=False), officer_text="agus")
        assert lists.count_flagged_reports(conn, scope) == 9
    # Two flags first (A3: travel and a copied text; A6: travel and a reused photo), then newest first.
    assert worst["report_id"].tolist() == ["A3", "A6", "C1", "C2", "A1", "A2", "A4", "A5", "B2"]
    assert worst.set_index("report_id").loc["A4", "flags"] == "gps_missing"
    assert (worst["total"] == 9).all()  # the nine flagged reports above
    pd.testing.assert_frame_equal(newest.drop(columns="total"), today, check_dtype=False)
    assert travel_only == 5 and copies["report_id"].tolist() == ["C1", "A1", "A3", "A5", "A6"]
    assert agus == 6 and by_nrp == 9
    assert hidden == 9  # a user who may not see names cannot find an officer's reports by name


def test_flagged_reports_under_another_policy_than_the_stored_flags(hand):
    """The stored flags (and ix_activities_flagged) serve only the policy they were computed with; under another
    the list is the definition's, counted and paged the same way."""
    faster = Scope(None, *WINDOW, policy=replace(Scope(None, *WINDOW).policy, max_travel_kmh=150))
    with hand.connect() as conn:
        assert stored_flags_follow(conn, Scope(None, *WINDOW).policy)
        assert not stored_flags_follow(conn, faster.policy)
        # At 150 km/h A2 (132 km/h) is no longer flagged and A6 (88 km/h) keeps only its reused photo.
        assert lists.count_flagged_reports(conn, faster) == 8
        assert lists.count_flagged_reports(conn, faster, ("impossible_travel",)) == 3  # A3, B2, C2
        worst = lists.page_flagged_reports(conn, faster, 0, 20)
        assert check_list(conn, faster, "flagged", size=3, chunk=2) == 8
    assert worst["report_id"].tolist() == ["A3", "C1", "C2", "A1", "A4", "A5", "A6", "B2"]
    assert (worst["total"] == 8).all()


def test_the_flagged_count_reads_the_flagged_reports_index(hand):
    """The count under the stored policy is answered from ix_activities_flagged (SQLite's plan names it)."""
    with hand.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's plan for a dozen rows is a scan whatever the index (checked at a Polda)")
        count, plan = last_plan(conn, lambda: lists.count_flagged_reports(conn, Scope(None, *WINDOW)))
    assert count == 9
    assert "COVERING INDEX ix_activities_flagged" in plan


def test_the_copies_read_their_partial_indexes(hand):
    """The recurring narratives and shared photos are counted from their marked entries (SQLite's plans name the
    covering indexes: their predicates match the lists' conditions term for term)."""
    with hand.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's plan for a dozen rows is a scan whatever the index (checked at a Polda)")
        narratives, narrative_plan = last_plan(conn, lambda: lists.count_narrative_clusters(conn, Scope(None, *WINDOW)))
        photos, photo_plan = last_plan(conn, lambda: lists.count_reused_photos(conn, Scope(None, *WINDOW)))
    assert (narratives, photos) == (2, 1)
    assert "COVERING INDEX ix_activities_narrative_repeats" in narrative_plan
    assert "COVERING INDEX ix_activities_photo_repeats" in photo_plan


@pytest.mark.parametrize("kmh", [None, 150])
def test_travel_pages_from_the_stored_flags_and_under_another_speed(sample_engine, kmh):
    """Under the stored policy the travel page is chosen from ix_activities_impossible_travel; under another speed
    (flags not stored for it) from the window's rows: the definition's list either way."""
    scope = Scope("PD-35", *SAMPLE_WINDOW)
    if kmh is not None:
        scope = replace(scope, policy=replace(scope.policy, max_travel_kmh=kmh))
    with sample_engine.connect() as conn:
        assert stored_flags_follow(conn, scope.policy) == (kmh is None)
        assert check_list(conn, scope, "travel", size=40, chunk=50) > 0


def test_the_gps_page_is_chosen_from_its_partial_index(sample_engine):
    """On the sample's statistics (a dozen hand rows have none worth the name) SQLite chooses the GPS tab's page from
    ix_activities_gps_outside's entries alone."""
    with sample_engine.connect() as conn:
        page, plan = last_plan(conn, lambda: lists.page_gps_outside(conn, Scope("PD-35", *SAMPLE_WINDOW), 0, 10))
    assert len(page) == 10
    assert "COVERING INDEX ix_activities_gps_outside" in plan


def last_plan(conn, call) -> tuple:
    """What `call` returns, and SQLite's plan of the last statement it ran."""
    statements = []
    listen = lambda *args: statements.append((args[2], args[3]))  # noqa: E731
    event.listen(conn, "before_cursor_execute", listen)
    try:
        result = call()
    finally:
        event.remove(conn, "before_cursor_execute", listen)
    statement, parameters = statements[-1]
    return result, " ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_clusters_on_the_hand_world(hand):
    scope = Scope(None, *WINDOW)
    with hand.connect() as conn:
        narratives = lists.page_narrative_clusters(conn, scope, 0, 10)
        by_officers = lists.page_narrative_clusters(conn, scope, 0, 10, "officers")
        photos = lists.page_reused_photos(conn, scope, 0, 10)
        pd.testing.assert_frame_equal(narratives.drop(columns="total"), quality.narrative_clusters(conn, scope))
        pd.testing.assert_frame_equal(photos.drop(columns="total"), quality.reused_photos(conn, scope))
    assert narratives["total"].tolist() == [2, 2] and photos["total"].tolist() == [1]  # every row: the list's length
    assert narratives[["example", "reports", "officers", "names"]].values.tolist() == [
        [SAMBANG, 4, 3, "Agus, Budi, Citra"], [PATROLI, 2, 1, "Agus"]]
    assert by_officers["reports"].tolist() == [4, 2]
    # Photo p1 in the window: A1 and C1 (B1 sent it the day before); p2 is Agus's alone.
    assert photos[["photo_sha256", "reports", "officers", "names"]].values.tolist() == [
        [photo("p1"), 2, 2, "Agus, Citra"]]


def test_a_cluster_shows_the_narrative_of_its_first_report_in_the_window(engine, tmp_path):
    """The example is the text of the cluster's first window report by id, on the page as in the definition."""
    variants = [report("K1", BUDI, V2, "2024-03-01T08:00:00+07:00", inside(2), SAMBANG.upper()),  # before the window
                report("K3", AGUS, V2, "2024-03-05T08:00:00+07:00", inside(2), SAMBANG),
                report("K2", CITRA, V2, "2024-03-06T08:00:00+07:00", inside(2), SAMBANG.lower() + ".")]
    assert import_export(engine, base_export(tmp_path / "export", activities=variants)).ok
    scope = Scope(None, *WINDOW)
    with engine.connect() as conn:
        page = lists.page_narrative_clusters(conn, scope, 0, 10)
        definition = quality.narrative_clusters(conn, scope)
    assert page[["example", "reports", "officers", "names"]].values.tolist() == [
        [SAMBANG.lower() + ".", 2, 2, "Agus, Citra"]]  # K2's, though K3's text is the least and K1's id the first
    assert definition["example"].tolist() == [SAMBANG.lower() + "."]


LISTS = {  # list -> (count, page, stream, today's full list, the order that is today's)
    "flagged": (lists.count_flagged_reports, lists.page_flagged_reports, lists.stream_flagged_reports,
                quality.flagged_reports, "newest"),
    "narratives": (lists.count_narrative_clusters, lists.page_narrative_clusters, lists.stream_narrative_clusters,
                   quality.narrative_clusters, "worst"),
    "photos": (lists.count_reused_photos, lists.page_reused_photos, lists.stream_reused_photos,
               quality.reused_photos, "worst"),
    "travel": (lists.count_travel_pairs, lists.page_travel_pairs, lists.stream_travel_pairs, travel_pairs_from_gps_rows,
               "time"),
    "gps": (lists.count_gps_outside, lists.page_gps_outside, lists.stream_gps_outside,
            lambda conn, scope: quality.flagged_points(conn, scope, "gps_outside"), "time"),
}
ORDERS = {"flagged": ["worst", "newest"], "narratives": ["worst", "officers"], "photos": ["worst", "officers"],
          "travel": ["worst", "time"], "gps": ["worst", "time"]}


def check_list(conn, scope: Scope, name: str, size: int, chunk: int) -> int:
    """Count = len(today's list); pages and stream = today's list, in today's order and in every other one."""
    count, page, stream, full, todays_order = LISTS[name]
    today = full(conn, scope)
    assert count(conn, scope) == len(today)
    for order in ORDERS[name]:
        paged = every_page(lambda offset, limit, order=order: page(conn, scope, offset, limit, order), len(today),
                           size)
        streamed = pd.concat(list(stream(conn, scope, order, rows=chunk)), ignore_index=True)
        # Every row of every page carries the whole list's length, counted in the page's own statement.
        assert (paged.pop("total") == len(today)).all()
        pd.testing.assert_frame_equal(paged, streamed, check_dtype=False)
        key = today.columns[0]
        assert sorted(paged[key]) == sorted(today[key]) and paged[key].is_unique
        if order == todays_order:
            pd.testing.assert_frame_equal(paged[today.columns], today, check_dtype=False)
    return len(today)


@pytest.mark.parametrize("name", LISTS)
def test_pages_and_stream_are_the_full_list_on_the_hand_world(hand, name):
    with hand.connect() as conn:
        # Every hand report is sent from inside its village: the sample below has reports from outside.
        assert check_list(conn, Scope(None, *WINDOW), name, size=2, chunk=3) > (-1 if name == "gps" else 0)
        assert check_list(conn, Scope("PD-63", *WINDOW), name, size=1, chunk=1) >= 0


@pytest.mark.parametrize("database", ["sample_engine", "sample_postgres_engine"])
@pytest.mark.parametrize("unit", [None, "PD-35", "PR-35.21"])
def test_pages_and_stream_are_the_full_list_on_the_sample(request, database, unit):
    with request.getfixturevalue(database).connect() as conn:
        # A Polda and the nation count reports sent from outside and travel off unit_day_facts; a Polres counts them.
        assert aggregates.serves(conn, Scope(unit, *SAMPLE_WINDOW)) == (unit != "PR-35.21")
        sizes = {name: check_list(conn, Scope(unit, *SAMPLE_WINDOW), name, size=500, chunk=700) for name in LISTS}
    assert min(sizes.values()) > 0, sizes


def test_a_page_never_reads_further_than_asked(hand):
    with hand.connect() as conn, pytest.raises(ValueError):
        lists.page_travel_pairs(conn, Scope(None, *WINDOW), -1, 10)
    with hand.connect() as conn, pytest.raises(ValueError):
        lists.page_flagged_reports(conn, Scope(None, *WINDOW), 0, 10, "alphabetical")


def test_the_download_holds_every_row_once_with_one_header():
    frames = [pd.DataFrame({"a": [1, 2], "b": ["=x", "y"]}), pd.DataFrame({"a": [3], "b": ["z"]})]
    written = csv_stream_bytes(frames)
    assert written.startswith("\ufeff".encode())
    back = pd.read_csv(io.BytesIO(written), encoding="utf-8-sig")
    assert back.to_dict("list") == {"a": [1, 2, 3], "b": ["'=x", "y", "z"]}  # a formula stays text
    assert pd.read_csv(io.BytesIO(csv_stream_bytes(iter([frames[0].head(0)]))), encoding="utf-8-sig").columns.tolist() \
        == ["a", "b"]


def test_a_streamed_download_masks_officers_for_users_who_may_not_see_them(sample_sqlite_url, sample_engine,
                                                                          monkeypatch):
    new_app(sample_sqlite_url, monkeypatch)
    hidden, shown = Scope("PR-35.21", *SAMPLE_WINDOW, people=False), Scope("PR-35.21", *SAMPLE_WINDOW)
    masked = pd.concat(list(data.stream(lists.stream_flagged_reports, hidden, "worst", (), "", 400)))
    plain = pd.concat(list(data.stream(lists.stream_flagged_reports, shown, "worst", (), "", 400)))
    assert len(masked) == len(plain) > 400
    assert (masked["officer"] == data.MASK).all() and masked["nrp"].str.startswith(data.MASK).all()
    assert masked["report_id"].str.startswith(data.MASK).all()  # a report id begins with the sender's NRP
    assert masked["nrp"].nunique() == plain["nrp"].nunique()  # the same pseudonym in every chunk
    pd.testing.assert_frame_equal(masked[list(FLAG_NAMES)], plain[list(FLAG_NAMES)])
    travel = pd.concat(list(data.stream(lists.stream_travel_pairs, hidden, "time")))
    assert travel["previous_report_id"].dropna().str.startswith(data.MASK).all()
    names = pd.concat(list(data.stream(lists.stream_narrative_clusters, hidden, "worst")))
    assert (names["names"].dropna() == data.MASK).all() and len(names) > 0


ROLE_SCOPES = [("polda", "PD-35", "PD-35"), ("polda", "PD-35", "PR-35.21"), ("admin", None, "PD-35"),
               ("admin", None, "PR-35.21"), ("polres", "PR-35.21", "PR-35.21"), ("trainer", "PR-35.21", "PR-35.21"),
               ("polsek", "PS-35.21.07", "PS-35.21.07")]


@pytest.mark.parametrize(("role", "home", "unit"), ROLE_SCOPES)
def test_the_quality_page_shows_the_counts_and_the_first_page(sample_sqlite_url, sample_engine, monkeypatch, role,
                                                              home, unit):
    at = new_app(sample_sqlite_url, monkeypatch, f"lists-{role}", role, home)
    at.session_state["unit"] = unit
    at.session_state["window"] = SAMPLE_WINDOW
    at.run()
    at.switch_page("app_pages/kualitas.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    scope = Scope(unit, *SAMPLE_WINDOW)
    with sample_engine.connect() as conn:
        flagged, travel = lists.count_flagged_reports(conn, scope), lists.count_travel_pairs(conn, scope)
        first = lists.page_flagged_reports(conn, scope, 0, 100)
    dotted = f"{flagged:,}".replace(",", ".")
    assert any(caption.value.startswith(f"{dotted} dari ") for caption in at.caption)  # above the tabs
    assert f"Perjalanan mustahil: {travel}" in [header.value for header in open_quality_tab(at, "gps").subheader]
    shown = next(frame.value for frame in open_quality_tab(at, "flagged").dataframe if "Alasan" in frame.value.columns)
    assert shown["No. laporan"].tolist() == first["report_id"].tolist()[:len(shown)] and len(shown) == min(100,
                                                                                                           flagged)


def test_the_second_page_shows_the_next_hundred(sample_sqlite_url, sample_engine, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch)
    at.session_state["unit"] = "PD-35"
    at.session_state["window"] = SAMPLE_WINDOW
    at.run()
    at.switch_page("app_pages/kualitas.py").run()
    open_quality_tab(at, "flagged").number_input(key="page_flagged").set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]
    with sample_engine.connect() as conn:
        second = lists.page_flagged_reports(conn, Scope("PD-35", *SAMPLE_WINDOW), 100, 100)
    shown = next(frame.value for frame in at.dataframe if "Alasan" in frame.value.columns)
    assert shown["No. laporan"].tolist() == second["report_id"].tolist()
    total = f"{int(second['total'].iloc[0]):,}".replace(",", ".")  # the list's length, counted in the database
    assert f"Baris 101–200 dari {total}" in [caption.value for caption in at.caption]


@pytest.mark.parametrize("tolerance", [None, 1000])
def test_the_reports_farthest_from_their_village_come_first(sample_engine, tolerance):
    """Under the stored policy the page is chosen from ix_activities_gps_outside; under another tolerance (flags not
    stored for it) from the window's rows: the same list as the definition's either way."""
    scope = Scope("PD-35", *SAMPLE_WINDOW)
    if tolerance is not None:
        scope = replace(scope, policy=replace(scope.policy, gps_tolerance_m=tolerance))
    with sample_engine.connect() as conn:
        assert stored_flags_follow(conn, scope.policy) == (tolerance is None)
        page = lists.page_gps_outside(conn, scope, 0, 50)
        total = lists.count_gps_outside(conn, scope)
        assert check_list(conn, scope, "gps", size=700, chunk=900) == total
    distances = page["gps_distance_m"]
    assert len(page) == min(50, total) > 0 and (page["total"] == total).all()
    assert distances.is_monotonic_decreasing and (distances > scope.policy.gps_tolerance_m).all()


def test_a_photo_first_sent_in_the_window_by_two_officers_is_shared(engine, tmp_path):
    """The shared photos are grouped over the photos a window report repeats: the first sending is not flagged,
    the second is, so a photo new in the window still counts; one repeated by its only officer there does not."""
    extra = [report("D1", BUDI, V2, "2024-03-06T08:00:00+07:00", inside(2), photo_sha256=photo("p3")),
             report("D2", CITRA, V2, "2024-03-07T08:00:00+07:00", inside(2), photo_sha256=photo("p3")),
             report("E1", BUDI, V2, "2024-03-01T08:00:00+07:00", inside(2), photo_sha256=photo("p4")),
             report("E2", CITRA, V2, "2024-03-06T09:00:00+07:00", inside(2), photo_sha256=photo("p4"))]
    assert import_export(engine, base_export(tmp_path / "export", activities=hand_reports() + extra)).ok
    scope = Scope(None, *WINDOW)
    with engine.connect() as conn:
        photos = lists.page_reused_photos(conn, scope, 0, 10)
        pd.testing.assert_frame_equal(photos.drop(columns="total"), quality.reused_photos(conn, scope))
        assert lists.count_reused_photos(conn, scope) == 2
    # p1: A1 and C1 (B1 before the window); p3: D1 (not flagged, the first) and D2; p4: only Citra in the window.
    assert sorted(photos[["photo_sha256", "reports", "officers", "names"]].values.tolist()) == sorted([
        [photo("p1"), 2, 2, "Agus, Citra"], [photo("p3"), 2, 2, "Budi, Citra"]])


PENYULUHAN = "Penyuluhan bahaya narkoba di sekolah menengah"
PASAR = "Pengamanan pasar malam bersama warga setempat"
MEDIASI = "Mediasi sengketa batas tanah antar warga desa"


def cluster_rows(conn, scope: Scope) -> list[list]:
    page = lists.page_narrative_clusters(conn, scope, 0, 10)
    today = quality.narrative_clusters(conn, scope)
    pd.testing.assert_frame_equal(page.drop(columns="total"), today, check_dtype=False)  # empty: float names
    assert (page["total"] == lists.count_narrative_clusters(conn, scope)).all()
    return sorted(page[["example", "reports", "officers", "names"]].values.tolist())  # ties go by key (a hash)


def test_narrative_clusters_from_the_marked_reports_follow_a_reimport(engine, tmp_path):
    """The clusters are grouped over the keys of the window's marked reports (narrative_repeats): a mark may point
    before the window (X2, Y3), a key may have a third report before it (Y1); re-importing A7 with Z1's narrative,
    earlier, must mark Z1 (not itself re-imported), or its cluster would be missed."""
    extra = [report("X1", BUDI, V2, "2024-03-01T08:00:00+07:00", inside(2), PENYULUHAN),  # before the window
             report("X2", CITRA, V2, "2024-03-06T08:00:00+07:00", inside(2), PENYULUHAN),  # marked, alone in it
             report("Y1", AGUS, V2, "2024-03-02T08:00:00+07:00", inside(2), PASAR),  # before the window
             report("Y2", BUDI, V2, "2024-03-05T10:00:00+07:00", inside(2), PASAR),
             report("Y3", CITRA, V2, "2024-03-07T08:00:00+07:00", inside(2), PASAR),
             report("Z1", BUDI, V2, "2024-03-06T12:00:00+07:00", inside(2), MEDIASI)]  # first of its text
    assert import_export(engine, base_export(tmp_path / "one", activities=hand_reports() + extra)).ok
    scope = Scope(None, *WINDOW)
    marked = select(activities.c.report_id).where(activities.c.narrative_repeats).order_by(activities.c.report_id)
    with engine.connect() as conn:
        assert lists.narrative_mark_kept(conn)
        assert conn.execute(marked).scalars().all() == ["A1", "A3", "A5", "C1", "X2", "Y2", "Y3"]
        assert cluster_rows(conn, scope) == [[PATROLI, 2, 1, "Agus"], [PASAR, 2, 2, "Budi, Citra"],
                                             [SAMBANG, 4, 3, "Agus, Budi, Citra"]]
        assert cluster_rows(conn, Scope("PD-63", *WINDOW)) == []  # C1 alone there, though marked
    # A7 (6 March 10:00, sent before Z1) now carries Z1's narrative; Y2 a narrative of its own.
    again = [report("A7", AGUS, V1, "2024-03-06T10:00:00+07:00", inside(1), MEDIASI),
             report("Y2", BUDI, V2, "2024-03-05T10:00:00+07:00", inside(2), "Laporan sambang ke rumah ketua RT")]
    assert import_export(engine, write_export(tmp_path / "two", activities=again)).ok
    with engine.connect() as conn:
        assert conn.execute(marked).scalars().all() == ["A1", "A3", "A5", "C1", "X2", "Y3", "Z1"]
        rows = cluster_rows(conn, scope)
        assert check_list(conn, scope, "narratives", size=1, chunk=2) == 3
    assert rows == [[MEDIASI, 2, 2, "Agus, Budi"], [PATROLI, 2, 1, "Agus"], [SAMBANG, 4, 3, "Agus, Budi, Citra"]]


def test_narrative_clusters_without_the_mark_are_grouped_as_defined(hand):
    """Where meta holds no record that 0014 filled the mark (a database before it), every window row is grouped."""
    scope = Scope(None, *WINDOW)
    with hand.begin() as conn:
        conn.execute(activities.update().values(narrative_repeats=False))  # a mark nobody kept
        conn.execute(meta.delete().where(meta.c.key == lists.NARRATIVE_MARK_KEPT))
        assert not lists.narrative_mark_kept(conn)
        assert lists.count_narrative_clusters(conn, scope) == 2
        assert cluster_rows(conn, scope) == [[PATROLI, 2, 1, "Agus"], [SAMBANG, 4, 3, "Agus, Budi, Citra"]]


def test_both_databases_group_over_the_marked_keys(hand):
    """Where the mark is kept, SQLite as PostgreSQL counts the clusters over the marked keys, and finds both."""
    with hand.connect() as conn:
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(conn, "before_cursor_execute", listen)
        assert lists.count_narrative_clusters(conn, Scope(None, *WINDOW)) == 2
        event.remove(conn, "before_cursor_execute", listen)
    assert "narrative_repeats" in statements[-1]


def test_a_tab_keeps_its_filters_while_another_is_open(sample_sqlite_url, monkeypatch):
    at = new_app(sample_sqlite_url, monkeypatch)
    at.session_state["unit"] = "PR-35.21"
    at.session_state["window"] = SAMPLE_WINDOW
    at.run()
    at.switch_page("app_pages/kualitas.py").run()
    open_quality_tab(at, "flagged").multiselect(key="quality_flag_filter").set_value(["gps_outside"]).run()
    at.selectbox(key="order_flagged").set_value("newest").run()
    open_quality_tab(at, "copies")
    assert not at.multiselect  # the flagged tab is closed: its filter is not drawn
    open_quality_tab(at, "flagged")
    assert at.multiselect(key="quality_flag_filter").value == ["gps_outside"]
    assert at.selectbox(key="order_flagged").value == "newest"
