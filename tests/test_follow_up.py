"""Tindak lanjut: the life cycle of an item, closing by evidence, role rules, local time, audit and the review."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from builders import activity, base_export
from ingest.importer import import_export
from queries import accounts, follow_up
from queries.follow_up import EVIDENCE, FollowUpError, NotAllowed
from queries.schema import audit_log, follow_up_history, follow_ups
from queries.scope import Scope

V1, V2, V3, V4 = "35.21.01.2001", "35.21.01.2002", "35.21.02.2003", "63.08.01.2004"
O1, O2, O3 = "80010001", "80010002", "80010003"
OPENED_ON = date(2024, 3, 4)  # the as-of day of the alerts the items come from
T0 = datetime(2024, 2, 27, 3, 0)  # naive UTC, as stored


def complaint(cid: str, village: str, created: str, responded: str = "") -> dict:
    return {"complaint_id": cid, "village_code": village, "category": "Pencurian", "channel": "WhatsApp",
            "created_at": created, "first_response_at": responded, "resolved_at": "", "nrp": ""}


# Before the items open: Agus (O1) visited V1 door to door on 1 March, nobody visited V2; Budi (O2) last
# reported on 20 February; complaint K1 in V3 (Polsek B) came in on 1 March 09:00 WIB and is unanswered.
FIRST = {
    "activities": [activity("R1", O1, V1, "dds", "2024-03-01T09:00:00+07:00", "2024-03-01T10:00:00+07:00",
                            household_id="H1"),
                   activity("R2", O2, V3, "pelayanan", "2024-02-20T09:00:00+07:00", "2024-02-20T10:00:00+07:00")],
    "complaints": [complaint("K1", V3, "2024-03-01T09:00:00+07:00")],
}
# A late report of Budi dated 3 March, before the items' day: no evidence that he is reporting again.
LATE = {"activities": [activity("R3", O2, V3, "binluh", "2024-03-03T10:00:00+07:00", "2024-03-05T10:00:00+07:00")]}
# Then V2 gets two DDS visits on 6 March (09:00 and 11:00 WIB), Budi reports on 7 March 08:00 WIB, and K1 is
# answered on 6 March 09:00 WIB.
SECOND = {
    "activities": [activity("R4", O1, V2, "dds", "2024-03-06T09:00:00+07:00", "2024-03-06T10:00:00+07:00",
                            household_id="H2"),
                   activity("R5", O1, V2, "dds", "2024-03-06T11:00:00+07:00", "2024-03-06T12:00:00+07:00",
                            household_id="H3"),
                   activity("R6", O2, V3, "deteksi_dini", "2024-03-07T08:00:00+07:00", "2024-03-07T09:00:00+07:00")],
    "complaints": [complaint("K1", V3, "2024-03-01T09:00:00+07:00", "2024-03-06T09:00:00+07:00")],
}


def load(engine, directory, files: dict) -> None:
    assert import_export(engine, base_export(directory, **files), imported_by="test").ok


def people(conn) -> dict[str, accounts.User]:
    """One account per role, home units in the base units (Polres Ngawi: Polsek A and B; Polda 63: Polsek C)."""
    spec = {"admin": ("admin", None), "korbinmas": ("national", None), "kapolda63": ("polda", "PD-63"),
            "kapolres": ("polres", "PR-35.21"), "kapolsek.a": ("polsek", "PS-A"), "kapolsek.b": ("polsek", "PS-B"),
            "pelatih": ("trainer", "PR-35.21")}
    return {name: accounts.add_user(conn, name, name.title(), role, unit, email=f"{name}@example.test")
            for name, (role, unit) in spec.items()}


@pytest.fixture
def world(engine, tmp_path):
    load(engine, tmp_path / "first", FIRST)
    with engine.begin() as conn:
        users = people(conn)
    return engine, users


def item(conn, item_id: int):
    return conn.execute(select(follow_ups).where(follow_ups.c.id == item_id)).one()


def test_the_same_alert_opened_twice_is_one_item_and_a_closed_one_makes_room_for_a_new(world):
    engine, users = world
    with engine.begin() as conn:
        first = follow_up.open_item(conn, users["kapolsek.a"], "blind_spot", V2, OPENED_ON, now=T0)
        again = follow_up.open_item(conn, users["kapolres"], "blind_spot", V2, OPENED_ON, now=T0)
        row = item(conn, first)
    assert again == first
    assert (row.unit_code, row.status, row.opened_by, row.opened_on) == ("PS-A", "baru", "kapolsek.a", OPENED_ON)
    with engine.begin() as conn:
        follow_up.set_status(conn, users["kapolsek.a"], first, "selesai", now=T0)
        reopened = follow_up.open_item(conn, users["kapolsek.a"], "blind_spot", V2, OPENED_ON, now=T0)
        opened = conn.execute(select(follow_up_history.c.item_id).where(follow_up_history.c.change == "opened")).all()
    assert reopened != first and sorted(opened) == sorted([(first,), (reopened,)])


def test_the_status_moves_only_along_the_allowed_transitions(world):
    engine, users = world
    chief = users["kapolsek.b"]
    with engine.begin() as conn:
        k1 = follow_up.open_item(conn, chief, "overdue_complaint", "K1", OPENED_ON, now=T0)
        o2 = follow_up.open_item(conn, chief, "silent_officer", O2, OPENED_ON, now=T0)
        with pytest.raises(FollowUpError, match="cannot go from baru to baru"):
            follow_up.set_status(conn, chief, k1, "baru")
        follow_up.set_status(conn, chief, k1, "ditangani", "Kanit Binmas menelepon pelapor", now=T0)
        with pytest.raises(FollowUpError, match="cannot go from ditangani to baru"):
            follow_up.set_status(conn, chief, k1, "baru")
        follow_up.set_status(conn, chief, k1, "selesai", now=datetime(2024, 3, 1, 5, 0))
        with pytest.raises(FollowUpError, match="from selesai: none"):
            follow_up.set_status(conn, chief, k1, "ditangani")
        with pytest.raises(FollowUpError, match="needs a reason"):
            follow_up.set_status(conn, chief, o2, "tidak_perlu", "  ")
        follow_up.set_status(conn, chief, o2, "tidak_perlu", "Cuti sakit, surat menyusul", now=T0)
        with pytest.raises(FollowUpError, match="is closed"):
            follow_up.update(conn, chief, o2, note="late")
        done, skipped = item(conn, k1), item(conn, o2)
        changes = conn.execute(select(follow_up_history.c.change, follow_up_history.c.old_value,
                                      follow_up_history.c.new_value, follow_up_history.c.note)
                               .where(follow_up_history.c.item_id == k1).order_by(follow_up_history.c.id)).all()
    assert (done.status, done.closed_by, done.closed_at) == ("selesai", "kapolsek.b", datetime(2024, 3, 1, 5, 0))
    assert (skipped.status, skipped.reason) == ("tidak_perlu", "Cuti sakit, surat menyusul")
    assert [tuple(c) for c in changes] == [("opened", None, "overdue_complaint", None),
                                           ("status", "baru", "ditangani", "Kanit Binmas menelepon pelapor"),
                                           ("status", "ditangani", "selesai", None)]


def test_assignee_due_date_and_note_are_each_one_change_in_the_history_and_the_audit_log(world):
    engine, users = world
    with engine.begin() as conn:
        before = len(conn.execute(select(audit_log.c.id)).all())
        v2 = follow_up.open_item(conn, users["kapolres"], "blind_spot", V2, OPENED_ON, now=T0)
        follow_up.update(conn, users["kapolres"], v2, assignee="kapolsek.a", due_on=date(2024, 3, 8),
                         note="Sambang 10 rumah minggu ini", now=T0)
        follow_up.update(conn, users["kapolres"], v2, assignee="kapolsek.a", now=T0)  # no change: no row
        row = item(conn, v2)
        audit = conn.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                             .order_by(audit_log.c.id)).all()[before:]
    assert (row.assignee, row.due_on, row.note) == ("kapolsek.a", date(2024, 3, 8), "Sambang 10 rumah minggu ini")
    assert [tuple(a) for a in audit] == [
        ("kapolres", "follow_up", f"#{v2} opened: – → blind_spot ({V2})"),
        ("kapolres", "follow_up", f"#{v2} assignee: – → kapolsek.a"),
        ("kapolres", "follow_up", f"#{v2} due: – → 2024-03-08"),
        ("kapolres", "follow_up", f"#{v2} note: – → Sambang 10 rumah minggu ini")]


@pytest.mark.parametrize(("user", "allowed", "refused"), [
    # a Polsek chief: his Polsek only
    ("kapolsek.a", [("blind_spot", V1), ("silent_officer", O1)], [("blind_spot", V3), ("overdue_complaint", "K1")]),
    # a Polres chief: his Polsek A and B, not Polsek C of another Polda
    ("kapolres", [("blind_spot", V3), ("overdue_complaint", "K1"), ("flag_spike", "PS-B")],
     [("blind_spot", V4), ("silent_officer", O3), ("flag_spike", "PR-63.08")]),
    ("kapolda63", [("blind_spot", V4), ("submission_dip", "PR-63.08")], [("blind_spot", V1)]),
    # a trainer: officers in his home unit, nothing else
    ("pelatih", [("silent_officer", O2), ("officer_flag_spike", O1)],
     [("blind_spot", V1), ("overdue_complaint", "K1"), ("silent_officer", O3)]),
    ("korbinmas", [], [("blind_spot", V1), ("silent_officer", O3), ("submission_dip", "")]),
    ("admin", [("blind_spot", V4), ("silent_officer", O1), ("submission_dip", "")], []),
])
def test_each_role_acts_only_where_it_may(world, user, allowed, refused):
    engine, users = world
    actor = users[user]
    with engine.begin() as conn:
        for kind, subject in allowed:
            item_id = follow_up.open_item(conn, actor, kind, subject, OPENED_ON, now=T0)
            follow_up.set_status(conn, actor, item_id, "ditangani", now=T0)
        for kind, subject in refused:
            with pytest.raises(NotAllowed, match=f"{user} .*may not open a {kind} item"):
                follow_up.open_item(conn, actor, kind, subject, OPENED_ON, now=T0)
            # opened by the admin, the item is still not this user's to change
            item_id = follow_up.open_item(conn, users["admin"], kind, subject, OPENED_ON, now=T0)
            with pytest.raises(NotAllowed, match="may not change"):
                follow_up.set_status(conn, actor, item_id, "ditangani", now=T0)
            with pytest.raises(NotAllowed, match="may not change"):
                follow_up.update(conn, actor, item_id, note="x", now=T0)


def test_work_goes_only_to_an_account_that_may_act_on_the_item(world):
    engine, users = world
    with engine.begin() as conn:
        v3 = follow_up.open_item(conn, users["kapolres"], "blind_spot", V3, OPENED_ON, now=T0)
        o2 = follow_up.open_item(conn, users["kapolres"], "silent_officer", O2, OPENED_ON, now=T0)
        with pytest.raises(FollowUpError, match="kapolsek.a \\(polsek\\) may not act"):
            follow_up.update(conn, users["kapolres"], v3, assignee="kapolsek.a")
        with pytest.raises(FollowUpError, match="pelatih \\(trainer\\) may not act"):
            follow_up.update(conn, users["kapolres"], v3, assignee="pelatih")
        with pytest.raises(FollowUpError, match="no enabled account 'nobody'"):
            follow_up.update(conn, users["kapolres"], v3, assignee="nobody")
        assert follow_up.assignable(conn, v3) == ["admin", "kapolres", "kapolsek.b"]
        assert follow_up.assignable(conn, o2) == ["admin", "kapolres", "kapolsek.b", "pelatih"]


def test_imports_close_the_items_their_rows_resolve_with_the_evidence(world, tmp_path):
    engine, users = world
    with engine.begin() as conn:
        ids = {kind: follow_up.open_item(conn, users["admin"], kind, subject, OPENED_ON, now=T0)
               for kind, subject in (("blind_spot", V2), ("silent_officer", O2), ("overdue_complaint", "K1"))}
        v1 = follow_up.open_item(conn, users["admin"], "blind_spot", V1, OPENED_ON, now=T0)  # R1 is before
        spike = follow_up.open_item(conn, users["admin"], "flag_spike", "PS-A", OPENED_ON, now=T0)
    load(engine, tmp_path / "late", LATE)
    with engine.connect() as conn:
        assert item(conn, ids["silent_officer"]).status == "baru"  # R3 is dated 3 March, before the item
    load(engine, tmp_path / "second", SECOND)
    with engine.connect() as conn:
        rows = {kind: item(conn, item_id) for kind, item_id in ids.items()}
        left_open = [item(conn, v1).status, item(conn, spike).status]
        evidence_history = conn.execute(select(follow_up_history.c.actor, follow_up_history.c.new_value)
                                        .where(follow_up_history.c.actor == EVIDENCE)).all()
        audited = conn.execute(select(audit_log.c.username).where(audit_log.c.username == EVIDENCE)).all()
    # V2: R4 at 09:00 WIB = 02:00 UTC on 6 March, the first of the two visits; Budi: R6 at 08:00 WIB = 01:00 UTC
    # on 7 March; K1: answered 09:00 WIB = 02:00 UTC on 6 March.
    assert {kind: (r.status, r.closed_by, r.evidence_at, r.evidence_ref) for kind, r in rows.items()} == {
        "blind_spot": ("selesai", EVIDENCE, datetime(2024, 3, 6, 2, 0), "R4"),
        "silent_officer": ("selesai", EVIDENCE, datetime(2024, 3, 7, 1, 0), "R6"),
        "overdue_complaint": ("selesai", EVIDENCE, datetime(2024, 3, 6, 2, 0), "K1")}
    assert left_open == ["baru", "baru"]  # spikes are left to people
    assert len(evidence_history) == 3 and len(audited) == 3
    with engine.begin() as conn:
        assert follow_up.close_by_evidence(conn) == 0  # run again on request: nothing more to close


def test_closing_by_evidence_on_request_stays_in_the_scope(world, tmp_path):
    engine, users = world
    load(engine, tmp_path / "second", SECOND)  # the rows come first; the items about the days before them after
    with engine.begin() as conn:
        v2 = follow_up.open_item(conn, users["admin"], "blind_spot", V2, OPENED_ON, now=T0)
        k1 = follow_up.open_item(conn, users["admin"], "overdue_complaint", "K1", OPENED_ON, now=T0)
        closed = follow_up.close_by_evidence(conn, Scope("PS-A", date(2024, 3, 1), date(2024, 3, 7)))
        statuses = item(conn, v2).status, item(conn, k1).status
    assert closed == 1 and statuses == ("selesai", "baru")  # K1 is Polsek B's


def test_overdue_is_judged_on_the_units_own_calendar_and_closed_this_week_from_its_monday(world):
    engine, users = world
    with engine.begin() as conn:
        wib = follow_up.open_item(conn, users["admin"], "blind_spot", V1, OPENED_ON, now=T0)
        wita = follow_up.open_item(conn, users["admin"], "blind_spot", V4, OPENED_ON, now=T0)
        for item_id in (wib, wita):
            follow_up.update(conn, users["admin"], item_id, due_on=date(2024, 3, 10), now=T0)
        this_week = follow_up.open_item(conn, users["admin"], "silent_officer", O1, OPENED_ON, now=T0)
        last_week = follow_up.open_item(conn, users["admin"], "silent_officer", O2, OPENED_ON, now=T0)
        # 20:00 UTC Sunday 10 March is 03:00 WIB Monday 11 March; 16:00 UTC is still 23:00 WIB on Sunday.
        follow_up.set_status(conn, users["admin"], this_week, "selesai", now=datetime(2024, 3, 10, 20, 0))
        follow_up.set_status(conn, users["admin"], last_week, "selesai", now=datetime(2024, 3, 10, 16, 0))
        # 16:30 UTC on 10 March: 23:30 WIB still the 10th (due today, not overdue), 00:30 WITA already the 11th
        listed = follow_up.items(conn, Scope(None, date(2024, 3, 1), date(2024, 3, 7)),
                                 now=datetime(2024, 3, 10, 16, 30)).set_index("id")
        a_week_on = follow_up.items(conn, Scope(None, date(2024, 3, 1), date(2024, 3, 7)),
                                    now=datetime(2024, 3, 13, 3, 0)).set_index("id")
    assert not listed.loc[wib, "overdue"] and listed.loc[wita, "overdue"]
    assert set(a_week_on.index) == {wib, wita, this_week}  # Monday 11 March starts the week in WIB
    assert a_week_on.loc[this_week, "closed_this_week"]


def test_lists_keep_to_the_scope_and_name_officers_only_in_the_officer_columns(world):
    engine, users = world
    with engine.begin() as conn:
        follow_up.open_item(conn, users["admin"], "blind_spot", V4, OPENED_ON, now=T0)
        o2 = follow_up.open_item(conn, users["admin"], "silent_officer", O2, OPENED_ON, now=T0)
        v1 = follow_up.open_item(conn, users["admin"], "blind_spot", V1, OPENED_ON, now=T0)
        listed = follow_up.items(conn, Scope("PR-35.21", date(2024, 3, 1), date(2024, 3, 7)), now=T0)
        polsek_b = follow_up.items(conn, Scope(None, date(2024, 3, 1), date(2024, 3, 7), boundary="PS-B"), now=T0)
        marks = follow_up.open_subjects(conn, Scope("PR-35.21", date(2024, 3, 1), date(2024, 3, 7)))
        outside = follow_up.history(conn, Scope("PS-A", date(2024, 3, 1), date(2024, 3, 7)), o2)
    by_id = listed.set_index("id")
    assert sorted(listed["id"]) == sorted([o2, v1]) and polsek_b["id"].tolist() == [o2]
    assert pd.isna(by_id.loc[o2, "subject"]) and pd.isna(by_id.loc[v1, "nrp"])  # an NRP in one column only
    assert by_id.loc[o2, ["nrp", "officer", "unit"]].tolist() == [O2, "Budi", "Polsek B"]
    assert by_id.loc[v1, ["subject", "subject_name"]].tolist() == [V1, "Desa Satu"]
    assert sorted(marks[["kind", "subject", "nrp"]].fillna("-").itertuples(index=False, name=None)) == [
        ("blind_spot", V1, "-"), ("silent_officer", "-", O2)]
    assert outside.empty  # Budi's item is Polsek B's, not visible from Polsek A


def test_the_review_lists_what_was_due_or_changed_last_week_and_whether_its_number_moved(world, tmp_path):
    engine, users = world
    admin, chief = users["admin"], users["kapolres"]
    with engine.begin() as conn:
        v2 = follow_up.open_item(conn, chief, "blind_spot", V2, OPENED_ON, now=T0)
        follow_up.update(conn, chief, v2, assignee="kapolsek.a", due_on=date(2024, 3, 6),
                         note="Sambang 10 rumah", now=datetime(2024, 2, 28, 3, 0))
        o2 = follow_up.open_item(conn, chief, "silent_officer", O2, OPENED_ON, now=T0)
        k1 = follow_up.open_item(conn, chief, "overdue_complaint", "K1", OPENED_ON, now=T0)
        follow_up.set_status(conn, chief, k1, "ditangani", "Telepon pelapor", now=datetime(2024, 3, 5, 3, 0))
        v1 = follow_up.open_item(conn, chief, "blind_spot", V1, OPENED_ON, now=T0)  # nothing due, nothing done
        follow_up.update(conn, chief, v1, due_on=date(2024, 3, 20), now=T0)
        follow_up.open_item(conn, admin, "blind_spot", V4, OPENED_ON, now=T0)  # another Polda
    load(engine, tmp_path / "late", LATE)
    load(engine, tmp_path / "second", SECOND)
    with engine.begin() as conn:  # the import closed them at the real time: put that inside the review's week
        conn.execute(follow_up_history.update().where(follow_up_history.c.actor == EVIDENCE)
                     .values(at=datetime(2024, 3, 7, 12, 0)))
        rows = follow_up.review(conn, Scope("PR-35.21", date(2024, 3, 1), date(2024, 3, 7)),
                                now=datetime(2024, 3, 8, 5, 0)).set_index("id")
    # The week: 1 March (8 March 12:00 WIB − 7 days) to now. V2 was due on 6 March and closed by evidence; Budi's
    # and K1's items were closed by evidence on 7 March (K1 also taken up on 5 March); V1 is due on 20 March.
    assert sorted(rows.index) == sorted([v2, o2, k1])
    assert rows.loc[[v2, o2, k1], "changes"].tolist() == [1, 1, 2]
    assert rows.loc[v2, ["assignee", "due_on", "note", "done", "overdue"]].tolist() == [
        "kapolsek.a", date(2024, 3, 6), "Sambang 10 rumah", True, False]
    # V2 (50 households): none visited in the 30 days to 4 March; H2 and H3 in the 30 days to the data's last
    # day, 7 March: 2 / 50. Budi: last report 3 March (R3) at the 4th = 1 day; on the 7th (R6) = 0 days.
    # K1: 1 March 02:00 UTC to the end of 4 March WIB (17:00 UTC) = 3 × 24 + 15 = 87 h; answered 6 March
    # 02:00 UTC = 120 h after it came in.
    assert rows.loc[v2, ["measure", "then", "now", "moved"]].tolist() == ["coverage", 0.0, 2 / 50, True]
    assert rows.loc[o2, ["measure", "then", "now", "moved"]].tolist() == ["days_silent", 1.0, 0.0, True]
    assert rows.loc[k1, ["measure", "then", "now", "moved"]].tolist() == ["hours_unanswered", 87.0, 120.0, True]


def test_alert_rows_name_their_kind_and_subject():
    blind = pd.DataFrame({"village_code": [V2, V3]})
    spikes = pd.DataFrame({"unit_code": [O1]})
    assert follow_up.alert_items("blind_spots", blind, "PR-35.21", officers=False) == [("blind_spot", V2),
                                                                                       ("blind_spot", V3)]
    assert follow_up.alert_items("flag_spikes", spikes, "PS-A", officers=True) == [("officer_flag_spike", O1)]
    assert follow_up.alert_items("flag_spikes", pd.DataFrame({"unit_code": ["PS-A"]}), "PR-35.21",
                                 officers=False) == [("flag_spike", "PS-A")]
    # a day's dip is the scope's unit's ("" for the whole country); an alert no kind knows opens nothing
    assert follow_up.alert_items("submission_dips", pd.DataFrame({"date": [OPENED_ON]}), None, False) == [
        ("submission_dip", "")]
    assert follow_up.alert_items("unknown", blind, None, False) == []


def test_the_items_a_user_may_act_on_are_found_in_one_query_by_the_same_rules(world):
    engine, users = world
    with engine.begin() as conn:
        ids = {subject: follow_up.open_item(conn, users["admin"], kind, subject, OPENED_ON, now=T0)
               for kind, subject in (("blind_spot", V1), ("silent_officer", O2), ("blind_spot", V4),
                                     ("submission_dip", ""))}
        everything = Scope(None, date(2024, 3, 1), date(2024, 3, 7))
        found = {name: follow_up.actable(conn, user, replace(everything, boundary=user.home_unit))
                 for name, user in users.items()}
    # The national dip is the admin's alone; Polda 63 has V4 only; the trainer only Budi, an officer.
    assert found == {"admin": sorted(ids.values()), "korbinmas": [], "kapolda63": [ids[V4]],
                     "kapolres": [ids[V1], ids[O2]], "kapolsek.a": [ids[V1]], "kapolsek.b": [ids[O2]],
                     "pelatih": [ids[O2]]}


# -- The dashboard: the overview's alerts, the page per role, the briefing

UI_FILES = {**FIRST,
            "assignments": [{"nrp": O1, "village_code": V1, "start_date": "2024-01-01", "end_date": ""},
                            {"nrp": O1, "village_code": V2, "start_date": "2024-01-01", "end_date": ""},
                            {"nrp": O2, "village_code": V3, "start_date": "2024-01-01", "end_date": ""}],
            # K2 waits from 25 February: past the 24-hour SLA at the window's end (1 March, the last report)
            "complaints": [complaint("K2", V3, "2024-02-25T09:00:00+07:00")]}
WINDOW_END = date(2024, 3, 1)


@pytest.fixture
def ui_world(tmp_path):
    """A SQLite database of UI_FILES with one account per role; returns (url, engine, users)."""
    from queries.db import make_engine

    url = f"sqlite:///{tmp_path / 'ui.sqlite'}"
    engine = make_engine(url)
    load(engine, tmp_path / "ui", UI_FILES)
    with engine.begin() as conn:
        users = people(conn)
    yield url, engine, users
    engine.dispose()


def app_as(url, monkeypatch, user: accounts.User, page: str | None = None):
    from test_app import new_app

    at = new_app(url, monkeypatch, user.username, user.role, user.home_unit)
    if page:
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(follow_ups.c.kind, follow_ups.c.subject, follow_ups.c.opened_on,
                                                      follow_ups.c.opened_by).order_by(follow_ups.c.id))]


def test_the_overview_opens_follow_ups_for_the_selected_alert_rows_and_marks_them(ui_world, monkeypatch):
    url, engine, users = ui_world
    at = app_as(url, monkeypatch, users["kapolres"])
    blind = next(df for df in at.dataframe if df.key == "alert_blind_spots")
    # V2 and V3 have never had a DDS visit: both listed, by code; V1 was visited on 1 March.
    assert blind.value["Nama"].tolist() == ["Desa Dua", "Desa Tiga"]
    assert blind.value["Tindak lanjut"].tolist() == ["", ""]
    at.session_state["alert_blind_spots"] = {"selection": {"rows": [0, 1], "columns": []}}
    at.run()
    at.button(key="fu_open_blind_spots").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert open_rows(engine) == [("blind_spot", V2, WINDOW_END, "kapolres"), ("blind_spot", V3, WINDOW_END, "kapolres")]
    blind = next(df for df in at.dataframe if df.key == "alert_blind_spots")
    assert blind.value["Tindak lanjut"].tolist() == ["Baru", "Baru"]
    at.button(key="fu_open_blind_spots").click().run()  # the same rows again: still two items
    assert len(open_rows(engine)) == 2


@pytest.mark.parametrize(("user", "selectable"), [
    ("kapolres", {"alert_blind_spots", "alert_silent_officers", "alert_overdue_complaints"}),
    ("pelatih", {"alert_silent_officers"}),  # officers only
    ("korbinmas", set()),  # reads only
])
def test_only_roles_that_act_may_select_alert_rows(ui_world, monkeypatch, user, selectable):
    url, _, users = ui_world
    at = app_as(url, monkeypatch, users[user])
    if user == "korbinmas":
        at.sidebar.selectbox(key="pick_polda").select("PD-35").run()
    assert {df.key for df in at.dataframe if (df.key or "").startswith("alert_")} == selectable


@pytest.fixture
def ui_items(ui_world):
    """Items of Polsek A (V2, overdue since 28 February) and Polsek B (Budi; K2, closed today by evidence)."""
    url, engine, users = ui_world
    chief = users["kapolres"]
    with engine.begin() as conn:
        v2 = follow_up.open_item(conn, chief, "blind_spot", V2, WINDOW_END)
        follow_up.update(conn, chief, v2, assignee="kapolsek.a", due_on=date(2024, 2, 28), note="Sambang")
        o2 = follow_up.open_item(conn, chief, "silent_officer", O2, WINDOW_END)
        k2 = follow_up.open_item(conn, chief, "overdue_complaint", "K2", WINDOW_END)
        conn.execute(follow_ups.update().where(follow_ups.c.id == k2).values(  # as the data would close it
            status="selesai", closed_at=datetime.now(UTC).replace(tzinfo=None), closed_by=EVIDENCE,
            evidence_at=datetime(2024, 3, 2, 2, 0),
            evidence_ref="K2"))
    return url, engine, users, {"V2": v2, "O2": o2, "K2": k2}


def page_lists(at) -> list[pd.DataFrame]:
    """The open, overdue and closed-this-week tables (an empty list draws no table, only its heading)."""
    tables = iter(df.value for df in at.dataframe if "Subjek" in df.value.columns)
    counts = [int(h.value.split(": ")[1]) for h in at.subheader
              if h.value.split(":")[0] in ("Terbuka", "Lewat tenggat", "Ditutup minggu ini")]
    return [next(tables) if count else pd.DataFrame({"Subjek": []}) for count in counts]


@pytest.mark.parametrize(("user", "scope_items", "actable"), [
    ("kapolres", ["V2", "O2"], ["V2", "O2"]),
    ("kapolsek.b", ["O2"], ["O2"]),  # Polsek A's village is not his to see
    ("pelatih", ["V2", "O2"], ["O2"]),  # sees the Polres, acts on officers
    ("korbinmas", ["V2", "O2"], []),  # reads, names masked
    ("admin", ["V2", "O2"], ["V2", "O2"]),
])
def test_the_page_lists_the_scopes_items_and_offers_only_the_users_own_to_act_on(ui_items, monkeypatch, user,
                                                                                 scope_items, actable):
    url, _, users, ids = ui_items
    at = app_as(url, monkeypatch, users[user], "tindak_lanjut")
    assert at.title[0].value == "Tindak Lanjut"
    open_list, overdue, closed = page_lists(at)
    names = {"V2": "Desa Dua", "O2": "Budi (80010002)"}
    if user == "korbinmas":
        assert open_list["Subjek"].iloc[0] == "Desa Dua"
        assert "Budi" not in open_list["Subjek"].iloc[1] and "80010002" not in open_list["Subjek"].iloc[1]
        assert any(info.value == "Peran Anda hanya membaca tindak lanjut." for info in at.info)
    else:
        assert open_list["Subjek"].tolist() == [names[key] for key in scope_items]
    # V2 was due on 28 February: overdue wherever it is seen. K2 was closed today by the data.
    assert overdue["Subjek"].tolist() == (["Desa Dua"] if "V2" in scope_items else [])
    assert closed["Bukti atau alasan"].tolist() == ["Ditanggapi 2 Maret 2024 09.00 WIB"]  # 02:00 UTC
    picks = [box for box in at.selectbox if box.key == "fu_pick"]
    assert [int(option.split(" · ")[0]) for option in (picks[0].options if picks else [])] == [
        ids[key] for key in actable]


def test_a_polsek_chief_assigns_and_takes_up_an_item_through_the_form(ui_items, monkeypatch):
    url, engine, users, ids = ui_items
    at = app_as(url, monkeypatch, users["kapolsek.b"], "tindak_lanjut")
    o2 = ids["O2"]
    assert at.selectbox(key=f"fu_assignee_{o2}").options == ["— belum ditugaskan —", "admin", "kapolres",
                                                            "kapolsek.b", "pelatih"]
    at.selectbox(key=f"fu_assignee_{o2}").select("pelatih")
    at.date_input(key=f"fu_due_{o2}").set_value(date(2024, 3, 8))
    at.text_area(key=f"fu_note_{o2}").input("Pelatih mendampingi Budi")
    at.selectbox(key=f"fu_status_{o2}").select("ditangani")
    at.button[[b.label for b in at.button].index("Simpan")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with engine.connect() as conn:
        row = item(conn, o2)
    assert (row.assignee, row.due_on, row.note, row.status) == ("pelatih", date(2024, 3, 8),
                                                               "Pelatih mendampingi Budi", "ditangani")
    assert any(s.value == "Tersimpan." for s in at.success)
    history = next(df.value for df in at.dataframe if "Perubahan" in df.value.columns)
    assert history["Perubahan"].tolist() == ["dibuka", "penugasan", "tenggat", "catatan", "status"]
    assert history["Menjadi"].tolist()[-1] == "Ditangani"
    # "Tidak perlu" without a reason is refused on the page, before the database is asked
    at.selectbox(key=f"fu_status_{o2}").select("tidak_perlu")
    at.button[[b.label for b in at.button].index("Simpan")].click().run()
    assert [e.value for e in at.error] == ['"Tidak perlu" memerlukan alasan.']
    with engine.connect() as conn:
        assert item(conn, o2).status == "ditangani"


def test_the_briefing_opens_with_last_weeks_follow_up(ui_items, monkeypatch):
    from test_app import new_app

    from components.briefing import briefing_html

    url, engine, users, ids = ui_items
    new_app(url, monkeypatch)
    pack = briefing_html(Scope("PR-35.21", date(2024, 2, 1), WINDOW_END))
    section = pack[pack.index("Tindak lanjut minggu lalu"):pack.index("Angka utama")]
    # Every item changed today: V2 (kapolsek.a, due 28 Feb, "Sambang"; overdue), Budi's item, and K2 closed by the
    # data. Coverage of V2 (50 households): none in the 30 days to 1 March, none since: 0,0% → 0,0%.
    assert "Desa titik buta: Desa Dua (Polsek A)" in section
    assert "kapolsek.a · 28 Februari 2024 · Sambang" in section
    assert "Baru, lewat tenggat" in section and "Cakupan DDS 0,0% → 0,0%" in section
    assert "Pengaduan lewat SLA: K2 (Polsek B)" in section and "Selesai: Ditanggapi 2 Maret 2024 09.00 WIB" in section
    assert section.index("Desa Dua") < pack.index("Angka utama")  # the pack opens with it


def test_the_command_line_closes_by_evidence_on_request(ui_world, capsys):
    import manage

    url, engine, users = ui_world
    with engine.begin() as conn:  # V1 had a DDS visit on 1 March: an item as of 29 February is resolved
        follow_up.open_item(conn, users["admin"], "blind_spot", V1, date(2024, 2, 29))
        follow_up.open_item(conn, users["admin"], "blind_spot", V2, date(2024, 2, 29))
    assert manage.main(["follow-up-close", "--db", url]) == 0
    assert capsys.readouterr().out.startswith("1 follow-up item(s) closed by evidence")


def test_every_kind_status_change_and_evidence_has_its_words_in_both_languages():
    from components.i18n import TEXTS

    assert all(f"fu.kind.{kind}" in TEXTS for kind in follow_up.KINDS)
    assert all(f"fu.status.{status}" in TEXTS for status in follow_up.STATUSES)
    assert all(f"fu.evidence.{key}" in TEXTS for key, kind in follow_up.KINDS.items() if kind.evidence)
    assert all(f"fu.change.{change}" in TEXTS for change in ("opened", "status", "assignee", "due", "note"))
    assert set(follow_up.TRANSITIONS) == set(follow_up.STATUSES)


def test_every_kind_comes_from_an_alert_the_overview_shows(sample_sqlite_url, monkeypatch):
    from test_app import new_app

    from components import data

    new_app(sample_sqlite_url, monkeypatch)  # points the loaders at the sample
    shown = set(data.alerts(Scope("PR-35.21", date(2022, 4, 16), date(2022, 5, 15))))
    assert {kind.alert for kind in follow_up.KINDS.values()} <= shown
    assert follow_up.kind_of_alert("hotspot", officers=False) == "hotspot"  # its rows open hot-spot items
