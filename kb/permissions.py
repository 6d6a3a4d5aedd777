"""The only place that interprets roles and county scope.

Services enforce these rules by raising; templates only ask, to hide buttons.
"""
from __future__ import annotations

import enum

import sqlalchemy as sa

from .models import Entry, Role


class Permission(enum.StrEnum):
    VIEW_DRAFT = "view_draft"  # see an example's unpublished text, thread and history
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    ARCHIVE = "archive"  # and publish again
    VERIFY = "verify"  # record that the example was checked and is still true
    RECORD_ADOPTION = "record_adoption"  # record that another municipality took the example up
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"


class PermissionDenied(Exception):
    """The actor may not do this; `visible` tells whether they may know the example exists."""

    def __init__(self, message: str = "Du har inte behörighet att göra det här.", visible: bool = True):
        self.visible = visible
        super().__init__(message)


MODERATOR_ACTIONS = {
    Permission.VIEW_DRAFT, Permission.CREATE, Permission.EDIT, Permission.SUBMIT, Permission.APPROVE,
    Permission.REQUEST_CHANGES, Permission.REJECT, Permission.ARCHIVE, Permission.VERIFY,
    Permission.RECORD_ADOPTION,
}
CONTRIBUTOR_ACTIONS = {
    Permission.VIEW_DRAFT, Permission.CREATE, Permission.EDIT, Permission.SUBMIT, Permission.RECORD_ADOPTION,
}
ADMIN_ONLY = {Permission.MANAGE_USERS, Permission.VIEW_AUDIT}


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "active", False)


def is_own(user, entry: Entry) -> bool:
    """The user wrote the example, or the revision now under review."""
    if entry.created_by_id == user.id:
        return True
    working = entry.working_revision
    return working is not None and working.author_id == user.id


def is_own_submission(user, entry: Entry) -> bool:
    """The revision under review was written by this user (four-eyes rule for approval)."""
    working = entry.working_revision
    return working is not None and working.author_id == user.id


def can(user, permission: Permission, entry: Entry | None = None) -> bool:
    """Whether `user` may do `permission` (on `entry`, when it concerns one)."""
    if not _active(user):
        return False
    if permission in ADMIN_ONLY:
        return user.role is Role.ADMIN
    if permission is Permission.CREATE:
        return user.role is Role.ADMIN or user.county_code is not None
    if entry is None:
        return False
    if permission is Permission.APPROVE and is_own_submission(user, entry):
        return False  # another moderator of the county, or an admin, must approve
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.MODERATOR:
        return permission in MODERATOR_ACTIONS and entry.owner_county_code == user.county_code
    if user.role is Role.CONTRIBUTOR:
        return permission in CONTRIBUTOR_ACTIONS and is_own(user, entry)
    return False


def can_see(user, entry: Entry) -> bool:
    """Whether the user may know this example exists (public, or its draft is visible to them)."""
    return entry.is_public or can(user, Permission.VIEW_DRAFT, entry)


def require(user, permission: Permission, entry: Entry | None = None) -> None:
    """Raise PermissionDenied unless allowed; invisible examples are reported as not visible (404)."""
    if can(user, permission, entry):
        return
    visible = entry is None or can_see(user, entry)
    if permission is Permission.APPROVE and entry is not None and _active(user) and is_own_submission(user, entry):
        raise PermissionDenied("Du kan inte godkänna en ändring du själv har skrivit; en annan moderator eller en administratör måste göra det.", visible)
    raise PermissionDenied(visible=visible)


def scope_entries(user, query: sa.Select) -> sa.Select:
    """Restrict a select of Entry to what the user may review or edit, in SQL."""
    if not _active(user):
        return query.where(sa.false())
    if user.role is Role.ADMIN:
        return query
    if user.role is Role.MODERATOR:
        return query.where(Entry.owner_county_code == user.county_code)
    return query.where(Entry.created_by_id == user.id)
