"""Swedish text analysis for the index and for queries (the same chain at both ends).

Chain: words → lower case → diacritics folded (å→a, ä→a, ö→o) → stop words removed
(a trimmed Swedish list; never the English one) → Snowball Swedish stem with a small
override table for the forms Snowball gets wrong. Folding happens before stemming so
`orebro` finds Örebro and `bostader` finds bostäder.

Bump ANALYSIS_VERSION whenever anything here changes what terms are produced: the
index records the version that built it and is rebuilt automatically on mismatch.
"""
from __future__ import annotations

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.swedish import SwedishStemmer
from whoosh.support.charset import accent_map

ANALYSIS_VERSION = "sv-5"  # sv-5: sv-4 (template text not indexed; hashed word list per generation) + entry/revision ids

# Words that carry meaning in this domain ("god man", "under 18", "mellan kommuner")
# are kept even though generic Swedish stop lists drop them.
KEEP = {"under", "över", "mellan", "mot", "man", "utan", "efter", "inom", "samma", "upp", "ut"}


def _fold_word(word: str) -> str:
    return word.translate(_FOLD_TABLE)


_FOLD_TABLE = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})

STOP_WORDS = frozenset(_fold_word(w) for w in stopwords_for_language("sv") - KEEP)

# Folded word → stem, for forms where Snowball's Swedish stemmer splits a paradigm.
# bostad→"bost" but bostaden/bostäder→"bostad"; villan is left unstemmed.
STEM_OVERRIDES = {
    "bostad": "bostad",
    "bostads": "bostad",
    # Snowball gives villa→"vill", which is also the verb "vill" (wants): keep them apart.
    "villa": "villa",
    "villan": "villa",
    "villor": "villa",
    "villorna": "villa",
    "villas": "villa",
    "villans": "villa",
    "villornas": "villa",
    "man": "man",  # män (folded) and man: 'gode män', 'god man'
    "gode": "god",
}

# Definite forms that Snowball leaves whole: boendet, samhället, området, näringslivet
# (drop the final t), huset, rådet, modulhuset (drop et), skolan, byskolan (drop n).
_DEFINITE_T = ("endet", "llet", "adet")
_DEFINITE_ET = ("huset", "radet")
_DEFINITE_N = ("skolan",)


class SwedishStemFilter(Filter):
    """Snowball Swedish stemming with overrides, applied to already folded tokens."""

    def __init__(self, cachesize: int = 50_000):
        self.cachesize = cachesize
        self._stemmer = None
        self._cache: dict[str, str] = {}

    def __eq__(self, other):
        return type(other) is type(self)

    def __getstate__(self):
        # The schema is pickled into the index: keep only configuration.
        return {"cachesize": self.cachesize}

    def __setstate__(self, state):
        self.__init__(**state)

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if self._stemmer is None:
            self._stemmer = SwedishStemmer()
        if word in STEM_OVERRIDES:
            result = STEM_OVERRIDES[word]
        else:
            base = word
            if base.endswith(_DEFINITE_T) or base.endswith(_DEFINITE_N):
                base = base[:-1]
            elif base.endswith("livet") or base.endswith(_DEFINITE_ET):
                base = base[:-2]
            result = self._stemmer.stem(base)
        if len(self._cache) < self.cachesize:
            self._cache[word] = result
        return result

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = self.stem(t.text)
            yield t


def _base():
    return (
        RegexTokenizer(r"\w+(?:[-']\w+)*")
        | LowercaseFilter()
        | CharsetFilter(accent_map)
    )


def swedish_analyzer():
    """Stemmed Swedish text: title, summary, body, tags."""
    return _base() | StopFilter(stoplist=STOP_WORDS, minsize=1) | SwedishStemFilter()


def folded_analyzer():
    """Words folded but not stemmed: place names and the spelling dictionary."""
    return _base() | StopFilter(stoplist=STOP_WORDS, minsize=1)


_FOLD = _base()  # one chain for every fold() (building it compiles its pattern: ~10 µs a call)


def fold(text: str) -> str:
    """Fold a string the way the analyzers do (lower case, no diacritics, words only)."""
    return " ".join(t.text for t in _FOLD(text))
