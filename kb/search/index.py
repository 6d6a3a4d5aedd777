"""The on-disk Whoosh index: a derived cache of published entries, never the truth.

Layout under KB_INDEX_DIR (one directory per machine; every process on it shares it):

    live -> ix-<time>-<rand>/     symlink to the current generation
    ix-<time>-<rand>/             a Whoosh index, kb-index.json (how it was built) and
                                  kb-applied.json (the last index_log id applied to it)
    rebuild.lock, apply.lock      inter-process locks (fcntl)
    needs-rebuild                 a read failed: the maintenance worker rebuilds

The database's index_log (kb/indexing.py) says which entries changed; `apply_log`
brings this generation up to date from the last id it applied, so a crash after a
commit, another worker or another machine never leaves it behind. A full rebuild
writes a new generation and swaps the symlink atomically, under a file lock so two
processes never build at once; older generations are pruned only after a grace
period, since another process may still be reading them. Reads never rebuild: an
unusable index raises IndexUnavailable (the view answers 503) and marks the index
for the maintenance worker, which rebuilds outside requests.
Searchers come from a small pool, one per request, and are reopened when the
index changed (never `Searcher.refresh()`, see README).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from .analysis import ANALYSIS_VERSION
from .bulk import BulkSegmentWriter
from .compounds import write_query_lexicon
from .schema import document_for, make_schema

log = logging.getLogger(__name__)
META = "kb-index.json"
APPLIED = "kb-applied.json"
WRITER_TIMEOUT = 30.0
POOL_SIZE = 8
PRUNE_GRACE_SECONDS = 600  # a generation replaced this long ago is no longer read by anyone
MAX_SEGMENTS = 8  # above this many segments the maintenance worker merges them
# A rebuild writes segments of REBUILD_BATCH documents, then ever larger ones (each as
# large as all before it: 2 500, 2 500, 5 000, 10 000 …, so 100 000 documents make 7
# segments, under MAX_SEGMENTS). Each is written by BulkSegmentWriter (kb/search/bulk.py),
# the same bytes as Whoosh's writer without its sorting pool: that pool overflowed its
# 384 MB from 10 000-document segments on and merged the spilled runs in Python (one
# 10 000-document segment: 33 s against 21 s in batches; 100 000 documents indexed at 321
# a second against 416 at 10 000). Now the time per document does not depend on the
# segment size; the layout bounds memory (~35 bytes a posting of the segment being written).
REBUILD_BATCH = 2500


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


def _generation_lexicon(generation: Path):
    """The word list a generation was built with, as its stored hashes (kb/search/compounds.py):
    updates split compounds exactly as the build did, and a serving process never loads the
    full list (1 s, ~45 MB) to apply a change. None (the full list) when the file is missing."""
    from .compounds import query_lexicon

    lex = query_lexicon(generation)
    return lex if lex else None


class IndexUnavailable(RuntimeError):
    """The index cannot be read now; it has been marked for a rebuild outside requests."""


def _read_applied(generation: Path) -> int:
    try:
        return int(json.loads((generation / APPLIED).read_text())["applied"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _write_applied(generation: Path, applied: int) -> None:
    tmp = generation / f"{APPLIED}.{secrets.token_hex(3)}.tmp"
    tmp.write_text(json.dumps({"applied": applied, "at": time.time()}))
    os.replace(tmp, generation / APPLIED)


@contextlib.contextmanager
def _file_lock(path: Path, blocking: bool = True):
    """An inter-process lock (fcntl.flock); yields False when `blocking` is off and it is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def _writer(generation: Path, merge: bool):
    """A Whoosh writer on `generation` that commits without merging segments unless asked:
    merges can take seconds on a large index and belong to the maintenance worker."""
    w = FileStorage(str(generation)).open_index().writer(timeout=WRITER_TIMEOUT)
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    w.commit(merge=merge)


_THREAD = threading.local()


def _thread_context():
    """The default unit of work: the calling thread (the app passes Flask's app context)."""
    return _THREAD


def _pop_searcher(holder):
    item = getattr(holder, "_kb_searcher", None)
    if item is not None:
        with contextlib.suppress(AttributeError):
            delattr(holder, "_kb_searcher")
    return item


