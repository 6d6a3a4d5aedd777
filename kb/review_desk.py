"""The review desk's use cases: what changed since the last review round, and bulk actions.

Bulk actions apply one action to several examples, each in a savepoint of its own:
each is checked against permissions (county scope) and the four-eyes rule by the
same service a single action uses, each is audited, and a refused item leaves
the others untouched. The caller commits once. Like all stored history, the audit
row of a refusal is in Swedish whatever the moderator's interface language.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from . import audit, freshness, moderation
from .extensions import db
from .i18n import current_language
from .labels import BULK_ACTIONS
from .models import Entry, Revision
from .permissions import PermissionDenied
from .workflow import Action, InvalidTransition

MAX_BULK = 100
REVIEW_ROUND_ACTIONS = ("request_changes",)


def last_reviewed_revision(entry: Entry) -> Revision | None:
    """The revision a moderator last sent back with "request changes", when a newer one is now under review."""
    working = entry.working_revision
    if working is None:
        return None
    for event in reversed(entry.events):
        if event.action == "approve":
            return None  # a new round after publication starts from the published text
        if event.action in REVIEW_ROUND_ACTIONS and event.revision is not None:
            return event.revision if event.revision_id != working.id else None
    return None


@dataclass
class BulkOutcome:
    entry_id: int
    title: str
    ok: bool
    message: str


def _title(entry: Entry) -> str:
    rev = entry.working_revision or entry.published_revision
    return (rev.title if rev is not None else "") or "(utan rubrik)"


REFUSALS = (PermissionDenied, InvalidTransition, moderation.CommentRequired, moderation.IncompleteEntry,
            freshness.NotVerifiable)


def _attempt(actor: audit.Actor, entry: Entry, action: str, comment: str) -> None:
    """One item of a bulk action, in a savepoint: a refusal leaves nothing behind."""
    with db.session.begin_nested():
        if action == "verify":
            freshness.mark_verified(actor, entry, comment)
        else:
            moderation.transition(actor, entry, Action(action), comment)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, PermissionDenied) and not exc.visible:
        return _("Exemplet finns inte eller hör inte till ditt län.")
    return str(exc)


def _in_swedish(actor: audit.Actor, entry: Entry, action: str, comment: str, shown: str) -> str:
    """The refusal as the audit log keeps it: in Swedish. The messages are formatted when raised,
    so a moderator using English gets the same (side-effect-free) check once more in Swedish."""
    if current_language() == "sv":
        return shown
    with force_locale("sv"):
        try:
            _attempt(actor, entry, action, comment)
        except REFUSALS as exc:
            return _refusal(exc)
    return shown


def bulk_apply(actor: audit.Actor, entry_ids: list[int], action: str, comment: str = "") -> list[BulkOutcome]:
    """Apply `action` (approve, archive or verify) to each example; one outcome per item, in order."""
    if action not in BULK_ACTIONS:
        raise ValueError(f"okänd massåtgärd {action!r}; giltiga: {', '.join(BULK_ACTIONS)}")
    outcomes: list[BulkOutcome] = []
    seen: set[int] = set()
    for entry_id in entry_ids[:MAX_BULK]:
        if entry_id in seen:
            continue
        seen.add(entry_id)
        entry = db.session.get(Entry, entry_id)
        if entry is None:
            outcomes.append(BulkOutcome(entry_id, f"#{entry_id}", False, _("Exemplet finns inte.")))
            continue
        title = _title(entry)
        try:
            _attempt(actor, entry, action, comment)
        except REFUSALS as exc:
            if isinstance(exc, PermissionDenied) and not exc.visible:
                title = f"#{entry_id}"
            message = _refusal(exc)
            stored = _in_swedish(actor, entry, action, comment, message)
            audit.record(actor, "bulk_refused", "entry", entry_id, detail=f"{action}: {stored}"[:500])
            outcomes.append(BulkOutcome(entry_id, title, False, message))
            continue
        outcomes.append(BulkOutcome(entry_id, title, True, {
            "approve": _("Godkänt och publicerat."), "archive": _("Arkiverat."), "verify": _("Markerat som kontrollerat."),
        }[action]))
    return outcomes
