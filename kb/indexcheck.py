"""`flask kb check` and the start-up check: is the search index in step with the database?

A full check compares what the index holds with the published entries. After a full
check (or rebuild) that found them equal, a small stamp in the index directory records
the live generation and a fingerprint of the published state (slug → published
revision). At start-up (`flask kb prepare`) the quick check reads that recorded state:
same generation, no repair flag and the same fingerprint mean nothing has changed since
the index was last verified, so nothing is compared. Any publish, edit, archive or load
changes the fingerprint, and the full check runs.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from . import services
from .extensions import db
from .models import Entry, EntryState

log = logging.getLogger(__name__)
STAMP = "kb-verified.json"


def fingerprint() -> str:
    """A hash of what the public sees: every published slug with its live revision id."""
    rows = db.session.execute(
        sa.select(Entry.slug, Entry.published_revision_id)
        .where(Entry.state == EntryState.PUBLISHED, Entry.published_revision_id.is_not(None))
        .order_by(Entry.slug)
    )
    digest = hashlib.sha256()
    for slug, revision_id in rows:
        digest.update(f"{slug}:{revision_id}\n".encode())
    return digest.hexdigest()


def _generation(index) -> str | None:
    live = Path(index.root) / "live"
    return os.path.basename(os.path.realpath(live)) if live.is_symlink() else None


def _stamp_path(index) -> Path:
    return Path(index.root) / STAMP


def record_verified(index) -> None:
    """Remember that the live generation matches the database as it is now."""
    data = {"generation": _generation(index), "fingerprint": fingerprint()}
    path = _stamp_path(index)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def unchanged_since_verified(index) -> bool:
    """True when the recorded state says the index was verified against exactly this database state."""
    try:
        data = json.loads(_stamp_path(index).read_text())
    except (OSError, ValueError):
        return False
    if index.dirty_flag.exists() or data.get("generation") != _generation(index):
        return False
    return data.get("fingerprint") == fingerprint()


def check(repair: bool, full: bool, echo: Callable[[str], None], rebuild: Callable, progress=None) -> int:
    """Check (and with `repair` rebuild) the index; returns the exit code. Messages are Swedish (CLI).

    `progress` (optional) has start(n) and step(): told about each published entry compared.
    """
    index = services.search_index()
    ok, reason = index.status()
    if not ok:
        log.warning("search index unusable: %s", reason)
        if repair:
            echo("Sökindexet saknas eller går inte att läsa; det byggs från databasen.")
            count = rebuild(index)
            record_verified(index)
            echo(f"Reparerat: indexet byggdes om ({count} publicerade exempel).")
            return 0
        echo(f"Sökindexet går inte att använda ({reason}). Kör `flask kb check --repair` eller `flask kb reindex`.")
        return 1
    if not full and unchanged_since_verified(index):
        echo("Sökindexet är aktuellt: databasen är oförändrad sedan indexet senast kontrollerades.")
        return 0
    entries = services.published_entries()
    in_index = index.slugs()
    if progress is not None:
        progress.start(len(entries))
    in_db = set()
    for entry in entries:
        in_db.add(entry.slug)
        if progress is not None:
            progress.step()
    missing, extra = sorted(in_db - in_index), sorted(in_index - in_db)
    for slug in missing:
        echo(f"saknas i indexet: {slug}")
    for slug in extra:
        echo(f"finns i indexet men är inte publicerat: {slug}")
    if not missing and not extra:
        record_verified(index)
        echo(f"Indexet stämmer med databasen: {len(in_db)} publicerade exempel.")
        return 0
    if repair:
        count = rebuild(index)
        record_verified(index)
        echo(f"Reparerat: indexet byggdes om ({count} publicerade exempel).")
        return 0
    return 1
