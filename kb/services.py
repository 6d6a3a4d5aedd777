"""Small use cases and helpers shared by load and web saves (content exchange: kb/exchange.py).
They take their inputs as parameters (never request globals), flush,
and leave the commit to the caller; index updates run after the commit."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from . import audit
from .indexing import mark_for_reindex
from .permissions import Permission, require
from .extensions import db
from .models import (
    Entry,
    Tag,
)

log = logging.getLogger(__name__)


def search_index():
    """The application's SearchIndex."""
    return current_app.extensions["kb_index"]


# --------------------------------------------------------------------------- helpers of load and save


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
    if synonyms.current_text(db.session) == text:
        return False
    db.session.add(SynonymSet(text=text, author_id=actor.id, source=source))
    audit.record(actor, "synonyms_save", "synonyms", "", detail=f"{len(text)} tecken")
    db.session.flush()
    return True
