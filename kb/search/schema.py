"""The Whoosh schema and how a published entry becomes a document."""
from __future__ import annotations

import re

from whoosh import columns
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import folded_analyzer, swedish_analyzer
from .compounds import parts_of

# Field weights (BM25F field boosts): a word in the title says more about an
# example than the same word deep in its body; a compound part says least.
# Chosen from measurements on the judged queries (see README, "Search quality").
WEIGHTS = {"title": 4.0, "tags": 3.0, "summary": 2.0, "places": 2.0, "body": 1.0, "parts": 0.4}
TEXT_FIELDS = tuple(WEIGHTS)
STEMMED_FIELDS = ("title", "summary", "body", "tags")
_SV = swedish_analyzer()
FACET_COLUMNS = {"category": "facet_category", "county": "facet_county", "municipality": "facet_municipality"}


def make_schema() -> Schema:
    """A fresh schema; the analyzers are part of it and pickled into the index."""
    sv = swedish_analyzer()
    folded = folded_analyzer()
    return Schema(
        slug=ID(stored=True, unique=True),
        # The entry's id (its slug changes at first approval) and the revision indexed,
        # so `flask kb check` can tell exactly which documents are stale.
        entry_id=ID(stored=True, unique=True),
        revision_id=STORED(),
        title=TEXT(analyzer=sv, stored=True, field_boost=WEIGHTS["title"]),
        summary=TEXT(analyzer=sv, stored=True, field_boost=WEIGHTS["summary"]),
        body=TEXT(analyzer=sv, field_boost=WEIGHTS["body"]),
        plain=STORED(),  # summary + body as plain text, for highlighted snippets
        tags=TEXT(analyzer=sv, field_boost=WEIGHTS["tags"]),
        places=TEXT(analyzer=folded, field_boost=WEIGHTS["places"]),
        # Parts of compound words (already stemmed): `bolag` finds bostadsbolag.
        parts=KEYWORD(scorable=True, field_boost=WEIGHTS["parts"]),
        # Folded, unstemmed words of everything, for "did you mean" and fuzzy retries.
        spell=TEXT(analyzer=folded, phrase=False),
        # Facet values as list columns: counting reads a column, not stored documents.
        facet_category=COLUMN(columns.PickleColumn(columns.VarBytesColumn())),
        facet_county=COLUMN(columns.PickleColumn(columns.VarBytesColumn())),
        facet_municipality=COLUMN(columns.PickleColumn(columns.VarBytesColumn())),
        category=ID(stored=True),
        county=KEYWORD(stored=True, commas=True),
        municipality=KEYWORD(stored=True, commas=True),
        published=DATETIME(stored=True, sortable=True),
        title_sort=ID(sortable=True),
        data=STORED(),  # names for the result list, so a result page needs no database query
    )


# The example template: its section headings, the advice label and the source line
# are the same in every example. Indexed, they made "gjorde" match all 56 examples and
# "flyktingar" (a part of "flyktingmottagande" in the source line) match all 56 too.
STRIP_STOCK_SENTENCES = True
TEMPLATE_HEADINGS = ("Vad gjordes", "Varför det hjälper", "Så kan fler kommuner göra", "Det här vet vi inte")
_BOILERPLATE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*(?:" + "|".join(map(re.escape, TEMPLATE_HEADINGS)) + r")[ \t]*#*"
    r"|Råd (?:utifrån|som följer av) rapportens resonemang\b[^\n]*"
    r"|Råd från redaktionen\b[^\n]*"
    r"|[*_]*Källa:.*)[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


# Every example has a county, so "län" was in every example's place names: the word
# "län" in a query ("i samma län") then matched all of them. Only the names are indexed.
_GENERIC_PLACE_WORD = re.compile(r"(?i)(?<!\w)(?:län|kommun|stad)(?!\w)")
# Sentences that close nearly every example ("Det här vet vi inte").
_STOCK_SENTENCES = re.compile(
    r"Samordnarna har inte (?:själva |heller )?undersökt (?:exemplen|exemplet|verksamheterna)[^.]*\.[ \t]*"
    r"|(?:Bilagan återger|Exemplen i bilagan är) sådant som kommunerna[^.]*\.[ \t]*"
    r"|Kontakta [^.]*för (?:detaljer|mer information)\.[ \t]*",
)


def strip_template(body: str) -> str:
    """The body without the parts every example shares (what is indexed is its meaning)."""
    body = _BOILERPLATE.sub("", body)
    return _STOCK_SENTENCES.sub("", body) if STRIP_STOCK_SENTENCES else body


def markdown_to_plain(text: str) -> str:
    """Markdown without its markup, good enough for snippets."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^[#>\s]*", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_`~|]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def document_for(entry, lexicon=None) -> dict:
    """The index document of a published entry (its published revision only); `lexicon`:
    the hashed word list to split compounds with (default: the full word list)."""
    from ..places import fold

    rev = entry.published_revision
    county_codes = rev.all_county_codes
    names = [m.name for m in rev.municipalities] + [c.name for c in rev.counties]
    county_names = {c.code: c.name for c in rev.counties}
    for m in rev.municipalities:
        county_names.setdefault(m.county.code, m.county.name)
    tags = " ".join(t.name for t in rev.tags)
    body = strip_template(rev.body)
    plain = markdown_to_plain(body)
    text = " ".join((rev.title, rev.summary, body, tags))
    stems = _SV.terms(text)  # the token texts, without Token objects
    if stems is None:
        stems = [t.text for t in _SV(text)]
    place_text = " ".join(names + [county_names[c] for c in county_codes if county_names[c] not in names])
    return {
        "slug": entry.slug,
        "entry_id": str(entry.id),
        "revision_id": rev.id,
        "parts": " ".join(parts_of(stems, lexicon)),
        "spell": " ".join((rev.title, rev.summary, plain, tags, place_text)),
        "facet_category": [rev.category.slug],
        "facet_county": list(county_codes),
        "facet_municipality": [m.code for m in rev.municipalities],
        "title": rev.title,
        "summary": rev.summary,
        "body": body,
        "plain": plain,
        "tags": tags,
        "places": _GENERIC_PLACE_WORD.sub(" ", place_text),
        "category": rev.category.slug,
        "county": ",".join(county_codes),
        "municipality": ",".join(m.code for m in rev.municipalities),
        "published": entry.published_at or entry.created_at,
        "title_sort": fold(rev.title),
        "data": {
            "category": [rev.category.slug, rev.category.name],
            "counties": [[c, county_names[c]] for c in county_codes],
            "municipalities": [[m.code, m.name] for m in rev.municipalities],
            "explicit_counties": [c.code for c in rev.counties],
            "tags": [t.name for t in rev.tags],
        },
    }
