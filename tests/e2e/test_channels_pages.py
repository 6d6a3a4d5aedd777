"""In a real browser: the new public pages (about, accessibility, open data, API docs, Bevaka) are axe-clean
and fit 390 px; an example prints as a clean document; the Bevaka form works."""
from __future__ import annotations

import pytest

from .test_browse_and_search import axe_violations
from .test_moderation_flow import sign_in

pytestmark = pytest.mark.browser

NEW_PAGES = ["/om", "/tillganglighet", "/oppna-data", "/api/v1/", "/bevaka?county=20", "/kategori/bostader"]


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("path", NEW_PAGES)
def test_new_pages_have_no_wcag21_aa_violations(page, live_server, path, lang):
    page.goto(live_server.url + path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], violations


def test_new_pages_fit_a_390_px_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="sv-SE")
    page = context.new_page()
    widths = {}
    for path in NEW_PAGES + ["/sok?q=skola"]:
        page.goto(live_server.url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert all(w <= 390 for w in widths.values()), widths


def test_example_prints_without_navigation_and_with_links_written_out(page, live_server):
    page.goto(live_server.url + "/exempel/kopa-villor-och-smahus")
    assert page.locator("nav[aria-label='Huvudmeny']").is_visible()
    page.emulate_media(media="print")
    for selector in ("nav[aria-label='Huvudmeny']", ".site-footer", ".breadcrumbs", ".search-form", ".related"):
        locator = page.locator(selector)
        assert locator.count() == 0 or not locator.first.is_visible(), selector
    assert page.get_by_role("heading", level=1).is_visible()
    after = page.evaluate("getComputedStyle(document.querySelector('.facts a[href]'), '::after').content")
    assert after.startswith('" (/kategori/')


def test_bevaka_form_on_a_county_page_and_the_answer_page(browser, staff_server):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.goto(staff_server.url + "/lan/dalarnas-lan")
    assert page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href") == "/flode.atom?county=20"
    page.get_by_label("Bevaka med e-post").fill("lisa@example.se")
    page.get_by_label("Dagligen").check()
    page.get_by_role("button", name="Bevaka").click()
    page.wait_for_url("**/bevaka")
    assert page.get_by_role("heading", level=1).inner_text() == "Kolla din e-post"
    assert axe_violations(page) == []
    context.close()


def test_notice_settings_page(browser, staff_server):
    context, page = sign_in(browser, staff_server, "mod_y")
    page.goto(staff_server.url + "/konto/aviseringar")
    box = page.get_by_label("Skicka e-post till mig om granskningar", exact=False)
    assert box.is_checked()
    assert axe_violations(page) == []
    box.uncheck()
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert "avstängda" in page.content()
    assert not page.get_by_label("Skicka e-post till mig om granskningar", exact=False).is_checked()
    context.close()


def test_confirm_and_unsubscribe_pages(browser, staff_server):
    from kb import alerts
    from kb.extensions import db

    app = staff_server.app
    with app.app_context():
        sub = alerts.subscribe("per@example.se", alerts.Filters(category="bostader"), "weekly",
                               {"category": {"bostader": "Bostäder"}, "county": {}, "municipality": {}})
        db.session.commit()
        confirm, unsubscribe = alerts.token(sub, "confirm"), alerts.token(sub, "unsubscribe")
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.goto(f"{staff_server.url}/bevaka/bekrafta/{confirm}")
    assert "Bostäder" in page.content() and axe_violations(page) == []
    page.get_by_role("button", name="Bekräfta bevakningen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bevakningen är bekräftad"
    assert axe_violations(page) == []
    page.goto(f"{staff_server.url}/bevaka/avsluta/{unsubscribe}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Avsluta bevakningen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bevakningen är avslutad"
    assert axe_violations(page) == []
    context.close()
