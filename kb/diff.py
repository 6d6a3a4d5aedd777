"""Word-level differences between two texts, as safe HTML with <ins> and <del>."""
from __future__ import annotations

import difflib
import re

from flask_babel import gettext
from markupsafe import Markup, escape

from .labels import DIFF_FIELDS, PRACTICE_STATUS, label

# A word with the whitespace after it: spaces alone never count as "unchanged" between edits.
_TOKEN = re.compile(r"\S+\s*|\s+")


def word_diff(old: str, new: str) -> Markup:
    """HTML of `new` with words added since `old` in <ins> and removed ones in <del>."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Markup("<del>") + escape("".join(a[i1:i2])) + Markup("</del>"))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>") + escape("".join(b[j1:j2])) + Markup("</ins>"))
    return Markup("").join(out)


def revision_fields(rev) -> dict[str, str]:
    """The comparable text of a revision, field by field (keys are DIFF_FIELDS codes)."""
    if rev is None:
        return {}
    return {
        "title": rev.title,
        "summary": rev.summary,
        "category": rev.category.name if rev.category else "",
        "municipalities": ", ".join(m.name for m in rev.municipalities),
        "counties": ", ".join(c.name for c in rev.counties),
        "tags": ", ".join(t.name for t in rev.tags),
        "status": label(PRACTICE_STATUS, rev.practice_status),
        "period": " – ".join(str(y) for y in (rev.period_start, rev.period_end) if y),
        "contact": " / ".join(x for x in (rev.contact_organisation, rev.contact_name, rev.contact_email) if x)
        + (" " + gettext("(visas publikt)") if rev.contact_public else ""),
        "links": "\n".join(rev.links or []),
        "body": rev.body,
    }


def revision_diff(old, new) -> list[tuple[str, Markup, bool]]:
    """(label, diff HTML, changed?) for each field, comparing two revisions (old may be None)."""
    a, b = revision_fields(old), revision_fields(new)
    return [(label(DIFF_FIELDS, key), word_diff(a.get(key, ""), b[key]), a.get(key, "") != b[key]) for key in b]
