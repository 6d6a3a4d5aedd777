"""Password reset through a single-use link: issued by an administrator, or e-mailed on request."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import user_admin
from ..accounts import AccountError
from ..desk_forms import ForgotPasswordForm, ResetPasswordForm
from ..extensions import db, limiter

bp = Blueprint("reset", __name__)


@bp.route("/aterstall/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    """Choose a new password; the link then stops working and every session of the account ends."""
    token = token[:100]
    try:
        row = user_admin.find_reset(token)
    except user_admin.ResetInvalid as exc:
        return render_template("reset/invalid.html", message=str(exc)), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user_admin.use_reset(token, form.new.data, request.remote_addr or "")
        except AccountError as exc:
            db.session.rollback()
            form.new.errors = list(form.new.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Lösenordet är bytt. Logga in med det nya lösenordet."), "info")
            return redirect(url_for("auth.login")), 303
    return render_template("reset/form.html", form=form, email=row.user.email), (400 if form.errors else 200)


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    """Ask for a reset link by e-mail. The answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user_admin.request_reset_by_email(form.email.data, request.remote_addr or "")
        db.session.commit()
        return render_template("reset/sent.html", hours=user_admin.RESET_HOURS)
    return render_template("reset/forgot.html", form=form), (400 if form.errors else 200)
