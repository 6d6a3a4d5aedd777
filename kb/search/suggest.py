"""Suggestions as you type: titles, places, topics and tags that start with a prefix.

The candidate list is built once per searcher (so it follows index updates) and set of
category labels (one per interface language), and matched in memory: a few milliseconds
per call. Topics are offered under the caller's labels (English names on English pages).
"""
from __future__ import annotations

from .. import places
from ..places import fold

LIMIT = 8
KIND_ORDER = {"title": 0, "place": 1, "category": 2, "tag": 3}


def _candidates(searcher, categories: tuple[tuple[str, str], ...], link) -> list[tuple[str, str, str, str]]:
    """(folded label, label, kind, url) for every suggestible thing; `link(endpoint, **args)` makes URLs."""
    by_labels = getattr(searcher, "_kb_suggest", None)
    if by_labels is None:
        by_labels = searcher._kb_suggest = {}
    cached = by_labels.get(categories)
    if cached is not None:
        return cached
    items: list[tuple[str, str, str, str]] = []
    place_counts: dict[str, int] = {}
    tags: set[str] = set()
    for stored in searcher.all_stored_fields():
        items.append((fold(stored["title"]), stored["title"], "title", link("browse.example", slug=stored["slug"])))
        data = stored["data"]
        for code, _name in data["municipalities"] + data["counties"]:
            place_counts[code] = place_counts.get(code, 0) + 1
        tags.update(data.get("tags", []))
    for p in (*places.counties(), *places.municipalities()):
        if place_counts.get(p.code):
            endpoint = "browse.county" if p.kind == "county" else "browse.municipality"
            items.append((fold(p.name), p.name, "place", link(endpoint, slug=p.slug)))
    for slug, label in categories:
        items.append((fold(label), label, "category", link("browse.category", slug=slug)))
    for tag in sorted(tags):
        items.append((fold(tag), tag, "tag", link("search.index", q=tag)))
    by_labels[categories] = items
    return items


def suggestions(index, prefix: str, categories, link) -> list[dict]:
    """Up to LIMIT completions for `prefix` (any word of a label may start with it). `categories`
    are (slug, label) pairs in the caller's language; `link(endpoint, **args)` turns a page into
    its URL (the web passes Flask's url_for)."""
    needle = fold(prefix).strip()
    if len(needle) < 2:
        return []
    searcher = index.searcher()
    scored = []
    for folded, label, kind, url in _candidates(searcher, tuple(categories), link):
        if folded.startswith(needle):
            rank = 0
        elif f" {needle}" in f" {folded}":
            rank = 1
        else:
            continue
        scored.append((rank, KIND_ORDER[kind], len(label), label, kind, url))
    scored.sort()
    out, seen = [], set()
    for _rank, _order, _len, label, kind, url in scored:
        if (label, kind) in seen:
            continue
        seen.add((label, kind))
        out.append({"type": kind, "label": label, "url": url})
        if len(out) >= LIMIT:
            break
    return out
