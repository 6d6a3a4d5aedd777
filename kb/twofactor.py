"""Two-factor sign-in (TOTP, RFC 6238) and single-use recovery codes.

Moderators and administrators must use it (ASVS v5 6.3.2); contributors may opt
in. Codes come from any authenticator app (pyotp implements the algorithm);
the enrolment QR code is drawn here as inline SVG by segno, so the secret never
leaves the server in a request to someone else. A code is accepted once: the
time step it belongs to is remembered. Recovery codes are shown once and stored
as argon2 hashes, like passwords.

Use cases take the actor and write audit rows; the caller commits.
"""
from __future__ import annotations

import hmac
import secrets
import time

import sqlalchemy as sa

from flask_babel import gettext as _

from . import accounts, audit
from .extensions import db
from .models import RecoveryCode, TwoFactorCredential, User, utcnow
from .permissions import Permission, require, requires_two_factor

ISSUER = "Goda exempel"
RECOVERY_CODES = 10
STEP_SECONDS = 30
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorError(ValueError):
    """A code that is not accepted; the message is for people (Swedish)."""


def required_for(user: User) -> bool:
    """Moderators and admins always; contributors once they have enrolled."""
    return requires_two_factor(user) or is_enrolled(user)


def credential(user: User) -> TwoFactorCredential | None:
    return db.session.get(TwoFactorCredential, user.id)


def is_enrolled(user: User) -> bool:
    return credential(user) is not None


def new_secret() -> str:
    """A fresh 160-bit base32 secret (what authenticator apps expect)."""
    import pyotp  # pyotp and segno load only where two-factor sign-in is used

    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code with an accessible name (no network, no script)."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, title=_("QR-kod för tvåstegsverifiering"), dark="#000", light="#fff")
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").casefold() if ch.isalnum() and ch.isascii())


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (now ±1, for clock drift) whose code is `code`, else None."""
    import pyotp

    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _c in range(12))  # ~59 bits
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=accounts.hash_password(_normalise(code))))
    return codes


def confirm_enrolment(actor: audit.Actor, user: User, secret: str, code: str, now: float | None = None) -> list[str]:
    """Turn on two-factor sign-in once the user proves their app shows `code`; returns the recovery codes (shown once)."""
    now = time.time() if now is None else now
    step = _matching_step(secret, _normalise(code), now) if len(_normalise(code)) == 6 else None
    if step is None:
        raise TwoFactorError(_("Koden stämmer inte. Kontrollera att appen visar koden för Goda exempel och att klockan i telefonen går rätt."))
    row = credential(user)
    if row is None:
        row = TwoFactorCredential(user_id=user.id)
        db.session.add(row)
    row.secret, row.last_step, row.confirmed_at = secret, step, utcnow()
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record(actor, "mfa_enrol", "user", user.email)
    return codes


def verify(actor: audit.Actor, user: User, code: str, now: float | None = None) -> str:
    """Check a sign-in code: a 6-digit TOTP code or an unused recovery code. Returns 'totp' or 'recovery'."""
    row = credential(user)
    if row is None:
        raise TwoFactorError(_("Tvåstegsverifiering är inte aktiverad för kontot."))
    typed = _normalise(code)
    now = time.time() if now is None else now
    if len(typed) == 6 and typed.isdigit():
        step = _matching_step(row.secret, typed, now)
        if step is None:
            raise TwoFactorError(_("Koden stämmer inte. Ange den sexsiffriga koden som appen visar just nu."))
        if step <= row.last_step:
            raise TwoFactorError(_("Koden har redan använts. Vänta tills appen visar en ny kod."))
        row.last_step = step
        return "totp"
    if len(typed) == 12:
        unused = db.session.scalars(
            sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
        for candidate in unused:
            if _hash_matches(candidate.code_hash, typed):
                candidate.used_at = utcnow()
                left = len(unused) - 1
                audit.record(actor, "mfa_recovery_used", "user", user.email, detail=f"{left} kvar")
                return "recovery"
    raise TwoFactorError(_("Koden stämmer inte. Ange den sexsiffriga koden från appen eller en oanvänd reservkod (xxxx-xxxx-xxxx)."))


def _hash_matches(stored: str, typed: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return accounts._hasher().verify(stored, typed)
    except (VerificationError, InvalidHashError):
        return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


def regenerate_recovery_codes(actor: audit.Actor, user: User) -> list[str]:
    """Replace every recovery code with new ones (the old ones stop working)."""
    if credential(user) is None:
        raise TwoFactorError(_("Tvåstegsverifiering är inte aktiverad för kontot."))
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record(actor, "mfa_recovery_new", "user", user.email)
    return codes


def reset(actor: audit.Actor, user: User) -> bool:
    """Remove the user's second factor (lost phone); every session of theirs ends. False if none was set.
    Only a user manager (or the system actor) may."""
    require(actor.user, Permission.MANAGE_USERS)
    row = credential(user)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if row is None:
        return False
    db.session.delete(row)
    accounts.end_sessions(user)
    db.session.flush()
    audit.record(actor, "mfa_reset", "user", user.email)
    return True
