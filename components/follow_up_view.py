"""Tindak lanjut on screen: the item lists, the form to act on one, its history, and follow-ups from alerts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.i18n import fmt_date, fmt_int, fmt_local_moment, fmt_pct, t, t_count
from components.safe import md
from components.tables import show_table, table_with_download
from queries.accounts import User
from queries.follow_up import (
    EVIDENCE,
    KINDS,
    OPEN,
    TRANSITIONS,
    FollowUpError,
    act,
    alert_items,
    close_by_evidence,
    open_items,
)

READ_ONLY_ROLES = ("national", "demo")
LIST_COLUMNS = ["id", "kind", "subject", "unit", "opened_on", "assignee", "due_on", "status", "note"]
CLOSED_COLUMNS = ["id", "kind", "subject", "unit", "assignee", "status", "closed", "closed_by", "outcome"]


def acts(user: User) -> bool:
    """Whether the role acts on any item at all (which ones, the query layer decides)."""
    return user.role not in READ_ONLY_ROLES


def subject_label(row) -> str:
    """A village or unit by name, an officer by name and NRP, a complaint by its id; national items say so."""
    if pd.notna(row["officer"]):
        return f"{row['officer']} ({row['nrp']})"
    if pd.notna(row["subject_name"]):
        return str(row["subject_name"])
    return str(row["subject"]) if row["subject"] else t("fu.national")


def outcome(row) -> str:
    """The evidence in words, or the reason an item was not needed."""
    if row["closed_by"] == EVIDENCE and pd.notna(row["evidence_at"]):
        return t(f"fu.evidence.{row['kind']}", when=fmt_local_moment(row["evidence_at"], row["timezone"]),
                 ref=row["evidence_ref"])
    return row["reason"] if pd.notna(row["reason"]) else ""


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Items with kinds, statuses, subjects and closings written out for people."""
    shown = frame.copy()
    shown["subject"] = [subject_label(row) for _, row in frame.iterrows()]
    shown["kind"] = [t(f"fu.kind.{kind}") for kind in frame["kind"]]
    shown["status"] = [t(f"fu.status.{status}") for status in frame["status"]]
    shown["unit"] = frame["unit"].fillna(t("fu.national"))
    shown["closed"] = [fmt_local_moment(at, zone) if pd.notna(at) else "" for at, zone
                       in zip(frame["closed_at"], frame["timezone"], strict=True)]
    shown["closed_by"] = [t("fu.by_evidence") if who == EVIDENCE else (who or "") for who in frame["closed_by"]]
    shown["outcome"] = [outcome(row) for _, row in frame.iterrows()]
    return shown


def item_lists(frame: pd.DataFrame) -> None:
    """Open, overdue and closed-this-week items, each with its download."""
    shown = readable(frame)
    is_open = frame["status"].isin(OPEN)
    for key, rows, columns in (("fu.open", is_open, LIST_COLUMNS), ("fu.overdue", frame["overdue"], LIST_COLUMNS),
                               ("fu.closed_week", frame["closed_this_week"], CLOSED_COLUMNS)):
        part = shown[rows.astype(bool)]
        st.subheader(t_count(key, len(part)))
        st.caption(t(f"{key}_help"))
        if part.empty:
            st.success(t("fu.none"))
            continue
        table_with_download(part, {c: t(f"fu.col.{c}") for c in columns}, f"{key.split('.')[1]}.csv",
                            key=key.replace(".", "_"))


def item_label(row) -> str:
    return f"{row['id']} · {t('fu.kind.' + row['kind'])} · {subject_label(row)}"


def evidence_button(scope, user: User) -> None:
    """Close by evidence now, within the scope, rather than wait for the next import."""
    if st.button(t("fu.check_evidence"), icon=":material/fact_check:", key="fu_check"):
        closed = data.write(close_by_evidence, scope)
        st.session_state["fu_message"] = t("fu.checked", count=closed)
        st.rerun()


