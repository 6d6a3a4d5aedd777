"""Turning what a person typed into scored units, and running them with filters and facets.

User input is never handed to Whoosh's query language: words and "quoted phrases"
are analysed with the same Swedish chain as the index and combined here, so
unbalanced quotes, `AND OR`, `*:*`, control characters or 10 000 characters are
just text and can never raise a parser error.

What a query becomes (units, scored in `scoring.py`):
* place names (Borås, Dalarna) are matched against the official list, not stemmed:
  they become a ranking boost and a suggested filter, never a required word; a
  municipality without examples falls back to its county, and `notes` says so;
* abbreviations and synonyms (ABO, sfi, ÖK …) are expanded from the synonym table:
  the group is one unit (one IDF, frequencies saturated once);
* every other word is searched, stemmed, in title, tags, summary, body and places,
  and in the low-weight compound parts (`bolag` finds bostadsbolag); a compound the
  person typed is also searched by its parts at low weight;
* a word no example holds is split into its compound parts with the same splitter as
  the index (`evakueringsboende` → evakuering + boende, `notes` says so) or, failing
  that, widened to close spellings of indexed words (and gets a "did you mean");
* words that frame a question (hur får vi, vår, själva) count at a fraction;
* every match is scored; examples matching more of the units get an explicit bonus.
"""
from __future__ import annotations

import logging
import math
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup
from whoosh.query import Or, Term

from .. import places as places_module
from ..render import sanitize_snippet
from . import arrays as arrays_module
from . import cache as cache_module
from . import compounds
from . import synonyms as synonyms_module
from .analysis import folded_analyzer, swedish_analyzer
from .scoring import Alt, OverBudget, Scorer, Unit
from .snippets import snippet

MAX_QUERY_CHARS = 300
# Related examples are a nicety on an example page: past this, the page shows none.
RELATED_BUDGET_SECONDS = 1.0
log = logging.getLogger(__name__)
MAX_TERMS = 24
SORTS = {"relevans": "relevance", "nyast": "newest", "titel": "title"}
FACETS = ("category", "county", "municipality")
WINDOW = 500  # matches kept in order with a result (proximity re-ranks these; nearby.RERANK_WINDOW)
SYNONYM_BOOST = 0.7  # a synonym's match counts a little less than the word typed
PLACE_BOOST = {"municipality": 1.0, "county": 0.7}  # a third of a strong topic word: a boost, not the topic
PART_WEIGHT = 0.6  # each part of an unknown compound the person typed
KNOWN_PART_WEIGHT = 0.3  # each part of a known compound: reorders the matches, adds none
FUZZY_WEIGHT = 0.8  # a close spelling of an unknown word
FUZZY_CANDIDATES = 3  # close spellings tried per unknown word
# Words that frame a question rather than name its topic ("hur får vi …", "vad gör …",
# "själva", "samma"): inflections of stop words, which slip past the stop list because
# it is applied before stemming, and the verbs and quantifiers questions are built with.
# They still count, at a fraction of a topic word's weight.
QUESTION_WORDS = (
    "få", "får", "fick", "fått", "göra", "gör", "gjorde", "gjort", "ta", "tar", "tog", "tagit", "finns", "fanns",
    "behöva", "behöver", "kunna", "ska", "skall", "bör", "borde", "vill", "ville", "måste", "fler", "flera", "flest",
    "många", "mer", "mest", "vår", "våra", "vårt", "själv", "själva", "samma", "andra", "annan", "annat", "egen",
    "egna", "eget", "bra", "sätt", "olika", "hela", "helt", "går", "gå", "kommer", "komma",
    "man",  # the pronoun ("hur får man …"); "god man" is a phrase in the synonym table
)
QUESTION_WEIGHT = 0.3

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
    empty_places: set[str] = field(default_factory=set)  # named places with no examples (no filter offered)
    nearby: object | None = None  # kb.search.nearby.Nearby when proximity re-ordered the results
    # The first WINDOW matches in the order shown (document numbers of the index state the
    # result was computed on) and the words to highlight: nearby.rank_near re-orders those
    # without searching again.
    window: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32), repr=False, compare=False)
    terms: frozenset[str] = frozenset()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


@dataclass
class ParsedQuery:
    units: list[Unit]
    places: list[places_module.Place] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # loose words a typo could be in


def clean_query(text: str) -> tuple[str, list[str]]:
    """Strip control characters and bound the length; returns (text, notes for the user)."""
    notes = []
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text or "")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notes.append(_l("Sökfrågan kortades till %(n)s tecken.", n=MAX_QUERY_CHARS))
    return text, notes


