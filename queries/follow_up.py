"""Tindak lanjut: alert items given an action (who, by when, what), followed until done or closed by the data.

An item comes from one alert row (a blind-spot village, a silent officer, an overdue complaint, ...), keyed by
(kind, subject); the same alert opened twice is one item while it is open. Status moves baru → ditangani →
selesai, or to tidak_perlu with a reason; closed items stay closed (the alert coming back opens a new item).
Who may act is decided here, not in the page: the unit's chain of command on its subtree, a trainer on officer
items of his home unit, national evaluators read only. Every change is kept in follow_up_history and in the
audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from queries import accounts
from queries.accounts import User
from queries.db import frame_of
from queries.schema import (
    FOLLOW_UP_OPEN,
    activities,
    complaints,
    follow_up_history,
    follow_ups,
    officers,
    unit_tree,
    units,
    villages,
)
from queries.scope import Scope, within
from queries.timeutil import local_date, local_day_bounds_utc, local_times

EVIDENCE = "(evidence)"  # closed_by / actor of a closing by the data; no user name can have parentheses
NATIONAL_ZONE = "Asia/Jakarta"
OPEN = FOLLOW_UP_OPEN
STATUSES = ("baru", "ditangani", "selesai", "tidak_perlu")
# Closed items are final: an alert that comes back is a new item with its own history.
TRANSITIONS = {"baru": ("ditangani", "selesai", "tidak_perlu"), "ditangani": ("selesai", "tidak_perlu"),
               "selesai": (), "tidak_perlu": ()}
CHAIN_ROLES = ("polda", "polres", "polsek")  # act on every item of their home unit's subtree
REVIEW_DAYS = 7
UNCHANGED = object()  # an update argument left as it is


class FollowUpError(ValueError):
    """A follow-up request that cannot be carried out (message says why)."""


class NotAllowed(FollowUpError):
    """The user's role or home unit does not allow this action on this item."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- Evidence: the earliest fact after an item opened that resolves it, as (id, evidence_at, evidence_ref).

def _first_report(items, *matches) -> Select:
    """Each item's first report (by activity time, then report id) matching the conditions, dated after it opened.

    A correlated subquery per item, so the database walks the few open items and looks each one up in an
    activities index; as a join, SQLite (with bound parameters) chose to scan every activity (3 s on the sample).
    """
    a = activities.c
    first = (select(a.report_id).where(*matches, a.local_date > items.c.opened_on)
             .order_by(a.activity_at, a.report_id).limit(1).correlate(items).scalar_subquery())
    found = select(items.c.id, first.label("report_id")).subquery()
    return select(found.c.id, a.activity_at, a.report_id).join(activities, a.report_id == found.c.report_id)


def dds_visit_since(items) -> Select:
    """A DDS visit to the blind-spot village dated after the item opened."""
    return _first_report(items, activities.c.village_code == items.c.subject, activities.c.activity_type == "dds")


def report_since(items) -> Select:
    """A report of any kind by the silent officer dated after the item opened."""
    return _first_report(items, activities.c.nrp == items.c.subject)


def complaint_answered(items) -> Select:
    """A first response to the complaint."""
    c = complaints.c
    return (select(items.c.id, c.first_response_at, c.complaint_id)
            .join(complaints, c.complaint_id == items.c.subject).where(c.first_response_at.is_not(None)))


@dataclass(frozen=True)
class Kind:
    """A kind of follow-up item: what its subject is, the overview alert it comes from, and how data closes it."""

    key: str
    subject: str  # "village", "officer", "complaint" or "unit"
    alert: str  # the key of the overview alert its items come from (components/data.alerts)
    column: str | None  # the alert row's column holding the subject; None: the scope's unit (a day's dip)
    evidence: Callable[..., Select] | None = None  # None: only people close it


