"""Swedish alphabetical order: a–z, then å, ä, ö (and é as e, ü as y, as Swedish dictionaries do)."""
from __future__ import annotations

import unicodedata

_ORDER = "abcdefghijklmnopqrstuvwxyzåäö"
_RANK = {ch: i for i, ch in enumerate(_ORDER)}
_SAME_AS = {"ü": "y", "æ": "ä", "ø": "ö", "à": "a", "á": "a", "é": "e", "è": "e", "ê": "e", "ë": "e"}


def sv_key(text: str) -> tuple:
    """A sort key placing Å, Ä and Ö after Z, ignoring case; other letters by their base letter."""
    out = []
    for ch in unicodedata.normalize("NFC", text.casefold()):
        ch = _SAME_AS.get(ch, ch)
        if ch in _RANK:
            out.append((1, _RANK[ch]))
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and base[0] in _RANK:
            out.append((1, _RANK[base[0]]))
        elif ch.isdigit():
            out.append((0, ord(ch)))
        else:
            out.append((-1, 0))  # spaces and punctuation sort before letters
    return (tuple(out), text)
