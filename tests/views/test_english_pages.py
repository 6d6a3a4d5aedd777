"""Every public page in English (?lang=en) and, the same page, in Swedish (?lang=sv).

English pages: `<html lang="en">`, English navigation and chrome, no Swedish chrome, and the
examples' own (Swedish) text marked lang="sv". Swedish pages keep their Swedish text.
"""
from __future__ import annotations

import re

import pytest

# Navigation and footer, on every page (base.html).
NAV_EN = ["All examples", "Topics", "Counties and municipalities", "Map", "Accessibility statement", "Open data"]
NAV_SV = ["Alla exempel", "Ämnen", "Län och kommuner", "Karta", "Tillgänglighetsredogörelse", "Öppna data"]

# path, status, English strings, Swedish strings of the same page (absent in English).
PAGES = [
    ("/", 200, ["Good examples of receiving newly arrived refugees", "Recently published", "Housing",
                "Receiving more people"], ["Senast publicerade", "Bostäder"]),
    ("/sok?q=buss", 200, ["Search results for “buss”", "Filter by topic, county and municipality", "Sort",
                          "Show on map", "Follow new examples about"], ["Sökresultat för", "Sortera", "Filtrera efter"]),
    ("/kategorier", 200, ["Topics", "Housing", "Ways of acquiring, converting", "Regional cooperation"],
     ["Bostäder", "Sätt att skaffa"]),
    ("/kategori/bostader", 200, ["Housing", "Search and filter within the topic", "Atom feed for Housing"],
     ["Sök och filtrera inom ämnet", "Atomflöde för"]),
    ("/lan", 200, ["Sweden's 21 counties", "Counties and municipalities"], ["Sveriges 21 län", "Välj ett län"]),
    ("/lan/dalarnas-lan", 200, ["County code 20.", "Municipalities in the county", "Examples per municipality in",
                                "Number of examples per municipality"], ["Länskod", "Kommuner i länet"]),
    ("/kommun/borlange", 200, ["Municipality code 2081", "In the neighbouring municipalities",
                               "In the same labour market region"], ["Kommunkod", "I grannkommunerna"]),
    ("/exempel/kopa-villor-och-smahus", 200, ["Topic", "Housing", "Keywords", "Published", "Breadcrumbs", "Home"],
     ["Nyckelord", "Brödsmulor", "Senast uppdaterad"]),
    ("/karta", 200, ["Map: Examples per county", "All topics", "Show on the map", "Key: number of examples"],
     ["Exempel per län", "Alla ämnen", "Teckenförklaring"]),
    ("/om", 200, ["About Goda exempel", "Who reviews the examples?", "How do I submit an example?"],
     ["Vem granskar exemplen?", "Använd innehållet"]),
    ("/tillganglighet", 200, ["Accessibility statement for Goda exempel", "Non-accessible content",
                              "Agency for Digital Government"], ["Tillsyn", "Hur vi testat webbplatsen"]),
    ("/oppna-data", 200, ["Licence", "Files", "Description for data portals", "API and feeds"],
     ["Licens", "Beskrivning för dataportaler"]),
    ("/api/v1/", 200, ["API documentation", "Machine-readable description", "Parameters", "Responses", "Schemas"],
     ["Maskinläsbar beskrivning", "Parametrar", "Scheman"]),
    ("/bevaka?category=bostader", 200, ["Get alerts for Housing", "E-mail address", "How often?", "Daily",
                                        "Weekly"], ["E-postadress", "Hur ofta?", "Dagligen"]),
    ("/finns-inte", 404, ["Page not found", "Error code 404.", "To the home page", "Search all examples"],
     ["Sidan finns inte", "Felkod", "Till startsidan"]),
]


