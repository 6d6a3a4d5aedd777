"""kb/search/arrays.py and the vectorised scoring must give exactly what reading Whoosh one
document at a time gives: field lengths, deletions, sort keys and facets per state, and the
same floating-point scores as the one-document reference, across segments and deletions."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest
from whoosh.filedb.filestore import FileStorage

from kb.search import arrays
from kb.search import query as q
from kb.search.schema import FACET_COLUMNS, make_schema
from kb.search.scoring import STEMMED_FIELDS, Alt, Scorer, Unit

WORDS = ("bostad villor skola buss läxhjälp nyanlända kommunen köper hyr bygger praktik språk "
         "familj arbete samverkan volontärer biblioteket modulhus").split()
PLACES = ("Borlänge", "Falun", "Umeå", "Västerås", "Gävle")


def _doc(rng: random.Random, n: int) -> dict:
    def text(k):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, k)))

    county = rng.choice(["20", "24", "19", "21"])
    title = f"{text(4)} {n}"
    return {
        "slug": f"ex-{n}", "entry_id": str(n), "revision_id": n,
        "title": title, "summary": text(12), "body": text(rng.choice((5, 40, 200))), "tags": text(3),
        "places": rng.choice(PLACES), "parts": text(2), "spell": title,
        "facet_category": [rng.choice(["bostader", "skola", "arbete"])], "facet_county": [county],
        "facet_municipality": rng.sample(["2081", "2080", "2480", "1980"], rng.randint(0, 2)),
        "category": "x", "county": county, "municipality": "",
        "published": datetime(2020, 1, 1) + timedelta(days=rng.randint(0, 2000)),
        "title_sort": title.lower() if n % 7 else "samma titel",  # some equal sort keys
        "data": {},
    }


@pytest.fixture
def index(tmp_path):
    """Three segments (three commits without merging), then deletions in two of them."""
    arrays.clear()
    rng = random.Random(7)
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    n = 0
    for size in (40, 25, 30):
        w = ix.writer()
        for _ in range(size):
            w.add_document(**_doc(rng, n))
            n += 1
        w.commit(merge=False)
    w = ix.writer()
    for gone in (3, 17, 44, 50, 51):
        w.delete_by_term("entry_id", str(gone))
    w.commit(merge=False)
    yield ix
    arrays.clear()


def test_arrays_equal_whoosh_per_document_reads_across_segments_and_deletions(index):
    with index.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 3
        state = arrays.for_searcher(searcher)
        reader = searcher.reader()
        assert state.n == reader.doc_count_all()
        for name in arrays.LENGTH_FIELDS:
            expected = [reader.doc_field_length(d, name, 0) or 0 for d in range(state.n)]
            assert state.lengths[name].tolist() == expected, name
        assert state.live.tolist() == [not reader.is_deleted(d) for d in range(state.n)]
        assert np.count_nonzero(state.live) == searcher.doc_count() == 90
        titles = reader.column_reader("title_sort")
        published = reader.column_reader("published")
        for a in range(state.n):
            assert state.timestamps[a] == published[a].timestamp()
            for b in range(0, state.n, 9):
                assert (state.title_rank[a] < state.title_rank[b]) == (titles[a] < titles[b])
                assert (state.title_rank[a] == state.title_rank[b]) == (titles[a] == titles[b])
        live = [d for d in range(state.n) if state.live[d]]
        for name, column in FACET_COLUMNS.items():
            values = reader.column_reader(column)
            brute = Counter(v for d in live for v in values[d] or ())
            assert state.facets[name].count(state.live) == dict(brute), name
            for value in brute:
                assert np.flatnonzero(state.mask_with(name, value)).tolist() == [
                    d for d in live if value in (values[d] or ())]


def test_arrays_are_cached_per_state_and_rebuilt_when_the_generation_changes(index):
    with index.searcher() as searcher:
        first = arrays.for_searcher(searcher)
        assert arrays.for_searcher(searcher) is first
    with index.searcher() as searcher:  # same state, another searcher: same arrays
        assert arrays.for_searcher(searcher) is first
    w = index.writer()
    w.add_document(**_doc(random.Random(1), 999))
    w.delete_by_term("entry_id", "5")
    w.commit(merge=False)
    with index.searcher() as searcher:
        second = arrays.for_searcher(searcher)
        assert second is not first
        assert second.n == first.n + 1
        assert not second.live[5] and first.live[5]
        assert second.lengths["body"][-1] == searcher.reader().doc_field_length(second.n - 1, "body", 0)
    w = index.writer()
    w.delete_by_term("entry_id", "6")
    w.commit(merge=False)  # deletions only: same segments, new generation
    with index.searcher() as searcher:
        third = arrays.for_searcher(searcher)
        assert third is not second and not third.live[6] and second.live[6]


def test_array_postings_equal_whoosh_postings(index):
    with index.searcher() as searcher:
        scorer = Scorer(searcher)
        for fieldname in (*STEMMED_FIELDS, "parts", "places"):
            for word in ("bostad", "villor", "skola", "borlange", "nyanland", "inget"):
                term = q.alt_for(word).stems if fieldname != "places" else q.alt_for(word).folded
                ids, weights = scorer.postings_array(fieldname, term)
                assert dict(zip(ids.tolist(), weights.tolist(), strict=True)) == scorer.postings(fieldname, term)
        phrase = q.alt_for("kommunen köper").stems
        ids, weights = scorer.postings_array("body", phrase)
        assert dict(zip(ids.tolist(), weights.tolist(), strict=True)) == scorer.postings("body", phrase)


def test_postings_arrays_are_kept_per_state_read_only_bounded_and_never_stale(index, monkeypatch):
    term = q.alt_for("bostad").stems
    with index.searcher() as searcher:
        first = Scorer(searcher).postings_array("body", term)
        again = Scorer(searcher).postings_array("body", term)  # another search of the same state
        assert again is first and not first[0].flags.writeable
        assert dict(zip(first[0].tolist(), first[1].tolist(), strict=True)) == Scorer(searcher).postings("body", term)
        doomed = int(first[0][0])
        entry_id = searcher.stored_fields(doomed)["entry_id"]
    w = index.writer()
    w.delete_by_term("entry_id", entry_id)
    w.commit(merge=False)
    with index.searcher() as searcher:  # a new state: read again, without the deleted document
        fresh = Scorer(searcher).postings_array("body", term)
        assert fresh is not first and doomed not in fresh[0].tolist() and len(fresh[0]) == len(first[0]) - 1
        assert dict(zip(fresh[0].tolist(), fresh[1].tolist(), strict=True)) == Scorer(searcher).postings("body", term)
        state = arrays.for_searcher(searcher)
        monkeypatch.setattr(arrays, "POSTINGS_BYTES", 4 * first[0].nbytes)
        for word in WORDS:
            Scorer(searcher).postings_array("body", q.alt_for(word).stems)
        assert 0 < state._postings_bytes <= arrays.POSTINGS_BYTES
        assert state._postings_bytes == sum(a.nbytes for value in state._postings.values() for a in value)


def _unit_sets():
    yield [Unit([q.alt_for("bostad")])]
    yield [Unit([q.alt_for("bostad")]), Unit([q.alt_for("skola")], weight=0.3)]
    yield [Unit([q.alt_for("nyanlända"), q.alt_for("flyktingar", 0.7), q.alt_for("familj", 0.7)], kind="synonym"),
           Unit([q.alt_for("praktik")]), Unit([Alt(stems=("arbet",))], weight=0.3, coordinated=False, matches=False)]
    yield [Unit([q.alt_for("kommunen köper")], kind="phrase"), Unit([q.alt_for("villor")])]
    yield [Unit([q.alt_for("buss")]), Unit([Alt(exact=(("county", "20"),))], weight=0.7, coordinated=False),
           Unit([Alt(exact=(("municipality", "2081"), ("municipality", "2480")))], coordinated=False)]
    yield [Unit([q.alt_for("Umeå")]), Unit([q.alt_for("zzzqqq")])]


@pytest.mark.parametrize("mode", ["bm25f", "fields"])
def test_vectorised_scores_are_the_reference_scores_exactly(index, mode):
    with index.searcher() as searcher:
        for units in _unit_sets():
            scorer = Scorer(searcher, mode=mode)
            reference = scorer.exhaustive(units)
            assert reference, units
            assert scorer.score(units) == reference  # the same floats, not approximately
            excluded = frozenset(list(reference)[:3])
            assert scorer.score(units, exclude=excluded) == {
                d: s for d, s in reference.items() if d not in excluded}
            docnums, dense = Scorer(searcher, mode=mode).score_arrays(units)
            assert docnums.tolist() == sorted(reference)
            assert dense[docnums].tolist() == [reference[d] for d in sorted(reference)]


def test_order_equals_sorting_by_score_then_title(index):
    with index.searcher() as searcher:
        scorer = Scorer(searcher)
        scores = scorer.exhaustive([Unit([q.alt_for("bostad")]), Unit([q.alt_for("skola")])])
        titles = searcher.reader().column_reader("title_sort")
        published = searcher.reader().column_reader("published")
        docs = sorted(scores)
        assert q.rank(searcher, docs, scores, "relevance") == sorted(docs, key=lambda d: (-scores[d], titles[d], d))
        assert q.rank(searcher, docs, scores, "title") == sorted(docs, key=lambda d: (titles[d], d))
        assert q.rank(searcher, docs, scores, "newest") == sorted(
            docs, key=lambda d: (-published[d].timestamp(), titles[d], d))


def _related_units_exact(scorer, text):
    """query.related_units as it was: the exact IDF of every word of the text."""
    import math

    counts = Counter(s for s in q._terms(q._sv, text) if len(s) >= 3 and not s.isdigit())
    weighted = []
    for stem, tf in counts.items():
        idf = scorer.idf(scorer.df(Alt(stems=(stem,))))
        if idf > 0:
            weighted.append(((1 + math.log(tf)) * idf, stem))
    weighted.sort(key=lambda x: (-x[0], x[1]))
    return weighted[:q.RELATED_TERMS]


def test_related_words_pruned_by_dictionary_bounds_equal_the_exact_choice(index, loaded_app):
    with index.searcher() as searcher:  # three segments with deletions
        scorer = Scorer(searcher)
        for text in ("bostad villor skola " * 3 + " ".join(WORDS), "buss buss buss läxhjälp", "praktik"):
            units = q.related_units(scorer, text)
            exact = _related_units_exact(scorer, text)
            assert [(u.label, u.weight) for u in units] == [(s, w / exact[0][0]) for w, s in exact]
    with loaded_app.app_context():
        searcher = loaded_app.extensions["kb_index"].searcher()
        scorer = Scorer(searcher)
        for stored in searcher.all_stored_fields():
            text = f"{stored['title']} {stored['summary']} {stored['plain']}"
            units = q.related_units(scorer, text)
            exact = _related_units_exact(scorer, text)
            assert len(units) == q.RELATED_TERMS
            assert [(u.label, u.weight) for u in units] == [(s, w / exact[0][0]) for w, s in exact], stored["slug"]