# Adding a kind is one line. Spikes, dips and hot spots are closed by people: one quiet window after a spike
# or a dip says little, and a hot spot cools over months, so the data is not taken for an answer there.
KINDS = {kind.key: kind for kind in (
    Kind("blind_spot", "village", "blind_spots", "village_code", dds_visit_since),
    Kind("silent_officer", "officer", "silent_officers", "nrp", report_since),
    Kind("overdue_complaint", "complaint", "overdue_complaints", "complaint_id", complaint_answered),
    Kind("flag_spike", "unit", "flag_spikes", "unit_code"),
    Kind("officer_flag_spike", "officer", "flag_spikes", "unit_code"),  # a Polsek's spike rows are its officers
    Kind("submission_dip", "unit", "submission_dips", None),
    Kind("hotspot", "village", "hotspot", "village_code"),
)}


def kind_of_alert(alert: str, officers: bool) -> str | None:
    """The kind of item an overview alert's rows open (`officers`: the alert lists officers, a Polsek's spikes)."""
    matches = [k.key for k in KINDS.values() if k.alert == alert]
    if len(matches) > 1:
        matches = [key for key in matches if (KINDS[key].subject == "officer") == officers]
    return matches[0] if matches else None


def alert_items(alert: str, frame: pd.DataFrame, scope_unit: str | None, officers: bool) -> list[tuple[str, str]]:
    """(kind, subject) of each row of an overview alert, in its order: what opening a follow-up for it means."""
    kind = kind_of_alert(alert, officers)
    if kind is None:
        return []
    column = KINDS[kind].column
    subjects = [scope_unit or ""] * len(frame) if column is None else frame[column].astype(str).tolist()
    return [(kind, subject) for subject in subjects]


def kinds_of(subject: str) -> list[str]:
    return [kind.key for kind in KINDS.values() if kind.subject == subject]


# -- Who may act

def _inside(conn: Connection, unit_code: str | None, home_unit: str | None) -> bool:
    """Whether a unit lies in the subtree of a home unit (everything is inside no home unit)."""
    if home_unit is None:
        return True
    if unit_code is None:
        return False
    return conn.execute(select(unit_tree.c.unit_code).where(unit_tree.c.ancestor_code == home_unit,
                                                            unit_tree.c.unit_code == unit_code)).first() is not None


def may_act(conn: Connection, user: User, kind: str, unit_code: str | None) -> bool:
    """Whether the user may open, assign or close an item of this kind belonging to this unit."""
    if user.role == "admin":
        return True
    if user.role in CHAIN_ROLES or (user.role == "trainer" and KINDS[kind].subject == "officer"):
        return unit_code is not None and _inside(conn, unit_code, user.home_unit)
    return False  # national evaluators (and the demo) read only


def _require(conn: Connection, user: User, kind: str, unit_code: str | None, what: str) -> None:
    if not may_act(conn, user, kind, unit_code):
        raise NotAllowed(f"{user.username} ({user.role}, {user.home_unit or 'national'}) may not {what} a "
                         f"{kind} item of {unit_code or 'the national level'}")


def unit_of(conn: Connection, kind: str, subject: str) -> str | None:
    """The unit an item belongs to: the village's, officer's or complaint's Polsek, or the unit itself."""
    if kind not in KINDS:
        raise FollowUpError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    what = KINDS[kind].subject
    if what == "unit" and subject == "":
        return None  # an alert of the national scope
    query = {"village": select(villages.c.unit_code).where(villages.c.code == subject),
             "officer": select(officers.c.unit_code).where(officers.c.nrp == subject),
             "complaint": select(villages.c.unit_code).join(complaints, complaints.c.village_code == villages.c.code)
             .where(complaints.c.complaint_id == subject),
             "unit": select(units.c.code).where(units.c.code == subject)}[what]
    unit = conn.execute(query).scalar()
    if unit is None:
        raise FollowUpError(f"no {what} {subject!r} for a {kind} item")
    return unit


# -- Changes

