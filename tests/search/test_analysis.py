"""Swedish analysis: folding before stemming, overrides, trimmed stop list."""
import pytest

from kb.search.analysis import STOP_WORDS, folded_analyzer, swedish_analyzer


def terms(text: str) -> list[str]:
    return [t.text for t in swedish_analyzer()(text)]


@pytest.mark.parametrize(
    ("forms", "why"),
    [
        (["villa", "villor", "villan", "villorna"], "override: Snowball leaves 'villan' whole"),
        (["bostad", "bostaden", "bostäder", "bostaderna", "bostader"], "override: Snowball gives bostad→bost"),
        (["boende", "boendet"], "neuter definite -t"),
        (["näringsliv", "näringslivet", "naringslivet"], "neuter definite -et"),
        (["Örebro", "orebro", "ÖREBRO"], "diacritics folded before stemming"),
        (["kollektivtrafik", "kollektivtrafiken"], "plain Snowball"),
        (["gode män", "god man"], "both words kept, 'man' is not a stop word here"),
    ],
)
def test_swedish_analyzer_conflates_forms(forms, why):
    assert len({tuple(terms(f)) for f in forms}) == 1, (why, {f: terms(f) for f in forms})


def test_stop_words_keep_domain_words_and_drop_english():
    for word in ("under", "over", "mellan", "mot", "man"):
        assert word not in STOP_WORDS
    assert "och" in STOP_WORDS and "att" in STOP_WORDS
    assert "the" not in STOP_WORDS and "and" not in STOP_WORDS
    assert len(terms("barn under")) == 2 and len(terms("mellan mot över")) == 3


def test_folded_analyzer_does_not_stem():
    assert [t.text for t in folded_analyzer()("Borås Västerås")] == ["boras", "vasteras"]


def test_hyphenated_words_stay_whole():
    assert len(terms("Malung-Sälen")) == 1 and terms("Malung-Sälen")[0].startswith("malung-sal")


def test_villa_is_not_the_verb_vill():
    assert terms("villor") != terms("vill")


def _stream(analyzer, text, **kwargs):
    return [(t.text, getattr(t, "pos", None), t.boost, t.stopped, getattr(t, "startchar", None))
            for t in analyzer(text, **kwargs)]


def _texts() -> list[str]:
    import random
    from pathlib import Path

    texts = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[2] / "content" / "examples").glob("*.md"))]
    rng = random.Random(3)
    alphabet = "aåäöeéiİıßABCÅÄÖ ÉÜü-'’_0123456789 \t\n.,;:!?\u0301\u00a0ﬁÆØæø"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    texts += ["", "och i att", "Och bostad", "över-under mellan", "kommunen's 'ABO' sfi-utbildning"]
    return texts


def test_fused_chains_yield_exactly_the_tokens_of_whoosh_chains():
    import pickle

    from whoosh.analysis.analyzers import CompositeAnalyzer

    from kb.search.analysis import (
        FusedChain, chained_folded_analyzer, chained_swedish_analyzer, folded_analyzer, swedish_analyzer,
    )

    texts = _texts()
    pairs = ((swedish_analyzer(), chained_swedish_analyzer()), (folded_analyzer(), chained_folded_analyzer()))
    for fused, chained in pairs:
        assert isinstance(fused, FusedChain) and fused._fast
        revived = pickle.loads(pickle.dumps(fused))  # pickled into the index schema as the plain chain
        assert type(revived) is CompositeAnalyzer and revived == chained
        for kwargs in ({}, {"positions": True}, {"positions": True, "mode": "index", "boosts": True},
                       {"mode": "query"}, {"positions": True, "chars": True}, {"removestops": False},
                       {"positions": True, "start_pos": 3}, {"no_morph": True}):
            for text in texts:
                expected = _stream(chained, text, **kwargs)
                assert _stream(fused, text, **kwargs) == expected, (kwargs, text)
                assert _stream(fused, text, **kwargs) == expected, (kwargs, text)  # again, from its word cache
                assert _stream(revived, text, **kwargs) == expected, (kwargs, text)


def test_fused_term_lists_are_what_whoosh_formats_gather_from_the_chains():
    """`terms` and `term_positions` (the rebuild's shortcuts: kb/search/schema.py, kb/search/bulk.py)."""
    from kb.search.analysis import chained_folded_analyzer, chained_swedish_analyzer, folded_analyzer, swedish_analyzer

    for fused, chained in ((swedish_analyzer(), chained_swedish_analyzer()), (folded_analyzer(), chained_folded_analyzer())):
        for text in _texts():
            for _ in range(2):  # the second time from the word cache
                assert fused.terms(text) == [t.text for t in chained(text)], text
                positions: dict[str, list[int]] = {}
                for t in chained(text, positions=True, boosts=True, mode="index"):
                    positions.setdefault(t.text, []).append(t.pos)
                found = fused.term_positions(text)
                assert found == positions and list(found) == list(positions), text
        assert fused.terms(["a", "list"]) is None and fused.term_positions(["a", "list"]) is None


def test_a_rebuild_writes_with_fused_chains_and_stores_plain_ones(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    from kb.search.analysis import FusedChain
    from kb.search.schema import make_schema

    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    w = ix.writer()
    assert isinstance(w.schema["body"].analyzer, FusedChain)  # the rebuild's writers
    w.add_document(slug="a", entry_id="1", title="Kommunen köper villor", body="bostäder åt nyanlända")
    w.commit()
    reopened = FileStorage(str(tmp_path)).open_index()  # how updates open it
    assert type(reopened.schema["body"].analyzer) is not FusedChain
    with reopened.searcher() as searcher:
        assert searcher.doc_frequency("body", "bostad") == 1 and searcher.doc_frequency("title", "villa") == 1
