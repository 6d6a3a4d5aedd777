"""Freshness: recording that a county board checked an example, and finding the ones nobody has.

An example's "last checked" date is when a moderator marked it verified; before
that, the date of its source (a 2014 report says nothing about 2026), and for an
example written on the web, when it was first published. An example not checked
for `KB_VERIFY_MONTHS` months (24 by default) is stale: its page says so, it is in
its county's "to check" list, and `?verified_within=` leaves it out.

E-mail reminders are a seam: `reminders()` builds one per county and
`send_reminders()` hands them to `kb.mail.enqueue` when that outbox exists.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from flask_babel import force_locale, gettext as _

from . import audit
from .fields import LIMITS
from .extensions import db
from .models import Entry, PracticeStatus, ReviewEvent, Revision, RevisionState, User, utcnow
from .permissions import Permission, county_reviewers, require, scope_entries

log = logging.getLogger(__name__)
DEFAULT_MONTHS = 24
MAX_NOTE = LIMITS["verify_note"]


class NotVerifiable(ValueError):
    """Only a published example can be marked verified; the message says why, in Swedish."""


def verify_months() -> int:
    """How many months an example stays fresh after a check (config KB_VERIFY_MONTHS)."""
    try:
        return max(1, int(current_app.config.get("KB_VERIFY_MONTHS", DEFAULT_MONTHS)))
    except (TypeError, ValueError):
        return DEFAULT_MONTHS


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def months_before(now: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the day clamped to the month's length)."""
    year, month = divmod(now.year * 12 + (now.month - 1) - months, 12)
    month += 1
    day = now.day
    while True:
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def _source_date(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except (TypeError, ValueError):
            continue
    return None


def last_checked(entry: Entry) -> datetime | None:
    """When the example was last known to be true: verified, else its source date, else first published."""
    if entry.verified_at:
        return _aware(entry.verified_at)
    rev = entry.published_revision
    source = _source_date(rev.source_published) if rev is not None and rev.source_published else None
    if source is not None:
        return source
    when = entry.published_at or entry.created_at
    return _aware(when) if when else None


def is_stale(entry: Entry, now: datetime | None = None, months: int | None = None) -> bool:
    """Not checked within the last `months` months (default: the configured threshold)."""
    checked = last_checked(entry)
    cutoff = months_before(_aware(now or utcnow()), months or verify_months())
    return checked is None or checked < cutoff


def slugs_checked_within(months: int, now: datetime | None = None) -> frozenset[str]:
    """Slugs of published examples checked within the last `months` months (for search filters)."""
    from .queries import published_entries

    return frozenset(e.slug for e in published_entries() if not is_stale(e, now, months))


def to_check(user, county: str | None = None, now: datetime | None = None) -> list[Entry]:
    """Published examples in the user's scope not checked within the threshold, oldest check first."""
    from .queries import published_entries_query

    q = scope_entries(user, published_entries_query())
    if county:
        q = q.where(Entry.owner_county_code == county)
    stale = [e for e in db.session.scalars(q) if is_stale(e, now)]
    return sorted(stale, key=lambda e: (last_checked(e) or datetime.min.replace(tzinfo=UTC), e.slug))


def mark_verified(actor: audit.Actor, entry: Entry, note: str = "", status: str | None = None,
                  now: datetime | None = None) -> ReviewEvent:
    """Record that the actor's county board checked the example; a changed practice status is a new revision.

    The new revision (a copy of the published text with the new status) is approved at once:
    the status is a fact the county board vouches for, not text that needs a second reader.
    """
    require(actor.user, Permission.VERIFY, entry)
    if not entry.is_public or entry.published_revision is None:
        raise NotVerifiable(_("Bara publicerade exempel kan markeras som kontrollerade."))
    # Control characters (NUL would fail on PostgreSQL) are dropped; line breaks are kept.
    note = "".join(c for c in (note or "") if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127)).strip()[:MAX_NOTE]
    new_status = PracticeStatus(status) if status else None
    from .moderation import lock_entry, next_revision_number

    lock_entry(entry)  # the row lock serialises revision numbers (see save_entry)
    entry.updated_at = utcnow()
    db.session.flush()
    published = entry.published_revision
    before = published.practice_status.value
    if new_status is not None and new_status is not published.practice_status:
        copy = copy_revision(published, next_revision_number(entry))
        copy.practice_status = new_status
        copy.review_state = RevisionState.APPROVED
        copy.author_id = actor.id
        entry.revisions.append(copy)
        db.session.flush()
        entry.published_revision = copy
    entry.verified_at = now or utcnow()
    entry.verified_by_id = actor.id
    entry.verified_county_code = getattr(actor.user, "county_code", None) or entry.owner_county_code
    entry.verified_note = note
    entry.updated_at = utcnow()
    event = ReviewEvent(
        entry=entry, revision=entry.published_revision, actor_id=actor.id, action="verify",
        from_state=entry.state.value, to_state=entry.state.value, comment=note,
    )
    db.session.add(event)
    after = entry.published_revision.practice_status.value
    detail = f"status {before} → {after}" + (f"; {note}" if note else "")
    audit.record(actor, "entry_verify", "entry", entry.id, before, after, detail=detail[:500])
    db.session.flush()
    return event


