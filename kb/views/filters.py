"""Jinja filters and globals shared by all templates."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import request, url_for

LOCAL = ZoneInfo("Europe/Stockholm")

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december"]


def local(value: datetime) -> datetime:
    """A stored time in Swedish local time (naive values are UTC, as SQLite returns them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL)


def swedish_date(value) -> str:
    """'27 november 2026' for a datetime (in Europe/Stockholm time) or date."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def swedish_datetime(value) -> str:
    """'27 november 2026 kl. 14.05' in Europe/Stockholm time."""
    if not value:
        return ""
    value = local(value)
    return f"{swedish_date(value)} kl. {value:%H.%M}"


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
    app.jinja_env.filters["svdatetime"] = swedish_datetime
    app.jinja_env.filters["isolocal"] = iso_local
    app.jinja_env.filters["svstamp"] = local_stamp
    app.jinja_env.filters["source_date"] = source_date
    app.jinja_env.globals["url_with"] = url_with