def _history(conn: Connection, item_id: int, actor: str, change: str, old, new, note: str | None,
             now: datetime, audit_note: str | None = None) -> None:
    """One change in the item's history and in the audit log.

    The history holds no NRP or report id (national evaluators read it); the audit log, the admin's, may.
    """
    conn.execute(follow_up_history.insert().values(
        item_id=item_id, at=now, actor=actor, change=change, note=note or None,
        old_value=None if old is None else str(old), new_value=None if new is None else str(new)))
    remark = audit_note or note
    accounts.record(conn, actor, "follow_up",
                    f"#{item_id} {change}: {'–' if old is None else old} → {'–' if new is None else new}"
                    + (f" ({remark})" if remark else ""))


def _open_id(conn: Connection, kind: str, subject: str) -> int | None:
    return conn.execute(select(follow_ups.c.id).where(follow_ups.c.kind == kind, follow_ups.c.subject == subject,
                                                      follow_ups.c.status.in_(OPEN))).scalar()


def open_item(conn: Connection, user: User, kind: str, subject: str, opened_on: date, note: str | None = None,
              now: datetime | None = None) -> int:
    """Open an item for an alert row, or return the open item already there for that (kind, subject)."""
    unit = unit_of(conn, kind, subject)
    _require(conn, user, kind, unit, "open")
    existing = _open_id(conn, kind, subject)
    if existing is not None:
        return existing
    now = now or _now()
    try:
        with conn.begin_nested():  # a second click racing this one meets the unique index of open items
            item_id = conn.execute(follow_ups.insert().values(
                kind=kind, subject=subject, unit_code=unit, opened_on=opened_on, opened_at=now,
                opened_by=user.username, note=note or None, status="baru")).inserted_primary_key[0]
    except IntegrityError:
        return _open_id(conn, kind, subject)
    _history(conn, item_id, user.username, "opened", None, kind, note, now, audit_note=subject)
    return item_id


def open_items(conn: Connection, user: User, rows: list[tuple[str, str]], opened_on: date,
               now: datetime | None = None) -> list[int]:
    """Open (or find) an item for each (kind, subject) of a selection of alert rows."""
    return [open_item(conn, user, kind, subject, opened_on, now=now) for kind, subject in rows]


def _item(conn: Connection, item_id: int):
    row = conn.execute(select(follow_ups).where(follow_ups.c.id == item_id)).first()
    if row is None:
        raise FollowUpError(f"no follow-up item {item_id}")
    return row


def set_status(conn: Connection, user: User, item_id: int, status: str, note: str | None = None,
               now: datetime | None = None) -> None:
    """Move an item to a status its current one allows; tidak_perlu needs the reason as the note."""
    item = _item(conn, item_id)
    _require(conn, user, item.kind, item.unit_code, "change")
    if status not in TRANSITIONS.get(item.status, ()):
        raise FollowUpError(f"follow-up {item_id} cannot go from {item.status} to {status}; from {item.status}: "
                            f"{', '.join(TRANSITIONS[item.status]) or 'none (closed)'}")
    if status == "tidak_perlu" and not (note or "").strip():
        raise FollowUpError("tidak_perlu needs a reason")
    now = now or _now()
    values = {"status": status}
    if status not in OPEN:
        values.update(closed_at=now, closed_by=user.username)
    if status == "tidak_perlu":
        values["reason"] = note.strip()
    conn.execute(follow_ups.update().where(follow_ups.c.id == item_id).values(**values))
    _history(conn, item_id, user.username, "status", item.status, status, note, now)


def update(conn: Connection, user: User, item_id: int, assignee=UNCHANGED, due_on=UNCHANGED, note=UNCHANGED,
           now: datetime | None = None) -> None:
    """Assign an open item to an account that may act on it, give it a due date or a note; each change kept."""
    item = _item(conn, item_id)
    _require(conn, user, item.kind, item.unit_code, "change")
    if item.status not in OPEN:
        raise FollowUpError(f"follow-up {item_id} is closed ({item.status})")
    if assignee is not UNCHANGED and assignee is not None:
        _check_assignee(conn, assignee, item)
    now = now or _now()
    for change, column, value in (("assignee", "assignee", assignee), ("due", "due_on", due_on),
                                  ("note", "note", note)):
        if value is UNCHANGED or value == item._mapping[column]:
            continue
        conn.execute(follow_ups.update().where(follow_ups.c.id == item_id).values({column: value}))
        _history(conn, item_id, user.username, change, item._mapping[column], value, None, now)


