"""A kind answer to an expired or missing form token (CSRF): what was typed is kept.

The submission form and the review desk's comment box are shown again, filled with
the posted values and a new token, with a message saying nothing was saved yet and
one more press is enough. Other forms get a page explaining how to recover.
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..models import Entry


def _entry_id() -> int | None:
    value = (request.view_args or {}).get("entry_id")
    return value if isinstance(value, int) else None


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def _expired(exc: CSRFError):
        if request.method == "POST" and getattr(current_user, "is_authenticated", False):
            if request.endpoint in ("submit.new", "submit.edit"):
                from .submit import recover_expired_form

                answer = recover_expired_form(_entry_id())
                if answer is not None:
                    return answer
            if request.endpoint in ("moderation.act", "moderation.comment") and _entry_id() is not None:
                from ..extensions import db
                from ..permissions import Permission, can
                from .moderation import render_review

                entry = db.session.get(Entry, _entry_id())
                if entry is not None and can(current_user, Permission.VIEW_DRAFT, entry):
                    return render_review(
                        entry, 400, comment=(request.form.get("comment") or "")[:5000],
                        comment_error=_("Sidan hade varit öppen för länge, så inget gjordes ännu. "
                                        "Din kommentar finns kvar; tryck på knappen igen."),
                    )
        return render_template("errors/expired.html"), 400
