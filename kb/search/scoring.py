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

The served path (`score_arrays`) computes exactly these formulas for all documents at
once with numpy: each term's postings are read once per segment into arrays (document
numbers, frequencies), field lengths come from kb/search/arrays.py, and every
operation is done in the same order as the one-document reference (`doc_score`,
`exhaustive`), so the scores are the same floating-point numbers, not just close.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from whoosh.query import Phrase
from whoosh.reading import TermNotFound

from . import arrays as arrays_module
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


@dataclass
class _PreparedArrays:
    """An alternative's postings per field as arrays (document numbers ascending, frequencies)."""

    alt: Alt
    fields: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)
    exact: np.ndarray | None = None

    def mark(self, mask: np.ndarray) -> None:
        """Set the documents holding this alternative in `mask`."""
        for _name, ids, _weights in self.fields:
            mask[ids] = True
        if self.exact is not None:
            mask[self.exact] = True


_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def _read_matcher(matcher) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a matcher, read to its end.

    Whoosh's own on-disk postings are read a block at a time (the block's delta-coded
    numbers summed with numpy, its weights as Whoosh decodes them); any other matcher
    one posting at a time."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if type(matcher) is W3LeafMatcher and not matcher._byteids:
        ids, weights = [], []
        while matcher.is_active():
            matcher._read_weights()
            if matcher._data is None:
                matcher._read_data()
            ids.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
            weights.append(np.asarray(matcher._weights, dtype=np.float64))
            matcher._next_block()
        if not ids:
            return _NONE
        return np.concatenate(ids), np.concatenate(weights)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


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
        self._arrays: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = {}
        self._norms: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self.state = arrays_module.for_searcher(searcher)

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

    def postings_array(self, fieldname: str, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers ascending, frequencies) of a word (or phrase) in one field,
        deleted documents excluded: the same postings as `postings`, as arrays."""
        key = (fieldname, words)
        found = self._arrays.get(key)
        if found is not None:
            return found
        found = self.state.postings(key)  # searched before in this index state
        if found is not None:
            self._arrays[key] = found
            return found
        self.check_budget()
        if len(words) == 1:
            parts = []
            for leaf, offset in self.searcher.leaf_searchers():
                try:  # one term lookup (a `(field, word) in reader` test first made it two)
                    matcher = leaf.reader().postings(fieldname, words[0])
                except TermNotFound:
                    continue
                matcher = getattr(matcher, "child", matcher)  # deletions are masked below
                ids, weights = _read_matcher(matcher)
                parts.append((ids + offset, weights))
            if not parts:
                found = _NONE
            else:
                ids = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
                weights = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
                live = self.state.live[ids]
                found = (ids, weights) if live.all() else (ids[live], weights[live])
        elif words and all((fieldname, w) in self.reader for w in words):
            found = _read_matcher(Phrase(fieldname, list(words)).matcher(self.searcher))
        else:
            found = _NONE
        self._arrays[key] = found
        if found is not _NONE:
            self.state.keep_postings(key, found)
        return found

    def known(self, stems: tuple[str, ...], folded: tuple[str, ...]) -> bool:
        """Whether any example holds the word: its stem in a text field or as a compound
        part, or its folded spelling in the place names or the spelling field."""
        if not stems and not folded:
            return True
        if any((f, s) in self.reader for s in stems for f in (*STEMMED_FIELDS, "parts")):
            return True
        return bool(folded) and all(("spell", w) in self.reader or ("places", w) in self.reader for w in folded)

    def norms(self, fieldname: str) -> np.ndarray:
        """1 − b + b·(length / average length) of a field, for every document (arrays.py)."""
        found = self._norms.get(fieldname)
        if found is None:
            avg = self._avg.get(fieldname)
            if avg is None:
                avg = self._avg[fieldname] = self.searcher.avg_field_length(fieldname) or 1.0
            found = self._norms[fieldname] = self.state.norms(fieldname, avg, B)
        return found

    def _norm(self, fieldname: str, docnum: int) -> float:
        """1 − b + b·(length / average length) for a field of a document."""
        return float(self.norms(fieldname)[docnum])

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

    def prepare_array(self, alt: Alt) -> _PreparedArrays:
        """`prepare` with array postings (no IDF: the unit's is used)."""
        prepared = _PreparedArrays(alt)
        wanted: list[tuple[str, tuple[str, ...]]] = []
        if alt.stems:
            wanted += [(f, alt.stems) for f in STEMMED_FIELDS]
            if len(alt.stems) == 1:
                wanted.append(("parts", alt.stems))
        if alt.folded:
            wanted.append(("places", alt.folded))
        for fieldname, words in wanted:
            ids, weights = self.postings_array(fieldname, words)
            if len(ids):
                prepared.fields.append((fieldname, ids, weights))
        if alt.exact:
            exact = [self.postings_array(f, (v,))[0] for f, v in alt.exact]
            prepared.exact = np.unique(np.concatenate(exact)) if len(exact) > 1 else exact[0]
        return prepared

    def df(self, alt: Alt) -> int:
        """The number of live examples holding an alternative in any field (its IDF's df)."""
        mask = np.zeros(self.state.n, dtype=bool)
        self.prepare_array(alt).mark(mask)
        return int(np.count_nonzero(mask))

    def df_bounds(self, alt: Alt) -> tuple[int, int]:
        """(at least, at most) `df(alt)`, from the term dictionary alone (no postings read):
        the largest per-field document frequency less the deleted documents, and the sum
        of them. Exact (`df`) for anything but one stemmed word."""
        if alt.folded or alt.exact or len(alt.stems) != 1:
            exact = self.df(alt)
            return exact, exact
        per_field = [self.searcher.doc_frequency(f, alt.stems[0]) for f in (*STEMMED_FIELDS, "parts")]
        deleted = self.searcher.doc_count_all() - self.n
        return max(0, max(per_field) - deleted), min(sum(per_field), self.n)

    def _unit_scores(self, alts: list[_PreparedArrays], idf: float) -> np.ndarray:
        """`unit_score` for every document (0 where the unit does not match)."""
        n = self.state.n
        exact = None
        for p in alts:
            if p.exact is not None and len(p.exact):
                if exact is None:
                    exact = np.zeros(n, dtype=np.float64)
                exact[p.exact] = np.maximum(exact[p.exact], p.alt.weight)
        combined = np.zeros(n, dtype=np.float64)
        for p in alts:
            # Per document, in the order of `_tf`/`_fields_score`: fields in their order, added from 0.0.
            per_alt = np.zeros(n, dtype=np.float64)
            for fieldname, ids, tf in p.fields:
                norm = self.norms(fieldname)[ids]
                if self.mode == "fields":
                    per_alt[ids] += WEIGHTS[fieldname] * idf * tf * (K1 + 1) / (tf + K1 * norm)
                else:
                    per_alt[ids] += WEIGHTS[fieldname] * tf / norm
            combined += p.alt.weight * per_alt
        if self.mode == "fields":
            scores = combined
        else:
            scores = np.zeros(n, dtype=np.float64)
            nonzero = combined != 0
            c = combined[nonzero]
            scores[nonzero] = idf * c * (K1 + 1) / (K1 + c)
        if exact is not None:
            hit = exact != 0
            scores[hit] = exact[hit] * idf
        return scores

    def score_arrays(self, units: list[Unit], exclude: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers ascending, their scores) of every example matching any unit,
        and the scores of all documents by number (the served path; equal to `doc_score`)."""
        n = self.state.n
        total = np.zeros(n, dtype=np.float64)
        matched = np.zeros(n, dtype=np.int64)
        is_match = np.zeros(n, dtype=bool)
        counted = 0
        for unit in units:
            self.check_budget()
            alts = [self.prepare_array(a) for a in unit.alts]
            docs = np.zeros(n, dtype=bool)
            for p in alts:
                p.mark(docs)
            idf = self.idf(int(np.count_nonzero(docs)))
            s = self._unit_scores(alts, idf)
            counted += unit.coordinated
            positive = s > 0
            total[positive] += unit.weight * s[positive]
            if unit.coordinated:
                matched += positive
            if unit.matches:
                is_match |= positive
        total[~is_match] = 0.0
        if counted > 1:
            bonus = is_match & (matched > 0)
            total[bonus] *= 1 + self.coord * (matched[bonus] - 1) / (counted - 1)
        if exclude:
            total[np.fromiter(exclude, dtype=np.int64)] = 0.0
        docnums = np.flatnonzero(total > 0)
        return docnums, total

    def score(self, units: list[Unit], exclude: frozenset[int] = frozenset()) -> dict[int, float]:
        """docnum → score of every example matching any unit (the served path, as a dict)."""
        docnums, total = self.score_arrays(units, exclude)
        return dict(zip(docnums.tolist(), total[docnums].tolist(), strict=True))

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
