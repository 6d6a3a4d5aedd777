"""Per-document numbers as numpy arrays: field lengths, sort keys, deletions, facets.

Scoring needs every matching document's field lengths, ordering needs its title and
publication date, totals and facets need its facet values. Read one document at a
time through Whoosh (`reader.doc_field_length`, `column_reader(...)[d]`) that was
most of a search's time at 10 000 examples. Here they are read once per index
segment, whole columns at a time, and kept as arrays:

* per segment (index directory + segment id; a segment never changes its documents):
  the field lengths of every scored field (decoded exactly as `doc_field_length`
  decodes them), the title sort key, the publication timestamp and the facet values;
* per searcher state (the key the facet columns had in the former facets.py: index
  directory, Whoosh commit generation, segment ids): those laid out by global
  document number, the deleted documents, the rank of each title in title order,
  each field's length normalisation for BM25 (it depends on the average length,
  which changes with any commit), facet filters as boolean masks, and the postings
  of recently searched words as arrays (least recently used first out, at most
  POSTINGS_BYTES per state): a word searched again with other filters, another page
  or other words is not read and decoded from the index again.

Everything is built lazily, the first time a state is searched, and then only read
(numpy arrays are never written after they are published, so threads share them).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh.util.numeric import byte_to_length

from .schema import FACET_COLUMNS, WEIGHTS

LENGTH_FIELDS = tuple(WEIGHTS)  # the scored fields: title, tags, summary, places, body, parts
MAX_SEGMENTS = 256  # per-segment arrays kept (all processes' segments of one index are few)
MAX_STATES = 4  # searcher states whose layouts are kept
POSTINGS_BYTES = 8 * 2**20  # postings arrays kept per state (a word in every one of 100 000 examples: 1.6 MB)
# Whoosh stores a field length as one byte; this is its decoding (whoosh.util.numeric).
_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)

_lock = threading.Lock()
_states: OrderedDict = OrderedDict()  # (index dir, commit generation, segment ids) → StateArrays


@dataclass
class Facet:
    """One facet's values as pairs (document, value number): a count is one bincount."""

    values: list[str]
    pair_docs: np.ndarray  # int64
    pair_values: np.ndarray  # int64, index into `values`
    _masks: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_lists(cls, per_doc) -> Facet:
        """From a list column (a list of values, or None, per document)."""
        numbers: dict[str, int] = {}
        docs, vals = [], []
        for d, values in enumerate(per_doc):
            for v in values or ():
                docs.append(d)
                vals.append(numbers.setdefault(v, len(numbers)))
        return cls(list(numbers), np.array(docs, dtype=np.int64), np.array(vals, dtype=np.int64))

    @classmethod
    def concatenate(cls, parts: list[tuple[Facet, int]]) -> Facet:
        """Segments' facets (each with its document offset) as one, by global document number."""
        # Values numbered in sorted order: counts come out in the same order for every query.
        numbers = {v: i for i, v in enumerate(sorted({v for facet, _offset in parts for v in facet.values}))}
        docs, vals = [], []
        for facet, offset in parts:
            mapping = np.array([numbers[v] for v in facet.values], dtype=np.int64)
            docs.append(facet.pair_docs + offset)
            vals.append(mapping[facet.pair_values] if len(mapping) else facet.pair_values)
        empty = np.zeros(0, dtype=np.int64)
        return cls(list(numbers), np.concatenate(docs) if docs else empty, np.concatenate(vals) if vals else empty)

    def count(self, mask: np.ndarray) -> dict[str, int]:
        """value → number of documents in `mask` (boolean, by global docnum) carrying it."""
        counts = np.bincount(self.pair_values[mask[self.pair_docs]], minlength=len(self.values))
        return {self.values[i]: int(counts[i]) for i in np.flatnonzero(counts)}


@dataclass
class SegmentArrays:
    """What never changes in one segment, by local document number."""

    lengths: dict[str, np.ndarray]  # field → length (float64, as doc_field_length returns it, None read as 0)
    titles: list[str]
    timestamps: np.ndarray  # float64: the publication time as query._timestamp computes it
    facets: dict[str, Facet]  # by local document number


def _timestamp(value) -> float:
    try:
        return value.timestamp()
    except (AttributeError, OverflowError, ValueError, OSError):
        return 0.0


