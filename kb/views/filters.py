"""Jinja filters and globals shared by all templates."""
from __future__ import annotations

from datetime import datetime

from flask import request, url_for

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december"]


def swedish_date(value) -> str:
    """'27 november 2026' for a datetime or date."""
    if not value:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def source_date(value: str) -> str:
    """'2014-11' → 'november 2014'."""
    try:
        if len(value) == 7:
            d = datetime.strptime(value, "%Y-%m")
            return f"{MONTHS[d.month - 1]} {d.year}"
        if len(value) == 10:
            return swedish_date(datetime.strptime(value, "%Y-%m-%d"))
    except (TypeError, ValueError):
        pass
    return value or ""


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one); resets the page."""
    args = request.args.to_dict()
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app) -> None:
    app.jinja_env.filters["svdate"] = swedish_date
    app.jinja_env.filters["source_date"] = source_date
    app.jinja_env.globals["url_with"] = url_with
