"""The only place that interprets roles and county scope: who may do what, on which examples.

One table (ROLE_PERMISSIONS) says which permissions each role has and on which examples
(all, those of the user's county, or the user's own); one table (ACTION_PERMISSIONS) says
which permission each workflow action needs; `available_actions` is the state machine's
offer (kb/workflow.py) intersected with them. "Own" has one meaning: the user created
the example (`is_own`, `own_entries`). The four-eyes rule is a separate question:
whoever wrote the revision under review may not approve it (`wrote_pending_revision`).

Services enforce these rules by raising (`require`); views and templates only ask
(`can`, `can_review`), to hide buttons and links. The command line acts as SYSTEM.
"""
from __future__ import annotations

import enum

import sqlalchemy as sa

from flask_babel import gettext as _

from .models import Entry, Role, User
from .workflow import Action, allowed_actions


class Permission(enum.StrEnum):
    VIEW_DRAFT = "view_draft"  # see an example's unpublished text, thread and history
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    ARCHIVE = "archive"
    REPUBLISH = "republish"  # publish an archived example again
    VERIFY = "verify"  # record that the example was checked and is still true
    RECORD_ADOPTION = "record_adoption"  # record that another municipality took the example up
    REVIEW = "review"  # the review queue and the "to check" list (and their navigation link)
    MANAGE_USERS = "manage_users"  # add, disable, change role, reset passwords and second factors
    EDIT_SYNONYMS = "edit_synonyms"  # the search synonym and abbreviation list
    VIEW_AUDIT = "view_audit"


class Scope(enum.Enum):
    """On which examples a role's permission holds."""

    ALL = "all"  # every example, every county
    COUNTY = "county"  # examples owned by the user's county
    OWN = "own"  # examples the user created (see is_own)


_COUNTY_MODERATION = {
    p: Scope.COUNTY for p in (
        Permission.VIEW_DRAFT, Permission.CREATE, Permission.EDIT, Permission.SUBMIT, Permission.APPROVE,
        Permission.REQUEST_CHANGES, Permission.REJECT, Permission.ARCHIVE, Permission.REPUBLISH,
        Permission.VERIFY, Permission.RECORD_ADOPTION, Permission.REVIEW,
    )
}

# role → permission → scope. A permission missing from a role's row is refused.
ROLE_PERMISSIONS: dict[Role, dict[Permission, Scope]] = {
    Role.ADMIN: {p: Scope.ALL for p in Permission},
    Role.MODERATOR: _COUNTY_MODERATION,
    Role.CONTRIBUTOR: {
        p: Scope.OWN for p in (
            Permission.VIEW_DRAFT, Permission.CREATE, Permission.EDIT, Permission.SUBMIT, Permission.RECORD_ADOPTION,
        )
    },
}

# workflow action → the permission it needs (the state it needs is kb/workflow.py's business)
ACTION_PERMISSIONS: dict[Action, Permission] = {
    Action.SAVE: Permission.EDIT,
    Action.SUBMIT: Permission.SUBMIT,
    Action.REQUEST_CHANGES: Permission.REQUEST_CHANGES,
    Action.APPROVE: Permission.APPROVE,
    Action.REJECT: Permission.REJECT,
    Action.ARCHIVE: Permission.ARCHIVE,
    Action.REPUBLISH: Permission.REPUBLISH,
}


class PermissionDenied(Exception):
    """The actor may not do this; `visible` tells whether they may know the example exists."""

    def __init__(self, message: str | None = None, visible: bool = True):
        self.visible = visible
        super().__init__(message if message is not None else _("Du har inte behörighet att göra det här."))


class SystemUser:
    """The system actor: the command line (`flask kb ...`) and maintenance jobs run by someone
    with access to the server itself. It may do everything; no web request can become it
    (a signed-in person is a User, an anonymous one None). Its audit rows read "system"."""

    id = None
    role = None
    county_code = None
    email = ""
    audit_label = "system"
    is_authenticated = True
    active = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemUser()


def system_actor(address: str = "cli"):
    """An audit.Actor for the system (the CLI passes "cli"; tests and benchmarks say who they are)."""
    from .audit import Actor

    return Actor(SYSTEM, address)


def is_system(user) -> bool:
    return user is SYSTEM


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "active", False)


def role_has(role: Role | None, permission: Permission) -> bool:
    """Whether the role grants `permission` on at least some examples."""
    return permission in ROLE_PERMISSIONS.get(role, {})


def roles_with(permission: Permission) -> set[Role]:
    """Every role that grants `permission` (for queries over users, e.g. who gets a notice)."""
    return {role for role, table in ROLE_PERMISSIONS.items() if permission in table}


def role_needs_county(role: Role) -> bool:
    """A role whose rights are bounded by a county (or by own examples) belongs to one; others are national."""
    return any(scope is not Scope.ALL for scope in ROLE_PERMISSIONS.get(role, {}).values())


def is_own(user, entry: Entry) -> bool:
    """The one meaning of "own": the user created the example (SQL form: own_entries)."""
    return user is not None and user.id is not None and entry.created_by_id == user.id


