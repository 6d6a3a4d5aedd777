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


SECTION_LIMIT = 10  # examples listed per group on a municipality page; the rest is one link away


@dataclass
class Section:
    """One group on the municipality page: the places it covers (with counts), its first
    SECTION_LIMIT examples by title, and how many it has in all."""

    places: list[tuple[places.Place, int]]
    hits: list[Hit]
    total: int = 0


@dataclass
class MunicipalityContext:
    neighbours: Section
    region: atlas.Region
    region_section: Section
    county_wide: Section


def _docs(searcher, query) -> list[int]:
    """Document numbers matching `query`, by title (no stored fields read)."""
    results = searcher.search(query, limit=None, sortedby="title_sort")
    return [results.docnum(i) for i in range(results.scored_length())]


def _in(codes) -> Or | None:
    codes = sorted(codes)
    return Or([Term("municipality", c) for c in codes]) if codes else None


def examples_in(index, codes) -> list[Hit]:
    """Published examples in any of the municipalities `codes`, by title."""
    query = _in(codes)
    if query is None:
        return []
    searcher = index.searcher()
    return [_hit_from(searcher.stored_fields(d)) for d in _docs(searcher, query)]


def _county_wide_docs(searcher, county_code: str) -> list[int]:
    return [d for d in _docs(searcher, Term("county", county_code))
            if county_code in searcher.stored_fields(d)["data"].get("explicit_counties", ())]


def county_wide(index, county_code: str) -> list[Hit]:
    """Published examples that name the county itself (not only its municipalities), by title."""
    searcher = index.searcher()
    return [_hit_from(searcher.stored_fields(d)) for d in _county_wide_docs(searcher, county_code)]


def _section(searcher, docs: list[int], pool: tuple[places.Place, ...], shown: set[int]) -> Section:
    """Counts per place over all of `docs` (facet arrays), the first unshown ones as hits."""
    counts = {p.code: 0 for p in pool}
    if docs and pool:
        state = arrays.for_searcher(searcher)
        mask = np.zeros(state.n, dtype=bool)
        mask[docs] = True
        found = state.facets["municipality"].count(mask)
        counts = {code: found.get(code, 0) for code in counts}
    fresh = [d for d in docs if d not in shown]
    shown.update(fresh)
    hits = [_hit_from(searcher.stored_fields(d)) for d in fresh[:SECTION_LIMIT]]
    return Section([(p, counts[p.code]) for p in pool], hits, len(fresh))


def municipality_context(index, code: str) -> MunicipalityContext:
    """What is near municipality `code`: neighbours, labour-market region, county-wide examples.

    Each group leaves out the municipality's own examples and those an earlier group showed,
    lists at most SECTION_LIMIT of them and says how many there are."""
    searcher = index.searcher()
    shown = set(_docs(searcher, Term("municipality", code)))
    neighbour_places = atlas.neighbours(code)
    query = _in({p.code for p in neighbour_places})
    neighbours = _section(searcher, _docs(searcher, query) if query else [], neighbour_places, shown)
    peers = atlas.region_peers(code)
    query = _in({p.code for p in peers})
    region = _section(searcher, _docs(searcher, query) if query else [], peers, shown)
    wide = _section(searcher, _county_wide_docs(searcher, code[:2]), (), shown)
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

