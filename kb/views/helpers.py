"""Small helpers shared by the staff views."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user

from ..audit import Actor
from ..extensions import db
from ..models import Entry


def current_actor() -> Actor:
    """The signed-in user (or None) and the client address, for services."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user, request.remote_addr or "")


def is_safe_next(target: str | None) -> bool:
    """Only our own pages: a path, not //host or a scheme; no whitespace or control characters (CR/LF)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if len(target) > 2000 or any(ch.isspace() or ord(ch) < 32 or 127 <= ord(ch) <= 159 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def entry_or_404(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        abort(404)
    return entry
