"""National administration: users and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import accounts, queries
from ..extensions import db
from ..fields import LIMITS
from ..forms import CommentForm, UserForm
from ..models import User
from ..permissions import Permission, require
from ..inputs import int_arg
from .helpers import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


# What each page of this blueprint needs; the use cases check again (kb/permissions.py).
PAGE_PERMISSIONS = {"admin.audit_log": Permission.VIEW_AUDIT, "admin.synonyms_page": Permission.EDIT_SYNONYMS}


@bp.before_request
@login_required
def _needs_permission():
    require(current_user, PAGE_PERMISSIONS.get(request.endpoint, Permission.MANAGE_USERS))


@bp.route("/anvandare", methods=["GET", "POST"])
def users():
    """List users and add one."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            accounts.add_user(current_actor(), form.email.data, form.password.data, form.role.data,
                              form.county.data or None, form.name.data or "")
        except accounts.AccountError as exc:
            db.session.rollback()
            form.email.errors = list(form.email.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Användaren %(email)s lades till.", email=accounts.normalise_email(form.email.data)), "info")
            return redirect(url_for(".users")), 303
    return render_template("admin/users.html", form=form, users=queries.all_users()), (400 if form.errors else 200)


@bp.post("/anvandare/<int:user_id>/<any(inaktivera, aktivera):change>")
def set_active(user_id: int, change: str):
    user = db.session.get(User, user_id)
    if user is None:
        return redirect(url_for(".users")), 303
    try:
        accounts.set_active(current_actor(), user, change == "aktivera")
    except accounts.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".users")), 303
    db.session.commit()
    flash(_("%(email)s är aktiverad.", email=user.email) if user.active else _("%(email)s är inaktiverad.", email=user.email),
          "info")
    return redirect(url_for(".users")), 303


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change a user's role and county, or issue a password reset link (shown once)."""
    from .. import user_admin
    from ..desk_forms import RoleForm

    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = RoleForm(formdata=request.form if request.method == "POST" else None,
                    data={"role": user.role.value, "county": user.county_code or ""})
    if request.method == "POST" and form.validate():
        try:
            user_admin.set_role(current_actor(), user, form.role.data, form.county.data or None)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.county.errors = list(form.county.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("%(email)s: roll och län sparades.", email=user.email), "info")
            return redirect(url_for(".edit_user", user_id=user.id)), 303
    return render_template("admin/user.html", user=user, form=form, link=None), (400 if form.errors else 200)


@bp.post("/anvandare/<int:user_id>/aterstallningslank")
def reset_link(user_id: int):
    """Issue a single-use reset link valid for 24 hours; only its hash is stored, so it is shown once."""
    from .. import user_admin
    from ..desk_forms import RoleForm

    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not CommentForm().validate():
        abort(400)
    token = user_admin.issue_reset(current_actor(), user)
    db.session.commit()
    link = url_for("reset.reset_password", token=token, _external=True)
    form = RoleForm(formdata=None, data={"role": user.role.value, "county": user.county_code or ""})
    return render_template("admin/user.html", user=user, form=form, link=link, hours=user_admin.RESET_HOURS)


@bp.get("/logg")
def audit_log():
    """Browse and filter the audit log, newest first."""
    action = request.args.get("action", "").strip()[:40]
    actor = request.args.get("actor", "").strip()[: LIMITS["email"]]
    obj = request.args.get("object", "").strip()[:200]
    page = int_arg("page", 1, 1, 99_999)
    events, more = queries.audit_events(action, actor, obj, page, PER_PAGE)
    return render_template(
        "admin/audit.html", events=events, more=more, page=page,
        actions=queries.audit_actions(), action=action, actor=actor, obj=obj,
    )


@bp.route("/synonymer", methods=["GET", "POST"])
def synonyms_page():
    """Edit the synonym table; a valid version takes effect at once (no reindex)."""
    from ..search import synonyms
    from ..services import save_synonyms

    text = synonyms.current_text(db.session)
    error = None
    if request.method == "POST":
        form = CommentForm()  # CSRF only; the text comes from the textarea below
        if not form.validate():
            abort(400)
        text = (request.form.get("text") or "").replace("\r\n", "\n")
        if len(text) > 100_000:
            error = _("Listan är för lång (högst 100 000 tecken).")
        else:
            try:
                changed = save_synonyms(current_actor(), text, source="web")
            except synonyms.SynonymError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                db.session.commit()
                flash(_("Synonymlistan sparades och gäller från och med nu.") if changed else _("Inget ändrades."), "info")
                return redirect(url_for(".synonyms_page")), 303
    versions = queries.synonym_versions()
    try:
        warnings = [] if error else synonyms.parse_cached(text).warnings
    except synonyms.SynonymError:
        warnings = []
    return render_template(
        "admin/synonyms.html", text=text, error=error, versions=versions, warnings=warnings,
    ), (400 if error else 200)
