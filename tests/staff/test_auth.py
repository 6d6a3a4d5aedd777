"""Authentication and sessions: cookies, same answer on failure, rate limits, revocation, CSRF, next."""
from __future__ import annotations

import re

import pytest

from kb import accounts
from kb.permissions import system_actor
from kb.extensions import db

from .conftest import PASSWORD, USERS, X, csrf_from, login, make_entry, post, user


def test_login_sets_hardened_session_cookie(staff_app):
    client = staff_app.test_client()
    resp = login(client, "mod_x")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/granska")
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("__Host-session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie  # what the __Host- prefix requires


def test_session_cookie_not_secure_only_in_development(make_app, monkeypatch):
    monkeypatch.setenv("KB_ENV", "development")
    app = make_app(load=False)
    assert app.config["SESSION_COOKIE_SECURE"] is False


def _strip_token(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


def test_unknown_user_and_wrong_password_get_the_same_answer(staff_app):
    a, b = staff_app.test_client(), staff_app.test_client()
    unknown = a.post("/logga-in", data={"email": "ingen@example.se", "password": PASSWORD, "csrf_token": csrf_from(a)})
    wrong = b.post("/logga-in", data={"email": USERS["mod_x"][0], "password": "fel lösenord här", "csrf_token": csrf_from(b)})
    assert unknown.status_code == wrong.status_code == 401
    assert "Fel e-postadress eller lösenord." in unknown.get_data(as_text=True)
    page_a = _strip_token(unknown.get_data(as_text=True)).replace("ingen@example.se", "X")
    page_b = _strip_token(wrong.get_data(as_text=True)).replace(USERS["mod_x"][0], "X")
    assert page_a == page_b


def test_disabled_user_cannot_log_in_and_gets_the_same_answer(staff_app):
    with staff_app.app_context():
        accounts.set_active(system_actor("test"), user(staff_app, "contrib_x"), False)
        db.session.commit()
    resp = login(staff_app.test_client(), "contrib_x")
    assert resp.status_code == 401 and "Fel e-postadress eller lösenord." in resp.get_data(as_text=True)


def test_new_session_at_login_drops_planted_values(staff_app):
    client = staff_app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by attacker"
    login(client, "mod_x")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def _session_cookie(client) -> str:
    return client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]).value


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie, domain="localhost")
    return thief.get("/granska")


def test_logout_makes_a_copied_cookie_stop_working(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    stolen = _session_cookie(client)
    assert _replay(staff_app, stolen).status_code == 200
    assert post(client, "/logga-ut").status_code == 302
    resp = _replay(staff_app, stolen)
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]


def test_password_change_ends_other_sessions_but_keeps_this_one(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    other = staff_app.test_client()
    login(other, "mod_x")
    stolen = _session_cookie(other)
    resp = post(client, "/konto/losenord", {"current": PASSWORD, "new": "ett helt nytt långt lösenord", "repeat": "ett helt nytt långt lösenord"})
    assert resp.status_code == 302
    assert client.get("/granska").status_code == 200
    assert _replay(staff_app, stolen).status_code == 302


def test_password_change_refuses_weak_password_with_reason(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    resp = post(client, "/konto/losenord", {"current": PASSWORD, "new": "password1234", "repeat": "password1234"})
    assert resp.status_code == 400 and "för vanligt" in resp.get_data(as_text=True)


def test_disabling_a_user_ends_their_session(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    with staff_app.app_context():
        accounts.set_active(system_actor("test"), user(staff_app, "mod_x"), False)
        db.session.commit()
    resp = client.get("/granska")
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]


@pytest.mark.parametrize("password", ["kort", "password1234", "qwertyuiop12", "aaaaaaaaaaaaaaaa"])
def test_password_policy_refuses_short_and_common(password):
    assert accounts.password_problems(password, "kim@example.se")


def test_password_policy_accepts_long_passphrase():
    assert accounts.password_problems("sju sorters kakor i Borlänge", "kim@example.se") == []


def test_post_without_csrf_token_is_refused(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    entry_id = make_entry(staff_app, "contrib_x", X, state="submitted")
    resp = client.post(f"/granska/{entry_id}/approve", data={})
    assert resp.status_code == 400
    with staff_app.app_context():
        from kb.models import Entry, EntryState

        assert db.session.get(Entry, entry_id).state is EntryState.SUBMITTED  # nothing was approved


def test_state_changing_urls_refuse_get(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    entry_id = make_entry(staff_app, "contrib_x", X, state="submitted")
    assert client.get(f"/granska/{entry_id}/approve").status_code == 405
    assert client.get("/logga-ut").status_code == 405


@pytest.mark.parametrize(
    ("target", "lands"),
    [("/granska", "/granska"), ("https://evil.example/x", "/granska"), ("//evil.example", "/granska"),
     ("/\\evil.example", "/granska"), ("javascript:alert(1)", "/granska"), ("/mina-exempel", "/mina-exempel")],
)
def test_next_only_to_our_own_pages(staff_app, target, lands):
    client = staff_app.test_client()
    resp = login(client, "mod_x", next=target)  # through the code step: the target is carried, then checked
    assert resp.headers["Location"] == lands


def test_staff_pages_are_not_cached(staff_app):
    client = staff_app.test_client()
    login(client, "mod_x")
    assert client.get("/granska").headers["Cache-Control"] == "no-store"


def test_login_rate_limited_per_address(make_app):
    app = make_app(load=False, KB_LOGIN_LIMIT_ADDRESS="3 per minute", KB_LOGIN_LIMIT_ACCOUNT="100 per minute")
    client = app.test_client()
    codes = []
    for _ in range(4):
        codes.append(client.post("/logga-in", data={"email": "a@example.se", "password": "x" * 12, "csrf_token": csrf_from(client)}).status_code)
    assert codes[:3] == [401, 401, 401] and codes[3] == 429
    blocked = client.post("/logga-in", data={"email": "a@example.se", "password": "x" * 12, "csrf_token": csrf_from(client)})
    assert blocked.status_code == 429 and "För många försök" in blocked.get_data(as_text=True)


def test_login_rate_limited_per_account_across_addresses(make_app):
    app = make_app(load=False, KB_LOGIN_LIMIT_ADDRESS="100 per minute", KB_LOGIN_LIMIT_ACCOUNT="3 per minute")
    codes = []
    for i in range(4):
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"10.0.0.{i + 1}"}
        token = csrf_from(client)
        codes.append(client.post("/logga-in", data={"email": "target@example.se", "password": "x" * 12, "csrf_token": token}, environ_base=environ).status_code)
    assert codes == [401, 401, 401, 429]
