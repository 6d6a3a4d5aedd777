"""Jinja filters and globals shared by all templates."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import request, url_for

from .. import i18n, labels
from ..models import aware

LOCAL = ZoneInfo("Europe/Stockholm")


def local(value: datetime) -> datetime:
    """A stored time in Swedish local time (naive values are UTC, as SQLite returns them)."""
    return aware(value).astimezone(LOCAL)


def local_stamp(value, seconds: bool = False) -> str:
    """'2026-11-28 14:05' in Europe/Stockholm time, for staff tables."""
    if not value:
        return ""
    return local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def iso_local(value) -> str | None:
    """ISO 8601 with the Swedish offset, for machine-readable dates (API, <time datetime>)."""
    if not value:
        return None
    return local(value).isoformat(timespec="seconds")


def source_date(value: str) -> str:
    """'2014-11' → 'november 2014' ('November 2014' in English); other values as they are."""
    try:
        if len(value) == 7:
            return i18n.month_year(datetime.strptime(value, "%Y-%m").date())
        if len(value) == 10:
            return i18n.long_date(datetime.strptime(value, "%Y-%m-%d").date())
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
    # Dates in the page's language, Stockholm time (kb/i18n.py); the names are older than English.
    app.jinja_env.filters["svdate"] = i18n.long_date
    app.jinja_env.filters["svdatetime"] = i18n.long_datetime
    app.jinja_env.filters["isolocal"] = iso_local
    app.jinja_env.filters["svstamp"] = local_stamp
    app.jinja_env.filters["source_date"] = source_date
    app.jinja_env.globals["url_with"] = url_with
    from . import catalog

    catalog.register(app)  # category_name(c), category_description(c): in the page's language
    app.jinja_env.globals["label"] = labels.label  # the label catalogue (kb/labels.py): label("states", code)
