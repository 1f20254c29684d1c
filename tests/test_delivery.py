"""Delivery of the briefing pack (issue 20): the PDF read back, subscriptions, and sending to a real SMTP server.

The SMTP server is aiosmtpd on a loopback port, started by the test; the clock is the `now` given to each run.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import socket
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
import streamlit as st
from aiosmtpd.controller import Controller
from sqlalchemy import delete, select
from test_briefing import indonesian

import manage
from builders import base_export
from ingest.importer import import_export
from queries import accounts, subscriptions
from queries.effectiveness import scope_measures
from queries.schema import audit_log, deliveries, officers, subscription_recipients, units, users
from queries.schema import subscriptions as subscriptions_table
from queries.scope import Scope
from queries.settings import SettingsError, SmtpSettings, smtp_settings

NGAWI, HSU, KARANGJATI = "PR-35.21", "PR-63.08", "PS-35.21.07"
MONDAY = date(2022, 5, 16)  # the sample's reports end on Sunday 15 May 2022
NO_WAIT = (0.0, 0.0)


DATABASE_VARIABLES = ("BOS_DATABASE_URL", "BOS_READ_DATABASE_URL")


def forget_after(patch: pytest.MonkeyPatch) -> None:
    """manage.py points the loaders at its --db through the environment: have `patch` put the variables back."""
    for name in DATABASE_VARIABLES:
        patch.setenv(name, os.environ.get(name, ""))  # recorded as it was, present or not
        if not os.environ[name]:
            patch.delenv(name)


@pytest.fixture(autouse=True)
def database_variables_restored(monkeypatch):
    forget_after(monkeypatch)


# -- the PDF ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ngawi_pdf(sample_sqlite_url, tmp_path_factory):
    """Polres Ngawi's pack of 9-15 May 2022, written by `manage.py briefing` (Indonesian, PDF)."""
    out = tmp_path_factory.mktemp("pack") / "ngawi.pdf"
    st.cache_data.clear()
    with pytest.MonkeyPatch.context() as patch:
        forget_after(patch)
        code = manage.main(["briefing", "--db", sample_sqlite_url, "--unit", NGAWI, "--end", "2022-05-15",
                            "--format", "pdf", "--lang", "id", "--out", str(out)])
    assert code == 0
    return out


def page_texts(content: bytes) -> list[str]:
    """Each page's text with every run of white space as one space (lines break where the width says)."""
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def test_pdf_pages_title_and_page_numbers(ngawi_pdf):
    reader = pypdf.PdfReader(ngawi_pdf)
    texts = page_texts(ngawi_pdf.read_bytes())
    pages = len(texts)
    assert pages >= 3  # KPIs and alerts, the ranking (a page of its own), the map (a page of its own)
    assert reader.metadata.title == "Bahan Briefing Binmas — Polres Ngawi"
    assert "Bahan Briefing Binmas · Polres Ngawi" in texts[0]
    assert "9 Mei 2022 – 15 Mei 2022 (7 hari)" in texts[0]
    for number, text in enumerate(texts, start=1):
        assert f"Halaman {number} dari {pages}" in text
    assert "Peringkat" in texts[-2] or any("Peringkat" in text for text in texts[1:-1])
    assert "Peta cakupan DDS" in texts[-1]
    for box in (page.mediabox for page in reader.pages):  # A4: 210 × 297 mm in points
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_pdf_kpis_equal_the_query_layer(ngawi_pdf, sample_engine):
    first = page_texts(ngawi_pdf.read_bytes())[0]
    week = Scope(NGAWI, date(2022, 5, 9), date(2022, 5, 15))
    with sample_engine.connect() as conn:
        now = scope_measures(conn, week)
    # reporting rate = Σ reported days / Σ expected days; coverage = Σ min(visited, households) / Σ households
    assert indonesian(now["reported_days"] / now["expected_days"] * 100) + "%" in first
    assert indonesian(now["capped_visited"] / now["households"] * 100) + "%" in first
    assert f"Tunggakan pengaduan {indonesian(now['open_backlog'], 0)}" in first
    assert f"Kejahatan tercatat {indonesian(now['crimes'], 0)}" in first


