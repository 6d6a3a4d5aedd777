"""Turning what a person typed into a Whoosh query, and running it with filters and facets.

User input is never handed to Whoosh's query language: words and "quoted phrases"
are analysed with the same Swedish chain as the index and combined here, so
unbalanced quotes, `AND OR`, `*:*`, control characters or 10 000 characters are
just text and can never raise a parser error.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup
from whoosh import highlight, sorting
from whoosh.query import And, Every, NullQuery, Or, Phrase, Term

from ..render import sanitize_snippet
from .analysis import folded_analyzer, swedish_analyzer
from .schema import TEXT_FIELDS

MAX_QUERY_CHARS = 300
MAX_TERMS = 24
SORTS = {"relevans": "relevance", "nyast": "newest", "titel": "title"}
FACETS = ("category", "county", "municipality")

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

    def filters(self, without: str | None = None) -> dict[str, str]:
        return {f: v for f in FACETS if f != without and (v := getattr(self, f))}


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


def clean_query(text: str) -> tuple[str, list[str]]:
    """Strip control characters and bound the length; returns (text, notes for the user)."""
    notes = []
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text or "")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notes.append(f"Sökfrågan kortades till {MAX_QUERY_CHARS} tecken.")
    return text, notes


def _split(text: str) -> tuple[list[str], list[str]]:
    """Quoted phrases and loose words; an unbalanced quote is treated as a space."""
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]+"', " ", text).replace('"', " ")
    return phrases, rest.split()


def _terms(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


def _word_query(word: str):
    stems = _terms(_sv, word)
    folded = _terms(_folded, word)
    subs = []
    for fieldname in TEXT_FIELDS:
        words = folded if fieldname == "places" else stems
        if not words:
            continue
        if len(words) == 1:
            subs.append(Term(fieldname, words[0]))
        else:  # a hyphenated word: all of its parts, in order
            subs.append(Phrase(fieldname, words))
    return Or(subs) if subs else None


def _phrase_query(phrase: str):
    stems = _terms(_sv, phrase)
    folded = _terms(_folded, phrase)
    subs = []
    for fieldname in TEXT_FIELDS:
        words = folded if fieldname == "places" else stems
        if len(words) == 1:
            subs.append(Term(fieldname, words[0]))
        elif words:
            subs.append(Phrase(fieldname, words))
    return Or(subs) if subs else None


def build_query(text: str):
    """The Whoosh query for what a person typed, or None when nothing searchable is left."""
    phrases, words = _split(text)
    parts = [q for q in (_phrase_query(p) for p in phrases) if q is not None]
    seen = set()
    for word in words:
        key = word.casefold()
        if key in seen:
            continue
        seen.add(key)
        q = _word_query(word)
        if q is not None:
            parts.append(q)
    parts = parts[:MAX_TERMS]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    # Any word may match; examples that match more of them rank higher.
    return Or(parts, scale=0.9)


def _filter_query(filters: dict[str, str]):
    terms = [Term(name, value) for name, value in filters.items()]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(terms)


def _facet_counts(searcher, query, filters: dict[str, str], name: str) -> dict[str, int]:
    facet = sorting.FieldFacet(name, allow_overlap=True)
    results = searcher.search(query, limit=None, filter=_filter_query(filters), groupedby={name: facet}, scored=False)
    return {key: len(docs) for key, docs in results.groups(name).items() if key}


def run(index, params: SearchParams) -> SearchResult:
    """Search the index: query + filters, one page of hits, facet counts and snippets."""
    text, notes = clean_query(params.q)
    params.q = text
    query = build_query(text) if text else Every()
    if query is None:
        notes.append("Sökfrågan innehöll bara vanliga småord; alla exempel visas.")
        query = Every()
    searcher = index.searcher()
    filters = params.filters()

    sortedby, reverse = None, False
    if params.sort == "newest":
        sortedby, reverse = "published", True
    elif params.sort == "title" or isinstance(query, Every):
        sortedby = "title_sort"
        if params.sort == "newest":
            sortedby, reverse = "published", True

    page = searcher.search_page(
        query, params.page, pagelen=params.per_page, filter=_filter_query(filters),
        sortedby=sortedby, reverse=reverse, terms=True,
    )
    # Whoosh's len() of a limited, filtered result ignores the filter; count exactly.
    total = searcher.search(query, limit=None, filter=_filter_query(filters), scored=False).scored_length()
    if params.page > 1 and (params.page - 1) * params.per_page >= total:
        page = None  # past the last page: an empty page, not an error

    # Each facet is counted with the other filters applied but not its own, so
    # choosing a county still shows how many examples each category has there.
    facets = {name: _facet_counts(searcher, query, params.filters(without=name), name) for name in FACETS}

    hits = []
    if page is not None:
        fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        page.results.fragmenter = fragmenter
        page.results.formatter = formatter
        for hit in page:
            data = hit["data"]
            snippet = ""
            if not isinstance(query, Every):
                try:
                    snippet = hit.highlights("body", text=hit["plain"], top=2)
                except Exception:  # a snippet is a nicety; never fail a search for it
                    snippet = ""
            hits.append(
                Hit(
                    slug=hit["slug"],
                    title=hit["title"],
                    summary=hit["summary"],
                    highlight=sanitize_snippet(snippet),
                    category=tuple(data["category"]),
                    counties=[tuple(c) for c in data["counties"]],
                    municipalities=[tuple(m) for m in data["municipalities"]],
                    published=hit["published"],
                )
            )
    return SearchResult(params=params, total=total, hits=hits, facets=facets, notes=notes)


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


def _hit_from(hit) -> Hit:
    data = hit["data"]
    return Hit(
        slug=hit["slug"], title=hit["title"], summary=hit["summary"], highlight=Markup(""),
        category=tuple(data["category"]), counties=[tuple(c) for c in data["counties"]],
        municipalities=[tuple(m) for m in data["municipalities"]], published=hit["published"],
    )


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
