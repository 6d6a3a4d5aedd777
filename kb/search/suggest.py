"""Suggestions as you type: titles, places, topics and tags that start with a prefix.

The candidate list is built once per searcher (so it follows index updates) and set of
category labels (one per interface language), and matched in memory: a few milliseconds
per call. Topics are offered under the caller's labels (English names on English pages).

The titles and tags are read from the stored fields once per index segment (a segment
never changes its documents) and combined per searcher with the deletions of its state:
after an approval only the new segment is read, not every example again (10 000
examples: 0.8 s). Links are made only for the suggestions returned.
"""
from __future__ import annotations

from .. import places
from ..places import fold
from . import arrays

LIMIT = 8
KIND_ORDER = {"title": 0, "place": 1, "category": 2, "tag": 3}


def _read_rows(reader) -> list[tuple[int, str, str, tuple[str, ...]]]:
    """Title, slug and tags of every document of one segment, deleted ones included."""
    rows = []
    for docnum in range(reader.doc_count_all()):
        stored = reader.stored_fields(docnum)
        rows.append((docnum, stored["title"], stored["slug"], tuple(stored["data"].get("tags", ()))))
    return rows


_segments = arrays.PerSegment(_read_rows)


def _candidates(searcher, categories: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str, str, str]]:
    """(folded label, label, kind, endpoint, argument) for every suggestible thing."""
    by_labels = getattr(searcher, "_kb_suggest", None)
    if by_labels is None:
        by_labels = searcher._kb_suggest = {}
    cached = by_labels.get(categories)
    if cached is not None:
        return cached
    items: list[tuple[str, str, str, str, str]] = []
    tags: set[str] = set()
    leaves = [(leaf, offset) for leaf, offset in searcher.leaf_searchers() if leaf.reader().segment() is not None]
    state = arrays.for_searcher(searcher)
    directory = arrays._directory(leaves)
    for leaf, offset in leaves:
        for docnum, title, slug, doc_tags in _segments.get(directory, leaf.reader()):
            if state.live[offset + docnum]:
                items.append((fold(title), title, "title", "browse.example", slug))
                tags.update(doc_tags)
    live = state.live
    place_counts = {**state.facets["municipality"].count(live), **state.facets["county"].count(live)}
    for p in (*places.counties(), *places.municipalities()):
        if place_counts.get(p.code):
            endpoint = "browse.county" if p.kind == "county" else "browse.municipality"
            items.append((fold(p.name), p.name, "place", endpoint, p.slug))
    for slug, label in categories:
        items.append((fold(label), label, "category", "browse.category", slug))
    for tag in sorted(tags):
        items.append((fold(tag), tag, "tag", "search.index", tag))
    by_labels[categories] = items
    return items


_ARGUMENT = {"browse.example": "slug", "browse.county": "slug", "browse.municipality": "slug",
             "browse.category": "slug", "search.index": "q"}


def suggestions(index, prefix: str, categories, link) -> list[dict]:
    """Up to LIMIT completions for `prefix` (any word of a label may start with it). `categories`
    are (slug, label) pairs in the caller's language; `link(endpoint, **args)` turns a page into
    its URL (the web passes Flask's url_for)."""
    needle = fold(prefix).strip()
    if len(needle) < 2:
        return []
    searcher = index.searcher()
    scored = []
    for folded, label, kind, endpoint, argument in _candidates(searcher, tuple(categories)):
        if folded.startswith(needle):
            rank = 0
        elif f" {needle}" in f" {folded}":
            rank = 1
        else:
            continue
        scored.append((rank, KIND_ORDER[kind], len(label), label, kind, endpoint, argument))
    scored.sort()
    out, seen = [], set()
    for _rank, _order, _len, label, kind, endpoint, argument in scored:
        if (label, kind) in seen:
            continue
        seen.add((label, kind))
        out.append({"type": kind, "label": label, "url": link(endpoint, **{_ARGUMENT[endpoint]: argument})})
        if len(out) >= LIMIT:
            break
    return out