def test_pdf_fonts_are_embedded_and_the_file_is_small(ngawi_pdf):
    reader = pypdf.PdfReader(ngawi_pdf)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)
            fonts[font["/BaseFont"]] = descriptor["/FontDescriptor"].get_object()
    assert fonts and all("DejaVu" in name for name in fonts)
    assert all("/FontFile2" in descriptor for descriptor in fonts.values())  # TrueType programs inside the file
    assert ngawi_pdf.stat().st_size < 2_000_000


def test_pdf_in_english(sample_sqlite_url, tmp_path):
    out = tmp_path / "ngawi-en.pdf"
    assert manage.main(["briefing", "--db", sample_sqlite_url, "--unit", NGAWI, "--end", "2022-05-15", "--days", "14",
                        "--format", "pdf", "--lang", "en", "--out", str(out)]) == 0
    texts = page_texts(out.read_bytes())
    assert "Binmas Briefing Pack · Polres Ngawi" in texts[0] and "2 May 2022 – 15 May 2022 (14 days)" in texts[0]
    assert f"Page 1 of {len(texts)}" in texts[0]


def test_briefing_command_refuses_an_unknown_unit(sample_sqlite_url, tmp_path, capsys):
    code = manage.main(["briefing", "--db", sample_sqlite_url, "--unit", "PR-99.99", "--end", "2022-05-15",
                        "--format", "html", "--out", str(tmp_path / "x.html")])
    assert code == 2 and "unknown unit 'PR-99.99'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


# -- slots in local time ------------------------------------------------------------------------------------------

def subscription(zone: str, weekday: int = 0, hour: int = 7) -> subscriptions.Subscription:
    return subscriptions.Subscription(1, "PR-X", zone, weekday, hour, 7, "id", "pdf", ("a",))


@pytest.mark.parametrize(("now", "expected"), [
    # Monday 07:00 WITA = Sunday 23:00 UTC; WIB 07:00 = Monday 00:00 UTC.
    (datetime(2022, 5, 15, 22, 59, tzinfo=UTC), None),  # 06:59 WITA: the slot a week before is 7 days old
    (datetime(2022, 5, 15, 23, 0, tzinfo=UTC), datetime(2022, 5, 16, 7, 0)),
    (datetime(2022, 5, 16, 5, 0, tzinfo=UTC), datetime(2022, 5, 16, 7, 0)),  # 13:00: caught up (6 h)
    (datetime(2022, 5, 16, 5, 1, tzinfo=UTC), None),  # 13:01: more than 6 hours late, missed
])
def test_due_slot_in_wita(now, expected):
    slot = subscriptions.due_slot(subscription("Asia/Makassar"), now)
    assert (slot.replace(tzinfo=None) if slot else None) == expected
    if slot:
        assert slot.utcoffset() == timedelta(hours=8)


def test_latest_slot_goes_back_to_the_last_weekday():
    # Wednesday 18 May 2022 10:00 WIB: the latest Monday 07:00 was two days before; Friday 07:00 five days before.
    now = datetime(2022, 5, 18, 3, 0, tzinfo=UTC)
    assert subscriptions.latest_slot(0, 7, "Asia/Jakarta", now).replace(tzinfo=None) == datetime(2022, 5, 16, 7)
    assert subscriptions.latest_slot(4, 7, "Asia/Jakarta", now).replace(tzinfo=None) == datetime(2022, 5, 13, 7)
    # the same day, an hour still ahead: a week back
    assert subscriptions.latest_slot(2, 11, "Asia/Jakarta", now).replace(tzinfo=None) == datetime(2022, 5, 11, 11)


# -- subscriptions on both databases ----------------------------------------------------------------------------

