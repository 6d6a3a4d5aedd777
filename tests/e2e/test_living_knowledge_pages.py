"""In a real browser at 390 px: every public and staff page (including the new review-desk pages)
has 0 axe WCAG 2.1 AA violations and is never wider than the viewport; the e-mail link is
assembled by static JS; the municipality picker works by keyboard in Swedish order."""
from __future__ import annotations

import re

import pytest

from .conftest import sign_in_page
from .test_browse_and_search import axe_violations

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def seeded(staff_server):
    """A published example with a public contact, a verification and an adoption; two submissions."""
    from kb import adoption, freshness, moderation
    from kb.audit import Actor
    from kb.extensions import db
    from kb.services import reindex_entries
    from kb.workflow import Action
    from tests.staff.conftest import user

    app = staff_server.app
    with app.app_context():
        author, mod, admin = user(app, "contrib_x"), user(app, "mod_x"), user(app, "admin")
        data = moderation.EntryInput(
            title="Mentorer för nyanlända ungdomar i Borlänge med en mycket lång rubrik som ska radbrytas",
            summary="Frivilliga mentorer träffar unga nyanlända varje vecka.", category="kvalitet-i-verksamheten",
            municipalities=["2081"], body="## Vad gjordes\n\nMentorer.\n\n" + "Ordentligtlångtsammansattord" * 6,
            contact_organisation="Borlänge kommun", contact_name="Eva Mentorsson",
            contact_email="eva.mentorsson.langtnamn@borlange.example.se", contact_public=True,
            links=["https://www.borlange.se/en/mycket/lang/adress/som/inte/far/gora/sidan/bredare/an/skarmen/mentorer"],
            period_start=2014,
        )
        entry = moderation.create_entry(Actor(author), data)
        moderation.transition(Actor(author), entry, Action.SUBMIT)
        moderation.transition(Actor(mod), entry, Action.APPROVE)
        freshness.mark_verified(Actor(mod), entry, "Ringde kommunen.", "pågående")
        adoption.record_adoption(Actor(admin), entry, "2080", 2016, "Falun startade eget program.")
        waiting = []
        for i in range(2):
            e = moderation.create_entry(Actor(author), moderation.EntryInput(
                title=f"Väntande exempel {i}", summary="Kort.", category="bostader", municipalities=["2081"],
                body="Text.",
            ))
            moderation.transition(Actor(author), e, Action.SUBMIT)
            waiting.append(e.id)
        db.session.commit()
        reindex_entries([entry.slug])
        return {"slug": entry.slug, "id": entry.id, "waiting": waiting,
                "user_id": user(app, "contrib_x2").id}


def _context(browser, server, key=None):
    context = browser.new_context(locale="sv-SE", viewport=PHONE)
    page = context.new_page()
    if key:
        sign_in_page(page, server, key)
    return context, page


def _check(page, where: str) -> list[str]:
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{where}: {width} px wide")
    problems += [f"{where}: {v}" for v in axe_violations(page)]
    return problems


