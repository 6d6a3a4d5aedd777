"""Browser fixtures: Debian's Chromium driven by Playwright, against a real local server.

Never downloads a browser: the executable is Debian's (apt-get install chromium),
found at CHROMIUM_PATH or /usr/lib/chromium/chromium.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import need

CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/lib/chromium/chromium", shutil.which("chromium") or ""]


def chromium_path() -> str | None:
    for candidate in CANDIDATES:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    need(path is not None, "Chromium not found (apt-get install -y chromium); browser tests need it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        need(False, "playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _buffered(app):
    """The app with each response read whole and closed before it is sent. Werkzeug's
    development server skips closing a response when the browser resets the connection
    while it drains the request (a page closed mid-load): the open static file then warns
    (ResourceWarning) at some later test. Buffering closes it first."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(loaded_app):
    loaded_app.config["SERVER_NAME"] = None  # answer on 127.0.0.1:<port>
    with LiveServer(loaded_app) as server:
        yield server


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def staff_server(tmp_path_factory):
    """A separate app with staff accounts (the shared loaded app stays untouched)."""
    from tests.conftest import AppFactory
    from tests.staff.conftest import add_staff

    factory = AppFactory(tmp_path_factory.mktemp("staff"))
    app = factory(RATELIMIT_ENABLED=False)
    add_staff(app)  # moderators and admins have two-factor sign-in set up
    app.config["SERVER_NAME"] = None
    with LiveServer(app) as server:
        yield server
    factory.close()


def sign_in_page(page, server, key: str) -> None:
    """Sign `page` in as tests/staff USERS[key]: password, then (moderators, admins) the code from their app."""
    from tests.staff.conftest import PASSWORD, USERS, totp_code

    page.goto(server.url + "/logga-in")
    page.get_by_label("E-postadress").fill(USERS[key][0])
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    if page.url.endswith("/logga-in/kod"):
        page.get_by_label("Kod").fill(totp_code(server.app, USERS[key][0]))
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()