def _check_assignee(conn: Connection, username: str, item) -> None:
    """Work goes only to an enabled account that may act on the item itself."""
    assignee = accounts.load_user(conn, username)
    if assignee is None:
        raise FollowUpError(f"no enabled account {username!r}")
    if not may_act(conn, assignee, item.kind, item.unit_code):
        raise FollowUpError(f"{username} ({assignee.role}) may not act on follow-up {item.id}")


def assignable(conn: Connection, item_id: int) -> list[str]:
    """User names of the enabled accounts an item may be assigned to."""
    item = _item(conn, item_id)
    rows = conn.execute(select(accounts.users).where(accounts.users.c.disabled.is_(False))
                        .order_by(accounts.users.c.username)).all()
    people = [User(r.username, r.display_name, r.role, r.home_unit) for r in rows]
    return [p.username for p in people if may_act(conn, p, item.kind, item.unit_code)]


def act(conn: Connection, user: User, item_id: int, assignee: str | None, due_on: date | None, note: str | None,
        status: str | None = None, status_note: str | None = None, now: datetime | None = None) -> None:
    """The page's form in one transaction: the changed fields, then the new status (None: kept)."""
    now = now or _now()
    update(conn, user, item_id, assignee=assignee or None, due_on=due_on, note=(note or "").strip() or None, now=now)
    if status is not None:
        set_status(conn, user, item_id, status, status_note, now=now)


def actable(conn: Connection, user: User, scope: Scope) -> list[int]:
    """Ids of the scope's open items the user may act on, in one query (the rules of may_act)."""
    f = follow_ups.c
    if user.role == "admin":
        rules = []
    elif user.role in CHAIN_ROLES or user.role == "trainer":
        rules = [f.unit_code.in_(select(unit_tree.c.unit_code).where(unit_tree.c.ancestor_code == user.home_unit))]
        if user.role == "trainer":
            rules.append(f.kind.in_(kinds_of("officer")))
    else:
        return []
    return conn.execute(select(f.id).where(f.status.in_(OPEN), *within(f.unit_code, scope), *rules)
                        .order_by(f.id)).scalars().all()


def close_by_evidence(conn: Connection, scope: Scope | None = None, now: datetime | None = None) -> int:
    """Close the open items the data has resolved, with the fact that did; returns how many.

    Run after every import (ingest/importer.py) and on request (the page, `manage.py follow-up close`).
    """
    now = now or _now()
    closed = 0
    for kind in KINDS.values():
        if kind.evidence is None:
            continue
        items = (select(follow_ups.c.id, follow_ups.c.subject, follow_ups.c.opened_on, follow_ups.c.status)
                 .where(follow_ups.c.kind == kind.key, follow_ups.c.status.in_(OPEN),
                        *(within(follow_ups.c.unit_code, scope) if scope else ()))).subquery()
        if conn.execute(select(items.c.id).limit(1)).first() is None:
            continue  # the usual case after an import: nothing of this kind waits
        for item_id, evidence_at, ref in conn.execute(kind.evidence(items)).all():
            old = conn.execute(select(follow_ups.c.status).where(follow_ups.c.id == item_id)).scalar_one()
            conn.execute(follow_ups.update().where(follow_ups.c.id == item_id).values(
                status="selesai", closed_at=now, closed_by=EVIDENCE, evidence_at=evidence_at, evidence_ref=ref))
            _history(conn, item_id, EVIDENCE, "status", old, "selesai", None, now,
                     audit_note=f"evidence {ref} at {evidence_at:%Y-%m-%d %H:%M} UTC")
            closed += 1
    return closed


# -- Reading

