"""The rebuild's segment writer (kb/search/bulk.py) writes exactly the bytes Whoosh's own writer writes."""
from __future__ import annotations

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from kb.search.bulk import BulkSegmentWriter
from kb.search.schema import document_for, make_schema


def _documents(app) -> list[dict]:
    """The 56 examples' documents, ten times over (distinct ids), so common terms have
    postings in several blocks (Whoosh writes blocks of 128), plus edge cases."""
    from kb.indexing import load_published, read_session

    with app.app_context(), read_session() as session:
        base = [document_for(entry) for entry in load_published(session)]
    docs = []
    for copy in range(10):
        for doc in base:
            doc = dict(doc, slug=f"{doc['slug']}-{copy}", entry_id=f"{doc['entry_id']}{copy}")
            if copy == 1:
                doc["body"] = doc["body"] + " " + doc["title"]  # different positions and lengths
            docs.append(doc)
    first = dict(docs[0])
    docs[3] = dict(docs[3], tags="", summary="och att i")  # a scorable field without terms (length 0)
    docs[4] = {k: v for k, v in docs[4].items() if k not in ("tags", "places")}  # fields left out
    docs[5] = dict(docs[5], _boost=2.0, _title_boost=1.5)  # document and field boosts
    docs.append(dict(first, slug="sista", entry_id="999999", title=first["title"] * 3))
    return docs


def _segments(directory) -> list[tuple]:
    """Each segment's document count, field lengths and every file's bytes (segment id masked)."""
    storage = FileStorage(str(directory))
    out = []
    for segment in storage.open_index()._segments():
        sid = segment.segment_id()
        files = {}
        compound = segment.open_compound_file(storage)
        for name in compound.list():
            with compound.open_file(name) as fh:
                files[name.replace(sid, "SEG")] = fh.read()
        compound.close()
        out.append((segment.doc_count_all(), dict(segment._fieldlengths), files))
    return out


def _build(directory, docs, writer, batches=(150, 150, 200)) -> None:
    storage = FileStorage(str(directory))
    storage.create_index(make_schema())
    start = 0
    for size in batches:
        # As Whoosh opens an index: the schema unpickled from disk, the plain analysis chains.
        ix = storage.open_index()
        w = writer(ix)
        for doc in docs[start:start + size]:
            w.add_document(**doc)
        w.commit(merge=False)
        start += size
    assert start < len(docs)
    w = writer(storage.open_index())
    for doc in docs[start:]:
        w.add_document(**doc)
    w.commit(merge=False)


def _build_fused(directory, docs) -> None:
    # As a rebuild does: the schema object created here (FusedChain analyzers, fast paths).
    ix = FileStorage(str(directory)).create_index(make_schema())
    for chunk in (docs[:300], docs[300:]):
        w = BulkSegmentWriter(ix)
        for doc in chunk:
            w.add_document(**doc)
        w.commit(merge=False)


def test_bulk_writer_writes_the_bytes_of_whooshs_segment_writer(loaded_app, tmp_path):
    docs = _documents(loaded_app)
    assert len(docs) > 500
    for name in ("whoosh", "bulk", "fused"):
        (tmp_path / name).mkdir()
    _build(tmp_path / "whoosh", docs, SegmentWriter)
    _build(tmp_path / "bulk", docs, BulkSegmentWriter)
    _build_fused(tmp_path / "fused", docs)

    expected = _segments(tmp_path / "whoosh")
    assert [s[0] for s in expected] == [150, 150, 200, len(docs) - 500]
    assert _segments(tmp_path / "bulk") == expected
    # Other segment boundaries: same documents, so compare the concatenated postings' terms via a searcher.
    fused = _segments(tmp_path / "fused")
    assert [s[0] for s in fused] == [300, len(docs) - 300]
    reference = tmp_path / "reference"
    reference.mkdir()
    ix = FileStorage(str(reference)).create_index(make_schema())
    for chunk in (docs[:300], docs[300:]):
        w = ix.writer()
        for doc in chunk:
            w.add_document(**doc)
        w.commit(merge=False)
    assert fused == _segments(reference)


def test_bulk_writer_refuses_what_it_does_not_write(tmp_path):
    from whoosh.fields import TEXT, Schema

    ix = FileStorage(str(tmp_path)).create_index(Schema(body=TEXT(vector=True)))
    with pytest.raises(NotImplementedError):
        BulkSegmentWriter(ix)
    ix.writer().cancel()  # the index was not left locked
