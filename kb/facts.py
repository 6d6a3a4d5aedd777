"""What the public may see of an example beyond its text: contact (only when published by
choice), links, period, dates, freshness and adoptions, shared by the page and the JSON API."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from .freshness import is_stale, last_checked


@dataclass(frozen=True)
class PublicEmail:
    """An e-mail address split and reversed so that harvesters find no address in the page;
    static/js/contact.js turns it into a mailto link, and `readable` is the no-script fallback."""

    user_reversed: str
    domain_reversed: str
    readable: str


def public_contact(rev) -> dict[str, str] | None:
    """Organisation, name and e-mail when the contributor chose to publish them, else None."""
    if rev is None or not rev.contact_public:
        return None
    contact = {
        "organisation": rev.contact_organisation or "",
        "name": rev.contact_name or "",
        "email": rev.contact_email or "",
    }
    return contact if any(contact.values()) else None


def obfuscate(email: str) -> PublicEmail | None:
    """The harvest-resistant form of an address (None for an empty or malformed one)."""
    user, sep, domain = (email or "").partition("@")
    if not sep or not user or not domain:
        return None
    return PublicEmail(user[::-1], domain[::-1], f"{user} (snabel-a) {domain.replace('.', ' (punkt) ')}")


def period_text(start: int | None, end: int | None) -> str:
    """'2013–2015', 'sedan 2013', 'till 2015' or ''."""
    if start and end:
        return f"{start}–{end}" if start != end else str(start)
    if start:
        return gettext("sedan %(year)s", year=start)
    if end:
        return gettext("till %(year)s", year=end)
    return ""


def freshness_of(entry) -> dict:
    """Last checked (datetime), by which county board, the note, and whether the example is stale."""
    return {
        "checked": last_checked(entry),
        "verified": entry.verified_at is not None,
        "county": entry.verified_county.name if entry.verified_county is not None else None,
        "note": entry.verified_note or "",
        "stale": is_stale(entry),
    }
