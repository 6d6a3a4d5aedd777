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

STATE_LABELS = {
    "draft": "Utkast",
    "submitted": "Inskickat för granskning",
    "changes_requested": "Ändringar begärda",
    "approved": "Godkänt",
    "published": "Publicerat",
    "rejected": "Avslaget",
    "archived": "Arkiverat",
}

ACTION_LABELS = {
    Action.SAVE: "Spara",
    Action.SUBMIT: "Skicka för granskning",
    Action.REQUEST_CHANGES: "Begär ändringar",
    Action.APPROVE: "Godkänn och publicera",
    Action.REJECT: "Avslå",
    Action.ARCHIVE: "Arkivera",
    Action.REPUBLISH: "Publicera igen",
}


class InvalidTransition(Exception):
    """An action that the current state does not allow; the message says why, in Swedish."""

    def __init__(self, action: Action, current: str, allowed_from: frozenset):
        self.action, self.current = action, current
        allowed = ", ".join(STATE_LABELS.get(s.value, s.value).lower() for s in sorted(allowed_from, key=str))
        super().__init__(
            f"”{ACTION_LABELS[action]}” går inte när exemplet är {STATE_LABELS.get(current, current).lower()}; "
            f"det går bara från: {allowed or 'inget läge'}."
        )


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


def allowed_actions(entry) -> list[Action]:
    """Actions the entry's current states allow (before permissions are considered)."""
    actions = []
    working = entry.working_revision
    for action, (allowed_from, _target) in REVIEW_TRANSITIONS.items():
        if action is not Action.SAVE and working is not None and working.review_state in allowed_from:
            actions.append(action)
    for action, (allowed_from, _target) in PUBLICATION_TRANSITIONS.items():
        if entry.state in allowed_from:
            actions.append(action)
    return actions
