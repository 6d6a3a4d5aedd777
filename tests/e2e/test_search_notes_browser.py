"""In a real browser: search notes (a municipality without examples, a split compound,
close spellings) and the synonym warnings are axe-clean (WCAG 2.1 AA) and fit 390 px."""
from __future__ import annotations

import pytest

from .test_browse_and_search import axe_violations
from .test_moderation_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("path", "text"), [
    ("/sok?q=G%C3%A4vle", "Gävle har inga exempel ännu"),
    ("/sok?q=evakueringsboende", "delades upp"),
    ("/sok?q=interkultruell+strategi", "liknande stavning"),
])
def test_search_notes_are_accessible_and_fit_a_phone(browser, live_server, path, text):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="sv-SE")
    page = context.new_page()
    page.goto(live_server.url + path)
    assert text in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    violations = axe_violations(page)
    context.close()
    assert violations == [], violations
    assert width <= 390


def test_synonym_warnings_are_accessible(browser, staff_server):
    context, page = sign_in(browser, staff_server, "admin")
    page.goto(staff_server.url + "/admin/synonymer")
    original = page.locator("#text").input_value()
    page.locator("#text").fill(original.replace("[vc, vårdcentral,", "[vc, vårdcentral, vårdcentralen,"))
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    try:
        assert "räknas bara en gång" in page.content()
        violations = axe_violations(page)
    finally:
        page.locator("#text").fill(original)  # leave the shared staff app as it was
        page.get_by_role("button", name="Spara").click()
        page.wait_for_load_state()
        context.close()
    assert violations == [], violations
