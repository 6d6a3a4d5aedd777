"""Account use cases on the web: administrators change a user's role and county and issue a
single-use, time-limited password reset link (only a SHA-256 hash of its token is stored);
anyone who forgot their password asks for such a link by e-mail (kb/mail.py), without
learning whether an address has an account.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from flask_babel import force_locale, gettext as _

from . import audit, places
from .accounts import AccountError, new_session_token, set_password
from .extensions import db
from .fields import LIMITS
from .models import PasswordReset, Role, User, utcnow
from .permissions import Permission, require, role_has, role_needs_county

RESET_HOURS = 24


class ResetInvalid(ValueError):
    """The link is unknown, used or expired; the message says what to do, in Swedish."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def set_role(actor: audit.Actor, user: User, role: str, county: str | None) -> None:
    """Change a user's role and county (admins are national, others belong to one county); ends their sessions."""
    require(actor.user, Permission.MANAGE_USERS)
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise AccountError(_("Okänd roll %(role)s; giltiga är admin, moderator och contributor.", role=repr(role))) from exc
    county_code = None
    if not role_needs_county(role_value):
        if county:
            raise AccountError(_("En administratör är nationell och har inget län; välj ”inget”."))
    else:
        if not county:
            raise AccountError(_("Moderatorer och bidragsgivare måste höra till ett län."))
        try:
            county_code = places.county(county).code
        except places.UnknownPlace as exc:
            raise AccountError(str(exc)) from exc
    if user.id == actor.id and not role_has(role_value, Permission.MANAGE_USERS):
        raise AccountError(_("Du kan inte ta bort din egen administratörsroll; be en annan administratör."))
    before = f"{user.role.value}:{user.county_code or '-'}"
    after = f"{role_value.value}:{county_code or '-'}"
    if before == after:
        return
    user.role, user.county_code = role_value, county_code
    user.session_token = new_session_token()  # new rights take effect at the next sign-in
    audit.record(actor, "user_role", "user", user.email, before, after)
    db.session.flush()


def issue_reset(actor: audit.Actor, user: User, now: datetime | None = None) -> str:
    """A new reset token for `user` (earlier unused ones stop working); returns the token to put in the link."""
    require(actor.user, Permission.MANAGE_USERS)
    now = now or utcnow()
    for old in db.session.scalars(sa.select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(token), expires_at=now + timedelta(hours=RESET_HOURS),
                                 created_by_id=actor.id))
    audit.record(actor, "password_reset_issue", "user", user.email, detail=f"giltig {RESET_HOURS} timmar")
    db.session.flush()
    return token


def find_reset(token: str, now: datetime | None = None) -> PasswordReset:
    """The valid reset for this token, or ResetInvalid."""
    now = now or utcnow()
    row = db.session.scalars(sa.select(PasswordReset).where(PasswordReset.token_hash == _hash(token or ""))).first()
    if row is None or row.used_at is not None:
        raise ResetInvalid(_("Länken är redan använd eller finns inte. Be en administratör om en ny länk."))
    if _aware(row.expires_at) < now:
        raise ResetInvalid(_("Länken har gått ut (den gäller i %(hours)s timmar). Be en administratör om en ny länk.", hours=RESET_HOURS))
    if not row.user.active:
        raise ResetInvalid(_("Kontot är inaktiverat. Kontakta en administratör."))
    return row


def use_reset(token: str, password: str, address: str = "", now: datetime | None = None) -> User:
    """Set a new password through a reset link; the link then stops working and every session ends."""
    row = find_reset(token, now)
    user = row.user
    set_password(audit.Actor(user, address), user, password)  # raises AccountError for a weak password
    row.used_at = now or utcnow()
    audit.record(audit.Actor(user, address), "password_reset_use", "user", user.email)
    db.session.flush()
    return user


SELF_SERVICE_GAP = timedelta(minutes=15)  # at most one e-mailed link per account in this time


def request_reset_by_email(email: str, address: str = "", now: datetime | None = None) -> None:
    """Forgotten password: when an active account has this address, put a reset link in the mail
    outbox. Returns nothing the caller could show: the answer must be the same for every address.
    The caller commits."""
    from . import mail
    from .links import external_url

    now = now or utcnow()
    wanted = (email or "").strip().lower()
    if not wanted or len(wanted) > LIMITS["email"]:
        return
    user = db.session.scalars(sa.select(User).where(sa.func.lower(User.email) == wanted)).first()
    if user is None or not user.active:
        return
    recent = db.session.scalar(
        sa.select(sa.func.count()).select_from(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.created_by_id.is_(None),
               PasswordReset.created_at >= now - SELF_SERVICE_GAP)
    )
    if recent:
        return  # one link is on its way; a flood of requests must not flood the mailbox
    for old in db.session.scalars(sa.select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(token), created_at=now,
                                 expires_at=now + timedelta(hours=RESET_HOURS), created_by_id=None))
    audit.record(audit.Actor(None, address), "password_reset_request", "user", user.email,
                 detail=f"länk per e-post, giltig {RESET_HOURS} timmar", actor_label="självservice")
    link = external_url("reset.reset_password", token=token)
    with force_locale("sv"):  # no language is stored per user: mails are Swedish
        mail.enqueue(user.email, _("Goda exempel: välj ett nytt lösenord"), _(
            "Någon (förhoppningsvis du) bad om en länk för att välja ett nytt lösenord till ditt konto på Goda exempel.\n\n"
            "%(link)s\n\n"
            "Länken fungerar en gång och i %(hours)s timmar. Bad du inte om den kan du strunta i det här "
            "meddelandet; ditt lösenord är oförändrat. Tvåstegsinloggningen gäller som vanligt.\n",
            link=link, hours=RESET_HOURS), kind="password_reset")
    db.session.flush()
