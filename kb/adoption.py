""""Har inspirerat": recording that another municipality took up an example.

A moderator of the example's county, an admin, or the example's own contributor
records the municipality, the year, an optional note and link, and optionally the
adopting municipality's own example on this site. Every change is audited.
Content files carry adoptions in the optional `adopted_by` front-matter field
(kb/content.py); a load adds the ones the database lacks and never removes any.
"""
from __future__ import annotations

import re
from datetime import date
import sqlalchemy as sa

from flask_babel import gettext as _

from . import audit, places
from .fields import LIMITS, FieldInvalid, check_length, check_link
from .inputs import has_control
from .extensions import db
from .models import Adoption, Entry, EntryState, Municipality
from .permissions import Permission, require

MIN_YEAR = 1990
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class AdoptionInvalid(ValueError):
    """Bad input; `field` names the form field and the message says what is valid, in Swedish."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _checked(entry: Entry, municipality_code: str, year: int | None, note: str, link: str,
             adopter_slug: str) -> tuple[Municipality, int, str, str, Entry | None]:
    code = (municipality_code or "").strip()
    muni = db.session.get(Municipality, code) if re.fullmatch(r"\d{4}", code) else None
    if muni is None:
        raise AdoptionInvalid("municipality", _("Välj en kommun ur listan."))
    rev = entry.published_revision
    if rev is not None and muni.code in {m.code for m in rev.municipalities}:
        raise AdoptionInvalid("municipality", _("%(name)s står redan som exemplets egen kommun; välj en annan kommun.", name=muni.name))
    latest = date.today().year + 1
    if year is None or not MIN_YEAR <= year <= latest:
        raise AdoptionInvalid("year", _("Ange året som ett årtal mellan %(min)s och %(max)s.", min=MIN_YEAR, max=latest))
    note = (note or "").strip()
    if has_control(note):  # the input boundary's rule: C0 (with TAB, LF, CR), DEL and C1
        raise AdoptionInvalid("note", _("Anteckningen får inte innehålla radbrytningar eller andra styrtecken."))
    try:
        note = check_length("adoption_note", note)
    except FieldInvalid as exc:
        raise AdoptionInvalid("note", str(exc)) from None
    link = (link or "").strip()
    if link:
        try:
            link = check_link(link)
        except FieldInvalid as exc:
            raise AdoptionInvalid("link", str(exc)) from None
    adopter = None
    adopter_slug = (adopter_slug or "").strip()
    if adopter_slug and (len(adopter_slug) > LIMITS["slug"] or not SLUG_RE.fullmatch(adopter_slug)):
        raise AdoptionInvalid("example", _("Ange exemplets adress med små bokstäver, siffror och bindestreck, t.ex. kopa-villor."))
    if adopter_slug:
        adopter = db.session.scalars(sa.select(Entry).where(Entry.slug == adopter_slug)).first()
        if adopter is None or adopter.state is not EntryState.PUBLISHED:
            raise AdoptionInvalid("example", _("Inget publicerat exempel har adressen ”%(slug)s”.", slug=adopter_slug[:80]))
        if adopter.id == entry.id:
            raise AdoptionInvalid("example", _("Ett exempel kan inte ha inspirerat sig självt."))
    return muni, year, note, link, adopter


def record_adoption(actor: audit.Actor, entry: Entry, municipality_code: str, year: int | None,
                    note: str = "", link: str = "", adopter_slug: str = "") -> Adoption:
    """Record (or update) that a municipality took up this published example."""
    require(actor.user, Permission.RECORD_ADOPTION, entry)
    if not entry.is_public:
        raise AdoptionInvalid("municipality", _("Bara publicerade exempel kan ha inspirerat andra kommuner."))
    muni, year, note, link, adopter = _checked(entry, municipality_code, year, note, link, adopter_slug)
    row = next((a for a in entry.adoptions if a.municipality_code == muni.code), None)
    action = "adoption_update" if row is not None else "adoption_add"
    if row is None:
        row = Adoption(municipality_code=muni.code, created_by_id=actor.id)
        entry.adoptions.append(row)
    row.year, row.note, row.link, row.adopter_entry = year, note, link, adopter
    audit.record(actor, action, "entry", entry.id, to_state=muni.code,
                 detail=f"{muni.name} {year}" + (f" ({adopter.slug})" if adopter else ""))
    db.session.flush()
    return row


def remove_adoption(actor: audit.Actor, entry: Entry, adoption_id: int) -> None:
    """Remove one recorded adoption of this example."""
    require(actor.user, Permission.RECORD_ADOPTION, entry)
    row = next((a for a in entry.adoptions if a.id == adoption_id), None)
    if row is None:
        raise AdoptionInvalid("adoption", _("Den uppgiften finns inte (längre)."))
    audit.record(actor, "adoption_remove", "entry", entry.id, from_state=row.municipality_code,
                 detail=f"{row.municipality.name} {row.year}")
    entry.adoptions.remove(row)
    db.session.flush()


def adoptions_by(municipality_code: str) -> list[Adoption]:
    """Published examples this municipality has taken up, newest year first."""
    return list(db.session.scalars(
        sa.select(Adoption).join(Entry, Adoption.entry_id == Entry.id)
        .where(Adoption.municipality_code == municipality_code, Entry.state == EntryState.PUBLISHED)
        .order_by(Adoption.year.desc(), Adoption.id)
    ))


def load_from_content(examples) -> int:
    """Add the adoptions listed in content files that the database lacks (never removes any); returns how many.

    Runs after the examples themselves are loaded, so `example:` may name any loaded slug.
    """
    by_slug = {e.slug: e for e in db.session.scalars(sa.select(Entry))}
    added = 0
    for ex in examples:
        entry = by_slug.get(ex.slug)
        if entry is None or not ex.adopted_by:
            continue
        have = {a.municipality_code for a in entry.adoptions}
        for item in ex.adopted_by:
            code = places.municipality(item.municipality).code
            if code in have:
                continue
            adopter = by_slug.get(item.example) if item.example else None
            entry.adoptions.append(Adoption(
                municipality_code=code, year=item.year, note=item.note, link=item.link, adopter_entry=adopter,
            ))
            have.add(code)
            added += 1
    db.session.flush()
    return added
