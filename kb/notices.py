"""E-mail notices to staff about moderation: who is told what after a transition.

* submitted → every active moderator of the owning county (only that county's), except the actor;
* changes requested, approved, rejected → the author of the revision, with the comment.

Anyone can turn notices off (`users.notify_by_email`, on /konto/aviseringar). Messages go
through the outbox (kb.mail.enqueue) in the caller's transaction.
"""
from __future__ import annotations

import sqlalchemy as sa

from . import mail
from .extensions import db
from .labels import DECISIONS
from .links import external_url
from .models import Entry, ReviewEvent, User
from .permissions import county_reviewers
from .workflow import Action

FOOTER = "\n\n--\nDu får det här mejlet för att du har ett konto på Goda exempel.\nStäng av e-postaviseringar: {settings}\n"


def county_moderators(county_code: str | None) -> list[User]:
    """Active moderators of one county who want notices."""
    if not county_code:
        return []
    return list(db.session.scalars(
        sa.select(User).where(
            county_reviewers(county_code), User.notify_by_email.is_(True),
        ).order_by(User.id)
    ))


def after_transition(entry: Entry, event: ReviewEvent) -> list:
    """Enqueue the notices a transition causes; returns the outbox rows (flushed, not committed)."""
    title = event.revision.title if event.revision is not None else entry.slug
    settings = external_url("channels.notice_settings")
    rows = []
    if event.action == Action.SUBMIT.value:
        county = entry.owner_county.name if entry.owner_county else entry.owner_county_code
        for moderator in county_moderators(entry.owner_county_code):
            if moderator.id == event.actor_id:
                continue
            text = (
                f"Hej {moderator.label}!\n\nEtt exempel i {county} väntar på granskning:\n\n  {title}\n\n"
                f"Granska det här: {external_url('moderation.review', entry_id=entry.id)}\n"
                + FOOTER.format(settings=settings)
            )
            rows.append(mail.enqueue(moderator.email, f"Att granska: {title}", text, kind="notice_submitted"))
    elif event.action in DECISIONS:
        author = event.revision.author if event.revision is not None else None
        if author is None or author.id == event.actor_id or not author.active or not author.notify_by_email:
            return rows
        heading, explanation = DECISIONS[event.action]
        link = (external_url("browse.example", slug=entry.slug) if event.action == Action.APPROVE.value
                else external_url("moderation.review", entry_id=entry.id))
        comment = f"\nKommentar från granskaren:\n\n{_quote(event.comment)}\n" if event.comment else ""
        text = (
            f"Hej {author.label}!\n\n{explanation}\n\n  {title}\n{comment}\n{link}\n" + FOOTER.format(settings=settings)
        )
        rows.append(mail.enqueue(author.email, f"{heading}: {title}", text, kind=f"notice_{event.action}"))
    return rows


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())


def set_notices(user: User, enabled: bool) -> None:
    """Turn a user's e-mail notices on or off (flushes; the caller commits)."""
    user.notify_by_email = bool(enabled)
    db.session.flush()
