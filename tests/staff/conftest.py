"""Staff fixtures: users in two counties, logged-in clients with CSRF tokens, example factories."""
from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from kb import accounts, moderation, twofactor
from kb.audit import Actor
from kb.permissions import system_actor
from kb.extensions import db
from kb.models import Entry, Role, TwoFactorCredential, User
from kb.workflow import Action

PASSWORD = "en lång och ovanlig fras 42"
X, Y = "20", "12"  # Dalarnas län, Skåne län
USERS = {
    "admin": ("admin@example.se", "admin", None),
    "mod_x": ("moa@dalarna.example.se", "moderator", X),
    "mod_x2": ("max@dalarna.example.se", "moderator", X),
    "mod_y": ("sara@skane.example.se", "moderator", Y),
    "contrib_x": ("kim@borlange.example.se", "contributor", X),
    "contrib_x2": ("lo@falun.example.se", "contributor", X),
    "contrib_y": ("ali@malmo.example.se", "contributor", Y),
}
PLACES = {X: ["2081"], Y: ["1280"]}  # Borlänge, Malmö
# The authenticator app of every test moderator and admin holds this secret (enrolled by add_staff).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def add_staff(app) -> None:
    """The USERS, with moderators and admins enrolled in two-factor sign-in through the real service."""
    with app.app_context():
        for email, role, county in USERS.values():
            added = accounts.add_user(system_actor("test"), email, PASSWORD, role, county)
            if added.role in (Role.MODERATOR, Role.ADMIN):
                twofactor.confirm_enrolment(Actor(None, "test"), added, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now())
        db.session.commit()


def totp_code(app, email: str) -> str:
    """The code the user's app shows now. Several sign-ins in one test fall in one 30-second step, where
    the server rightly refuses a reused code; instead of sleeping until the next step, forget the step
    used last (as if the clock had moved on)."""
    with app.app_context():
        found = db.session.scalars(sa.select(User).where(User.email == email)).one()
        db.session.get(TwoFactorCredential, found.id).last_step = 0
        db.session.commit()
    return pyotp.TOTP(TOTP_SECRET).now()


@pytest.fixture
def staff_app(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    add_staff(app)
    return app


@pytest.fixture
def light_staff_app(make_app):
    """Staff accounts and places but no examples: for sign-in and session tests (much faster to build)."""
    from kb import places

    app = make_app(load=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        places.sync_places(db.session)
        db.session.commit()
    add_staff(app)
    return app


def user(app, key: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == USERS[key][0])).one()


def make_entry(app, author_key: str, county: str, state: str = "submitted", title: str | None = None) -> int:
    """An example written by `author_key` in `county`, brought to `state` through the services."""
    with app.app_context():
        author = user(app, author_key)
        data = moderation.EntryInput(
            title=title or f"Läxhjälp på biblioteket ({county})",
            summary="Volontärer hjälper nyanlända elever med läxor.", category="kvalitet-i-verksamheten",
            municipalities=PLACES[county], body="## Vad gjordes\n\nLäxhjälp varje vecka.", tags=["läxhjälp"],
        )
        entry = moderation.create_entry(Actor(author), data)
        if state in ("submitted", "published", "changes_requested", "rejected", "archived"):
            moderation.transition(Actor(author), entry, Action.SUBMIT)
        approver = user(app, "admin")
        if state == "changes_requested":
            moderation.transition(Actor(approver), entry, Action.REQUEST_CHANGES, "Mer detaljer, tack.")
        if state == "rejected":
            moderation.transition(Actor(approver), entry, Action.REJECT, "Finns redan.")
        if state in ("published", "archived"):
            moderation.transition(Actor(approver), entry, Action.APPROVE)
        if state == "archived":
            moderation.transition(Actor(approver), entry, Action.ARCHIVE)
        db.session.commit()
        from kb.services import reindex_entries

        reindex_entries([entry.slug])
        return entry.id


def entry(app, entry_id: int) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry_id)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, url: str = "/logga-in") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, key: str, password: str = PASSWORD, next: str | None = None):
    """Sign in as USERS[key]: the password, then (moderators, admins) the code step. Returns the last response."""
    token = csrf_from(client, "/logga-in")
    data = {"email": USERS[key][0], "password": password, "csrf_token": token}
    if next is not None:
        data["next"] = next
    resp = client.post("/logga-in", data=data)
    if resp.status_code == 302 and resp.headers["Location"] == "/logga-in/kod":
        return second_step(client, key)
    return resp


def second_step(client, key: str):
    code = totp_code(client.application, USERS[key][0])
    return client.post("/logga-in/kod", data={"code": code, "csrf_token": csrf_from(client, "/logga-in/kod")})


def post(client, url: str, data: dict | None = None, token_page: str = "/logga-in"):
    """POST with a valid CSRF token for this client's session."""
    data = dict(data or {})
    data["csrf_token"] = csrf_from(client, token_page) if "csrf_token" not in data else data["csrf_token"]
    return client.post(url, data=data)
