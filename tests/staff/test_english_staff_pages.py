"""The staff side in English (?lang=en): every page, flash messages and form errors from our
modules; the examples' own text stays Swedish (lang="sv"), and e-mails to other people stay
Swedish whatever language the person who caused them browses in."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kb import user_admin
from kb.audit import Actor
from kb.extensions import db
from kb.models import OutboxMessage

from .conftest import USERS, X, csrf_from, login, make_entry, post, totp_code, user

# Interface text that must not appear on an English page (chrome, headings, buttons of our templates).
SWEDISH_CHROME = ["Logga ut", "Mina exempel", "Granska exempel", "Tvåstegsverifiering", "Kontrollera formuläret",
                  "Händelser", "Åtgärder", "Skicka in ett nytt exempel", "Spara roll och län", "Glömt lösenordet",
                  "Alla användare", "Granskningslogg", "Att kontrollera", "Tillbaka", "Inga händelser",
                  "Reservkoder", "reservkoder", "Välj ett nytt lösenord", "Länken fungerar inte", "Till granskningskön"]


def _html_lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


def _english(resp, *expected: str, status: int = 200) -> str:
    html = resp.get_data(as_text=True)
    assert resp.status_code == status, html[:500]
    assert _html_lang(html) == "en"
    for text in expected:
        assert text in html, f"{text!r} missing"
    # Only the interface is checked: text inside lang="sv" elements (the examples' own) is allowed.
    chrome = re.sub(r'<(\w+)\b[^>]*\blang="sv"[^>]*>.*?</\1>', " ", html, flags=re.S)
    # Text and the attributes people hear or read (not addresses: /konto/tvasteg/reservkoder is a path).
    shown = re.sub(r"<[^>]*>", " ", chrome) + " ".join(re.findall(r'(?:aria-label|title|placeholder)="([^"]*)"', chrome))
    found = [w for w in SWEDISH_CHROME if w in shown]
    assert found == [], f"Swedish interface text on an English page: {found}"
    return html


def _en(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "lang=en"


def test_signed_out_pages_in_english(staff_app):
    client = staff_app.test_client()
    _english(client.get(_en("/logga-in")), "Sign in", "Forgotten your password?", "For staff at county administrative boards")
    _english(client.get(_en("/glomt-losenord")), "Forgotten password", "Send the link", "Back to the sign-in page")
    _english(client.get(_en("/aterstall/no-such-token")), "The link does not work",
             "The link has already been used or does not exist.", status=410)
    with staff_app.app_context():
        token = user_admin.issue_reset(Actor(user(staff_app, "admin")), user(staff_app, "contrib_x"))
        db.session.commit()
    html = _english(client.get(_en(f"/aterstall/{token}")), "Choose a new password", "Save the new password",
                    "The link works once.")
    assert f"For the account <strong>{USERS['contrib_x'][0]}</strong>." in html
    # The e-mailed link: the same answer whether or not the address has an account.
    resp = post(client, _en("/glomt-losenord"), {"email": USERS["contrib_x"][0]}, token_page=_en("/glomt-losenord"))
    _english(resp, "Check your e-mail", "It works once and for 24 hours.")


def test_contributor_pages_in_english(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, "changes_requested", title="Läxhjälp i Borlänge")
    client = staff_app.test_client()
    login(client, "contrib_x")
    html = _english(client.get(_en("/mina-exempel")), "My examples", "Submit a new example", "Latest comment",
                    "Changes requested", "Change password")
    assert re.search(r'<a href="/granska/\d+" lang="sv">Läxhjälp i Borlänge</a>', html)
    assert '<span lang="sv">Mer detaljer, tack.</span>' in html  # the reviewer's comment stays as written
    html = _english(client.get(_en("/nytt-exempel")), "Submit a new example", "About the example", "Where", "Description",
                    "A draft can be saved incomplete.", "Readability (LIX):")
    assert '[40, "medium, like ordinary newspaper text"]' in html  # the bands static/js/lix.js uses while typing
    _english(client.get(_en(f"/redigera/{entry_id}")), "Edit “Läxhjälp i Borlänge”")
    html = _english(client.get(_en(f"/granska/{entry_id}")), "Events and comments", "Actions", "history",
                    "Details for the reviewer", "requested changes")
    assert '<h1 lang="sv">Läxhjälp i Borlänge</h1>' in html
    assert '<blockquote lang="sv">Mer detaljer, tack.</blockquote>' in html
    _english(client.get(_en(f"/granska/{entry_id}/historik")), "History:", "Compare two versions", "From → to",
             "Versions", "Created")
    _english(client.get(_en("/konto/losenord")), "Change password", "At least 12 characters.")
    _english(client.get(_en("/konto/tvasteg")), "Set up two-step verification", "Scan the QR code with the app.",
             "QR code for two-step verification")


def test_moderator_pages_in_english(staff_app):
    submitted = make_entry(staff_app, "contrib_x", X, "submitted", title="Språkcafé i Falun")
    published = make_entry(staff_app, "contrib_x", X, "published", title="Cykelskola i Borlänge")
    client = staff_app.test_client()
    login(client, "mod_x")
    html = _english(client.get(_en("/granska")), "Review examples", "Awaiting review", "oldest first", "Author",
                    "Do the same with all selected", "Apply to selected", "To check")
    assert re.search(r'lang="sv">Språkcafé i Falun</a>', html)
    for state in ("changes_requested", "draft", "rejected", "published", "archived"):
        _english(client.get(_en(f"/granska?state={state}")), "Review examples", "Filter by state")
    html = _english(client.get(_en(f"/granska/{submitted}")), "Approve and publish", "Request changes",
                    "Comment (required to request changes or reject)", "submitted for review")
    _english(client.get(_en(f"/granska/{published}")), "Check", "Mark as checked", "Has inspired", "Record")
    _english(client.get(_en("/granska/att-kontrollera")), "To check", "Published examples that nobody has checked")
    # Two-factor status and new recovery codes.
    _english(client.get(_en("/konto/tvasteg")), "Two-step verification is turned on for your account",
             "You have 10 unused recovery codes.", "Create new recovery codes")
    resp = post(client, _en("/konto/tvasteg/reservkoder"), {"code": totp_code(staff_app, USERS["mod_x"][0])},
                token_page=_en("/konto/tvasteg"))
    _english(resp, "Your recovery codes", "The codes are shown only this once.", "I have saved the codes – continue")
    # Archiving asks first.
    resp = post(client, _en(f"/granska/{published}/archive"), {"comment": ""}, token_page=_en(f"/granska/{published}"))
    _english(resp, "Archive “Cykelskola i Borlänge”?", "Yes, archive", "Cancel")
    # Bulk actions: a refused request and a real one.
    resp = post(client, _en("/granska/massatgard"), {"bulk_action": "", "ids": []}, token_page=_en("/granska"))
    _english(resp, "The bulk action was not carried out", "Choose an action:", "Select at least one example in the list.",
             status=400)
    resp = post(client, _en("/granska/massatgard"), {"bulk_action": "approve", "ids": [str(submitted)]},
                token_page=_en("/granska"))
    _english(resp, "Approve and publish: results", "1 of 1 examples done.", "Approved and published.", "Done")


def test_two_factor_code_step_in_english(staff_app):
    client = staff_app.test_client()
    client.get(_en("/logga-in"))  # the choice is remembered in the cookie
    resp = client.post("/logga-in", data={"email": USERS["mod_x"][0], "password": "en lång och ovanlig fras 42",
                                          "csrf_token": csrf_from(client)})
    assert resp.headers["Location"] == "/logga-in/kod"
    _english(client.get("/logga-in/kod"), "The password is correct.", "Six digits from the app.")
    resp = client.post("/logga-in/kod", data={"code": "000000", "csrf_token": csrf_from(client, "/logga-in/kod")})
    html = _english(resp, "Please check the form", "The code is not correct.", "attempts left.", status=401)
    assert "Koden stämmer inte" not in html


def test_admin_pages_in_english(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    html = _english(client.get(_en("/admin/anvandare")), "Users", "All users", "Audit log", "Synonyms and abbreviations",
                    "Add a user", "Two-step", "Deactivate", "Active", "Moderator", "Contributor")
    assert re.search(r"<td>On\s*<form", html)  # the admins and moderators have two-step verification
    with staff_app.app_context():
        uid = user(staff_app, "contrib_x").id
    _english(client.get(_en(f"/admin/anvandare/{uid}")), "Role and county", "Save role and county", "Reset password",
             "Create reset link")
    resp = post(client, _en(f"/admin/anvandare/{uid}/aterstallningslank"), token_page=_en(f"/admin/anvandare/{uid}"))
    _english(resp, "Send the link to", "in a secure way")
    _english(client.get(_en("/admin/logg")), "Audit log", "Events, newest first", "Filter", "Object id")
    _english(client.get(_en("/admin/synonymer")), "Synonyms and abbreviations", "Synonym list (YAML)", "Versions",
             "Saved versions, newest first")


def test_flash_and_errors_in_english(staff_app):
    client = staff_app.test_client()
    login(client, "admin")
    with staff_app.app_context():
        uid = user(staff_app, "contrib_x").id
    resp = post(client, _en(f"/admin/anvandare/{uid}/inaktivera"), token_page=_en("/admin/anvandare"))
    assert resp.status_code == 303
    html = _english(client.get(resp.headers["Location"]), f"{USERS['contrib_x'][0]} is deactivated.")
    assert "inaktiverad." not in html
    # A form error from kb/accounts.py (the password rules).
    resp = post(client, _en("/admin/anvandare"), {"email": "ny@dalarna.example.se", "name": "", "role": "contributor",
                                                   "county": X, "password": "kort"}, token_page=_en("/admin/anvandare"))
    html = _english(resp, "Please check the form", status=400)
    assert "The password must have at least 12 characters (now 4)." in html
    # A synonym list that is too long: the view's own message.
    resp = post(client, _en("/admin/synonymer"), {"text": "x" * 100_001}, token_page=_en("/admin/synonymer"))
    _english(resp, "The list was not saved: The list is too long (at most 100,000 characters).", status=400)


def test_contributor_flash_and_incomplete_submission_in_english(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = post(client, _en("/nytt-exempel"), {"title": "", "summary": "", "body": "", "category": "kvalitet-i-verksamheten",
                                                  "status": "pågående", "send": "1"},
                token_page=_en("/nytt-exempel"))
    _english(resp, "Please check the form", "Enter a title.", "Describe the example in the text.", status=400)
    resp = post(client, _en("/nytt-exempel"), {"title": "Ett utkast", "category": "kvalitet-i-verksamheten", "status": "pågående",
                                                  "save": "1"}, token_page=_en("/nytt-exempel"))
    assert resp.status_code == 302
    _english(client.get(resp.headers["Location"]), "The draft was saved.")
    resp = post(client, "/logga-ut", token_page=_en("/mina-exempel"))
    _english(client.get(resp.headers["Location"]), "You are signed out.")


def test_swedish_staff_pages_are_unchanged(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, "changes_requested", title="Läxhjälp i Borlänge")
    client = staff_app.test_client()
    login(client, "mod_x")
    html = client.get(f"/granska/{entry_id}").get_data(as_text=True)
    assert _html_lang(html) == "sv"
    for text in ("Händelser och kommentarer", "Åtgärder", "begärde ändringar", "Ändringar begärda", "historik",
                 "Uppgifter för granskaren"):
        assert text in html
    html = client.get("/granska?state=changes_requested").get_data(as_text=True)
    assert "Granska exempel" in html and "Ändringar begärda" in html and "äldst först" in html
    assert "Du har 10 oanvända reservkoder." in client.get("/konto/tvasteg").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_notice_to_the_author_is_swedish_whoever_approves(staff_app, lang):
    entry_id = make_entry(staff_app, "contrib_x", X, "submitted", title="Språkcafé i Falun")
    client = staff_app.test_client()
    login(client, "mod_x")
    client.get(f"/granska?lang={lang}")
    resp = post(client, f"/granska/{entry_id}/approve?lang={lang}", {"comment": "Bra beskrivet."},
                token_page=f"/granska/{entry_id}")
    assert resp.status_code == 303
    flashed = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert ("The example is approved and published." if lang == "en" else "Exemplet är godkänt och publicerat.") in flashed
    with staff_app.app_context():
        mail = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "notice_approve", OutboxMessage.to_addr == USERS["contrib_x"][0])).one()
        assert mail.subject == "Godkänt och publicerat: Språkcafé i Falun"
        assert mail.body.startswith(f"Hej {user(staff_app, 'contrib_x').label}!\n\nExemplet är godkänt och publicerat.")
        assert "Kommentar från granskaren:\n\n> Bra beskrivet." in mail.body
        assert "Du får det här mejlet för att du har ett konto på Goda exempel." in mail.body
        assert "Hello" not in mail.body and "approved" not in mail.body


def test_submission_notice_and_reset_mail_are_swedish_from_an_english_page(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    client.get(_en("/nytt-exempel"))
    resp = post(client, "/nytt-exempel", {
        "title": "Cykelskola för vuxna", "summary": "Kommunen lär vuxna att cykla.", "category": "kvalitet-i-verksamheten",
        "municipalities": ["2081"], "status": "pågående", "body": "Kurser på våren.", "send": "1",
    }, token_page=_en("/nytt-exempel"))
    assert resp.status_code == 302
    anonymous = staff_app.test_client()
    post(anonymous, _en("/glomt-losenord"), {"email": USERS["contrib_x2"][0]}, token_page=_en("/glomt-losenord"))
    with staff_app.app_context():
        notices = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "notice_submitted")))
        assert notices and all(m.subject == "Att granska: Cykelskola för vuxna" for m in notices)
        assert all("väntar på granskning" in m.body and "Granska det här:" in m.body for m in notices)
        reset = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).one()
        assert reset.subject == "Goda exempel: välj ett nytt lösenord"
        assert "Länken fungerar en gång och i 24 timmar." in reset.body


def test_freshness_reminder_is_swedish_inside_an_english_request(staff_app):
    from kb import freshness

    make_entry(staff_app, "contrib_x", X, "published")
    with staff_app.test_request_context("/?lang=en"):
        reminders = freshness.reminders(now=datetime(2100, 1, 1, tzinfo=UTC))
    assert reminders
    for reminder in reminders:
        assert reminder.subject == "Goda exempel: exempel att kontrollera"
        assert "exempel i ert län har inte kontrollerats på" in reminder.body

