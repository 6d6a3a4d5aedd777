"""Atom feeds, open data, sitemap, robots, example metadata and the about pages (read-only, seed content)."""
from __future__ import annotations

import csv
import io
import json
import re

import feedparser
import pytest
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
SEED_COUNT = 56


def fetch(client, url, **kwargs):
    """GET and close the response (file responses otherwise leave a handle open)."""
    resp = client.get(url, **kwargs)
    resp.get_data()
    resp.close()
    return resp


def _atom(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.content_type.startswith("application/atom+xml")
    root = etree.fromstring(resp.data)  # well-formed XML
    assert root.tag == f"{ATOM}feed"
    parsed = feedparser.parse(resp.data)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    return root, parsed


def test_feed_has_every_published_example(client):
    root, parsed = _atom(client, "/flode.atom")
    assert len(parsed.entries) == SEED_COUNT
    assert len({e.id for e in parsed.entries}) == SEED_COUNT
    entry = next(e for e in parsed.entries if e.link.endswith("/exempel/kopa-villor-och-smahus"))
    assert entry.title.startswith("Köpa villor")
    assert entry.summary and entry.published and entry.updated
    terms = {t.term for t in entry.tags}
    assert {"bostader", "1465", "14"} <= terms  # category, municipality (Svenljunga) and its county as places
    assert root.find(f"{ATOM}link[@rel='self']") is not None


def test_feed_answers_304_to_a_reader_that_has_it(client):
    first = client.get("/flode.atom?county=20")
    again = client.get("/flode.atom?county=20", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/flode.atom?county=12", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_county_feed_matches_the_search_api(client):
    _root, parsed = _atom(client, "/flode.atom?county=20")
    api = client.get("/api/v1/search?county=20&per_page=100").get_json()
    assert {e.link.rsplit("/", 1)[1] for e in parsed.entries} == {r["slug"] for r in api["results"]}
    assert 0 < len(parsed.entries) == api["total"] < SEED_COUNT
    assert "Dalarnas län" in parsed.feed.title


def test_feed_filters_by_query_category_and_municipality(client):
    _root, by_q = _atom(client, "/flode.atom?q=villor")
    assert "kopa-villor-och-smahus" in {e.link.rsplit("/", 1)[1] for e in by_q.entries}
    _root, by_cat = _atom(client, "/flode.atom?category=bostader")
    assert all("bostader" in {t.term for t in e.tags} for e in by_cat.entries) and by_cat.entries
    _root, by_muni = _atom(client, "/flode.atom?municipality=1465")
    assert by_muni.entries and all("1465" in {t.term for t in e.tags} for e in by_muni.entries)


@pytest.mark.parametrize(("query", "param"), [("county=99", "county"), ("municipality=abc", "municipality"), ("category=nope", "category")])
def test_feed_bad_parameter_is_a_clear_400(client, query, param):
    resp = client.get(f"/flode.atom?{query}")
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert f"- {param}:" in text and "giltigt:" in text


@pytest.mark.parametrize("path", ["/", "/sok?q=skola&county=20", "/kategori/bostader", "/lan/dalarnas-lan", "/kommun/borlange", "/kategorier", "/lan"])
def test_browse_and_search_pages_link_their_feed(client, path):
    html = client.get(path).get_data(as_text=True)
    alternate = re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', html)
    assert alternate, path
    href = alternate.group(1).replace("&amp;", "&")
    assert f'class="feed-link" href="{alternate.group(1)}"' in html  # the same feed, visible
    assert 'action="/bevaka"' in html
    _atom(client, href)
    if path == "/lan/dalarnas-lan":
        assert href == "/flode.atom?county=20"


def test_example_and_staff_pages_have_no_feed_box(client):
    assert 'class="follow"' not in client.get("/exempel/kopa-villor-och-smahus").get_data(as_text=True)
    assert 'class="follow"' not in client.get("/logga-in").get_data(as_text=True)


# --------------------------------------------------------------------------- open data


def test_csv_has_one_row_per_published_example_with_bom(client):
    resp = fetch(client, "/oppna-data/goda-exempel.csv")
    assert resp.status_code == 200 and resp.content_type == "text/csv; charset=utf-8"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert len(rows) == SEED_COUNT
    villor = next(r for r in rows if r["slug"] == "kopa-villor-och-smahus")
    assert "1465" in villor["municipality_codes"].split("; ") and "Svenljunga" in villor["municipality_names"].split("; ")
    assert "14" in villor["all_county_codes"].split("; ")
    assert villor["category"] == "bostader" and villor["body_markdown"].startswith("## ")


def test_json_and_csv_come_from_the_same_set(client):
    doc = json.loads(fetch(client, "/oppna-data/goda-exempel.json").data)
    rows = list(csv.DictReader(io.StringIO(fetch(client, "/oppna-data/goda-exempel.csv").data.decode("utf-8-sig"))))
    assert doc["count"] == len(doc["examples"]) == SEED_COUNT
    assert [e["slug"] for e in doc["examples"]] == [r["slug"] for r in rows]
    assert doc["license"]["url"].startswith("https://creativecommons.org/publicdomain/zero/")


def test_downloads_are_cached_per_data_version(client):
    first = fetch(client, "/oppna-data/goda-exempel.zip")
    etag = first.headers["ETag"]
    assert fetch(client, "/oppna-data/goda-exempel.zip", headers={"If-None-Match": etag}).status_code == 304
    assert fetch(client, "/oppna-data/goda-exempel.json").headers["ETag"] == etag
    assert fetch(client, "/oppna-data/inget.txt").status_code == 404


def test_dcat_description(client):
    resp = client.get("/oppna-data/dcat.jsonld")
    assert resp.content_type.startswith("application/ld+json")
    graph = resp.get_json()["@graph"]
    types = [node["@type"] for node in graph]
    assert types.count("dcat:Catalog") == 1 and types.count("dcat:Dataset") == 1 and types.count("dcat:Distribution") == 3
    dataset = next(n for n in graph if n["@type"] == "dcat:Dataset")
    for key in ("dcterms:title", "dcterms:description", "dcterms:publisher", "dcat:contactPoint", "dcterms:license", "dcat:distribution"):
        assert dataset[key], key
    for dist in (n for n in graph if n["@type"] == "dcat:Distribution"):
        assert fetch(client, dist["dcat:downloadURL"]["@id"].replace("http://localhost", "")).status_code == 200


def test_opendata_page_explains_the_licence(client):
    html = client.get("/oppna-data").get_data(as_text=True)
    assert "CC0 1.0" in html and "goda-exempel.csv" in html and "goda-exempel.zip" in html and "dcat.jsonld" in html


# --------------------------------------------------------------------------- findable


def test_sitemap_lists_every_public_page_with_lastmod(client, loaded_app):
    from kb import places

    resp = client.get("/sitemap.xml")
    root = etree.fromstring(resp.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = root.findall("s:url", ns)
    locs = [u.find("s:loc", ns).text for u in urls]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", u.find("s:lastmod", ns).text) for u in urls)
    assert sum("/exempel/" in loc for loc in locs) == SEED_COUNT
    assert sum("/kategori/" in loc for loc in locs) == len(client.get("/api/v1/search").get_json()["facets"]["category"])
    with loaded_app.app_context():
        assert sum("/lan/" in loc for loc in locs) == len(places.counties()) == 21
        assert sum("/kommun/" in loc for loc in locs) == len(places.municipalities()) == 290
    assert len(locs) == len(set(locs))


def test_sitemap_above_the_limit_is_an_index_of_parts_and_answers_304_when_unchanged(client, monkeypatch):
    from kb.views import channels

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    whole = client.get("/sitemap.xml")
    every = [(u.find("s:loc", ns).text, u.find("s:lastmod", ns).text) for u in etree.fromstring(whole.data).findall("s:url", ns)]
    assert client.get("/sitemap.xml", headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    assert client.get("/sitemap-1.xml").status_code == 404  # no parts while everything fits in one file
    monkeypatch.setattr(channels, "SITEMAP_MAX", 100)
    index = etree.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [s.find("s:loc", ns).text for s in index.findall("s:sitemap", ns)]
    assert parts == [f"http://localhost/sitemap-{n}.xml" for n in range(1, (len(every) + 99) // 100 + 1)]
    seen = []
    for n, loc in enumerate(parts, 1):
        part = etree.fromstring(client.get(loc.replace("http://localhost", "")).data)
        urls = [(u.find("s:loc", ns).text, u.find("s:lastmod", ns).text) for u in part.findall("s:url", ns)]
        assert 0 < len(urls) <= 100
        assert index.findall("s:sitemap", ns)[n - 1].find("s:lastmod", ns).text == max(m for _l, m in urls)
        seen += urls
    assert seen == every
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404


def test_robots_keeps_staff_pages_out(client, loaded_app):
    from kb import STAFF_BLUEPRINTS

    text = client.get("/robots.txt").get_data(as_text=True)
    disallowed = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Disallow: ")]
    staff_rules = [r.rule for r in loaded_app.url_map.iter_rules() if r.endpoint.split(".")[0] in STAFF_BLUEPRINTS]
    assert len(staff_rules) > 10
    assert all(any(rule.startswith(prefix) for prefix in disallowed) for rule in staff_rules)
    assert not any(public.startswith(prefix) for prefix in disallowed for public in ("/", "/sok", "/exempel/x", "/lan", "/om"))
    for path in ("/granska", "/logga-in", "/mina-exempel", "/nytt-exempel", "/redigera/", "/konto/", "/bevaka/"):
        assert f"Disallow: {path}\n" in text
    assert "Disallow: /\n" not in text and "Sitemap: http://localhost/sitemap.xml" in text


def test_example_page_has_json_ld_and_open_graph(client):
    html = client.get("/exempel/kopa-villor-och-smahus").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Article" and data["headline"].startswith("Köpa villor")
    assert data["url"] == "http://localhost/exempel/kopa-villor-och-smahus"
    assert any(p["name"] == "Svenljunga" for p in data["spatialCoverage"]) and data["inLanguage"] == "sv"
    assert '<meta property="og:title" content="Köpa villor' in html
    assert '<meta property="og:url" content="http://localhost/exempel/kopa-villor-och-smahus">' in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert 'href="/static/css/print.css" media="print"' in html


def test_favicon(client):
    assert fetch(client, "/static/favicon.svg").status_code == 200
    assert client.get("/favicon.ico").status_code == 301


def test_about_and_accessibility_pages_linked_from_the_footer(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/om"' in home and 'href="/tillganglighet"' in home and 'href="/oppna-data"' in home and 'href="/api/v1/"' in home
    about = client.get("/om").get_data(as_text=True)
    for heading in ("Vad är det här?", "Vem granskar exemplen?", "Hur skickar jag in ett exempel?"):
        assert heading in about
    statement = client.get("/tillganglighet").get_data(as_text=True)
    for heading in ("Tillgänglighetsredogörelse", "Hur tillgänglig är webbplatsen?", "Rapportera brister i webbplatsens tillgänglighet",
                    "Tillsyn", "Myndigheten för digital förvaltning", "Teknisk information om webbplatsens tillgänglighet",
                    "delvis förenlig", "Innehåll som inte är tillgängligt", "Hur vi testat webbplatsen"):
        assert heading in statement, heading
    assert "https://www.digg.se/tdosanmalan" in statement


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+46 70", "'+46 70"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-2+3", "'-2+3"), ("- en punkt", "- en punkt"), ("Bostäder", "Bostäder"), ("", ""), (None, None),
])
def test_csv_cells_never_start_a_spreadsheet_formula(value, written):
    from kb.opendata import _cell

    assert _cell(value) == written


def test_feed_holds_at_most_the_newest_max_entries(client, monkeypatch):
    from kb import feeds

    monkeypatch.setattr(feeds, "MAX_ENTRIES", 5)
    newest = [h["slug"] for h in client.get("/api/v1/search?sort=newest&per_page=5").get_json()["results"]]
    parsed = feedparser.parse(client.get("/flode.atom").data)
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == newest
