"""Users and passwords: argon2id hashes, the password policy, and user management use cases."""
from __future__ import annotations

import re
import secrets
from functools import cache

import sqlalchemy as sa
from flask import current_app

from flask_babel import gettext as _

from . import audit, places
from .extensions import db
from .fields import FieldInvalid, check_email
from .models import Role, User
from .permissions import Permission, require, require_account, role_needs_county

MIN_PASSWORD = 12
MAX_PASSWORD = 256


class AccountError(ValueError):
    """A user-management request that cannot be done; the message is for people (Swedish)."""


def _hasher():
    """argon2-cffi's hasher (imported here: only sign-in and password changes need it)."""
    from argon2 import PasswordHasher

    # Tests set KB_ARGON2_CHEAP so thousands of hashes do not take minutes.
    if current_app.config.get("KB_ARGON2_CHEAP"):
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password; an unknown user costs the same time as a wrong password."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    if user is None:
        try:
            hasher.verify(_dummy_hash(hasher), password + "x")
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


_DUMMY: dict[tuple, str] = {}


def _dummy_hash(hasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Why a password is not acceptable (Swedish), or [] when it is."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(_("Lösenordet måste ha minst %(min)s tecken (nu %(now)s).", min=MIN_PASSWORD, now=len(password)))
    if len(password) > MAX_PASSWORD:
        problems.append(_("Lösenordet får ha högst %(max)s tecken.", max=MAX_PASSWORD))
    lowered = password.casefold()
    base = re.sub(r"[\d\W_]+$", "", lowered)  # 'password1234!' is still 'password'
    if lowered in _common_passwords() or (base in _common_passwords() and len(password) - len(base) <= 6):
        problems.append(_("Lösenordet är för vanligt; välj en lång fras som inte finns i listor över vanliga lösenord."))
    elif len(set(password)) < 4:
        problems.append(_("Lösenordet har för få olika tecken."))
    local = email.split("@")[0].casefold()
    if local and len(local) >= 4 and local in lowered:
        problems.append(_("Lösenordet får inte innehålla din e-postadress."))
    return problems


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return (email or "").strip().casefold()


def find_user(email: str) -> User | None:
    return db.session.scalars(sa.select(User).where(User.email == normalise_email(email))).first()


def add_user(actor: audit.Actor, email: str, password: str, role: str, county: str | None, name: str = "") -> User:
    """Create a user (a user manager or the system actor may); raises AccountError with every problem found."""
    require(actor.user, Permission.MANAGE_USERS)
    email = normalise_email(email)
    problems = []
    try:
        email = check_email(email).casefold()
    except FieldInvalid as exc:
        problems.append(str(exc))
    else:
        if find_user(email) is not None:
            problems.append(_("Det finns redan en användare med e-postadressen %(email)s.", email=email))
    try:
        role_value = Role(role)
    except ValueError:
        problems.append(_("Okänd roll %(role)s; giltiga är admin, moderator och contributor.", role=repr(role)))
        role_value = None
    county_code = None
    if role_value is not None and role_needs_county(role_value):
        if not county:
            problems.append(_("Moderatorer och bidragsgivare måste höra till ett län (t.ex. --county 20)."))
        else:
            try:
                county_code = places.county(county).code
            except places.UnknownPlace as exc:
                problems.append(_("Okänt län %(county)s. Menade du %(suggestions)s?", county=repr(county), suggestions=", ".join(exc.suggestions))
                                if exc.suggestions else _("Okänt län %(county)s.", county=repr(county)))
    elif role_value is not None and county:
        problems.append(_("En administratör är nationell och har inget län."))
    problems += password_problems(password, email, name)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(
        email=email, name=(name or "").strip()[:200], password_hash=hash_password(password),
        role=role_value, county_code=county_code, active=True, session_token=new_session_token(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_add", "user", user.email, to_state=f"{role_value.value}:{county_code or '-'}")
    return user


def set_active(actor: audit.Actor, user: User, active: bool) -> None:
    """Disable (every session ends at once) or re-enable a user; nobody may disable themselves."""
    require(actor.user, Permission.MANAGE_USERS)
    if not active and actor.id is not None and actor.id == user.id:
        raise AccountError(_("Du kan inte inaktivera dig själv."))
    if user.active == active:
        return
    user.active = active
    user.session_token = new_session_token()
    audit.record(actor, "user_enable" if active else "user_disable", "user", user.email,
                 from_state="active" if not active else "disabled", to_state="active" if active else "disabled")


def set_password(actor: audit.Actor, user: User, password: str) -> None:
    """Change a password (the person themselves, a user manager or the system actor); every session of the user ends."""
    require_account(actor.user, user)
    problems = password_problems(password, user.email, user.name)
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    audit.record(actor, "password_change", "user", user.email)


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to the user (logout)."""
    user.session_token = new_session_token()


def load_user_from_session(ident: str) -> User | None:
    """Flask-Login user loader: 'id:token'; a rotated token or disabled user yields None."""
    from .inputs import MAX_DB_INT, parse_int

    uid, _, token = (ident or "").partition(":")
    user_id = parse_int(uid, 1, MAX_DB_INT)
    if user_id is None or not token:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
