"""The durable link from database changes to every process's search index.

1. Any flush that changes what the public may see of an entry (a new entry, its state,
   slug or published revision, or the text of its published revision) notes the entry.
2. Just before the commit, one `index_log` row per noted entry is written in the same
   transaction. On PostgreSQL the rows are written under an EXCLUSIVE lock on index_log
   held until the commit, so ids become visible in id order and a reader that has seen
   id n never later meets a smaller one (SQLite serialises writers anyway).
3. After the commit, this process applies the log to its own index (no segment merge,
   so a request never waits for one). A failure is logged and the rows stay: they are
   applied by the next commit, the maintenance worker, or `flask kb check --repair`.
4. Each serving process runs a maintenance worker thread: at start-up and every
   KB_INDEX_POLL_SECONDS it applies the log (changes committed by other workers or other
   machines sharing the database), rebuilds an index that a read found damaged, and
   merges segments. No rebuild ever runs inside a user request.

Nobody calls the index by hand: services change the database, the hooks here follow.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import weakref
from itertools import chain

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session, selectinload

from .models import Entry, EntryState, IndexLogEntry, Municipality, Revision

log = logging.getLogger(__name__)
NOTED = "kb_index_noted"
WRITTEN = "kb_index_written"
REBUILD_INSTEAD = 500  # more pending rows than this (a big load): a rebuild is faster
_PUBLIC_FACE = ("state", "slug", "published_revision", "published_revision_id")


# --------------------------------------------------------------------------- reading the log


def published_query():
    """Published entries with everything the index needs, loaded eagerly."""
    return (
        sa.select(Entry)
        .where(Entry.state == EntryState.PUBLISHED, Entry.published_revision_id.is_not(None))
        .options(
            selectinload(Entry.published_revision).selectinload(Revision.municipalities).selectinload(Municipality.county),
            selectinload(Entry.published_revision).selectinload(Revision.counties),
            selectinload(Entry.published_revision).selectinload(Revision.tags),
            selectinload(Entry.published_revision).selectinload(Revision.category),
        )
        .order_by(Entry.slug)
    )


def load_published(session: Session):
    """Every published entry, streamed (what a rebuild indexes): 1 000 entries at a time with
    their related rows, so those already indexed can be freed (~80 MB less at 10 000)."""
    return session.scalars(published_query().execution_options(yield_per=1000))


class LogSource:
    """How the search index reads the database's index log."""

    @staticmethod
    def last_id(session: Session) -> int:
        return session.scalar(sa.select(sa.func.max(IndexLogEntry.id))) or 0

    @staticmethod
    def rows_after(session: Session, applied: int) -> list[tuple[int, int]]:
        rows = session.execute(
            sa.select(IndexLogEntry.id, IndexLogEntry.entry_id).where(IndexLogEntry.id > applied).order_by(IndexLogEntry.id)
        )
        return [(row_id, entry_id) for row_id, entry_id in rows]

    @staticmethod
    def published(session: Session, entry_ids: list[int]) -> list[Entry]:
        return list(session.scalars(published_query().where(Entry.id.in_(entry_ids))))


@contextlib.contextmanager
def read_session():
    """A separate, read-only session (SQLite: a deferred transaction, never the write lock)."""
    from .extensions import db

    session = Session(bind=db.engine.execution_options(kb_read_only=True))
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# --------------------------------------------------------------------------- writing the log


def _changed(obj, names) -> bool:
    state = sa.inspect(obj)
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _note_public_changes(session: Session, _context, _instances) -> None:
    noted = session.info.setdefault(NOTED, set())
    for obj in chain(session.new, session.dirty):
        if isinstance(obj, Entry):
            if obj in session.new or _changed(obj, _PUBLIC_FACE):
                noted.add(obj)
        elif isinstance(obj, Revision) and obj not in session.new and session.is_modified(obj, include_collections=True):
            entry = obj.entry
            if entry is not None and entry.published_revision_id == obj.id:
                noted.add(entry)  # the published text itself was edited in place


def mark_for_reindex(session: Session, entries) -> None:
    """Note entries whose index document must be rewritten although they did not change
    themselves (e.g. a category renamed by a load); the log row is written at commit."""
    session.info.setdefault(NOTED, set()).update(entries)


@event.listens_for(Session, "before_commit")
def _write_log(session: Session) -> None:
    session.flush()  # pending changes are noted (before_flush) and new entries get their ids
    noted = session.info.pop(NOTED, None)
    if not noted:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE index_log IN EXCLUSIVE MODE"))
    for entry_id in sorted({e.id for e in noted if e.id is not None}):
        session.add(IndexLogEntry(entry_id=entry_id))
    session.flush()
    session.info.pop(NOTED, None)
    session.info[WRITTEN] = True


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    if not session.info.pop(WRITTEN, False) or not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config.get("KB_INDEX_APPLY_AFTER_COMMIT", True):
        return
    apply_pending(app)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(NOTED, None)
    session.info.pop(WRITTEN, None)


