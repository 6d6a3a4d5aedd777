"""Issue 8: the web form and the content loader accept and reject the same values.

An example published through the web with an upper-case link scheme and a contact e-mail is
exported by `flask kb export` and loaded by `flask kb load` into a fresh app; and a bad value
is rejected by the form and by the loader with the same message (both come from kb/fields.py).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import yaml
from werkzeug.datastructures import MultiDict

from kb import content
from kb.extensions import db
from kb.fields import LIMITS
from kb.forms import EntryForm
from kb.models import Entry, EntryState
from tests.test_content import CATEGORIES, GOOD

from .conftest import entry, login, post

TITLE = "Cykelskola för vuxna nyanlända med länk"


def test_published_on_the_web_exports_to_files_that_load(staff_app, make_app, tmp_path):
    contributor, moderator = staff_app.test_client(), staff_app.test_client()
    assert login(contributor, "contrib_x").status_code == 302
    resp = post(contributor, "/nytt-exempel", {
        "title": TITLE,
        "summary": "Kommunen och en idrottsförening lär vuxna att cykla.",
        "category": "kvalitet-i-verksamheten", "municipalities": ["2081"], "status": "pågående",
        "body": "## Vad gjordes\n\nKurser på våren.", "tags": "cykel, sfi",
        "links": "HTTPS://example.se/x", "contact_email": "a@b.se", "contact_name": "Kim",
        "contact_public": "y", "send": "1",
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    entry_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    login(moderator, "mod_x")
    assert post(moderator, f"/granska/{entry_id}/approve").status_code == 303
    with staff_app.app_context():
        published = entry(staff_app, entry_id)
        assert published.state is EntryState.PUBLISHED
        slug = published.slug
        assert published.published_revision.links == ["https://example.se/x"]  # normalised by the form

    export = tmp_path / "export"
    result = staff_app.test_cli_runner().invoke(args=["kb", "export", str(export)])
    assert result.exit_code == 0, result.output
    front = yaml.safe_load((export / "examples" / f"{slug}.md").read_text(encoding="utf-8").split("---\n")[1])
    assert front["links"] == ["https://example.se/x"] and front["contact"]["email"] == "a@b.se"

    fresh = make_app(load=False, content_dir=export)
    result = fresh.test_cli_runner().invoke(args=["kb", "load", str(export)])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        loaded = db.session.scalars(sa.select(Entry).where(Entry.slug == slug)).one()
        rev = loaded.published_revision
        assert rev.title == TITLE
        assert rev.links == ["https://example.se/x"]
        assert rev.contact_email == "a@b.se" and rev.contact_public


def test_loader_accepts_and_normalises_an_upper_case_link(tmp_path):
    text = GOOD.replace("status: okänd", "status: okänd\nlinks:\n- HTTPS://Example.se/x")
    path = tmp_path / "ett-prov.md"
    path.write_text(text, encoding="utf-8")
    example, errors = content.parse_example(path, CATEGORIES)
    assert errors == [] and example.links == ["https://example.se/x"]


# (form field, form value, front-matter field, replacement of "status: okänd" in GOOD, or a (old, new) pair)
BAD = [
    ("links", "javascript:x", "links", "status: okänd\nlinks:\n- 'javascript:x'"),
    ("links", "http://", "links", "status: okänd\nlinks:\n- 'http://'"),
    ("links", "http://exa mple.se/x", "links", "status: okänd\nlinks:\n- 'http://exa mple.se/x'"),
    ("links", "https://example.se/" + "a" * LIMITS["link"], "links",
     "status: okänd\nlinks:\n- https://example.se/" + "a" * LIMITS["link"]),
    ("links", "\n".join(f"https://example.se/{i}" for i in range(LIMITS["links"] + 1)), "links",
     "status: okänd\nlinks:\n" + "".join(f"- https://example.se/{i}\n" for i in range(LIMITS["links"] + 1)).rstrip("\n")),
    ("contact_email", "a@b", "contact", "status: okänd\ncontact:\n  email: a@b"),
    ("contact_email", "inte-epost", "contact", "status: okänd\ncontact:\n  email: inte-epost"),
    ("contact_name", "n" * (LIMITS["contact_name"] + 1), "contact",
     "status: okänd\ncontact:\n  name: " + "n" * (LIMITS["contact_name"] + 1)),
    ("tags", ", ".join(f"t{i}" for i in range(LIMITS["tags"] + 1)), "tags",
     ("tags:\n- prov", "tags:\n" + "".join(f"- t{i}\n" for i in range(LIMITS["tags"] + 1)).rstrip("\n"))),
    ("tags", "z" * (LIMITS["tag"] + 1), "tags", ("tags:\n- prov", "tags:\n- " + "z" * (LIMITS["tag"] + 1))),
    ("title", "x" * (LIMITS["title"] + 1), "title", ("title: Ett prov", "title: " + "x" * (LIMITS["title"] + 1))),
    ("summary", "y" * (LIMITS["summary"] + 1), "summary",
     ("summary: En kort sammanfattning.", "summary: " + "y" * (LIMITS["summary"] + 1))),
]


@pytest.mark.parametrize(("form_field", "value", "file_field", "change"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_form_and_loader_reject_the_same_value_with_the_same_message(staff_app, tmp_path, form_field, value, file_field, change):
    with staff_app.test_request_context(method="POST"):
        form = EntryForm(formdata=MultiDict({form_field: value}), meta={"csrf": False})
        assert not form.validate()
        form_errors = form.errors.get(form_field)
        assert form_errors, form.errors
    old, new = change if isinstance(change, tuple) else ("status: okänd", change)
    text = GOOD.replace(old, new)
    assert text != GOOD
    path = tmp_path / "ett-prov.md"
    path.write_text(text, encoding="utf-8")
    example, errors = content.parse_example(path, CATEGORIES)
    assert example is None
    file_errors = [e.message for e in errors if e.field == file_field]
    assert file_errors, [str(e) for e in errors]
    # The loader may say which sub-field ("email: ...") before the shared message.
    assert any(message.endswith(form_errors[0]) for message in file_errors), (form_errors, file_errors)