def own_entries(user) -> sa.ColumnElement[bool]:
    """SQL condition on Entry: the user's own examples (the same rule as is_own)."""
    return Entry.created_by_id == user.id


def wrote_pending_revision(user, entry: Entry) -> bool:
    """The revision under review was written by this user (four-eyes rule: they may not approve it)."""
    working = entry.working_revision
    return working is not None and user.id is not None and working.author_id == user.id


def _in_scope(user, entry: Entry, scope: Scope) -> bool:
    if scope is Scope.ALL:
        return True
    if scope is Scope.COUNTY:
        return user.county_code is not None and entry.owner_county_code == user.county_code
    return is_own(user, entry)


def can(user, permission: Permission, entry: Entry | None = None) -> bool:
    """Whether `user` may do `permission` (on `entry`; without one: on some example, e.g. create one)."""
    if is_system(user):
        return True
    if not _active(user):
        return False
    scope = ROLE_PERMISSIONS.get(user.role, {}).get(permission)
    if scope is None:
        return False
    if entry is None:
        return scope is Scope.ALL or user.county_code is not None
    if permission is Permission.APPROVE and wrote_pending_revision(user, entry):
        return False  # another moderator of the county, or an admin, must approve
    return _in_scope(user, entry, scope)


def can_review(user) -> bool:
    """Whether the user works a review queue (the navigation link, the queue and "to check" pages)."""
    return can(user, Permission.REVIEW)


def reviews_every_county(user) -> bool:
    """Whether the user's queue spans every county (and may be filtered by one)."""
    return is_system(user) or (_active(user) and ROLE_PERMISSIONS.get(user.role, {}).get(Permission.REVIEW) is Scope.ALL)


def requires_two_factor(user) -> bool:
    """Everyone who may review or manage users must sign in with a second factor (by role, active or not)."""
    role = getattr(user, "role", None)
    return role_has(role, Permission.REVIEW) or role_has(role, Permission.MANAGE_USERS)


def blocked_by_four_eyes(user, entry: Entry) -> bool:
    """The user could approve this example but wrote the revision under review (the page says why)."""
    if not _active(user) or not wrote_pending_revision(user, entry):
        return False
    scope = ROLE_PERMISSIONS.get(user.role, {}).get(Permission.APPROVE)
    return scope is not None and _in_scope(user, entry, scope)


def can_see(user, entry: Entry) -> bool:
    """Whether the user may know this example exists (public, or its draft is visible to them)."""
    return entry.is_public or can(user, Permission.VIEW_DRAFT, entry)


def require(user, permission: Permission, entry: Entry | None = None) -> None:
    """Raise PermissionDenied unless allowed; invisible examples are reported as not visible (404)."""
    if can(user, permission, entry):
        return
    visible = entry is None or can_see(user, entry)
    if permission is Permission.APPROVE and entry is not None and blocked_by_four_eyes(user, entry):
        raise PermissionDenied(_("Du kan inte godkänna en ändring du själv har skrivit; en annan moderator eller en administratör måste göra det."),
                               visible)
    raise PermissionDenied(visible=visible)


def can_manage_account(user, account: User) -> bool:
    """Whether `user` may change `account`'s password: the person themselves, or a user manager."""
    if is_system(user):
        return True
    if _active(user) and account is not None and user.id is not None and user.id == account.id:
        return True
    return can(user, Permission.MANAGE_USERS)


def require_account(user, account: User) -> None:
    """Raise PermissionDenied unless can_manage_account."""
    if not can_manage_account(user, account):
        raise PermissionDenied()


def available_actions(entry: Entry, user) -> list[Action]:
    """Workflow actions the user may take on the example now: the state machine's offer ∩ permissions."""
    return [a for a in allowed_actions(entry) if can(user, ACTION_PERMISSIONS[a], entry)]


def scope_entries(user, query: sa.Select) -> sa.Select:
    """Restrict a select of Entry to what the user may review or edit (their drafts' scope), in SQL."""
    if is_system(user):
        return query
    if not _active(user):
        return query.where(sa.false())
    scope = ROLE_PERMISSIONS.get(user.role, {}).get(Permission.VIEW_DRAFT)
    if scope is Scope.ALL:
        return query
    if scope is Scope.COUNTY:
        return query.where(Entry.owner_county_code == user.county_code)
    if scope is Scope.OWN:
        return query.where(own_entries(user))
    return query.where(sa.false())


def county_reviewers(county_code: str) -> sa.ColumnElement[bool]:
    """SQL condition on User: active users whose review queue is this county (who get its notices)."""
    county_roles = {r for r, table in ROLE_PERMISSIONS.items() if table.get(Permission.REVIEW) is Scope.COUNTY}
    return sa.and_(User.role.in_(county_roles), User.county_code == county_code, User.active.is_(True))


def holders_of(permission: Permission) -> sa.ColumnElement[bool]:
    """SQL condition on User: active users whose role grants `permission` (e.g. who manages users)."""
    return sa.and_(User.role.in_(roles_with(permission)), User.active.is_(True))
