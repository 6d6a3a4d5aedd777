"""Error pages for HTML (in the page's language), JSON errors for the API."""
from __future__ import annotations

import logging
import os

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..labels import ERRORS

log = logging.getLogger(__name__)

SEARCH_UNAVAILABLE = _l(
    "Sökningen är tillfälligt otillgänglig medan sökindexet byggs om från databasen. "
    "Inget av det som sparats har gått förlorat. Försök igen om en liten stund."
)
BUSY = _l("Databasen är upptagen just nu. Inget av det du skickade har sparats; försök igen om en liten stund.")
CONCURRENT = _l(
    "Någon annan ändrade samma sak samtidigt, så din ändring sparades inte. "
    "Ladda om sidan, se efter vad som gäller nu och försök igen."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, detail: str | None = None, headers: dict | None = None):
    """An error page (or JSON body under /api/) with the title and explanation in the request's language."""
    title, text = (str(x) for x in ERRORS.get(code, ERRORS[500]))
    detail = str(detail) if detail is not None else None  # a lazy string is translated now
    headers = headers or {}
    if _wants_json():
        return jsonify({"error": {"status": code, "title": title, "message": detail or text}}), code, headers
    try:
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code, headers
    except Exception:  # the page itself failed (e.g. database down): plain text, same language
        log.exception("error page could not be rendered")
        return f"{title}\n\n{text}\n", code, {**headers, "Content-Type": "text/plain; charset=utf-8"}


def _raised_in_whoosh(exc: BaseException) -> bool:
    """True when the exception was raised inside the Whoosh library, or below a call from
    it (a damaged index: struct, zlib, pickle or file errors under Whoosh's reads)."""
    tb = exc.__traceback__
    while tb is not None:
        if f"{os.sep}whoosh{os.sep}" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def register(app) -> None:
    from sqlalchemy import exc as sa_exc

    from ..audit import record_now
    from ..permissions import PermissionDenied
    from ..search import IndexUnavailable
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

    @app.errorhandler(IndexUnavailable)
    def _index_unavailable(_exc: IndexUnavailable):
        # The index was marked; the maintenance worker rebuilds it outside this request.
        return render_error(503, SEARCH_UNAVAILABLE, {"Retry-After": "5"})

    @app.errorhandler(sa_exc.IntegrityError)
    def _integrity(exc: sa_exc.IntegrityError):
        # Two people creating the same next value (revision number, slug) at once: the
        # loser's transaction is rolled back and told to try again.
        from ..extensions import db

        db.session.rollback()
        log.warning("concurrent write refused on %r: %s", request.path, type(exc.orig).__name__)
        return render_error(409, CONCURRENT)

    @app.errorhandler(sa_exc.OperationalError)
    def _operational(exc: sa_exc.OperationalError):
        from ..extensions import db

        db.session.rollback()
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text:
            log.warning("database busy on %r: %s", request.path, type(exc.orig).__name__)
            return render_error(503, BUSY, {"Retry-After": "2"})
        log.exception("database error on %r", request.path)
        return render_error(503)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_error(exc.code or 500, getattr(exc, "kb_detail", None))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from flask import current_app

        from ..extensions import db

        if _raised_in_whoosh(exc):
            # A damaged index fails mid-query: mark it for the maintenance worker's rebuild
            # and answer 503 until then; the database (the truth) is untouched.
            log.error("search index failed on %r; marked for rebuild", request.path, exc_info=exc)
            current_app.extensions["kb_index"].failed(exc)
            db.session.rollback()
            return render_error(503, SEARCH_UNAVAILABLE, {"Retry-After": "5"})
        log.exception("unhandled error on %r", request.path)

        db.session.rollback()  # the error page must not trip over a failed transaction
        return render_error(500)
