"""HTML pages: status codes, Swedish content, places linked, nothing unpublished leaks."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from kb.extensions import db
from kb.models import Entry, EntryState


@pytest.mark.parametrize(
    "url",
    ["/", "/sok", "/sok?q=villor", "/kategorier", "/lan", "/kategori/bostader", "/lan/dalarnas-lan",
     "/kommun/borlange", "/exempel/kopa-villor-och-smahus", "/sok?q=villor&county=14&sort=titel"],
)
def test_public_pages_answer_200_in_swedish(client, url):
    resp = client.get(url)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "<h1" in html


def test_home_lists_categories_counties_and_newest(client):
    html = client.get("/").get_data(as_text=True)
    assert "Bostäder" in html and "(15 exempel)" in html
    assert html.count('href="/lan/') >= 21
    assert "Senast publicerade" in html


def test_example_page_renders_body_places_source_and_related(client):
    html = client.get("/exempel/kollektivtrafik-till-lediga-bostader").get_data(as_text=True)
    assert "<h2>Vad gjordes</h2>" in html
    assert 'href="/kommun/svenljunga"' in html and 'href="/lan/vastra-gotalands-lan"' in html
    assert "Ökat kommunalt flyktingmottagande" in html and "november 2014" in html
    assert "Liknande exempel" in html
    assert "Okänd" in html


def test_county_page_lists_its_municipalities_with_counts(client):
    html = client.get("/lan/dalarnas-lan").get_data(as_text=True)
    assert re.search(r'href="/kommun/borlange">Borlänge</a> <span class="count">\((\d+)\)', html)
    assert "borlange-business-meeting" in html


def test_municipality_page_lists_its_examples(client):
    html = client.get("/kommun/borlange").get_data(as_text=True)
    assert "borlange-business-meeting" in html and "Dalarnas län" in html


@pytest.mark.parametrize("url", ["/exempel/finns-inte", "/kategori/nope", "/lan/nope", "/kommun/nope", "/nope"])
def test_unknown_pages_get_swedish_404(client, url):
    resp = client.get(url)
    assert resp.status_code == 404
    assert "Sidan finns inte" in resp.get_data(as_text=True)


def test_search_page_with_bad_parameters_explains_and_still_searches(client):
    resp = client.get("/sok?q=villor&county=99&page=x")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Okänt län" in html and "två siffror" in html
    assert "kopa-villor-och-smahus" in html  # the query itself still ran


@pytest.mark.parametrize("q", ['"', "*:*", "AND OR", "x" * 10_000, "\x00\x1f", "(", "<script>"])
def test_search_page_survives_hostile_queries(client, q):
    resp = client.get("/sok", query_string={"q": q})
    assert resp.status_code == 200
    assert "<script>" not in resp.get_data(as_text=True).split("<main", 1)[1]


def test_search_page_facet_links_add_filters(client):
    html = client.get("/sok?q=skola").get_data(as_text=True)
    assert "county=" in html and "category=" in html


def test_security_headers_on_pages_and_errors(client):
    for url in ("/", "/nope"):
        resp = client.get(url)
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_unpublished_example_is_404_and_absent_from_search(make_app):
    app = make_app()
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        entry.state = EntryState.ARCHIVED
        db.session.commit()
        from kb.services import reindex_entries

        reindex_entries(["modulhus"])
    c = app.test_client()
    assert c.get("/exempel/modulhus").status_code == 404
    assert c.get("/api/v1/examples/modulhus").status_code == 404
    assert "modulhus" not in [r["slug"] for r in c.get("/api/v1/search?q=modulhus").get_json()["results"]]


def test_internal_error_gets_swedish_500_page(make_app, monkeypatch):
    app = make_app(load=False)
    from kb.views import browse

    def boom(*_a, **_k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(browse.queries, "get_published_entry", boom)
    resp = app.test_client().get("/exempel/x")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Något gick fel" in html and "kaboom" not in html
