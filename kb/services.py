"""Use cases. They take their inputs as parameters (never request globals), flush,
and leave the commit to the caller; index updates run after the commit."""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from . import audit, content, places
from .indexing import mark_for_reindex, published_query
from .permissions import Permission, require
from .extensions import db
from .models import (
    Category,
    Entry,
    EntryState,
    Revision,
    Tag,
)

log = logging.getLogger(__name__)


def search_index():
    """The application's SearchIndex."""
    return current_app.extensions["kb_index"]


def published_entries_query():
    """Published entries with everything the index and pages need, loaded eagerly."""
    return published_query()


def published_entries() -> list[Entry]:
    """Every published entry (what the public, the index and exports may see)."""
    return list(db.session.scalars(published_entries_query()))


def get_published_entry(slug: str) -> Entry | None:
    """The published entry with this slug, or None (drafts and archived ones are None too)."""
    return db.session.scalars(published_entries_query().where(Entry.slug == slug)).first()


# --------------------------------------------------------------------------- load


def owner_county_for(municipality_codes: list[str], county_codes: list[str]) -> str | None:
    """The county that owns an example: the one most of its places lie in (lowest code on a tie)."""
    counts: dict[str, int] = {}
    for code in [m[:2] for m in municipality_codes] + list(county_codes):
        counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def get_or_create_tags(names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))}
    out = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = existing[name] = Tag(name=name)
            db.session.add(tag)
        out.append(tag)
    return out


def _revision_matches(rev: Revision, ex: content.ExampleData) -> bool:
    return (
        rev.title == ex.title
        and rev.summary == ex.summary
        and rev.body == ex.body
        and rev.category.slug == ex.category
        and rev.practice_status.value == ex.status
        and rev.source_title == ex.source_title
        and rev.source_published == ex.source_published
        and list(rev.source_sections or []) == list(ex.source_sections)
        and sorted(m.name for m in rev.municipalities) == sorted(ex.municipalities)
        and sorted(c.name for c in rev.counties) == sorted(ex.counties)
        and sorted(t.name for t in rev.tags) == sorted(ex.tags)
        and (rev.period_start, rev.period_end) == (ex.period_start, ex.period_end)
        and list(rev.links or []) == list(ex.links)
        and _file_contact(rev) == (ex.contact_organisation, ex.contact_name, ex.contact_email)
    )


def _file_contact(rev: Revision) -> tuple[str, str, str]:
    """The contact as a content file carries it: only a public one."""
    if not rev.contact_public:
        return ("", "", "")
    return (rev.contact_organisation, rev.contact_name, rev.contact_email)


def load_content(root: Path, force: bool = False, **callbacks):
    """Load a content directory by the three-way rule (see kb/loader.py); flushes, the caller commits."""
    from .loader import load_content as load

    return load(root, force=force, **callbacks)


def reindex_entries(slugs: list[str]) -> None:
    """Rewrite these entries' index documents from the database (e.g. after a change the
    log cannot see). Commits: the log rows are written and applied like any change's."""
    if not slugs:
        return
    mark_for_reindex(db.session, db.session.scalars(sa.select(Entry).where(Entry.slug.in_(slugs))))
    db.session.commit()


def save_synonyms(actor: audit.Actor, text: str, source: str = "web") -> bool:
    """Store a new version of the synonym table when it differs from the current one (needs the
    synonym permission; audited). Returns whether anything changed; the caller commits."""
    from .models import SynonymSet
    from .search import synonyms

    require(actor.user, Permission.EDIT_SYNONYMS)
    synonyms.parse(text)  # raises SynonymError with the line to fix
    if synonyms.current_text() == text:
        return False
    db.session.add(SynonymSet(text=text, author_id=actor.id, source=source))
    audit.record(actor, "synonyms_save", "synonyms", "", detail=f"{len(text)} tecken")
    db.session.flush()
    return True


# --------------------------------------------------------------------------- export


def example_data(entry: Entry) -> content.ExampleData:
    """The exchange-format view of a published entry."""
    rev = entry.published_revision
    organisation, name, email = _file_contact(rev)
    return content.ExampleData(
        slug=entry.slug,
        title=rev.title,
        category=rev.category.slug,
        summary=rev.summary,
        body=rev.body,
        municipalities=[m.name for m in sorted(rev.municipalities, key=lambda m: places.fold(m.name))],
        counties=[c.name for c in sorted(rev.counties, key=lambda c: places.fold(c.name))],
        tags=sorted(t.name for t in rev.tags),
        status=rev.practice_status.value,
        source_title=rev.source_title,
        source_published=rev.source_published,
        source_sections=list(rev.source_sections or []),
        period_start=rev.period_start,
        period_end=rev.period_end,
        contact_organisation=organisation,
        contact_name=name,
        contact_email=email,
        links=list(rev.links or []),
        adopted_by=[
            content.AdoptionData(
                municipality=a.municipality.name, year=a.year, note=a.note, link=a.link,
                example=a.adopter_entry.slug if a.adopter_entry is not None and a.adopter_entry.is_public else "",
            )
            for a in sorted(entry.adoptions, key=lambda a: (a.year, places.fold(a.municipality.name)))
        ],
    )


def export_content(root: Path, on_start=None, progress=None) -> list[Path]:
    """Write categories.yaml and every published entry to `root`; returns the files written.

    Files of entries that exist but are no longer published (archived, rejected) are removed,
    so an export is a faithful snapshot of what the public sees.
    """
    root = Path(root)
    written = []
    cats = db.session.scalars(sa.select(Category).order_by(Category.position, Category.slug))
    cat_path = root / "categories.yaml"
    content.write_atomic(
        cat_path,
        content.dump_categories([content.CategoryData(c.slug, c.name, c.description, c.name_en or "",
                                                         c.description_en or "") for c in cats]),
    )
    written.append(cat_path)
    from .search import synonyms

    table = synonyms.current_text()
    if table:
        syn_path = root / "synonyms.yaml"
        content.write_atomic(syn_path, table)
        written.append(syn_path)
    entries = published_entries()
    if on_start:
        on_start(len(entries))
    for entry in entries:
        path = root / "examples" / f"{entry.slug}.md"
        content.write_atomic(path, content.dump_example(example_data(entry)))
        written.append(path)
        if progress:
            progress(entry.slug)
    hidden = db.session.scalars(sa.select(Entry.slug).where(Entry.state != EntryState.PUBLISHED))
    for slug in hidden:
        stale = root / "examples" / f"{slug}.md"
        if stale.exists():
            stale.unlink()
    return written
