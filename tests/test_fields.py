"""kb/fields.py: the one home of field limits and validators."""
from __future__ import annotations

import pytest

from kb import fields
from kb.fields import LIMITS, FieldInvalid, check_email, check_length, check_link, check_links, check_tags


@pytest.mark.parametrize(("raw", "normalised"), [
    ("https://example.se/x", "https://example.se/x"),
    ("HTTPS://Example.se/x", "https://example.se/x"),
    ("  http://KOMMUN.se/Sida?A=B#Del  ", "http://kommun.se/Sida?A=B#Del"),  # path, query and fragment keep their case
    ("http://Namn:Hemligt@Host.SE:8080/", "http://Namn:Hemligt@host.se:8080/"),
    ("https://example.se/?", "https://example.se/?"),  # nothing dropped
    ("https://åre.se/", "https://åre.se/"),
])
def test_check_link_accepts_and_normalises(raw, normalised):
    assert check_link(raw) == normalised


@pytest.mark.parametrize(("raw", "reason"), [
    ("javascript:x", "börjar inte med http:// eller https://"),
    ("ftp://example.se/x", "börjar inte med http:// eller https://"),
    ("example.se/x", "börjar inte med http:// eller https://"),
    ("http://", "värdnamnet saknas"),
    ("https:///x", "värdnamnet saknas"),
    ("http://exa mple.se/x", "mellanslag"),
    ("http://example.se/a\tb", "mellanslag"),
    ("http://example.se/\x00", "styrtecken"),
    ("http://[::1/x", "går inte att tolka"),
    ("http://example.se:99999/", "går inte att tolka"),
    ("", "tom"),
    ("   ", "tom"),
])
def test_check_link_rejects_with_what_is_wrong_and_what_is_valid(raw, reason):
    with pytest.raises(FieldInvalid) as caught:
        check_link(raw)
    message = str(caught.value)
    assert reason in message
    assert "http:// eller https://" in message and f"högst {LIMITS['link']} tecken" in message


def test_check_link_over_long_names_the_limit():
    at_limit = "https://example.se/" + "a" * (LIMITS["link"] - len("https://example.se/"))
    assert check_link(at_limit) == at_limit
    with pytest.raises(FieldInvalid) as caught:
        check_link(at_limit + "a")
    assert f"{LIMITS['link'] + 1} tecken" in str(caught.value) and f"högst {LIMITS['link']}" in str(caught.value)


def test_check_link_is_a_value_error():
    assert issubclass(FieldInvalid, ValueError)


def test_check_links_counts_and_normalises_each():
    assert check_links(["HTTP://A.se", "", " https://b.se/x "]) == ["http://a.se", "https://b.se/x"]
    with pytest.raises(FieldInvalid, match=f"Högst {LIMITS['links']} länkar"):
        check_links([f"https://e.se/{i}" for i in range(LIMITS["links"] + 1)])


@pytest.mark.parametrize(("raw", "normalised"), [
    ("a@b.se", "a@b.se"),
    (" a@b.se ", "a@b.se"),
    ("Namn.Efternamn@Kommun.SE", "Namn.Efternamn@kommun.se"),
])
def test_check_email_accepts_and_normalises(raw, normalised):
    assert check_email(raw) == normalised


@pytest.mark.parametrize("raw", ["a@b", "a", "a@", "@b.se", "a b@c.se", "a@@b.se", ""])
def test_check_email_rejects(raw):
    with pytest.raises(FieldInvalid, match="(?i)e-postadress"):
        check_email(raw)


def test_check_email_over_long_names_the_limit():
    with pytest.raises(FieldInvalid, match=f"högst {LIMITS['email']}"):
        check_email("a" * 64 + "@" + "b" * 200 + ".se")


def test_check_tags():
    assert check_tags([" Cykel", "SFI", ""]) == ["cykel", "sfi"]
    with pytest.raises(FieldInvalid, match=f"Högst {LIMITS['tags']} nyckelord"):
        check_tags([f"t{i}" for i in range(LIMITS["tags"] + 1)])
    with pytest.raises(FieldInvalid, match=f"högst {LIMITS['tag']} tecken"):
        check_tags(["x" * (LIMITS["tag"] + 1)])


@pytest.mark.parametrize("name", ["title", "summary", "body", "slug", "contact_organisation", "contact_name",
                                  "source_title", "adoption_note", "verify_note", "comment"])
def test_length_messages_name_the_limit_from_limits(name):
    limit = LIMITS[name]
    assert check_length(name, " " + "x" * limit + " ") == "x" * limit
    with pytest.raises(FieldInvalid) as caught:
        check_length(name, "x" * (limit + 1))
    assert f"högst {fields.number(limit)} tecken" in str(caught.value)


def test_title_limit_is_150_and_the_message_says_so():
    with pytest.raises(FieldInvalid, match="Rubriken får ha högst 150 tecken"):
        check_length("title", "x" * 151)


def test_numbers_are_written_the_swedish_way():
    assert fields.number(50_000) == "50 000" and fields.number(500) == "500"


def test_database_columns_follow_the_limits():
    from kb.models import Adoption, Entry, Revision, SavedSearch, Tag, User

    assert Revision.__table__.c.title.type.length == LIMITS["title"]
    assert Revision.__table__.c.contact_email.type.length == LIMITS["email"]
    assert Revision.__table__.c.contact_name.type.length == LIMITS["contact_name"]
    assert Revision.__table__.c.contact_organisation.type.length == LIMITS["contact_organisation"]
    assert Revision.__table__.c.source_title.type.length == LIMITS["source_title"]
    assert Entry.__table__.c.slug.type.length == LIMITS["slug"]
    assert Tag.__table__.c.name.type.length == LIMITS["tag"]
    assert Adoption.__table__.c.link.type.length == LIMITS["link"]
    assert Adoption.__table__.c.note.type.length == LIMITS["adoption_note"]
    assert User.__table__.c.email.type.length == LIMITS["email"]
    assert SavedSearch.__table__.c.email.type.length == LIMITS["email"]


def test_limits_is_a_template_global(make_app):
    app = make_app(load=False)
    with app.app_context():
        assert app.jinja_env.globals["limits"] is LIMITS
