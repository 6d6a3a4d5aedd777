"""Use cases of submission and moderation: create, save, transition, comment.

Each takes the actor, checks permissions (permissions.py) and the state machine
(workflow.py), writes a review event and an audit event, and flushes. The caller
commits once, and after the commit updates the search index.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa

from flask_babel import force_locale
from flask_babel import gettext as _

from . import audit, notices, places
from .extensions import db
from .fields import LIMITS
from .labels import DIFF_FIELDS, label
from .models import (
    Category,
    County,
    Entry,
    EntryState,
    Municipality,
    PracticeStatus,
    ReviewEvent,
    Revision,
    RevisionState,
    utcnow,
)
from .permissions import ACTION_PERMISSIONS, Permission, require
from .services import get_or_create_tags, owner_county_for
from .workflow import (
    COMMENT_REQUIRED,
    REVIEW_TRANSITIONS,
    Action,
    InvalidTransition,
    is_editable,
    pending_review_target,
    publication_target,
    review_target,
)

MAX_COMMENT = LIMITS["comment"]


@dataclass
class EntryInput:
    """What a person typed into the submission form, already bounded by the form."""

    title: str = ""
    summary: str = ""
    category: str = ""
    municipalities: list[str] = field(default_factory=list)  # codes
    counties: list[str] = field(default_factory=list)  # codes
    tags: list[str] = field(default_factory=list)
    status: str = PracticeStatus.OKAND.value
    period_start: int | None = None
    period_end: int | None = None
    body: str = ""
    contact_organisation: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_public: bool = False
    links: list[str] = field(default_factory=list)

    @classmethod
    def from_revision(cls, rev: Revision) -> EntryInput:
        return cls(
            title=rev.title, summary=rev.summary, category=rev.category.slug if rev.category else "",
            municipalities=[m.code for m in rev.municipalities], counties=[c.code for c in rev.counties],
            tags=[t.name for t in rev.tags], status=rev.practice_status.value,
            period_start=rev.period_start, period_end=rev.period_end, body=rev.body,
            contact_organisation=rev.contact_organisation, contact_name=rev.contact_name,
            contact_email=rev.contact_email, contact_public=rev.contact_public, links=list(rev.links or []),
        )


class EditConflict(Exception):
    """Someone saved this example after the editor opened it; nothing was overwritten."""

    def __init__(self, entry: Entry):
        self.entry = entry
        super().__init__(_("Någon annan har sparat exemplet efter att du öppnade det."))


class IncompleteEntry(ValueError):
    """Submitting needs every required field; `errors` maps field → Swedish message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class CommentRequired(ValueError):
    pass


def missing_for_submission(data: EntryInput) -> dict[str, str]:
    """Fields a submission still lacks (a draft may lack them)."""
    errors = {}
    if not data.title.strip():
        errors["title"] = _("Ange en rubrik.")
    if not data.summary.strip():
        errors["summary"] = _("Skriv en kort sammanfattning (1–2 meningar).")
    if not data.category:
        errors["category"] = _("Välj ett ämne.")
    if not data.municipalities and not data.counties:
        errors["municipalities"] = _("Välj minst en kommun eller ett län.")
    if not data.body.strip():
        errors["body"] = _("Beskriv exemplet i texten.")
    return errors


def owner_county(user, municipality_codes: list[str], county_codes: list[str]) -> str | None:
    """The county that will own an example: its only county, else the author's own when among them."""
    involved = {m[:2] for m in municipality_codes} | set(county_codes)
    if len(involved) == 1:
        return next(iter(involved))
    if user is not None and user.county_code in involved:
        return user.county_code
    return owner_county_for(municipality_codes, county_codes) or getattr(user, "county_code", None)


def _apply(rev: Revision, data: EntryInput) -> None:
    rev.title = data.title.strip()
    rev.summary = data.summary.strip()
    rev.body = data.body.strip()
    rev.category = (
        db.session.scalars(sa.select(Category).where(Category.slug == data.category)).first() if data.category else None
    )
    rev.practice_status = PracticeStatus(data.status or PracticeStatus.OKAND.value)
    rev.municipalities = list(db.session.scalars(sa.select(Municipality).where(Municipality.code.in_(data.municipalities)))) if data.municipalities else []
    rev.counties = list(db.session.scalars(sa.select(County).where(County.code.in_(data.counties)))) if data.counties else []
    rev.tags = get_or_create_tags(sorted({t.strip().lower() for t in data.tags if t.strip()}))
    rev.period_start, rev.period_end = data.period_start, data.period_end
    rev.contact_organisation = data.contact_organisation.strip()
    rev.contact_name = data.contact_name.strip()
    rev.contact_email = data.contact_email.strip()
    rev.contact_public = bool(data.contact_public)
    rev.links = list(data.links)


