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
from flask_babel import gettext as _
from flask_babel import ngettext

from . import indexing, services
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


def check(repair: bool, full: bool, echo: Callable[[str], None], rebuild: Callable) -> int:
    """Check (and with `repair` fix) the index; returns the exit code. Messages follow KB_LANGUAGE (CLI).

    An unusable index (missing, unreadable, other analysis version, marked) is rebuilt
    with `rebuild(index)`. Otherwise, with `repair`, the change log is applied first;
    then unless `full` the recorded state may show nothing changed since the last
    verification; else every indexed document (entry and revision) is compared with the
    database and exactly the differences are rewritten (kb/indexing.py)."""
    index = services.search_index()
    with indexing.read_session() as session:
        if index.needs_rebuild(thorough=True):
            reason = _("markerat för ombyggnad") if index.dirty_flag.exists() else index.status()[1]
            log.warning("search index unusable: %s", reason)
            if not repair:
                echo(_("Sökindexet går inte att använda (%(reason)s). Kör `flask kb check --repair` eller `flask kb reindex`.",
                       reason=reason))
                return 1
            echo(_("Sökindexet går inte att använda (%(reason)s); det byggs från databasen.", reason=reason))
            session.rollback()  # rebuild reads its own snapshot
            count = rebuild(index)
            record_verified(index)
            echo(_("Reparerat: indexet byggdes om (%(count)s).", count=count if count is not None else _("av en annan process")))
            return 0
        if repair:
            applied = index.apply_log(session)
            if applied:
                echo(ngettext("Tillämpade %(num)s väntande ändringar från ändringsloggen.",
                              "Tillämpade %(num)s väntande ändringar från ändringsloggen.", applied))
        if not full and unchanged_since_verified(index):
            echo(_("Sökindexet är aktuellt: databasen är oförändrad sedan indexet senast kontrollerades."))
            return 0
        differences = indexing.compare(session, index)
        for line in differences.describe():
            echo(line)
        if not differences:
            record_verified(index)
            echo(ngettext("Indexet stämmer med databasen: %(num)s publicerade exempel.",
                          "Indexet stämmer med databasen: %(num)s publicerade exempel.", differences.published))
            return 0
        if not repair:
            return 1
        indexing.repair(session, index, differences)
        record_verified(index)
        echo(ngettext("Reparerat: %(num)s dokument skrevs om eller togs bort.", "Reparerat: %(num)s dokument skrevs om eller togs bort.",
                      len(differences)))
        return 0