def copy_revision(rev: Revision, number: int) -> Revision:
    """A new revision with the same text, places, tags, source and contact as `rev`."""
    return Revision(
        number=number, title=rev.title, summary=rev.summary, body=rev.body, category=rev.category,
        practice_status=rev.practice_status, source_title=rev.source_title,
        source_published=rev.source_published, source_sections=list(rev.source_sections or []),
        review_state=rev.review_state, author_id=rev.author_id, period_start=rev.period_start,
        period_end=rev.period_end, contact_organisation=rev.contact_organisation,
        contact_name=rev.contact_name, contact_email=rev.contact_email,
        contact_public=rev.contact_public, links=list(rev.links or []),
        municipalities=list(rev.municipalities), counties=list(rev.counties), tags=list(rev.tags),
    )


# --------------------------------------------------------------------------- reminders (e-mail)


@dataclass
class Reminder:
    county_code: str
    recipients: list[str]
    subject: str
    body: str
    slugs: list[str]


def reminders(now: datetime | None = None) -> list[Reminder]:
    """One reminder per county with stale examples, addressed to its active moderators."""
    from .links import external_url
    from .queries import published_entries

    by_county: dict[str, list[Entry]] = {}
    for entry in published_entries():
        if entry.owner_county_code and is_stale(entry, now):
            by_county.setdefault(entry.owner_county_code, []).append(entry)
    out = []
    for code, entries in sorted(by_county.items()):
        recipients = list(db.session.scalars(
            sa.select(User.email).where(county_reviewers(code))
            .order_by(User.email)
        ))
        if not recipients:
            continue
        lines = [f"- {e.published_revision.title} ({external_url('browse.example', slug=e.slug)})" for e in entries]
        with force_locale("sv"):  # no language is stored per user: mails are Swedish
            body = _(
                "%(count)s exempel i ert län har inte kontrollerats på %(months)s månader.\n"
                "Logga in och välj Granska → Att kontrollera för att markera dem som kontrollerade.\n\n",
                count=len(entries), months=verify_months(),
            ) + "\n".join(lines) + "\n"
            subject = _("Goda exempel: exempel att kontrollera")
        out.append(Reminder(code, recipients, subject, body, [e.slug for e in entries]))
    return out


REMIND_EVERY_DAYS = 7  # a moderator gets at most one freshness reminder a week


def send_reminders(now: datetime | None = None) -> int:
    """Put the reminders in the mail outbox (kb/mail.py); returns how many messages.

    A moderator reminded in the last REMIND_EVERY_DAYS days is not reminded again, so the
    command can run daily from cron. The caller commits (with the outbox rows)."""
    from . import mail
    from .links import external_url
    from .models import OutboxMessage

    now = now or utcnow()
    since = now - timedelta(days=REMIND_EVERY_DAYS)
    recent = set(db.session.scalars(
        sa.select(OutboxMessage.to_addr).where(OutboxMessage.kind == REMINDER_KIND, OutboxMessage.created_at >= since)
    ))
    sent = 0
    for reminder in reminders(now):
        with force_locale("sv"):
            body = reminder.body + _("\nAtt kontrollera: %(link)s\n", link=external_url("desk.to_check"))
        for recipient in reminder.recipients:
            if recipient in recent:
                continue
            mail.enqueue(recipient, reminder.subject, body, kind=REMINDER_KIND)
            sent += 1
    return sent


REMINDER_KIND = "freshness_reminder"
