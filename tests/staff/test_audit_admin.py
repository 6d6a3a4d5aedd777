"""Audit log (append-only, injection-proof), admin pages, never leaking unpublished text, user CLI."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from kb import accounts
from kb.audit import clean
from kb.extensions import db
from kb.models import AuditEvent

from .conftest import PASSWORD, USERS, X, entry, login, make_entry, post


def _events(app, action=None):
    with app.app_context():
        q = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            q = q.where(AuditEvent.action == action)
        return db.session.scalars(q).all()


def test_logins_failures_and_transitions_are_audited(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x", password="fel fel fel fel")
    login(client, "mod_x")
    entry_id = make_entry(staff_app, "contrib_x", X, state="submitted")
    post(client, f"/granska/{entry_id}/approve")
    failed = _events(staff_app, "login_failed")[-1]
    assert failed.actor == USERS["mod_x"][0] and failed.address == "127.0.0.1"
    assert _events(staff_app, "login")[-1].actor == USERS["mod_x"][0]
    approve = _events(staff_app, "entry_approve")[-1]
    assert (approve.from_state, approve.to_state, approve.object_id) == ("submitted", "approved", str(entry_id))
    assert approve.created_at is not None


def test_audit_values_cannot_forge_lines():
    forged = "Eve\naction=login actor=admin@example.se\r\u2028x\x1b[31m"
    cleaned = clean(forged)
    assert "\n" not in cleaned and "\r" not in cleaned and "\u2028" not in cleaned and "\x1b" not in cleaned
    assert cleaned.startswith("Eve\\naction=login")


def test_failed_login_with_line_breaks_in_email_is_stored_escaped(staff_app):
    client = staff_app.test_client()
    from .conftest import csrf_from

    client.post("/logga-in", data={"email": "x\nactor=admin", "password": "y" * 12, "csrf_token": csrf_from(client)})
    assert all("\n" not in (e.actor + e.object_id) for e in _events(staff_app))


def test_audit_log_is_append_only_in_the_database(staff_app):
    login(staff_app.test_client(), "mod_x")
    with staff_app.app_context():
        with pytest.raises(sa.exc.DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE audit_log SET actor = 'someone else'"))
        with pytest.raises(sa.exc.DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_log"))
    assert _events(staff_app)


def test_admin_browses_and_filters_the_audit_log(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    html = client.get("/admin/logg?action=login").get_data(as_text=True)
    assert "admin@example.se" in html
    other = staff_app.test_client()
    login(other, "mod_x")
    assert other.get("/admin/logg").status_code == 403


def test_admin_adds_disables_and_enables_a_user(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    resp = post(client, "/admin/anvandare", {"email": "ny@example.se", "name": "Ny", "role": "moderator", "county": "20", "password": PASSWORD})
    assert resp.status_code == 303
    with staff_app.app_context():
        new = accounts.find_user("ny@example.se")
        assert new.county_code == "20"
        new_id = new.id
    assert post(client, f"/admin/anvandare/{new_id}/inaktivera").status_code == 303
    assert login(staff_app.test_client(), "mod_x").status_code == 302  # others unaffected
    with staff_app.app_context():
        assert accounts.find_user("ny@example.se").active is False
    assert post(client, f"/admin/anvandare/{new_id}/aktivera").status_code == 303
    with staff_app.app_context():
        assert accounts.find_user("ny@example.se").active is True


def test_admin_add_user_form_errors_keep_input(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    resp = post(client, "/admin/anvandare", {"email": "ny2@example.se", "name": "Ny Två", "role": "moderator", "county": "", "password": "kort"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "måste höra till ett län" in html and "minst 12 tecken" in html and 'value="ny2@example.se"' in html


@pytest.mark.parametrize("state", ["draft", "submitted", "changes_requested", "rejected", "archived"])
def test_never_leak_unpublished_anywhere(staff_app, tmp_path, state):
    title = f"Hemligt utkast zanzibar {state}"
    entry_id = make_entry(staff_app, "contrib_x", X, state=state, title=title)
    with staff_app.app_context():
        slug = entry(staff_app, entry_id).slug
        from kb.exchange import export_content

        export_content(tmp_path)
    public = staff_app.test_client()
    assert public.get(f"/exempel/{slug}").status_code == 404
    assert public.get(f"/api/v1/examples/{slug}").status_code == 404
    assert public.get("/api/v1/search?q=zanzibar").get_json()["total"] == 0
    assert "Hemligt utkast" not in public.get("/sok?q=zanzibar").get_data(as_text=True)
    assert "Hemligt utkast" not in public.get("/sok").get_data(as_text=True)
    assert "Hemligt utkast" not in public.get("/").get_data(as_text=True)
    assert public.get(f"/granska/{entry_id}").status_code == 302  # to login, not the text
    assert not any("zanzibar" in p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.md"))
    other_county = staff_app.test_client()
    login(other_county, "mod_y")
    assert other_county.get(f"/granska/{entry_id}").status_code == 404


def test_pending_edit_of_published_example_does_not_leak(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published", title="Publicerad läxhjälp")
    client = staff_app.test_client()
    login(client, "contrib_x")
    form = client.get(f"/redigera/{entry_id}").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    post(client, f"/redigera/{entry_id}", {
        "title": "Publicerad läxhjälp", "summary": "Nytt: quetzal.", "category": "kvalitet-i-verksamheten",
        "municipalities": ["2081"], "status": "pågående", "body": "quetzal", "version": version, "save": "1",
    })
    public = staff_app.test_client()
    with staff_app.app_context():
        slug = entry(staff_app, entry_id).slug
    assert "quetzal" not in public.get(f"/exempel/{slug}").get_data(as_text=True)
    assert "quetzal" not in str(public.get(f"/api/v1/examples/{slug}").get_json())
    assert public.get("/api/v1/search?q=quetzal").get_json()["total"] == 0


def test_cli_user_commands(staff_app):
    runner = staff_app.test_cli_runner()
    result = runner.invoke(args=["kb", "user", "add", "cli@example.se", "--role", "contributor", "--county", "Dalarnas län", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["kb", "user", "add", "cli2@example.se", "--role", "moderator", "--county", "Dalarnas lään", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "Dalarnas län" in result.output
    result = runner.invoke(args=["kb", "user", "add", "cli3@example.se", "--role", "contributor", "--county", "20"], input="ett annat långt lösenord\nett annat långt lösenord\n")
    assert result.exit_code == 0, result.output
    assert "cli@example.se" in runner.invoke(args=["kb", "user", "list"]).output
    assert runner.invoke(args=["kb", "user", "disable", "cli@example.se"]).exit_code == 0
    assert "inaktiverad" in runner.invoke(args=["kb", "user", "list"]).output
    assert runner.invoke(args=["kb", "user", "set-password", "cli@example.se", "--password-stdin"], input="kort\n").exit_code == 1
    assert runner.invoke(args=["kb", "user", "set-password", "cli@example.se", "--password-stdin"], input="ännu ett långt lösenord\n").exit_code == 0
    assert runner.invoke(args=["kb", "user", "disable", "finns@inte.se"]).exit_code == 1
    with staff_app.app_context():
        assert accounts.find_user("cli@example.se").password_hash.startswith("$argon2id$")


def test_admin_edits_synonyms_and_they_work_without_reindex(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    public = staff_app.test_client()
    assert public.get("/api/v1/search?q=zebrafink").get_json()["total"] == 0
    text = client.get("/admin/synonymer").get_data(as_text=True)
    assert "anläggningsboende" in text
    with staff_app.app_context():
        from kb.search import synonyms as syn

        current = syn.current_text(db.session)
    resp = post(client, "/admin/synonymer", {"text": current + "- [zebrafink, ägardirektiv]\n"})
    assert resp.status_code == 303
    assert public.get("/api/v1/search?q=zebrafink").get_json()["results"][0]["slug"] == "agardirektiv-till-bostadsbolag"


def test_admin_synonym_errors_keep_text_and_change_nothing(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    resp = post(client, "/admin/synonymer", {"text": "groups:\n- [bara ett]\n- [trasig"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "sparades inte" in html and "[trasig" in html
    assert post(staff_app.test_client(), "/admin/synonymer", {"text": "groups: []"}).status_code == 302  # anonymous: login


def test_moderators_cannot_edit_synonyms(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    assert client.get("/admin/synonymer").status_code == 403
