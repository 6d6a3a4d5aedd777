"""Highlighted snippets for the hits shown, without re-running the analysis chain.

Whoosh's highlighter re-analyses each shown body through the whole token pipeline
(tokenizer, filters, Token objects, fragment scoring): about half of a search's time
on a typical page. Here the text is split into words with the analyzer's own word
pattern, each distinct word is analysed once per process (cached) to the term the
index holds, and the best fragments around matched terms are cut the way Whoosh's
ContextFragmenter does (a window around each match, neighbouring matches merged,
the fragments with the most matches first, shown in text order).
"""
from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import escape

from .analysis import swedish_analyzer

WORD = re.compile(r"\w+(?:[-']\w+)*")  # the RegexTokenizer pattern of kb/search/analysis.py
_sv = swedish_analyzer()


@lru_cache(maxsize=200_000)
def term_of(word: str) -> str | None:
    """The stemmed term the index holds for one word (None for a stop word)."""
    for token in _sv(word):
        return token.text
    return None


def query_terms(query, fieldname: str = "body") -> frozenset[str]:
    """The terms of `query` in one field (words of phrases included)."""
    terms = set()
    try:
        for name, text in query.iter_all_terms():
            if name == fieldname:
                terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    except Exception:  # a query kind without terms: no snippet
        return frozenset()
    return frozenset(terms)


def snippet(text: str, terms: frozenset[str], maxchars: int = 220, surround: int = 60, top: int = 2,
            between: str = " … ") -> str:
    """HTML: up to `top` fragments of `text` around words whose term is in `terms`, matches in <mark>."""
    if not text or not terms:
        return ""
    lower = text.lower()
    cache = _TERMS
    surface = set()
    for word in set(WORD.findall(lower)):  # each distinct word once
        term = cache.get(word, _MISSING)
        if term is _MISSING:
            term = term_of(word)
            if len(cache) < _TERMS_MAX:
                cache[word] = term
        if term in terms:
            surface.add(word)
    if not surface:
        return ""
    alternatives = "|".join(re.escape(w) for w in sorted(surface, key=len, reverse=True))
    spans = [m.span() for m in re.finditer(rf"(?<![\w'-])(?:{alternatives})(?![\w]|[-']\w)", text, re.IGNORECASE)]
    if not spans:
        return ""
    fragments = []  # (number of matches, start, end, matched spans)
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] + 2 * surround <= maxchars:
            j += 1
        start = max(0, spans[i][0] - surround)
        if start > 0:  # begin at a word boundary
            space = text.find(" ", start, spans[i][0])
            start = space + 1 if space != -1 else spans[i][0]
        end = min(len(text), spans[j][1] + surround)
        if end < len(text):
            space = text.rfind(" ", spans[j][1], end)
            end = space if space != -1 else spans[j][1]
        fragments.append((j - i + 1, start, end, spans[i:j + 1]))
        i = j + 1
    best = sorted(sorted(fragments, key=lambda f: -f[0])[:top], key=lambda f: f[1])
    out = []
    for _count, start, end, marks in best:
        parts, pos = [], start
        for a, b in marks:
            parts.append(str(escape(text[pos:a])))
            parts.append(f"<mark>{escape(text[a:b])}</mark>")
            pos = b
        parts.append(str(escape(text[pos:end])))
        out.append("".join(parts).strip())
    return between.join(out)


_MISSING = object()
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 200_000
