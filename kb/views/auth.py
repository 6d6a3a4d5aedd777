"""Logging in and out, and changing one's password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from .. import accounts, sessions, twofactor
from ..extensions import db, limiter
from ..fields import LIMITS
from ..forms import LoginForm, PasswordChangeForm
from ..permissions import can_review
from .helpers import current_actor, is_safe_next

bp = Blueprint("auth", __name__)
FAILED = _l("Fel e-postadress eller lösenord.")


def _account_key() -> str:
    return "account:" + accounts.normalise_email(request.form.get("email", ""))[: LIMITS["email"]]


def _known_device() -> bool:
    """Attempts from a browser that has signed in to this account before skip the per-account limit."""
    return sessions.is_known_device(request.form.get("email", ""))


def _home_for(user) -> str:
    if can_review(user):
        return url_for("moderation.queue")
    return url_for("submit.mine")


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["KB_LOGIN_LIMIT_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["KB_LOGIN_LIMIT_ACCOUNT"], methods=["POST"], key_func=_account_key,
               exempt_when=_known_device)
def login():
    """The same answer for an unknown user, a wrong password and a disabled account."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if accounts.verify_password(user, form.password.data) and user.active:
            target = form.next.data if is_safe_next(form.next.data) else _home_for(user)
            if twofactor.required_for(user):  # not signed in until the second step (kb/views/twofactor.py)
                sessions.begin_second_step(user, target)
                db.session.commit()  # a re-hashed password
                return redirect(url_for("twofactor.verify"))
            sessions.finish_login(user, None)  # a new session: nothing planted before survives
            return sessions.login_redirect(user, target)
        typed = accounts.normalise_email(form.email.data)
        sessions.record_failed_login(typed)
        error = str(FAILED)
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logga-ut")
@login_required
def logout():
    """End this and every other session of the user (copied cookies stop working)."""
    sessions.sign_out(current_user._get_current_object())
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("browse.home"))


@bp.route("/konto/losenord", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not accounts.verify_password(user, form.current.data):
            form.current.errors.append(_("Det nuvarande lösenordet stämmer inte."))
        else:
            try:
                accounts.set_password(current_actor(), user, form.new.data)
            except accounts.AccountError as exc:
                form.new.errors.append(str(exc))
            else:
                db.session.commit()
                sessions.start(user, sessions.has_second_factor())  # this browser continues; other sessions end
                flash(_("Lösenordet är bytt. Andra inloggningar har loggats ut."), "info")
                return redirect(_home_for(user))
    return render_template("auth/password.html", form=form), (400 if form.errors else 200)
