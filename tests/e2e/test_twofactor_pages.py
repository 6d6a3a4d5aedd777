"""In a real browser at 390 px: a new moderator signs in, scans nothing (types the key into a TOTP
generator), gets recovery codes; the code step, enrolment and codes pages are axe-clean and fit."""
from __future__ import annotations

import re

import pyotp
import pytest

from kb import accounts
from kb.permissions import system_actor
from kb.extensions import db
from tests.staff.conftest import PASSWORD

from .test_browse_and_search import axe_violations

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_enrolment_code_step_and_recovery_codes_in_the_browser(browser, staff_server):
    email = "e2e-ny@dalarna.example.se"
    with staff_server.app.app_context():
        accounts.add_user(system_actor("test"), email, PASSWORD, "moderator", "20")
        db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(staff_server.url + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/konto/tvasteg")
    assert page.get_by_role("img", name="QR-kod för tvåstegsverifiering").is_visible()
    enrol_violations, enrol_fits = axe_violations(page), _fits(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    page.get_by_label("Kod").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Aktivera").click()
    page.wait_for_load_state()
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    codes_violations, codes_fits = axe_violations(page), _fits(page)
    page.get_by_role("link", name="Jag har sparat koderna – fortsätt").click()
    page.wait_for_url("**/granska")

    page.get_by_role("button", name=re.compile("Logga ut")).click()
    page.goto(staff_server.url + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/logga-in/kod")
    page.get_by_label("Kod").fill("000000")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    assert "Koden stämmer inte" in page.content()
    verify_violations, verify_fits = axe_violations(page), _fits(page)
    page.get_by_label("Kod").fill(codes[0])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/granska")
    assert "reservkod" in page.content()
    page.goto(staff_server.url + "/konto/tvasteg")  # enrolled: status and new recovery codes
    assert "9 oanvända reservkoder" in page.content()
    status_violations, status_fits = axe_violations(page), _fits(page)
    context.close()

    assert all(u.startswith(staff_server.url) for u in requests), [u for u in requests if not u.startswith(staff_server.url)]
    assert (enrol_violations, codes_violations, verify_violations, status_violations) == ([], [], [], [])
    assert enrol_fits and codes_fits and verify_fits and status_fits


def test_enrolment_code_step_and_recovery_codes_in_english(browser, staff_server):
    """The same pages for a browser that asks for English: English text, still axe-clean and 390 px wide."""
    email = "e2e-en@dalarna.example.se"
    with staff_server.app.app_context():
        accounts.add_user(system_actor("test"), email, PASSWORD, "moderator", "20")
        db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.goto(staff_server.url + "/logga-in")
    assert page.locator("html").get_attribute("lang") == "en"  # Accept-Language
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/konto/tvasteg")
    assert page.get_by_role("heading", name="Set up two-step verification").is_visible()
    assert page.get_by_role("img", name="QR code for two-step verification").is_visible()
    enrol_violations, enrol_fits = axe_violations(page), _fits(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "")

    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    assert "Two-step verification is now turned on." in page.content()
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    codes_violations, codes_fits = axe_violations(page), _fits(page)
    page.get_by_role("link", name="I have saved the codes – continue").click()
    page.wait_for_url("**/granska")

    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_load_state()
    assert "You are signed out." in page.content()
    page.goto(staff_server.url + "/logga-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/logga-in/kod")
    page.locator("#code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "The code is not correct." in page.content()
    verify_violations, verify_fits = axe_violations(page), _fits(page)
    page.locator("#code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/granska")
    assert "You signed in with a recovery code" in page.content()
    page.goto(staff_server.url + "/konto/tvasteg")
    assert "You have 9 unused recovery codes." in page.content()
    status_violations, status_fits = axe_violations(page), _fits(page)
    context.close()

    assert (enrol_violations, codes_violations, verify_violations, status_violations) == ([], [], [], [])
    assert enrol_fits and codes_fits and verify_fits and status_fits
