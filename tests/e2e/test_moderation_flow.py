"""In a real browser: submit → request changes → fix → another moderator approves → the public finds it.
axe reports no WCAG 2.1 AA violations on the login, submission, queue and review pages."""
from __future__ import annotations

import pytest

from .conftest import sign_in_page
from .test_browse_and_search import axe_violations

pytestmark = pytest.mark.browser


def sign_in(browser, server, key: str):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    sign_in_page(page, server, key)
    return context, page


def test_submit_review_fix_approve_and_find(browser, staff_server):
    contributor_ctx, contributor = sign_in(browser, staff_server, "contrib_x")
    contributor.goto(staff_server.url + "/nytt-exempel")
    contributor.get_by_label("Rubrik").fill("Språkcafé på biblioteket i Borlänge")
    contributor.get_by_label("Sammanfattning (1–2 meningar)").fill("Biblioteket och frivilliga ordnar samtal på svenska varje vecka.")
    contributor.get_by_label("Ämne").select_option("kvalitet-i-verksamheten")
    contributor.locator("#municipalities-filter").fill("borlange")  # the type-ahead picker
    contributor.locator("#municipalities-filter").press("Enter")
    assert contributor.locator(".chips button", has_text="Borlänge").count() == 1
    contributor.get_by_label("Beskrivning (Markdown)").fill("## Vad gjordes\n\nSpråkcafé varje tisdag.")
    contributor.get_by_role("button", name="Skicka för granskning").click()
    contributor.wait_for_url("**/granska/*")
    review_url = contributor.url
    assert "Väntar på granskning" in contributor.content()

    mod_ctx, moderator = sign_in(browser, staff_server, "mod_x")
    moderator.goto(staff_server.url + "/granska")
    moderator.get_by_role("link", name="Språkcafé på biblioteket i Borlänge").click()
    moderator.get_by_label("Kommentar (krävs för att begära ändringar eller avslå)").fill("Skriv vem som leder samtalen.")
    moderator.get_by_role("button", name="Begär ändringar").click()
    moderator.wait_for_load_state()
    assert "Ändringar begärda" in moderator.content()

    contributor.goto(review_url)
    assert "Skriv vem som leder samtalen." in contributor.content()
    contributor.get_by_role("link", name="Redigera").click()
    contributor.get_by_label("Beskrivning (Markdown)").fill("## Vad gjordes\n\nSpråkcafé varje tisdag, lett av frivilliga.")
    contributor.get_by_role("button", name="Skicka för granskning").click()
    contributor.wait_for_url("**/granska/*")

    mod2_ctx, moderator2 = sign_in(browser, staff_server, "mod_x2")
    moderator2.goto(review_url)
    moderator2.get_by_role("button", name="Godkänn och publicera").click()
    moderator2.wait_for_load_state()
    assert "publicerat" in moderator2.content()

    public_ctx = browser.new_context(locale="sv-SE")
    public = public_ctx.new_page()
    public.goto(staff_server.url + "/")
    public.get_by_label("Sök bland goda exempel").fill("språkcafé")
    public.get_by_role("button", name="Sök").click()
    public.get_by_role("link", name="Språkcafé på biblioteket i Borlänge").click()
    assert "lett av frivilliga" in public.content()
    for ctx in (contributor_ctx, mod_ctx, mod2_ctx, public_ctx):
        ctx.close()


def _in(path: str, lang: str) -> str:
    """The address in `lang`: Swedish pages as they always were, English ones with ?lang=en."""
    return path if lang == "sv" else path + ("&" if "?" in path else "?") + "lang=en"


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize(("key", "path"), [
    (None, "/logga-in"),
    ("contrib_x", "/nytt-exempel"),
    ("contrib_x", "/mina-exempel"),
    ("mod_x", "/granska"),
    ("mod_x", "REVIEW"),
    ("admin", "/admin/anvandare"),
])
def test_axe_on_staff_pages(browser, staff_server, key, path, lang):
    if key is None:
        context = browser.new_context(locale="sv-SE")
        page = context.new_page()
    else:
        context, page = sign_in(browser, staff_server, key)
    if path == "REVIEW":
        page.goto(staff_server.url + _in("/granska?state=published", lang))
        page.locator("table.data a").first.click()
        page.wait_for_load_state()
    else:
        page.goto(staff_server.url + _in(path, lang))
    assert page.locator("html").get_attribute("lang") == lang
    violations = axe_violations(page)
    context.close()
    assert violations == [], violations


@pytest.mark.parametrize(("lang", "summary"), [("sv", "Kontrollera formuläret"), ("en", "Please check the form")])
def test_axe_on_form_with_errors(browser, staff_server, lang, summary):
    context, page = sign_in(browser, staff_server, "contrib_x")
    page.goto(staff_server.url + _in("/nytt-exempel", lang))
    page.locator("#send").click()  # "Skicka för granskning" / its English label
    page.wait_for_load_state()
    assert summary in page.content()
    violations = axe_violations(page)
    context.close()
    assert violations == [], violations
