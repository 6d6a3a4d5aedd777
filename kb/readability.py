"""LIX (läsbarhetsindex), the Swedish readability measure, with its reference bands.

LIX = words / sentences + 100 × long words / words, where a long word has more
than six letters (Björnsson 1968). static/js/lix.js computes the same figure in
the browser as one types; both count words and sentences the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .labels import LIX_BANDS

# Markdown markup that is not prose: links keep their text, the rest goes.
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[#>*_`~|]+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
# A sentence ends at . ! ? or : before a space, at a blank line, or where a list item starts.
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n\s*\n|\n\s*[-+]\s")

# (upper bound, label): the customary Swedish bands, labelled in the interface language (kb/labels.py).
BANDS = list(LIX_BANDS.items())


@dataclass(frozen=True)
class Lix:
    value: int
    words: int
    sentences: int
    long_words: int
    band: str


def lix(text: str) -> Lix | None:
    """The LIX of a text (Markdown allowed), or None when it has no words."""
    plain = _MARKUP.sub(" ", _LINK.sub(r"\1", text or ""))
    words = _WORD.findall(plain)
    if not words:
        return None
    sentences = max(1, sum(1 for part in _SENTENCE_END.split(plain) if _WORD.search(part)))
    long_words = sum(1 for w in words if len(w) > 6)
    value = round(len(words) / sentences + 100 * long_words / len(words))
    band = str(next(label for bound, label in BANDS if value < bound))
    return Lix(value, len(words), sentences, long_words, band)
