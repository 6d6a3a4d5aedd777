"""Messages built at run time follow the language: form validation (the request's language) and
the CLI and content loader (KB_LANGUAGE=en|sv, Swedish by default).

The same rule gives the same message in both languages, with the numbers from kb/fields.py LIMITS;
the Swedish text is the one the rest of the suite asserts.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from kb.desk_forms import AdoptionForm, ForgotPasswordForm
from kb.extensions import db
from kb.fields import LIMITS, FieldInvalid, check_length, check_link
from kb.forms import EntryForm, UserForm
from kb.models import Entry, ReviewEvent


def _errors(app, form_class, lang: str, data: dict) -> dict[str, list[str]]:
    with app.test_request_context(f"/?lang={lang}", method="POST", data=data):
        form = form_class()
        form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


BAD_ENTRY = {
    "title": "x" * (LIMITS["title"] + 1),
    "links": "ftp://kommun.se/sida",
    "contact_email": "anna.kommun.se",
    "body": "y" * (LIMITS["body"] + 2),
    "tags": ", ".join(f"tagg{i}" for i in range(LIMITS["tags"] + 1)),
}


def test_submission_form_errors_in_swedish(loaded_app):
    errors = _errors(loaded_app, EntryForm, "sv", BAD_ENTRY)
    assert errors["title"] == [f"Rubriken får ha högst {LIMITS['title']} tecken (nu {LIMITS['title'] + 1})."]
    assert errors["body"] == ["Texten får ha högst 50 000 tecken (nu 50 002)."]
    link = errors["links"][0]
    assert link.startswith("”ftp://kommun.se/sida” är ingen giltig webbadress: den börjar inte med http:// eller https://; ")
    assert f"högst {LIMITS['link']} tecken." in link
    assert errors["contact_email"] == [
        "”anna.kommun.se” är ingen giltig e-postadress: tecknet @ saknas; ange en adress som namn@kommun.se."]
    assert errors["tags"] == [f"Högst {LIMITS['tags']} nyckelord är tillåtet (nu {LIMITS['tags'] + 1})."]


def test_submission_form_errors_in_english(loaded_app):
    errors = _errors(loaded_app, EntryForm, "en", BAD_ENTRY)
    assert errors["title"] == [f"The title may have at most {LIMITS['title']} characters (it has {LIMITS['title'] + 1})."]
    assert errors["body"] == ["The text may have at most 50,000 characters (it has 50,002)."]
    link = errors["links"][0]
    assert link.startswith("“ftp://kommun.se/sida” is not a valid web address: it does not begin with http:// or https://; ")
    assert f"at most {LIMITS['link']} characters." in link
    assert errors["contact_email"] == [
        "“anna.kommun.se” is not a valid e-mail address: the @ sign is missing; enter an address such as name@municipality.se."]
    assert errors["tags"] == [f"At most {LIMITS['tags']} keywords are allowed (there are {LIMITS['tags'] + 1})."]


def test_form_labels_and_choices_follow_the_language(loaded_app):
    for lang, title, empty, tags in (("sv", "Rubrik", "– välj ämne –", f"Nyckelord (kommaseparerade, högst {LIMITS['tags']})"),
                                     ("en", "Title", "– choose a topic –", f"Keywords (comma-separated, at most {LIMITS['tags']})")):
        with loaded_app.test_request_context(f"/?lang={lang}"):
            form = EntryForm()
            assert str(form.title.label.text) == title
            assert str(form.tags.label.text) == tags
            assert str(form.category.choices[0].label) == empty
            assert str(form.save.label.text) == ("Spara utkast" if lang == "sv" else "Save draft")


# WTForms' own messages (no message of ours) come from WTForms' catalogues through Flask-WTF
# (WTF_I18N_ENABLED, on by default): Swedish pages get WTForms' Swedish, English pages its English.
BUILT_IN = {
    "sv": {"role": "Inte ett giltigt val", "name": "Fältet får inte vara längre än 200 tecken.",
           "period_start": "Inte ett giltigt heltal", "counties": "'98' är inte ett giltigt val för detta fält."},
    "en": {"role": "Not a valid choice.", "name": "Field cannot be longer than 200 characters.",
           "period_start": "Not a valid integer value.", "counties": "'98' is not a valid choice for this field."},
}


def test_wtforms_built_in_messages_follow_the_language(loaded_app):
    assert loaded_app.config.get("WTF_I18N_ENABLED", True)
    for lang, want in BUILT_IN.items():
        user = _errors(loaded_app, UserForm, lang, {"name": "n" * 201, "role": "kung", "email": "a@kommun.se",
                                                    "password": "p" * 12})
        entry = _errors(loaded_app, EntryForm, lang, {"status": "kanske", "period_start": "i fjol", "counties": ["98"]})
        assert user["role"] == [want["role"]]
        assert user["name"] == [want["name"]]
        assert entry["status"] == [want["role"]]
        assert entry["period_start"][0] == want["period_start"]
        assert entry["counties"] == [want["counties"]]


def test_desk_form_messages_in_both_languages(loaded_app):
    sv = _errors(loaded_app, AdoptionForm, "sv", {"year": "i fjol", "municipality": "", "link": "kommun.se"})
    en = _errors(loaded_app, AdoptionForm, "en", {"year": "i fjol", "municipality": "", "link": "kommun.se"})
    assert sv["year"][0] == "Ange året med fyra siffror, t.ex. 2016."
    assert en["year"][0] == "Enter the year in four digits, e.g. 2016."
    assert sv["municipality"] == ["Välj en kommun ur listan."]
    assert en["municipality"] == ["Choose a municipality from the list."]
    assert "är ingen giltig webbadress" in sv["link"][0] and "is not a valid web address" in en["link"][0]
    long = {"email": "a" * (LIMITS["email"] + 1)}
    assert _errors(loaded_app, ForgotPasswordForm, "sv", long)["email"] == [f"Högst {LIMITS['email']} tecken."]
    assert _errors(loaded_app, ForgotPasswordForm, "en", long)["email"] == [f"At most {LIMITS['email']} characters."]


def test_field_checks_outside_requests_follow_kb_language(loaded_app, monkeypatch):
    monkeypatch.setenv("KB_LANGUAGE", "en")
    # No application context at all: Swedish, whatever KB_LANGUAGE says (nothing to translate with).
    with pytest.raises(FieldInvalid) as caught:
        check_length("title", "x" * (LIMITS["title"] + 5))
    assert str(caught.value) == f"Rubriken får ha högst {LIMITS['title']} tecken (nu {LIMITS['title'] + 5})."
    # An application context outside requests (the CLI, the content loader): KB_LANGUAGE.
    with loaded_app.app_context():
        with pytest.raises(FieldInvalid) as caught:
            check_link("")
    assert str(caught.value).startswith("The web address is empty; a valid address begins with http:// or https://")
    monkeypatch.setenv("KB_LANGUAGE", "sv")
    with loaded_app.app_context():
        with pytest.raises(FieldInvalid) as caught:
            check_link("")
    assert str(caught.value).startswith("Webbadressen är tom; en giltig adress börjar med http:// eller https://")


# --- the CLI -----------------------------------------------------------------------------------


def _break(content_copy):
    """Two problems in one file: a misspelt municipality and a title one character too long."""
    path = content_copy / "examples" / "modulhus.md"
    text = path.read_text(encoding="utf-8").replace("- Jokkmokk", "- Jokmokk")
    text = text.replace("title: ", "title: " + "x" * LIMITS["title"], 1)
    path.write_text(text, encoding="utf-8")


def _load(app, *args, lang: str | None = None):
    env = {"KB_LANGUAGE": lang} if lang else {"KB_LANGUAGE": ""}
    return app.test_cli_runner().invoke(args=["kb", "load", *args], env=env)


def test_load_errors_in_swedish_by_default(make_app, content_copy):
    app = make_app()
    _break(content_copy)
    result = _load(app, str(content_copy))
    assert result.exit_code == 1
    assert f"Inget laddades: 2 fel i {content_copy}:" in result.output
    assert "modulhus.md" in result.output
    assert "fältet 'municipalities': okänd kommun 'Jokmokk'. Menade du 'Jokkmokk'? Använd kommunens officiella namn." in result.output
    assert f"fältet 'title': Rubriken får ha högst {LIMITS['title']} tecken" in result.output


def test_load_errors_in_english_with_kb_language(make_app, content_copy):
    app = make_app()
    _break(content_copy)
    result = _load(app, str(content_copy), lang="en")
    assert result.exit_code == 1
    assert f"Nothing was loaded: 2 errors in {content_copy}:" in result.output
    assert "modulhus.md" in result.output
    assert ("field 'municipalities': unknown municipality 'Jokmokk'. Did you mean 'Jokkmokk'? "
            "Use the municipality's official name.") in result.output
    assert f"field 'title': The title may have at most {LIMITS['title']} characters" in result.output
    assert "Inget laddades" not in result.output and "fältet" not in result.output


def test_load_report_in_both_languages(make_app):
    app = make_app()
    sv = _load(app)
    assert sv.exit_code == 0, sv.output
    assert "0 nya, 0 ändrade, 56 oförändrade exempel (56 filer oförändrade sedan förra laddningen lästes inte om)" in sv.output
    assert "kategorier; 0 platser uppdaterade." in sv.output
    en = _load(app, lang="en")
    assert en.exit_code == 0, en.output
    assert "0 new, 0 changed, 56 unchanged examples (56 files unchanged since the last load were not read again)" in en.output
    assert "categories; 0 places updated." in en.output


def test_changed_file_in_english_keeps_the_stored_history_swedish(make_app, content_copy):
    app = make_app()
    path = content_copy / "examples" / "modulhus.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Vad gjordes", "## Vad gjordes\n\nNytt stycke.", 1),
                    encoding="utf-8")
    result = _load(app, str(content_copy), lang="en")
    assert result.exit_code == 0, result.output
    assert "Loaded " in result.output and ": 0 new, 1 changed, 55 unchanged examples" in result.output
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        event = db.session.scalars(sa.select(ReviewEvent).where(ReviewEvent.entry_id == entry.id)
                                   .order_by(ReviewEvent.id.desc())).first()
        assert event.comment.startswith("Från innehållsfilen examples/modulhus.md")


def test_user_commands_in_both_languages(make_app):
    app = make_app(load=False)
    runner = app.test_cli_runner()
    add = ["kb", "user", "add", "ada@example.se", "--role", "admin", "--password-stdin"]
    result = runner.invoke(args=add, input="ett mycket långt lösenord\n", env={"KB_LANGUAGE": "en"})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Added ada@example.se (admin)."
    assert "enabled" in runner.invoke(args=["kb", "user", "list"], env={"KB_LANGUAGE": "en"}).output
    assert "aktiv" in runner.invoke(args=["kb", "user", "list"], env={"KB_LANGUAGE": ""}).output
    sv = runner.invoke(args=["kb", "user", "disable", "ingen@example.se"], env={"KB_LANGUAGE": "sv"})
    en = runner.invoke(args=["kb", "user", "disable", "ingen@example.se"], env={"KB_LANGUAGE": "en"})
    assert sv.exit_code == en.exit_code == 1
    assert "Ingen användare med e-postadressen 'ingen@example.se'." in sv.output
    assert "No user with the e-mail address 'ingen@example.se'." in en.output
    assert "Väntar: 0, skickade: 0, misslyckade: 0" in runner.invoke(args=["kb", "mail", "status"]).output
    assert "Waiting: 0, sent: 0, failed: 0" in runner.invoke(args=["kb", "mail", "status"], env={"KB_LANGUAGE": "en"}).output


def test_help_follows_kb_language(loaded_app, monkeypatch):
    # `flask` pushes the application context before it shows help; KB_LANGUAGE is read there.
    for lang, usage, text, flag in (
        ("sv", "Användning: flask kb load [FLAGGOR] [PATH]", "Läs in exemplen i PATH", "Visa den här hjälpen och avsluta."),
        ("en", "Usage: flask kb load [OPTIONS] [PATH]", "Load the examples in PATH", "Show this message and exit."),
    ):
        monkeypatch.setenv("KB_LANGUAGE", lang)
        with loaded_app.app_context():
            result = loaded_app.test_cli_runner().invoke(args=["kb", "load", "--help"], prog_name="flask")
        assert result.exit_code == 0, result.output
        assert usage in result.output and text in result.output and flag in result.output