def act_form(frame: pd.DataFrame, scope, user: User) -> None:
    """Pick an open item the user may act on; change its assignee, due date, note and status."""
    st.subheader(t("fu.act"))
    mine = set(data.follow_up_actable(scope, user))
    rows = {int(row["id"]): row for _, row in frame.iterrows() if int(row["id"]) in mine}
    if not rows:
        st.info(t("fu.nothing_to_act"))
        return
    chosen = st.selectbox(t("fu.pick"), list(rows), format_func=lambda i: item_label(rows[i]), key="fu_pick")
    row = rows[chosen]
    people = [""] + data.follow_up_assignable(chosen)
    with st.form(f"fu_form_{chosen}"):
        assignee = st.selectbox(t("fu.col.assignee"), people, index=people.index(row["assignee"])
                                if row["assignee"] in people else 0,
                                format_func=lambda name: name or t("fu.unassigned"), key=f"fu_assignee_{chosen}")
        due_on = st.date_input(t("fu.col.due_on"), value=row["due_on"] if pd.notna(row["due_on"]) else None,
                               format="DD/MM/YYYY", key=f"fu_due_{chosen}")
        note = st.text_area(t("fu.col.note"), value=row["note"] if pd.notna(row["note"]) else "", max_chars=2000,
                            key=f"fu_note_{chosen}")
        statuses = [None, *TRANSITIONS[row["status"]]]
        status = st.selectbox(t("fu.new_status"), statuses, format_func=lambda s: t(f"fu.status.{s}") if s else
                              t("fu.keep_status", status=t(f"fu.status.{row['status']}")), key=f"fu_status_{chosen}")
        status_note = st.text_input(t("fu.status_note"), max_chars=2000, key=f"fu_status_note_{chosen}")
        if st.form_submit_button(t("fu.save"), type="primary"):
            save(user, chosen, assignee, due_on, note, status, status_note)


def save(user: User, item_id: int, assignee, due_on, note, status, status_note) -> None:
    """Write the form in one transaction; a refusal is shown, never a crash."""
    if status == "tidak_perlu" and not status_note.strip():
        st.error(t("fu.reason_needed"))
        return
    try:
        data.write(act, user, item_id, assignee or None, due_on, note, status, status_note.strip() or None)
    except FollowUpError as exc:
        st.error(t("fu.refused", error=md(exc)))
        return
    st.session_state["fu_message"] = t("fu.saved")
    st.rerun()


def history_view(frame: pd.DataFrame, scope) -> None:
    """Every change of one item, in the unit's local time."""
    st.subheader(t("fu.history"))
    if frame.empty:
        st.info(t("fu.history_none"))
        return
    rows = {int(row["id"]): row for _, row in frame.iterrows()}
    chosen = st.selectbox(t("fu.pick"), list(rows), format_func=lambda i: item_label(rows[i]), key="fu_history")
    changes = data.follow_up_history(scope, chosen)
    zone = rows[chosen]["timezone"]
    changes["at"] = [fmt_local_moment(at, zone) for at in changes["at"]]
    changes["actor"] = [t("fu.by_evidence") if who == EVIDENCE else who for who in changes["actor"]]
    changes["change"] = [t(f"fu.change.{change}") for change in changes["change"]]
    for column in ("old_value", "new_value"):  # statuses and kinds in words; names and dates as written
        changes[column] = [_value_words(value) for value in changes[column]]
    headers = {c: t(f"fu.hist.{c}") for c in ("at", "actor", "change", "old_value", "new_value", "note")}
    table_with_download(changes, headers, f"tindak_lanjut_{chosen}.csv", key=f"fu_history_{chosen}")


def _value_words(value) -> str:
    if value is None or pd.isna(value):
        return ""
    if value in TRANSITIONS:
        return t(f"fu.status.{value}")
    return t(f"fu.kind.{value}") if value in KINDS else str(value)


def mark_column(kind_subjects: list[tuple[str, str]], marks: pd.DataFrame) -> list[str]:
    """For each alert row, the status of its open follow-up ("" without one)."""
    open_items = {(kind, subject): status for kind, subject, status in
                  zip(marks["kind"], marks["subject"].fillna(marks["nrp"]), marks["status"], strict=True)}
    return [t(f"fu.status.{open_items[key]}") if key in open_items else "" for key in kind_subjects]


