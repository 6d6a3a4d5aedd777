"""The review desk beyond single actions: mark verified, record adoptions, bulk actions, the "to check" list."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import adoption, freshness, places, review_desk
from ..desk_forms import AdoptionForm, VerifyForm
from ..extensions import db
from ..forms import CommentForm
from ..permissions import Permission, can_review, require, reviews_every_county
from .helpers import current_actor, entry_or_404
from .moderation import render_review

bp = Blueprint("desk", __name__)
MAX_ID = 2**31 - 1


def _entry_for(entry_id: int, permission: Permission):
    entry = entry_or_404(entry_id)
    require(current_user, permission, entry)
    return entry


@bp.post("/granska/<int:entry_id>/kontrollera")
@login_required
def verify(entry_id: int):
    """Mark a published example verified (optional note and new practice status)."""
    entry = _entry_for(entry_id, Permission.VERIFY)
    form = VerifyForm()
    if not form.validate():
        return render_review(entry, 400, verify_form=form)
    try:
        freshness.mark_verified(current_actor(), entry, form.note.data or "", form.status.data or None)
    except freshness.NotVerifiable as exc:
        db.session.rollback()
        form.status.errors = [str(exc)]
        return render_review(entry, 409, verify_form=form)
    db.session.commit()  # a changed status is a new published revision: logged for the index (kb/indexing.py)
    flash(_("Exemplet är markerat som kontrollerat."), "info")
    return redirect(url_for("moderation.review", entry_id=entry.id, _anchor="kontroll")), 303


@bp.post("/granska/<int:entry_id>/inspirerat")
@login_required
def adopt(entry_id: int):
    """Record that another municipality took up this example."""
    entry = _entry_for(entry_id, Permission.RECORD_ADOPTION)
    form = AdoptionForm()
    if not form.validate():
        return render_review(entry, 400, adoption_form=form)
    try:
        adoption.record_adoption(current_actor(), entry, form.municipality.data, form.year.data,
                                 form.note.data or "", form.link.data or "", form.example.data or "")
    except adoption.AdoptionInvalid as exc:
        db.session.rollback()
        target = {"municipality": form.municipality, "year": form.year, "note": form.note, "link": form.link}.get(exc.field, form.example)
        target.errors = list(target.errors or []) + [str(exc)]
        return render_review(entry, 400, adoption_form=form)
    db.session.commit()
    flash(_("Uppgiften sparades och visas på exemplets sida."), "info")
    return redirect(url_for("moderation.review", entry_id=entry.id, _anchor="inspirerat")), 303


@bp.post("/granska/<int:entry_id>/inspirerat/<int:adoption_id>/ta-bort")
@login_required
def remove_adoption(entry_id: int, adoption_id: int):
    entry = _entry_for(entry_id, Permission.RECORD_ADOPTION)
    if not CommentForm().validate():
        abort(400)
    try:
        adoption.remove_adoption(current_actor(), entry, adoption_id)
    except adoption.AdoptionInvalid as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Uppgiften togs bort."), "info")
    return redirect(url_for("moderation.review", entry_id=entry.id, _anchor="inspirerat")), 303


def _ids(values: list[str]) -> list[int] | None:
    out = []
    for raw in values:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
            return None
        out.append(int(raw))
    return out


@bp.post("/granska/massatgard")
@login_required
def bulk():
    """Apply one action to the selected examples; a page reports the outcome of each."""
    form = CommentForm()
    if not form.validate():
        abort(400)
    action = request.form.get("bulk_action", "")
    ids = _ids(request.form.getlist("ids"))
    problems = []
    if action not in review_desk.BULK_ACTIONS:
        problems.append(_("Välj en åtgärd: %(actions)s.", actions=", ".join(str(v) for v in review_desk.BULK_ACTIONS.values()).lower()))
    if ids is None:
        problems.append(_("Urvalet innehöll något som inte är ett exempel-id."))
    elif not ids:
        problems.append(_("Markera minst ett exempel i listan."))
    if problems:
        return render_template("moderation/bulk_result.html", outcomes=[], problems=problems,
                               action_label=None), 400
    outcomes = review_desk.bulk_apply(current_actor(), ids, action, form.comment.data or "")
    db.session.commit()  # approvals and archivals are logged for the index with the commit (kb/indexing.py)
    return render_template("moderation/bulk_result.html", outcomes=outcomes, problems=[],
                           action_label=review_desk.BULK_ACTIONS[action])


@bp.get("/granska/att-kontrollera")
@login_required
def to_check():
    """Published examples of the moderator's county not checked for KB_VERIFY_MONTHS months."""
    if not can_review(current_user):
        return redirect(url_for("submit.mine"))
    every_county = reviews_every_county(current_user)
    county = request.args.get("lan", "") if every_county else ""
    if county and county not in {c.code for c in places.counties()}:
        county = ""
    entries = freshness.to_check(current_user, county or None)
    return render_template(
        "moderation/to_check.html", entries=entries, months=current_app.config.get("KB_VERIFY_MONTHS", 24),
        last_checked=freshness.last_checked, counties=places.counties(), county=county, county_filter=every_county,
    )
