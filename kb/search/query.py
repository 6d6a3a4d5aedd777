"""Turning what a person typed into a Whoosh query, and running it with filters and facets.

User input is never handed to Whoosh's query language: words and "quoted phrases"
are analysed with the same Swedish chain as the index and combined here, so
unbalanced quotes, `AND OR`, `*:*`, control characters or 10 000 characters are
just text and can never raise a parser error.

What a query becomes:
* place names (Borås, Dalarna) are matched against the official list, not stemmed:
  they become a ranking boost and a suggested filter, never a required word;
* abbreviations and synonyms (ABO, sfi, ÖK …) are expanded from the synonym table;
* every other word is searched, stemmed, in title, tags, summary, body and places,
  and in the low-weight compound parts (`bolag` finds bostadsbolag);
* examples matching more of the words rank higher (any word may match).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup
from whoosh import highlight
from whoosh.query import And, Every, FuzzyTerm, NullQuery, Or, Phrase, Term

from .. import places as places_module
from ..render import sanitize_snippet
from . import synonyms as synonyms_module
from .analysis import folded_analyzer, swedish_analyzer
from .schema import FACET_COLUMNS, TEXT_FIELDS

MAX_QUERY_CHARS = 300
MAX_TERMS = 24
SORTS = {"relevans": "relevance", "nyast": "newest", "titel": "title"}
FACETS = ("category", "county", "municipality")
SYNONYM_BOOST = 0.7  # a synonym's match counts a little less than the word typed
PLACE_BOOST = {"municipality": 3.0, "county": 2.0}
FEW_RESULTS = 2  # below this many hits, a fuzzy retry is tried

_sv = swedish_analyzer()
_folded = folded_analyzer()


@dataclass
class SearchParams:
    """Validated search input."""

    q: str = ""
    category: str | None = None
    county: str | None = None
    municipality: str | None = None
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    verified_within: int | None = None  # months; the caller resolves it to only_slugs
    only_slugs: frozenset[str] | None = None  # restrict results to these examples (None: no restriction)

    def filters(self, without: str | None = None) -> dict[str, str]:
        return {f: v for f, v in ((f, getattr(self, f)) for f in FACETS) if f != without and v}


@dataclass
class Hit:
    slug: str
    title: str
    summary: str
    highlight: Markup
    category: tuple[str, str]
    counties: list[tuple[str, str]]
    municipalities: list[tuple[str, str]]
    published: object


@dataclass
class SearchResult:
    params: SearchParams
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    places: list[places_module.Place] = field(default_factory=list)
    suggestion: str | None = None
    fuzzy: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


@dataclass
class ParsedQuery:
    query: object | None
    places: list[places_module.Place] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # loose words a typo could be in


def clean_query(text: str) -> tuple[str, list[str]]:
    """Strip control characters and bound the length; returns (text, notes for the user)."""
    notes = []
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text or "")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notes.append(f"Sökfrågan kortades till {MAX_QUERY_CHARS} tecken.")
    return text, notes


def _terms(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


def _fields_query(stems: list[str], folded: list[str], boost: float = 1.0):
    """One word (or an adjacent sequence) in every text field, plus compound parts."""
    subs = []
    for fieldname in TEXT_FIELDS:
        if fieldname == "parts":
            subs += [Term("parts", s) for s in stems[:1]] if len(stems) == 1 else []
            continue
        words = folded if fieldname == "places" else stems
        if len(words) == 1:
            subs.append(Term(fieldname, words[0]))
        elif words:
            subs.append(Phrase(fieldname, words))
    if not subs:
        return None
    return Or(subs, boost=boost)


def text_query(text: str, boost: float = 1.0):
    """A word or phrase as it is written (stemmed, all fields)."""
    return _fields_query(_terms(_sv, text), _terms(_folded, text), boost)


# ----------------------------------------------------------------- places in the query

_PLACE_CONTEXT_BEFORE = {"i", "fran", "inom", "runt"}
_PLACE_CONTEXT_AFTER = {"kommun", "kommuns", "lan", "lans"}


def _extract_places(text: str, ambiguous: frozenset[str]) -> tuple[list[places_module.Place], str]:
    """Official places named in the text, and the text without them.

    A place name that is also an ordinary word (Mark, Vara, Lund) counts as a place
    only when written with a capital letter or next to i/från/kommun/län.
    """
    tokens = text.split()
    folded = [places_module.fold(t.strip(".,;:!?()")) for t in tokens]
    used = [False] * len(tokens)
    found: dict[str, places_module.Place] = {}
    index = places_module.alias_index()
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            if any(used[i:i + size]):
                continue
            alias = " ".join(folded[i:i + size])
            if len(alias) < 3:
                continue
            place = index["municipality"].get(alias) or index["county"].get(alias)
            if place is None:
                continue
            if alias in ambiguous:
                capital = tokens[i][:1].isupper()
                before = i > 0 and folded[i - 1] in _PLACE_CONTEXT_BEFORE
                after = i + size < len(tokens) and folded[i + size] in _PLACE_CONTEXT_AFTER
                if not (capital or before or after):
                    continue
            found.setdefault(place.code, place)
            for j in range(i, i + size):
                used[j] = True
    rest = " ".join(t for t, u in zip(tokens, used, strict=True) if not u)
    rest = re.sub(r"(?i)(^|\s)(i|från|inom|kommun|län)(?=\s|$)", " ", rest) if found else rest
    return list(found.values()), " ".join(rest.split())


def _place_query(place: places_module.Place):
    kind = "municipality" if place.kind == "municipality" else "county"
    return Or([Term(kind, place.code), Term("places", places_module.fold(place.name).split()[0])], boost=PLACE_BOOST[kind])


# ----------------------------------------------------------------- building


def parse(text: str, table: synonyms_module.SynonymTable | None = None,
          ambiguous: frozenset[str] = frozenset()) -> ParsedQuery:
    """Build the query for `text` (already cleaned)."""
    table = table or synonyms_module.SynonymTable()
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]+"', " ", text).replace('"', " ")
    found_places, rest = _extract_places(rest, ambiguous)

    units = [q for q in (text_query(p) for p in phrases) if q is not None]
    loose: list[str] = []
    words = rest.split()
    keys = [synonyms_module.key(w) for w in words]
    i, seen = 0, set()
    while i < len(words):
        matched = False
        for size in range(min(table.longest, len(words) - i), 0, -1):
            stems = tuple(s for k in keys[i:i + size] for s in k)
            if not stems or stems not in table.index:
                continue
            typed = " ".join(words[i:i + size])
            group = [text_query(typed)] + [text_query(alt, SYNONYM_BOOST) for alt in table.alternatives(stems)]
            units.append(Or([q for q in group if q is not None]))
            i += size
            matched = True
            break
        if matched:
            continue
        word = words[i]
        i += 1
        if not keys[i - 1] or word.casefold() in seen:
            continue
        seen.add(word.casefold())
        q = text_query(word)
        if q is not None:
            units.append(q)
            loose.append(word)
    units = units[:MAX_TERMS] + [_place_query(p) for p in found_places]
    if not units:
        return ParsedQuery(None, found_places, loose)
    query = units[0] if len(units) == 1 else Or(units, scale=0.9)
    return ParsedQuery(query, found_places, loose)


def build_query(text: str):
    """The query for `text` without synonyms or place detection (used for similarity)."""
    return parse(text).query


def _filter_query(filters: dict[str, str], only: frozenset[str] | None = None):
    terms = [Term(name, value) for name, value in filters.items()]
    if only is not None:
        terms.append(Or([Term("slug", slug) for slug in sorted(only)]) if only else NullQuery)
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(terms)


# ----------------------------------------------------------------- spelling


def _known(reader, word: str) -> bool:
    folded = _terms(_folded, word)
    stems = _terms(_sv, word)
    if not folded:
        return True
    return all(reader.doc_frequency("spell", f) > 0 for f in folded) or any(
        reader.doc_frequency(fieldname, s) > 0 for s in stems for fieldname in ("title", "body", "parts")
    )


def suggest_spelling(searcher, text: str, words: list[str]) -> str | None:
    """'Menade du …?': the query with unknown words replaced by the closest indexed word."""
    reader = searcher.reader()
    corrector = searcher.corrector("spell")
    corrected = text
    changed = False
    for word in words:
        if _known(reader, word):
            continue
        folded = " ".join(_terms(_folded, word))
        if not folded or " " in folded:
            continue
        maxdist = 2 if len(folded) >= 7 else 1
        candidates = corrector.suggest(folded, limit=1, maxdist=maxdist, prefix=1)
        if candidates and candidates[0] != folded:
            surface = _surface_form(searcher, candidates[0])
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", surface, corrected, count=1)
            changed = True
    return corrected if changed else None


def _surface_form(searcher, folded: str) -> str:
    """The word as the examples write it (with å, ä, ö) for a folded dictionary word."""
    for hit in searcher.search(Term("spell", folded), limit=3):
        for text in (hit["title"], hit["summary"], hit["plain"]):
            for word in re.findall(r"\w+", text):
                if places_module.fold(word) == folded:
                    return word.lower() if not word.isupper() else word
    return folded


def _fuzzy_query(words: list[str]):
    subs = []
    for word in words:
        for folded in _terms(_folded, word):
            if len(folded) >= 4:
                subs.append(FuzzyTerm("spell", folded, maxdist=2 if len(folded) >= 7 else 1, prefixlength=1))
    return Or(subs) if subs else None


# ----------------------------------------------------------------- running


class _Matches:
    """The documents matching one query under each combination of filters, computed once each.

    The total and the three facets (each counted without its own filter) often need the
    same set, e.g. all four when nothing is filtered."""

    def __init__(self, searcher, query, only: frozenset[str] | None = None):
        self.searcher, self.query, self._sets, self.only = searcher, query, {}, only

    def docs(self, filters: dict[str, str]):
        key = tuple(sorted(filters.items()))
        if key not in self._sets:
            results = self.searcher.search(self.query, limit=None, filter=_filter_query(filters, self.only), scored=False)
            self._sets[key] = list(results.docs())
        return self._sets[key]

    def total(self, filters: dict[str, str]) -> int:
        # Whoosh's len() of a limited, filtered result ignores the filter; count exactly.
        return len(self.docs(filters))

    def facet(self, filters: dict[str, str], name: str) -> dict[str, int]:
        """Counts of one facet's values among matches, read from its list column."""
        column = self.searcher.reader().column_reader(FACET_COLUMNS[name])
        counts: dict[str, int] = {}
        for docnum in self.docs(filters):
            for value in column[docnum] or ():
                counts[value] = counts.get(value, 0) + 1
        return counts


