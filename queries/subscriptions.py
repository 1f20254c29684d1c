"""Subscriptions to the briefing pack, their weekly slots in the unit's time zone, and the deliveries log.

A slot is one weekday and hour in the subscribed unit's local time. Each recipient's slot is closed by a
terminal row of the log (sent, failed after the last retry, or skipped with the reason), so a slot is never
sent twice however often `send-briefings` runs; a slot missed while nothing ran is caught up for CATCH_UP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, and_, exists, select

from queries.db import frame_of
from queries.schema import deliveries, subscription_recipients, subscriptions, unit_tree, units, users

FORMATS = ("pdf", "html")
LANGUAGES = ("id", "en")
CATCH_UP = timedelta(hours=6)  # a slot missed (scheduler down, machine off) is still sent this long after
MAX_DAYS = 366
TERMINAL = ("sent", "failed", "skipped")  # a recipient's slot with one of these is done


class SubscriptionError(ValueError):
    """A subscription that cannot be created or changed (the message says why)."""


@dataclass(frozen=True)
class Subscription:
    """An active subscription with what its slot needs: the unit's time zone and the recipients."""

    id: int
    unit_code: str
    timezone: str
    weekday: int
    hour: int
    days: int
    language: str
    format: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Recipient:
    """An account a pack may go to: where, and what it may see (None: the account is gone or disabled)."""

    username: str
    email: str | None
    role: str | None
    home_unit: str | None
    enabled: bool


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check(conn: Connection, unit_code: str, weekday: int, hour: int, days: int, language: str, fmt: str,
           recipients: list[str]) -> None:
    if conn.execute(select(units.c.code).where(units.c.code == unit_code)).first() is None:
        raise SubscriptionError(f"unknown unit {unit_code!r}")
    if not 0 <= weekday <= 6 or not 0 <= hour <= 23:
        raise SubscriptionError("weekday is 0 (Monday) to 6 (Sunday) and hour 0 to 23")
    if not 1 <= days <= MAX_DAYS:
        raise SubscriptionError(f"the window is 1 to {MAX_DAYS} days")
    if language not in LANGUAGES or fmt not in FORMATS:
        raise SubscriptionError(f"language is one of {LANGUAGES} and format one of {FORMATS}")
    if not recipients:
        raise SubscriptionError("name at least one recipient account")
    known = set(conn.execute(select(users.c.username).where(users.c.username.in_(recipients))).scalars())
    if missing := sorted(set(recipients) - known):
        raise SubscriptionError(f"no account {', '.join(missing)}")


def add_subscription(conn: Connection, unit_code: str, weekday: int, hour: int, recipients: list[str],
                     language: str = "id", fmt: str = "pdf", days: int = 7, created_by: str | None = None) -> int:
    """Create an active subscription; returns its id."""
    recipients = sorted(set(recipients))
    _check(conn, unit_code, weekday, hour, days, language, fmt, recipients)
    new_id = conn.execute(subscriptions.insert().values(
        unit_code=unit_code, weekday=weekday, hour=hour, days=days, language=language, format=fmt, active=True,
        created_at=_now(), created_by=created_by).returning(subscriptions.c.id)).scalar_one()
    conn.execute(subscription_recipients.insert(), [{"subscription_id": new_id, "username": u} for u in recipients])
    return new_id


def set_active(conn: Connection, subscription_id: int, active: bool) -> None:
    """Pause or resume a subscription."""
    changed = conn.execute(subscriptions.update().where(subscriptions.c.id == subscription_id)
                           .values(active=active)).rowcount
    if changed != 1:
        raise SubscriptionError(f"no subscription {subscription_id}")


def remove_subscription(conn: Connection, subscription_id: int) -> None:
    """Delete a subscription and its recipients; its deliveries stay in the log."""
    conn.execute(subscription_recipients.delete().where(subscription_recipients.c.subscription_id == subscription_id))
    if conn.execute(subscriptions.delete().where(subscriptions.c.id == subscription_id)).rowcount != 1:
        raise SubscriptionError(f"no subscription {subscription_id}")


def _recipients(conn: Connection) -> dict[int, tuple[str, ...]]:
    grouped: dict[int, list[str]] = {}
    rows = conn.execute(select(subscription_recipients).order_by(subscription_recipients.c.username))
    for row in rows:
        grouped.setdefault(row.subscription_id, []).append(row.username)
    return {key: tuple(names) for key, names in grouped.items()}


