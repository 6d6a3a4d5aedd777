"""Role × action × owning county, from one table, through real HTTP requests with CSRF on.

Each cell is a test of its own (`test_permission_cell[role-action-county]`); they share
one app per module and each makes its own example. Outcomes: ok (allowed and done),
403 (may see the example, may not act), 404 (may not know it exists), login
(anonymous: sent to the login page).
"""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from kb.extensions import db
from kb.models import Adoption, Revision

from ..conftest import AppFactory
from .conftest import X, Y, add_staff, entry, login, make_entry, post

ROLES = ["anonymous", "contributor_of_X", "moderator_of_X", "moderator_of_Y", "admin"]
LOGIN_AS = {"contributor_of_X": "contrib_x", "moderator_of_X": "mod_x", "moderator_of_Y": "mod_y", "admin": "admin"}
# The author of each example: a contributor of the owning county.
AUTHOR = {X: "contrib_x", Y: "contrib_y"}

# action: (state the example is in before, how to do it)
ACTIONS = {
    "create": (None, "POST", "/nytt-exempel"),
    "view_draft": ("submitted", "GET", "/granska/{id}"),
    "edit": ("draft", "POST", "/redigera/{id}"),
    "submit": ("draft", "POST", "/granska/{id}/submit"),
    "approve": ("submitted", "POST", "/granska/{id}/approve"),
    "request_changes": ("submitted", "POST", "/granska/{id}/request_changes"),
    "reject": ("submitted", "POST", "/granska/{id}/reject"),
    "archive": ("published", "POST", "/granska/{id}/archive"),
    "republish": ("archived", "POST", "/granska/{id}/republish"),
    "verify": ("published", "POST", "/granska/{id}/kontrollera"),
    "record_adoption": ("published", "POST", "/granska/{id}/inspirerat"),
    "review": (None, "GET", "/granska"),
    "manage_users": (None, "GET", "/admin/anvandare"),
    "edit_synonyms": (None, "GET", "/admin/synonymer"),
    "view_audit": (None, "GET", "/admin/logg"),
}
ADMIN_PAGES = ("manage_users", "edit_synonyms", "view_audit")

# EXPECTED[role][action] = (outcome when the example is owned by X, owned by Y)
EXPECTED = {
    "anonymous": {a: ("login", "login") for a in ACTIONS},
    "contributor_of_X": {
        "create": ("ok", "ok"), "view_draft": ("ok", "404"), "edit": ("ok", "404"), "submit": ("ok", "404"),
        "record_adoption": ("ok", "403"), "approve": ("403", "404"), "request_changes": ("403", "404"), "reject": ("403", "404"),
        "archive": ("403", "403"), "republish": ("403", "404"), "verify": ("403", "403"),
        "review": ("own list", "own list"), **{a: ("403", "403") for a in ADMIN_PAGES},
    },
    "moderator_of_X": {
        **{a: ("ok", "404") for a in ("view_draft", "edit", "submit", "approve", "request_changes", "reject")},
        "archive": ("ok", "403"), "republish": ("ok", "404"), "verify": ("ok", "403"), "review": ("ok", "ok"),
        "create": ("ok", "ok"), "record_adoption": ("ok", "403"),
        **{a: ("403", "403") for a in ADMIN_PAGES},
    },
    "moderator_of_Y": {
        **{a: ("404", "ok") for a in ("view_draft", "edit", "submit", "approve", "request_changes", "reject")},
        "archive": ("403", "ok"), "republish": ("404", "ok"), "verify": ("403", "ok"), "review": ("ok", "ok"),
        "create": ("ok", "ok"), "record_adoption": ("403", "ok"),
        **{a: ("403", "403") for a in ADMIN_PAGES},
    },
    "admin": {a: ("ok", "ok") for a in ACTIONS},
}

EDIT_FORM = {
    "title": "Ändrad rubrik", "summary": "Ändrad.", "category": "kvalitet-i-verksamheten",
    "municipalities": [], "status": "pågående", "body": "Ändrad text.", "save": "1",
}
DONE_STATE = {
    "submit": "submitted", "approve": "published", "request_changes": "changes_requested",
    "reject": "rejected", "archive": "archived", "republish": "published",
}


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    """One app for every cell: each cell makes its own example, so the cells do not interfere."""
    factory = AppFactory(tmp_path_factory.mktemp("matrix"))
    app = factory(RATELIMIT_ENABLED=False)
    add_staff(app)
    yield app
    factory.close()


