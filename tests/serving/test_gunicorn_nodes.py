"""Production serving: two gunicorn servers (own index directories, one database) converge.

Approve through node A over HTTP; node B's search finds the example within about a
second (its maintenance worker applies the database's index log). Uses PostgreSQL
when TEST_DATABASE_URL is set (the app's schema via PGOPTIONS), else the SQLite file.
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa

from kb import accounts, moderation, twofactor
from kb.audit import Actor
from kb.permissions import system_actor
from kb.extensions import db
from kb.models import Entry, EntryState, TwoFactorCredential, User
from kb.workflow import Action
from tests.conftest import need, process_env

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
PASSWORD = "en lång och ovanlig fras 42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One gunicorn server (one worker) with its own instance folder and index directory."""

    def __init__(self, app, home: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        home.mkdir(parents=True)
        env = process_env(app, KB_INSTANCE_PATH=home, KB_INDEX_DIR=home / "search", SECRET_KEY=app.config["SECRET_KEY"],
                          KB_SECURE_COOKIES="0", KB_CONTENT_DIR=app.config["KB_CONTENT_DIR"])
        self.log = open(home / "gunicorn.log", "w")
        self.proc = subprocess.Popen(
            [str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "app:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.home = home

    def get(self, path: str, params: dict | None = None) -> tuple[int, str]:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with self.opener.open(url, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, data: dict) -> int:
        try:
            with self.opener.open(self.base + path, urllib.parse.urlencode(data).encode(), timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.home / "gunicorn.log").read_text()
            try:
                status, body = self.get("/healthz")
                if status == 200 and json.loads(body)["index"]["lag"] == 0:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.base} not healthy: " + (self.home / "gunicorn.log").read_text()[-2000:])

    def total(self, q: str) -> int:
        status, body = self.get("/api/v1/search", {"q": q})
        assert status == 200, body
        return json.loads(body)["total"]

    def worker_rss_mb(self) -> float:
        """Resident memory of this server's worker process (printed, never asserted)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        total = 0.0
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def nodes(make_app, tmp_path):
    need(GUNICORN.exists(), f"gunicorn is not installed in the venv ({GUNICORN}); run pip install -e '.[dev]'")
    app = make_app()
    started = []

    def start(name: str) -> Node:
        node = Node(app, tmp_path / name)
        started.append(node)
        return node

    yield app, start
    for node in started:
        node.stop()


def test_approve_through_one_gunicorn_node_is_found_through_the_other(nodes):
    app, start = nodes
    with app.app_context():
        moderator = accounts.add_user(system_actor("test"), "moa@example.se", PASSWORD, "moderator", "20")
        twofactor.confirm_enrolment(Actor(None, "test"), moderator, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now())
        author = accounts.add_user(system_actor("test"), "kim@example.se", PASSWORD, "contributor", "20")
        db.session.commit()
        entry = moderation.create_entry(Actor(author), moderation.EntryInput(
            title="Läxhjälp med pelikaner", summary="Volontärer hjälper elever med läxor.",
            category="kvalitet-i-verksamheten", municipalities=["2081"], body="## Vad gjordes\n\nLäxhjälp varje vecka."))
        moderation.transition(Actor(author), entry, Action.SUBMIT)
        db.session.commit()
        entry_id, moderator_email = entry.id, moderator.email
    a, b = start("node-a"), start("node-b")
    a.wait_healthy()
    b.wait_healthy()
    assert a.total("pelikaner") == 0 and b.total("pelikaner") == 0

    _status, page = a.get("/logga-in")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert a.post("/logga-in", {"email": moderator_email, "password": PASSWORD, "csrf_token": token}) == 200
    _status, page = a.get("/logga-in/kod")  # moderators sign in with a second factor (TOTP)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    with app.app_context():  # the code of the step just used once at enrolment is refused: forget it
        db.session.get(TwoFactorCredential, db.session.scalars(sa.select(User.id).where(User.email == moderator_email)).one()).last_step = 0
        db.session.commit()
    assert a.post("/logga-in/kod", {"code": pyotp.TOTP(TOTP_SECRET).now(), "csrf_token": token}) == 200
    _status, page = a.get(f"/granska/{entry_id}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    started = time.perf_counter()
    assert a.post(f"/granska/{entry_id}/approve", {"csrf_token": token}) == 200  # redirect followed
    answered = time.perf_counter() - started
    with app.app_context():
        assert db.session.get(Entry, entry_id).state is EntryState.PUBLISHED  # the approval really happened
    while b.total("pelikaner") == 0 and time.perf_counter() - started < 10:
        time.sleep(0.01)
    visible = time.perf_counter() - started
    assert b.total("pelikaner") == 1
    assert a.total("pelikaner") == 1
    print(f"\napprove answered by node A in {1000 * answered:.0f} ms; node B found the example "
          f"{1000 * visible:.0f} ms after the approval was sent (goal: 1000 ms); "
          f"worker RSS A {a.worker_rss_mb():.0f} MB, B {b.worker_rss_mb():.0f} MB")
    assert visible < 5, "node B should follow the database's index log within about a second"
