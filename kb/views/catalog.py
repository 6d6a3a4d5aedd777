"""Small read helpers for views: category and place labels."""
from __future__ import annotations

import sqlalchemy as sa

from .. import places
from ..extensions import db
from ..models import Category
from ..services import search_index


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))


def category_slugs() -> set[str]:
    caches = search_index().caches
    if caches is not None:  # read at most once a second (kb/search/cache.py)
        return set(caches.catalog().category_slugs)
    return set(db.session.scalars(sa.select(Category.slug)))


def labels() -> dict[str, dict[str, str]]:
    """Human names for facet values: category slug, county code and municipality code."""
    caches = search_index().caches
    if caches is not None:
        return caches.catalog().labels
    return {
        "category": {c.slug: c.name for c in categories()},
        "county": {p.code: p.name for p in places.counties()},
        "municipality": {p.code: p.name for p in places.municipalities()},
    }
