"""The search page: query, filters, facets, sorting and pages."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from .. import search as searching
from . import catalog

bp = Blueprint("search", __name__)


def run_search(args, per_page: int | None = None, proximity: bool = True):
    """Validate the arguments and run the search; returns (result, errors)."""
    params, errors = searching.parse_search_args(
        args, catalog.category_slugs(), per_page or current_app.config["KB_PER_PAGE"]
    )
    near, near_error = searching.parse_near(args)
    if near_error:
        errors.append(near_error)
    if params.verified_within:
        from ..freshness import slugs_checked_within

        params.only_slugs = slugs_checked_within(params.verified_within)
    result = searching.search(current_app.extensions["kb_index"], params)
    # Proximity is a separate step after ranking (kb/search/nearby.py).
    if proximity:
        result = searching.near(current_app.extensions["kb_index"], result, near)
    return result, errors


@bp.get("/sok")
def index():
    """Search results with facets; bad parameters are explained, never a crash."""
    result, errors = run_search(request.args)
    return render_template(
        "search/index.html",
        result=result,
        errors=errors,
        labels=catalog.labels(),
        sorts=searching.SORTS,
    ), (400 if errors else 200)
