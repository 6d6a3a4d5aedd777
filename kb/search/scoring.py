"""Scoring: BM25F over one combined, weighted field, with word rarity counted per example.

Whoosh serves as the inverted index (postings, field lengths); the score of every
matching example is computed here, for all of them, before anything is cut to a page.
So the page shows exactly the top of exhaustive scoring, whatever the segment layout
(Whoosh's own top-k shortcuts, its coordination matcher and per-field IDF are not used;
see README "Search quality" and whoosh-notes "Known traps").

A query is a list of *units*, one per thing the person asked for (a word, a quoted
phrase, a place, a part of an unknown compound). A unit has *alternatives*: the word
as typed, its synonyms or close spellings, each with a weight ≤ 1.

Per unit (BM25F, Robertson & Zaragoza 2009): the term frequencies of all fields and
all alternatives are combined into one, each weighted by its field weight (and the
alternative's weight) and normalised by that field's length; the combined frequency is
saturated once (k1) and multiplied by one IDF, counted over whole examples (an example
that has the word in any field, in any spelling of the group, counts once). A word in
44 of 56 bodies is common however few titles hold it, and a synonym group weighs what
one word weighs.

The score of an example is the sum of its unit scores, times an explicit coordination
bonus for matching more of the units.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from whoosh.query import Phrase

from .schema import WEIGHTS

K1 = 1.2
B = 0.75
STEMMED_FIELDS = ("title", "summary", "body", "tags")
# How the fields are combined: "bm25f" (one combined field, measured better) or "fields"
# (BM25 per field, summed; kept for measuring, `flask kb eval --scoring fields`).
MODE = "bm25f"
# Coordination bonus: an example matching all n units scores (1 + COORD) times its sum.
COORD = 0.2


@dataclass(frozen=True)
class Alt:
    """One way a unit can match: stemmed words (a phrase when several), their folded
    unstemmed form for the place-name field, or an exact keyword (place codes)."""

    stems: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()
    weight: float = 1.0
    exact: tuple[tuple[str, str], ...] = ()  # (field, value): matches as a whole, no frequency


@dataclass
class Unit:
    alts: list[Alt]
    weight: float = 1.0
    label: str = ""
    kind: str = "word"  # word, phrase, synonym, part, fuzzy, place, related
    coordinated: bool = True  # counts in the coordination bonus (a helper unit does not)
    matches: bool = True  # can make an example a match (a helper unit only reorders matches)


@dataclass
class _Prepared:
    """An alternative's postings per field, its document frequency and IDF."""

    alt: Alt
    fields: dict[str, dict[int, float]] = field(default_factory=dict)
    exact: set[int] = field(default_factory=set)
    idf: float = 0.0

    def docs(self) -> set[int]:
        out = set(self.exact)
        for postings in self.fields.values():
            out.update(postings)
        return out


class OverBudget(Exception):
    """A scoring pass ran past its deadline (the caller falls back, e.g. no related examples)."""


