"""Totals and facet counts from one pass over a query's matches.

A search needs the total and three facet counts, each facet counted with the other
filters applied but not its own. Before, each combination of filters re-ran the query
with Whoosh filter queries and then read the facet columns per matching document.
Now:

* the query's match set is computed once (unscored, `docs_for_query`);
* each facet's values per document are read from its list column once per index
  segment and kept (a segment never changes its documents; deletions only remove
  documents from match sets), then laid out by global document number per
  searcher state (generation + Whoosh commit generation);
* a filter is the set of documents carrying a value, built once per state and value;
* totals and facets are set intersections and a C-speed count (collections.Counter).

The same filter sets are handed to Whoosh for the scored top 10 (`filter=` accepts a
set of document numbers), so no filter query is run at all.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from itertools import chain

from whoosh.searching import Hit

from .schema import FACET_COLUMNS

FACETS = tuple(FACET_COLUMNS)
MAX_SEGMENTS = 256  # per-segment column copies kept (all processes' segments of one index are few)
MAX_STATES = 4  # searcher states (generation, commit) whose layouts are kept

_lock = threading.Lock()
_segments: OrderedDict = OrderedDict()  # (index dir, segment id) → {facet: [values per local docnum]}
_states: OrderedDict = OrderedDict()  # (index dir, commit generation, segment ids) → Columns


class Columns:
    """Facet values of every document of one searcher state, by global document number."""

    def __init__(self, values: dict[str, list]):
        self.values = values
        self._sets: dict[tuple[str, str], set[int]] = {}
        self._lock = threading.Lock()

    def docs_with(self, name: str, value: str) -> set[int]:
        """The documents whose facet `name` has `value` (a filter), built once per state.
        A plain set (never changed after): Whoosh's `filter=` accepts set, not frozenset."""
        key = (name, value)
        found = self._sets.get(key)
        if found is None:
            found = set(d for d, values in enumerate(self.values[name]) if values and value in values)
            with self._lock:
                self._sets[key] = found
        return found

    def filter_set(self, filters: dict[str, str]) -> set[int] | None:
        """Documents passing every filter; None when there is no filter."""
        sets = sorted((self.docs_with(name, value) for name, value in filters.items()), key=len)
        if not sets:
            return None
        result = sets[0]
        for other in sets[1:]:
            result = result & other
        return result


def _segment_values(directory: str, reader) -> dict[str, list]:
    key = (directory, reader.segment().segment_id())
    with _lock:
        found = _segments.get(key)
        if found is not None:
            _segments.move_to_end(key)
            return found
    found = {name: list(reader.column_reader(column)) for name, column in FACET_COLUMNS.items()}
    with _lock:
        _segments[key] = found
        while len(_segments) > MAX_SEGMENTS:
            _segments.popitem(last=False)
    return found


def columns_for(searcher) -> Columns:
    """The facet columns of this searcher's state (cached; segments are read once)."""
    reader = searcher.reader()
    leaves = searcher.leaf_searchers()
    directory = str(getattr(leaves[0][0].reader().storage(), "folder", "")) if leaves else ""
    leaves = [(leaf, offset) for leaf, offset in leaves if leaf.reader().segment() is not None]  # an empty index has none
    segment_ids = tuple(leaf.reader().segment().segment_id() for leaf, _offset in leaves)
    key = (directory, reader.generation(), segment_ids)
    with _lock:
        found = _states.get(key)
        if found is not None:
            _states.move_to_end(key)
            return found
    values: dict[str, list] = {name: [None] * searcher.doc_count_all() for name in FACETS}
    for leaf, offset in leaves:
        local = _segment_values(directory, leaf.reader())
        for name in FACETS:
            column = local[name]
            values[name][offset:offset + len(column)] = column
    found = Columns(values)
    with _lock:
        _states[key] = found
        while len(_states) > MAX_STATES:
            _states.popitem(last=False)
    return found


class Matches:
    """The documents matching one query, its totals and facets under any filters, and a page of hits.

    With `scored` (relevance order) and no filter, one unlimited scored pass gives both
    the match set and the ranking, so the query's postings are read once per search.
    Under filters, the match set comes from an unscored pass and the page from Whoosh's
    scored search restricted to the filter set (only those documents are scored);
    sorted pages (newest, title) from Whoosh's sorted search with the same set."""

    def __init__(self, searcher, query, scored: bool = True):
        self.searcher, self.query, self.scored = searcher, query, scored
        self.columns = columns_for(searcher)
        self._base: set[int] | None = None
        self._ranked = None
        self._sets: dict[tuple, set[int]] = {}

    def ranked(self):
        """Every match, best first (Whoosh Results; optimize=False: no quality-based skipping,
        which can drop top-scoring documents)."""
        if self._ranked is None:
            self._ranked = self.searcher.search(self.query, limit=None, optimize=False)
            self._base = {docnum for _score, docnum in self._ranked.top_n}
        return self._ranked

    @property
    def base(self) -> set[int]:
        if self._base is None:
            if self.scored:
                self.ranked()
            else:
                self._base = set(self.searcher.docs_for_query(self.query))
        return self._base

    def docs(self, filters: dict[str, str]) -> set[int]:
        key = tuple(sorted(filters.items()))
        found = self._sets.get(key)
        if found is None:
            if self._base is None and filters:
                # Filtered: the page scores only documents passing the filters (below),
                # so the match set needs no scores.
                self._base = set(self.searcher.docs_for_query(self.query))
            allowed = self.columns.filter_set(filters)
            found = self._sets[key] = self.base if allowed is None else self.base & allowed
        return found

    def filter_set(self, filters: dict[str, str]) -> set[int] | None:
        """For Whoosh's `filter=`: the documents passing the filters (None: no filter)."""
        return self.columns.filter_set(filters)

    def total(self, filters: dict[str, str]) -> int:
        return len(self.docs(filters))

    def facet(self, filters: dict[str, str], name: str) -> dict[str, int]:
        """Counts of one facet's values among the matches under `filters`."""
        column = self.columns.values[name]
        return dict(Counter(chain.from_iterable(column[d] or () for d in self.docs(filters))))

    def page(self, filters: dict[str, str], first: int, count: int, sortedby=None, reverse: bool = False) -> list:
        """Whoosh Hit objects number first .. first+count-1 under `filters`."""
        if sortedby is None and self.scored and (self._ranked is not None or not filters):
            results = self.ranked()
            allowed = self.docs(filters)
            chosen = [(score, docnum) for score, docnum in results.top_n if docnum in allowed][first:first + count]
            return [Hit(results, docnum, first + i, score) for i, (score, docnum) in enumerate(chosen)]
        results = self.searcher.search(self.query, limit=first + count, filter=self.filter_set(filters),
                                       sortedby=sortedby, reverse=reverse, optimize=False)
        return list(results[first:first + count])
