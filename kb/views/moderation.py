"""Review: the county queue, the review page with diff and thread, actions, history."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import moderation, places, queries
from ..diff import revision_diff
from ..extensions import db
from ..forms import CommentForm
from ..models import Entry, RevisionState
from ..permissions import (
    Permission,
    available_actions,
    blocked_by_four_eyes,
    can,
    can_review,
    require,
    reviews_every_county,
)
from ..render import render_markdown
from ..labels import BULK_ACTIONS, QUEUE_STATES
from ..workflow import Action, is_editable
from ..inputs import MAX_DB_INT, bad_request, parse_int
from .helpers import current_actor, entry_or_404

bp = Blueprint("moderation", __name__)

@bp.get("/granska")
@login_required
def queue():
    """The moderator's county queue (admins see every county, and may filter by one)."""
    if not can_review(current_user):
        return redirect(url_for("submit.mine"))
    state = request.args.get("state", "submitted")
    if state not in QUEUE_STATES:
        state = "submitted"
    q = queries.queue_query(current_user, state)
    every_county = reviews_every_county(current_user)
    county = request.args.get("lan", "") if every_county else ""
    if county:
        q = q.where(Entry.owner_county_code == county)
    entries = db.session.scalars(q.limit(500)).all()
    counts = queries.queue_counts(current_user, QUEUE_STATES)
    return render_template(
        "moderation/queue.html", entries=entries, state=state, states=QUEUE_STATES, counts=counts,
        counties=places.counties(), county=county, county_filter=every_county,
        bulk_actions=_bulk_actions(entries),
    )


def _bulk_actions(entries: list[Entry]) -> dict[str, str]:
    """The bulk actions that apply to at least one listed example for this user (available_actions)."""

    offered = {action.value for e in entries for action in available_actions(e, current_user)}
    if any(e.is_public and can(current_user, Permission.VERIFY, e) for e in entries):
        offered.add("verify")
    return {key: label for key, label in BULK_ACTIONS.items() if key in offered}


def _visible_entry(entry_id: int) -> Entry:
    entry = entry_or_404(entry_id)
    require(current_user, Permission.VIEW_DRAFT, entry)
    return entry


@bp.get("/granska/<int:entry_id>")
@login_required
def review(entry_id: int):
    """Preview, diffs (since the last review round and against the live version), thread and actions."""
    return render_review(_visible_entry(entry_id))


def render_review(entry: Entry, status: int = 200, comment: str = "", comment_error: str | None = None,
                  verify_form=None, adoption_form=None):
    """The review page; forms with errors are passed in to be shown again with what was typed."""
    from .. import facts
    from ..desk_forms import AdoptionForm, VerifyForm
    from ..readability import lix
    from ..review_desk import last_reviewed_revision

    working = entry.working_revision
    shown = working or entry.published_revision
    diff = revision_diff(entry.published_revision, working) if working is not None else []
    since = last_reviewed_revision(entry)
    diff_since = revision_diff(since, working) if since is not None else []
    actions = available_actions(entry, current_user)
    own_block = (
        working is not None and working.review_state is RevisionState.SUBMITTED
        and blocked_by_four_eyes(current_user, entry)
    )
    return render_template(
        "moderation/review.html", entry=entry, working=working, shown=shown, rev=shown,
        body=render_markdown(shown.body) if shown else "", diff=diff, since=since, diff_since=diff_since,
        actions=actions, form=CommentForm(),
        can_edit=can(current_user, Permission.EDIT, entry) and is_editable(entry),
        own_block=own_block, comment=comment, comment_error=comment_error,
        lix_summary=lix(shown.summary) if shown else None, lix_body=lix(shown.body) if shown else None,
        verify_form=verify_form or VerifyForm(formdata=None), adoption_form=adoption_form or AdoptionForm(formdata=None),
        can_verify=entry.is_public and can(current_user, Permission.VERIFY, entry),
        can_adopt=entry.is_public and can(current_user, Permission.RECORD_ADOPTION, entry),
        freshness=facts.freshness_of(entry) if entry.is_public else None,
        period=facts.period_text(shown.period_start, shown.period_end) if shown else "",
        contact=facts.public_contact(shown),
        email=facts.obfuscate((facts.public_contact(shown) or {}).get("email", "")),
    ), status