def _terms(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


@cache
def _question_stems() -> frozenset[str]:
    return frozenset(s for w in QUESTION_WORDS for s in _terms(_sv, w))


def alt_for(text: str, weight: float = 1.0) -> Alt | None:
    """A word or phrase as it is written: stemmed for the text fields, folded for place names."""
    stems = tuple(_terms(_sv, text))
    if not stems:
        return None
    return Alt(stems=stems, folded=tuple(_terms(_folded, text)), weight=weight)


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


def _place_unit(place: places_module.Place) -> Unit:
    kind = "municipality" if place.kind == "municipality" else "county"
    # A boost, not a required word: it does not count for the coordination bonus either.
    return Unit([Alt(exact=((kind, place.code),))], weight=PLACE_BOOST[kind], label=place.name, kind="place",
                coordinated=False)


# ----------------------------------------------------------------- building


def parse(text: str, table: synonyms_module.SynonymTable | None = None,
          ambiguous: frozenset[str] = frozenset()) -> ParsedQuery:
    """The units of `text` (already cleaned): phrases, synonym groups, words, places."""
    table = table or synonyms_module.SynonymTable()
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]+"', " ", text).replace('"', " ")
    found_places, rest = _extract_places(rest, ambiguous)

    units = [Unit([a], label=p, kind="phrase") for p in phrases if (a := alt_for(p)) is not None]
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
            alts = [alt_for(typed)] + [alt_for(alt, SYNONYM_BOOST) for alt in table.alternatives(stems)]
            units.append(Unit([a for a in alts if a is not None], label=typed, kind="synonym"))
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
        alt = alt_for(word)
        if alt is not None:
            weight = QUESTION_WEIGHT if alt.stems[0] in _question_stems() and len(alt.stems) == 1 else 1.0
            units.append(Unit([alt], weight=weight, label=word, kind="word"))
            loose.append(word)
    units = units[:MAX_TERMS] + [_place_unit(p) for p in found_places]
    return ParsedQuery(units, found_places, loose)


# ----------------------------------------------------------------- spelling

# Fixed expressions whose short words must not be "corrected" ("få tag på" → "ta på").
COMMON_PHRASES = (
    "få tag på", "ta del av", "ta hand om", "ta emot", "tar emot", "tog emot", "tagit emot", "ta reda på",
    "se till", "till exempel", "i stället för", "hålla koll på", "ha koll på", "på grund av", "när det gäller",
    "ta fram", "ta tillvara", "komma igång", "komma i gång", "hålla igång", "över huvud taget",
)
MIN_SUGGEST = 4  # words of three letters or fewer get no spelling suggestion


def _in_common_phrase(text: str, word: str) -> bool:
    folded_text = f" {places_module.fold(text)} "
    target = places_module.fold(word)
    for phrase in COMMON_PHRASES:
        folded = places_module.fold(phrase)
        if f" {folded} " in folded_text and target in folded.split():
            return True
    return False


def suggest_spelling(searcher, text: str, words: list[str]) -> str | None:
    """'Menade du …?': the query with the given unknown words replaced by the closest indexed word."""
    corrector = searcher.corrector("spell")
    corrected = text
    changed = False
    for word in words:
        folded = " ".join(_terms(_folded, word))
        if len(folded) < MIN_SUGGEST or " " in folded or _in_common_phrase(text, word):
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
    for docnum in list(searcher.reader().postings("spell", folded).all_ids())[:3]:
        stored = searcher.stored_fields(docnum)
        for text in (stored["title"], stored["summary"], stored["plain"]):
            for word in re.findall(r"\w+", text):
                if places_module.fold(word) == folded:
                    return word.lower() if not word.isupper() else word
    return folded


def _close_spellings(reader, word: str) -> list[str]:
    """Indexed spellings within edit distance 1-2 of an unknown word, most frequent first."""
    out = []
    for folded in _terms(_folded, word):
        if len(folded) < MIN_SUGGEST:
            continue
        maxdist = 2 if len(folded) >= 7 else 1
        found = [t for t in reader.terms_within("spell", folded, maxdist, prefix=1) if t != folded]
        found.sort(key=lambda t: (-reader.doc_frequency("spell", t), t))
        out.extend(found[:FUZZY_CANDIDATES])
    return out


# ----------------------------------------------------------------- understanding


@dataclass
class Understood:
    """What a query became once checked against the index: the units to score and what
    to tell the person (notes, places, a spelling suggestion, whether spellings were widened)."""

    units: list[Unit]
    places: list[places_module.Place]
    notes: list[str]
    suggestion: str | None = None
    fuzzy: bool = False
    empty_places: set[str] = field(default_factory=set)


