"""In a real browser: the map by keyboard from Sweden to a county to a municipality's neighbours; axe on the map pages."""
from __future__ import annotations

import pytest

from tests.e2e.test_browse_and_search import axe_violations

pytestmark = pytest.mark.browser


def focused_label(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.getAttribute('aria-label') || '')")


def test_keyboard_from_sweden_to_dalarna_to_borlange_neighbours(page, live_server):
    page.goto(live_server.url + "/karta")
    for _ in range(80):  # Tab through the page until the Dalarna region has focus
        page.keyboard.press("Tab")
        if focused_label(page).startswith("Dalarnas län:"):
            break
    assert focused_label(page) == "Dalarnas län: 6 exempel"
    page.keyboard.press("Enter")
    page.wait_for_url("**/lan/dalarnas-lan")
    assert page.get_by_role("heading", level=1).inner_text() == "Dalarnas län"

    page.locator(".map-svg").get_by_role("link", name="Borlänge: 3 exempel").click()
    page.wait_for_url("**/kommun/borlange")
    neighbours = page.locator("section.nearby", has=page.get_by_role("heading", name="I grannkommunerna (1 exempel)"))
    assert neighbours.get_by_role("link", name="Modell för att hålla koll på statlig ersättning för mottagandet i Falun").is_visible()


@pytest.mark.parametrize("path", ["/karta", "/karta?category=bostader", "/lan/dalarnas-lan", "/kommun/gagnef",
                                  "/sok?q=skola&near=2080", "/sok?municipality=2081", "/exempel/kopa-villor-och-smahus"])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_map_pages_have_no_wcag21_aa_violations(page, live_server, path, lang):
    page.goto(live_server.url + path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == []


@pytest.mark.parametrize("path, drawing", [("/karta", ".map-svg"), ("/lan/dalarnas-lan", ".map-svg"),
                                           ("/exempel/kopa-villor-och-smahus", ".locator-svg"), ("/kommun/borlange", None)])
def test_map_pages_fit_a_390_px_screen(browser, live_server, path, drawing):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    page.goto(live_server.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    drawn = page.locator(drawing).bounding_box()["width"] if drawing else None
    context.close()
    assert width <= 390
    if drawing == ".map-svg":
        assert 300 < drawn <= 390  # the map uses the screen's width
    elif drawing:
        assert 0 < drawn <= 390