class SearchIndex:
    """One index directory; safe to share between threads of one process and between processes."""

    def __init__(self, root: str | os.PathLike, loader, log_source=None, prune_grace: float = PRUNE_GRACE_SECONDS,
                 context=None, caches=None):
        """`loader(session)` returns the published entries to index (rebuilds); `log_source`
        reads the database's index log (kb.indexing.LogSource), without which nothing is applied.
        `context()` returns the object that holds one unit of work's searcher (the app factory
        passes Flask's per-context `g`; the default is one per thread) and raises RuntimeError
        outside any unit of work; `caches` is the catalog and results cache (kb/search/cache.py)."""
        self.root = Path(root)
        self.context = context or _thread_context
        self.caches = caches
        self.loader = loader
        self.log_source = log_source
        self.prune_grace = prune_grace
        self._pool: list = []
        self._pool_lock = threading.Lock()

    # ----------------------------------------------------------------- paths

    @property
    def live(self) -> Path:
        return self.root / "live"

    @property
    def dirty_flag(self) -> Path:
        return self.root / "needs-rebuild"

    def mark_dirty(self) -> None:
        """Record that a read or an update failed: the maintenance worker rebuilds from the database."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.dirty_flag.touch()
        except OSError:
            log.exception("could not mark the search index for a rebuild; run `flask kb check --repair`")

    def needs_rebuild(self, thorough: bool = False) -> bool:
        """True when a failed read asked for a rebuild, or the live generation is missing or
        built by other code. `thorough` also opens it (damaged files); otherwise damage is
        found by the first read that fails, which marks the index."""
        if self.dirty_flag.exists():
            return True
        if thorough:
            return not self.status()[0]
        gen = self._generation()
        try:
            return gen is None or _read_meta(gen).get("analysis") != ANALYSIS_VERSION
        except (OSError, ValueError):
            return True

    def _generation(self) -> Path | None:
        # One readlink (the symlink holds a generation's name, written by rebuild), not a
        # realpath of every component: this runs on every searcher check.
        try:
            return self.root / os.readlink(self.live)
        except OSError:  # missing, or not a symlink
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

    def info(self) -> dict:
        """What the live generation holds: its name, documents, the last applied log id."""
        gen = self._generation()
        if gen is None or not gen.is_dir():
            return {"generation": None, "documents": None, "applied": None}
        try:
            documents = _read_meta(gen).get("documents")
        except (OSError, ValueError):
            documents = None
        return {"generation": gen.name, "documents": documents, "applied": _read_applied(gen)}

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

    def ensure(self, session) -> bool:
        """Outside requests only: rebuild when the index is missing, unreadable, outdated or
        marked; otherwise apply the log. True if it rebuilt."""
        if self.needs_rebuild(thorough=True):
            reason = "marked for rebuild" if self.dirty_flag.exists() else self.status()[1]
            log.warning("search index rebuilt: %s", reason)
            self.rebuild(session)
            return True
        self.apply_log(session)
        return False

    # ----------------------------------------------------------------- writing

    def rebuild(self, session, progress=None) -> int | None:
        """Build a new generation from the database and swap it in; returns documents indexed.

        Takes the rebuild lock; when another process holds it, waits for that build and
        returns None (its generation is as new as ours would be)."""
        with _file_lock(self.root / "rebuild.lock", blocking=False) as mine:
            if not mine:
                with _file_lock(self.root / "rebuild.lock"):
                    return None
            return self._rebuild_locked(session, progress)

    def _rebuild_locked(self, session, progress) -> int:
        from .compounds import lexicon

        lexicon()  # the word list loads before any lock a request could wait on
        self.root.mkdir(parents=True, exist_ok=True)
        gen = self.root / f"ix-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        gen.mkdir()
        try:
            # The log position is read before the entries: a change committed in between
            # is both in this build and re-applied later, which is harmless.
            applied = self.log_source.last_id(session) if self.log_source else 0
            self.dirty_flag.unlink(missing_ok=True)
            ix = FileStorage(str(gen)).create_index(make_schema())
            count = batch = 0
            w = None
            try:
                for entry in self.loader(session):
                    if w is None:
                        w = BulkSegmentWriter(ix)
                    w.add_document(**document_for(entry))
                    count += 1
                    batch += 1
                    if batch >= max(REBUILD_BATCH, count - batch):
                        w.commit(merge=False)
                        w, batch = None, 0
                    if progress is not None:
                        progress(1)
                if w is not None:
                    w.commit(merge=False)
                    w = None
            finally:
                if w is not None:
                    w.cancel()
            (gen / META).write_text(json.dumps(build_meta(count), ensure_ascii=False))
            write_query_lexicon(gen)  # hashed word list: query-side compound splitting
            _write_applied(gen, applied)
            tmp = self.root / f"live.{secrets.token_hex(3)}.tmp"
            os.symlink(gen.name, tmp)
            os.replace(tmp, self.live)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        self._prune(keep=gen)
        return count

    def _prune(self, keep: Path) -> None:
        # Another process may still read an older generation until its next check, and
        # Whoosh opens segment files lazily: only generations replaced long ago go.
        now = time.time()
        for path in self.root.glob("ix-*"):
            if path.resolve() == keep.resolve():
                continue
            try:
                replaced_long_ago = now - path.stat().st_mtime >= self.prune_grace
            except OSError:
                continue
            if replaced_long_ago:
                shutil.rmtree(path, ignore_errors=True)

    def apply_log(self, session, merge: bool = False) -> int:
        """Bring the live generation up to date with the database's index log; returns
        the number of log rows applied. Re-applying a row is harmless, so a crash between
        the index commit and the recorded position only repeats work."""
        if self.log_source is None:
            return 0
        gen = self._generation()
        if gen is None or not gen.is_dir():
            self.mark_dirty()
            return 0
        if self.log_source.last_id(session) <= _read_applied(gen):
            return 0
        with _file_lock(self.root / "apply.lock"):
            gen = self._generation()
            applied = _read_applied(gen)
            rows = self.log_source.rows_after(session, applied)
            if not rows:
                return 0
            entry_ids = sorted({entry_id for _id, entry_id in rows})
            published = {e.id: e for e in self.log_source.published(session, entry_ids)}
            lex = _generation_lexicon(gen)
            with _writer(gen, merge) as w:
                for entry_id in entry_ids:
                    entry = published.get(entry_id)
                    if entry is None:
                        w.delete_by_term("entry_id", str(entry_id))
                    else:
                        w.update_document(**document_for(entry, lex))
            _write_applied(gen, rows[-1][0])
            return len(rows)

    def update_documents(self, entries=(), remove_entry_ids=()) -> None:
        """Write exactly these documents (a repair); the log position is unchanged."""
        gen = self._generation()
        if gen is None:
            raise IndexUnavailable("index missing")
        lex = _generation_lexicon(gen)
        with _file_lock(self.root / "apply.lock"), _writer(gen, merge=False) as w:
            for entry_id in remove_entry_ids:
                w.delete_by_term("entry_id", str(entry_id))
            for entry in entries:
                w.update_document(**document_for(entry, lex))

    def optimize_if_fragmented(self) -> bool:
        """Merge segments when there are many (maintenance worker only); True if it merged."""
        gen = self._generation()
        if gen is None:
            return False
        ix = FileStorage(str(gen)).open_index()
        try:
            segments = len(ix._segments())
        except Exception:
            return False
        if segments <= MAX_SEGMENTS:
            return False
        with _file_lock(self.root / "apply.lock"):
            ix.optimize()
        return True

    # ----------------------------------------------------------------- reading

    def searcher(self):
        """The searcher for the current app context (one request, one CLI command).

        Whoosh searchers are not thread-safe, so each context borrows its own from a
        small pool and gives it back at teardown (`release`). A pooled searcher is
        reopened when the index changed (never `Searcher.refresh()`). An unusable
        index raises IndexUnavailable and is marked for the maintenance worker."""
        holder = self.context()
        current = getattr(holder, "_kb_searcher", None)
        if current is not None and not self._is_current(current):
            current[1].close()
            current = None
        if current is None:
            current = holder._kb_searcher = self._acquire()
        return current[1]

    def state(self) -> tuple[str, int] | None:
        """What this context's searcher reads: (generation, Whoosh commit generation).
        Every applied log batch is a commit, so this names the index contents (a cache key)."""
        self.searcher()
        item = getattr(self.context(), "_kb_searcher", None)
        if item is None:
            return None
        return item[0].name, item[1].reader().generation()

    @contextlib.contextmanager
    def reading(self):
        """Wrap index reads: any failure inside (a damaged segment mid-query) becomes
        IndexUnavailable, the index is marked for a rebuild outside requests."""
        try:
            yield
        except IndexUnavailable:
            raise
        except Exception as exc:
            log.error("search index read failed; marked for rebuild", exc_info=exc)
            raise self.failed(exc) from None

    def failed(self, exc: BaseException) -> IndexUnavailable:
        """A read failed mid-query: drop this context's searcher, mark for rebuild, and
        return the IndexUnavailable to raise."""
        log.warning("search index read failed (%s); marked for rebuild", f"{type(exc).__name__}: {exc}")
        try:
            item = _pop_searcher(self.context())
        except RuntimeError:
            item = None
        if item is not None:
            with contextlib.suppress(Exception):
                item[1].close()
        self.mark_dirty()
        return IndexUnavailable(f"{type(exc).__name__}: {exc}")

    def _is_current(self, item) -> bool:
        generation, searcher = item
        try:
            return generation == self._generation() and searcher.up_to_date()
        except Exception:
            return False

    def release(self) -> None:
        """Give the current context's searcher back to the pool."""
        try:
            item = _pop_searcher(self.context())
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
            log.warning("search index unusable (%s); marked for rebuild", f"{type(exc).__name__}: {exc}")
            self.mark_dirty()
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from None

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

    def documents(self) -> dict[int, int]:
        """{entry id: revision id} of every indexed document (for consistency checks)."""
        s = self.searcher()
        return {int(fields["entry_id"]): int(fields["revision_id"]) for fields in s.all_stored_fields()}

    def slugs(self) -> set[str]:
        """Every slug in the index."""
        s = self.searcher()
        return {fields["slug"] for fields in s.all_stored_fields()}
