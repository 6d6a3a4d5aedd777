"""The outbox and its sender against a real SMTP server on loopback; staff notices."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from kb import mail, moderation
from kb.permissions import system_actor
from kb.audit import Actor
from kb.extensions import db
from kb.models import OutboxMessage, User, utcnow
from kb.workflow import Action
from tests.staff.conftest import USERS, login, make_entry, post, user

COUNTY_20_MODERATORS = sorted([USERS["mod_x"][0], USERS["mod_x2"][0]])


def test_submission_mails_each_moderator_of_the_county_and_nobody_else(mail_app, smtp_server):
    make_entry(mail_app, "contrib_x", "20", state="submitted")
    with mail_app.app_context():
        report = mail.deliver_due()
    assert len(report.sent) == 2 and report.retry == []
    assert smtp_server.recipients() == COUNTY_20_MODERATORS
    msg = smtp_server.to(USERS["mod_x"][0])[0]
    assert msg["Subject"].startswith("Att granska: Läxhjälp på biblioteket")
    assert "/granska/" in msg.get_content().replace("\r\n", "\n")


def test_smtp_down_then_up_delivers_exactly_once(mail_app, smtp_server):
    smtp_server.stop()
    make_entry(mail_app, "contrib_x", "20", state="submitted")
    with mail_app.app_context():
        down = mail.deliver_due()
        assert down.sent == [] and len(down.retry) == 2
        row = db.session.scalars(sa.select(OutboxMessage)).first()
        assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
        assert mail.deliver_due().sent == []  # backing off: not due yet
    assert smtp_server.messages == []
    smtp_server.start()
    with mail_app.app_context():
        later = utcnow() + timedelta(minutes=5)
        up = mail.deliver_due(now=later)
        again = mail.deliver_due(now=later + timedelta(hours=1))
    assert len(up.sent) == 2 and again.sent == []
    assert smtp_server.recipients() == COUNTY_20_MODERATORS  # each exactly once


def test_a_crashed_senders_lease_expires_and_the_message_goes_once(mail_app, smtp_server):
    with mail_app.app_context():
        mail.enqueue("a@example.se", "Hej", "Text", kind="test")
        db.session.commit()
        now = utcnow()
        claimed = mail.claim(now, 10)  # a sender claims the message, then "crashes"
        assert len(claimed) == 1
        assert mail.deliver_due(now=now).sent == []  # another sender keeps its hands off
        after_lease = now + mail.LEASE + timedelta(seconds=1)
        assert len(mail.deliver_due(now=after_lease).sent) == 1
        assert mail.deliver_due(now=after_lease + mail.LEASE * 2).sent == []
    assert smtp_server.recipients() == ["a@example.se"]


def test_decisions_mail_the_author_with_the_comment(mail_app, smtp_server):
    entry_id = make_entry(mail_app, "contrib_x", "20", state="submitted")
    with mail_app.app_context():
        mail.deliver_due()
        smtp_server.messages.clear()
        entry = db.session.get(moderation.Entry, entry_id)
        moderation.transition(Actor(user(mail_app, "mod_x")), entry, Action.REQUEST_CHANGES, "Beskriv kostnaderna.\nOch vem som ansvarar.")
        db.session.commit()
        mail.deliver_due()
    (msg,) = smtp_server.to(USERS["contrib_x"][0])
    assert smtp_server.recipients() == [USERS["contrib_x"][0]]
    assert msg["Subject"].startswith("Ändringar begärda: ")
    assert "> Beskriv kostnaderna.\n> Och vem som ansvarar." in msg.get_content().replace("\r\n", "\n")


def test_a_user_can_turn_notices_off_on_the_account_page(mail_app, smtp_server):
    client = mail_app.test_client()
    login(client, "mod_x2")
    page = client.get("/konto/aviseringar")
    assert page.status_code == 200 and "checked" in page.get_data(as_text=True)
    resp = post(client, "/konto/aviseringar", {"submit": "Spara"}, token_page="/konto/aviseringar")
    assert resp.status_code == 303
    with mail_app.app_context():
        assert user(mail_app, "mod_x2").notify_by_email is False
    make_entry(mail_app, "contrib_x", "20", state="submitted")
    with mail_app.app_context():
        mail.deliver_due()
    assert smtp_server.recipients() == [USERS["mod_x"][0]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # loopback test server
def test_smtp_authentication(make_app):
    from aiosmtpd.smtp import AuthResult

    from tests.channels.conftest import SmtpServer, free_port

    def authenticator(_server, _session, _envelope, mechanism, data):
        ok = mechanism in ("LOGIN", "PLAIN") and data.login == b"kb" and data.password == b"hemligt"
        return AuthResult(success=ok)

    server = SmtpServer(free_port(), authenticator=authenticator).start()
    try:
        app = make_app(load=False)
        for credentials, delivered in (("", 0), ("kb:hemligt@", 1)):
            app.config["KB_SMTP_URL"] = f"smtp://{credentials}127.0.0.1:{server.port}"
            with app.app_context():
                db.session.execute(sa.delete(OutboxMessage))
                mail.enqueue("b@example.se", "Hej", "Text", kind="test")
                db.session.commit()
                report = mail.deliver_due()
                assert len(report.sent) == delivered
                if not delivered:  # the server demands AUTH: kept for a retry, with the reason
                    row = db.session.scalars(sa.select(OutboxMessage)).one()
                    assert row.sent_at is None and "530" in row.last_error
    finally:
        server.stop()
    assert [r for r, _m in server.messages] == [["b@example.se"]]


def test_without_smtp_settings_mail_is_written_as_eml_files(make_app):
    app = make_app(load=False)
    with app.app_context():
        row = mail.enqueue("c@example.se", "Bekräfta", "Hej på dig", kind="test", headers={"List-Unsubscribe": "<https://x/y>"})
        db.session.commit()
        assert mail.deliver_due().sent == [row.id]
        files = list((mail.Path(app.config["KB_MAIL_DIR"])).glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "To: c@example.se" in text and "List-Unsubscribe: <https://x/y>" in text


def test_parse_smtp_url():
    s = mail.parse_smtp_url("smtp://user%40x:p%3Ass@mail.example.se:587?starttls=1")
    assert (s.host, s.port, s.username, s.password, s.starttls, s.ssl) == ("mail.example.se", 587, "user@x", "p:ss", True, False)
    s = mail.parse_smtp_url("smtps://mail.example.se")
    assert (s.port, s.ssl, s.starttls) == (465, True, False)
    with pytest.raises(ValueError):
        mail.parse_smtp_url("http://mail.example.se")


def test_backoff_grows_and_is_capped():
    assert [mail.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert mail.backoff(30) == mail.MAX_DELAY


def test_moderators_of_other_counties_are_never_asked(mail_app, smtp_server):
    make_entry(mail_app, "contrib_y", "12", state="submitted")
    with mail_app.app_context():
        mail.deliver_due()
        skane = [u.email for u in db.session.scalars(sa.select(User).where(User.county_code == "12", User.role == "moderator"))]
    assert smtp_server.recipients() == sorted(skane) == [USERS["mod_y"][0]]


@pytest.fixture
def certificate(tmp_path):
    import shutil
    import subprocess

    from tests.conftest import need

    need(shutil.which("openssl") is not None, "openssl (apt-get install openssl) makes the test server's TLS certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return key, cert


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_delivery_over_tls_verifies_the_certificate(make_app, certificate, mode):
    import ssl

    from aiosmtpd.controller import Controller

    from tests.channels.conftest import free_port

    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
            received.append((envelope.rcpt_tos, encrypted))
            return "250 OK"

    port = free_port()
    if mode == "starttls":
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
        base = f"smtp://127.0.0.1:{port}?starttls=1"
    else:
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, ssl_context=context)
        base = f"smtps://127.0.0.1:{port}?x=1"
    controller.start()
    try:
        app = make_app(load=False)
        for url, delivered in ((base, 0), (f"{base}&cafile={cert}", 1)):  # untrusted certificate first: refused
            app.config["KB_SMTP_URL"] = url
            with app.app_context():
                db.session.execute(sa.delete(OutboxMessage))
                mail.enqueue("tls@example.se", "Hej", "Text", kind="test")
                db.session.commit()
                report = mail.deliver_due()
                assert len(report.sent) == delivered
                if not delivered:
                    assert "CERTIFICATE_VERIFY_FAILED" in db.session.scalars(sa.select(OutboxMessage)).one().last_error
    finally:
        controller.stop()
    assert received == [(["tls@example.se"], True)]


def test_concurrent_senders_never_send_a_message_twice(mail_app, smtp_server):
    import threading

    with mail_app.app_context():
        for n in range(30):
            mail.enqueue(f"m{n}@example.se", f"Nr {n}", "Text", kind="test")
        db.session.commit()
    errors = []

    def sender():
        try:
            with mail_app.app_context():
                while mail.deliver_due(limit=4).sent:
                    pass
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert smtp_server.recipients() == sorted(f"m{n}@example.se" for n in range(30))  # each exactly once
    with mail_app.app_context():
        assert mail.status() == {"pending": 0, "sent": 30, "failed": 0}


def test_forgotten_password_link_by_e_mail_reveals_nothing_and_works_once(mail_app, smtp_server):
    """Issue 11: password reset by e-mail. The same page for every address; only an active account
    gets a link; one link per 15 minutes; the link sets a password once; sign-in still asks for the code."""
    import re

    from tests.staff.conftest import csrf_from

    client = mail_app.test_client()
    pages = []
    for address in (USERS["mod_x2"][0].upper(), "ingen.alls@example.se", USERS["mod_x2"][0]):
        resp = client.post("/glomt-losenord", data={"email": address, "csrf_token": csrf_from(client, "/glomt-losenord")})
        assert resp.status_code == 200
        pages.append(resp.get_data(as_text=True).split("<main", 1)[1])
    assert pages[0] == pages[1] == pages[2] and "Om adressen hör till ett aktivt konto" in pages[0]
    empty = client.post("/glomt-losenord", data={"email": "", "csrf_token": csrf_from(client, "/glomt-losenord")})
    assert empty.status_code == 400 and "Ange e-postadressen" in empty.get_data(as_text=True)
    with mail_app.app_context():
        mail.deliver_due()
    assert smtp_server.recipients() == [USERS["mod_x2"][0]]  # one link, though asked for twice
    body = smtp_server.to(USERS["mod_x2"][0])[0].get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/aterstall/(\S+)", body)
    assert link, body
    path = "/aterstall/" + link.group(1)
    new = "ett helt nytt lösenord 2026"
    resp = client.post(path, data={"new": new, "repeat": new, "csrf_token": csrf_from(client, path)})
    assert resp.status_code == 303
    assert client.get(path).status_code == 410  # used once
    resp = client.post("/logga-in", data={"email": USERS["mod_x2"][0], "password": new,
                                          "csrf_token": csrf_from(client, "/logga-in")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/logga-in/kod"  # the second factor still applies
    with mail_app.app_context():
        from kb.models import AuditEvent

        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == USERS["mod_x2"][0])))
        assert "password_reset_request" in actions and "password_reset_use" in actions
        from kb import accounts
        from tests.staff.conftest import PASSWORD

        accounts.set_password(system_actor("test"), user(mail_app, "mod_x2"), PASSWORD)  # later tests sign in as before
        db.session.commit()
