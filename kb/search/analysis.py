"""Swedish text analysis for the index and for queries (the same chain at both ends).

Chain: words → lower case → diacritics folded (å→a, ä→a, ö→o) → stop words removed
(a trimmed Swedish list; never the English one) → Snowball Swedish stem with a small
override table for the forms Snowball gets wrong. Folding happens before stemming so
`orebro` finds Örebro and `bostader` finds bostäder.

Bump ANALYSIS_VERSION whenever anything here changes what terms are produced: the
index records the version that built it and is rebuilt automatically on mismatch.
"""
from __future__ import annotations

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer
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


class FusedChain(CompositeAnalyzer):
    """The chain tokenizer → lower case → fold → stop words (→ stem) run as one loop.

    Whoosh runs a chain as nested generators, one per step, every token passing
    through each: a third of a rebuild was analysis. For the usual calls (indexing and
    queries: no character offsets, stop words removed) this does the same steps in
    one loop and yields the same tokens (text, position, boost); any other call runs
    the chain as Whoosh does. tests/search/test_analysis.py compares both."""

    def __init__(self, *items):
        super().__init__(*items)
        self._setup()

    def _setup(self) -> None:
        items = self.items
        kinds = [type(i) for i in items[:4]]
        stop = items[3] if len(items) > 3 else None
        self._fast = (
            kinds == [RegexTokenizer, LowercaseFilter, CharsetFilter, StopFilter]
            and not items[0].gaps and items[0].expression.groups == 0 and stop.max is None and stop.renumber
            and (len(items) == 4 or (len(items) == 5 and type(items[4]) is SwedishStemFilter))
        )
        if self._fast:
            self._findall = items[0].expression.findall
            self._words: dict[str, str | None] = {}  # word as written → its term (None: a stop word)
            self._charmap = items[2].charmap
            self._stops, self._minsize = stop.stops, stop.min
            self._stem = items[4].stem if len(items) == 5 else None

    def __reduce__(self):
        # Pickled (into an index's schema) as the plain Whoosh chain it runs: any version of
        # this code, even one without FusedChain, can open the index. A rebuild writes
        # with the schema object it created (fused); updates of an opened index use the
        # plain chain, for a few documents.
        return (CompositeAnalyzer, tuple(self.items))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", no_morph=False, **kwargs):
        if (not self._fast or chars or keeporiginal or not removestops or start_pos or not tokenize
                or (no_morph and self._stem is not None) or not isinstance(value, str)):
            return CompositeAnalyzer.__call__(
                self, value, positions=positions, chars=chars, keeporiginal=keeporiginal, removestops=removestops,
                start_pos=start_pos, start_char=start_char, tokenize=tokenize, mode=mode, no_morph=no_morph, **kwargs)
        return self._tokens(value, positions, mode, kwargs)

    def _remember(self, word: str):
        """The term of a word not seen before (None: dropped), kept for the next time (bounded)."""
        text = self._term(word)
        if len(self._words) < _WORDS_MAX:
            self._words[word] = text
        return text

    def _tokens(self, value, positions, mode, kwargs):
        t = Token(positions, False, removestops=True, mode=mode, **kwargs)
        words = self._words
        pos = None
        for i, word in enumerate(self._findall(value)):
            text = words.get(word, _UNSEEN)
            if text is _UNSEEN:
                text = self._remember(word)
            if text is None:
                continue
            if positions:
                # StopFilter(renumber=True): the first kept word keeps its position, the next count on from it.
                pos = i if pos is None else pos + 1
                t.pos = pos
            t.text = text
            t.boost = 1.0
            t.stopped = False
            yield t

    def terms(self, value) -> list[str] | None:
        """The texts of the tokens a plain call yields, in order, as a list (no Token objects);
        None when the fused loop does not apply (then call the analyzer)."""
        if not self._fast or not isinstance(value, str):
            return None
        words = self._words
        out = []
        for word in self._findall(value):
            text = words.get(word, _UNSEEN)
            if text is _UNSEEN:
                text = self._remember(word)
            if text is not None:
                out.append(text)
        return out

    def term_positions(self, value) -> dict[str, list[int]] | None:
        """{term: its positions} as Whoosh's Positions format gathers them from a call with
        positions=True (terms in order of first occurrence); None as for `terms`."""
        if not self._fast or not isinstance(value, str):
            return None
        words = self._words
        out: dict[str, list[int]] = {}
        pos = None
        for i, word in enumerate(self._findall(value)):
            text = words.get(word, _UNSEEN)
            if text is _UNSEEN:
                text = self._remember(word)
            if text is None:
                continue
            pos = i if pos is None else pos + 1  # as in _tokens
            found = out.get(text)
            if found is None:
                out[text] = [pos]
            else:
                found.append(pos)
        return out

    def _term(self, word: str) -> str | None:
        text = word.lower().translate(self._charmap)
        if len(text) < self._minsize or text in self._stops:
            return None
        return self._stem(text) if self._stem is not None else text


_UNSEEN = object()
_WORDS_MAX = 200_000  # distinct words remembered per chain


def swedish_analyzer():
    """Stemmed Swedish text: title, summary, body, tags."""
    return FusedChain(_base() | StopFilter(stoplist=STOP_WORDS, minsize=1) | SwedishStemFilter())


def folded_analyzer():
    """Words folded but not stemmed: place names and the spelling dictionary."""
    return FusedChain(_base() | StopFilter(stoplist=STOP_WORDS, minsize=1))


def chained_swedish_analyzer():
    """swedish_analyzer() as Whoosh runs a chain (the reference FusedChain is tested against)."""
    return _base() | StopFilter(stoplist=STOP_WORDS, minsize=1) | SwedishStemFilter()


def chained_folded_analyzer():
    return _base() | StopFilter(stoplist=STOP_WORDS, minsize=1)


_FOLD = _base()  # one chain for every fold() (building it compiles its pattern: ~10 µs a call)


def fold(text: str) -> str:
    """Fold a string the way the analyzers do (lower case, no diacritics, words only)."""
    return " ".join(t.text for t in _FOLD(text))
