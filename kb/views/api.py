"""Read-only public JSON API (v1)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from .. import facts, placedata, places, queries
from ..render import render_markdown
from .. import search as searching
from . import catalog
from .filters import iso_local
from .search import run_search

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str, param: str | None = None, valid: str | None = None, errors=None):
    body = {"error": {"status": status, "message": message}}
    if param:
        body["error"]["param"] = param
    if valid:
        body["error"]["valid"] = valid
    if errors:
        body["error"]["errors"] = errors
    return jsonify(body), status


def _facet(values: dict[str, int], labels: dict[str, str]) -> list[dict]:
    items = [{"value": v, "label": labels.get(v, v), "count": n} for v, n in values.items()]
    return sorted(items, key=lambda i: (-i["count"], places.fold(i["label"])))


@bp.get("/search")
def search():
    """Search published examples; see README for parameters and response shape."""
    result, errors = run_search(request.args)
    if errors:
        first = errors[0]
        return _error(
            400, first.message, first.param, first.valid,
            [{"param": e.param, "message": e.message, "valid": e.valid} for e in errors],
        )
    labels = catalog.labels()
    return jsonify(
        {
            "query": result.params.q,
            "total": result.total,
            "page": result.params.page,
            "per_page": result.params.per_page,
            "results": [
                {
                    "slug": h.slug,
                    "title": h.title,
                    "summary": h.summary,
                    "url": url_for("browse.example", slug=h.slug, _external=True),
                    "category": {"slug": h.category[0], "name": h.category[1]},
                    "counties": [{"code": c, "name": n} for c, n in h.counties],
                    "municipalities": [{"code": c, "name": n} for c, n in h.municipalities],
                    "highlight": str(h.highlight),
                    "published_at": iso_local(h.published),
                }
                for h in result.hits
            ],
            "facets": {name: _facet(result.facets.get(name, {}), labels[name]) for name in ("category", "county", "municipality")},
            "suggestion": result.suggestion,
            "fuzzy": result.fuzzy,
            "places": [{"type": p.kind, "code": p.code, "name": p.name} for p in result.places],
            "notes": result.notes,
            "near": _near(result.nearby),
        }
    )


@bp.get("/suggest")
def suggest():
    """Completions for a prefix: titles, places, topics and tags (for the search box)."""
    prefix = (request.args.get("q") or "")[:100]
    topics = sorted(catalog.labels()["category"].items())  # the page's language, from the catalog cache
    items = searching.suggest(current_app.extensions["kb_index"], prefix, topics, url_for)
    return jsonify({"query": prefix, "suggestions": items})


@bp.get("/examples/<slug>")
def example(slug: str):
    """One published example with its Markdown and rendered HTML."""
    entry = queries.get_published_entry(slug)
    if entry is None:
        return _error(404, f"Inget publicerat exempel med slug '{slug[:120]}'.", "slug")
    rev = entry.published_revision
    fresh = facts.freshness_of(entry)
    return jsonify(
        {
            "slug": entry.slug,
            "title": rev.title,
            "summary": rev.summary,
            "url": url_for("browse.example", slug=entry.slug, _external=True),
            "category": {"slug": rev.category.slug, "name": rev.category.name},
            "counties": [{"code": c.code, "name": c.name} for c in rev.counties],
            "municipalities": [{"code": m.code, "name": m.name, "county": m.county_code} for m in rev.municipalities],
            "all_county_codes": rev.all_county_codes,
            "tags": [t.name for t in rev.tags],
            "status": rev.practice_status.value,
            "source": {"title": rev.source_title, "published": rev.source_published, "sections": rev.source_sections},
            "published_at": iso_local(entry.published_at),
            "updated_at": iso_local(rev.updated_at),
            "period": {"start": rev.period_start, "end": rev.period_end},
            "contact": facts.public_contact(rev),
            "links": list(rev.links or []),
            "verification": {
                "verified_at": iso_local(entry.verified_at),
                "verified_by": fresh["county"],
                "note": fresh["note"] or None,
                "last_checked": iso_local(fresh["checked"]),
                "stale": fresh["stale"],
            },
            "adoption_count": len(entry.adoptions),
            "adopted_by": [
                {
                    "municipality": {"code": a.municipality_code, "name": a.municipality.name},
                    "year": a.year, "note": a.note or None, "link": a.link or None,
                    "example": url_for("api.example", slug=a.adopter_entry.slug, _external=True)
                    if a.adopter_entry is not None and a.adopter_entry.is_public else None,
                }
                for a in entry.adoptions
            ],
            "markdown": rev.body,
            "html": str(render_markdown(rev.body)),
        }
    )


@bp.get("/places")
def places_list():
    """All counties with their municipalities: codes, names, counts, neighbours and FA regions."""
    result, errors = run_search(request.args, per_page=1, proximity=False)
    if errors:
        return _search_error(errors)
    return jsonify(placedata.places_document(
        result.facets.get("county", {}), result.facets.get("municipality", {}), _place_url,
    ))


@bp.get("/places.geojson")
def places_geojson():
    """Simplified boundaries with counts as an RFC 7946 FeatureCollection (`?level=county` for counties)."""
    level = (request.args.get("level") or "municipality").strip()
    if level not in placedata.LEVELS:
        return _error(400, _("Okänd nivå '%(level)s'. Giltiga: municipality (290 kommuner) eller county (21 län).",
                             level=level[:30]),
                      "level", "one of: " + ", ".join(placedata.LEVELS))
    result, errors = run_search(request.args, per_page=1, proximity=False)
    if errors:
        return _search_error(errors)
    body = placedata.feature_collection(level, result.facets.get(level, {}), _place_url)
    return current_app.response_class(body, mimetype="application/geo+json")


def _place_url(place) -> str:
    endpoint = "browse.county" if place.kind == "county" else "browse.municipality"
    return url_for(endpoint, slug=place.slug, _external=True)


def _search_error(errors):
    first = errors[0]
    return _error(400, first.message, first.param, first.valid,
                  [{"param": e.param, "message": e.message, "valid": e.valid} for e in errors])


def _near(info) -> dict | None:
    """How proximity ordered the results (kb/search/nearby.py), or None."""
    if info is None:
        return None
    return {
        "code": info.home.code,
        "name": info.home.name,
        "reason": info.reason,
        "neighbours": [{"code": p.code, "name": p.name} for p in info.neighbours],
        "home_count": info.home_count,
        "neighbour_count": info.neighbour_count,
        "also_in_neighbours": [
            {"slug": h.slug, "title": h.title, "url": url_for("browse.example", slug=h.slug, _external=True),
             "municipalities": [{"code": c, "name": n} for c, n in h.municipalities]}
            for h in info.extra
        ],
    }
