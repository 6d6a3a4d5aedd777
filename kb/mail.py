"""Reliable e-mail: an outbox table written with the event, and a sender that delivers it.

Use cases call `enqueue(...)` inside their transaction (it only flushes; the caller
commits), so a message exists exactly when the event that caused it was committed.
`deliver_due()` (run by `flask kb mail send`) delivers over SMTP (`KB_SMTP_URL`), or
writes .eml files to `KB_MAIL_DIR` when no SMTP server is configured.

Delivery guarantees:
* never lost: a failed attempt leaves the row pending with `next_attempt_at` pushed
  back exponentially (1 min, 2, 4 … capped at 6 h); after MAX_ATTEMPTS it is marked
  failed, kept, and listed by `flask kb mail status`;
* never sent twice by two senders: a sender claims rows (PostgreSQL: SELECT … FOR
  UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE serialises the claim) and sets a lease
  (`locked_until`) before talking SMTP. A sender that crashes after claiming leaves
  the lease to expire; the message is then sent by the next run, once. The only
  window for a duplicate is a crash between the server's "250 OK" and the commit of
  `sent_at` a few milliseconds later; the Message-ID is fixed at enqueue time, so a
  receiver can still recognise the copy.
"""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from .extensions import db
from .models import OutboxMessage, aware, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
LEASE = timedelta(minutes=10)
SMTP_TIMEOUT = 20


def enqueue(to: str, subject: str, text: str, *, kind: str, headers: dict[str, str] | None = None) -> OutboxMessage:
    """Put one message in the outbox (flushes; the caller commits with the event that caused it)."""
    if not to or "@" not in to or "\n" in to or "\r" in to:
        raise ValueError(f"not a deliverable address: {to!r}")
    subject = " ".join(subject.split())[:300]
    domain = parseaddr(current_app.config["KB_MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    row = OutboxMessage(
        kind=kind[:40], to_addr=to.strip(), subject=subject, body=text, headers=dict(headers or {}),
        message_id=f"<{secrets.token_hex(12)}.{kind[:20]}@{domain}>", next_attempt_at=utcnow(), attempts=0,
        last_error="",
    )
    db.session.add(row)
    db.session.flush()
    return row


def build_message(row: OutboxMessage) -> EmailMessage:
    """The RFC 5322 message for an outbox row."""
    msg = EmailMessage()
    msg["From"] = current_app.config["KB_MAIL_FROM"]
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(aware(row.created_at))
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        msg[name] = value
    msg.set_content(row.body)
    return msg


# --------------------------------------------------------------------------- transports


@dataclass
class SmtpSettings:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str = ""
    password: str = ""
    cafile: str = ""  # a private CA for an internal relay; the system's CAs otherwise


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://user:pass@host:port, smtps://… (implicit TLS) or smtp://…?starttls=1 (&cafile=/path/ca.pem)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"KB_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465, not {url!r}")
    query = parse_qs(parts.query)
    secure = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if secure else 25),
        ssl=secure,
        starttls=(query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")) and not secure,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        cafile=query.get("cafile", [""])[0],
    )


class SmtpTransport:
    """One SMTP connection per sender run, opened on first use and reopened after an error."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile or None)  # certificates and host names are verified
        if s.ssl:
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
            conn.ehlo()
            if s.starttls:
                conn.starttls(context=context)
                conn.ehlo()
        if s.username:
            conn.login(s.username, s.password)
        return conn

    def send(self, msg: EmailMessage) -> None:
        if self.conn is None:
            self.conn = self._connect()
        try:
            self.conn.send_message(msg)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:  # the connection is gone anyway
                pass
            self.conn = None


class DirectoryTransport:
    """Development: each message becomes instance/mail/<outbox id>-<kind>.eml (rewriting it is harmless)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def send(self, msg: EmailMessage, name: str = "") -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / (name or f"{secrets.token_hex(6)}.eml")
        fd, tmp = tempfile.mkstemp(dir=self.path, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(msg.as_bytes())
        os.replace(tmp, target)
        return target

    def close(self) -> None:
        pass


def transport():
    """SMTP when KB_SMTP_URL is set, else the .eml directory."""
    url = current_app.config.get("KB_SMTP_URL")
    if url:
        return SmtpTransport(parse_smtp_url(url))
    return DirectoryTransport(Path(current_app.config["KB_MAIL_DIR"]))


# --------------------------------------------------------------------------- sender


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most 6 hours."""
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


def _due(now: datetime):
    return sa.and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )


def claim(now: datetime, limit: int) -> list[int]:
    """Lease up to `limit` due messages to this sender and commit; other senders skip them."""
    q = sa.select(OutboxMessage).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(q))
    for row in rows:
        row.locked_until = now + LEASE
        row.attempts += 1
    db.session.commit()
    return [row.id for row in rows]


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Deliver every due message once; failures are rescheduled with backoff. Commits per message."""
    now = now or utcnow()
    report = DeliveryReport()
    ids = claim(now, limit)
    if not ids:
        return report
    sender = transport()
    try:
        for message_id in ids:
            row = db.session.get(OutboxMessage, message_id)
            try:
                msg = build_message(row)
                if isinstance(sender, DirectoryTransport):
                    sender.send(msg, f"{row.id:06d}-{row.kind}.eml")
                else:
                    sender.send(msg)
            except Exception as exc:  # SMTP down, refused, timeout: keep it and try later
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                row.locked_until = None
                if row.attempts >= MAX_ATTEMPTS:
                    row.failed_at = utcnow()
                    report.failed.append(row.id)
                    log.error("mail %s to %s failed for good after %d attempts: %s", row.id, row.to_addr, row.attempts, row.last_error)
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    report.retry.append(row.id)
                    log.warning("mail %s not delivered (attempt %d), retry at %s: %s", row.id, row.attempts,
                                row.next_attempt_at.isoformat(), row.last_error)
            else:
                row.sent_at = utcnow()
                row.locked_until = None
                row.last_error = ""
                report.sent.append(row.id)
            db.session.commit()
    finally:
        sender.close()
    return report


def status() -> dict[str, int]:
    """How many messages are pending, sent and failed."""
    counts = {}
    for name, cond in (
        ("pending", sa.and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))),
        ("sent", OutboxMessage.sent_at.is_not(None)),
        ("failed", OutboxMessage.failed_at.is_not(None)),
    ):
        counts[name] = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(cond)) or 0
    return counts
