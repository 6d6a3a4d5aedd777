"""Per-process caches that keep database reads and repeated work out of searches.

* The catalog (category slugs and names, facet labels, the synonym table in force)
  changes rarely. It is read from the database at most once per KB_CATALOG_MAX_AGE
  seconds (default 1 s) and at once after this process commits a change to categories
  or synonyms; other processes see such a change within that age. A search reads it
  from memory.
* Search results are kept in a small LRU keyed by the index state the searcher reads
  (generation directory + Whoosh commit generation, which changes with every applied
  log batch), the synonym version and the normalised parameters, so a repeated query
  is a lookup, and any change to the index or the synonyms is a different key.
"""
from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import places
from . import synonyms as synonyms_module

CHANGED = "kb_catalog_changed"
RESULTS_SIZE = 512


@dataclass(frozen=True)
class Catalog:
    """What searches need from rarely changing tables, as one immutable snapshot."""

    version: tuple
    category_slugs: frozenset[str]
    category_names: dict[str, str]
    synonyms: synonyms_module.SynonymTable
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # slug → (English name, English description), each falling back to the Swedish one
    category_english: dict[str, tuple[str, str]] = field(default_factory=dict)


def _labels(category_names: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        "category": dict(category_names),
        "county": {p.code: p.name for p in places.counties()},
        "municipality": {p.code: p.name for p in places.municipalities()},
    }


_ALL: weakref.WeakSet = weakref.WeakSet()  # every live SearchCaches, for invalidation after commit


class SearchCaches:
    """One per app (the search index's `caches`); safe to share between threads.

    `session_factory()` gives the database session the catalog is read from (the app
    factory passes Flask-SQLAlchemy's); nothing here reads Flask's globals."""

    def __init__(self, session_factory, max_age: float = 1.0, size: int = RESULTS_SIZE):
        self.session_factory = session_factory
        _ALL.add(self)
        self.max_age = max_age
        self.size = size
        self._catalog: Catalog | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._results: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    # ----------------------------------------------------------------- catalog

    def catalog(self, session=None) -> Catalog:
        """The current snapshot; re-read when older than max_age or invalidated."""
        current = self._catalog
        if current is not None and time.monotonic() - self._checked < self.max_age:
            return current
        from ..models import Category, SynonymSet

        session = session or self.session_factory()
        rows = session.execute(
            sa.select(Category.slug, Category.name, Category.description, Category.name_en, Category.description_en)
            .order_by(Category.position, Category.name)
        ).all()
        synonym_id = session.scalar(sa.select(sa.func.max(SynonymSet.id))) or 0
        names = {row.slug: row.name for row in rows}
        version = (synonym_id, tuple(rows))
        if current is None or current.version != version:
            if current is not None and current.version[0] == synonym_id:
                table = current.synonyms
            else:
                try:
                    table = synonyms_module.parse_cached(synonyms_module.current_text(session))
                except synonyms_module.SynonymError:
                    table = synonyms_module.SynonymTable()
            english = {row.slug: (row.name_en or row.name, row.description_en or row.description or "") for row in rows}
            current = Catalog(version, frozenset(names), names, table, _labels(names), english)
        with self._lock:
            self._catalog, self._checked = current, time.monotonic()
        return current

    def invalidate_catalog(self) -> None:
        with self._lock:
            self._checked = 0.0

    # ----------------------------------------------------------------- results

    def get(self, key):
        if key is None:
            return None
        with self._lock:
            found = self._results.get(key)
            if found is None:
                self.misses += 1
                return None
            self._results.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key, value) -> None:
        if key is None:
            return
        with self._lock:
            self._results[key] = value
            self._results.move_to_end(key)
            while len(self._results) > self.size:
                self._results.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
            self._catalog, self._checked = None, 0.0


def results_key(index, params, catalog: Catalog, cleaned_q: str):
    """The results-cache key of a search, or None when the index state is unknown."""
    state = index.state()
    if state is None:
        return None
    from .scoring import MODE  # `flask kb eval --scoring` switches it; never serve one for the other

    return (state, catalog.version[0], MODE, cleaned_q, params.category, params.county, params.municipality,
            params.page, params.per_page, params.sort, params.verified_within, params.only_slugs)


# ----------------------------------------------------------------- invalidation on commit


@event.listens_for(Session, "before_flush")
def _note_catalog_changes(session: Session, _context, _instances) -> None:
    from ..models import Category, SynonymSet

    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Category, SynonymSet)):
            session.info[CHANGED] = True
            return


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    if session.info.pop(CHANGED, False):
        for caches in list(_ALL):  # one per app; re-reading a second one early costs a query
            caches.invalidate_catalog()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(CHANGED, None)