def run_cell(app, role: str, action: str, county: str) -> str:
    state, method, url = ACTIONS[action]
    entry_id = make_entry(app, AUTHOR[county], county, state=state) if state else 0
    client = app.test_client()
    if role != "anonymous":
        assert login(client, LOGIN_AS[role]).status_code == 302
    url = url.format(id=entry_id)
    if method == "GET":
        resp = client.get(url)
    else:
        data = {"comment": "Motivering från matrisen.", "confirm": "ja"}  # archive asks for confirmation first
        if action == "edit":
            data = dict(EDIT_FORM, municipalities=["2081" if county == X else "1280"])
            with app.app_context():
                data["version"] = str(entry(app, entry_id).version_id)  # as the edit form carries it
        elif action == "create":
            created_title = f"Nytt i matrisen: {role} {county}"
            data = dict(EDIT_FORM, title=created_title, municipalities=["2081" if county == X else "1280"])
        elif action == "record_adoption":
            data = {"municipality": "2080", "year": "2016"}  # Falun took it up
        resp = post(client, url, data)
    if resp.status_code == 302 and "/logga-in" in resp.headers.get("Location", ""):
        return "login"
    if resp.status_code == 302 and resp.headers.get("Location", "").endswith("/mina-exempel"):
        return "own list"  # no review queue: sent to their own examples
    if resp.status_code in (403, 404):
        return str(resp.status_code)
    if resp.status_code not in (200, 302, 303):
        return f"unexpected {resp.status_code}"
    with app.app_context():
        e = entry(app, entry_id) if entry_id else None
        if action in DONE_STATE and e.state.value != DONE_STATE[action]:
            return f"no effect ({e.state.value})"
        if action == "edit" and (e.working_revision is None or e.working_revision.title != "Ändrad rubrik"):
            return "no effect"
        if action == "verify" and e.verified_at is None:
            return "no effect"
        if action == "record_adoption" and not db.session.scalar(
                sa.select(sa.func.count(Adoption.id)).where(Adoption.entry_id == entry_id)):
            return "no effect"
        if action == "create" and not db.session.scalar(
                sa.select(sa.func.count(Revision.id)).where(Revision.title == created_title)):
            return "no effect"
    return "ok"


CELLS = [
    pytest.param(role, action, county, id=f"{role}-{action}-{'X' if county == X else 'Y'}")
    for role in ROLES for action in ACTIONS for county in (X, Y)
]


@pytest.mark.parametrize(("role", "action", "county"), CELLS)
def test_permission_cell(matrix_app, role, action, county):
    want = EXPECTED[role][action][0 if county == X else 1]
    assert run_cell(matrix_app, role, action, county) == want


def test_matrix_covers_every_permission():
    """Every permission has a row here, with an expected outcome for every role."""
    from kb.permissions import Permission

    assert set(Permission) == set(ACTIONS)
    assert all(set(EXPECTED[role]) == set(ACTIONS) for role in ROLES)


@pytest.mark.parametrize("role", ["contributor_of_X", "moderator_of_Y"])
def test_refusals_are_audited(matrix_app, role):
    from kb.models import AuditEvent

    run_cell(matrix_app, role, "approve", X)
    with matrix_app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "permission_denied")).all()
    assert events and events[-1].object_id.startswith("/granska/")


# ----------------------------------------------------------------------------- the README's roles table

README = Path(__file__).resolve().parents[2] / "README.md"
README_COLUMNS = {"anonymous": "anonymous", "contributor of X": "contributor_of_X", "moderator of X": "moderator_of_X",
                  "moderator of Y": "moderator_of_Y", "admin": "admin"}
ENTRYLESS = {"create", "review", "manage_users", "edit_synonyms", "view_audit"}  # not about one example


def readme_roles_table() -> list[dict[str, str]]:
    """The rows of README.md's "### Roles" table as {column header: cell}."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Roles\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln.strip() for ln in section.splitlines() if ln.strip().startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in ln.strip("|").split("|")), strict=True)) for ln in lines[2:]]


def _permissions_of(row: dict[str, str]) -> list[str]:
    return re.findall(r"`([a-z_]+)`", row["permission"])


def _allows(cell: str) -> bool:
    return cell.startswith("✓") or cell in ("own", "own only")


def _readme_users():
    """Stand-ins for the README's columns: enough of a User for kb.permissions."""
    from kb.models import Role

    def person(uid, role, county):
        return SimpleNamespace(id=uid, role=role, county_code=county, is_authenticated=True, active=True)

    return {
        "anonymous": None, "contributor_of_X": person(1, Role.CONTRIBUTOR, X), "moderator_of_X": person(2, Role.MODERATOR, X),
        "moderator_of_Y": person(3, Role.MODERATOR, Y), "admin": person(4, Role.ADMIN, None),
    }


def test_readme_roles_table_names_every_permission_once():
    from kb.permissions import Permission

    named = [p for row in readme_roles_table() for p in _permissions_of(row)]
    assert sorted(named) == sorted(p.value for p in Permission), "README.md's roles table and kb/permissions.py disagree"


@pytest.mark.parametrize("column", list(README_COLUMNS))
def test_readme_roles_table_matches_the_permissions_table(column):
    """Each cell says allowed (✓…, own) exactly when kb.permissions.can says so, and names the outcome
    the HTTP matrix above finds (login, 403, 404; "–" is either)."""
    from kb.permissions import Permission, can

    role = README_COLUMNS[column]
    who = _readme_users()[role]
    # An unpublished example owned by X, created by the contributor of X, whose pending revision they wrote.
    example = SimpleNamespace(owner_county_code=X, created_by_id=1, working_revision=SimpleNamespace(author_id=1),
                              is_public=False)
    for row in readme_roles_table():
        cell = row[column]
        for name in _permissions_of(row):
            allowed = can(who, Permission(name), None if name in ENTRYLESS else example)
            assert _allows(cell) == allowed, f"README {row['']!r} × {column}: {cell!r}, but can() says {allowed}"
            http = EXPECTED[role][name][0]
            if allowed:
                assert http == "ok", (row[""], column, http)
            elif cell == "–":
                assert http in ("403", "404"), (row[""], column, http)
            else:
                assert cell == http, f"README {row['']!r} × {column}: {cell!r}, but the matrix finds {http!r}"