class Scorer:
    """Scores units against one searcher's index (one per search; caches postings).

    Every loop advances (postings are read with next(), candidates are a finite set), so a
    pass always ends; `deadline` (time.monotonic()) additionally bounds it in time for
    callers that must never hold a page up (related examples): past it, OverBudget."""

    def __init__(self, searcher, mode: str | None = None, coord: float | None = None, deadline: float | None = None):
        self.deadline = deadline
        self.searcher = searcher
        self.reader = searcher.reader()
        self.n = searcher.doc_count()
        self.mode = mode or MODE
        self.coord = COORD if coord is None else coord
        self._postings: dict[tuple[str, tuple[str, ...]], dict[int, float]] = {}
        self._norms: dict[str, dict[int, float]] = {}
        self._avg: dict[str, float] = {}

    def check_budget(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OverBudget

    # ----------------------------------------------------------------- index access

    def postings(self, fieldname: str, words: tuple[str, ...]) -> dict[int, float]:
        """docnum → frequency of a word (or phrase) in one field; deleted documents excluded."""
        key = (fieldname, words)
        found = self._postings.get(key)
        if found is not None:
            return found
        found = {}
        self.check_budget()
        if len(words) == 1:
            if (fieldname, words[0]) in self.reader:
                m = self.reader.postings(fieldname, words[0])
                while m.is_active():
                    found[m.id()] = m.weight()
                    m.next()
        elif words and all((fieldname, w) in self.reader for w in words):
            m = Phrase(fieldname, list(words)).matcher(self.searcher)
            while m.is_active():
                found[m.id()] = m.weight()
                m.next()
        self._postings[key] = found
        return found

    def known(self, stems: tuple[str, ...], folded: tuple[str, ...]) -> bool:
        """Whether any example holds the word: its stem in a text field or as a compound
        part, or its folded spelling in the place names or the spelling field."""
        if not stems and not folded:
            return True
        if any((f, s) in self.reader for s in stems for f in (*STEMMED_FIELDS, "parts")):
            return True
        return bool(folded) and all(("spell", w) in self.reader or ("places", w) in self.reader for w in folded)

    def _norm(self, fieldname: str, docnum: int) -> float:
        """1 − b + b·(length / average length) for a field of a document."""
        per_field = self._norms.setdefault(fieldname, {})
        value = per_field.get(docnum)
        if value is None:
            avg = self._avg.get(fieldname)
            if avg is None:
                avg = self._avg[fieldname] = self.searcher.avg_field_length(fieldname) or 1.0
            length = self.reader.doc_field_length(docnum, fieldname, 0) or 0
            value = per_field[docnum] = 1 - B + B * (length / avg)
        return value

    # ----------------------------------------------------------------- scoring

    def prepare(self, alt: Alt) -> _Prepared:
        prepared = _Prepared(alt)
        if alt.stems:
            for fieldname in STEMMED_FIELDS:
                prepared.fields[fieldname] = self.postings(fieldname, alt.stems)
            if len(alt.stems) == 1:
                prepared.fields["parts"] = self.postings("parts", alt.stems)
        if alt.folded:
            prepared.fields["places"] = self.postings("places", alt.folded)
        for fieldname, value in alt.exact:
            prepared.exact.update(self.postings(fieldname, (value,)))
        prepared.fields = {f: p for f, p in prepared.fields.items() if p}
        prepared.idf = self.idf(len(prepared.docs()))
        return prepared

    def idf(self, df: int) -> float:
        """Rarity over whole examples: df counts an example once, whatever fields hold the word."""
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5)) if df else 0.0

    def _tf(self, p: _Prepared, docnum: int) -> float:
        """The combined, length-normalised, field-weighted frequency of one alternative."""
        combined = 0.0
        for fieldname, postings in p.fields.items():
            tf = postings.get(docnum)
            if tf:
                combined += WEIGHTS[fieldname] * tf / self._norm(fieldname, docnum)
        return combined

    def _fields_score(self, p: _Prepared, idf: float, docnum: int) -> float:
        total = 0.0
        for fieldname, postings in p.fields.items():
            tf = postings.get(docnum)
            if tf:
                total += WEIGHTS[fieldname] * idf * tf * (K1 + 1) / (tf + K1 * self._norm(fieldname, docnum))
        return total

    def prepare_units(self, units: list[Unit]) -> list[tuple[Unit, list[_Prepared], float]]:
        """Each unit with its prepared alternatives and its IDF: the rarity of the unit's
        meaning, counted over the examples holding any of its alternatives (a synonym
        group is one word with several spellings, not several words)."""
        out = []
        for unit in units:
            alts = [self.prepare(a) for a in unit.alts]
            docs: set[int] = set()
            for p in alts:
                docs |= p.docs()
            out.append((unit, alts, self.idf(len(docs))))
        return out

    def unit_score(self, alts: list[_Prepared], idf: float, docnum: int) -> float:
        """One unit's score in one example: the alternatives' weighted frequencies are added
        and saturated once (BM25F), so more alternatives can never outweigh one word."""
        exact = max((p.alt.weight for p in alts if docnum in p.exact), default=0.0)
        if exact:
            return exact * idf
        if self.mode == "fields":
            return sum(p.alt.weight * self._fields_score(p, idf, docnum) for p in alts)
        combined = sum(p.alt.weight * self._tf(p, docnum) for p in alts)
        return idf * combined * (K1 + 1) / (K1 + combined) if combined else 0.0

    def doc_score(self, prepared, docnum: int) -> float:
        """The score of one example: sum of unit scores, times the coordination bonus."""
        total, matched, counted, is_match = 0.0, 0, 0, False
        for unit, alts, idf in prepared:
            s = self.unit_score(alts, idf, docnum)
            counted += unit.coordinated
            if s > 0:
                total += unit.weight * s
                matched += unit.coordinated
                is_match = is_match or unit.matches
        if not is_match:
            return 0.0
        if counted > 1 and matched:
            total *= 1 + self.coord * (matched - 1) / (counted - 1)
        return total

    def score(self, units: list[Unit], exclude: frozenset[int] = frozenset()) -> dict[int, float]:
        """docnum → score of every example matching any unit (the served path)."""
        prepared = self.prepare_units(units)
        candidates: set[int] = set()
        for unit, alts, _idf in prepared:
            if unit.matches:
                for p in alts:
                    candidates |= p.docs()
        scores = {}
        for i, docnum in enumerate(candidates - exclude):
            if not i & 255:
                self.check_budget()
            s = self.doc_score(prepared, docnum)
            if s > 0:
                scores[docnum] = s
        return scores

    def exhaustive(self, units: list[Unit], exclude: frozenset[int] = frozenset()) -> dict[int, float]:
        """The same scores computed for every live document in the index, one by one
        (the reference the served path is tested against)."""
        prepared = self.prepare_units(units)
        scores = {}
        for docnum in self.reader.all_doc_ids():
            if docnum in exclude:
                continue
            s = self.doc_score(prepared, docnum)
            if s > 0:
                scores[docnum] = s
        return scores