def list_subscriptions(conn: Connection) -> pd.DataFrame:
    """Every subscription with its unit's name and time zone and its recipients (comma-separated)."""
    rows = conn.execute(select(subscriptions.c.id, subscriptions.c.unit_code, units.c.name.label("unit_name"),
                               units.c.timezone, subscriptions.c.weekday, subscriptions.c.hour, subscriptions.c.days,
                               subscriptions.c.language, subscriptions.c.format, subscriptions.c.active)
                        .join(units, units.c.code == subscriptions.c.unit_code).order_by(subscriptions.c.id)).all()
    frame = frame_of(rows, columns=["id", "unit_code", "unit_name", "timezone", "weekday", "hour", "days",
                                    "language", "format", "active"])
    names = _recipients(conn)
    frame["recipients"] = [", ".join(names.get(i, ())) for i in frame["id"]]
    return frame


def active_subscriptions(conn: Connection) -> list[Subscription]:
    """The subscriptions that are not paused, with their recipients."""
    frame = list_subscriptions(conn)
    names = _recipients(conn)
    return [Subscription(int(r.id), r.unit_code, r.timezone, int(r.weekday), int(r.hour), int(r.days), r.language,
                         r.format, names.get(int(r.id), ())) for r in frame.itertuples(index=False) if r.active]


def latest_slot(weekday: int, hour: int, zone: str, now: datetime) -> datetime:
    """The latest local `weekday` at `hour`:00 at or before `now` (aware), in the zone."""
    local_now = now.astimezone(ZoneInfo(zone))
    back = (local_now.weekday() - weekday) % 7
    slot = datetime.combine(local_now.date() - timedelta(days=back), datetime.min.time(),
                            tzinfo=ZoneInfo(zone)).replace(hour=hour)
    return slot if slot <= local_now else slot - timedelta(days=7)


def due_slot(subscription: Subscription, now: datetime, catch_up: timedelta = CATCH_UP) -> datetime | None:
    """The slot to send now (local, aware): the latest one, unless it passed more than `catch_up` ago."""
    slot = latest_slot(subscription.weekday, subscription.hour, subscription.timezone, now)
    return slot if now - slot <= catch_up else None


def recipient(conn: Connection, username: str) -> Recipient:
    """What the account of a recipient is now (a removed one reads as disabled)."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        return Recipient(username, None, None, None, False)
    return Recipient(username, row.email, row.role, row.home_unit, not row.disabled)


def visible_unit(conn: Connection, unit_code: str, home_unit: str | None) -> str | None:
    """The subscribed unit as far as an account with this home unit may see it.

    The unit itself when it lies inside the home unit (or the account sees everything); the home unit when
    it lies inside the subscribed unit (a Polsek chief on a Polres subscription gets his Polsek); None else.
    """
    if home_unit is None or _inside(conn, unit_code, home_unit):
        return unit_code
    return home_unit if _inside(conn, home_unit, unit_code) else None


def _inside(conn: Connection, unit_code: str, ancestor: str) -> bool:
    return conn.execute(select(exists().where(unit_tree.c.unit_code == unit_code,
                                              unit_tree.c.ancestor_code == ancestor))).scalar_one()


def slot_done(conn: Connection, subscription_id: int, username: str, slot_utc: datetime) -> bool:
    """Whether the recipient's slot already has its last word in the log."""
    return conn.execute(select(exists().where(and_(
        deliveries.c.subscription_id == subscription_id, deliveries.c.username == username,
        deliveries.c.slot_utc == slot_utc, deliveries.c.status.in_(TERMINAL))))).scalar_one()


def log_attempt(conn: Connection, subscription_id: int, username: str, slot: datetime, attempt: int, status: str,
                unit_code: str | None = None, error: str | None = None, size: int | None = None,
                at: datetime | None = None) -> None:
    """Record one attempt (or a skip) for a recipient's slot; `slot` is local and aware."""
    conn.execute(deliveries.insert().values(
        subscription_id=subscription_id, username=username, unit_code=unit_code,
        slot_local=slot.replace(tzinfo=None), slot_utc=slot.astimezone(UTC).replace(tzinfo=None), attempt=attempt,
        status=status, error=error[:2000] if error else None, sent_at=(at or _now()), bytes=size))


def delivery_log(conn: Connection, limit: int = 2000) -> pd.DataFrame:
    """The latest attempts, newest first."""
    columns = ["sent_at", "subscription_id", "username", "unit_code", "slot_local", "attempt", "status", "error",
               "bytes"]
    rows = conn.execute(select(*(deliveries.c[c] for c in columns))
                        .order_by(deliveries.c.id.desc()).limit(limit)).all()
    return frame_of(rows, columns=columns)

