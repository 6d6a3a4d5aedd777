"""The moderation state machine: states, the transitions table, InvalidTransition.

Two small machines, one table each:

* review of a revision (a new example's text, or a proposed edit of a published one):
  draft → submitted → (changes_requested → submitted)* → approved | rejected
* publication of an example: published → archived → published

An example that has never been published shows its revision's review state as
its own state (draft, submitted, changes_requested, rejected); approval publishes it.
"""
from __future__ import annotations

import enum

from flask_babel import gettext

from .labels import ACTIONS, STATES, label
from .models import EntryState, RevisionState


class Action(enum.StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    REJECT = "reject"
    ARCHIVE = "archive"
    REPUBLISH = "republish"


# action → (states it may start from, state it leads to)
REVIEW_TRANSITIONS: dict[Action, tuple[frozenset[RevisionState], RevisionState | None]] = {
    Action.SAVE: (frozenset({RevisionState.DRAFT, RevisionState.CHANGES_REQUESTED}), None),  # None: unchanged
    Action.SUBMIT: (frozenset({RevisionState.DRAFT, RevisionState.CHANGES_REQUESTED}), RevisionState.SUBMITTED),
    Action.REQUEST_CHANGES: (frozenset({RevisionState.SUBMITTED}), RevisionState.CHANGES_REQUESTED),
    Action.APPROVE: (frozenset({RevisionState.SUBMITTED}), RevisionState.APPROVED),
    Action.REJECT: (frozenset({RevisionState.SUBMITTED}), RevisionState.REJECTED),
}

PUBLICATION_TRANSITIONS: dict[Action, tuple[frozenset[EntryState], EntryState]] = {
    Action.ARCHIVE: (frozenset({EntryState.PUBLISHED}), EntryState.ARCHIVED),
    Action.REPUBLISH: (frozenset({EntryState.ARCHIVED}), EntryState.PUBLISHED),
}

COMMENT_REQUIRED = frozenset({Action.REQUEST_CHANGES, Action.REJECT})

class InvalidTransition(Exception):
    """An action that the current state does not allow; the message says why, in Swedish."""

    def __init__(self, action: Action, current: str, allowed_from: frozenset):
        self.action, self.current = action, current
        allowed = ", ".join(label(STATES, s).lower() for s in sorted(allowed_from, key=str))
        super().__init__(gettext(
            "”%(action)s” går inte när exemplet är %(state)s; det går bara från: %(allowed)s.",
            action=label(ACTIONS, action), state=label(STATES, current).lower(), allowed=allowed or gettext("inget läge"),
        ))


class NoPendingRevision(InvalidTransition):
    """A review action on a published or archived example that has no edit waiting: there is
    nothing to submit, approve or send back until someone proposes a change."""

    def __init__(self, action: Action, current: str):
        self.action, self.current = action, current
        what = label(STATES, current).lower()
        if action is Action.SUBMIT:
            message = gettext("Det finns ingen ändring att skicka för granskning: exemplet är %(state)s och ingen har "
                              "föreslagit en ändring. Redigera exemplet först (”Föreslå en ändring”) och skicka sedan "
                              "in den.", state=what)
        else:
            message = gettext("”%(action)s” går inte: exemplet är %(state)s och det finns ingen väntande ändring "
                              "att granska.", action=label(ACTIONS, action), state=what)
        Exception.__init__(self, message)


def review_target(action: Action, current: RevisionState | None) -> RevisionState:
    """The review state `action` leads to from `current`, or InvalidTransition."""
    allowed_from, target = REVIEW_TRANSITIONS[action]
    if current not in allowed_from:
        raise InvalidTransition(action, current.value if current else "none", allowed_from)
    return target or current


def publication_target(action: Action, current: EntryState) -> EntryState:
    """The entry state `action` leads to from `current`, or InvalidTransition."""
    allowed_from, target = PUBLICATION_TRANSITIONS[action]
    if current not in allowed_from:
        raise InvalidTransition(action, current.value, allowed_from)
    return target


def pending_review_target(action: Action, entry) -> RevisionState:
    """The review state `action` leads the example's pending revision to; NoPendingRevision when
    it has none (a published or archived example nobody has proposed a change to)."""
    working = entry.working_revision
    if working is None:
        raise NoPendingRevision(action, entry.state.value)
    return review_target(action, working.review_state)


def is_editable(entry) -> bool:
    """Whether the example's text may be edited now: its pending revision is a draft or was sent back,
    or it is published/archived with none pending (editing starts a new pending revision)."""
    working = entry.working_revision
    if working is None:
        return entry.state in (EntryState.PUBLISHED, EntryState.ARCHIVED)
    return working.review_state in REVIEW_TRANSITIONS[Action.SAVE][0]


def allowed_actions(entry) -> list[Action]:
    """Actions the entry's current states allow (before permissions: see permissions.available_actions)."""
    actions = []
    working = entry.working_revision
    for action, (allowed_from, _target) in REVIEW_TRANSITIONS.items():
        if action is not Action.SAVE and working is not None and working.review_state in allowed_from:
            actions.append(action)
    for action, (allowed_from, _target) in PUBLICATION_TRANSITIONS.items():
        if entry.state in allowed_from:
            actions.append(action)
    return actions
