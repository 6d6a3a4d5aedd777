"""Two-factor sign-in: required for moderators and admins before any staff action, enrolment with a
local QR code, single-use codes, recovery codes, admin and CLI reset (audited), opt-in for contributors."""
from __future__ import annotations

import html
import re

import pyotp
import sqlalchemy as sa

from kb import accounts, twofactor
from kb.permissions import system_actor
from kb.audit import Actor
from kb.extensions import db
from kb.models import AuditEvent, RecoveryCode

from .conftest import PASSWORD, TOTP_SECRET, USERS, X, csrf_from, entry, login, make_entry, post, second_step, totp_code, user


def _password_only(client, email: str, password: str = PASSWORD):
    return client.post("/logga-in", data={"email": email, "password": password, "csrf_token": csrf_from(client)})


def _actions(app, name: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == name)).all()


def test_moderator_cannot_approve_before_completing_totp(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="submitted")
    client = staff_app.test_client()
    resp = _password_only(client, USERS["mod_x"][0])
    assert resp.status_code == 302 and resp.headers["Location"] == "/logga-in/kod"
    token = csrf_from(client, "/logga-in/kod")
    assert client.get("/granska").status_code == 302  # not signed in yet
    refused = client.post(f"/granska/{entry_id}/approve", data={"csrf_token": token})
    assert refused.status_code == 302 and "/logga-in" in refused.headers["Location"]
    with staff_app.app_context():
        assert entry(staff_app, entry_id).state.value == "submitted"
    assert second_step(client, "mod_x").headers["Location"] == "/granska"
    assert post(client, f"/granska/{entry_id}/approve").status_code == 303
    with staff_app.app_context():
        assert entry(staff_app, entry_id).state.value == "published"


def test_moderator_session_without_second_factor_is_ended(light_staff_app):
    staff_app = light_staff_app
    client = staff_app.test_client()
    login(client, "mod_x")
    with client.session_transaction() as sess:
        sess["kb_2fa"] = False  # e.g. a session from before two-factor sign-in was required
    resp = client.get("/granska")
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
    assert client.get("/granska").status_code == 302


def test_unenrolled_moderator_enrols_with_local_qr_then_uses_recovery_code_once(light_staff_app):
    staff_app = light_staff_app
    with staff_app.app_context():
        accounts.add_user(system_actor("test"), "ny@dalarna.example.se", PASSWORD, "moderator", X)
        db.session.commit()
    client = staff_app.test_client()
    resp = _password_only(client, "ny@dalarna.example.se")
    assert resp.headers["Location"] == "/logga-in/kod"
    assert client.get("/logga-in/kod").headers["Location"] == "/konto/tvasteg"
    page = client.get("/konto/tvasteg")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<svg role="img"' in body and "<title>QR-kod" in body  # drawn here, inline
    assert not re.search(r'(src|href)="https?://', body.split("<main", 1)[1].split("</main>")[0])  # nothing fetched elsewhere
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    assert client.get("/granska").status_code == 302  # still not signed in

    wrong = client.post("/konto/tvasteg", data={"code": "000000", "csrf_token": csrf_from(client, "/konto/tvasteg")})
    assert wrong.status_code == 400 and "Koden stämmer inte" in wrong.get_data(as_text=True)
    done = client.post("/konto/tvasteg", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(client, "/konto/tvasteg")})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/granska").status_code == 200  # enrolment completed the sign-in
    with staff_app.app_context():
        stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
        assert stored and not any(c in h for c in codes for h in stored)  # only hashes are kept
    assert _actions(staff_app, "mfa_enrol")[-1].object_id == "ny@dalarna.example.se"

    post(client, "/logga-ut")
    for attempt in range(2):  # a recovery code works once
        other = staff_app.test_client()
        _password_only(other, "ny@dalarna.example.se")
        resp = other.post("/logga-in/kod", data={"code": codes[0].upper(), "csrf_token": csrf_from(other, "/logga-in/kod")})
        if attempt == 0:
            assert resp.status_code == 302 and resp.headers["Location"] == "/granska"
        else:
            assert resp.status_code == 401 and "Koden stämmer inte" in resp.get_data(as_text=True)
    assert _actions(staff_app, "mfa_recovery_used")[-1].detail == "9 kvar"


def test_a_code_is_accepted_once_and_wrong_codes_end_the_attempt(light_staff_app):
    staff_app = light_staff_app
    client = staff_app.test_client()
    login(client, "mod_x")
    code = pyotp.TOTP(TOTP_SECRET).now()  # the code that was just used
    replay = staff_app.test_client()
    _password_only(replay, USERS["mod_x"][0])
    resp = replay.post("/logga-in/kod", data={"code": code, "csrf_token": csrf_from(replay, "/logga-in/kod")})
    assert resp.status_code == 401 and "redan använts" in resp.get_data(as_text=True)

    guesser = staff_app.test_client()
    _password_only(guesser, USERS["mod_x"][0])
    token = csrf_from(guesser, "/logga-in/kod")
    statuses = [guesser.post("/logga-in/kod", data={"code": f"{n:06d}", "csrf_token": token}).status_code for n in range(5)]
    assert statuses[:4] == [401] * 4 and statuses[4] == 302  # fifth wrong code: start again from the password
    assert guesser.get("/logga-in/kod").headers["Location"] == "/logga-in"
    assert len(_actions(staff_app, "mfa_failed")) >= 5


