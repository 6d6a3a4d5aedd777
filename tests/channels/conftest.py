"""A real SMTP server on loopback (aiosmtpd) and apps that deliver to it."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest

from tests.conftest import need


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd in a thread; `messages` holds every delivered message (parsed), across restarts."""

    def __init__(self, port: int, authenticator=None):
        self.port = port
        self.authenticator = authenticator
        self.messages = []
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
                server.messages.append((list(envelope.rcpt_tos), msg))
                return "250 Message accepted for delivery"

        kwargs = {}
        if self.authenticator is not None:
            kwargs = {"authenticator": self.authenticator, "auth_require_tls": False, "auth_required": True}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address in rcpts]

    def recipients(self) -> list[str]:
        return sorted(r for rcpts, _m in self.messages for r in rcpts)


@pytest.fixture(scope="module")
def _module_smtp():
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        need(False, "aiosmtpd is not installed (pip install -e '.[dev]'); mail tests need a real SMTP server")
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_module_smtp):
    """The module's SMTP server, running and with no messages yet."""
    if _module_smtp.controller is None:  # a test stopped it
        _module_smtp.start()
    _module_smtp.messages.clear()
    return _module_smtp


@pytest.fixture(scope="module")
def _module_mail_app(tmp_path_factory, _module_smtp):
    from tests.conftest import AppFactory
    from tests.staff.conftest import add_staff

    factory = AppFactory(tmp_path_factory.mktemp("mail"))
    app = factory(RATELIMIT_ENABLED=False, KB_SMTP_URL=_module_smtp.url)
    add_staff(app)  # moderators and admins enrolled in two-factor sign-in, as in tests/staff
    yield app
    factory.close()


@pytest.fixture
def mail_app(_module_mail_app, smtp_server):
    """An app with the staff users of tests/staff delivering to the loopback SMTP server; the outbox,
    saved searches and notice settings start empty/on in every test (examples accumulate, titles differ)."""
    import sqlalchemy as sa

    from kb.extensions import db
    from kb.models import OutboxMessage, SavedSearch, User

    with _module_mail_app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.execute(sa.delete(SavedSearch))
        db.session.execute(sa.update(User).values(notify_by_email=True))
        db.session.commit()
    return _module_mail_app