ITEM_COLUMNS = ["id", "kind", "subject", "subject_name", "nrp", "officer", "unit_code", "unit", "timezone",
                "opened_on", "opened_by", "assignee", "due_on", "note", "status", "reason", "closed_at",
                "closed_by", "evidence_at", "evidence_ref"]


def _items_query(scope: Scope) -> Select:
    """Items in the scope with their subject named: a village or unit by name, an officer by name and NRP."""
    f = follow_ups.c
    village, officer = villages.alias("subject_village"), officers.alias("subject_officer")
    subject_unit, owner = units.alias("subject_unit"), units.alias("owner")
    person = f.kind.in_(kinds_of("officer"))
    return (select(f.id, f.kind, f.subject,
                   func.coalesce(village.c.name, subject_unit.c.name).label("subject_name"),
                   officer.c.nrp, officer.c.name.label("officer"), f.unit_code, owner.c.name.label("unit"),
                   func.coalesce(owner.c.timezone, NATIONAL_ZONE).label("timezone"), f.opened_on, f.opened_by,
                   f.assignee, f.due_on, f.note, f.status, f.reason, f.closed_at, f.closed_by, f.evidence_at,
                   f.evidence_ref, person.label("person"))
            .outerjoin(village, and_(village.c.code == f.subject, f.kind.in_(kinds_of("village"))))
            .outerjoin(officer, and_(officer.c.nrp == f.subject, person))
            .outerjoin(subject_unit, and_(subject_unit.c.code == f.subject, f.kind.in_(kinds_of("unit"))))
            .outerjoin(owner, owner.c.code == f.unit_code)
            .where(*within(f.unit_code, scope))
            .order_by(f.due_on.is_(None), f.due_on, f.id))


