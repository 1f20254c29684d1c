"""Tindak lanjut: the life cycle of an item, closing by evidence, role rules, local time, audit and the review."""

from __future__ import annotations

from datetime import date, datetime

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
    assert listed.loc[wib, "overdue"] == False and listed.loc[wita, "overdue"] == True  # noqa: E712
    assert set(a_week_on.index) == {wib, wita, this_week}  # Monday 11 March starts the week in WIB
    assert a_week_on.loc[this_week, "closed_this_week"] == True  # noqa: E712


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
