"""Small read helpers for views: category and place labels."""
from __future__ import annotations

import sqlalchemy as sa

from .. import places
from ..extensions import db
from ..models import Category


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))


def category_slugs() -> set[str]:
    return set(db.session.scalars(sa.select(Category.slug)))


def labels() -> dict[str, dict[str, str]]:
    """Human names for facet values: category slug, county code and municipality code."""
    return {
        "category": {c.slug: c.name for c in categories()},
        "county": {p.code: p.name for p in places.counties()},
        "municipality": {p.code: p.name for p in places.municipalities()},
    }
