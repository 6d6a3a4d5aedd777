"""The input boundary: what every request must look like before a view sees it.

One place refuses what no view can use (ASVS v5 1.2/2.2):

- control characters (NUL and the rest of C0, DEL, C1): a path, a parameter
  name or a form value holding one is refused with a 400 that names the field
  (a form value is saved, and silently changing what someone saves is worse
  than asking); in query values they are dropped, which is harmless (nothing is
  stored from a query string and searches ignore them). Tab, CR and LF are
  allowed in values, where textareas carry them. PostgreSQL cannot store NUL and
  nothing here needs the others;
- file parts in a form: no page takes an upload, and Flask-WTF would hand a
  file object to a text field;
- integers in URLs beyond what the database columns hold (the ``int`` converter
  is bounded, so /granska/99999999999999999999 is a 404, not an overflow).

Views parse numeric parameters with :func:`int_arg` (ASCII digits only, bounded;
``'²'.isdigit()`` is true but ``int('²')`` fails). Log records are kept to one
line each (:func:`install_one_line_log_records`), so request data cannot forge
log lines.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2**31 - 1  # INTEGER primary keys on PostgreSQL (int4)
_DIGITS = re.compile(r"[0-9]{1,18}", re.ASCII)
# C0 except TAB/LF/CR, DEL and C1: refused in values; in paths and names TAB/LF/CR too.
_CONTROL_IN_VALUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ANYWHERE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (C0 including TAB/LF/CR, DEL, C1)."""
    return _CONTROL_ANYWHERE.search(text) is not None


class BoundedInt(IntegerConverter):
    """``<int:...>`` that matches only values a database integer column can hold."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def bad_request(message: str):
    """Abort with 400 and a message for people (the error page or the API's JSON shows it)."""
    from werkzeug.exceptions import BadRequest

    exc = BadRequest()
    exc.kb_detail = message
    raise exc


def parse_int(raw: str | None, low: int, high: int) -> int | None:
    """ASCII digits within [low, high], else None (superscripts, signs, spaces and huge values too)."""
    if raw is None:
        return None
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query parameter; absent or empty gives `default`, anything else invalid a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = parse_int(raw, low, high)
    if value is None:
        bad_request(f"Parametern '{name}' ska vara ett heltal mellan {low} och {high} (skrivet med siffrorna 0–9).")
    return value


def _offending(name: str, value: str) -> str | None:
    """'U+0000'-style name of the first refused character in a name/value pair, or None."""
    found = _CONTROL_ANYWHERE.search(name) or _CONTROL_IN_VALUE.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def check_request() -> None:
    """Refuse control characters and file parts before any view runs (400 with the reason)."""
    found = _offending(request.path, "")
    if found:
        bad_request(_("Adressen innehåller ett styrtecken (%(char)s), som inte är tillåtet i en adress.", char=found))
    pairs = list(request.args.items(multi=True))
    for name, _value in pairs:
        if _CONTROL_ANYWHERE.search(name):
            bad_request(_("Ett parameternamn i adressen innehåller ett styrtecken (%(char)s), som inte är tillåtet.",
                          char=_offending(name, "")))
    if any(_CONTROL_IN_VALUE.search(value) for _name, value in pairs):
        # Harmless to drop: nothing is stored from a query string, and searches ignore them anyway.
        request.args = ImmutableMultiDict([(name, _CONTROL_IN_VALUE.sub("", value)) for name, value in pairs])
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.files:
            bad_request(_("Filer kan inte skickas här; fälten tar bara emot text."))
        for name, value in request.form.items(multi=True):
            found = _offending(name, value)
            if found:
                shown = name[:40] if not _CONTROL_ANYWHERE.search(name) else "?"
                bad_request(_("Fältet '%(field)s' innehåller ett styrtecken (%(char)s), som inte är tillåtet i text.", field=shown, char=found))


def register(app: Flask) -> None:
    """Install the bounded int converter and the request check; call before blueprints are registered."""
    app.url_map.converters["int"] = BoundedInt
    # First in line: before CSRF, login and every blueprint hook.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    install_one_line_log_records()


# --------------------------------------------------------------------------- logging


_LOG_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]{0,20}m")  # colours werkzeug adds on a terminal: dropped, not escaped
_LOG_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_control(match: re.Match) -> str:
    ch = match.group()
    return _LOG_NAMED.get(ch) or f"\\u{ord(ch):04x}"


class OneLineLogRecord(logging.LogRecord):
    """A record whose message cannot contain line breaks or other control characters.

    Only control characters are escaped (not backslashes), so lines that were
    already escaped, like the audit log's, are not escaped twice.
    """

    def getMessage(self) -> str:  # noqa: N802 - logging's API
        return _LOG_CONTROL.sub(_escape_control, _ANSI_STYLE.sub("", super().getMessage()))


def install_one_line_log_records() -> None:
    """Every log record created from now on escapes CR, LF and other control characters in its message.

    Request data reaches logs through messages (paths, e-mails typed at login);
    escaping at record level covers every logger, including werkzeug's and the
    libraries'. Tracebacks are formatted separately and stay multi-line.
    """
    if logging.getLogRecordFactory() is not OneLineLogRecord:
        logging.setLogRecordFactory(OneLineLogRecord)


# --------------------------------------------------------------------------- YAML from people

MAX_YAML_DEPTH = 20


class YamlShapeError(ValueError):
    """YAML nested too deeply or using anchors; the message names the line (Swedish)."""


def check_yaml_shape(text: str, max_depth: int = MAX_YAML_DEPTH) -> None:
    """Walk the YAML event stream (no tree is built, nothing recurses) and refuse deep nesting and aliases.

    PyYAML builds documents recursively, so '[[[[…' a few thousand deep ends in a
    RecursionError; aliases let a small text expand into a huge structure. Syntax
    errors are left for the real parse to report.
    """
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > max_depth:
                    line = event.start_mark.line + 1 if event.start_mark else "?"
                    raise YamlShapeError(_("rad %(line)s: listorna är nästlade mer än %(depth)s nivåer djupt; så djup struktur behövs aldrig här.",
                                           line=line, depth=max_depth))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise YamlShapeError(_("rad %(line)s: ankare och alias (&namn, *namn) används inte här; skriv ut orden.", line=line))
    except yaml.YAMLError:
        return
