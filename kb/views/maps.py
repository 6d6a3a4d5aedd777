"""Map pages: Sweden by county (`/karta`, also the "Visa på karta" view of a search), and the
map pieces the browse pages include (a county's municipalities, an example's locator)."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from ..labels import FACETS, label

from .. import maps, places
from . import catalog
from .search import run_search

bp = Blueprint("maps", __name__)

SEARCH_KEYS = ("q", "category", "county", "municipality")


def sweden_map(counts: dict[str, int], title: str, current: str | None = None) -> maps.Choropleth:
    """The counties shaded by `counts`, each linking to its county page."""
    return maps.choropleth(
        maps.sweden_outline(), counts, lambda s: url_for("browse.county", slug=s.slug),
        "karta-lan", title, label(FACETS, "county"), current,
    )


def county_map(county_code: str, counts: dict[str, int]) -> maps.Choropleth:
    """One county's municipalities shaded by `counts`, each linking to its municipality page."""
    name = places.county(county_code).name
    return maps.choropleth(
        maps.county_outline(county_code), counts, lambda s: url_for("browse.municipality", slug=s.slug),
        "karta-kommuner", _("Exempel per kommun i %(county)s", county=name), label(FACETS, "municipality"),
    )


def locator_map(municipality_codes: list[str], county_codes: list[str]) -> maps.Locator:
    """The small map of Sweden on an example page."""
    return maps.locator(municipality_codes, county_codes)


@bp.get("/karta")
def index():
    """Sweden by county, shaded by the number of published examples matching the search arguments."""
    result, errors = run_search(request.args, per_page=1, proximity=False)
    labels = catalog.labels()
    params = result.params
    title = _("Exempel per län")
    if params.category:
        title = _("%(title)s inom %(category)s", title=title,
                  category=labels["category"].get(params.category, params.category))
    if params.q:
        title = _("%(title)s för ”%(q)s”", title=title, q=params.q)
    if params.municipality:
        title = _("%(title)s i %(place)s", title=title,
                  place=labels["municipality"].get(params.municipality, params.municipality))
    search_args = {k: request.args.get(k) for k in SEARCH_KEYS if request.args.get(k)}
    return render_template(
        "maps/index.html",
        result=result,
        errors=errors,
        map=sweden_map(result.facets.get("county", {}), title, params.county),
        categories=catalog.categories(),
        search_args=search_args,
        labels=labels,
    ), (400 if errors else 200)
