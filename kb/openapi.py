"""The OpenAPI 3.1 description of the read-only JSON API (kb/views/api.py), served at /api/v1/openapi.json.

Kept next to nothing else on purpose: when api.py changes, this changes with it, and
tests/channels/test_openapi.py checks every response against it (schemathesis) and the
document itself (openapi-spec-validator).
"""
from __future__ import annotations

from copy import deepcopy

from .search.params import MAX_PAGE, MAX_PER_PAGE
from .search.query import SORTS
from .search.suggest import LIMIT as SUGGEST_LIMIT


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


CODE_NAME = {
    "type": "object",
    "required": ["code", "name"],
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
    "additionalProperties": False,
}

SCHEMAS = {
    "County": {**deepcopy(CODE_NAME), "description": "A county (län), two-digit official code.",
               "properties": {"code": {"type": "string", "pattern": "^[0-9]{2}$"}, "name": {"type": "string"}}},
    "Municipality": {**deepcopy(CODE_NAME), "description": "A municipality (kommun), four-digit official code.",
                     "properties": {"code": {"type": "string", "pattern": "^[0-9]{4}$"}, "name": {"type": "string"}}},
    "Category": {
        "type": "object", "required": ["slug", "name"], "additionalProperties": False,
        "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
    },
    "SearchHit": {
        "type": "object",
        "required": ["slug", "title", "summary", "url", "category", "counties", "municipalities", "highlight", "published_at"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "The example's page."},
            "category": _ref("Category"),
            "counties": {"type": "array", "items": _ref("County"),
                         "description": "Every county the example lies in (named directly or through a municipality)."},
            "municipalities": {"type": "array", "items": _ref("Municipality")},
            "highlight": {"type": "string", "description": "Sanitised HTML snippet with <mark> around matched words; empty without a query."},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "FacetValue": {
        "type": "object", "required": ["value", "label", "count"], "additionalProperties": False,
        "properties": {"value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    },
    "Place": {
        "type": "object", "required": ["type", "code", "name"], "additionalProperties": False,
        "properties": {"type": {"enum": ["municipality", "county"]}, "code": {"type": "string"}, "name": {"type": "string"}},
    },
    "SearchResponse": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "results", "facets", "suggestion", "fuzzy", "places", "notes"],
        "additionalProperties": False,
        "properties": {
            "query": {"type": "string", "description": "The query as understood: control characters removed, at most 300 characters."},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "results": {"type": "array", "items": _ref("SearchHit"), "maxItems": MAX_PER_PAGE},
            "facets": {
                "type": "object", "required": ["category", "county", "municipality"], "additionalProperties": False,
                "description": "Counts per value, each computed with the other filters applied but not its own.",
                "properties": {name: {"type": "array", "items": _ref("FacetValue")} for name in ("category", "county", "municipality")},
            },
            "suggestion": {"type": ["string", "null"], "description": "A spelling-corrected query, or null."},
            "fuzzy": {"type": "boolean", "description": "True when the results come from a fuzzy retry."},
            "places": {"type": "array", "items": _ref("Place"),
                       "description": "Places named in the query: a ranking boost and a suggested filter."},
            "notes": {"type": "array", "items": {"type": "string"}, "description": "Messages for people, in the request's language (Swedish unless English is asked for)."},
            "near": {"oneOf": [{"type": "null"}, _ref("Near")],
                     "description": "How proximity ordered the results (near=, a municipality named in the query, or a "
                                    "municipality filter), or null."},
        },
    },
    "Near": {
        "type": "object", "additionalProperties": False,
        "required": ["code", "name", "reason", "neighbours", "home_count", "neighbour_count", "also_in_neighbours"],
        "properties": {
            "code": {"type": "string", "pattern": "^[0-9]{4}$"},
            "name": {"type": "string"},
            "reason": {"enum": ["near", "query", "filter"]},
            "neighbours": {"type": "array", "items": _ref("Municipality"), "description": "Bordering municipalities."},
            "home_count": {"type": "integer", "minimum": 0},
            "neighbour_count": {"type": "integer", "minimum": 0},
            "also_in_neighbours": {
                "type": "array", "description": "With a municipality filter: matches in the neighbours.",
                "items": {
                    "type": "object", "required": ["slug", "title", "url", "municipalities"], "additionalProperties": False,
                    "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                                   "url": {"type": "string", "format": "uri"},
                                   "municipalities": {"type": "array", "items": _ref("Municipality")}},
                },
            },
        },
    },
    "Suggestion": {
        "type": "object", "required": ["type", "label", "url"], "additionalProperties": False,
        "properties": {
            "type": {"enum": ["title", "place", "category", "tag"]},
            "label": {"type": "string"},
            "url": {"type": "string", "description": "Path of the page to open (relative to the site)."},
        },
    },
    "SuggestResponse": {
        "type": "object", "required": ["query", "suggestions"], "additionalProperties": False,
        "properties": {
            "query": {"type": "string", "maxLength": 100},
            "suggestions": {"type": "array", "items": _ref("Suggestion"), "maxItems": SUGGEST_LIMIT},
        },
    },
    "Example": {
        "type": "object",
        "required": ["slug", "title", "summary", "url", "category", "counties", "municipalities", "all_county_codes",
                     "tags", "status", "source", "published_at", "updated_at", "period", "contact", "links",
                     "verification", "adoption_count", "adopted_by", "markdown", "html"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "category": _ref("Category"),
            "counties": {"type": "array", "items": _ref("County"), "description": "Counties named directly."},
            "municipalities": {
                "type": "array",
                "items": {
                    "type": "object", "required": ["code", "name", "county"], "additionalProperties": False,
                    "properties": {"code": {"type": "string", "pattern": "^[0-9]{4}$"}, "name": {"type": "string"},
                                   "county": {"type": "string", "pattern": "^[0-9]{2}$"}},
                },
            },
            "all_county_codes": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{2}$"}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "status": {"enum": ["planerad", "pågående", "avslutad", "okänd"]},
            "source": {
                "type": "object", "required": ["title", "published", "sections"], "additionalProperties": False,
                "properties": {"title": {"type": "string"}, "published": {"type": "string"},
                               "sections": {"type": "array", "items": {"type": "string"}}},
            },
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "updated_at": {"type": ["string", "null"], "format": "date-time", "description": "When the published text last changed."},
            "period": {
                "type": "object", "required": ["start", "end"], "additionalProperties": False,
                "properties": {"start": {"type": ["integer", "null"]}, "end": {"type": ["integer", "null"]}},
                "description": "Years the practice ran (null: not known).",
            },
            "contact": {
                "oneOf": [{"type": "null"}, {
                    "type": "object", "required": ["organisation", "name", "email"], "additionalProperties": False,
                    "properties": {"organisation": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"}},
                }],
                "description": "Published only when the contributor chose to show it.",
            },
            "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "verification": {
                "type": "object", "additionalProperties": False,
                "required": ["verified_at", "verified_by", "note", "last_checked", "stale"],
                "properties": {
                    "verified_at": {"type": ["string", "null"], "format": "date-time",
                                    "description": "When a county board last confirmed the example is still true."},
                    "verified_by": {"type": ["string", "null"]},
                    "note": {"type": ["string", "null"]},
                    "last_checked": {"type": ["string", "null"], "format": "date-time"},
                    "stale": {"type": "boolean", "description": "Nobody has checked it for KB_VERIFY_MONTHS months."},
                },
            },
            "adoption_count": {"type": "integer", "minimum": 0},
            "adopted_by": {
                "type": "array", "description": "Municipalities that took the example up.",
                "items": {
                    "type": "object", "required": ["municipality", "year", "note", "link", "example"], "additionalProperties": False,
                    "properties": {
                        "municipality": _ref("Municipality"), "year": {"type": "integer"},
                        "note": {"type": ["string", "null"]}, "link": {"type": ["string", "null"]},
                        "example": {"type": ["string", "null"], "format": "uri", "description": "API URL of their own example."},
                    },
                },
            },
            "markdown": {"type": "string"},
            "html": {"type": "string", "description": "The Markdown rendered and sanitised."},
        },
    },
    "PlacesResponse": {
        "type": "object", "required": ["counties", "fa_regions"], "additionalProperties": False,
        "properties": {
            "counties": {
                "type": "array", "minItems": 21, "maxItems": 21,
                "items": {
                    "type": "object", "required": ["code", "name", "count", "url", "municipalities"], "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string", "pattern": "^[0-9]{2}$"}, "name": {"type": "string"},
                        "count": {"type": "integer", "minimum": 0, "description": "Published examples (under the search filters given)."},
                        "url": {"type": "string", "format": "uri"},
                        "municipalities": {"type": "array", "items": _ref("PlaceMunicipality")},
                    },
                },
            },
            "fa_regions": {
                "type": "array", "description": "Local labour-market regions (FA) and their municipality codes.",
                "items": {
                    "type": "object", "required": ["code", "name", "municipalities"], "additionalProperties": False,
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                   "municipalities": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{4}$"}}},
                },
            },
        },
    },
    "PlaceMunicipality": {
        "type": "object", "required": ["code", "name", "count", "url", "neighbours", "fa_region"], "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "pattern": "^[0-9]{4}$"}, "name": {"type": "string"},
            "count": {"type": "integer", "minimum": 0}, "url": {"type": "string", "format": "uri"},
            "neighbours": {"type": "array", "items": _ref("Municipality")},
            "fa_region": {"type": "object", "required": ["code", "name"], "additionalProperties": False,
                          "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        },
    },
    "FeatureCollection": {
        "type": "object", "required": ["type", "features"],
        "description": "RFC 7946 GeoJSON: simplified boundaries (WGS 84) with example counts in `properties`.",
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": {
                "type": "object", "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"}, "id": {"type": "string"},
                    "geometry": {"type": "object", "required": ["type", "coordinates"],
                                 "properties": {"type": {"enum": ["Polygon", "MultiPolygon"]}, "coordinates": {"type": "array"}}},
                    "properties": {"type": "object", "required": ["code", "name", "level", "count", "url"]},
                },
            }},
        },
    },
    "ParamProblem": {
        "type": "object", "required": ["param", "message", "valid"], "additionalProperties": False,
        "properties": {"param": {"type": "string"}, "message": {"type": "string"}, "valid": {"type": "string"}},
    },
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object", "required": ["status", "message"], "additionalProperties": False,
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string", "description": "What was wrong (Swedish)."},
                    "title": {"type": "string", "description": "Short Swedish title (generic errors: unknown path, wrong method)."},
                    "param": {"type": "string", "description": "The parameter at fault."},
                    "valid": {"type": "string", "description": "The valid form of that parameter (English)."},
                    "errors": {"type": "array", "items": _ref("ParamProblem"), "description": "Every bad parameter."},
                },
            },
        },
    },
}

