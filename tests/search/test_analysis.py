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
