"""Role × action × owning county, from one table, through real HTTP requests with CSRF on.

Outcomes: ok (allowed and done), 403 (may see the example, may not act), 404 (may not
know it exists), login (anonymous: sent to the login page).
"""
from __future__ import annotations

import pytest

from .conftest import X, Y, entry, login, make_entry, post

ROLES = ["anonymous", "contributor_of_X", "moderator_of_X", "moderator_of_Y", "admin"]
LOGIN_AS = {"contributor_of_X": "contrib_x", "moderator_of_X": "mod_x", "moderator_of_Y": "mod_y", "admin": "admin"}
# The author of each example: a contributor of the owning county.
AUTHOR = {X: "contrib_x", Y: "contrib_y"}

# action: (state the example is in before, how to do it)
ACTIONS = {
    "view_draft": ("submitted", "GET", "/granska/{id}"),
    "edit": ("draft", "POST", "/redigera/{id}"),
    "submit": ("draft", "POST", "/granska/{id}/submit"),
    "approve": ("submitted", "POST", "/granska/{id}/approve"),
    "request_changes": ("submitted", "POST", "/granska/{id}/request_changes"),
    "reject": ("submitted", "POST", "/granska/{id}/reject"),
    "archive": ("published", "POST", "/granska/{id}/archive"),
    "manage_users": (None, "GET", "/admin/anvandare"),
}

# EXPECTED[role][action] = (outcome when the example is owned by X, owned by Y)
EXPECTED = {
    "anonymous": {a: ("login", "login") for a in ACTIONS},
    "contributor_of_X": {
        "view_draft": ("ok", "404"), "edit": ("ok", "404"), "submit": ("ok", "404"),
        "approve": ("403", "404"), "request_changes": ("403", "404"), "reject": ("403", "404"),
        "archive": ("403", "403"), "manage_users": ("403", "403"),
    },
    "moderator_of_X": {
        **{a: ("ok", "404") for a in ("view_draft", "edit", "submit", "approve", "request_changes", "reject")},
        "archive": ("ok", "403"), "manage_users": ("403", "403"),
    },
    "moderator_of_Y": {
        **{a: ("404", "ok") for a in ("view_draft", "edit", "submit", "approve", "request_changes", "reject")},
        "archive": ("403", "ok"), "manage_users": ("403", "403"),
    },
    "admin": {a: ("ok", "ok") for a in ACTIONS},
}

EDIT_FORM = {
    "title": "Ändrad rubrik", "summary": "Ändrad.", "category": "kvalitet-i-verksamheten",
    "municipalities": [], "status": "pågående", "body": "Ändrad text.", "save": "1",
}
DONE_STATE = {
    "submit": "submitted", "approve": "published", "request_changes": "changes_requested",
    "reject": "rejected", "archive": "archived",
}


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
        resp = post(client, url, data)
    if resp.status_code == 302 and "/logga-in" in resp.headers.get("Location", ""):
        return "login"
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
    return "ok"


def test_permission_matrix(staff_app, capsys):
    rows, failures = [], []
    for role in ROLES:
        for action in ACTIONS:
            for i, county in enumerate((X, Y)):
                want = EXPECTED[role][action][i]
                got = run_cell(staff_app, role, action, county)
                rows.append((role, action, "X" if county == X else "Y", want, got))
                if got != want:
                    failures.append(rows[-1])
    with capsys.disabled():
        print("\n\nPermission matrix (role × action × owning county): expected / got")
        print(f"{'role':<18} {'action':<16} {'county':<6} {'expected':<9} {'got':<9}")
        for role, action, county, want, got in rows:
            mark = "PASS" if want == got else "FAIL"
            print(f"{role:<18} {action:<16} {county:<6} {want:<9} {got:<9} {mark}")
        print(f"{len(rows) - len(failures)} of {len(rows)} cells pass\n")
    assert not failures, failures


@pytest.mark.parametrize("role", ["contributor_of_X", "moderator_of_Y"])
def test_refusals_are_audited(staff_app, role):
    from kb.extensions import db
    from kb.models import AuditEvent
    import sqlalchemy as sa

    run_cell(staff_app, role, "approve", X)
    with staff_app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "permission_denied")).all()
    assert events and events[-1].object_id.startswith("/granska/")