def _generation_dir(index) -> Path:
    return Path(os.path.realpath(index.live))


def _quote_list(items: list[str]) -> str:
    quoted = [f"”{i}”" for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " " + _("och") + " " + quoted[-1]


def _part_surfaces(word: str, parts: tuple[str, ...]) -> list[str]:
    """The parts as they are written in the word (evakueringsboende → evakuering, boende)."""
    folded = places_module.fold(word)
    starts = []
    pos = 0
    for part in parts:
        at = folded.find(part, pos)
        if at < 0:
            return list(parts)
        starts.append(at)
        pos = at + len(part)
    out = []
    for n, at in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(word)
        piece = word[at:end].lower()
        if n + 1 < len(starts) and piece.endswith("s") and not parts[n].endswith("s"):
            piece = piece[:-1]  # the linking s: evakuering-s-boende
        out.append(piece)
    return out


def understand(index, scorer: Scorer, parsed: ParsedQuery, text: str) -> Understood:
    """Check the parsed query against the index: places without examples fall back to
    their county, unknown words are split into compound parts (lower weight) or widened
    to close spellings; only unknown words get a spelling suggestion."""
    units, places, notes, empty = [], list(parsed.places), [], set()
    for unit in parsed.units:
        if unit.kind != "place":
            continue
        kind, code = unit.alts[0].exact[0]
        if kind != "municipality" or scorer.postings("municipality", (code,)):
            continue
        municipality = next(p for p in parsed.places if p.code == code)
        county = next((c for c in places_module.counties() if c.code == municipality.county_code), None)
        if county is None:
            continue
        empty.add(code)
        unit.alts = [Alt(exact=(("county", county.code),))]
        unit.weight = PLACE_BOOST["county"]
        if county not in places:
            places.append(county)
        notes.append(_l("%(municipality)s har inga exempel ännu. Visar exempel från %(county)s.",
                        municipality=municipality.name, county=county.name))

    unknown: list[str] = []
    fuzzy = False
    lexicon = None
    for unit in parsed.units:
        alt = unit.alts[0] if unit.alts else None
        if unit.kind != "word" or alt is None or scorer.known(alt.stems, alt.folded):
            units.append(unit)
            if KNOWN_PART_WEIGHT and unit.kind == "word" and alt is not None and len(alt.stems) == 1:
                lexicon = lexicon or compounds.query_lexicon(_generation_dir(index))
                for part in compounds.split(alt.stems[0], lexicon):
                    units.append(Unit([Alt(stems=(part,))], weight=KNOWN_PART_WEIGHT * unit.weight,
                                      label=unit.label, kind="part", coordinated=False, matches=False))
            continue
        parts: tuple[str, ...] = ()
        if len(alt.stems) == 1:
            lexicon = lexicon or compounds.query_lexicon(_generation_dir(index))
            parts = compounds.split(alt.stems[0], lexicon)
        found = [p for p in parts if scorer.known((p,), ())]
        if found:
            for part in parts:
                units.append(Unit([Alt(stems=(part,))], weight=PART_WEIGHT, label=unit.label, kind="part"))
            notes.append(_l(
                "Ordet ”%(word)s” finns inte i exemplen. Det delades upp och vi sökte på delarna %(parts)s.",
                word=unit.label, parts=LazyString(_quote_list, _part_surfaces(unit.label, parts)),
            ))
            continue
        unknown.append(unit.label)
        spellings = _close_spellings(scorer.reader, unit.label)
        for spelling in spellings:
            close = alt_for(spelling, FUZZY_WEIGHT)
            if close is not None and close.stems != alt.stems:
                unit.alts.append(close)
                fuzzy = True
        units.append(unit)
    suggestion = suggest_spelling(scorer.searcher, text, unknown) if unknown else None
    return Understood(units, places, notes, suggestion, fuzzy, empty)


# ----------------------------------------------------------------- running


class _Matches:
    """The matching documents under each combination of filters, as boolean masks by
    document number (kb/search/arrays.py): a filter is a mask built once per index
    state and value, a total a count, a facet one numpy bincount over (document, value)
    pairs; the total and the three facets often need the same set, computed once."""

    def __init__(self, searcher, state, matched: np.ndarray | None, only: frozenset[str] | None = None):
        self.searcher = searcher
        self.state = state
        # `matched`: the matching documents' mask; None: every live document matches (no query).
        self.base = state.live if matched is None else matched
        self._sets: dict[tuple, np.ndarray] = {}
        # `only`: restrict to these slugs (e.g. examples checked recently); None: no restriction.
        self.only = None
        if only is not None:
            self.only = np.zeros(state.n, dtype=bool)
            if only:
                found = list(searcher.docs_for_query(Or([Term("slug", slug) for slug in sorted(only)])))
                self.only[np.array(found, dtype=np.int64)] = True

    def mask(self, filters: dict[str, str]) -> np.ndarray:
        key = tuple(sorted(filters.items()))
        found = self._sets.get(key)
        if found is None:
            found = self.base
            allowed = self.state.filter_mask(filters)
            if allowed is not None:
                found = found & allowed
            if self.only is not None:
                found = found & self.only
            self._sets[key] = found
        return found

    def docs(self, filters: dict[str, str]) -> np.ndarray:
        """The matching document numbers under `filters`, ascending."""
        return np.flatnonzero(self.mask(filters))

    def total(self, filters: dict[str, str]) -> int:
        return int(np.count_nonzero(self.mask(filters)))

    def facet(self, filters: dict[str, str], name: str) -> dict[str, int]:
        """Counts of one facet's values among matches."""
        return self.state.facets[name].count(self.mask(filters))


def order(state, docs: np.ndarray, scores: np.ndarray | None, sort: str) -> np.ndarray:
    """Document numbers in the order shown: score (ties by title), newest first, or by
    title; `scores` by document number. Equal keys keep document number order."""
    titles = state.title_rank[docs]
    if sort == "newest":
        keys = (titles, -state.timestamps[docs])
    elif sort == "title" or scores is None:
        keys = (titles,)
    else:
        keys = (titles, -scores[docs])
    return docs[np.lexsort(keys)]


def rank(searcher, docs, scores: dict[int, float] | None, sort: str) -> list[int]:
    """Documents in the order shown: score (ties by title), newest first, or by title."""
    state = arrays_module.for_searcher(searcher)
    docs = np.fromiter(docs, dtype=np.int64)
    dense = None
    if scores is not None:
        dense = np.zeros(state.n, dtype=np.float64)
        if scores:
            dense[np.fromiter(scores.keys(), dtype=np.int64)] = np.fromiter(scores.values(), dtype=np.float64)
    return order(state, docs, dense, sort).tolist()


def _highlight_terms(units: list[Unit]) -> frozenset[str]:
    return frozenset(s for u in units for a in u.alts for s in a.stems)


def run(index, params: SearchParams, table: synonyms_module.SynonymTable | None = None) -> SearchResult:
    """Search the index: query + filters, one page of hits, facets, snippets, spelling help.

    A repeated search on the same index state and synonyms is a cache lookup (kb/search/cache.py)."""
    caches = getattr(index, "caches", None) if table is None else None
    if caches is None:
        return _run(index, params, table or synonyms_module.SynonymTable())
    catalog = caches.catalog()
    key = cache_module.results_key(index, params, catalog, clean_query(params.q)[0])
    found = caches.get(key)
    if found is not None:
        params.q = found.params.q
        return found
    result = _run(index, params, catalog.synonyms)
    caches.put(key, result)
    return result


def _run(index, params: SearchParams, table: synonyms_module.SynonymTable) -> SearchResult:
    text, notes = clean_query(params.q)
    params.q = text
    searcher = index.searcher()
    scorer = Scorer(searcher)
    parsed = parse(text, table, index.ambiguous_places()) if text else ParsedQuery([])
    understood = understand(index, scorer, parsed, text)
    notes += understood.notes
    if text and not understood.units:
        notes.append(_l("Sökfrågan innehöll bara vanliga småord; alla exempel visas."))
    scores = matched = None
    if understood.units:
        docnums, scores = scorer.score_arrays(understood.units)
        matched = np.zeros(scorer.state.n, dtype=bool)
        matched[docnums] = True
    filters = params.filters()
    matches = _Matches(searcher, scorer.state, matched, params.only_slugs)
    docs = matches.docs(filters)
    total = len(docs)

    hits = []
    start = (params.page - 1) * params.per_page
    terms = _highlight_terms(understood.units)
    window = np.zeros(0, dtype=np.int32)
    if total:
        ordered = order(scorer.state, docs, scores, params.sort)
        window = ordered[:max(WINDOW, start + params.per_page)].astype(np.int32)
        if start < total:
            hits = hits_for(searcher, ordered[start:start + params.per_page].tolist(), terms)

    # Each facet is counted with the other filters applied but not its own, so
    # choosing a county still shows how many examples each category has there.
    facets = {name: matches.facet(params.filters(without=name), name) for name in FACETS}
    return SearchResult(
        params=params, total=total, hits=hits, facets=facets, notes=notes,
        places=understood.places, suggestion=understood.suggestion, fuzzy=understood.fuzzy,
        empty_places=understood.empty_places, window=window, terms=terms,
    )


def hits_for(searcher, docnums: list[int], terms: frozenset[str]) -> list[Hit]:
    """Result-list entries of these documents, with highlighted snippets of `terms`."""
    hits = []
    for docnum in docnums:
        stored = searcher.stored_fields(docnum)
        html = ""
        if terms:
            try:  # kb/search/snippets.py: Whoosh's highlighter without re-analysing each body
                html = snippet(stored["plain"], terms, maxchars=220, surround=60, top=2)
            except Exception:  # a snippet is a nicety; never fail a search for it
                html = ""
        hits.append(_hit_from(stored, sanitize_snippet(html)))
    return hits


def _hit_from(stored, snippet: Markup | None = None) -> Hit:
    data = stored["data"]
    return Hit(
        slug=stored["slug"], title=stored["title"], summary=stored["summary"], highlight=snippet or Markup(""),
        category=tuple(data["category"]), counties=[tuple(c) for c in data["counties"]],
        municipalities=[tuple(m) for m in data["municipalities"]], published=stored["published"],
    )


# ----------------------------------------------------------------- similar examples

RELATED_TERMS = 25  # the most distinctive words of an example describe it


def related_units(scorer: Scorer, text: str) -> list[Unit]:
    """The words that best describe a text: (1 + log tf) × IDF, top RELATED_TERMS, as units."""
    counts: dict[str, int] = {}
    for stem in _terms(_sv, text):
        if len(stem) >= 3 and not stem.isdigit():
            counts[stem] = counts.get(stem, 0) + 1
    # Reading every word's postings for its exact rarity was nearly all of the time (an
    # example has ~100 distinct words). Bounds from the term dictionary rule most words
    # out first: a word whose best possible weight is below the RELATED_TERMS-th best
    # guaranteed weight cannot be among the top; only the others get an exact IDF.
    bounded = []
    for stem, tf in counts.items():
        least, most = scorer.df_bounds(Alt(stems=(stem,)))
        if most:
            boost = 1 + math.log(tf)
            low = boost * scorer.idf(most) if least else 0.0  # least 0: perhaps only in deleted documents
            bounded.append((low, boost * scorer.idf(max(least, 1)), stem, tf))
    lows = sorted((low for low, _high, _stem, _tf in bounded), reverse=True)
    threshold = lows[RELATED_TERMS - 1] if len(lows) >= RELATED_TERMS else 0.0
    weighted = []
    for _low, high, stem, tf in bounded:
        if high < threshold:
            continue
        idf = scorer.idf(scorer.df(Alt(stems=(stem,))))
        if idf > 0:
            weighted.append(((1 + math.log(tf)) * idf, stem))
    weighted.sort(key=lambda x: (-x[0], x[1]))
    top = weighted[:RELATED_TERMS]
    if not top:
        return []
    biggest = top[0][0]
    return [Unit([Alt(stems=(stem,))], weight=w / biggest, label=stem, kind="related") for w, stem in top]


def related(index, slug: str, limit: int = 4) -> list[Hit]:
    """Examples most like this one by their wording: its most distinctive words, scored
    over every other example like a search (bounded: at most RELATED_TERMS words)."""
    searcher = index.searcher()
    docnum = searcher.document_number(slug=slug)
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    scorer = Scorer(searcher, deadline=time.monotonic() + RELATED_BUDGET_SECONDS)
    try:
        units = related_units(scorer, f"{stored['title']} {stored['summary']} {stored['plain']}")
        scores = scorer.score(units, exclude=frozenset({docnum}))
    except OverBudget:
        log.warning("related examples of %r over their %.1f s budget; none shown", slug, RELATED_BUDGET_SECONDS)
        return []
    ordered = rank(searcher, list(scores), scores, "relevance")[:limit]
    return [_hit_from(searcher.stored_fields(d)) for d in ordered]


def similar_to_text(index, text: str, limit: int = 3) -> list[Hit]:
    """Published examples that look like a text being written (title + summary), best first."""
    cleaned, _notes = clean_query(text)
    units = parse(cleaned).units if cleaned else []
    if not units:
        return []
    searcher = index.searcher()
    scores = Scorer(searcher).score(units)
    if not scores:
        return []
    ordered = rank(searcher, list(scores), scores, "relevance")[:limit]
    top = scores[ordered[0]]
    return [_hit_from(searcher.stored_fields(d)) for d in ordered if scores[d] >= 0.4 * top]
