"""The one home of field limits and field validators.

Every place that checks a link, an e-mail address, tags or the length of a stored text
(the web forms, the content loader, the services, the database columns, the templates'
maxlength) uses `LIMITS` and the `check_*` functions here, so an example that one of
them accepts is accepted by all of them. The checks raise `FieldInvalid` (a ValueError)
with a message that says what is wrong and what is valid, translated at the moment it is
raised (the request's language; KB_LANGUAGE in the CLI, so the content loader's errors follow
it); the numbers in the messages come from `LIMITS`. The WTForms adapters at the end raise the same message as
a `wtforms.ValidationError`, and write the normalised value back into the form.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .inputs import has_control

LIMITS: dict[str, int] = {
    "title": 150,
    "summary": 500,
    "body": 50_000,
    "slug": 120,
    "category": 80,
    "tag": 60,
    "tags": 20,
    "link": 500,
    "links": 10,
    "email": 254,
    "contact_organisation": 200,
    "contact_name": 200,
    "source_title": 300,
    "adoption_note": 500,
    "verify_note": 2000,
    "comment": 5000,
}

# What the length messages call each field ("Rubriken får ha högst 150 tecken"): the subject of
# that sentence, with its article ("The title may have at most 150 characters").
LABELS = {
    "title": _l("Rubriken"),
    "summary": _l("Sammanfattningen"),
    "body": _l("Texten"),
    "slug": _l("Adressen (slug)"),
    "category": _l("Ämnet"),
    "email": _l("E-postadressen"),
    "contact_organisation": _l("Organisationen"),
    "contact_name": _l("Kontaktpersonen"),
    "source_title": _l("Källans titel"),
    "adoption_note": _l("Anteckningen"),
    "verify_note": _l("Anteckningen"),
    "comment": _l("Kommentaren"),
}

SCHEMES = ("http", "https")


class FieldInvalid(ValueError):
    """A value a field does not accept; str() is the message for the person who typed it, in the
    language of the request (outside requests KB_LANGUAGE, Swedish by default)."""


def number(n: int) -> str:
    """A count in the message's language (Babel): 50 000, 5 000, 500; in English 50,000.
    Messages use a plain space where Babel's Swedish format has a no-break space."""
    from .i18n import number as formatted

    return formatted(n).replace("\xa0", " ")


def _shown(value: str, width: int = 60) -> str:
    return value if len(value) <= width else value[:width] + "…"


# --------------------------------------------------------------------------- checks


def check_length(name: str, value: str | None) -> str:
    """`value` stripped; FieldInvalid when it is longer than LIMITS[name]."""
    value = (value or "").strip()
    limit = LIMITS[name]
    if len(value) > limit:
        raise FieldInvalid(_("%(field)s får ha högst %(n)s tecken (nu %(now)s).", field=LABELS.get(name, name),
                             n=number(limit), now=number(len(value))))
    return value


def link_rule() -> str:
    return _("en giltig adress börjar med http:// eller https:// följt av ett värdnamn, t.ex. https://kommun.se/sida, "
             "har inga mellanslag och högst %(n)s tecken", n=number(LIMITS["link"]))


def check_link(value: str | None) -> str:
    """A web address, normalised: stripped, scheme and host in lower case.

    Only http and https with a host are accepted, without whitespace or control characters,
    at most LIMITS['link'] characters long.
    """
    value = (value or "").strip()

    def bad(reason: str) -> FieldInvalid:
        return FieldInvalid(_("”%(value)s” är ingen giltig webbadress: %(reason)s; %(rule)s.", value=_shown(value),
                              reason=reason, rule=link_rule()))

    if not value:
        raise FieldInvalid(_("Webbadressen är tom; %(rule)s.", rule=link_rule()))
    if len(value) > LIMITS["link"]:
        raise bad(_("den har %(now)s tecken", now=number(len(value))))
    if any(c.isspace() for c in value):
        raise bad(_("den innehåller mellanslag eller radbrytningar"))
    if has_control(value):
        raise bad(_("den innehåller styrtecken"))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise bad(_("värdnamnet eller porten går inte att tolka")) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise bad(_("den börjar inte med http:// eller https://"))
    if not parts.netloc or not parts.hostname:
        raise bad(_("värdnamnet saknas"))
    # With a host the text is exactly scheme "://" netloc rest; rebuild it rather than
    # urlunsplit, which would drop an empty "?" or "#" and so change the address.
    rest = value[len(parts.scheme) + 3 + len(parts.netloc):]
    userinfo, at, hostport = parts.netloc.rpartition("@")
    return f"{scheme}://{userinfo}{at}{hostport.lower()}{rest}"


