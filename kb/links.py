"""Absolute links for e-mails, feeds, the sitemap and open-data files, with or without a request."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL: KB_BASE_URL when set, else the current request's host, else SERVER_NAME."""
    base = current_app.config.get("KB_BASE_URL") or ""
    if not base:
        if has_request_context() or current_app.config.get("SERVER_NAME"):
            return url_for(endpoint, _external=True, **values)
        base = "http://127.0.0.1:5000"
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
