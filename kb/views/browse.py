"""Public pages: home, example, category, county and municipality."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from .. import adoption, facts, places, queries
from ..inputs import int_arg
from ..render import render_markdown
from .. import search as searching
from ..search import IndexUnavailable, SearchParams
from . import catalog
from . import maps as map_views

bp = Blueprint("browse", __name__)


def _index():
    return current_app.extensions["kb_index"]


def _listing(**filters) -> searching.SearchResult:
    params = SearchParams(
        page=int_arg("page", 1, 1, 1000),
        per_page=20,
        sort="title",
        **filters,
    )
    return searching.search(_index(), params)


@bp.get("/")
def home():
    """Search box, categories and counties with counts, newest examples."""
    overview = searching.search(_index(), SearchParams(per_page=6, sort="newest"))
    return render_template(
        "browse/home.html",
        overview=overview,
        categories=catalog.categories(),
        counties=places.counties(),
    )


@bp.get("/exempel/<slug>")
def example(slug: str):
    """One published example; anything else is 404 to the public."""
    entry = queries.get_published_entry(slug)
    if entry is None:
        abort(404)
    rev = entry.published_revision
    return render_template(
        "browse/example.html",
        entry=entry,
        rev=rev,
        body=render_markdown(rev.body),
        related=_related(slug),
        locator=map_views.locator_map([m.code for m in rev.municipalities], [c.code for c in rev.counties]),
        contact=facts.public_contact(rev),
        email=facts.obfuscate((facts.public_contact(rev) or {}).get("email", "")),
        period=facts.period_text(rev.period_start, rev.period_end),
        freshness=facts.freshness_of(entry),
        adoptions=[a for a in entry.adoptions],
    )


def _related(slug: str) -> list:
    """Related examples, or none while the index is unusable: the example itself still shows."""
    try:
        with _index().reading():
            return searching.related(_index(), slug)
    except IndexUnavailable:
        return []


@bp.get("/kategori/<slug>")
def category(slug: str):
    cat = queries.category_by_slug(slug)
    if cat is None:
        abort(404)
    result = _listing(category=slug)
    return render_template("browse/category.html", category=cat, result=result, labels=catalog.labels())


@bp.get("/lan/<slug>")
def county(slug: str):
    row = queries.county_by_slug(slug)
    if row is None:
        abort(404)
    result = _listing(county=row.code)
    counts = result.facets.get("municipality", {})
    municipalities = [(m, counts.get(m.code, 0)) for m in row.municipalities]
    return render_template(
        "browse/county.html", county=row, result=result, municipalities=municipalities, labels=catalog.labels(),
        map=map_views.county_map(row.code, counts),
    )


@bp.get("/kommun/<slug>")
def municipality(slug: str):
    row = queries.municipality_by_slug(slug)
    if row is None:
        abort(404)
    result = _listing(municipality=row.code)
    county_only = _listing(county=row.county_code)
    return render_template(
        "browse/municipality.html", municipality=row, result=result, county_total=county_only.total,
        labels=catalog.labels(), near=searching.municipality_context(_index(), row.code),
        adopted=adoption.adoptions_by(row.code),
    )


@bp.get("/kategorier")
def categories():
    overview = searching.search(_index(), SearchParams(per_page=1))
    return render_template("browse/categories.html", categories=catalog.categories(), overview=overview)


@bp.get("/lan")
def counties():
    overview = searching.search(_index(), SearchParams(per_page=1))
    return render_template("browse/counties.html", counties=places.counties(), overview=overview)