PUBLIC = ["/", "/sok?q=skola", "/sok?verified_within=24", "EXAMPLE", "/kategori/bostader", "/kategorier", "/lan",
          "/lan/dalarnas-lan", "/kommun/falun", "/kommun/borlange", "/logga-in", "/finns-inte"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_public_pages_at_390px_fit_and_pass_axe(browser, staff_server, seeded, lang):
    context, page = _context(browser, staff_server)
    problems = []
    for path in PUBLIC:
        path = f"/exempel/{seeded['slug']}" if path == "EXAMPLE" else path
        page.goto(staff_server.url + path + ("&" if "?" in path else "?") + f"lang={lang}")
        problems += _check(page, path)
    context.close()
    assert problems == [], problems


def test_example_page_shows_facts_and_a_working_mail_link(browser, staff_server, seeded):
    context, page = _context(browser, staff_server)
    page.goto(staff_server.url + f"/exempel/{seeded['slug']}")
    mail = page.locator(".contact a[href^='mailto:']")
    assert mail.get_attribute("href") == "mailto:eva.mentorsson.langtnamn@borlange.example.se"
    text = page.locator("main").inner_text()
    assert "Senast kontrollerad" in text and "av Dalarnas län" in text and "Har inspirerat" in text and "Falun" in text
    assert "sedan 2014" in text and "Publicerad" in text
    page.goto(staff_server.url + "/kommun/falun")
    assert "Falun har tagit efter" in page.locator("main").inner_text()
    context.close()


STAFF = [
    ("contrib_x", "/mina-exempel"), ("contrib_x", "/nytt-exempel"),
    ("mod_x", "/granska"), ("mod_x", "/granska?state=published"), ("mod_x", "/granska/att-kontrollera"),
    ("mod_x", "REVIEW_WAITING"), ("mod_x", "REVIEW_PUBLISHED"), ("mod_x", "HISTORY"),
    ("admin", "/admin/anvandare"), ("admin", "USER"), ("admin", "/admin/logg"), ("admin", "/admin/synonymer"),
    ("admin", "/granska/att-kontrollera"),
]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_staff_pages_at_390px_fit_and_pass_axe(browser, staff_server, seeded, lang):
    problems = []
    contexts = {}
    for key, path in STAFF:
        if key not in contexts:
            contexts[key] = _context(browser, staff_server, key)
        page = contexts[key][1]
        target = {
            "REVIEW_WAITING": f"/granska/{seeded['waiting'][0]}", "REVIEW_PUBLISHED": f"/granska/{seeded['id']}",
            "HISTORY": f"/granska/{seeded['id']}/historik", "USER": f"/admin/anvandare/{seeded['user_id']}",
        }.get(path, path)
        if lang != "sv":
            target += ("&" if "?" in target else "?") + f"lang={lang}"
        page.goto(staff_server.url + target)
        if page.locator("html").get_attribute("lang") != lang:
            problems.append(f"{key} {path}: not in {lang}")
        problems += _check(page, f"{key} {path} ({lang})")
    for context, _page in contexts.values():
        context.close()
    assert problems == [], problems


def test_review_desk_flows_at_390px(browser, staff_server, seeded):
    """Missing comment: error beside the buttons gets focus; archive asks first; bulk result; reset link page."""
    context, page = _context(browser, staff_server, "mod_x")
    problems = []
    page.goto(staff_server.url + f"/granska/{seeded['waiting'][1]}")
    page.get_by_role("button", name="Avslå").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "comment-err"
    problems += _check(page, "comment error")

    page.goto(staff_server.url + f"/granska/{seeded['id']}")
    page.get_by_role("button", name="Arkivera…").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Arkivera")
    problems += _check(page, "archive confirmation")
    page.get_by_role("link", name="Avbryt").click()

    page.goto(staff_server.url + "/granska")
    page.get_by_label(re.compile("Markera Väntande exempel 1")).check()
    page.get_by_label("Åtgärd").select_option("approve")
    page.get_by_role("button", name="Utför för markerade").click()
    page.wait_for_load_state()
    assert "1 av 1 exempel klara" in page.locator("main").inner_text()
    problems += _check(page, "bulk result")
    context.close()

    admin_ctx, admin = _context(browser, staff_server, "admin")
    admin.goto(staff_server.url + f"/admin/anvandare/{seeded['user_id']}")
    admin.get_by_role("button", name="Skapa återställningslänk").click()
    admin.wait_for_load_state()
    problems += _check(admin, "reset link issued")
    link = admin.locator(".reset-link code").inner_text()
    admin_ctx.close()
    anon_ctx, anon = _context(browser, staff_server)
    anon.goto(link)
    problems += _check(anon, "reset form")
    anon_ctx.close()
    assert problems == [], problems


def test_municipality_picker_by_keyboard_in_swedish_order(browser, staff_server, seeded):
    context, page = _context(browser, staff_server, "contrib_x")
    page.goto(staff_server.url + "/nytt-exempel")
    box = page.get_by_role("combobox", name="Kommuner")
    box.fill("o")
    names = page.locator("#municipalities-listbox [role=option]").all_inner_texts()
    starts = [n for n in names if n[0] in "OÖ"]  # names that begin with o or ö, in the order shown
    assert starts[0][0] == "O" and starts[-1][0] == "Ö" and starts == sorted(starts, key=lambda n: n[0] == "Ö")
    box.fill("örebro")
    box.press("ArrowDown")
    box.press("Enter")
    assert page.locator(".chips button", has_text="Örebro").count() == 1
    assert page.locator("#municipalities option:checked").all_inner_texts() == ["Örebro (Örebro län)"]
    page.keyboard.press("Backspace")
    assert page.locator("#municipalities option:checked").count() == 0
    problems = _check(page, "picker open")
    context.close()
    assert problems == [], problems


def test_form_errors_move_focus_to_the_summary_and_lix_updates(browser, staff_server, seeded):
    context, page = _context(browser, staff_server, "contrib_x")
    page.goto(staff_server.url + "/nytt-exempel")
    page.get_by_label("Sammanfattning (1–2 meningar)").fill("Kommunen köper villor. Den hyr ut dem till nyanlända familjer.")
    from playwright.sync_api import expect

    expect(page.locator("#summary-lix .lix-value")).to_have_text(re.compile(r"^35 – medelsvår"))
    page.get_by_role("button", name="Skicka för granskning").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "fel"
    context.close()


def test_lix_updates_in_english_and_errors_take_focus(browser, staff_server, seeded):
    context, page = _context(browser, staff_server, "contrib_x")
    page.goto(staff_server.url + "/nytt-exempel?lang=en")
    assert "type to see the value" in page.locator("#summary-lix").inner_text()
    page.locator("#summary").fill("Kommunen köper villor. Den hyr ut dem till nyanlända familjer.")
    from playwright.sync_api import expect

    expect(page.locator("#summary-lix .lix-value")).to_have_text(re.compile(r"^35 – medium, like ordinary newspaper text"))
    page.locator("#send").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "fel"
    assert "Please check the form" in page.content()
    context.close()
