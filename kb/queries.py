"""Reading queries: the one home for what pages, feeds, exports and the CLI read.

Every read that selects examples, places, users, audit rows or synonym versions for
display lives here, so scope rules and eager loading are written once. Writes live in
the use-case modules (moderation, accounts, user_admin, freshness, adoption, loader);
who may see what is decided by `kb.permissions` (`scope_entries` narrows a query in SQL).
"""
from __future__ import annotations

import sqlalchemy as sa

from .extensions import db
from .indexing import published_query
from .models import (
    AuditEvent,
    Category,
    County,
    Entry,
    EntryState,
    Municipality,
    Revision,
    RevisionState,
    SynonymSet,
    User,
    aware,
    revision_counties,
    revision_municipalities,
)
from .permissions import can_review, own_entries, scope_entries

# --------------------------------------------------------------------------- published examples


def published_entries_query():
    """Published entries with everything the index and pages need, loaded eagerly."""
    return published_query()


def published_entries() -> list[Entry]:
    """Every published entry (what the public, the index and exports may see)."""
    return list(db.session.scalars(published_entries_query()))


def published_changes() -> list[tuple[str, object, str, list[str], list[str]]]:
    """(slug, last change, category slug, municipality codes, county codes named directly) of
    every published entry, by slug, in three plain queries (the sitemap: no ORM objects).
    The last change is what `feeds.last_changed` gives: the newest of publication, the
    published revision's last edit and creation."""
    published = sa.and_(Entry.state == EntryState.PUBLISHED, Entry.published_revision_id.is_not(None))
    rows = db.session.execute(
        sa.select(Entry.slug, Entry.published_at, Entry.created_at, Revision.updated_at, Category.slug, Revision.id)
        .join(Revision, Revision.id == Entry.published_revision_id)
        .outerjoin(Category, Category.id == Revision.category_id)
        .where(published).order_by(Entry.slug)
    ).all()
    municipalities: dict[int, list[str]] = {}
    counties: dict[int, list[str]] = {}
    revision_ids = sa.select(Entry.published_revision_id).where(published).scalar_subquery()
    for revision_id, code in db.session.execute(sa.select(revision_municipalities.c.revision_id, revision_municipalities.c.municipality_code)
                                                .where(revision_municipalities.c.revision_id.in_(revision_ids))):
        municipalities.setdefault(revision_id, []).append(code)
    for revision_id, code in db.session.execute(sa.select(revision_counties.c.revision_id, revision_counties.c.county_code)
                                                .where(revision_counties.c.revision_id.in_(revision_ids))):
        counties.setdefault(revision_id, []).append(code)
    out = []
    for slug, published_at, created_at, revised_at, category, revision_id in rows:
        when = max(aware(t) for t in (published_at, revised_at, created_at) if t)
        out.append((slug, when, category or "", municipalities.get(revision_id, []), counties.get(revision_id, [])))
    return out


def get_published_entry(slug: str) -> Entry | None:
    """The published entry with this slug, or None (drafts and archived ones are None too)."""
    return db.session.scalars(published_entries_query().where(Entry.slug == slug)).first()


def published_by_slugs(slugs) -> dict[str, Entry]:
    """Published entries by slug, for the given slugs (e.g. a page of search hits)."""
    slugs = list(slugs)
    if not slugs:
        return {}
    return {e.slug: e for e in db.session.scalars(published_entries_query().where(Entry.slug.in_(slugs)))}


# --------------------------------------------------------------------------- places and topics


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalars(sa.select(Category).where(Category.slug == slug)).first()


def county_by_slug(slug: str) -> County | None:
    return db.session.scalars(sa.select(County).where(County.slug == slug)).first()


def municipality_by_slug(slug: str) -> Municipality | None:
    return db.session.scalars(sa.select(Municipality).where(Municipality.slug == slug)).first()


def municipalities_by_codes(codes) -> list[Municipality]:
    codes = list(codes)
    if not codes:
        return []
    return list(db.session.scalars(sa.select(Municipality).where(Municipality.code.in_(codes)).order_by(Municipality.name)))


def counties_by_codes(codes) -> list[County]:
    codes = list(codes)
    if not codes:
        return []
    return list(db.session.scalars(sa.select(County).where(County.code.in_(codes)).order_by(County.code)))


# --------------------------------------------------------------------------- staff work lists


def own_examples(user) -> list[Entry]:
    """The user's own examples ("Mina exempel"), most recently changed first."""
    return list(db.session.scalars(sa.select(Entry).where(own_entries(user)).order_by(Entry.updated_at.desc())))


def queue_query(user, state: str):
    """Examples in the user's scope in `state`, oldest first (scope applied in SQL)."""
    q = sa.select(Entry).outerjoin(Revision, Entry.working_revision_id == Revision.id)
    if state in ("published", "archived"):
        q = q.where(Entry.state == EntryState(state)).order_by(Entry.updated_at)
    else:
        q = q.where(Revision.review_state == RevisionState(state)).order_by(Revision.updated_at, Entry.id)
    return scope_entries(user, q)


def count(query) -> int:
    """How many rows a select of entries would return."""
    return db.session.scalar(query.with_only_columns(sa.func.count(Entry.id)).order_by(None)) or 0


def queue_counts(user, states) -> dict[str, int]:
    """The number of examples per queue tab in the user's scope."""
    return {state: count(queue_query(user, state)) for state in states}


def pending_count(user) -> int:
    """How many examples wait for this moderator's review (for the navigation bar)."""
    if not can_review(user):
        return 0
    return count(queue_query(user, "submitted"))


# --------------------------------------------------------------------------- administration


def all_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.county_code, User.email)))


def audit_events(action: str = "", actor: str = "", object_id: str = "", page: int = 1, per_page: int = 50):
    """One page of the audit log, newest first, and whether there is an older page."""
    q = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        q = q.where(AuditEvent.action == action)
    if actor:
        q = q.where(AuditEvent.actor.contains(actor, autoescape=True))
    if object_id:
        q = q.where(AuditEvent.object_id == object_id)
    rows = list(db.session.scalars(q.limit(per_page + 1).offset((page - 1) * per_page)))
    return rows[:per_page], len(rows) > per_page


def audit_actions() -> list[str]:
    """Every action code the audit log holds (the filter's choices)."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def synonym_versions(limit: int = 20) -> list[SynonymSet]:
    return list(db.session.scalars(sa.select(SynonymSet).order_by(SynonymSet.id.desc()).limit(limit)))