def alert_table(alert: str, frame: pd.DataFrame, shown: pd.DataFrame, headers: dict[str, str], scope,
                user: User | None, officers: bool, marks: pd.DataFrame) -> None:
    """An alert's rows with their follow-up status; rows selected here open follow-ups (roles that act)."""
    kind_subjects = alert_items(alert, frame, scope.unit_code, officers)
    shown = shown.assign(follow_up=mark_column(kind_subjects, marks) if kind_subjects else "")
    headers = headers | {"follow_up": t("fu.alert.column")}
    table = shown[list(headers)].rename(columns=headers)
    can_open = user is not None and acts(user) and kind_subjects and (
        user.role != "trainer" or KINDS[kind_subjects[0][0]].subject == "officer")
    if not can_open:
        table_with_download(shown, headers, f"{alert}.csv", key=f"alert_{alert}")
        return
    st.caption(t("fu.alert.select_hint"))
    picked = show_table(table.head(5000), on_select="rerun", selection_mode="multi-row", key=f"alert_{alert}")
    rows = list(picked.selection.rows) if picked is not None else []
    table_with_download(shown, headers, f"{alert}.csv", key=f"alert_{alert}", show=False)
    if message := st.session_state.pop(f"fu_opened_{alert}", None):
        st.success(message)
    if rows and st.button(t("fu.alert.open_button", count=len(rows)), key=f"fu_open_{alert}",
                          icon=":material/assignment_turned_in:"):
        opened = open_from_alert(user, [kind_subjects[i] for i in rows], scope)
        if opened is not None:  # drawn again, so the rows show their new follow-up
            st.session_state[f"fu_opened_{alert}"] = t("fu.alert.opened", count=len(set(opened)))
            st.rerun()


def open_from_alert(user: User, chosen: list[tuple[str, str]], scope) -> list[int] | None:
    """Open (or find) one item per chosen alert row, as of the window's end; a refusal is shown."""
    try:
        return data.write(open_items, user, chosen, scope.end)
    except FollowUpError as exc:
        st.error(t("fu.refused", error=md(exc)))
        return None


def review_rows(review: pd.DataFrame) -> list[list[str]]:
    """The briefing's follow-up rows: item, what was promised, done or not, the number then → now."""
    rows = []
    for _, row in review.iterrows():
        due = fmt_date(row["due_on"]) if pd.notna(row["due_on"]) else ""
        promise = " · ".join(part for part in (_text(row["assignee"]), due, _text(row["note"])) if part)
        status = t(f"fu.status.{row['status']}")
        done = t("fu.review.overdue", status=status) if row["overdue"] else status
        if row["closed_by"] == EVIDENCE or pd.notna(row["reason"]):
            done = f"{done}: {outcome(row)}"
        rows.append([f"{t('fu.kind.' + row['kind'])}: {subject_label(row)} ({_text(row['unit']) or t('fu.national')})",
                     promise or "–", done, measure_words(row)])
    return rows


def measure_words(row) -> str:
    """Whether the number moved since the item opened, in words (items the data cannot judge say so)."""
    measure = row["measure"]
    if measure is None or pd.isna(measure):
        return t("fu.measure.people")
    if measure == "coverage":
        return t("fu.measure.coverage", then=fmt_pct(row["then"]), now=fmt_pct(row["now"]))
    if measure == "days_silent":
        return t("fu.measure.days_silent", then=_count(row["then"]), now=_count(row["now"]))
    key = "fu.measure.answered" if row["moved"] else "fu.measure.unanswered"
    return t(key, then=_count(row["then"]), now=_count(row["now"]))


def _text(value) -> str:
    """A stored text, "" where there is none (a missing value in a frame is NaN, not None)."""
    return "" if value is None or pd.isna(value) else str(value)


def _count(value) -> str:
    return "–" if value is None or pd.isna(value) else fmt_int(round(value))