ERROR_405 = _json(_ref("Error"), "Method not allowed (only GET and HEAD).")


def _param(name: str, description: str, schema: dict, example=None) -> dict:
    p = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        p["example"] = example
    return p


def search_params(categories: list[str], counties: list[str], municipalities: list[str]) -> list[dict]:
    """The search parameters with the values the server accepts right now (categories come from the database)."""
    return [
        _param("q", "Words or \"phrases\" in Swedish; stemming, å/ä/ö optional, synonyms and place names understood. "
               "Control characters are removed; longer than 300 characters is cut (a note says so).",
               {"type": "string"}, "boende"),
        _param("category", "A category slug.", {"type": "string", "enum": sorted(categories)}, "bostader"),
        _param("county", "A two-digit county code; examples in its municipalities are included.",
               {"type": "string", "enum": sorted(counties)}, "20"),
        _param("municipality", "A four-digit municipality code.", {"type": "string", "enum": sorted(municipalities)}, "2081"),
        _param("page", f"Page number, 1..{MAX_PAGE}.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, 1),
        _param("per_page", f"Results per page, 1..{MAX_PER_PAGE} (default 10).",
               {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, 10),
        _param("sort", "Order: relevans (default), nyast or titel (the English names are accepted too).",
               {"type": "string", "enum": [*SORTS, *SORTS.values()]}, "relevans"),
        _param("verified_within", "Only examples a county board has checked within this many months (1..600).",
               {"type": "integer", "minimum": 1, "maximum": 600}, 24),
    ]


def near_param(municipalities: list[str]) -> dict:
    return _param("near", "A four-digit municipality code: its own examples first, then its neighbours', then the rest.",
                  {"type": "string", "enum": sorted(municipalities)}, "2081")


def spec(server_url: str = "/api/v1", categories: list[str] | None = None) -> dict:
    """The OpenAPI 3.1 document; `categories` are the valid category slugs (default: from the database)."""
    from . import places

    if categories is None:
        from .views import catalog

        categories = sorted(catalog.category_slugs())
    municipality_codes = [m.code for m in places.municipalities()]
    params = search_params(categories, [c.code for c in places.counties()], municipality_codes)
    filters = [p for p in params if p["name"] in ("q", "category", "county", "municipality")]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Goda exempel – öppet API",
            "version": "1.0.0",
            "summary": "Read-only JSON API over published good examples for municipalities receiving newcomers.",
            "description": (
                "All endpoints are public, read-only (GET) and need no key. Texts are Swedish; field names English. "
                "Only published examples are ever returned. A bad parameter gives 400 with an `error` object naming "
                "the parameter (`param`), what was wrong (`message`, Swedish) and what is valid (`valid`). "
                "The whole corpus is also downloadable as open data (CSV, JSON, ZIP) at /oppna-data."
            ),
            "license": {"name": "CC0 1.0", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search published examples",
                    "description": "Full-text search with filters, facets, sorting and pages. "
                                   "Unknown parameters are ignored.",
                    "parameters": [*params, near_param(municipality_codes)],
                    "responses": {
                        "200": _json(_ref("SearchResponse"), "One page of results with facets."),
                        "400": _json(_ref("Error"), "A parameter is invalid; every bad one is listed in `errors`."),
                        "405": ERROR_405,
                    },
                }
            },
            "/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Completions for a prefix",
                    "description": f"Titles, places, topics and tags starting with the prefix (at least 2 letters; "
                                   f"at most {SUGGEST_LIMIT}). The prefix is cut to 100 characters.",
                    "parameters": [_param("q", "The prefix typed so far.", {"type": "string"}, "bost")],
                    "responses": {"200": _json(_ref("SuggestResponse"), "Suggestions, best first."), "405": ERROR_405},
                }
            },
            "/examples/{slug}": {
                "get": {
                    "operationId": "example",
                    "summary": "One published example",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "description": "The example's slug.",
                                    "schema": {"type": "string", "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"}, "example": "kopa-villor-och-smahus"}],
                    "responses": {
                        "200": _json(_ref("Example"), "The example with its Markdown and rendered HTML."),
                        "400": _json(_ref("Error"), "The address holds a control character."),
                        "404": _json(_ref("Error"), "No published example has this slug (drafts are never shown)."),
                        "405": ERROR_405,
                    },
                }
            },
            "/places": {
                "get": {
                    "operationId": "places",
                    "summary": "Counties and municipalities",
                    "description": "The 21 counties with their municipalities: official codes and names, the number "
                                   "of published examples (counted under the search filters given, e.g. a category), "
                                   "each municipality's neighbours and labour-market region (FA).",
                    "parameters": filters,
                    "responses": {
                        "200": _json(_ref("PlacesResponse"), "Every county and municipality."),
                        "400": _json(_ref("Error"), "A filter is invalid."),
                        "405": ERROR_405,
                    },
                }
            },
            "/places.geojson": {
                "get": {
                    "operationId": "placesGeojson",
                    "summary": "Boundaries with example counts (GeoJSON)",
                    "description": "Simplified official boundaries as an RFC 7946 FeatureCollection, one feature per "
                                   "municipality (or county with level=county), with counts under the filters given.",
                    "parameters": [
                        _param("level", "municipality (290, default) or county (21).",
                               {"type": "string", "enum": ["municipality", "county"]}, "county"),
                        *filters,
                    ],
                    "responses": {
                        "200": {"description": "A FeatureCollection.",
                                "content": {"application/geo+json": {"schema": _ref("FeatureCollection")}}},
                        "400": _json(_ref("Error"), "A parameter is invalid."),
                        "405": ERROR_405,
                    },
                }
            },
        },
        "components": {"schemas": deepcopy(SCHEMAS)},
    }
