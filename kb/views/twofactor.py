"""Two-factor sign-in pages: the code step after the password, enrolment with a QR code,
new recovery codes, and an administrator's reset of someone's second factor."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from .. import audit, sessions, twofactor
from ..extensions import db, limiter
from ..models import User
from ..permissions import Permission, can_review, require, requires_two_factor
from .helpers import current_actor

bp = Blueprint("twofactor", __name__)
ENROL_SECRET = "kb_enrol_secret"
_BASE32 = re.compile(r"[A-Z2-7]{32}")


class CodeForm(FlaskForm):
    code = StringField(_l("Kod"), validators=[InputRequired(_l("Ange koden.")), Length(max=40, message=_l("Koden är för lång."))],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"})


@bp.app_template_global("two_factor_enrolled")
def _two_factor_enrolled(user: User) -> bool:
    return twofactor.is_enrolled(user)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # secrets and recovery codes are on these pages
    return response


def _pending_key() -> str:
    state = session.get(sessions.PENDING)
    uid = state.get("uid") if isinstance(state, dict) else None
    return f"code:{uid}"


def _exempt_from_code_limit() -> bool:
    """No pending sign-in (nothing to guess; the view sends them to the login page), or a known device."""
    state = sessions.pending()
    return state is None or sessions.is_known_device(state[0].email)


def _home_for(user: User) -> str:
    return url_for("moderation.queue") if can_review(user) else url_for("submit.mine")


def _start_again():
    flash(_("Inloggningen har gått ut eller avbrutits. Logga in igen."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logga-in/kod", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["KB_LOGIN_LIMIT_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["KB_LOGIN_LIMIT_CODE"], methods=["POST"], key_func=_pending_key,
               exempt_when=_exempt_from_code_limit)
def verify():
    """The second step: a code from the authenticator app, or a recovery code."""
    state = sessions.pending()
    if state is None:
        return _start_again()
    user, data = state
    if not twofactor.is_enrolled(user):
        return redirect(url_for(".enrol"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        actor = audit.Actor(user, request.remote_addr or "")
        try:
            method = twofactor.verify(actor, user, form.code.data)
        except twofactor.TwoFactorError as exc:
            db.session.rollback()
            left = sessions.count_failed_try()
            audit.record_now(actor, "mfa_failed", object_type="user", object_id=user.email, detail=f"{left} försök kvar")
            if left == 0:
                flash(_("För många felaktiga koder. Logga in igen."), "error")
                return redirect(url_for("auth.login"))
            form.code.errors.append(" ".join((str(exc), ngettext("Du har %(num)s försök kvar.", "Du har %(num)s försök kvar.", left))))
            status = 401
        else:
            sessions.finish_login(user, method)  # a new session: flash after it
            if method == "recovery":
                flash(" ".join((_("Du loggade in med en reservkod; den går inte att använda igen."),
                                ngettext("%(num)s reservkod återstår.", "%(num)s reservkoder återstår.",
                                         twofactor.recovery_codes_left(user)))), "info")
            return sessions.login_redirect(user, data.get("next") or _home_for(user))
    elif form.errors:
        status = 400
    return render_template("twofactor/verify.html", form=form), status


def _enrolling() -> tuple[User | None, dict | None]:
    """The signed-in user, or the staff member whose password was just accepted (pending sign-in)."""
    if current_user.is_authenticated:
        return current_user._get_current_object(), None
    state = sessions.pending()
    return state if state is not None else (None, None)


@bp.route("/konto/tvasteg", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["KB_LOGIN_LIMIT_ADDRESS"], methods=["POST"])
def enrol():
    """Turn on two-factor sign-in: scan the QR code (or type the key), confirm with a code, get recovery codes."""
    user, pending = _enrolling()
    if user is None:
        return _start_again()
    if twofactor.is_enrolled(user):
        if pending is not None:
            return redirect(url_for(".verify"))
        return render_template("twofactor/status.html", form=CodeForm(), left=twofactor.recovery_codes_left(user),
                               required=requires_two_factor(user))
    secret = session.get(ENROL_SECRET)
    if not isinstance(secret, str) or not _BASE32.fullmatch(secret):
        secret = session[ENROL_SECRET] = twofactor.new_secret()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        actor = audit.Actor(user, request.remote_addr or "")
        try:
            codes = twofactor.confirm_enrolment(actor, user, secret, form.code.data)
        except twofactor.TwoFactorError as exc:
            db.session.rollback()
            if pending is not None and sessions.count_failed_try() == 0:
                flash(_("För många felaktiga koder. Logga in igen."), "error")
                return redirect(url_for("auth.login"))
            form.code.errors.append(str(exc))
            status = 400
        else:
            session.pop(ENROL_SECRET, None)
            if pending is not None:
                sessions.finish_login(user, "enrol")
                target = pending.get("next") or _home_for(user)
            else:
                db.session.commit()
                session["kb_2fa"] = True
                target = _home_for(user)
            response = current_app.make_response(render_template("twofactor/codes.html", codes=codes, target=target, first=True))
            sessions.remember_device(response, user)
            return response
    elif form.errors:
        status = 400
    uri = twofactor.provisioning_uri(user, secret)
    return render_template(
        "twofactor/enrol.html", form=form, qr=twofactor.qr_svg(uri), secret=twofactor.grouped(secret),
        required=requires_two_factor(user), pending=pending is not None,
    ), status


@bp.post("/konto/tvasteg/reservkoder")
@login_required
def new_codes():
    """New recovery codes (the old ones stop working); needs a current code from the app."""
    user = current_user._get_current_object()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            twofactor.verify(current_actor(), user, form.code.data)
            codes = twofactor.regenerate_recovery_codes(current_actor(), user)
        except twofactor.TwoFactorError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            return render_template("twofactor/codes.html", codes=codes, target=_home_for(user), first=False)
    return render_template("twofactor/status.html", form=form, left=twofactor.recovery_codes_left(user),
                           required=requires_two_factor(user)), 400


@bp.post("/admin/anvandare/<int:user_id>/tvasteg")
@login_required
def admin_reset(user_id: int):
    """An administrator removes someone's second factor (lost phone); they enrol again at their next sign-in."""
    require(current_user, Permission.MANAGE_USERS)
    form = FlaskForm()
    if not form.validate():
        from .errors import render_error

        return render_error(400)
    user = db.session.get(User, user_id)
    if user is None:
        flash(_("Användaren finns inte."), "error")
        return redirect(url_for("admin.users")), 303
    if twofactor.reset(current_actor(), user):
        db.session.commit()
        flash(_("Tvåstegsverifieringen för %(email)s är borttagen; personen loggas ut och ställer in den igen vid nästa inloggning.",
                email=user.email), "info")
    else:
        db.session.rollback()
        flash(_("%(email)s har ingen tvåstegsverifiering att ta bort.", email=user.email), "info")
    return redirect(url_for("admin.users")), 303
