"""Concurrent writers of one example: one wins, the others get the conflict page, never a 5xx."""
from __future__ import annotations

import threading

import pytest

from kb.extensions import db


@pytest.mark.parametrize("count", [4])
def test_concurrent_edits_of_one_example_save_once_and_conflict_the_rest(staff_app, count):
    """Four moderators saving an edit of the same published example at the same moment:
    one is saved, the others get the conflict page, nobody gets a 5xx."""
    import pyotp

    from kb import accounts, twofactor
    from kb.audit import Actor
    from kb.permissions import system_actor
    from tests.staff.conftest import PASSWORD, TOTP_SECRET, USERS, X, csrf_from, entry, make_entry, post, totp_code

    with staff_app.app_context():
        tove = accounts.add_user(system_actor("test"), "tove@dalarna.example.se", PASSWORD, "moderator", X)
        twofactor.confirm_enrolment(Actor(None, "test"), tove, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now())
        db.session.commit()
    entry_id = make_entry(staff_app, "contrib_x", X, state="published", title="Läxhjälp på biblioteket i Borlänge")
    emails = [USERS["mod_x"][0], USERS["mod_x2"][0], USERS["admin"][0], "tove@dalarna.example.se"][:count]
    clients, forms = [], []
    for email in emails:
        client = staff_app.test_client()
        token = csrf_from(client, "/logga-in")
        resp = client.post("/logga-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert resp.status_code == 302 and resp.headers["Location"] == "/logga-in/kod", email
        resp = client.post("/logga-in/kod", data={"code": totp_code(staff_app, email),
                                                   "csrf_token": csrf_from(client, "/logga-in/kod")})
        assert resp.status_code in (302, 303), email
        html = client.get(f"/redigera/{entry_id}").get_data(as_text=True)
        version = html.split('name="version"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        clients.append(client)
        forms.append({
            "title": f"Läxhjälp på biblioteket i Borlänge ({email})", "summary": "Volontärer hjälper elever med läxor.",
            "category": "kvalitet-i-verksamheten", "municipalities": "2081", "status": "okänd",
            "body": "## Vad gjordes\n\nLäxhjälp varje vecka.", "version": version, "save": "Spara",
            "csrf_token": csrf_from(client, f"/redigera/{entry_id}"),
        })
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def edit(client, form):
        barrier.wait()
        statuses.append(post(client, f"/redigera/{entry_id}", form).status_code)

    threads = [threading.Thread(target=edit, args=pair) for pair in zip(clients, forms, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == sorted([302] + [409] * (count - 1)), statuses
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        assert e.working_revision is not None and len(e.revisions) == 2  # the live one + one proposed edit
