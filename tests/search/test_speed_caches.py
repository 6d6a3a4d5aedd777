"""The speed machinery must not change answers: one-pass facets equal a brute-force count,
snippets mark the matched forms safely, caches follow every change at once."""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from kb import services
from kb.permissions import system_actor
from kb.extensions import db
from kb.models import Category, Entry
from kb.search import query as q
from kb.search.query import SearchParams
from kb.search.scoring import Scorer
from kb.search.snippets import snippet


def _brute_force(searcher, docnums, filters: dict[str, str], name: str) -> tuple[int, dict[str, int]]:
    """Total under all filters, and counts of `name` under the other filters, from stored fields."""
    def passes(fields, skip=None):
        for key, value in filters.items():
            if key == skip:
                continue
            if value not in (fields[key] or "").split(","):
                return False
        return True

    docs = [searcher.stored_fields(d) for d in docnums]
    total = sum(1 for f in docs if passes(f))
    counts = Counter(v for f in docs if passes(f, skip=name) for v in (f[name] or "").split(",") if v)
    return total, dict(counts)


@pytest.mark.parametrize(("text", "filters"), [
    ("bostad", {}),
    ("skola", {"county": "20"}),
    ("kommun", {"category": "bostader", "county": "14"}),
    ("", {"municipality": "2081"}),
])
def test_one_pass_totals_and_facets_equal_a_brute_force_count(loaded_app, text, filters):
    with loaded_app.app_context():
        index = loaded_app.extensions["kb_index"]
        result = q.run(index, SearchParams(q=text, **filters), table=q.synonyms_module.SynonymTable())
        searcher = index.searcher()
        if text:  # every document scored one by one (kb/search/scoring.py), no column cache
            scorer = Scorer(searcher)
            parsed = q.parse(result.params.q, q.synonyms_module.SynonymTable(), index.ambiguous_places())
            docnums = list(scorer.exhaustive(q.understand(index, scorer, parsed, result.params.q).units))
        else:
            docnums = list(searcher.reader().all_doc_ids())
        for name in ("category", "county", "municipality"):
            total, counts = _brute_force(searcher, docnums, filters, name)
            assert result.total == total
            assert result.facets[name] == counts, name
        assert result.total > 0


def test_snippet_marks_inflected_forms_and_escapes_html():
    text = "Kommunen köpte <b>villor</b>. " + "Annat. " * 60 + "Villan blev en bostad för familjen."
    html = snippet(text, frozenset({"villa", "bostad"}))
    assert "<mark>villor</mark>" in html and "<mark>Villan</mark>" in html and "<mark>bostad</mark>" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert " … " in html  # two fragments, far apart
    assert snippet(text, frozenset({"zebrafink"})) == ""


def test_repeated_search_is_a_lookup_and_a_change_is_seen_at_once(make_app):
    app = make_app()
    caches = app.extensions["kb_search_cache"]
    client = app.test_client()
    first = client.get("/api/v1/search?q=modulhus").get_json()
    hits = caches.hits
    assert client.get("/api/v1/search?q=modulhus").get_json() == first
    assert caches.hits == hits + 1  # served from the results cache
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        entry.published_revision.title = "Modulhus zebrafink"
        db.session.commit()
    assert [r["slug"] for r in client.get("/api/v1/search?q=zebrafink").get_json()["results"]] == ["modulhus"]
    changed = client.get("/api/v1/search?q=modulhus").get_json()
    assert changed["results"][0]["title"] == "Modulhus zebrafink"  # not the cached answer from before the change


def test_new_synonyms_and_category_names_apply_without_waiting(make_app):
    app = make_app(KB_CATALOG_MAX_AGE=3600)  # only the commit's invalidation can make them visible
    client = app.test_client()
    assert client.get("/api/v1/search?q=zebrafink").get_json()["total"] == 0
    before = client.get("/api/v1/search?q=modulhus").get_json()["facets"]["category"]
    with app.app_context():
        text = "groups:\n- [zebrafink, modulhus]\n"
        assert services.save_synonyms(system_actor("test"), text)
        category = db.session.scalars(sa.select(Category).where(Category.slug == before[0]["value"])).one()
        category.name = "Bostäder och boende"
        db.session.commit()
    body = client.get("/api/v1/search?q=zebrafink").get_json()
    assert "modulhus" in [r["slug"] for r in body["results"]]
    after = client.get("/api/v1/search?q=modulhus").get_json()["facets"]["category"]
    assert after[0]["label"] == "Bostäder och boende"


def test_repeated_proximity_search_is_a_lookup_too(make_app):
    app = make_app()
    caches = app.extensions["kb_search_cache"]
    client = app.test_client()
    for url in ("/api/v1/search?q=skola&near=2081", "/api/v1/search?q=skola&municipality=2081"):
        first = client.get(url).get_json()
        assert first["near"] is not None
        hits = caches.hits
        assert client.get(url).get_json() == first
        assert caches.hits == hits + 2  # the search and its proximity re-ordering