def test_subscription_queries(engine, tmp_path):
    assert import_export(engine, base_export(tmp_path / "export")).ok
    with engine.begin() as conn:
        accounts.add_user(conn, "kapolres", "Kapolres", "polres", "PR-35.21", email="kapolres@example.test")
        accounts.add_user(conn, "kapolsek", "Kapolsek", "polsek", "PS-A", email="kapolsek@example.test")
        accounts.add_user(conn, "wita", "Kapolres HSU", "polres", "PR-63.08", email="wita@example.test")
        new_id = subscriptions.add_subscription(conn, "PR-35.21", 0, 7, ["kapolsek", "kapolres", "kapolres"])
        with pytest.raises(subscriptions.SubscriptionError, match="no account ghost"):
            subscriptions.add_subscription(conn, "PR-35.21", 0, 7, ["ghost"])
        with pytest.raises(subscriptions.SubscriptionError, match="hour 0 to 23"):
            subscriptions.add_subscription(conn, "PR-35.21", 0, 24, ["kapolres"])
        other = subscriptions.add_subscription(conn, "PR-63.08", 4, 16, ["wita"], "en", "html", 14)
        subscriptions.set_active(conn, other, False)
    with engine.connect() as conn:
        listed = subscriptions.list_subscriptions(conn)
        active = subscriptions.active_subscriptions(conn)
        # the intersection of the subscribed unit with each account's home unit
        assert subscriptions.visible_unit(conn, "PR-35.21", "PR-35.21") == "PR-35.21"
        assert subscriptions.visible_unit(conn, "PR-35.21", "PS-A") == "PS-A"
        assert subscriptions.visible_unit(conn, "PS-A", "PR-35.21") == "PS-A"
        assert subscriptions.visible_unit(conn, "PR-35.21", "PR-63.08") is None
        assert subscriptions.visible_unit(conn, "PR-35.21", None) == "PR-35.21"
    assert list(listed["recipients"]) == ["kapolres, kapolsek", "wita"]
    assert list(listed["timezone"]) == ["Asia/Jakarta", "Asia/Makassar"]
    assert [s.id for s in active] == [new_id] and active[0].recipients == ("kapolres", "kapolsek")
    slot = datetime(2022, 5, 16, 7, tzinfo=subscriptions.ZoneInfo("Asia/Jakarta"))
    with engine.begin() as conn:
        subscriptions.log_attempt(conn, new_id, "kapolres", slot, 1, "retrying", "PR-35.21", "451 later")
        assert not subscriptions.slot_done(conn, new_id, "kapolres", datetime(2022, 5, 16, 0, 0))
        subscriptions.log_attempt(conn, new_id, "kapolres", slot, 2, "sent", "PR-35.21", size=1234)
        assert subscriptions.slot_done(conn, new_id, "kapolres", datetime(2022, 5, 16, 0, 0))  # 07:00 WIB in UTC
        assert not subscriptions.slot_done(conn, new_id, "kapolsek", datetime(2022, 5, 16, 0, 0))
        subscriptions.remove_subscription(conn, new_id)
    with engine.connect() as conn:
        log = subscriptions.delivery_log(conn)
        assert [s.id for s in subscriptions.active_subscriptions(conn)] == []
    assert list(log["status"]) == ["sent", "retrying"]  # newest first; the log outlives the subscription
    assert list(log["slot_local"]) == [datetime(2022, 5, 16, 7, 0)] * 2


