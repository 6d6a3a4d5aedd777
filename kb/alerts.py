"""Saved-search alerts by e-mail, without an account.

subscribe → a confirmation mail (double opt-in: nothing else is sent before the link is
used) → a digest, daily or weekly, of published examples that are new or changed and match
the search → one-click unsubscribe (RFC 8058) deletes the subscription.

Links carry signed tokens (itsdangerous, keyed by SECRET_KEY) naming the subscription and a
random per-subscription nonce; nothing secret is stored. The response to a subscription is
the same whether or not the address is already subscribed, and an address gets at most
PENDING_LIMIT unconfirmed requests a day, so the form cannot be used to flood someone.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from . import mail
from .extensions import db
from .labels import FREQUENCIES, label
from .links import external_url
from .models import Entry, EntryState, Revision, SavedSearch, utcnow
from . import search as searching
from .search import SearchParams

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}  # labels: kb/labels.py FREQUENCIES
CONFIRM_MAX_AGE = timedelta(days=7)
PENDING_LIMIT = 3  # unconfirmed requests per address and day
SLACK = timedelta(minutes=30)  # a daily job that runs a little early still sends
MAX_DIGEST_ITEMS = 50


class InvalidToken(ValueError):
    """A confirmation or unsubscribe link that is forged, expired or already used."""


@dataclass
class Filters:
    q: str = ""
    category: str = ""
    county: str = ""
    municipality: str = ""

    def describe(self, labels: dict[str, dict[str, str]]) -> str:
        """A description in the current language, such as '”skola”, Utbildning, Dalarnas län'."""
        parts = []
        if self.q:
            parts.append(_("”%(q)s”", q=self.q))
        if self.category:
            parts.append(labels["category"].get(self.category, self.category))
        if self.municipality:
            parts.append(labels["municipality"].get(self.municipality, self.municipality))
        elif self.county:
            parts.append(labels["county"].get(self.county, self.county))
        return ", ".join(parts) or _("alla exempel")

    def params(self, per_page: int = 1000) -> SearchParams:
        return SearchParams(q=self.q, category=self.category or None, county=self.county or None,
                            municipality=self.municipality or None, per_page=per_page, sort="newest")


def _serializer(kind: str):
    secret = current_app.config["SECRET_KEY"]
    if kind == "confirm":
        return URLSafeTimedSerializer(secret, salt="kb-alert-confirm")
    return URLSafeSerializer(secret, salt="kb-alert-unsubscribe")


def token(sub: SavedSearch, kind: str) -> str:
    """A signed link token for 'confirm' or 'unsubscribe'."""
    return _serializer(kind).dumps([sub.id, sub.nonce])


def from_token(value: str, kind: str) -> SavedSearch:
    """The subscription a token names; InvalidToken when forged, expired or no longer valid."""
    try:
        if kind == "confirm":
            sub_id, nonce = _serializer(kind).loads(value, max_age=int(CONFIRM_MAX_AGE.total_seconds()))
        else:
            sub_id, nonce = _serializer(kind).loads(value)
    except SignatureExpired as exc:
        raise InvalidToken(_("Länken har gått ut. Fyll i formuläret igen för att få en ny.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken(_("Länken är ogiltig. Kopiera hela länken från mejlet.")) from exc
    sub = db.session.get(SavedSearch, sub_id) if isinstance(sub_id, int) else None
    if sub is None or not secrets.compare_digest(str(nonce), sub.nonce):
        raise InvalidToken(_("Bevakningen finns inte längre; den kan redan vara avslutad."))
    return sub


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def subscribe(email: str, filters: Filters, frequency: str, labels: dict) -> SavedSearch | None:
    """Record a pending subscription and enqueue its confirmation mail (flushes).

    The mail goes to the person who is asking in this request, so it is in the request's language.

    Returns None, silently, when the address already has PENDING_LIMIT unconfirmed requests
    today: the caller shows the same answer either way.
    """
    if frequency not in PERIODS:
        raise ValueError(frequency)
    since = utcnow() - timedelta(days=1)
    pending = db.session.scalar(
        sa.select(sa.func.count(SavedSearch.id)).where(
            SavedSearch.email == email, SavedSearch.confirmed_at.is_(None), SavedSearch.created_at >= since
        )
    )
    if pending >= PENDING_LIMIT:
        return None
    sub = SavedSearch(email=email, q=filters.q, category=filters.category, county=filters.county,
                      municipality=filters.municipality, frequency=frequency, nonce=secrets.token_hex(16))
    db.session.add(sub)
    db.session.flush()
    confirm = external_url("channels.alert_confirm", token=token(sub, "confirm"))
    what = filters.describe(labels)
    cancel = external_url("channels.alert_unsubscribe", token=token(sub, "unsubscribe"))
    text = "\n\n".join([
        _("Hej!"),
        _("Någon (förhoppningsvis du) vill bevaka nya och ändrade goda exempel för %(what)s och få en "
          "sammanfattning %(frequency)s till den här adressen.", what=what, frequency=label(FREQUENCIES, frequency)),
        _("Bekräfta bevakningen här (länken gäller i 7 dagar):") + f"\n{confirm}",
        _("Om det inte var du kan du strunta i det här mejlet: utan bekräftelse skickar vi ingenting mer, "
          "och adressen raderas efter 7 dagar."),
        _("Radera begäran direkt: %(url)s", url=cancel),
    ]) + "\n"
    mail.enqueue(email, _("Bekräfta din bevakning på Goda exempel"), text, kind="alert_confirm",
                 headers=_unsubscribe_headers(cancel))
    return sub


def confirm(sub: SavedSearch) -> SavedSearch:
    """Activate a subscription; an identical confirmed one is kept instead of a duplicate (flushes)."""
    if sub.confirmed_at is not None:
        return sub
    twin = db.session.scalars(
        sa.select(SavedSearch).where(
            SavedSearch.email == sub.email, SavedSearch.q == sub.q, SavedSearch.category == sub.category,
            SavedSearch.county == sub.county, SavedSearch.municipality == sub.municipality,
            SavedSearch.confirmed_at.is_not(None), SavedSearch.id != sub.id,
        )
    ).first()
    if twin is not None:
        twin.frequency = sub.frequency
        db.session.delete(sub)
        db.session.flush()
        return twin
    now = utcnow()
    sub.confirmed_at = now
    sub.checked_until = now
    db.session.flush()
    return sub


def unsubscribe(sub: SavedSearch) -> None:
    """End a subscription: the row (and so the address) is deleted (flushes)."""
    db.session.delete(sub)
    db.session.flush()


def changed_since(since) -> dict[str, Entry]:
    """Published entries first published or given a new published revision after `since`."""
    q = (
        sa.select(Entry)
        .join(Revision, Entry.published_revision_id == Revision.id)
        .where(Entry.state == EntryState.PUBLISHED,
               sa.or_(Entry.published_at > since, Revision.updated_at > since, Revision.created_at > since))
    )
    return {e.slug: e for e in db.session.scalars(q)}


def digest_for(sub: SavedSearch, until) -> list[searching.Hit]:
    """Matching published examples that are new or changed between the last digest and `until`."""
    changed = changed_since(mail.aware(sub.checked_until or sub.confirmed_at))
    if not changed:
        return []
    filters = Filters(sub.q, sub.category, sub.county, sub.municipality)
    result = searching.search(current_app.extensions["kb_index"], filters.params())
    return [hit for hit in result.hits if hit.slug in changed][:MAX_DIGEST_ITEMS]


def send_due_digests(force: bool = False, now=None) -> int:
    """Enqueue a digest for every confirmed subscription whose period has passed and has news;
    drop unconfirmed requests older than 7 days. Commits; returns the number of digests."""
    from .views import catalog

    now = now or utcnow()
    db.session.execute(sa.delete(SavedSearch).where(SavedSearch.confirmed_at.is_(None),
                                                    SavedSearch.created_at < now - CONFIRM_MAX_AGE))
    db.session.commit()
    labels = catalog.labels()
    sent = 0
    subs = list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.confirmed_at.is_not(None)).order_by(SavedSearch.id)))
    for sub in subs:
        period = PERIODS.get(sub.frequency, PERIODS["weekly"])
        last = mail.aware(sub.checked_until or sub.confirmed_at)
        if not force and now - last < period - SLACK:
            continue
        hits = digest_for(sub, now)
        sub.checked_until = now
        if hits:
            _enqueue_digest(sub, hits, labels)
            sub.last_sent_at = now
            sent += 1
        db.session.commit()  # one subscription at a time: a crash never re-sends a committed digest
    return sent


def _enqueue_digest(sub: SavedSearch, hits, labels) -> None:
    # Digests are sent later by a CLI job, with no one's language at hand: always Swedish.
    with force_locale("sv"):
        _write_digest(sub, hits, labels)


def _write_digest(sub: SavedSearch, hits, labels) -> None:
    filters = Filters(sub.q, sub.category, sub.county, sub.municipality)
    what = filters.describe(labels)
    unsubscribe_url = external_url("channels.alert_unsubscribe", token=token(sub, "unsubscribe"))
    search_url = external_url("search.index", **{k: v for k, v in vars(filters).items() if v})
    lines = [_("Hej!") + "\n\n" + _("Nya eller ändrade goda exempel för %(what)s:", what=what) + "\n"]
    for hit in hits:
        where = ", ".join(name for _code, name in (hit.municipalities or hit.counties)) or "—"
        lines.append(f"* {hit.title}\n  {where} · {hit.category[1]}\n  {external_url('browse.example', slug=hit.slug)}\n")
    lines.append(_("Alla träffar: %(url)s", url=search_url) + "\n")
    lines.append("\n--\n" + _("Du bevakar %(what)s (%(frequency)s).", what=what, frequency=label(FREQUENCIES, sub.frequency))
                 + "\n" + _("Avsluta bevakningen: %(url)s", url=unsubscribe_url) + "\n")
    subject = ngettext("Goda exempel: %(num)s nya eller ändrade exempel – %(what)s",
                       "Goda exempel: %(num)s nya eller ändrade exempel – %(what)s", len(hits), what=what)
    mail.enqueue(sub.email, subject, "\n".join(lines), kind="alert_digest", headers=_unsubscribe_headers(unsubscribe_url))


def normalise_filters(args) -> tuple[Filters, list]:
    """Filters from form or URL arguments, validated like the search API (errors as ParamError)."""
    from .search import parse_search_args
    from .views import catalog

    params, errors = parse_search_args(
        {k: args.get(k, "") for k in ("q", "category", "county", "municipality")}, catalog.category_slugs()
    )
    q, _notes = searching.clean_query(params.q)
    return Filters(q=q, category=params.category or "", county=params.county or "",
                   municipality=params.municipality or ""), errors

