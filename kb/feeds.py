"""Atom 1.0 feeds of published examples (feedgen), optionally filtered like a search."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .alerts import Filters
from .extensions import db
from .i18n import current_language
from .links import external_url
from .mail import aware
from .models import Entry
from . import search as searching
from . import queries

MAX_ENTRIES = 100  # the newest; a reader polls with the ETag and sees new ones (10 000 examples: 1 000 entries were 1.1 MB, 0.5 s)


def last_changed(entry: Entry):
    """When the public text of an entry last changed: its publication or the newest approved revision."""
    rev = entry.published_revision
    times = [aware(t) for t in (entry.published_at, rev.updated_at if rev else None, entry.created_at) if t]
    return max(times)


def feed_xml(filters: Filters, labels: dict[str, dict[str, str]]) -> bytes:
    """The Atom document for published examples matching `filters`, newest first."""
    result = searching.search(current_app.extensions["kb_index"], filters.params(per_page=MAX_ENTRIES))
    slugs = [h.slug for h in result.hits]
    entries = queries.published_by_slugs(slugs)
    args = {k: v for k, v in vars(filters).items() if v}
    self_url = external_url("channels.feed", **args)
    from feedgen.feed import FeedGenerator  # feedgen and lxml (~5 MB) load with the first feed asked for

    fg = FeedGenerator()
    fg.id(self_url)
    what = filters.describe(labels)
    # The feed's own texts follow the request's language; the examples in it are Swedish.
    fg.title(_("Goda exempel – %(what)s", what=what))
    fg.subtitle(_("Nya och ändrade beprövade lokala lösningar för mottagande av nyanlända."))
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=external_url("search.index", **args), rel="alternate", type="text/html")
    fg.language(current_language())
    fg.author({"name": "Goda exempel"})
    fg.generator("Goda exempel (feedgen)")
    fg.rights(_("Fritt att använda (CC0 1.0); se %(url)s", url=external_url("channels.opendata")))
    county_scheme = external_url("browse.counties")
    newest = None
    # feedgen writes entries in reverse order of adding: add oldest first so the newest comes first.
    for hit in reversed(result.hits):
        entry = entries.get(hit.slug)
        if entry is None:  # the index is a cache: never show what the database does not publish
            continue
        rev = entry.published_revision
        url = external_url("browse.example", slug=entry.slug)
        updated = last_changed(entry)
        newest = updated if newest is None or updated > newest else newest
        fe = fg.add_entry()
        fe.id(url)
        fe.title(rev.title)
        fe.summary(rev.summary)
        fe.link(href=url, rel="alternate", type="text/html")
        fe.published(aware(entry.published_at or entry.created_at))
        fe.updated(updated)
        fe.category(term=rev.category.slug, label=rev.category.name,
                    scheme=external_url("browse.categories"))
        county_names = {c.code: c.name for c in rev.counties} | {m.county.code: m.county.name for m in rev.municipalities}
        for code in rev.all_county_codes:  # an example in a municipality is listed under its county too
            fe.category(term=code, label=county_names[code], scheme=county_scheme)
        for muni in rev.municipalities:
            fe.category(term=muni.code, label=f"{muni.name} ({muni.county.name})", scheme=county_scheme)
    if newest is None:
        newest = db.session.scalar(sa.select(sa.func.max(Entry.updated_at)))
        newest = aware(newest) if newest else datetime(2014, 11, 1, tzinfo=UTC)
    fg.updated(newest)
    return fg.atom_str(pretty=True)
