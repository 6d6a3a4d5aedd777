"""The interface language: Swedish (the default and the source language) and English.

Flask-Babel does the work: gettext catalogues (kb/translations/<lang>/LC_MESSAGES/messages.po,
with the Swedish text as msgid), CLDR formats for dates and numbers, Europe/Stockholm time.

How a request's language is chosen, first match wins:
1. `?lang=sv|en` in the address (and remembered in the `lang` cookie for later pages);
2. the `lang` cookie (set by the language switch);
3. the browser's `Accept-Language`, as the first guess;
4. Swedish.

Outside requests (`flask kb ...`, the mail sender) the environment variable KB_LANGUAGE=en
chooses English for messages; Swedish otherwise. Mail to other people is written in Swedish
whatever the sender's language (we keep no language per recipient).

The examples themselves stay Swedish: templates mark their text `lang="sv"` inside English pages.
Compiled catalogues (.mo) are build output: `compile_catalogues` writes them from the .po files
when they are missing or older, at app start (atomically, so several workers can race safely).
"""
from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, url_for
from babel.numbers import format_decimal
from flask_babel import Babel, format_date, format_time, get_locale

from .models import aware

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TIMEZONE = "Europe/Stockholm"
NAMES = {"sv": "Svenska", "en": "English"}  # each language named in itself, as a switch shows it
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def select_locale() -> str:
    """The language of this request (see the module docstring for the order); outside a
    request (the CLI, the mail sender) KB_LANGUAGE=en|sv, Swedish by default."""
    if not has_request_context():
        chosen = os.environ.get("KB_LANGUAGE", "")
        return chosen if chosen in LANGUAGES else DEFAULT
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE, "")
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def current_language() -> str:
    """'sv' or 'en' for the current request ('sv' outside requests, e.g. the CLI by default)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Write each messages.mo from its messages.po when missing or older; returns the files written."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalogue = read_po(fh, locale=po.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalogue, use_fuzzy=False)
            os.replace(tmp, mo)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(mo)
    return written


def long_date(value) -> str:
    """'27 november 2026' / 'November 27, 2026' (a datetime is read in Stockholm time)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_date(aware(value), "long", rebase=True)
    return format_date(value, "long", rebase=False)


def long_datetime(value) -> str:
    """'27 november 2026 14:05' / 'November 27, 2026 2:05 PM' in Stockholm time."""
    if not value:
        return ""
    value = aware(value)  # naive values from SQLite are UTC
    return f"{format_date(value, 'long', rebase=True)} {format_time(value, 'short', rebase=True)}"


def month_year(value: date | datetime) -> str:
    """'november 2014' / 'November 2014'."""
    return format_date(value, "LLLL y", rebase=False)


def number(value) -> str:
    """'12 345' / '12,345' (Swedish outside any app context, like current_language)."""
    return format_decimal(value, locale=current_language())


def url_in(lang: str) -> str:
    """The current page's address in `lang` (the switch and the hreflang alternates)."""
    if not has_request_context() or request.endpoint is None:
        return f"/?lang={lang}"
    args = request.args.to_dict()
    args["lang"] = lang
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    babel.init_app(app, locale_selector=select_locale)

    @app.after_request
    def _remember_language(response):
        asked = request.args.get("lang", "")
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=bool(app.config.get("SESSION_COOKIE_SECURE")), httponly=True)
        if response.mimetype == "text/html":
            response.vary.update(("Accept-Language", "Cookie"))
        return response

    @app.context_processor
    def _language():
        lang = current_language()
        return {"current_lang": lang, "languages": LANGUAGES, "language_names": NAMES, "url_in": url_in}
