"""Issue 7: related examples hung forever in Whoosh's more_like() when near-duplicate examples
tied exactly (UnionMatcher.skip_to_quality did not advance), and the stuck request held the
SQLite write lock. Related examples are now our own bounded scoring (kb/search/query.related)."""
from __future__ import annotations

import threading

from kb.extensions import db

from .conftest import X, make_entry

TITLES = [f"Läxhjälp på biblioteket, grupp {c}" for c in "ABCDEF"]


def test_exact_ties_across_segments_answer_and_order_by_title(staff_app):
    ids = [make_entry(staff_app, "contrib_x", X, state="published", title=t) for t in TITLES]  # one segment each
    with staff_app.test_request_context():
        reader = staff_app.extensions["kb_index"].searcher().reader()
        assert len(list(reader.leaf_readers())) > 1  # the layout that made more_like() spin

    answers: dict[str, tuple[int, str]] = {}

    def fetch_all():
        client = staff_app.test_client()
        for entry_id in ids:
            with staff_app.app_context():
                from kb.models import Entry

                slug = db.session.get(Entry, entry_id).slug
            resp = client.get(f"/exempel/{slug}")
            answers[slug] = (resp.status_code, resp.get_data(as_text=True))

    worker = threading.Thread(target=fetch_all, daemon=True)
    worker.start()
    worker.join(timeout=120)  # a hang detector, not a speed limit: the old code never returned
    assert not worker.is_alive(), "an example page with tied related examples did not answer"
    assert len(answers) == len(TITLES)
    for slug, (status, html) in answers.items():
        assert status == 200, slug
        related = html.split('<section class="related"', 1)[1].split("</section>", 1)[0]
        shown = sorted((t for t in TITLES if t in related), key=related.index)  # in the order shown
        own = next(t for t in TITLES if t in html.split("</h1>", 1)[0])
        # The five identical twins tie exactly; ties are broken by title, the example itself is never listed.
        assert own not in shown
        assert shown == [t for t in TITLES if t != own][:4], (slug, shown)

    # While the pages were read, nobody was locked out of writing (reads take no write lock).
    client = staff_app.test_client()
    assert client.get("/").status_code == 200


def test_related_examples_past_their_time_budget_leave_the_page_whole(loaded_app, monkeypatch):
    """The time budget's fallback: no related examples, the example itself answers 200."""
    from kb.search import query

    client = loaded_app.test_client()
    assert '<section class="related"' in client.get("/exempel/kopa-villor-och-smahus").get_data(as_text=True)
    monkeypatch.setattr(query, "RELATED_BUDGET_SECONDS", -1.0)  # every deadline already passed
    resp = client.get("/exempel/kopa-villor-och-smahus")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<h1>" in html and '<section class="related"' not in html