def _with(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _text(html: str) -> str:
    """The page's visible text and attributes, with entities as characters (for 'contains' checks)."""
    return html.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&").replace("&quot;", '"')


@pytest.mark.parametrize(("path", "status", "english", "swedish"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page_in_english(client, path, status, english, swedish):
    response = client.get(_with(path, "en"))
    html = _text(response.get_data(as_text=True))
    assert response.status_code == status
    assert re.search(r'<html lang="en">', html)
    for text in NAV_EN + english:
        assert text in html, f"{text!r} missing in English {path}"
    for text in NAV_SV + swedish:
        assert text not in html, f"Swedish {text!r} in English {path}"
    # The switch leads back to Swedish, itself marked Swedish.
    assert re.search(r'<a class="lang-switch" href="[^"]*lang=sv" hreflang="sv" lang="sv">Svenska</a>', html)


@pytest.mark.parametrize(("path", "status", "english", "swedish"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page_in_swedish(client, path, status, english, swedish):
    response = client.get(_with(path, "sv"))
    html = _text(response.get_data(as_text=True))
    assert response.status_code == status
    assert re.search(r'<html lang="sv">', html)
    for text in NAV_SV + swedish:
        assert text in html, f"{text!r} missing in Swedish {path}"
    for text in ("All examples", "Counties and municipalities", "Accessibility statement"):
        assert f">{text}</a>" not in html


def test_english_example_page_marks_the_swedish_content(client):
    html = client.get("/exempel/kopa-villor-och-smahus?lang=en").get_data(as_text=True)
    assert re.search(r'<h1><span lang="sv">[^<]+</span></h1>', html)
    assert re.search(r'<p class="lead" lang="sv">', html)
    assert '<div class="prose" lang="sv">' in html
    assert '<ul class="tags" lang="sv">' in html
    assert '<li aria-current="page" lang="sv">' in html


@pytest.mark.parametrize("path", ["/", "/sok?q=buss", "/kategori/bostader", "/lan/dalarnas-lan", "/kommun/borlange"])
def test_english_listings_mark_every_result_swedish(client, path):
    html = client.get(_with(path, "en")).get_data(as_text=True)
    titles = re.findall(r'<h3 class="result-title"( lang="sv")?>', html)
    assert titles and all(titles), f"a result title on {path} is not marked Swedish"
    assert len(re.findall(r'<p class="summary" lang="sv">', html)) == len(titles)


def test_result_category_tags_in_each_language(client):
    english = client.get("/sok?q=villor&lang=en").get_data(as_text=True)
    swedish = client.get("/sok?q=villor&lang=sv").get_data(as_text=True)
    assert '<span class="tag-category">Housing</span>' in english
    assert '<span class="tag-category">Bostäder</span>' in swedish
    # The facet names the category in the page's language too.
    assert re.search(r'>Housing</a> <span class="count">', english)
    assert re.search(r'>Bostäder</a> <span class="count">', swedish)


def test_counts_use_singular_and_plural(client):
    html = client.get("/sok?q=buss&lang=en").get_data(as_text=True)
    count = re.search(r'<h2 id="results-heading" class="results-count">([^<]+)</h2>', html).group(1)
    assert re.fullmatch(r"1 example|\d+ examples(, page \d+ of \d+)?", count)


def test_search_messages_in_english(client):
    html = _text(client.get("/sok?county=99&lang=en").get_data(as_text=True))
    assert "Unknown county '99'" in html
    assert "Some choices in the address could not be used" in html


def test_alert_confirmation_mail_is_in_the_askers_language(loaded_app):
    from kb import alerts
    from kb.extensions import db
    from kb.models import OutboxMessage

    with loaded_app.test_request_context("/bevaka?lang=en"):
        alerts.subscribe("english-reader@example.org", alerts.Filters(category="bostader"), "weekly",
                         {"category": {"bostader": "Housing"}, "county": {}, "municipality": {}})
        db.session.flush()
        sent = db.session.query(OutboxMessage).filter_by(to_addr="english-reader@example.org").one()
        assert sent.subject == "Confirm your alert on Goda exempel"
        assert "Someone (hopefully you) wants to follow new and changed good examples for Housing" in sent.body
        assert "weekly" in sent.body or "every week" in sent.body
        db.session.rollback()


def test_feed_title_follows_the_language(client):
    english = client.get("/flode.atom?category=bostader&lang=en")
    swedish = client.get("/flode.atom?category=bostader&lang=sv")
    assert b"<title>Goda exempel \xe2\x80\x93 Housing</title>" in english.data
    assert b"<title>Goda exempel \xe2\x80\x93 Bost\xc3\xa4der</title>" in swedish.data
    assert english.headers["ETag"] != swedish.headers["ETag"]


def test_digest_mail_is_swedish_even_from_an_english_request(loaded_app):
    # Digests are written by a CLI job later, for someone whose language is not known: always Swedish.
    from flask import current_app

    from kb import alerts
    from kb.extensions import db
    from kb.models import OutboxMessage, SavedSearch
    from kb.search import query as search_query

    with loaded_app.test_request_context("/?lang=en"):
        sub = SavedSearch(email="digest-reader@example.org", q="", category="bostader", county="", municipality="",
                          frequency="weekly", nonce="n" * 32)
        db.session.add(sub)
        db.session.flush()
        hits = search_query.run(current_app.extensions["kb_index"], alerts.Filters(category="bostader").params()).hits[:2]
        alerts._enqueue_digest(sub, hits, {"category": {"bostader": "Bostäder"}, "county": {}, "municipality": {}})
        db.session.flush()
        sent = db.session.query(OutboxMessage).filter_by(to_addr="digest-reader@example.org").one()
        assert sent.subject == "Goda exempel: 2 nya eller ändrade exempel – Bostäder"
        assert sent.body.startswith("Hej!\n\nNya eller ändrade goda exempel för Bostäder:\n")
        assert "Du bevakar Bostäder (varje vecka)." in sent.body
        db.session.rollback()


def test_suggestions_name_topics_in_the_pages_language(client):
    swedish = client.get("/api/v1/suggest?q=bost").get_json()["suggestions"]
    assert {"type": "category", "label": "Bostäder", "url": "/kategori/bostader"} in [
        {k: i[k] for k in ("type", "label", "url")} for i in swedish]
    english = client.get("/api/v1/suggest?q=hous&lang=en").get_json()["suggestions"]
    topics = [i for i in english if i["type"] == "category"]
    assert [t["label"] for t in topics] == ["Housing"] and topics[0]["url"].endswith("/kategori/bostader")
    # Swedish words still complete the Swedish titles on an English page (the examples are in Swedish)
    assert any(i["type"] == "title" for i in client.get("/api/v1/suggest?q=bost&lang=en").get_json()["suggestions"])
