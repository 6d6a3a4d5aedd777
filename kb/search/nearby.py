"""Examples near a municipality: in its neighbours and its labour-market region (`kb.atlas`).

Two users:

* the municipality page (`municipality_context`): own examples, then those in bordering
  municipalities, in the same labour-market region (FA) and the county's county-wide ones;
* search (`rank_near`): a separate step after `query.run`. When the request says
  `near=<kommun code>`, or the query names exactly one municipality (and the results are
  ranked by relevance), the results are re-ordered: that municipality's own examples
  first, then its neighbours', then the rest, each group in the order search gave it.
  With a municipality *filter* the filtered results stay as they are and the matches in
  the neighbours are listed after them (`SearchResult.nearby.extra`).

It reads the index only through `query.run` and a searcher, so ranking changes in
`query.py` carry over.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from flask_babel import gettext as _
from whoosh.query import Or, Term

from .. import atlas, places
from . import arrays
from . import cache as cache_module
from .params import ParamError
from .query import Hit, SearchResult, _hit_from, hits_for, run

RERANK_WINDOW = 500  # results re-ordered by proximity; beyond this, plain search order
EXTRA_LIMIT = 10  # neighbours' matches listed after a municipality-filtered result


# ----------------------------------------------------------------- municipality page


@dataclass
class Section:
    """One group on the municipality page: the places it covers (with counts) and its examples."""

    places: list[tuple[places.Place, int]]
    hits: list[Hit]


@dataclass
class MunicipalityContext:
    neighbours: Section
    region: atlas.Region
    region_section: Section
    county_wide: list[Hit]


def _search_all(index, query) -> list[Hit]:
    searcher = index.searcher()
    return [_hit_from(hit) for hit in searcher.search(query, limit=None, sortedby="title_sort")]


def examples_in(index, codes) -> list[Hit]:
    """Published examples in any of the municipalities `codes`, by title."""
    codes = sorted(codes)
    if not codes:
        return []
    return _search_all(index, Or([Term("municipality", c) for c in codes]))


def county_wide(index, county_code: str) -> list[Hit]:
    """Published examples that name the county itself (not only its municipalities), by title."""
    searcher = index.searcher()
    out = []
    for hit in searcher.search(Term("county", county_code), limit=None, sortedby="title_sort"):
        if county_code in hit["data"].get("explicit_counties", ()):
            out.append(_hit_from(hit))
    return out


def _section(hits: list[Hit], pool: tuple[places.Place, ...], shown: set[str]) -> Section:
    codes = {p.code for p in pool}
    counts = {p.code: 0 for p in pool}
    for hit in hits:
        for code, _name in hit.municipalities:
            if code in codes:
                counts[code] += 1
    fresh = [h for h in hits if h.slug not in shown]
    shown.update(h.slug for h in fresh)
    return Section([(p, counts[p.code]) for p in pool], fresh)


def municipality_context(index, code: str) -> MunicipalityContext:
    """What is near municipality `code`: neighbours, labour-market region, county-wide examples.

    Each group leaves out the municipality's own examples and those an earlier group showed."""
    shown = {h.slug for h in examples_in(index, {code})}
    neighbour_places = atlas.neighbours(code)
    neighbours = _section(examples_in(index, {p.code for p in neighbour_places}), neighbour_places, shown)
    peers = atlas.region_peers(code)
    region = _section(examples_in(index, {p.code for p in peers}), peers, shown)
    wide = [h for h in county_wide(index, code[:2]) if h.slug not in shown]
    return MunicipalityContext(neighbours, atlas.region_of(code), region, wide)


# ----------------------------------------------------------------- search


@dataclass
class Nearby:
    """How proximity shaped a search result (`SearchResult.nearby`).

    reason: 'near' (the near= parameter), 'query' (the query named the municipality) or
    'filter' (a municipality filter; the neighbours' matches are in `extra`)."""

    home: places.Place
    neighbours: tuple[places.Place, ...]
    reason: str
    home_count: int = 0
    neighbour_count: int = 0
    extra: list[Hit] = field(default_factory=list)


