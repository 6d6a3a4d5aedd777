"""Writing examples: my examples, the submission form (new and edit), preview, conflicts."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from .. import moderation, places, queries
from ..extensions import db
from ..forms import EntryForm
from ..models import Entry
from ..permissions import Permission, can, require
from ..render import render_markdown
from .. import search as searching
from ..workflow import Action, InvalidTransition
from ..inputs import MAX_DB_INT, parse_int
from . import catalog
from .helpers import current_actor, entry_or_404

bp = Blueprint("submit", __name__)


@bp.get("/mina-exempel")
@login_required
def mine():
    """The user's own examples with their state and the latest reviewer comment."""
    return render_template("submit/mine.html", entries=queries.own_examples(current_user))


def _owner_label(form: EntryForm) -> str | None:
    code = moderation.owner_county(current_user, list(form.municipalities.data or []), list(form.counties.data or []))
    return next((c.name for c in places.counties() if c.code == code), None)


def _similar(form: EntryForm, exclude: str | None = None):
    # Title, summary and the start of the text: what the example is about, not only its name.
    text = " ".join(filter(None, [form.title.data, form.summary.data, (form.body.data or "")[:1000]]))
    if len(text.strip()) < 4:
        return []
    hits = searching.similar(current_app.extensions["kb_index"], text, limit=4)
    return [h for h in hits if h.slug != exclude][:3]


def _render_form(form: EntryForm, entry: Entry | None, status: int = 200, preview=None, expired: bool = False):
    from ..labels import LIX_BANDS
    from ..readability import lix

    return render_template(
        "submit/form.html", form=form, entry=entry, preview=preview,
        owner=_owner_label(form), similar=_similar(form, entry.slug if entry else None) if not entry or not entry.published_revision else [],
        missing=getattr(form, "_missing", {}), expired=expired,
        lix_summary=lix(form.summary.data or ""), lix_body=lix(form.body.data or ""),
        lix_bands=[[bound, str(label).lower()] for bound, label in LIX_BANDS.items()],
    ), status


def _preview_context(form: EntryForm, entry: Entry | None) -> dict:
    """What the whole public page would show for the form's values (nothing is saved)."""
    from types import SimpleNamespace

    from .. import facts
    from ..models import PracticeStatus

    data = form.to_input()
    base = (entry.working_revision or entry.published_revision) if entry else None
    category = queries.category_by_slug(data.category) if data.category else None
    munis = queries.municipalities_by_codes(data.municipalities)
    cnts = queries.counties_by_codes(data.counties)
    rev = SimpleNamespace(
        title=data.title.strip(), summary=data.summary.strip(), category=category, municipalities=munis, counties=cnts,
        tags=[SimpleNamespace(name=t) for t in sorted(set(data.tags))], practice_status=PracticeStatus(data.status or "okänd"),
        links=data.links, source_title=base.source_title if base else "", source_published=base.source_published if base else "",
        source_sections=list(base.source_sections or []) if base else [], contact_public=data.contact_public,
        contact_organisation=data.contact_organisation.strip(), contact_name=data.contact_name.strip(),
        contact_email=data.contact_email.strip(),
    )
    contact = facts.public_contact(rev)
    return {
        "rev": rev, "body": render_markdown(data.body), "contact": contact,
        "email": facts.obfuscate((contact or {}).get("email", "")),
        "period": facts.period_text(data.period_start, data.period_end),
    }


def _apply_missing(form: EntryForm, missing: dict[str, str]) -> None:
    form._missing = missing
    for name, message in missing.items():
        getattr(form, name).errors = list(getattr(form, name).errors or []) + [message]


def _check_post(form: EntryForm, entry: Entry | None):
    """(response, None) when the form must be shown again (errors, preview); else (None, data)."""
    if not form.validate():
        return _render_form(form, entry, 400), None
    if form.preview.data:
        return _render_form(form, entry, preview=_preview_context(form, entry)), None
    data = form.to_input()
    if form.send.data:
        missing = moderation.missing_for_submission(data)
        if missing:
            _apply_missing(form, missing)
            return _render_form(form, entry, 400), None
    return None, data


@bp.route("/nytt-exempel", methods=["GET", "POST"])
@login_required
def new():
    """A new example: preview, save as draft (may be incomplete) or send for review."""
    require(current_user, Permission.CREATE)
    form = EntryForm(categories=catalog.categories())
    if request.method == "GET":
        return _render_form(form, None)
    answer, data = _check_post(form, None)
    if answer is not None:
        return answer
    entry = moderation.create_entry(current_actor(), data)
    if form.send.data:
        moderation.transition(current_actor(), entry, Action.SUBMIT)
    db.session.commit()
    flash(_("Exemplet skickades för granskning.") if form.send.data else _("Utkastet sparades."), "info")
    return redirect(url_for("moderation.review", entry_id=entry.id))


@bp.route("/redigera/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    """Edit a draft, or propose an edit of a published example (it stays live until approved)."""
    entry = entry_or_404(entry_id)
    require(current_user, Permission.EDIT, entry)
    form = EntryForm(categories=catalog.categories())
    source = entry.working_revision or entry.published_revision
    if request.method == "GET":
        form.fill_from(moderation.EntryInput.from_revision(source))
        form.version.data = str(entry.version_id)
        return _render_form(form, entry)
    answer, data = _check_post(form, entry)
    if answer is not None:
        return answer
    expected = parse_int(form.version.data, 0, MAX_DB_INT)
    if expected is None:  # without the version we cannot know what the editor saw: compare, never overwrite
        return _conflict(entry_id, form, missing_version=True)
    try:
        moderation.save_entry(current_actor(), entry, data, expected)
        if form.send.data:
            moderation.transition(current_actor(), entry, Action.SUBMIT)
        db.session.commit()
    except (moderation.EditConflict, StaleDataError):
        db.session.rollback()
        return _conflict(entry_id, form)
    except InvalidTransition:
        db.session.rollback()
        raise
    flash(_("Exemplet skickades för granskning.") if form.send.data else _("Ändringarna sparades."), "info")
    return redirect(url_for("moderation.review", entry_id=entry.id))


def _conflict(entry_id: int, form: EntryForm, missing_version: bool = False):
    """Both versions side by side; what the user typed is kept in the form, nothing is overwritten."""
    entry = entry_or_404(entry_id)
    db.session.refresh(entry)
    theirs = entry.working_revision or entry.published_revision
    form.version.data = str(entry.version_id)  # saving again means: I have seen theirs
    return render_template(
        "submit/conflict.html", entry=entry, theirs=theirs, theirs_body=render_markdown(theirs.body),
        form=form, owner=_owner_label(form), similar=[], preview=None, missing={},
        can_edit=can(current_user, Permission.EDIT, entry), missing_version=missing_version,
    ), 409


def recover_expired_form(entry_id: int | None):
    """The form sent again with what was typed and a fresh token, after its token expired (CSRF)."""
    entry = entry_or_404(entry_id) if entry_id is not None else None
    if entry is not None and not can(current_user, Permission.EDIT, entry):
        return None
    if entry is None and not can(current_user, Permission.CREATE):
        return None
    form = EntryForm(categories=catalog.categories())  # bound to the posted values; renders a new token
    return _render_form(form, entry, 400, expired=True)
