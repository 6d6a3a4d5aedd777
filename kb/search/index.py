"""The on-disk Whoosh index: a derived cache of published entries, never the truth.

Layout under KB_INDEX_DIR:

    live -> ix-<time>-<rand>/     symlink to the current generation
    ix-<time>-<rand>/             a Whoosh index plus kb-index.json (analysis version)

A full rebuild writes a new generation and swaps the symlink atomically, so a
reader never sees a half-built or empty index. Incremental updates write into the
live generation under Whoosh's writer lock. A missing, unreadable or outdated
index (other analysis version) is rebuilt from the database on first use.
Searchers come from a small pool, one per request, and are reopened when the
index changed (never `Searcher.refresh()`, see README).
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import threading
import time
from pathlib import Path

from flask import g
from whoosh.filedb.filestore import FileStorage

from .analysis import ANALYSIS_VERSION
from .schema import document_for, make_schema

log = logging.getLogger(__name__)
META = "kb-index.json"
WRITER_TIMEOUT = 30.0
POOL_SIZE = 8


def build_meta(count: int) -> dict:
    """What a generation records about how it was built (checked on open)."""
    from .. import places
    from .analysis import STOP_WORDS
    from .compounds import lexicon, lexicon_version

    words, _stems = lexicon()
    # Place names that are also ordinary words (Mark, Vara, Lund): the query side treats
    # them as places only when capitalised or next to i/kommun/län. Computed here, where
    # the word list is loaded anyway, so queries never need it.
    ambiguous = sorted(
        alias
        for kind in ("municipality", "county")
        for alias, place in places.alias_index()[kind].items()
        if place is not None and " " not in alias and (alias in words or alias in STOP_WORDS)
    )
    return {"analysis": ANALYSIS_VERSION, "lexicon": lexicon_version(), "documents": count, "ambiguous_places": ambiguous}


def _read_meta(generation: Path) -> dict:
    return json.loads((generation / META).read_text())


class IndexUnavailable(RuntimeError):
    """The index could neither be opened nor rebuilt."""


class SearchIndex:
    """One index directory; safe to share between threads of one process."""

    def __init__(self, root: str | os.PathLike, loader):
        """`loader()` returns the published entries to index (called for rebuilds)."""
        self.root = Path(root)
        self.loader = loader
        self._pool: list = []
        self._pool_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()

    # ----------------------------------------------------------------- paths

    @property
    def live(self) -> Path:
        return self.root / "live"

    @property
    def dirty_flag(self) -> Path:
        return self.root / "needs-rebuild"

    def mark_dirty(self) -> None:
        """Record that an update failed: the next search rebuilds the index from the database."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.dirty_flag.touch()

    def _generation(self) -> Path | None:
        try:
            return Path(os.path.realpath(self.live)) if self.live.is_symlink() else None
        except OSError:
            return None

    # ----------------------------------------------------------------- health

    def status(self) -> tuple[bool, str]:
        """(usable, reason): whether the live index can be opened with this analysis version."""
        try:
            _generation, searcher = self._open()
        except IndexUnavailable as exc:
            return False, str(exc)
        except Exception as exc:  # Whoosh raises many kinds on damaged files
            return False, f"index unreadable: {type(exc).__name__}: {exc}"
        searcher.close()
        return True, "ok"

    def ambiguous_places(self) -> frozenset[str]:
        """Place names that are also common words, as recorded by the live generation."""
        gen = self._generation()
        cached = getattr(self, "_ambiguous", None)
        if cached is not None and cached[0] == gen:
            return cached[1]
        try:
            values = frozenset(_read_meta(gen).get("ambiguous_places", []))
        except (OSError, ValueError, TypeError):
            values = frozenset()
        self._ambiguous = (gen, values)
        return values

    def ensure(self) -> bool:
        """Rebuild from the database when the index is missing, unreadable or outdated; True if it did."""
        ok, reason = self.status()
        if not ok:
            log.warning("search index rebuilt: %s", reason)
            self.rebuild()
        return not ok

    # ----------------------------------------------------------------- writing

    def rebuild(self) -> int:
        """Build a new generation from `loader()` and swap it in; returns documents indexed."""
        with self._rebuild_lock:
            self.root.mkdir(parents=True, exist_ok=True)
            gen = self.root / f"ix-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
            gen.mkdir()
            try:
                ix = FileStorage(str(gen)).create_index(make_schema())
                count = 0
                with ix.writer(limitmb=256) as w:
                    for entry in self.loader():
                        w.add_document(**document_for(entry))
                        count += 1
                (gen / META).write_text(json.dumps(build_meta(count), ensure_ascii=False))
                tmp = self.root / f"live.{secrets.token_hex(3)}.tmp"
                os.symlink(gen.name, tmp)
                os.replace(tmp, self.live)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
            self._prune(keep=gen)
            self.dirty_flag.unlink(missing_ok=True)
            return count

    def _prune(self, keep: Path) -> None:
        # Older generations may still be open in another process; Linux keeps unlinked
        # files readable, and that process reopens on its next check.
        for path in self.root.glob("ix-*"):
            if path.resolve() != keep.resolve():
                shutil.rmtree(path, ignore_errors=True)

    def update(self, entries=(), remove_slugs=()) -> None:
        """Add or replace the given published entries and drop the given slugs."""
        self.ensure()
        ix = FileStorage(str(self._generation())).open_index()
        with ix.writer(timeout=WRITER_TIMEOUT) as w:
            for slug in remove_slugs:
                w.delete_by_term("slug", slug)
            for entry in entries:
                w.update_document(**document_for(entry))

    # ----------------------------------------------------------------- reading

    def searcher(self):
        """The searcher for the current app context (one request, one CLI command).

        Whoosh searchers are not thread-safe, so each context borrows its own from a
        small pool and gives it back at teardown (`release`). A pooled searcher is
        reopened when the index changed (never `Searcher.refresh()`)."""
        if self.dirty_flag.exists():
            log.warning("search index marked for repair; rebuilding from the database")
            self.rebuild()
        holder = g._get_current_object()
        current = getattr(holder, "_kb_searcher", None)
        if current is not None and not self._is_current(current):
            current[1].close()
            current = None
        if current is None:
            current = holder._kb_searcher = self._acquire()
        return current[1]

    def _is_current(self, item) -> bool:
        generation, searcher = item
        try:
            return generation == self._generation() and searcher.up_to_date()
        except Exception:
            return False

    def release(self) -> None:
        """Give the current context's searcher back to the pool."""
        try:
            item = g.pop("_kb_searcher", None)
        except RuntimeError:  # no app context
            return
        if item is None:
            return
        with self._pool_lock:
            if len(self._pool) < POOL_SIZE:
                self._pool.append(item)
                return
        item[1].close()

    def _acquire(self):
        with self._pool_lock:
            item = self._pool.pop() if self._pool else None
        if item is not None:
            if self._is_current(item):
                return item
            item[1].close()
        try:
            return self._open()
        except Exception as exc:
            # Log text, not the exception: a kept log record would pin its traceback (and open files).
            log.warning("search index unreadable (%s); rebuilding", f"{type(exc).__name__}: {exc}")
            self.rebuild()
            try:
                return self._open()
            except Exception as exc2:
                raise IndexUnavailable(str(exc2)) from exc2

    def _open(self):
        """(generation, searcher) of the live index; IndexUnavailable (or Whoosh's own error) when unusable."""
        generation = self._generation()
        if generation is None or not generation.is_dir():
            raise IndexUnavailable("index missing")
        try:
            meta = _read_meta(generation)
        except (OSError, ValueError):
            raise IndexUnavailable("index metadata missing or damaged") from None
        if meta.get("analysis") != ANALYSIS_VERSION:
            raise IndexUnavailable(f"built with analysis {meta.get('analysis')!r}, the code uses {ANALYSIS_VERSION!r}")
        ix = FileStorage(str(generation), readonly=True, supports_mmap=False).open_index()
        searcher = ix.searcher()
        try:
            searcher.doc_count()  # reads the segment list: damaged files fail here, not mid-query
        except BaseException:
            searcher.close()
            raise
        return generation, searcher

    def close(self) -> None:
        """Close every pooled searcher."""
        with self._pool_lock:
            items, self._pool = self._pool, []
        for _generation, searcher in items:
            searcher.close()

    def slugs(self) -> set[str]:
        """Every slug in the index (for consistency checks)."""
        s = self.searcher()
        return {fields["slug"] for fields in s.all_stored_fields()}