def parse_near(args) -> tuple[str | None, ParamError | None]:
    """Validate `near`: a known 4-digit municipality code, or absent."""
    raw = (args.get("near") or "").strip()
    if not raw:
        return None, None
    valid = "4-digit municipality code, e.g. 2081"
    if not re.fullmatch(r"\d{4}", raw):
        return None, ParamError("near", _("'near' ska vara en kommunkod med fyra siffror, t.ex. 2081 för Borlänge, inte '%(value)s'.", value=raw[:50]), valid)
    try:
        return places.municipality(raw).code, None
    except places.UnknownPlace:
        return None, ParamError("near", _("Det finns ingen kommun med koden %(value)s. Ange en kommunkod, t.ex. 2081 för Borlänge.", value=raw), valid)


def _home(result: SearchResult, near: str | None) -> tuple[str | None, str]:
    if near:
        return near, "near"
    params = result.params
    if params.municipality:
        return params.municipality, "filter"
    named = [p for p in result.places if p.kind == "municipality"]
    if len(named) == 1 and params.sort == "relevance":
        return named[0].code, "query"
    return None, ""


def rank_near(index, result: SearchResult, near: str | None = None) -> SearchResult:
    """Order `result` by proximity to a municipality (see module docstring); sets `result.nearby`.

    A repeated request is a lookup in the results cache (kb/search/cache.py), keyed like
    the search itself plus `near`: the re-ordered page is not rebuilt."""
    home, reason = _home(result, near)
    if home is None:
        return result
    caches = getattr(index, "caches", None)
    key = None
    if caches is not None:
        base = cache_module.results_key(index, result.params, caches.catalog(), result.params.q)
        key = None if base is None else ("near", near, base)
        found = caches.get(key)
        if found is not None:
            return found
    ranked = _rank_near(index, result, home, reason)
    if caches is not None:
        caches.put(key, ranked)
    return ranked


def _rank_near(index, result: SearchResult, home: str, reason: str) -> SearchResult:
    neighbours = atlas.neighbours(home)
    around = {p.code for p in neighbours}
    info = Nearby(places.municipality(home), neighbours, reason)
    result = replace(result)  # a copy: `result` may be shared through the results cache
    params = result.params
    searcher = index.searcher()
    if reason == "filter":
        # The same search without the municipality filter: its first RERANK_WINDOW matches
        # (kept in order with every result, no second page of hits built).
        wider = run(index, replace(params, municipality=None, page=1))
        window = wider.window[:RERANK_WINDOW]
        neighbours_only = _tiers(searcher, window, home, around) == 1
        info.extra = hits_for(searcher, window[neighbours_only][:EXTRA_LIMIT].tolist(), wider.terms)
        info.home_count, info.neighbour_count = result.total, int(np.count_nonzero(neighbours_only))
        result.nearby = info
        return result
    if result.total == 0:
        result.nearby = info
        return result
    window = result.window[:min(result.total, RERANK_WINDOW)]
    tiers = _tiers(searcher, window, home, around)
    ordered = window[np.argsort(tiers, kind="stable")]  # each tier in search order
    info.home_count, info.neighbour_count = int(np.count_nonzero(tiers == 0)), int(np.count_nonzero(tiers == 1))
    start = (params.page - 1) * params.per_page
    if start < len(ordered):
        result.hits = hits_for(searcher, ordered[start:start + params.per_page].tolist(), result.terms)
    result.nearby = info
    return result


def _tiers(searcher, docnums: np.ndarray, home: str, around: set[str]) -> np.ndarray:
    """Each document's tier: 0 in `home`, 1 in a neighbour (`around`), 2 elsewhere (its
    municipalities from the facet arrays, kb/search/arrays.py)."""
    state = arrays.for_searcher(searcher)
    tiers = np.full(len(docnums), 2, dtype=np.int8)
    near = np.zeros(state.n, dtype=bool)
    for code in around:
        near |= state.mask_with("municipality", code)
    tiers[near[docnums]] = 1
    tiers[state.mask_with("municipality", home)[docnums]] = 0
    return tiers

