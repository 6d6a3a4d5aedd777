"""Signed-in sessions (ASVS v5 V7): lifetime, second-factor state, the known-device cookie, HSTS.

- A session carries when it signed in and when it was last used; every request
  checks both on the server: idle longer than KB_SESSION_IDLE_MINUTES (30) or
  older than KB_SESSION_MAX_HOURS (12) and it ends. Activity refreshes "last used"
  (at most once a minute, so the cookie is not rewritten on every request).
- A moderator or admin (or anyone who has turned on two-factor sign-in) is only
  signed in after the second step; a session without it is ended.
- Login throttling per account cannot lock the owner out: a browser that
  completed a sign-in for an account gets a signed "known device" cookie, and
  attempts from it are exempt from the per-account limit (the per-address limit
  still applies). This is OWASP's device-cookie pattern: an attacker hammering
  the account from many addresses exhausts only the limit for unknown devices.
- Production (KB_ENV=production) responses carry Strict-Transport-Security, and a
  Secure session cookie is named with the ``__Host-`` prefix (Path=/, no Domain).
"""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer

from flask_babel import gettext as _

from . import accounts, audit, twofactor
from .extensions import db
from .models import User, utcnow

PENDING = "kb_pending"  # password accepted, second step not yet done
PENDING_SECONDS = 15 * 60  # time enough to install an authenticator app
PENDING_TRIES = 5
DEVICE_DAYS = 180
HSTS = "max-age=31536000; includeSubDomains"


def configure(app: Flask) -> None:
    """Cookie names and the per-request checks; call from create_app after the configuration is final."""
    cfg = app.config
    host_prefix_ok = cfg.get("SESSION_COOKIE_SECURE") and not cfg.get("SESSION_COOKIE_DOMAIN") and cfg.get("SESSION_COOKIE_PATH") in (None, "/")
    if cfg.get("SESSION_COOKIE_NAME") == "session" and host_prefix_ok:
        cfg["SESSION_COOKIE_NAME"] = "__Host-session"
        cfg["SESSION_COOKIE_PATH"] = "/"
    cfg.setdefault("KB_DEVICE_COOKIE_NAME", "__Host-kb_device" if host_prefix_ok else "kb_device")
    app.before_request(enforce)

    @app.after_request
    def _hsts(response):
        if app.config.get("KB_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _now() -> int:
    return int(time.time())


def start(user: User, second_factor: bool) -> None:
    """A new session for `user` (nothing from before survives), stamped for the lifetime checks."""
    session.clear()
    login_user(user)
    now = _now()
    session["kb_login_at"] = now
    session["kb_seen"] = now
    session["kb_2fa"] = bool(second_factor)


def has_second_factor() -> bool:
    return bool(session.get("kb_2fa"))


def _end(reason: str) -> None:
    logout_user()
    session.clear()
    flash(reason, "info")


def enforce():
    """Per request: end sessions that are idle too long, too old, or lack a required second factor."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    cfg = current_app.config
    now = _now()
    login_at, seen = session.get("kb_login_at"), session.get("kb_seen")
    idle_minutes, max_hours = cfg["KB_SESSION_IDLE_MINUTES"], cfg["KB_SESSION_MAX_HOURS"]
    if not isinstance(login_at, int) or not isinstance(seen, int):
        _end(_("Logga in igen."))
    elif now - seen > idle_minutes * 60:
        _end(_("Du loggades ut efter %(minutes)s minuter utan aktivitet. Logga in igen för att fortsätta.", minutes=idle_minutes))
    elif now - login_at > max_hours * 3600:
        _end(_("Du loggades ut eftersom det har gått %(hours)s timmar sedan du loggade in. Logga in igen för att fortsätta.", hours=max_hours))
    elif current_user.is_authenticated and not has_second_factor() and twofactor.required_for(current_user):
        _end(_("Logga in igen och bekräfta med tvåstegsverifiering."))
    elif now - seen >= 60:
        session["kb_seen"] = now
    return None


# --------------------------------------------------------------------------- second step


def begin_second_step(user: User, next_target: str) -> None:
    """Remember that the password was right; the user is not signed in until the second step."""
    session.clear()
    session[PENDING] = {"uid": user.id, "tok": user.session_token, "at": _now(), "next": next_target or "", "tries": 0}


def pending() -> tuple[User, dict] | None:
    """The user whose password was accepted in this browser a moment ago, with the pending state."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int) or not isinstance(data.get("at"), int):
        return None
    if _now() - data["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not user.active or user.session_token != data.get("tok"):
        session.pop(PENDING, None)
        return None
    return user, data


def count_failed_try() -> int:
    """One more wrong code in this pending sign-in; returns how many are left (0: start again)."""
    data = dict(session.get(PENDING) or {})
    data["tries"] = int(data.get("tries", 0)) + 1
    left = PENDING_TRIES - data["tries"]
    if left <= 0:
        session.pop(PENDING, None)
    else:
        session[PENDING] = data
    return max(left, 0)


def finish_login(user: User, method: str | None) -> None:
    """Sign in (method: None for password only, 'totp', 'recovery' or 'enrol'), audit and commit."""
    start(user, second_factor=method is not None)
    user.last_login_at = utcnow()
    audit.record(audit.Actor(user, request.remote_addr or ""), "login", "user", user.email, detail=method or "")
    db.session.commit()


def record_failed_login(typed_email: str) -> None:
    """Audit a refused sign-in (in a transaction of its own: the request writes nothing else)."""
    audit.record_now(audit.Actor(None, request.remote_addr or ""), "login_failed", object_type="user",
                     object_id=typed_email, actor_label=typed_email)


def sign_out(user: User) -> None:
    """End this and every other session of the user (copied cookies stop working), audit and commit."""
    accounts.end_sessions(user)
    audit.record(audit.Actor(user, request.remote_addr or ""), "logout", "user", user.email)
    db.session.commit()
    logout_user()
    session.clear()


def login_redirect(user: User, target: str):
    """The redirect after a completed sign-in; it also marks this browser as a known device."""
    response = redirect(target)
    remember_device(response, user)
    return response


# --------------------------------------------------------------------------- known device


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="kb-known-device")


def remember_device(response, user: User) -> None:
    """Mark this browser as one that has signed in to `user` (exempts it from per-account throttling)."""
    response.set_cookie(
        current_app.config["KB_DEVICE_COOKIE_NAME"], _serializer().dumps({"e": user.email}),
        max_age=DEVICE_DAYS * 86400, path="/", secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
        httponly=True, samesite="Lax",
    )


def is_known_device(email: str) -> bool:
    """Whether this browser carries a valid known-device cookie for the account `email`."""
    raw = request.cookies.get(current_app.config["KB_DEVICE_COOKIE_NAME"])
    if not raw:
        return False
    try:
        data = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadData:
        return False
    return isinstance(data, dict) and data.get("e") == accounts.normalise_email(email)
