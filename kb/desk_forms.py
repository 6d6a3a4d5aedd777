"""Forms of the review desk: mark verified, record an adoption, bulk actions, password reset,
role and county. Forms validate shape and bounds; services decide."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from . import labels, places
from .fields import LIMITS, Link, MaxLength
from .collation import sv_key
from .forms import STATUS_CHOICES, choices


class YearField(IntegerField):
    """An integer year whose parse error says what is valid (in the page's language)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_("Ange året med fyra siffror, t.ex. 2016.")) from exc


class VerifyForm(FlaskForm):
    status = SelectField(_l("Hur ser det ut i dag?"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Anteckning (valfri)"), validators=[Optional(), MaxLength("verify_note")])
    submit = SubmitField(_l("Markera som kontrollerat"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices([("", _("Oförändrat"))] + [(c.value, c.label) for c in STATUS_CHOICES])

    def validate_status(self, field):
        if field.data and field.data not in {c.value for c in self.status.choices}:
            raise ValidationError(_("Välj ett läge ur listan: planerad, pågående, avslutad eller vet inte."))


class AdoptionForm(FlaskForm):
    municipality = SelectField(_l("Kommun som har tagit efter"), choices=[], validate_choice=False)
    year = YearField(_l("År"), validators=[InputRequired(_l("Ange året.")), NumberRange(1990, 2100, _l("Ange ett årtal mellan 1990 och 2100."))])
    note = StringField(_l("Anteckning (valfri)"), validators=[Optional(), MaxLength("adoption_note")])
    link = StringField(_l("Länk (valfri, http:// eller https://)"), validators=[Optional(), Link()])
    example = StringField(_l("Kommunens eget exempel här (valfritt, adressens sista del, t.ex. kopa-villor)"),
                          validators=[Optional(), MaxLength("slug")])
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality.choices = choices(
            [("", _("– välj kommun –"))]
            + [(m.code, m.name) for m in sorted(places.municipalities(), key=lambda m: sv_key(m.name))]
        )
        if self.year.data is None and not self.is_submitted():
            self.year.data = date.today().year

    def validate_municipality(self, field):
        if not field.data or field.data not in {c.value for c in self.municipality.choices if c.value}:
            raise ValidationError(_("Välj en kommun ur listan."))


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("E-postadress"), render_kw={"type": "email", "autocomplete": "username"},
                        validators=[InputRequired(_l("Ange e-postadressen du loggar in med.")),
                                    Length(max=LIMITS["email"], message=_l("Högst %(n)s tecken.", n=LIMITS["email"]))])
    submit = SubmitField(_l("Skicka länken"))


class ResetPasswordForm(FlaskForm):
    new = PasswordField(_l("Nytt lösenord (minst 12 tecken)"), validators=[InputRequired(_l("Ange ett nytt lösenord.")), Length(max=256)])
    repeat = PasswordField(_l("Upprepa det nya lösenordet"), validators=[InputRequired(_l("Upprepa det nya lösenordet.")), Length(max=256)])
    submit = SubmitField(_l("Spara det nya lösenordet"))

    def validate_repeat(self, field):
        if field.data != self.new.data:
            raise ValidationError(_("Lösenorden är inte likadana."))


class RoleForm(FlaskForm):
    role = SelectField(_l("Roll"), choices=choices(labels.choices(labels.ROLES, ["contributor", "moderator", "admin"])))
    county = SelectField(_l("Län"), choices=[])
    user_id = HiddenField()
    submit = SubmitField(_l("Spara roll och län"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.county.choices = choices([("", _("– inget (administratör) –"))] + [(c.code, c.name) for c in places.counties()])
