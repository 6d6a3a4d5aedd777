"""API documentation: the OpenAPI 3.1 document and a readable page rendered from it (no CDN, no script)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import gettext as _

from .. import openapi
from ..render import render_markdown

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/openapi.json")
def openapi_json():
    """The machine-readable description of every endpoint, parameter, response and error."""
    response = jsonify(openapi.spec(url_for("api.search").rsplit("/", 1)[0]))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/api/v1/", endpoint="docs")
def docs():
    """Human-readable documentation generated from the same document."""
    spec = openapi.spec()
    # The document's own title, in the page's language (the spec itself stays as published).
    title = _("Goda exempel – öppet API") if spec["info"]["title"] == "Goda exempel – öppet API" else spec["info"]["title"]
    return render_template("api_docs/docs.html", spec=spec, schemas=spec["components"]["schemas"], title=title,
                           intro=render_markdown(spec["info"]["description"]), example_urls=_examples())


def _examples() -> dict[str, str]:
    return {
        "search": url_for("api.search", q="boende", county="20", per_page=2),
        "suggest": url_for("api.suggest", q="bost"),
        "example": url_for("api.example", slug="kopa-villor-och-smahus"),
        "places": url_for("api.places_list"),
        "placesGeojson": url_for("api.places_geojson", level="county"),
    }
