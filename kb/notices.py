"""E-mail notices to staff about moderation: who is told what after a transition.

* submitted → every active moderator of the owning county (only that county's), except the actor;
* changes requested, approved, rejected → the author of the revision, with the comment.

Anyone can turn notices off (`users.notify_by_email`, on /konto/aviseringar). Messages go
through the outbox (kb.mail.enqueue) in the caller's transaction. They are written in Swedish
whatever language the actor browses in: no language is stored per user.
"""
from __future__ import annotations

import sqlalchemy as sa

from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from . import mail
from .extensions import db
from .labels import DECISIONS
from .links import external_url
from .models import Entry, ReviewEvent, User
from .permissions import county_reviewers
from .workflow import Action

FOOTER = _l("\n\n--\nDu får det här mejlet för att du har ett konto på Goda exempel.\nStäng av e-postaviseringar: %(settings)s\n")


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
    with force_locale("sv"):
        return _notices(entry, event)


def _notices(entry: Entry, event: ReviewEvent) -> list:
    title = event.revision.title if event.revision is not None else entry.slug
    settings = external_url("channels.notice_settings")
    rows = []
    if event.action == Action.SUBMIT.value:
        county = entry.owner_county.name if entry.owner_county else entry.owner_county_code
        for moderator in county_moderators(entry.owner_county_code):
            if moderator.id == event.actor_id:
                continue
            text = _(
                "Hej %(name)s!\n\nEtt exempel i %(county)s väntar på granskning:\n\n  %(title)s\n\nGranska det här: %(link)s\n",
                name=moderator.label, county=county, title=title, link=external_url("moderation.review", entry_id=entry.id),
            ) + FOOTER % {"settings": settings}
            rows.append(mail.enqueue(moderator.email, _("Att granska: %(title)s", title=title), text, kind="notice_submitted"))
    elif event.action in DECISIONS:
        author = event.revision.author if event.revision is not None else None
        if author is None or author.id == event.actor_id or not author.active or not author.notify_by_email:
            return rows
        heading, explanation = DECISIONS[event.action]
        link = (external_url("browse.example", slug=entry.slug) if event.action == Action.APPROVE.value
                else external_url("moderation.review", entry_id=entry.id))
        comment = _("\nKommentar från granskaren:\n\n%(comment)s\n", comment=_quote(event.comment)) if event.comment else ""
        text = (
            _("Hej %(name)s!", name=author.label) + f"\n\n{explanation}\n\n  {title}\n{comment}\n{link}\n"
            + FOOTER % {"settings": settings}
        )
        rows.append(mail.enqueue(author.email, f"{heading}: {title}", text, kind=f"notice_{event.action}"))
    return rows


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())


def set_notices(user: User, enabled: bool) -> None:
    """Turn a user's e-mail notices on or off (flushes; the caller commits)."""
    user.notify_by_email = bool(enabled)
    db.session.flush()