@bp.post("/granska/<int:entry_id>/<action>")
@login_required
def act(entry_id: int, action: str):
    """Apply one workflow action; the service checks permission, state and comment.

    Archiving asks for confirmation first (a page, no script): the form is sent again with confirm=ja.
    """
    try:
        chosen = Action(action)
    except ValueError:
        abort(404)
    if chosen is Action.SAVE:
        abort(404)
    entry = entry_or_404(entry_id)
    form = CommentForm()
    if not form.validate():
        abort(400)
    comment = form.comment.data or ""
    if chosen is Action.ARCHIVE and request.form.get("confirm") != "ja":
        require(current_user, Permission.ARCHIVE, entry)
        return render_template("moderation/confirm_archive.html", entry=entry, comment=comment,
                               title=(entry.published_revision or entry.working_revision).title)
    try:
        moderation.transition(current_actor(), entry, chosen, comment)
    except moderation.CommentRequired as exc:
        db.session.rollback()
        return render_review(entry, 400, comment=comment, comment_error=str(exc))
    except moderation.IncompleteEntry as exc:
        db.session.rollback()
        flash(_("Exemplet kan inte skickas ännu: %(problems)s", problems=" ".join(str(e) for e in exc.errors.values())), "error")
        return redirect(url_for("submit.edit", entry_id=entry_id)), 303
    db.session.commit()  # public changes are logged for the index with the commit (kb/indexing.py)
    flash({
        Action.SUBMIT: _("Exemplet skickades för granskning."),
        Action.REQUEST_CHANGES: _("Ändringar begärdes; bidragsgivaren ser din kommentar."),
        Action.APPROVE: _("Exemplet är godkänt och publicerat."),
        Action.REJECT: _("Exemplet avslogs."),
        Action.ARCHIVE: _("Exemplet är arkiverat och syns inte längre publikt."),
        Action.REPUBLISH: _("Exemplet är publicerat igen."),
    }[chosen], "info")
    return redirect(url_for(".review", entry_id=entry_id)), 303


@bp.post("/granska/<int:entry_id>/kommentar")
@login_required
def comment(entry_id: int):
    entry = entry_or_404(entry_id)
    form = CommentForm()
    if not form.validate():
        abort(400)
    try:
        moderation.add_comment(current_actor(), entry, form.comment.data or "")
    except moderation.CommentRequired as exc:
        db.session.rollback()
        return render_review(entry, 400, comment="", comment_error=str(exc))
    db.session.commit()
    flash(_("Kommentaren sparades."), "info")
    return redirect(url_for(".review", entry_id=entry_id, _anchor="trad")), 303


@bp.get("/granska/<int:entry_id>/historik")
@login_required
def history(entry_id: int):
    """Every revision and event; a diff between any two revisions (?a=&b= revision numbers)."""
    entry = _visible_entry(entry_id)
    revisions = {r.number: r for r in entry.revisions}
    numbers = sorted(revisions)

    def pick(name: str, default: int | None) -> int | None:
        raw = request.args.get(name, "")
        if raw == "":
            return default
        number = parse_int(raw, 1, MAX_DB_INT)
        if number not in revisions:
            bad_request(_("Parametern '%(name)s' ska vara numret på en version av exemplet: %(numbers)s.",
                          name=name, numbers=", ".join(map(str, numbers))))
        return number

    b = pick("b", numbers[-1])
    a = pick("a", numbers[-2] if len(numbers) > 1 else None)
    diff = revision_diff(revisions.get(a), revisions[b]) if b is not None else []
    return render_template(
        "moderation/history.html", entry=entry, revisions=[revisions[n] for n in numbers],
        a=a, b=b, diff=diff,
    )