def apply_pending(app) -> None:
    """Apply the log to this process's index now; never raises (the rows stay for later).

    In a request, an unusable index is only marked (the worker rebuilds it); elsewhere
    (CLI, start-up) it is rebuilt here, as it is when a big load left many rows."""
    index = app.extensions["kb_index"]
    try:
        with read_session() as session:
            if not has_request_context():
                pending = LogSource.last_id(session) - (index.info()["applied"] or 0)
                if index.needs_rebuild() or pending > REBUILD_INSTEAD:
                    index.rebuild(session)
                    return
            index.apply_log(session)
    except Exception as exc:
        log.warning("search index update deferred (%s); the pending changes are applied later",
                    f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- maintenance worker


def maintain(app) -> str:
    """One round of index upkeep outside requests: rebuild if marked or unusable, else
    apply the log and merge segments when fragmented. Returns what it did."""
    index = app.extensions["kb_index"]
    with read_session() as session:
        if index.needs_rebuild():
            index.rebuild(session)
            return "rebuilt"
        applied = index.apply_log(session)
    merged = index.optimize_if_fragmented()
    return f"applied {applied}" + (", merged" if merged else "")


class IndexWorker(threading.Thread):
    """Per-process daemon thread running `maintain` every `interval` seconds."""

    def __init__(self, app, interval: float):
        super().__init__(name="kb-index-worker", daemon=True)
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        # The full Swedish word list is not preloaded: applying the log splits compounds
        # with the generation's hashed list; only a rebuild loads it (before its lock).
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    maintain(self.app)
            except Exception as exc:
                log.warning("search index maintenance failed (%s); retrying", f"{type(exc).__name__}: {exc}")
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


_workers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app → (pid, worker)
_workers_lock = threading.Lock()


def start_worker(app) -> IndexWorker | None:
    """Once per process and app (again after a fork): catch up with the log, which a crash
    after a commit may have left behind, then start the worker thread unless disabled."""
    with _workers_lock:
        pid, worker = _workers.get(app, (None, None))
        if pid == os.getpid() and (worker is None or worker.is_alive()):
            return worker
        worker = IndexWorker(app, float(app.config.get("KB_INDEX_POLL_SECONDS", 0.5))) if app.config.get("KB_INDEX_WORKER") else None
        _workers[app] = (os.getpid(), worker)
    apply_pending(app)
    if worker is not None:
        worker.start()
    return worker


def stop_worker(app) -> None:
    with _workers_lock:
        _pid, worker = _workers.pop(app, (None, None))
    if worker is not None and worker.is_alive():
        worker.stop()
        worker.join(timeout=10)


# --------------------------------------------------------------------------- checking


class Differences:
    """What the index holds that the database does not say, entry by entry."""

    def __init__(self, published: dict[int, tuple[str, int]], indexed: dict[int, int]):
        self.published = len(published)
        self.missing = sorted(published[e][0] for e in published.keys() - indexed.keys())
        self.extra = sorted(indexed.keys() - published.keys())
        self.stale = sorted(published[e][0] for e in published.keys() & indexed.keys() if published[e][1] != indexed[e])
        self._ids = {slug: entry_id for entry_id, (slug, _rev) in published.items()}

    def __len__(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.stale)

    def describe(self) -> list[str]:
        from flask_babel import gettext as _

        return (
            [_("saknas i indexet: %(slug)s", slug=slug) for slug in self.missing]
            + [_("inaktuellt i indexet (en äldre version): %(slug)s", slug=slug) for slug in self.stale]
            + [_("finns i indexet men är inte publicerat: exempel nr %(id)s", id=entry_id) for entry_id in self.extra]
        )

    def entry_ids_to_write(self) -> list[int]:
        return sorted(self._ids[slug] for slug in self.missing + self.stale)


def compare(session: Session, index) -> Differences:
    """Every indexed document's entry and revision against what the database publishes."""
    published = {
        entry_id: (slug, revision_id)
        for entry_id, slug, revision_id in session.execute(
            sa.select(Entry.id, Entry.slug, Entry.published_revision_id).where(
                Entry.state == EntryState.PUBLISHED, Entry.published_revision_id.is_not(None)
            )
        )
    }
    return Differences(published, index.documents())


def repair(session: Session, index, differences: Differences) -> None:
    """Rewrite exactly the documents that differ."""
    index.update_documents(
        entries=LogSource.published(session, differences.entry_ids_to_write()),
        remove_entry_ids=differences.extra,
    )
