"""Small read helpers for views: category and place labels, in the page's language.

Categories have Swedish names (the search index and the facets' codes use them) and optional
English ones (`name_en`, `description_en` from content/categories.yaml): English pages show
the English name, falling back to the Swedish one.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context

from .. import places
from ..extensions import db
from ..i18n import current_language
from ..models import Category
from ..services import search_index


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))


def category_slugs() -> set[str]:
    caches = search_index().caches
    if caches is not None:  # read at most once a second (kb/search/cache.py)
        return set(caches.catalog().category_slugs)
    return set(db.session.scalars(sa.select(Category.slug)))


def _english() -> dict[str, tuple[str, str]]:
    """slug → (English name, English description), each falling back to Swedish (from the catalog
    cache, like the Swedish names: no database read per page)."""
    caches = search_index().caches
    if caches is not None:
        return caches.catalog().category_english
    return {c.slug: (c.name_en or c.name, c.description_en or c.description or "") for c in categories()}


def _in_english() -> bool:
    return has_request_context() and current_language() == "en"


def category_name(value) -> str:
    """The name of a category (a Category, a (slug, Swedish name) pair from the index, or a slug)
    in the page's language."""
    if isinstance(value, Category):
        slug, swedish = value.slug, value.name
    elif isinstance(value, (tuple, list)):
        slug, swedish = value[0], value[1]
    else:
        slug, swedish = value, labels()["category"].get(value, value)
    if _in_english():
        return _english().get(slug, (swedish, ""))[0] or swedish
    return swedish


def category_description(category: Category) -> str:
    if _in_english():
        return _english().get(category.slug, ("", category.description))[1] or category.description
    return category.description


def labels() -> dict[str, dict[str, str]]:
    """Human names for facet values: category slug, county code and municipality code
    (category names in English on English pages)."""
    caches = search_index().caches
    if caches is not None:
        found = caches.catalog().labels
    else:
        found = {
            "category": {c.slug: c.name for c in categories()},
            "county": {p.code: p.name for p in places.counties()},
            "municipality": {p.code: p.name for p in places.municipalities()},
        }
    if _in_english():
        english = _english()
        found = {**found, "category": {slug: english.get(slug, (name, ""))[0] for slug, name in found["category"].items()}}
    return found


def register(app) -> None:
    app.jinja_env.globals.update(category_name=category_name, category_description=category_description)
