"""WTForms: login, password, user administration and the submission form.

Forms validate shape and bounds (lengths, choices, URL schemes); whether a
submission is complete enough to submit is decided by the moderation service.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from . import labels, places
from .fields import LIMITS, Email, LinkList, MaxLength, TagList, split_lines, split_tags
from .collation import sv_key
from .models import PracticeStatus


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


STATUS_CHOICES = choices(labels.choices(labels.PRACTICE_STATUS_CHOICES, [s.value for s in PracticeStatus]))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[InputRequired(_l("Ange din e-postadress.")), Length(max=LIMITS["email"])])
    password = PasswordField(_l("Lösenord"), validators=[InputRequired(_l("Ange ditt lösenord.")), Length(max=256)])
    next = HiddenField()
    submit = SubmitField(_l("Logga in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[InputRequired(_l("Ange ditt nuvarande lösenord.")), Length(max=256)])
    new = PasswordField(_l("Nytt lösenord (minst 12 tecken)"), validators=[InputRequired(_l("Ange ett nytt lösenord.")), Length(max=256)])
    repeat = PasswordField(_l("Upprepa det nya lösenordet"), validators=[InputRequired(_l("Upprepa det nya lösenordet.")), Length(max=256)])
    submit = SubmitField(_l("Byt lösenord"))

    def validate_repeat(self, field):
        if field.data != self.new.data:
            raise ValidationError(_("Lösenorden är inte likadana."))


class UserForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[InputRequired(_l("Ange en e-postadress.")), Email()])
    name = StringField(_l("Namn"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Roll"), choices=choices(labels.choices(labels.ROLES, ["contributor", "moderator", "admin"])))
    county = SelectField(_l("Län"), choices=[])
    password = PasswordField(_l("Lösenord (minst 12 tecken)"), validators=[InputRequired(_l("Ange ett lösenord.")), Length(max=256)])
    submit = SubmitField(_l("Lägg till användare"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.county.choices = choices([("", _("– inget (administratör) –"))] + [(c.code, c.name) for c in places.counties()])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Kommentar"), validators=[Optional(), MaxLength("comment")])


def _text(raw: str | None) -> str:
    """Browsers send CRLF from textareas; store plain LF."""
    return (raw or "").replace("\r\n", "\n").replace("\r", "\n")


class EntryForm(FlaskForm):
    title = StringField(_l("Rubrik"), validators=[Optional(), MaxLength("title")])
    summary = TextAreaField(_l("Sammanfattning (1–2 meningar)"), validators=[Optional(), MaxLength("summary")])
    category = SelectField(_l("Ämne"), choices=[], validate_choice=True)
    municipalities = SelectMultipleField(_l("Kommuner"), choices=[], validators=[Optional()])
    counties = SelectMultipleField(_l("Län (för exempel som gäller ett helt län)"), choices=[], validators=[Optional()])
    tags = StringField(_l("Nyckelord (kommaseparerade, högst %(n)s)", n=LIMITS["tags"]), validators=[Optional(), Length(max=2000), TagList()])
    status = SelectField(_l("Läge"), choices=STATUS_CHOICES, default=PracticeStatus.OKAND.value)
    period_start = IntegerField(_l("Startår"), validators=[Optional(), NumberRange(1900, 2100, _l("Ange ett år mellan 1900 och 2100."))])
    period_end = IntegerField(_l("Slutår"), validators=[Optional(), NumberRange(1900, 2100, _l("Ange ett år mellan 1900 och 2100."))])
    body = TextAreaField(_l("Beskrivning (Markdown)"), validators=[Optional(), MaxLength("body")])
    contact_organisation = StringField(_l("Organisation"), validators=[Optional(), MaxLength("contact_organisation")])
    contact_name = StringField(_l("Kontaktperson"), validators=[Optional(), MaxLength("contact_name")])
    contact_email = EmailField(_l("E-post"), validators=[Optional(), Email()])
    contact_public = BooleanField(_l("Visa kontaktuppgifterna på den publicerade sidan"))
    links = TextAreaField(_l("Länkar (en per rad, http:// eller https://, högst %(n)s)", n=LIMITS["links"]), validators=[Optional(), Length(max=6000), LinkList()])
    version = HiddenField()
    preview = SubmitField(_l("Förhandsgranska"))
    save = SubmitField(_l("Spara utkast"))
    send = SubmitField(_l("Skicka för granskning"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices([("", _("– välj ämne –"))] + [(c.slug, c.name) for c in categories])
        self.municipalities.choices = choices(
            (m.code, f"{m.name} ({_county_short(m.county_code)})")
            for m in sorted(places.municipalities(), key=lambda p: sv_key(p.name))
        )
        self.counties.choices = choices((c.code, c.name) for c in places.counties())

    def validate_category(self, field):
        if field.data and field.data not in {c.value for c in self.category.choices}:
            raise ValidationError(_("Välj ett ämne ur listan."))

    def validate_period_end(self, field):
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_("Slutåret kan inte vara före startåret."))

    def to_input(self):
        """The form's values as the service's EntryInput."""
        from .moderation import EntryInput

        return EntryInput(
            title=_text(self.title.data), summary=_text(self.summary.data), category=self.category.data or "",
            municipalities=list(self.municipalities.data or []), counties=list(self.counties.data or []),
            tags=split_tags(self.tags.data), status=self.status.data or PracticeStatus.OKAND.value,
            period_start=self.period_start.data, period_end=self.period_end.data, body=_text(self.body.data),
            contact_organisation=self.contact_organisation.data or "", contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "", contact_public=bool(self.contact_public.data),
            links=split_lines(self.links.data),
        )

    def fill_from(self, data) -> None:
        """Fill the form from an EntryInput (when editing)."""
        self.title.data, self.summary.data, self.category.data = data.title, data.summary, data.category
        self.municipalities.data, self.counties.data = data.municipalities, data.counties
        self.tags.data = ", ".join(data.tags)
        self.status.data = data.status
        self.period_start.data, self.period_end.data = data.period_start, data.period_end
        self.body.data = data.body
        self.contact_organisation.data, self.contact_name.data = data.contact_organisation, data.contact_name
        self.contact_email.data, self.contact_public.data = data.contact_email, data.contact_public
        self.links.data = "\n".join(data.links)


def _county_short(code: str) -> str:
    return next((c.name for c in places.counties() if c.code == code), code)
