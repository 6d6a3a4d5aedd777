"""Every legal and illegal transition of the state machine tables."""
from __future__ import annotations

import itertools

import pytest

from kb.models import EntryState, RevisionState
from kb.workflow import (
    COMMENT_REQUIRED,
    PUBLICATION_TRANSITIONS,
    REVIEW_TRANSITIONS,
    Action,
    InvalidTransition,
    publication_target,
    review_target,
)

LEGAL_REVIEW = {
    (RevisionState.DRAFT, Action.SAVE): RevisionState.DRAFT,
    (RevisionState.CHANGES_REQUESTED, Action.SAVE): RevisionState.CHANGES_REQUESTED,
    (RevisionState.DRAFT, Action.SUBMIT): RevisionState.SUBMITTED,
    (RevisionState.CHANGES_REQUESTED, Action.SUBMIT): RevisionState.SUBMITTED,
    (RevisionState.SUBMITTED, Action.REQUEST_CHANGES): RevisionState.CHANGES_REQUESTED,
    (RevisionState.SUBMITTED, Action.APPROVE): RevisionState.APPROVED,
    (RevisionState.SUBMITTED, Action.REJECT): RevisionState.REJECTED,
}
LEGAL_PUBLICATION = {
    (EntryState.PUBLISHED, Action.ARCHIVE): EntryState.ARCHIVED,
    (EntryState.ARCHIVED, Action.REPUBLISH): EntryState.PUBLISHED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(RevisionState, REVIEW_TRANSITIONS)))
def test_review_transition(state, action):
    expected = LEGAL_REVIEW.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as err:
            review_target(action, state)
        assert "går bara från" in str(err.value)
    else:
        assert review_target(action, state) is expected


@pytest.mark.parametrize(("state", "action"), list(itertools.product(EntryState, PUBLICATION_TRANSITIONS)))
def test_publication_transition(state, action):
    expected = LEGAL_PUBLICATION.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            publication_target(action, state)
    else:
        assert publication_target(action, state) is expected


def test_final_states_have_no_way_out():
    for action in REVIEW_TRANSITIONS:
        for final in (RevisionState.APPROVED, RevisionState.REJECTED):
            with pytest.raises(InvalidTransition):
                review_target(action, final)


def test_comment_required_for_request_changes_and_reject_only():
    assert COMMENT_REQUIRED == {Action.REQUEST_CHANGES, Action.REJECT}