def _frame(rows, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = frame_of(rows, columns=ITEM_COLUMNS + ["person", *extra])
    # An officer's NRP lives in `nrp` only (masked for national users); the subject column never holds it.
    frame["subject"] = [None if person else subject for subject, person in zip(frame["subject"], frame["person"],
                                                                               strict=True)]
    return frame.drop(columns="person")


def items(conn: Connection, scope: Scope, now: datetime | None = None) -> pd.DataFrame:
    """Open items of the scope and those closed this week, with `overdue` and `closed_this_week` in local time.

    Overdue: still open and due before today in the unit's time zone. This week: since Monday, local time.
    """
    now = now or _now()
    recent = now - timedelta(days=8)  # a superset of any unit's week; cut exactly below
    query = _items_query(scope).where(or_(follow_ups.c.status.in_(OPEN), follow_ups.c.closed_at >= recent))
    frame = _frame(conn.execute(query).all())
    today = frame["timezone"].map(lambda zone: local_date(now, zone))
    week_start = today.map(lambda day: day - timedelta(days=day.weekday()))
    closed_day = pd.Series([None if at is None else at.date()
                            for at in local_times(frame["closed_at"], frame["timezone"])], index=frame.index,
                           dtype=object)
    is_open = frame["status"].isin(OPEN)
    frame["overdue"] = is_open & frame["due_on"].notna() & (frame["due_on"] < today)
    frame["closed_this_week"] = ~is_open & closed_day.notna() & (closed_day >= week_start)
    return frame[is_open | frame["closed_this_week"]].reset_index(drop=True)


def history(conn: Connection, scope: Scope, item_id: int) -> pd.DataFrame:
    """Every change of an item in the scope, oldest first (empty for an item outside it)."""
    h = follow_up_history.c
    visible = select(follow_ups.c.id).where(follow_ups.c.id == item_id, *within(follow_ups.c.unit_code, scope))
    rows = conn.execute(select(h.at, h.actor, h.change, h.old_value, h.new_value, h.note)
                        .where(h.item_id.in_(visible)).order_by(h.at, h.id)).all()
    return frame_of(rows, columns=["at", "actor", "change", "old_value", "new_value", "note"])


def open_subjects(conn: Connection, scope: Scope) -> pd.DataFrame:
    """(kind, subject or nrp, id, status) of the scope's open items: one query marks every alert row on the overview.

    An officer item's NRP is in `nrp` (masked for national users as the alerts' NRPs are), never in `subject`.
    """
    f = follow_ups.c
    person = f.kind.in_(kinds_of("officer"))
    rows = conn.execute(select(f.kind, f.subject, person, f.id, f.status)
                        .where(f.status.in_(OPEN), *within(f.unit_code, scope))).all()
    frame = frame_of(rows, columns=["kind", "subject", "person", "id", "status"])
    frame["nrp"] = [subject if person else None for subject, person in zip(frame["subject"], frame["person"],
                                                                           strict=True)]
    frame["subject"] = [None if person else subject for subject, person in zip(frame["subject"], frame["person"],
                                                                               strict=True)]
    return frame[["kind", "subject", "nrp", "id", "status"]]


# -- Last week's follow-up, for the briefing pack

REVIEW_COLUMNS = ITEM_COLUMNS + [
    "changes", "done", "overdue", "measure", "then", "now", "moved"]


def scope_zone(conn: Connection, scope: Scope) -> str:
    if scope.unit_code is None:
        return NATIONAL_ZONE
    return conn.execute(select(units.c.timezone).where(units.c.code == scope.unit_code)).scalar() or NATIONAL_ZONE


def review(conn: Connection, scope: Scope, now: datetime | None = None, days: int = REVIEW_DAYS) -> pd.DataFrame:
    """What the briefing opens with: items due or changed in the last `days` local days (and today, up to now).

    Per item: what was promised (assignee, due date, note), whether it is done (selesai) and, where the data
    tells, whether its number moved since it opened (`then` → `now`, `moved` True when for the better):
    a blind-spot village's DDS coverage over the blind-spot days, a silent officer's days since the last
    report, an overdue complaint's hours unanswered (or until its first response). `now` is measured at the
    data's last day (at most today). Spikes, dips and hot spots have no measure here.
    """
    now = now or _now()
    zone = scope_zone(conn, scope)
    today = local_date(now, zone)
    since = today - timedelta(days=days)
    h = follow_up_history.c
    changed = (select(h.item_id, func.count().label("changes"))
               .where(h.at >= local_day_bounds_utc(since, zone)[0], h.at <= now).group_by(h.item_id).subquery())
    query = (_items_query(scope).add_columns(changed.c.changes)
             .outerjoin(changed, changed.c.item_id == follow_ups.c.id)
             .where(or_(follow_ups.c.due_on.between(since, today), changed.c.changes.is_not(None))))
    frame = _frame(conn.execute(query).all(), extra=("changes",))
    frame["changes"] = frame["changes"].fillna(0).astype("int64")
    frame["done"] = frame["status"] == "selesai"
    frame["overdue"] = frame["status"].isin(OPEN) & frame["due_on"].notna() & (frame["due_on"] < today)
    as_of = min(today, conn.execute(select(func.max(activities.c.local_date))).scalar() or today)
    measured = _measures(conn, frame, as_of, scope.policy.blind_spot_days)
    frame = frame.merge(measured, on="id", how="left")
    frame["moved"] = frame["moved"].astype("boolean")
    return frame[REVIEW_COLUMNS]


def _measures(conn: Connection, frame: pd.DataFrame, as_of: date, blind_spot_days: int) -> pd.DataFrame:
    parts = [pd.DataFrame(columns=["id", "measure", "then", "now", "moved"])]
    for kind, measure in (("blind_spot", _coverage), ("silent_officer", _silence),
                          ("overdue_complaint", _unanswered)):
        chosen = frame[frame["kind"] == kind]
        if len(chosen):
            parts.append(measure(conn, chosen, as_of, blind_spot_days))
    return pd.concat(parts, ignore_index=True)


def _coverage(conn: Connection, chosen: pd.DataFrame, as_of: date, days: int) -> pd.DataFrame:
    """Village DDS coverage over the `days` days ending at the opening day (then) and at as_of (now)."""
    codes = chosen["subject"].tolist()
    a = activities.c
    rows = conn.execute(select(a.village_code, a.local_date, a.household_id)
                        .where(a.village_code.in_(codes), a.activity_type == "dds",
                               a.local_date > min(chosen["opened_on"]) - timedelta(days=days),
                               a.local_date <= as_of)).all()
    visits = frame_of(rows, columns=["village_code", "local_date", "household_id"])
    households = dict(conn.execute(select(villages.c.code, villages.c.households)
                                   .where(villages.c.code.in_(codes))).all())

    def coverage(code: str, end: date) -> float:
        seen = visits[(visits["village_code"] == code) & (visits["local_date"] > end - timedelta(days=days))
                      & (visits["local_date"] <= end)]["household_id"].nunique()
        total = households.get(code)
        return min(seen, total) / total if total else float("nan")

    then = [coverage(code, day) for code, day in zip(chosen["subject"], chosen["opened_on"], strict=True)]
    later = [coverage(code, max(as_of, day)) for code, day in zip(chosen["subject"], chosen["opened_on"],
                                                                  strict=True)]
    return pd.DataFrame({"id": chosen["id"].tolist(), "measure": "coverage", "then": then, "now": later,
                         "moved": [b > a for a, b in zip(then, later, strict=True)]})


def _silence(conn: Connection, chosen: pd.DataFrame, as_of: date, _days: int) -> pd.DataFrame:
    """Days since the officer's last report, at the opening day (then) and at as_of (now); NaN: never reported."""
    a, f = activities.c, follow_ups.c
    ids = chosen["id"].tolist()
    last_then = dict(conn.execute(select(f.id, func.max(a.local_date))
                                  .join(activities, and_(a.nrp == f.subject, a.local_date <= f.opened_on))
                                  .where(f.id.in_(ids)).group_by(f.id)).all())
    subjects = dict(conn.execute(select(f.id, f.subject).where(f.id.in_(ids))).all())
    last_now = dict(conn.execute(select(a.nrp, func.max(a.local_date))
                                 .where(a.nrp.in_(list(subjects.values())), a.local_date <= as_of)
                                 .group_by(a.nrp)).all())
    then, later = [], []
    for item_id, opened_on in zip(chosen["id"], chosen["opened_on"], strict=True):
        before, latest = last_then.get(item_id), last_now.get(subjects[item_id])
        then.append(float((opened_on - before).days) if before else float("nan"))
        later.append(float((max(as_of, opened_on) - latest).days) if latest else float("nan"))
    moved = [latest_report is not None and latest_report > opened_on
             for latest_report, opened_on in zip((last_now.get(subjects[i]) for i in chosen["id"]),
                                                 chosen["opened_on"], strict=True)]
    return pd.DataFrame({"id": ids, "measure": "days_silent", "then": then, "now": later, "moved": moved})


def _unanswered(conn: Connection, chosen: pd.DataFrame, as_of: date, _days: int) -> pd.DataFrame:
    """Hours the complaint had waited at the end of the opening day (then); hours to its first response, or
    waited until as_of's end if still unanswered (now)."""
    c = complaints.c
    rows = {r.complaint_id: r for r in conn.execute(select(c.complaint_id, c.created_at, c.first_response_at)
                                                    .where(c.complaint_id.in_(chosen["subject"].tolist()))).all()}
    then, later, moved = [], [], []
    for code, opened_on, zone in zip(chosen["subject"], chosen["opened_on"], chosen["timezone"], strict=True):
        row = rows[code]
        end_then = local_day_bounds_utc(opened_on, zone)[1]
        end_now = local_day_bounds_utc(max(as_of, opened_on), zone)[1]
        answered = row.first_response_at is not None and row.first_response_at < end_now
        then.append((end_then - row.created_at).total_seconds() / 3600)
        later.append(((row.first_response_at if answered else end_now) - row.created_at).total_seconds() / 3600)
        moved.append(answered)
    return pd.DataFrame({"id": chosen["id"].tolist(), "measure": "hours_unanswered", "then": then, "now": later,
                         "moved": moved})
