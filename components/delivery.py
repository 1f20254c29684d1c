"""Sending the briefing pack: what is due, rendered per recipient within their own account's view, over SMTP.

Each recipient gets the pack of the subscribed unit as far as their account may see it (queries/subscriptions
visible_unit, with the account's home unit as the scope's boundary and its people masking), so nobody
receives another unit's data. Refusals (an SMTP 4xx/5xx answer, a refused connection) are retried after
RETRY_WAITS; every attempt and every skip is written to the deliveries log.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Engine

from components.briefing import briefing_html, briefing_pdf, briefing_summary
from components.i18n import fmt_date, in_language, t
from queries import subscriptions as subs
from queries.accounts import User
from queries.scope import Scope
from queries.settings import SmtpSettings

RETRY_WAITS = (60.0, 300.0)  # seconds before the 2nd and the 3rd attempt; then the slot is logged as failed
SMTP_TIMEOUT = 60


@dataclass(frozen=True)
class Pack:
    """One rendered pack: the attachment and the plain-text summary that is the e-mail's body."""

    filename: str
    content: bytes
    subtype: str  # "pdf" | "html"
    summary: str
    subject: str


@dataclass(frozen=True)
class Outcome:
    """What happened to one recipient's slot in this run."""

    subscription_id: int
    username: str
    status: str  # "sent" | "failed" | "skipped"
    unit_code: str | None
    attempts: int
    reason: str | None = None


def pack_scope(unit_code: str, slot: datetime, days: int, user: User) -> Scope:
    """The pack's scope: the `days` before the slot's local date, inside the account's home unit."""
    end = slot.date() - timedelta(days=1)
    return Scope(unit_code, end - timedelta(days=days - 1), end, boundary=user.home_unit, people=user.sees_names)


def render_pack(scope: Scope, fmt: str, lang: str, now: datetime) -> Pack:
    """The pack of the scope as a PDF or HTML attachment, with its summary and subject, in `lang`."""
    html = briefing_html(scope, now=now, lang=lang)
    content = briefing_pdf(html) if fmt == "pdf" else html.encode("utf-8")
    with in_language(lang):
        subject = t("delivery.subject", start=fmt_date(scope.start), end=fmt_date(scope.end))
    return Pack(f"briefing_{scope.unit_code}_{scope.end.isoformat()}.{fmt}", content, fmt,
                briefing_summary(scope, lang), subject)


def message_for(pack: Pack, smtp: SmtpSettings, to: str) -> EmailMessage:
    """The e-mail: the summary as its text, the pack attached."""
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = pack.subject, smtp.sender, to
    message.set_content(pack.summary)
    if pack.subtype == "pdf":
        message.add_attachment(pack.content, maintype="application", subtype="pdf", filename=pack.filename)
    else:  # as text, so the part declares UTF-8 (bytes would arrive without a charset and lose every "·" and "–")
        message.add_attachment(pack.content.decode("utf-8"), subtype="html", filename=pack.filename)
    return message


def send_message(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server (STARTTLS and login when the settings ask for them)."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(message)


def send_due(engine: Engine, smtp: SmtpSettings, now: datetime | None = None,
             catch_up: timedelta = subs.CATCH_UP, waits: tuple[float, ...] = RETRY_WAITS,
             sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Send every due slot of every active subscription to each recipient whose slot is not done yet."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        due = [(s, slot) for s in subs.active_subscriptions(conn) if (slot := subs.due_slot(s, now, catch_up))]
    rendered: dict[tuple, Pack] = {}  # recipients who see the same thing share one rendering
    outcomes = []
    for subscription, slot in due:
        for username in subscription.recipients:
            outcome = _deliver(engine, smtp, subscription, slot, username, now, rendered, waits, sleep)
            if outcome is not None:
                outcomes.append(outcome)
    return outcomes


def _deliver(engine: Engine, smtp: SmtpSettings, subscription: subs.Subscription, slot: datetime, username: str,
             now: datetime, rendered: dict, waits: tuple[float, ...], sleep) -> Outcome | None:
    """One recipient's slot: skipped with the reason, or sent with retries; None when it was done before."""
    with engine.begin() as conn:
        if subs.slot_done(conn, subscription.id, username, slot.astimezone(UTC).replace(tzinfo=None)):
            return None
        account = subs.recipient(conn, username)
        unit = subs.visible_unit(conn, subscription.unit_code, account.home_unit) if account.enabled else None
        reason = _skip_reason(account, unit, subscription.unit_code)
        if reason:
            subs.log_attempt(conn, subscription.id, username, slot, 1, "skipped", error=reason, at=_naive(now))
            return Outcome(subscription.id, username, "skipped", None, 0, reason)
    user = User(username, username, account.role, account.home_unit)
    scope = pack_scope(unit, slot, subscription.days, user)
    key = (scope, subscription.format, subscription.language)
    if key not in rendered:
        try:
            rendered[key] = render_pack(scope, subscription.format, subscription.language, now)
        except Exception as exc:  # one pack that cannot be drawn must not keep the other recipients' from going out
            error = f"cannot render the pack: {type(exc).__name__}: {exc}"
            _log(engine, subscription.id, username, slot, 1, "failed", unit, error, None)
            return Outcome(subscription.id, username, "failed", unit, 0, error)
    return _send_with_retries(engine, smtp, subscription.id, slot, account, unit, rendered[key], waits, sleep)


def _skip_reason(account: subs.Recipient, unit: str | None, subscribed: str) -> str | None:
    """Why nothing may go to this account (None when the pack may be sent)."""
    if not account.enabled:
        return "account missing or disabled"
    if not account.email:
        return "account has no e-mail (manage.py user set-email)"
    if unit is None:
        return f"home unit {account.home_unit} may not see {subscribed}"
    return None


def _send_with_retries(engine: Engine, smtp: SmtpSettings, subscription_id: int, slot: datetime,
                       account: subs.Recipient, unit: str, pack: Pack, waits: tuple[float, ...],
                       sleep) -> Outcome:
    """Try, and after each refusal wait and try again; every attempt is logged, the last one as sent or failed."""
    attempts, error = len(waits) + 1, None
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(waits[attempt - 2])
        try:
            send_message(smtp, message_for(pack, smtp, account.email))
        except (smtplib.SMTPException, OSError) as exc:  # an SMTP refusal, or no server listening
            error = _describe(exc)
            status = "retrying" if attempt < attempts else "failed"
            _log(engine, subscription_id, account.username, slot, attempt, status, unit, error, None)
            continue
        _log(engine, subscription_id, account.username, slot, attempt, "sent", unit, None, len(pack.content))
        return Outcome(subscription_id, account.username, "sent", unit, attempt)
    return Outcome(subscription_id, account.username, "failed", unit, attempts, error)


def _log(engine: Engine, subscription_id: int, username: str, slot: datetime, attempt: int, status: str,
         unit: str | None, error: str | None, size: int | None) -> None:
    with engine.begin() as conn:  # committed at once: a crash later in the run still leaves the slot's history
        subs.log_attempt(conn, subscription_id, username, slot, attempt, status, unit, error, size)


def _describe(exc: Exception) -> str:
    """The refusal in one line: the SMTP code and text, or the connection error."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values())
    return f"{type(exc).__name__}: {exc}"


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
