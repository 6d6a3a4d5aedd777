"""The input boundary on staff routes: huge ids, revision numbers, nested YAML, CR/LF in next, no version."""
from __future__ import annotations

import html

import sqlalchemy as sa

from kb.extensions import db
from kb.models import SynonymSet

from .conftest import PASSWORD, USERS, X, csrf_from, entry, login, make_entry, post


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_staff_routes_bad_numbers_yaml_next_and_missing_version(staff_app):
    """One app for the staff-side checks: huge ids, revision numbers, nested YAML, CR/LF in next, no version."""
    admin = staff_app.test_client()
    login(admin, "admin")
    assert admin.get("/granska/" + "9" * 25).status_code == 404  # beyond 64 bits: no such example, not an overflow
    assert admin.get(f"/granska/{2**31}").status_code == 404
    assert admin.get("/admin/logg?page=%C2%B2").status_code == 400

    entry_id = make_entry(staff_app, "contrib_x", X, state="published")
    resp = admin.get(f"/granska/{entry_id}/historik?a=%C2%B2")
    assert resp.status_code == 400 and "'a' ska vara numret på en version" in _text(resp)
    assert admin.get(f"/granska/{entry_id}/historik?b=99").status_code == 400
    assert admin.get(f"/granska/{entry_id}/historik?a=1&b=1").status_code == 200

    with staff_app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(SynonymSet.id)))
    resp = post(admin, "/admin/synonymer", {"text": "groups:\n" + "- " * 3000 + "x"})
    assert resp.status_code == 400 and "nästlade mer än" in _text(resp)
    with staff_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SynonymSet.id))) == before

    # CR/LF in next after a successful login is an invalid target: home page, no header injection
    contributor = staff_app.test_client()
    token = csrf_from(contributor)
    resp = contributor.post("/logga-in", data={"email": USERS["contrib_x"][0], "password": PASSWORD,
                                               "next": "/sok\r\nSet-Cookie: evil=1", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/mina-exempel"
    assert not any("evil" in h for h in resp.headers.getlist("Set-Cookie"))

    # an edit POST without `version` never overwrites: the comparison page, nothing saved
    with staff_app.app_context():
        published_title = entry(staff_app, entry_id).published_revision.title
        working_before = entry(staff_app, entry_id).working_revision_id
    resp = post(admin, f"/redigera/{entry_id}", {
        "title": "Skriven utan version", "summary": "S.", "category": "kvalitet-i-verksamheten",
        "municipalities": ["2081"], "status": "pågående", "body": "Text.", "save": "1",
    })
    assert resp.status_code == 409
    html = _text(resp)
    assert "saknade uppgiften om vilken version" in html and 'value="Skriven utan version"' in html
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        assert e.published_revision.title == published_title and e.working_revision_id == working_before