def run(index, params: SearchParams, table: synonyms_module.SynonymTable | None = None) -> SearchResult:
    """Search the index: query + filters, one page of hits, facets, snippets, spelling help."""
    text, notes = clean_query(params.q)
    params.q = text
    searcher = index.searcher()
    parsed = parse(text, table or synonyms_module.current(), index.ambiguous_places()) if text else ParsedQuery(Every())
    query = parsed.query
    if query is None:
        notes.append("Sökfrågan innehöll bara vanliga småord; alla exempel visas.")
        query = Every()
    filters = params.filters()
    matches = _Matches(searcher, query, params.only_slugs)
    total = matches.total(filters)

    suggestion, fuzzy = None, False
    if parsed.words:
        suggestion = suggest_spelling(searcher, text, parsed.words)
        if total < FEW_RESULTS:
            retry = _fuzzy_query(parsed.words)
            if retry is not None:
                retry = Or([query, retry]) if not isinstance(query, Every) else retry
                retried = _Matches(searcher, retry, params.only_slugs)
                if retried.total(filters) > total:
                    query, matches, total, fuzzy = retry, retried, retried.total(filters), True

    sortedby, reverse = None, False
    if params.sort == "newest":
        sortedby, reverse = "published", True
    elif params.sort == "title" or isinstance(query, Every):
        sortedby = "title_sort"

    hits = []
    if (params.page - 1) * params.per_page < total:
        page = searcher.search_page(
            query, params.page, pagelen=params.per_page, filter=_filter_query(filters, params.only_slugs),
            sortedby=sortedby, reverse=reverse, terms=True,
        )
        page.results.fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        page.results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        for hit in page:
            snippet = ""
            if not isinstance(query, Every):
                try:
                    snippet = hit.highlights("body", text=hit["plain"], top=2)
                except Exception:  # a snippet is a nicety; never fail a search for it
                    snippet = ""
            hits.append(_hit_from(hit, sanitize_snippet(snippet)))

    # Each facet is counted with the other filters applied but not its own, so
    # choosing a county still shows how many examples each category has there.
    facets = {name: matches.facet(params.filters(without=name), name) for name in FACETS}
    return SearchResult(
        params=params, total=total, hits=hits, facets=facets, notes=notes,
        places=parsed.places, suggestion=suggestion, fuzzy=fuzzy,
    )


def _hit_from(hit, snippet: Markup | None = None) -> Hit:
    data = hit["data"]
    return Hit(
        slug=hit["slug"], title=hit["title"], summary=hit["summary"], highlight=snippet or Markup(""),
        category=tuple(data["category"]), counties=[tuple(c) for c in data["counties"]],
        municipalities=[tuple(m) for m in data["municipalities"]], published=hit["published"],
    )


def related(index, slug: str, limit: int = 4) -> list[Hit]:
    """Examples most like this one by their wording (more-like-this over the body and title)."""
    searcher = index.searcher()
    docnum = searcher.document_number(slug=slug)
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    text = f"{stored['title']} {stored['summary']} {stored['plain']}"
    results = searcher.more_like(docnum, "body", text=text, top=limit, numterms=25)
    return [_hit_from(hit) for hit in results]


def similar_to_text(index, text: str, limit: int = 3) -> list[Hit]:
    """Published examples that look like a text being written (title + summary), best first."""
    cleaned, _notes = clean_query(text)
    query = build_query(cleaned) if cleaned else None
    if query is None:
        return []
    results = index.searcher().search(query, limit=limit)
    if not results:
        return []
    top = results[0].score
    return [_hit_from(hit) for hit in results if hit.score >= 0.4 * top]