def _event(actor: audit.Actor, entry: Entry, action: str, from_state: str, to_state: str, comment: str = "",
           revision: Revision | None = None) -> ReviewEvent:
    event = ReviewEvent(
        entry=entry, revision=revision or entry.working_revision, actor_id=actor.id, action=action,
        from_state=from_state, to_state=to_state, comment=comment,
    )
    db.session.add(event)
    audit.record(actor, f"entry_{action}", "entry", entry.id, from_state, to_state, detail=comment[:500])
    return event


def _mirror_state(entry: Entry) -> None:
    """An example never published shows its revision's review state as its own."""
    if entry.published_revision is None and entry.working_revision is not None:
        entry.state = {
            RevisionState.DRAFT: EntryState.DRAFT,
            RevisionState.SUBMITTED: EntryState.SUBMITTED,
            RevisionState.CHANGES_REQUESTED: EntryState.CHANGES_REQUESTED,
            RevisionState.REJECTED: EntryState.REJECTED,
            RevisionState.APPROVED: EntryState.PUBLISHED,
        }[entry.working_revision.review_state]


def lock_entry(entry: Entry) -> None:
    """Re-read the example under a row lock (PostgreSQL: SELECT ... FOR UPDATE; SQLite's
    writing transaction already holds the database lock), so two people changing one
    example take turns and the second one decides on what the first one left."""
    if entry.id is not None:
        db.session.refresh(entry, with_for_update=True)


def next_revision_number(entry: Entry) -> int:
    """The next revision number of an example; call with the entry locked (lock_entry)."""
    current = db.session.scalar(sa.select(sa.func.max(Revision.number)).where(Revision.entry_id == entry.id))
    return (current or 0) + 1


def create_entry(actor: audit.Actor, data: EntryInput) -> Entry:
    """A new example as a draft owned by the actor (complete or not)."""
    require(actor.user, Permission.CREATE)
    user = actor.user
    entry = Entry(
        slug=f"utkast-{secrets.token_hex(8)}",
        state=EntryState.DRAFT,
        owner_county_code=owner_county(user, data.municipalities, data.counties) or user.county_code,
        created_by_id=user.id,
    )
    rev = Revision(number=1, review_state=RevisionState.DRAFT, author_id=user.id, source_title="", source_published="", source_sections=[])
    _apply(rev, data)
    entry.revisions.append(rev)
    db.session.add(entry)
    db.session.flush()
    entry.working_revision = rev
    db.session.flush()
    _event(actor, entry, "create", "", RevisionState.DRAFT.value, revision=rev)
    return entry


def save_entry(actor: audit.Actor, entry: Entry, data: EntryInput, expected_version: int | None) -> Revision:
    """Save the actor's edit as the working revision; a published example stays live meanwhile.

    Raises EditConflict when the example changed since the editor loaded it
    (`expected_version` is the version the form was rendered with).
    """
    require(actor.user, Permission.EDIT, entry)
    lock_entry(entry)
    if expected_version is not None and expected_version != entry.version_id:
        raise EditConflict(entry)
    # Bump the version first: the UPDATE takes the entry's row lock, so of two concurrent saves
    # of the same version the second fails here (StaleDataError → conflict page) before it
    # takes a revision number; the winner's max+1 below cannot collide.
    entry.updated_at = utcnow()
    db.session.flush()
    working = entry.working_revision
    if working is None:
        if not is_editable(entry):
            raise InvalidTransition(Action.SAVE, entry.state.value, REVIEW_TRANSITIONS[Action.SAVE][0])
        base = entry.published_revision
        working = Revision(
            number=next_revision_number(entry), review_state=RevisionState.DRAFT,
            source_title=base.source_title if base else "", source_published=base.source_published if base else "",
            source_sections=list(base.source_sections or []) if base else [],
        )
        _apply(working, data)
        entry.revisions.append(working)
        db.session.flush()
        entry.working_revision = working
        _event(actor, entry, "edit", entry.state.value, RevisionState.DRAFT.value, revision=working)
    else:
        review_target(Action.SAVE, working.review_state)
        working = _save_as_new_revision(actor, entry, working, data)
    working.author_id = actor.user.id
    if entry.published_revision is None:
        entry.owner_county_code = owner_county(actor.user, data.municipalities, data.counties) or entry.owner_county_code
    entry.updated_at = utcnow()  # bumps version_id: concurrent editors get a conflict
    db.session.flush()
    return working