def test_smtp_settings_from_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\nhost = "mail.example"\nport = 2525\nsender = "binmas@example.test"\n'
                       'starttls = false\n', encoding="utf-8")
    assert smtp_settings(secrets) == SmtpSettings("mail.example", 2525, None, None, "binmas@example.test", False)
    secrets.write_text('[smtp]\nhost = "mail.example"\nport = "25"\nsender = "x@example.test"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[smtp\] port: expected a int"):
        smtp_settings(secrets)
    secrets.write_text('[connections.bos]\nurl = "sqlite://"\n', encoding="utf-8")
    assert smtp_settings(secrets) is None


# -- sending, to a real SMTP server -----------------------------------------------------------------------------

class Mailbox:
    """aiosmtpd handler: keeps each message; answers the next DATA with a queued refusal first, if any."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refusals: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if self.refusals:
            return self.refusals.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.smtp = SmtpSettings("127.0.0.1", controller.port, sender="binmas@example.test", starttls=False)
    yield box
    controller.stop()


PEOPLE = {  # username: (role, home unit, e-mail)
    "kapolres.ngawi": ("polres", NGAWI, "ngawi@example.test"),
    "kapolres.hsu": ("polres", HSU, "hsu@example.test"),
    "kapolsek.karangjati": ("polsek", KARANGJATI, "karangjati@example.test"),
    "admin.pusat": ("admin", None, "pusat@example.test"),
    "tanpa.email": ("polres", NGAWI, None),
    "evaluator.pusat": ("national", None, "evaluator@example.test"),
}


@pytest.fixture
def world(sample_sqlite_url, sample_engine, monkeypatch):
    """The sample database with the accounts above; the loaders read it; subscriptions and log cleared after."""
    monkeypatch.setenv("BOS_DATABASE_URL", sample_sqlite_url)
    monkeypatch.delenv("BOS_READ_DATABASE_URL", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    with sample_engine.begin() as conn:
        for username, (role, home, address) in PEOPLE.items():
            accounts.add_user(conn, username, username.title(), role, home, password="a long password 1",
                              email=address)
    yield sample_engine
    with sample_engine.begin() as conn:
        for table in (deliveries, subscription_recipients, subscriptions_table):
            conn.execute(delete(table))
        conn.execute(delete(users).where(users.c.username.in_(PEOPLE)))
        conn.execute(delete(audit_log).where(audit_log.c.username.in_(PEOPLE)))


def subscribe(engine, unit: str, recipients: list[str], hour: int = 7) -> int:
    with engine.begin() as conn:
        return subscriptions.add_subscription(conn, unit, 0, hour, recipients)


def send(engine, box: Mailbox, now: datetime, waits=NO_WAIT):
    from components.delivery import send_due

    return send_due(engine, box.smtp, now, waits=waits, sleep=lambda _seconds: None)


def attachment(message) -> bytes:
    parts = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True)


def body(message) -> str:
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain").get_content()
    return text.replace("\r\n", "\n")  # SMTP carries lines as CRLF


def log_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(deliveries.c.username, deliveries.c.attempt, deliveries.c.status, deliveries.c.unit_code,
                   deliveries.c.slot_local, deliveries.c.error).order_by(deliveries.c.id))]


def test_each_unit_gets_its_pack_at_its_own_local_hour(world, mailbox):
    ngawi = subscribe(world, NGAWI, ["kapolres.ngawi"])
    hsu = subscribe(world, HSU, ["kapolres.hsu"])
    # 06:59 WITA / 05:59 WIB on Monday: nothing yet (last week's slots are 7 days old, beyond the catch-up)
    assert send(world, mailbox, datetime(2022, 5, 15, 22, 59, tzinfo=UTC)) == []
    assert mailbox.messages == []
    # 07:00 WITA = 06:00 WIB: Hulu Sungai Utara only
    outcomes = send(world, mailbox, datetime(2022, 5, 15, 23, 0, tzinfo=UTC))
    assert [(o.subscription_id, o.username, o.status, o.unit_code) for o in outcomes] == [
        (hsu, "kapolres.hsu", "sent", HSU)]
    assert [m["To"] for m in mailbox.messages] == ["hsu@example.test"]
    # 07:30 WITA: sent once, never again
    assert send(world, mailbox, datetime(2022, 5, 15, 23, 30, tzinfo=UTC)) == []
    # 07:00 WIB: Ngawi
    outcomes = send(world, mailbox, datetime(2022, 5, 16, 0, 0, tzinfo=UTC))
    assert [(o.subscription_id, o.username, o.status) for o in outcomes] == [(ngawi, "kapolres.ngawi", "sent")]
    assert [m["To"] for m in mailbox.messages] == ["hsu@example.test", "ngawi@example.test"]
    hsu_pdf, ngawi_pdf = (page_texts(attachment(m)) for m in mailbox.messages)
    assert "Polres Hulu Sungai Utara" in hsu_pdf[0] and "Polres Ngawi" not in "".join(hsu_pdf)
    assert "Polres Ngawi" in ngawi_pdf[0] and "Hulu Sungai Utara" not in "".join(ngawi_pdf)
    # the week before Monday 16 May in the unit's dates; generated at the slot's time, local
    assert "9 Mei 2022 – 15 Mei 2022 (7 hari)" in ngawi_pdf[0] and "Dibuat 16 Mei 2022 07.00 WIB" in ngawi_pdf[0]
    assert "Dibuat 16 Mei 2022 07.00 WITA" in hsu_pdf[0]
    assert log_rows(world) == [("kapolres.hsu", 1, "sent", HSU, datetime(2022, 5, 16, 7), None),
                               ("kapolres.ngawi", 1, "sent", NGAWI, datetime(2022, 5, 16, 7), None)]


def test_summary_body_carries_the_kpis_and_the_alert_count(world, mailbox):
    from components import data

    subscribe(world, NGAWI, ["kapolres.ngawi"])
    send(world, mailbox, datetime(2022, 5, 16, 0, 0, tzinfo=UTC))
    text = body(mailbox.messages[0])
    week = Scope(NGAWI, date(2022, 5, 9), date(2022, 5, 15), boundary=NGAWI)
    with world.connect() as conn:
        now = scope_measures(conn, week)
    total = sum(len(frame) for frame in data.alerts(week).values())
    assert text.startswith("Bahan Briefing Binmas · Polres Ngawi\n9 Mei 2022 – 15 Mei 2022 (7 hari)\n")
    assert f"- Tingkat pelaporan: {indonesian(now['reported_days'] / now['expected_days'] * 100)}%" in text
    assert f"- Kejahatan tercatat: {indonesian(now['crimes'], 0)}" in text
    assert f"\nPeringatan: {indonesian(total, 0)}\n" in text and total > 0
    assert "<" not in text  # plain text, ready for a chat group


def test_a_refused_delivery_is_retried_then_sent(world, mailbox):
    subscribe(world, NGAWI, ["kapolres.ngawi"])
    mailbox.refusals = ["451 4.3.0 Try again later"]
    waited = []
    from components.delivery import send_due

    outcomes = send_due(world, mailbox.smtp, datetime(2022, 5, 16, 1, 0, tzinfo=UTC), waits=(30.0, 120.0),
                        sleep=waited.append)
    assert [(o.status, o.attempts) for o in outcomes] == [("sent", 2)]
    assert waited == [30.0]  # one wait, the first backoff, before the second attempt
    assert [m["To"] for m in mailbox.messages] == ["ngawi@example.test"]
    rows = log_rows(world)
    assert [(r[1], r[2], r[5]) for r in rows] == [(1, "retrying", "451 4.3.0 Try again later"), (2, "sent", None)]
    with world.connect() as conn:
        size = conn.execute(select(deliveries.c.bytes).where(deliveries.c.status == "sent")).scalar_one()
    assert size == len(attachment(mailbox.messages[0]))


def test_refused_every_time_fails_after_the_last_attempt_and_is_not_resent(world, mailbox):
    subscribe(world, NGAWI, ["kapolres.ngawi"])
    mailbox.refusals = ["554 5.7.1 Rejected"] * 3
    outcomes = send(world, mailbox, datetime(2022, 5, 16, 0, 5, tzinfo=UTC))
    assert [(o.status, o.attempts, o.reason) for o in outcomes] == [("failed", 3, "554 5.7.1 Rejected")]
    assert [(r[1], r[2]) for r in log_rows(world)] == [(1, "retrying"), (2, "retrying"), (3, "failed")]
    assert send(world, mailbox, datetime(2022, 5, 16, 0, 10, tzinfo=UTC)) == [] and mailbox.messages == []


def test_no_server_listening_is_retried_and_logged(world, mailbox):
    subscribe(world, NGAWI, ["kapolres.ngawi"])
    from components.delivery import send_due

    nobody = SmtpSettings("127.0.0.1", free_port(), sender="binmas@example.test", starttls=False)
    outcomes = send_due(world, nobody, datetime(2022, 5, 16, 0, 5, tzinfo=UTC), waits=(0.0,), sleep=lambda _: None)
    assert [(o.status, o.attempts) for o in outcomes] == [("failed", 2)]
    assert [(r[2], r[5].split(":")[0]) for r in log_rows(world)] == [("retrying", "ConnectionRefusedError"),
                                                                    ("failed", "ConnectionRefusedError")]


def test_a_recipient_never_receives_another_units_data(world, mailbox):
    subscribe(world, NGAWI, list(PEOPLE))
    outcomes = {o.username: o for o in send(world, mailbox, datetime(2022, 5, 16, 0, 0, tzinfo=UTC))}
    assert {name: (o.status, o.unit_code) for name, o in outcomes.items()} == {
        "admin.pusat": ("sent", NGAWI),
        "evaluator.pusat": ("sent", NGAWI),
        "kapolres.hsu": ("skipped", None),
        "kapolres.ngawi": ("sent", NGAWI),
        "kapolsek.karangjati": ("sent", KARANGJATI),  # a Polsek chief on a Polres subscription: his Polsek
        "tanpa.email": ("skipped", None),
    }
    assert outcomes["kapolres.hsu"].reason == f"home unit {HSU} may not see {NGAWI}"
    assert outcomes["tanpa.email"].reason.startswith("account has no e-mail")
    received = {m["X-Envelope-To"]: page_texts(attachment(m)) for m in mailbox.messages}
    assert set(received) == {"pusat@example.test", "ngawi@example.test", "karangjati@example.test",
                             "evaluator@example.test"}
    with world.connect() as conn:
        polsek_names = dict(conn.execute(select(units.c.code, units.c.name).where(units.c.parent_code == NGAWI)).all())
    own = polsek_names.pop(KARANGJATI)
    chief = " ".join(received["karangjati@example.test"])
    assert f"Bahan Briefing Binmas · {own}" in chief
    assert [name for name in polsek_names.values() if re.search(rf"{re.escape(name)}\b", chief)] == []
    assert "Polres Ngawi" not in chief  # not even the name of the unit above
    assert sum(name in " ".join(received["ngawi@example.test"]) for name in polsek_names.values()) > 10
    # a national evaluator compares units, without officers' names or NRPs (as on the pages)
    with world.connect() as conn:
        nrps = set(conn.execute(select(officers.c.nrp).where(officers.c.unit_code.like("PS-35.21%"))).scalars())
    national, chief_view = (" ".join(received[who]) for who in ("evaluator@example.test", "pusat@example.test"))
    assert [nrp for nrp in nrps if nrp in national] == [] and "•••" in national
    assert sum(nrp in chief_view for nrp in nrps) > 5  # the admin's copy names them: the masking is per account
    skipped = [r for r in log_rows(world) if r[2] == "skipped"]
    assert sorted((r[0], r[5]) for r in skipped) == [
        ("kapolres.hsu", f"home unit {HSU} may not see {NGAWI}"),
        ("tanpa.email", "account has no e-mail (manage.py user set-email)")]
    # a skipped slot is closed too: the next run adds nothing
    assert send(world, mailbox, datetime(2022, 5, 16, 0, 30, tzinfo=UTC)) == []


def test_paused_subscription_sends_nothing(world, mailbox):
    paused = subscribe(world, NGAWI, ["kapolres.ngawi"])
    with world.begin() as conn:
        subscriptions.set_active(conn, paused, False)
    assert send(world, mailbox, datetime(2022, 5, 16, 0, 0, tzinfo=UTC)) == [] and mailbox.messages == []


def test_command_line_subscription_and_send_briefings(world, mailbox, sample_sqlite_url, tmp_path, monkeypatch,
                                                      capsys):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {mailbox.smtp.port}\nsender = "binmas@example.test"\n'
                       'starttls = false\n', encoding="utf-8")
    monkeypatch.setattr("queries.settings.SECRETS_FILE", secrets)
    db = ["--db", sample_sqlite_url]
    assert manage.main(["user", "set-email", "tanpa.email", "Baru@Example.test", *db]) == 0
    assert manage.main(["subscription", "add", "--unit", HSU, "--weekday", "mon", "--hour", "7",
                        "--to", "tanpa.email", "kapolres.hsu", *db]) == 0
    assert manage.main(["subscription", "list", *db]) == 0
    listed = capsys.readouterr().out
    assert "kapolres.hsu, tanpa.email" in listed and "Asia/Makassar" in listed
    assert manage.main(["send-briefings", "--now", "2022-05-16T06:59+08:00", *db]) == 0
    assert mailbox.messages == []
    assert manage.main(["send-briefings", "--now", "2022-05-16T07:00+08:00", *db]) == 0
    # tanpa.email's home is Ngawi: it may not see Hulu Sungai Utara, so only kapolres.hsu receives the pack
    assert [m["To"] for m in mailbox.messages] == ["hsu@example.test"]
    assert "may not see PR-63.08" in capsys.readouterr().err
    assert manage.main(["send-briefings", "--now", "2022-05-16T07:00", *db]) == 2  # no offset: refused


def test_scheduler_runs_send_briefings_every_n_minutes(monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\nhost = "127.0.0.1"\nsender = "binmas@example.test"\n', encoding="utf-8")
    monkeypatch.setattr("queries.settings.SECRETS_FILE", secrets)
    started = []
    monkeypatch.setattr("apscheduler.schedulers.blocking.BlockingScheduler.start",
                        lambda scheduler: started.append(scheduler.get_jobs()))
    assert manage.main(["scheduler", "--every-minutes", "10", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"]) == 0
    (job,), = started
    assert job.func is manage.send_briefings and job.trigger.interval == timedelta(minutes=10)
    assert job.args[1] == SmtpSettings("127.0.0.1", sender="binmas@example.test")


def test_admin_manages_subscriptions_on_the_page(world, sample_sqlite_url, monkeypatch):
    from test_app import new_app

    at = new_app(sample_sqlite_url, monkeypatch, "admin.pusat", "admin")
    at.run()
    at.switch_page("app_pages/langganan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Langganan bahan briefing"
    at.selectbox(key="subs_unit").set_value(HSU)
    at.selectbox(key="subs_day").set_value(0)
    at.multiselect(key="subs_to").set_value(["kapolres.hsu"])
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    with world.connect() as conn:
        listed = subscriptions.list_subscriptions(conn)
    assert list(zip(listed["unit_code"], listed["recipients"], listed["hour"])) == [(HSU, "kapolres.hsu", 7)]
    at.button(key="subs_pause").click().run()
    with world.connect() as conn:
        assert not subscriptions.list_subscriptions(conn)["active"].iloc[0]
        audit = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "subscription")
                             .order_by(audit_log.c.id)).scalars().all()
    assert audit[0].startswith("added ") and audit[-1].startswith("pause ")


def test_the_map_page_is_drawn(ngawi_pdf):
    import pypdfium2

    from components.maps import COVERAGE_CLASSES

    palette = {colour for _, colour in COVERAGE_CLASSES}
    document = pypdfium2.PdfDocument(str(ngawi_pdf))
    try:
        pages = [document[index].render(scale=1).to_pil().convert("RGB") for index in (0, len(document) - 1)]
    finally:
        document.close()
    first, last = (sum(count for count, colour in page.getcolors(1 << 24) if colour in palette) / (page.width *
                                                                                                    page.height)
                   for page in pages)
    # The villages of Ngawi, filled with their coverage class, take a good part of the last page; the first has none.
    assert last > 0.10 and first < 0.001, (first, last)


def test_html_format_in_english(world, mailbox):
    with world.begin() as conn:
        subscriptions.add_subscription(conn, HSU, 0, 7, ["kapolres.hsu"], "en", "html", 14)
    send(world, mailbox, datetime(2022, 5, 15, 23, 0, tzinfo=UTC))
    (message,) = mailbox.messages
    (pack,) = [part for part in message.walk() if part.get_content_type() == "text/html"]
    html = pack.get_content()
    assert pack.get_filename() == "briefing_PR-63.08_2022-05-15.html"
    assert html.startswith("<!DOCTYPE html>") and "Binmas Briefing Pack · Polres Hulu Sungai Utara" in html
    assert "2 May 2022 – 15 May 2022 (14 days)" in html
    assert message["Subject"] == "Binmas Briefing Pack 2 May 2022 – 15 May 2022"
    assert body(message).startswith("Binmas Briefing Pack · Polres Hulu Sungai Utara\n")


def test_a_pack_that_cannot_be_drawn_is_logged_and_the_others_still_go(world, mailbox, monkeypatch):
    from components import delivery

    drawn = delivery.render_pack

    def broken_for_hsu(scope, fmt, lang, now):
        if scope.unit_code == HSU:
            raise ValueError("no outline")
        return drawn(scope, fmt, lang, now)

    monkeypatch.setattr(delivery, "render_pack", broken_for_hsu)
    subscribe(world, HSU, ["kapolres.hsu"], hour=8)  # 08:00 WITA = 07:00 WIB: both due at 00:00 UTC
    subscribe(world, NGAWI, ["kapolres.ngawi"])
    outcomes = send(world, mailbox, datetime(2022, 5, 16, 0, 0, tzinfo=UTC))
    assert [(o.username, o.status, o.reason) for o in outcomes] == [
        ("kapolres.hsu", "failed", "cannot render the pack: ValueError: no outline"),
        ("kapolres.ngawi", "sent", None)]
    assert [m["To"] for m in mailbox.messages] == ["ngawi@example.test"]
