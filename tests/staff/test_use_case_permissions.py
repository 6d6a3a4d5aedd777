"""Use cases check permissions themselves (not only the views), with a system actor for the CLI;
available_actions is the workflow's offer intersected with permissions."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from kb import accounts, moderation, twofactor
from kb.audit import Actor
from kb.cli import _cli_actor
from kb.extensions import db
from kb.models import AuditEvent, SynonymSet
from kb.permissions import SYSTEM, Permission, PermissionDenied, available_actions, can, is_system, system_actor
from kb.services import save_synonyms
from kb.workflow import Action, InvalidTransition, NoPendingRevision

from .conftest import PASSWORD, X, entry, login, make_entry, post, user

NEW_PASSWORD = "ett annat långt och ovanligt lösenord 7"


def test_cli_acts_as_the_system_actor_which_every_check_lets_through():
    assert is_system(_cli_actor().user) and _cli_actor().address == "cli"
    assert all(can(SYSTEM, p) for p in Permission)
    assert not any(can(None, p) for p in Permission)  # nobody signed in is not the system
    assert _cli_actor().label == "system"


@pytest.mark.parametrize("who", ["nobody", "contrib_x", "mod_x"])
def test_user_management_use_cases_refuse_everyone_but_user_managers(light_staff_app, who):
    with light_staff_app.app_context():
        actor = Actor(None if who == "nobody" else user(light_staff_app, who), "test")
        target = user(light_staff_app, "contrib_x2")
        with pytest.raises(PermissionDenied):
            accounts.add_user(actor, "ny@example.se", PASSWORD, "contributor", X)
        with pytest.raises(PermissionDenied):
            accounts.set_active(actor, target, False)
        with pytest.raises(PermissionDenied):
            accounts.set_password(actor, target, NEW_PASSWORD)
        with pytest.raises(PermissionDenied):
            twofactor.reset(actor, user(light_staff_app, "mod_y"))
        db.session.rollback()
        target = user(light_staff_app, "contrib_x2")
        assert target.active and accounts.find_user("ny@example.se") is None
        assert accounts.verify_password(target, PASSWORD)


def test_user_managers_and_the_system_may_and_people_change_their_own_password(light_staff_app):
    with light_staff_app.app_context():
        admin = user(light_staff_app, "admin")
        added = accounts.add_user(Actor(admin, "test"), "ny@example.se", PASSWORD, "contributor", X)
        accounts.set_active(system_actor("test"), added, False)
        assert not added.active
        me = user(light_staff_app, "contrib_x")
        accounts.set_password(Actor(me, "test"), me, NEW_PASSWORD)
        assert accounts.verify_password(me, NEW_PASSWORD)
        db.session.commit()
        actors = db.session.scalars(sa.select(AuditEvent.actor).where(AuditEvent.action.in_(
            ["user_add", "user_disable", "password_change"])).order_by(AuditEvent.id)).all()
        assert actors[-3:] == [admin.email, "system", me.email]


def test_nobody_can_disable_themselves_even_past_the_web_page(light_staff_app):
    with light_staff_app.app_context():
        admin = user(light_staff_app, "admin")
        with pytest.raises(accounts.AccountError, match="inaktivera dig själv"):
            accounts.set_active(Actor(admin, "test"), admin, False)
        db.session.rollback()
        admin_id = admin.id
    client = light_staff_app.test_client()
    login(client, "admin")
    resp = post(client, f"/admin/anvandare/{admin_id}/inaktivera")
    assert resp.status_code == 303
    assert "Du kan inte inaktivera dig själv." in client.get("/admin/anvandare").get_data(as_text=True)
    with light_staff_app.app_context():
        assert user(light_staff_app, "admin").active


def test_save_synonyms_needs_the_synonym_permission_and_writes_its_own_audit_row(light_staff_app):
    with light_staff_app.app_context():
        text = "groups:\n- [zebrafink, ägardirektiv]\n"
        with pytest.raises(PermissionDenied):
            save_synonyms(Actor(user(light_staff_app, "mod_x"), "test"), text)
        db.session.rollback()
        admin = user(light_staff_app, "admin")
        assert save_synonyms(Actor(admin, "test"), text) is True
        db.session.commit()
        saved = db.session.scalars(sa.select(SynonymSet).order_by(SynonymSet.id.desc())).first()
        assert saved.author_id == admin.id and saved.text == text
        rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "synonyms_save")).all()
        assert [r.actor for r in rows] == [admin.email]
        assert save_synonyms(Actor(admin, "test"), text) is False  # unchanged: no new version, no audit row
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "synonyms_save")) == 1


def test_submitting_a_published_example_without_a_pending_edit_says_to_edit_first(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published")
    with staff_app.app_context():
        with pytest.raises(NoPendingRevision) as err:
            moderation.transition(Actor(user(staff_app, "contrib_x")), entry(staff_app, entry_id), Action.SUBMIT)
        assert isinstance(err.value, InvalidTransition)
        message = str(err.value)
        assert "ingen ändring att skicka" in message and "Redigera exemplet först" in message
        assert "går bara från" not in message
        db.session.rollback()
    client = staff_app.test_client()
    login(client, "mod_x")
    resp = post(client, f"/granska/{entry_id}/approve")
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "ingen väntande ändring att granska" in html and "går bara från" not in html


@pytest.mark.parametrize(("who", "state", "expected"), [
    ("mod_x", "submitted", [Action.REQUEST_CHANGES, Action.APPROVE, Action.REJECT]),
    ("mod_y", "submitted", []),  # another county
    ("contrib_x", "submitted", []),  # the author may not review
    ("contrib_x", "draft", [Action.SUBMIT]),
    ("contrib_x2", "draft", []),  # not own
    ("mod_x", "published", [Action.ARCHIVE]),
    ("admin", "archived", [Action.REPUBLISH]),
    ("contrib_x", "archived", []),
])
def test_available_actions_are_the_state_machine_offer_within_permissions(staff_app, who, state, expected):
    entry_id = make_entry(staff_app, "contrib_x", X, state=state)
    with staff_app.app_context():
        assert available_actions(entry(staff_app, entry_id), user(staff_app, who)) == expected


def test_nobody_is_offered_approval_of_their_own_revision(staff_app):
    entry_id = make_entry(staff_app, "mod_x", X, state="submitted")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        assert Action.APPROVE not in available_actions(e, user(staff_app, "mod_x"))
        assert Action.APPROVE in available_actions(e, user(staff_app, "mod_x2"))
    client = staff_app.test_client()
    login(client, "mod_x")
    html = client.get(f"/granska/{entry_id}").get_data(as_text=True)
    assert "Du har själv skrivit den här versionen." in html