def _save_as_new_revision(actor: audit.Actor, entry: Entry, working: Revision, data: EntryInput) -> Revision:
    """Every save by a person leaves a trace: a changed text becomes a new revision (the earlier one,
    e.g. the version a moderator reviewed, is kept), and every save writes an audit row naming the
    changed fields and the revisions to compare on the history page."""
    from .diff import revision_fields

    candidate = Revision(
        review_state=working.review_state, source_title=working.source_title,
        source_published=working.source_published, source_sections=list(working.source_sections or []),
    )
    _apply(candidate, data)
    before, after = revision_fields(working), revision_fields(candidate)
    with force_locale("sv"):  # the audit log is stored once, in the source language
        changed = [label(DIFF_FIELDS, key) for key in after if before.get(key) != after[key]]
    if changed:
        candidate.number = next_revision_number(entry)  # under save_entry's row lock
        entry.revisions.append(candidate)
        db.session.flush()
        entry.working_revision = candidate
        detail = f"version {working.number} → {candidate.number}: " + ", ".join(changed)
        to_rev = candidate
    else:
        if candidate in db.session:
            db.session.expunge(candidate)
        detail = f"version {working.number}: inga ändringar"
        to_rev = working
    audit.record(actor, "entry_save", "entry", entry.id, working.review_state.value, to_rev.review_state.value,
                 detail=detail)
    return to_rev


def transition(actor: audit.Actor, entry: Entry, action: Action, comment: str = "") -> ReviewEvent:
    """Apply a workflow action (submit, request changes, approve, reject, archive, republish)."""
    require(actor.user, ACTION_PERMISSIONS[action], entry)
    lock_entry(entry)
    comment = (comment or "").strip()[:MAX_COMMENT]
    if action in COMMENT_REQUIRED and not comment:
        raise CommentRequired(_("Skriv en kommentar som förklarar vad som behöver ändras eller varför exemplet avslås."))

    if action in (Action.ARCHIVE, Action.REPUBLISH):
        before = entry.state
        entry.state = publication_target(action, entry.state)
        entry.updated_at = utcnow()
        return _event(actor, entry, action.value, before.value, entry.state.value, comment,
                      revision=entry.published_revision)

    target = pending_review_target(action, entry)  # NoPendingRevision when nobody proposed a change
    working = entry.working_revision
    before = working.review_state
    if action is Action.SUBMIT:
        missing = missing_for_submission(EntryInput.from_revision(working))
        if missing:
            raise IncompleteEntry(missing)
    working.review_state = target
    event = _event(actor, entry, action.value, before.value, target.value, comment, revision=working)
    if action is Action.APPROVE:
        _publish(entry, working)
    elif action is Action.REJECT and entry.published_revision is not None:
        entry.working_revision = None  # the live text stays; a new edit may start
    _mirror_state(entry)
    entry.updated_at = utcnow()
    db.session.flush()
    notices.after_transition(entry, event)  # e-mail to moderators or the author, in this transaction
    return event


def _publish(entry: Entry, rev: Revision) -> None:
    first = entry.published_revision is None
    entry.published_revision = rev
    entry.working_revision = None
    if first:
        entry.state = EntryState.PUBLISHED
        entry.published_at = utcnow()
        entry.slug = unique_slug(rev.title, entry.id)


def unique_slug(title: str, entry_id: int | None = None) -> str:
    """A URL slug from the title, unique among all examples."""
    base = places.slugify(title)[:80].strip("-") or "exempel"
    slug, n = base, 2
    while db.session.scalars(sa.select(Entry.id).where(Entry.slug == slug, Entry.id != entry_id)).first() is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def add_comment(actor: audit.Actor, entry: Entry, comment: str) -> ReviewEvent:
    """A comment in the example's thread, without changing its state."""
    require(actor.user, Permission.VIEW_DRAFT, entry)
    comment = (comment or "").strip()[:MAX_COMMENT]
    if not comment:
        raise CommentRequired(_("Skriv en kommentar."))
    state = (entry.working_revision.review_state.value if entry.working_revision else entry.state.value)
    return _event(actor, entry, "comment", state, state, comment)
