"""The index is a cache: rebuilt when missing, damaged or built by other analysis; checked against the database."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.extensions import db
from kb.models import Entry
from kb.search.query import SearchParams, run


def _search(app, text="villor"):
    with app.app_context():
        return run(app.extensions["kb_index"], SearchParams(q=text))


def _live(app) -> Path:
    return Path(os.path.realpath(Path(app.config["KB_INDEX_DIR"]) / "live"))


def test_missing_index_answers_503_and_the_worker_rebuilds_it(make_app):
    from kb.indexing import maintain

    app = make_app()
    app.extensions["kb_index"].close()
    import shutil

    shutil.rmtree(app.config["KB_INDEX_DIR"])
    client = app.test_client()
    response = client.get("/sok?q=villor")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Sökningen är tillfälligt otillgänglig" in response.get_data(as_text=True)
    assert client.get("/api/v1/search?q=villor").get_json()["error"]["status"] == 503
    assert app.extensions["kb_index"].dirty_flag.exists()  # the rebuild is scheduled, not run in the request
    assert not (Path(app.config["KB_INDEX_DIR"]) / "live").exists()
    with app.app_context():
        assert maintain(app) == "rebuilt"
    assert _search(app).hits[0].slug == "kopa-villor-och-smahus"


# Whoosh 2.7.4 leaves the damaged TOC file open when it fails to parse it (TOC._read);
# that one library leak is expected here and only here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_damaged_index_answers_503_not_500_and_example_pages_still_show(make_app):
    from kb.indexing import maintain

    app = make_app()
    app.extensions["kb_index"].close()
    for seg in _live(app).glob("*.seg"):
        seg.write_bytes(b"garbage")
    for toc in _live(app).glob("*.toc"):
        toc.write_bytes(b"garbage")
    client = app.test_client()
    assert client.get("/sok?q=villor").status_code == 503
    page = client.get("/exempel/kopa-villor-och-smahus")
    assert page.status_code == 200 and "Köpa villor" in page.get_data(as_text=True)
    with app.app_context():
        assert maintain(app) == "rebuilt"
    assert _search(app).total > 0
    assert client.get("/sok?q=villor").status_code == 200


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_segment_damaged_after_open_fails_mid_query_as_503(make_app):
    """A searcher opened before the damage fails inside Whoosh while searching."""
    from kb.indexing import maintain

    app = make_app()
    client = app.test_client()
    assert client.get("/sok?q=villor").status_code == 200  # a pooled searcher is now open
    for path in _live(app).iterdir():
        if path.suffix in (".seg", ".pst", ".trm", ".vps", ".fdt", ".fln", ".dci", ".dcz"):
            path.write_bytes(b"\0" * 16)
    response = client.get("/sok?q=bostad")
    assert response.status_code in (200, 503)  # 200 only if every read came from cache
    if response.status_code == 503:
        assert app.extensions["kb_index"].dirty_flag.exists()
    with app.app_context():
        maintain(app)
    assert client.get("/sok?q=villor").status_code == 200


def test_index_built_by_other_analysis_version_is_rebuilt_outside_requests(make_app):
    from kb.indexing import maintain

    app = make_app()
    meta = _live(app) / "kb-index.json"
    meta.write_text(json.dumps({"analysis": "old", "documents": 56}))
    index = app.extensions["kb_index"]
    ok, reason = index.status()
    assert not ok and "old" in reason
    index.close()
    assert app.test_client().get("/sok?q=villor").status_code == 503
    with app.app_context():
        assert maintain(app) == "rebuilt"
    assert _search(app).total > 0
    assert json.loads((_live(app) / "kb-index.json").read_text())["analysis"] != "old"


def test_rebuild_swaps_generations_and_keeps_the_old_one_for_readers(make_app):
    from kb.indexing import read_session

    app = make_app()
    first = _live(app)
    with app.app_context(), read_session() as session:
        assert app.extensions["kb_index"].rebuild(session) == 56
    second = _live(app)
    assert first != second
    assert first.exists()  # another process may still read it: pruned only after the grace period
    assert _search(app).total > 0


def test_rebuild_writes_growing_segments_and_indexes_every_entry(make_app, monkeypatch):
    from whoosh.filedb.filestore import FileStorage

    from kb.indexing import read_session
    from kb.search import index as index_module

    monkeypatch.setattr(index_module, "REBUILD_BATCH", 4)
    app = make_app()
    with app.app_context(), read_session() as session:
        assert app.extensions["kb_index"].rebuild(session) == 56
    ix = FileStorage(str(_live(app))).open_index()
    assert [s.doc_count() for s in ix._segments()] == [4, 4, 8, 16, 24]  # each as large as all before it
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 56
    with app.app_context():
        assert app.extensions["kb_index"].slugs() == {s for s in _all_slugs(app)}
    assert _search(app, "villor").hits[0].slug == "kopa-villor-och-smahus"


def _all_slugs(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(Entry.slug).where(Entry.published_revision_id.is_not(None))))


def test_rebuild_prunes_generations_replaced_long_ago(make_app):
    from kb.indexing import read_session

    app = make_app(KB_INDEX_PRUNE_GRACE=0)
    first = _live(app)
    with app.app_context(), read_session() as session:
        app.extensions["kb_index"].rebuild(session)
    assert not first.exists() and _live(app).exists()


def _behind_the_index(app, statement: str, **params) -> None:
    """Change the database without the ORM, so no index_log row is written (as a bug or
    a manual SQL fix would)."""
    with app.app_context():
        db.session.execute(sa.text(statement), params)
        db.session.commit()


def test_check_reports_every_difference_and_repair_fixes_exactly_those(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Entry.slug, Entry.id)).all())
        old_rev = db.session.scalar(sa.select(Entry.published_revision_id).where(Entry.slug == "brukslinjen"))
    _behind_the_index(app, "UPDATE entries SET state = 'archived' WHERE slug = 'modulhus'")
    # `brukslinjen` now publishes another revision (copied from another example) without a log row.
    with app.app_context():
        other = db.session.scalar(sa.select(Entry.published_revision_id).where(Entry.slug == "kopa-villor-och-smahus"))
        db.session.execute(sa.text(
            "INSERT INTO revisions (entry_id, number, title, summary, body, category_id, practice_status, source_title,"
            " source_published, source_sections, review_state, contact_organisation, contact_name, contact_email,"
            " contact_public, links, created_at, updated_at)"
            " SELECT :entry, 99, 'Brukslinjen zebrafinkar', summary, body, category_id, practice_status, source_title,"
            " source_published, source_sections, review_state, '', '', '', :f, links, created_at, updated_at"
            " FROM revisions WHERE id = :other"), {"entry": ids["brukslinjen"], "other": other, "f": False})
        new_rev = db.session.scalar(sa.select(sa.func.max(sa.text("id"))).select_from(sa.table("revisions")))
        db.session.execute(sa.text("UPDATE entries SET published_revision_id = :r WHERE id = :e"), {"r": new_rev, "e": ids["brukslinjen"]})
        db.session.commit()
        assert new_rev != old_rev
    with app.app_context():
        result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 1
    assert f"exempel nr {ids['modulhus']}" in result.output  # archived but still indexed
    assert "inaktuellt i indexet (en äldre version): brukslinjen" in result.output
    generation = _live(app)
    with app.app_context():
        result = runner.invoke(args=["kb", "check", "--repair"])
    assert result.exit_code == 0 and "Reparerat: 2 dokument" in result.output, result.output
    assert _live(app) == generation  # fixed in place, no rebuild
    with app.app_context():
        result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 0, result.output
    assert _search(app, "zebrafinkar").hits[0].slug == "brukslinjen"
    assert all(h.slug != "modulhus" for h in _search(app, "modulhus").hits)


def test_index_update_failure_does_not_fail_the_write_and_is_applied_later(make_app, monkeypatch, caplog):
    from kb.indexing import maintain

    app = make_app()
    index = app.extensions["kb_index"]
    real = index.apply_log

    def broken(*_a, **_k):
        raise OSError("disk on fire")

    monkeypatch.setattr(index, "apply_log", broken)
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        entry.published_revision.title = "Modulhus zebrafink"
        db.session.commit()  # saved although the index update failed
    assert "search index update deferred" in caplog.text
    with app.app_context():
        assert db.session.scalar(sa.select(Entry).where(Entry.slug == "modulhus")).published_revision.title.endswith("zebrafink")
    assert _search(app, "zebrafink").total == 0
    monkeypatch.setattr(index, "apply_log", real)
    with app.app_context():
        assert maintain(app) == "applied 1"
    assert _search(app, "zebrafink").hits[0].slug == "modulhus"


def test_reindex_command(make_app):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert result.exit_code == 0 and "56" in result.output


def test_searcher_is_reopened_after_an_in_place_edit_of_published_text(make_app):
    app = make_app()
    assert _search(app, "zebrafink").total == 0  # a searcher is now pooled
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        entry.published_revision.title = "Modulhus – uppdaterad titel zebrafink"
        db.session.commit()  # the log row is written and applied by the commit itself
    assert _search(app, "zebrafink").hits[0].slug == "modulhus"


def test_applying_the_log_splits_compounds_with_the_generations_hashed_word_list(make_app, monkeypatch):
    from kb.search import compounds

    app = make_app()

    def full_list_not_needed(stem):
        raise AssertionError("an update loaded the full word list")

    monkeypatch.setattr(compounds, "_split_full", full_list_not_needed)
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        entry.published_revision.title = "Modulhus för zebrafink och fotbollsklubbar"
        db.session.commit()  # applied by the commit itself
    assert _search(app, "zebrafink").hits[0].slug == "modulhus"
    monkeypatch.undo()
    with app.app_context():
        searcher = app.extensions["kb_index"].searcher()
        docnum = searcher.document_number(slug="modulhus")
        assert compounds.split("fotbollsklubb") == ("fotboll", "klubb")
        for part in ("fotboll", "klubb"):
            assert docnum in set(searcher.reader().postings("parts", part).all_ids()), part


def test_hashed_word_list_splits_every_indexed_word_as_the_full_list_does(loaded_app):
    from kb.search import compounds

    words, stems = compounds.lexicon()
    hashed = compounds.HashedLexicon.build(words, stems)
    with loaded_app.app_context():
        reader = loaded_app.extensions["kb_index"].searcher().reader()
        indexed = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("body")]
    assert len(indexed) > 1000
    assert compounds.parts_of(indexed, hashed) == compounds.parts_of(indexed)