def check_links(values: list[str]) -> list[str]:
    """A list of links, each normalised by check_link; at most LIMITS['links'] of them."""
    values = [v for v in (str(v).strip() for v in values) if v]
    if len(values) > LIMITS["links"]:
        raise FieldInvalid(_("Högst %(n)s länkar är tillåtet (nu %(now)s).", n=LIMITS["links"], now=len(values)))
    return [check_link(v) for v in values]


def canonical_link(value: str) -> str:
    """The normalised form of a valid link; anything else unchanged (for writing stored values out)."""
    try:
        return check_link(value)
    except FieldInvalid:
        return value


def check_email(value: str | None) -> str:
    """An e-mail address, normalised by email-validator (no DNS look-up): the domain in lower case."""
    value = (value or "").strip()
    if not value:
        raise FieldInvalid(_("E-postadressen är tom; ange en adress som namn@kommun.se."))
    if len(value) > LIMITS["email"]:
        raise FieldInvalid(_("”%(value)s” är ingen giltig e-postadress: den har %(now)s tecken och högst %(n)s är tillåtet.",
                             value=_shown(value), now=number(len(value)), n=LIMITS["email"]))
    if "@" not in value:
        raise FieldInvalid(_("”%(value)s” är ingen giltig e-postadress: tecknet @ saknas; ange en adress som namn@kommun.se.",
                             value=_shown(value)))
    from email_validator import EmailNotValidError, validate_email  # here: only forms and loads check addresses

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldInvalid(_("”%(value)s” är ingen giltig e-postadress; ange en adress som namn@kommun.se.",
                             value=_shown(value))) from None


def check_tags(values: list[str]) -> list[str]:
    """Tags stripped and in lower case (empty ones dropped): at most LIMITS['tags'], each at most LIMITS['tag'] long."""
    tags = [t for t in (str(v).strip().lower() for v in values) if t]
    if len(tags) > LIMITS["tags"]:
        raise FieldInvalid(_("Högst %(n)s nyckelord är tillåtet (nu %(now)s).", n=LIMITS["tags"], now=len(tags)))
    for tag in tags:
        if len(tag) > LIMITS["tag"]:
            raise FieldInvalid(_("Varje nyckelord får ha högst %(n)s tecken: ”%(tag)s” har %(now)s.", n=LIMITS["tag"],
                                 tag=_shown(tag, 30), now=len(tag)))
    return tags


def split_lines(raw: str | None) -> list[str]:
    """One value a line (links in a textarea); CRLF and blank lines are fine."""
    return [line.strip() for line in (raw or "").replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def split_tags(raw: str | None) -> list[str]:
    """Tags typed comma- or line-separated."""
    return [t.strip().lower() for t in (raw or "").replace("\n", ",").split(",") if t.strip()]


# --------------------------------------------------------------------------- WTForms adapters


class _Adapter:
    """Runs a check on a field's data; an empty field is left to InputRequired/Optional."""

    field_flags: dict = {}

    def check(self, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        try:
            self.check(field, field.data)
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


class MaxLength(_Adapter):
    """check_length(name) as a form validator; renders maxlength from LIMITS."""

    def __init__(self, name: str):
        self.name = name
        self.field_flags = {"maxlength": LIMITS[name]}

    def check(self, field, data):
        check_length(self.name, str(data).replace("\r\n", "\n"))


class Link(_Adapter):
    """One optional link (check_link); the field is given the normalised address."""

    field_flags = {"maxlength": LIMITS["link"]}

    def check(self, field, data):
        field.data = check_link(data)


class LinkList(_Adapter):
    """Links one a line (check_links); the field is given the normalised lines."""

    def check(self, field, data):
        field.data = "\n".join(check_links(split_lines(data)))


class Email(_Adapter):
    """An optional e-mail address (check_email); the field is given the normalised address."""

    field_flags = {"maxlength": LIMITS["email"]}

    def check(self, field, data):
        field.data = check_email(data)


class TagList(_Adapter):
    """Comma-separated tags (check_tags)."""

    def check(self, field, data):
        check_tags(split_tags(data))
