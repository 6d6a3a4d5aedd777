"""Sessions: idle timeout and absolute lifetime checked on the server (clock moved by rewriting the
session's timestamps, never by sleeping), HSTS and the __Host- cookie in production only, and a
per-account login limit that cannot lock the owner out of a browser they have signed in from."""
from __future__ import annotations

import time

import pytest

from .conftest import PASSWORD, USERS, csrf_from, login


def _age(client, seen_minutes: float = 0, login_hours: float = 0) -> None:
    """Pretend the last request was `seen_minutes` ago and the sign-in `login_hours` ago."""
    now = int(time.time())
    with client.session_transaction() as sess:
        sess["kb_seen"] = now - int(seen_minutes * 60)
        sess["kb_login_at"] = now - int(login_hours * 3600)


def test_session_idle_longer_than_the_timeout_is_logged_out(light_staff_app):
    staff_app = light_staff_app
    client = staff_app.test_client()
    login(client, "mod_x")
    _age(client, seen_minutes=29, login_hours=1)
    assert client.get("/granska").status_code == 200  # within 30 minutes: still signed in, and refreshed
    with client.session_transaction() as sess:
        assert time.time() - sess["kb_seen"] < 5
    _age(client, seen_minutes=31, login_hours=1)
    resp = client.get("/granska")
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
    assert "30 minuter utan aktivitet" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert client.get("/granska").status_code == 302  # the session is gone, not just refused once


def test_session_older_than_the_absolute_lifetime_ends_even_when_active(light_staff_app):
    staff_app = light_staff_app
    client = staff_app.test_client()
    login(client, "contrib_x")
    _age(client, seen_minutes=1, login_hours=11.9)
    assert client.get("/mina-exempel").status_code == 200
    _age(client, seen_minutes=1, login_hours=12.1)
    assert client.get("/mina-exempel").status_code == 302


def test_idle_timeout_is_configurable(make_app):
    from kb import accounts, places
    from kb.permissions import system_actor
    from kb.extensions import db

    app = make_app(load=False, KB_SESSION_IDLE_MINUTES=5, RATELIMIT_ENABLED=False)
    with app.app_context():
        places.sync_places(db.session)  # counties, without loading every example
        accounts.add_user(system_actor("test"), USERS["contrib_x"][0], PASSWORD, "contributor", "20")
        db.session.commit()
    client = app.test_client()
    login(client, "contrib_x")
    _age(client, seen_minutes=6)
    assert client.get("/mina-exempel").status_code == 302


@pytest.mark.parametrize(("env", "hsts", "cookie"), [("production", True, "__Host-session"), ("development", False, "session")])
def test_hsts_and_host_cookie_in_production_only(make_app, monkeypatch, env, hsts, cookie):
    monkeypatch.setenv("KB_ENV", env)
    app = make_app(load=False)
    client = app.test_client()
    resp = client.get("/logga-in")
    assert ("Strict-Transport-Security" in resp.headers) is hsts
    if hsts:
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["SESSION_COOKIE_NAME"] == cookie
    set_cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith(cookie + "="))
    assert "Path=/" in set_cookie and "Domain" not in set_cookie


def test_per_account_limit_cannot_lock_out_the_owner_on_a_known_device(make_app):
    from kb import accounts, places
    from kb.permissions import system_actor
    from kb.extensions import db

    app = make_app(load=False, KB_LOGIN_LIMIT_ADDRESS="100 per minute", KB_LOGIN_LIMIT_ACCOUNT="3 per minute")
    email = USERS["contrib_x"][0]
    with app.app_context():
        places.sync_places(db.session)  # counties, without loading every example
        accounts.add_user(system_actor("test"), email, PASSWORD, "contributor", "20")
        db.session.commit()
    owner = app.test_client()
    first = owner.post("/logga-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(owner)},
                       environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert first.status_code == 302
    device = [h for h in first.headers.getlist("Set-Cookie") if h.startswith(app.config["KB_DEVICE_COOKIE_NAME"] + "=")]
    assert device and "HttpOnly" in device[0] and "Secure" in device[0]
    owner.post("/logga-ut", data={"csrf_token": csrf_from(owner, "/mina-exempel")})

    codes = []
    for i in range(5):  # an attacker rotating addresses, wrong passwords
        attacker = app.test_client()
        codes.append(attacker.post("/logga-in", data={"email": email, "password": "fel lösenord igen", "csrf_token": csrf_from(attacker)},
                                   environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"}).status_code)
    assert codes == [401, 401, 429, 429, 429]  # the owner's first sign-in (no device cookie yet) counted too

    stranger = app.test_client()  # a browser that never signed in to the account is still throttled
    resp = stranger.post("/logga-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(stranger)},
                         environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert resp.status_code == 429
    resp = owner.post("/logga-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(owner)},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"})  # the owner, from their browser, elsewhere
    assert resp.status_code == 302 and resp.headers["Location"] == "/mina-exempel"

    forged = app.test_client()  # a device cookie for another account, or a tampered one, does not help
    forged.set_cookie(app.config["KB_DEVICE_COOKIE_NAME"], owner.get_cookie(app.config["KB_DEVICE_COOKIE_NAME"]).value + "x")
    assert forged.post("/logga-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(forged)}).status_code == 429
