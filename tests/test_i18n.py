"""The interface in Swedish and English (kb/i18n.py, kb/labels.py, kb/translations/).

* every translatable string has an English translation with the same placeholders;
* no template holds Swedish text outside a translation call;
* the language comes from ?lang=, then the remembered choice, then Accept-Language;
* dates are formatted by Babel in Europe/Stockholm time.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kb import i18n

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "kb" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict[str, str]:
    """Every msgid in kb/ and templates/ → where it was found (as `make translations` collects them)."""
    found = {}
    method_map = [("kb/**.py", "python"), ("templates/**.html", "jinja2")]
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS, options_map={}
    ):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural is filed under its singular
        if msgid:
            found.setdefault(msgid, filename)
    return found


def catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def test_extraction_finds_the_interface_strings():
    found = extracted()
    # A few known strings from a template, a label table and a module: the check below is not vacuous.
    assert "Sök bland goda exempel" in found and "Godkänn och publicera" in found and "Avslaget" in found
    assert len(found) > 100


def test_every_translatable_string_has_an_english_translation():
    cat = catalogue()
    problems = []
    for msgid, where in sorted(extracted().items()):
        message = cat.get(msgid)
        if message is None:
            problems.append(f"{where}: {msgid!r} is not in messages.po (run `make translations`)")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"{where}: {msgid!r} has no English translation")
            continue
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)):
                problems.append(f"{where}: {msgid!r}: placeholders differ in {text!r}")
    assert problems == [], "\n".join(problems)


# Text a template may hold without a translation call: names, codes and symbols, never Swedish prose.
ALLOWED_WORDS = {"Goda", "exempel", "API", "Atom", "JSON", "CSV", "ZIP", "GeoJSON", "OpenAPI", "CC0", "TOTP",
                 "HTML", "Markdown", "SCB", "LIX", "nbsp", "ndash", "mdash", "hellip", "rarr", "larr", "times",
                 "middot", "amp", "lt", "gt", "quot", "bull", "raquo", "laquo", "copy"}
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
# The literal argument of _() or gettext(), or both literals of ngettext(singular, plural, n).
TRANSLATED_LITERAL = re.compile(r"""\b(?:_|gettext|ngettext|pgettext)\(\s*(['"])(?:\\.|(?!\1).)*\1(?:\s*,\s*(['"])(?:\\.|(?!\2).)*\2)?""", re.S)
TRANSLATED_PLURAL = re.compile(r"""\bngettext\(\s*(['"])(?:\\.|(?!\1).)*\1\s*,\s*(['"])(?:\\.|(?!\2).)*\2""", re.S)
LITERAL = re.compile(r"""(['"])((?:\\.|(?!\1).)*)\1""", re.S)
TEXT_ATTRIBUTES = re.compile(r"""\b(?:aria-label|title|placeholder|alt|value|summary)\s*=\s*(["'])(.*?)\1""", re.S)
# Text an element marks as Swedish on purpose (a report's title, a Swedish term explained in English).
MARKED_SWEDISH = re.compile(r"""<(\w+)\b[^>]*\blang=(["'])sv\2[^>]*>.*?</\1>""", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé]{2,}")
SWEDISH_LITERAL = re.compile(r"[åäöÅÄÖ]|\w+\s+\w+")


def untranslated(source: str) -> list[str]:
    """Swedish-looking text in a template that is not passed through _()."""
    found = []
    # 1. string literals inside Jinja constructs that are not the argument of _(...)
    for block in JINJA.findall(source):
        if block.startswith("{#"):
            continue
        rest = MARKED_SWEDISH.sub("", TRANSLATED_LITERAL.sub("", TRANSLATED_PLURAL.sub("", block)))
        for _quote, text in LITERAL.findall(rest):
            if SWEDISH_LITERAL.search(text) and not re.fullmatch(r"[\w./:#?=&%-]*", text):
                found.append(text)
    # 2. text between tags and in text attributes, once the Jinja constructs are gone
    plain = MARKED_SWEDISH.sub(" ", JINJA.sub(" ", source))
    for _quote, value in TEXT_ATTRIBUTES.findall(plain):
        found.extend(w for w in WORD.findall(value) if w not in ALLOWED_WORDS)
    plain = re.sub(r"<(script|style|code)\b.*?</\1>", " ", plain, flags=re.S)  # code is not prose
    plain = TAG.sub(" ", plain)
    found.extend(w for w in WORD.findall(plain) if w not in ALLOWED_WORDS)
    return found


TEMPLATES = sorted(p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.html"))


# Templates whose text is not yet passed through _(): expected to fail (strictly: a template that
# passes must leave this list). The list must end up empty.
PENDING: set[str] = set()


@pytest.mark.parametrize("name", [pytest.param(t, marks=pytest.mark.xfail(strict=True, reason="not yet translated"))
                                  if t in PENDING else t for t in TEMPLATES])
def test_template_has_no_untranslated_swedish(name):
    assert untranslated((ROOT / "templates" / name).read_text(encoding="utf-8")) == []


def test_the_template_check_finds_untranslated_text():
    assert untranslated('<p>{{ _("Se %(r)s", r=\'<cite lang="sv">Ökat mottagande</cite>\'|safe) }}</p>') == []
    assert untranslated('<p><cite lang="sv">Ökat mottagande</cite> och</p>') == ["och"]
    assert untranslated('<p>Inga träffar</p><a title="Öppna">{{ _("Sök") }}</a>') == ["Öppna", "Inga", "träffar"]
    assert untranslated("{{ 'Titel (A–Ö)' if x else _('Relevans') }}") == ["Titel (A–Ö)"]
    assert untranslated('<p>{{ _("Sök bland goda exempel") }} {{ url_for("search.index") }}</p>') == []
    assert untranslated('<p>{{ ngettext("%(num)s träff", "%(num)s träffar", n) }}</p>') == []
    assert untranslated('<p><code>flask kb load</code></p>') == []


# --- choosing the language -------------------------------------------------------------------

def _lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


def test_swedish_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert _lang(html) == "sv"
    assert "Alla exempel" in html and "Sök bland goda exempel" in html


@pytest.mark.parametrize("how", ["header", "param"])
def test_english_by_accept_language_or_param(client, how):
    if how == "header":
        response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    else:
        response = client.get("/?lang=en")
    html = response.get_data(as_text=True)
    assert _lang(html) == "en"
    assert "All examples" in html and "Search the good examples" in html
    assert "Alla exempel" not in html
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_the_choice_is_remembered_and_the_param_wins_over_the_header(client):
    response = client.get("/?lang=en")
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    assert _lang(client.get("/ovrigt-som-inte-finns-ej").get_data(as_text=True)) == "en"  # the cookie, on a 404 too
    assert _lang(client.get("/").get_data(as_text=True)) == "en"
    html = client.get("/?lang=sv", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(html) == "sv" and "Alla exempel" in html
    assert _lang(client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "sv"  # remembered sv


def test_unknown_language_falls_back_to_swedish(client):
    assert _lang(client.get("/?lang=de", headers={"Accept-Language": "de"}).get_data(as_text=True)) == "sv"


def test_switch_and_hreflang_alternates(client):
    html = client.get("/sok?q=buss").get_data(as_text=True)
    assert re.search(r'<link rel="alternate" hreflang="en" href="[^"]*/sok\?q=buss&amp;lang=en"', html)
    assert re.search(r'<link rel="alternate" hreflang="sv" href="[^"]*/sok\?q=buss&amp;lang=sv"', html)
    assert 'hreflang="x-default"' in html
    assert re.search(r'<a class="lang-switch" href="[^"]*lang=en" hreflang="en" lang="en">English</a>', html)
    english = client.get("/sok?q=buss&lang=en").get_data(as_text=True)
    assert re.search(r'<a class="lang-switch" href="[^"]*lang=sv" hreflang="sv" lang="sv">Svenska</a>', english)


def test_english_search_page_marks_swedish_results(client):
    html = client.get("/sok?q=buss&lang=en").get_data(as_text=True)
    assert _lang(html) == "en"
    titles = re.findall(r'<h3 class="result-title" lang="sv">', html)
    assert len(titles) >= 1
    for heading in ("Topic", "County", "Municipality"):
        assert f"<h3>{heading}</h3>" in html


def test_swedish_search_page_is_unchanged_swedish(client):
    html = client.get("/sok?q=buss&lang=sv").get_data(as_text=True)
    for heading in ("Ämne", "Län", "Kommun"):
        assert f"<h3>{heading}</h3>" in html


# --- formats ------------------------------------------------------------------------------------

def test_dates_in_stockholm_time_and_each_language(loaded_app):
    midnight_utc = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 July in Stockholm (CEST)
    naive_utc = datetime(2026, 12, 31, 23, 15)  # SQLite returns naive UTC: 00:15 on 1 January 2027 (CET)
    with loaded_app.test_request_context("/?lang=sv"):
        assert i18n.long_datetime(midnight_utc) == "1 juli 2026 00:30"
        assert i18n.long_date(naive_utc) == "1 januari 2027"
        assert i18n.number(12345) == "12\xa0345"
    with loaded_app.test_request_context("/?lang=en"):
        assert i18n.long_datetime(midnight_utc) == "July 1, 2026 12:30\u202fAM"
        assert i18n.long_date(naive_utc) == "January 1, 2027"
        assert i18n.number(12345) == "12,345"


def test_compiled_catalogue_is_written_from_the_po(tmp_path):
    po_dir = tmp_path / "en" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    (po_dir / "messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                        'msgid "Sök"\nmsgstr "Search"\n', encoding="utf-8")
    assert i18n.compile_catalogues(tmp_path) == [po_dir / "messages.mo"]
    assert i18n.compile_catalogues(tmp_path) == []  # up to date: nothing written
    from babel.support import Translations
    assert Translations.load(str(tmp_path), ["en"]).gettext("Sök") == "Search"