def test_admin_resets_a_users_second_factor_audited_and_their_sessions_end(light_staff_app):
    staff_app = light_staff_app
    moderator = staff_app.test_client()
    login(moderator, "mod_x")
    admin = staff_app.test_client()
    login(admin, "admin")
    with staff_app.app_context():
        target = user(staff_app, "mod_x").id
    assert "Ta bort tvåsteg" in admin.get("/admin/anvandare").get_data(as_text=True)
    resp = post(admin, f"/admin/anvandare/{target}/tvasteg")
    assert resp.status_code == 303
    assert _actions(staff_app, "mfa_reset")[-1].actor == USERS["admin"][0]
    assert moderator.get("/granska").status_code == 302  # signed out everywhere
    again = staff_app.test_client()
    _password_only(again, USERS["mod_x"][0])
    assert again.get("/logga-in/kod").headers["Location"] == "/konto/tvasteg"  # enrols again

    not_admin = staff_app.test_client()
    login(not_admin, "mod_x2")
    assert post(not_admin, f"/admin/anvandare/{target}/tvasteg").status_code == 403


def test_cli_resets_two_factor(light_staff_app):
    staff_app = light_staff_app
    runner = staff_app.test_cli_runner()
    result = runner.invoke(args=["kb", "user", "reset-2fa", USERS["mod_y"][0]])
    assert result.exit_code == 0 and "borttagen" in result.output
    with staff_app.app_context():
        assert not twofactor.is_enrolled(user(staff_app, "mod_y"))
    assert _actions(staff_app, "mfa_reset")[-1].address == "cli"
    assert "ingen tvåstegsverifiering" in runner.invoke(args=["kb", "user", "reset-2fa", USERS["mod_y"][0]]).output


def test_contributor_may_opt_in_and_then_needs_the_code(light_staff_app):
    staff_app = light_staff_app
    client = staff_app.test_client()
    assert login(client, "contrib_x").headers["Location"] == "/mina-exempel"  # one step while not enrolled
    body = html.unescape(client.get("/konto/tvasteg").get_data(as_text=True))
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    resp = client.post("/konto/tvasteg", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(client, "/konto/tvasteg")})
    assert resp.status_code == 200 and "reservkoder" in resp.get_data(as_text=True)
    assert client.get("/mina-exempel").status_code == 200  # this session proved the second factor
    fresh = staff_app.test_client()
    assert _password_only(fresh, USERS["contrib_x"][0]).headers["Location"] == "/logga-in/kod"
    with staff_app.app_context():
        twofactor.credential(user(staff_app, "contrib_x")).last_step = 0
        db.session.commit()
    resp = fresh.post("/logga-in/kod", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(fresh, "/logga-in/kod")})
    assert resp.headers["Location"] == "/mina-exempel"


def test_new_recovery_codes_need_a_current_code(light_staff_app):
    staff_app = light_staff_app
    client = staff_app.test_client()
    login(client, "mod_x")
    assert "10 oanvända reservkoder" in client.get("/konto/tvasteg").get_data(as_text=True)
    refused = post(client, "/konto/tvasteg/reservkoder", {"code": "123456"}, token_page="/konto/tvasteg")
    assert refused.status_code == 400
    resp = post(client, "/konto/tvasteg/reservkoder", {"code": totp_code(staff_app, USERS["mod_x"][0])}, token_page="/konto/tvasteg")
    assert resp.status_code == 200 and len(re.findall(r"<code>[a-z2-9-]{14}</code>", resp.get_data(as_text=True))) == 10


def test_code_attempts_are_limited_per_account_but_not_for_the_owners_browser(make_app):
    app = make_app(load=False, KB_LOGIN_LIMIT_ADDRESS="100 per minute", KB_LOGIN_LIMIT_ACCOUNT="100 per minute",
                   KB_LOGIN_LIMIT_CODE="3 per minute")
    email = USERS["admin"][0]
    with app.app_context():
        admin = accounts.add_user(system_actor("test"), email, PASSWORD, "admin", None)
        twofactor.confirm_enrolment(Actor(None, "test"), admin, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now())
        db.session.commit()
    owner = app.test_client()
    assert login(owner, "admin").status_code == 302  # signs in once: this browser is now known (1 of 3 used)
    statuses = []
    for i in range(3):  # someone who has the password, from fresh browsers and addresses
        thief = app.test_client()
        _password_only(thief, email)
        statuses.append(thief.post("/logga-in/kod", data={"code": "000000", "csrf_token": csrf_from(thief, "/logga-in/kod")},
                                   environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"}).status_code)
    assert statuses == [401, 401, 429]
    post(owner, "/logga-ut", token_page="/granska")
    assert login(owner, "admin").headers["Location"] == "/granska"  # the owner's browser is not blocked
