"""Swedish error pages for HTML, JSON errors for the API."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Felaktig förfrågan", "Något i adressen eller formuläret gick inte att förstå."),
    403: ("Åtkomst nekad", "Du har inte behörighet att göra det här."),
    404: ("Sidan finns inte", "Vi hittar ingen sida på den adressen. Den kan ha flyttats eller tagits bort."),
    405: ("Metoden är inte tillåten", "Sidan kan inte användas på det sättet."),
    409: ("Konflikt", "Åtgärden går inte att utföra i exemplets nuvarande läge."),
    413: ("För stor förfrågan", "Det du skickade är för stort."),
    429: ("För många försök", "Vänta en stund och försök igen."),
    500: ("Något gick fel", "Ett oväntat fel uppstod hos oss. Försök igen om en stund."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, detail: str | None = None):
    """An error page (or JSON body under /api/) with the Swedish title and explanation."""
    title, text = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify({"error": {"status": code, "title": title, "message": detail or text}}), code
    try:
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code
    except Exception:  # the page itself failed (e.g. database down): plain text, still Swedish
        log.exception("error page could not be rendered")
        return f"{title}\n\n{text}\n", code, {"Content-Type": "text/plain; charset=utf-8"}


def register(app) -> None:
    from ..audit import record_now
    from ..permissions import PermissionDenied
    from ..workflow import InvalidTransition
    from .helpers import current_actor

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):
        record_now(current_actor(), "permission_denied", object_type="path", object_id=request.path[:200], detail=request.method)
        if not exc.visible:
            return render_error(404)
        return render_error(403, str(exc))

    @app.errorhandler(InvalidTransition)
    def _invalid_transition(exc: InvalidTransition):
        return render_error(409, str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_error(exc.code or 500, getattr(exc, "kb_detail", None))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        from ..extensions import db

        db.session.rollback()  # the error page must not trip over a failed transaction
        return render_error(500)