def _lengths(reader, fieldname: str, count: int) -> np.ndarray:
    """Every document's length of one field, equal to reader.doc_field_length(d, field, 0) or 0."""
    perdoc = getattr(reader, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:  # no document has this field
            return np.zeros(count, dtype=np.float64)
    if column is not None:
        if getattr(column, "_typecode", None) == "B" and getattr(column, "_default", None) == 0:
            # One read of the whole column (one byte per document; missing tail: 0).
            stored = min(column._count, count)
            codes = np.zeros(count, dtype=np.uint8)
            codes[:stored] = np.frombuffer(bytes(column._dbfile.get(column._basepos, stored)), dtype=np.uint8)
        else:
            codes = np.fromiter(iter(column), dtype=np.uint8, count=count)
        return _BYTE_TO_LENGTH[codes]
    # Another codec: one document at a time, through the public API.
    return np.array([reader.doc_field_length(d, fieldname, 0) or 0 for d in range(count)], dtype=np.float64)


def _read_segment(reader) -> SegmentArrays:
    count = reader.doc_count_all()
    lengths = {name: _lengths(reader, name, count) for name in LENGTH_FIELDS}
    titles = list(reader.column_reader("title_sort")) if reader.has_column("title_sort") else [""] * count
    published = list(reader.column_reader("published")) if reader.has_column("published") else [None] * count
    timestamps = np.array([_timestamp(v) for v in published], dtype=np.float64)
    facets = {name: Facet.from_lists(reader.column_reader(column)) for name, column in FACET_COLUMNS.items()}
    return SegmentArrays(lengths, titles, timestamps, facets)


class PerSegment:
    """Something read once per index segment (a segment never changes its documents; only
    which of them are deleted, and that belongs to a state), kept for the MAX_SEGMENTS
    segments used last. `read(reader)` reads it."""

    def __init__(self, read):
        self.read = read
        self.kept: OrderedDict = OrderedDict()  # (index dir, segment id) → what `read` gave
        self._lock = threading.Lock()

    def get(self, directory: str, reader):
        key = (directory, reader.segment().segment_id())
        with self._lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
                return found
        found = self.read(reader)
        with self._lock:
            self.kept[key] = found
            while len(self.kept) > MAX_SEGMENTS:
                self.kept.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self.kept.clear()


_segments = PerSegment(_read_segment)


def segment_arrays(directory: str, reader) -> SegmentArrays:
    return _segments.get(directory, reader)


class StateArrays:
    """The arrays of one searcher state, by global document number."""

    def __init__(self, searcher, directory: str, leaves):
        self.n = searcher.doc_count_all()
        self.live = np.ones(self.n, dtype=bool)
        lengths = {name: np.zeros(self.n, dtype=np.float64) for name in LENGTH_FIELDS}
        titles: list[str] = [""] * self.n
        self.timestamps = np.zeros(self.n, dtype=np.float64)
        facet_parts: dict[str, list] = {name: [] for name in FACET_COLUMNS}
        for leaf, offset in leaves:
            reader = leaf.reader()
            local = segment_arrays(directory, reader)
            count = len(local.titles)
            for name in LENGTH_FIELDS:
                lengths[name][offset:offset + count] = local.lengths[name]
            titles[offset:offset + count] = local.titles
            self.timestamps[offset:offset + count] = local.timestamps
            for name in FACET_COLUMNS:
                facet_parts[name].append((local.facets[name], offset))
            if reader.has_deletions():
                segment = reader.segment()
                gone = segment.deleted_docs() if hasattr(segment, "deleted_docs") else (
                    d for d in range(count) if reader.is_deleted(d))
                deleted = np.fromiter(gone, dtype=np.int64)
                self.live[offset + deleted[deleted < count]] = False
        self.lengths = lengths
        self.titles = titles
        # Equal titles get equal ranks: comparing ranks is comparing the strings.
        unique = sorted(set(titles))
        position = {t: i for i, t in enumerate(unique)}
        self.title_rank = np.fromiter((position[t] for t in titles), dtype=np.int64, count=self.n)
        self.facets = {name: Facet.concatenate(parts) for name, parts in facet_parts.items()}
        self._norms: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._postings: OrderedDict = OrderedDict()  # (field, words) → (document numbers, frequencies)
        self._postings_bytes = 0

    def postings(self, key):
        """Cached postings arrays of (field, words) in this state, or None."""
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
            return found

    def keep_postings(self, key, value) -> None:
        """Remember postings arrays (read-only from now on) for later searches of this state."""
        size = sum(a.nbytes for a in value)
        if size > POSTINGS_BYTES // 4:
            return
        for a in value:
            a.flags.writeable = False
        with self._lock:
            if key in self._postings:
                return
            self._postings[key] = value
            self._postings_bytes += size
            while self._postings_bytes > POSTINGS_BYTES:
                _key, old = self._postings.popitem(last=False)
                self._postings_bytes -= sum(a.nbytes for a in old)

    def norms(self, fieldname: str, avg: float, b: float) -> np.ndarray:
        """1 − b + b·(length / average length) of every document (as Scorer._norm computes it)."""
        key = f"{fieldname}/{avg!r}/{b!r}"
        found = self._norms.get(key)
        if found is None:
            found = 1 - b + b * (self.lengths[fieldname] / avg)
            found.flags.writeable = False
            with self._lock:
                self._norms[key] = found
        return found

    def mask_with(self, name: str, value: str) -> np.ndarray:
        """Live documents whose facet `name` has `value` (a filter), built once per state."""
        facet = self.facets[name]
        found = facet._masks.get(value)
        if found is None:
            found = np.zeros(self.n, dtype=bool)
            try:
                number = facet.values.index(value)
            except ValueError:
                number = -1
            if number >= 0:
                found[facet.pair_docs[facet.pair_values == number]] = True
            found &= self.live
            found.flags.writeable = False
            with self._lock:
                facet._masks[value] = found
        return found

    def filter_mask(self, filters: dict[str, str]) -> np.ndarray | None:
        """Documents passing every filter; None when there is no filter."""
        result = None
        for name, value in filters.items():
            mask = self.mask_with(name, value)
            result = mask if result is None else result & mask
        return result


def _directory(leaves) -> str:
    return str(getattr(leaves[0][0].reader().storage(), "folder", "")) if leaves else ""


def for_searcher(searcher) -> StateArrays:
    """The arrays of this searcher's state (cached; each segment is read once per process)."""
    reader = searcher.reader()
    leaves = searcher.leaf_searchers()
    directory = _directory(leaves)
    leaves = [(leaf, offset) for leaf, offset in leaves if leaf.reader().segment() is not None]  # an empty index has none
    key = (directory, reader.generation(), tuple(leaf.reader().segment().segment_id() for leaf, _offset in leaves))
    with _lock:
        found = _states.get(key)
        if found is not None:
            _states.move_to_end(key)
            return found
    found = StateArrays(searcher, directory, leaves)
    with _lock:
        _states[key] = found
        while len(_states) > MAX_STATES:
            _states.popitem(last=False)
    return found


def clear() -> None:
    """Forget every cached array (tests)."""
    with _lock:
        _segments.clear()
        _states.clear()
