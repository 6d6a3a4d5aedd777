"""The whole review cycle through real HTTP requests with CSRF on."""
from __future__ import annotations

import re

from kb.models import EntryState, RevisionState

from .conftest import X, entry, login, make_entry, post


def _new_example(client, **overrides):
    data = {
        "title": "Cykelskola för vuxna nyanlända i Borlänge",
        "summary": "Kommunen och en idrottsförening lär vuxna att cykla så att fler kan ta sig till jobb och sfi.",
        "category": "kvalitet-i-verksamheten", "municipalities": ["2081"], "status": "pågående",
        "body": "## Vad gjordes\n\nKurser på våren.", "tags": "cykel, sfi", "links": "https://example.se/cykel",
        "send": "1",
    }
    data.update(overrides)
    return post(client, "/nytt-exempel", data)


def test_full_cycle_submit_request_changes_fix_approve_and_find(staff_app):
    contributor, mod1, mod2 = staff_app.test_client(), staff_app.test_client(), staff_app.test_client()
    assert login(contributor, "contrib_x").status_code == 302
    resp = _new_example(contributor)
    assert resp.status_code == 302
    entry_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    with staff_app.app_context():
        assert entry(staff_app, entry_id).state is EntryState.SUBMITTED

    login(mod1, "mod_x")
    assert "Cykelskola" in mod1.get("/granska").get_data(as_text=True)
    # Request changes needs a comment.
    resp = post(mod1, f"/granska/{entry_id}/request_changes", {"comment": ""})
    assert resp.status_code == 400  # the review page again, the error next to the buttons
    assert 'id="comment-err"' in resp.get_data(as_text=True)
    with staff_app.app_context():
        assert entry(staff_app, entry_id).state is EntryState.SUBMITTED
    resp = post(mod1, f"/granska/{entry_id}/request_changes", {"comment": "Beskriv hur kurserna finansieras."})
    assert resp.status_code == 303
    with staff_app.app_context():
        assert entry(staff_app, entry_id).state is EntryState.CHANGES_REQUESTED

    page = contributor.get(f"/granska/{entry_id}").get_data(as_text=True)
    assert "Beskriv hur kurserna finansieras." in page
    form = contributor.get(f"/redigera/{entry_id}").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    resp = _new_example(contributor, body="## Vad gjordes\n\nKurser på våren, betalda av integrationsmedel.", version=version)
    resp = post(contributor, f"/redigera/{entry_id}", {
        "title": "Cykelskola för vuxna nyanlända i Borlänge", "summary": "Kommunen lär vuxna att cykla.",
        "category": "kvalitet-i-verksamheten", "municipalities": ["2081"], "status": "pågående",
        "body": "## Vad gjordes\n\nKurser på våren, betalda av kommunen.", "tags": "cykel", "version": version, "send": "1",
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]

    # The moderator who asked can approve too (they did not write it); here a second one does.
    login(mod2, "mod_x2")
    resp = post(mod2, f"/granska/{entry_id}/approve")
    assert resp.status_code == 303
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        assert e.state is EntryState.PUBLISHED and e.published_revision.review_state is RevisionState.APPROVED
        slug = e.slug
    public = staff_app.test_client()
    results = public.get("/api/v1/search?q=cykelskola").get_json()["results"]
    assert results and results[0]["slug"] == slug
    assert public.get(f"/exempel/{slug}").status_code == 200


def test_new_example_with_missing_fields_keeps_everything_typed(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = _new_example(client, title="", summary="", body="Bara lite text som inte får försvinna.")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Ange en rubrik." in html and "Kontrollera formuläret" in html
    assert "Bara lite text som inte får försvinna." in html
    assert 'value="cykel, sfi"' in html


def test_draft_can_be_saved_incomplete(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = _new_example(client, title="", summary="", municipalities=[], send=None, save="1")
    assert resp.status_code == 302
    entry_id = int(re.search(r"/(\d+)", resp.headers["Location"]).group(1))
    with staff_app.app_context():
        saved = entry(staff_app, entry_id)
        assert saved.state is EntryState.DRAFT and saved.working_revision.review_state is RevisionState.DRAFT
        assert saved.working_revision.title == "" and saved.published_revision is None


def test_field_limits_are_enforced_with_messages(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = _new_example(client, title="x" * 151, links="javascript:alert(1)", tags=",".join(f"t{i}" for i in range(21)))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "högst 150 tecken" in html and "http:// eller https://" in html and "Högst 20 nyckelord" in html


def test_preview_renders_with_the_same_sanitiser_and_saves_nothing(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = _new_example(client, body="**fet** <script>alert(1)</script> [x](javascript:alert(1))", send=None, preview="1")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<strong>fet</strong>" in html and "<script>alert(1)</script>" not in html and 'href="javascript' not in html
    assert "Förhandsgranskning" in html


def test_similar_examples_are_shown_before_submitting(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = _new_example(client, title="Kommunen köper villor", summary="Vi köper villor och småhus.", send=None, preview="1")
    html = resp.get_data(as_text=True)
    assert "Liknande exempel finns redan" in html and "kopa-villor-och-smahus" in html


def test_owner_county_is_shown_before_submitting(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    html = _new_example(client, municipalities=["2081", "1280"], send=None, preview="1").get_data(as_text=True)
    assert "granskas av <strong>Dalarnas län</strong>" in html  # spans two counties: the author's own


def test_illegal_transition_is_409_with_explanation(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="draft")
    client = staff_app.test_client()
    login(client, "mod_x")
    resp = post(client, f"/granska/{entry_id}/approve")
    assert resp.status_code == 409
    assert "går bara från" in resp.get_data(as_text=True)


def test_moderator_cannot_approve_own_submission(staff_app):
    entry_id = make_entry(staff_app, "mod_x", X, state="submitted")
    client = staff_app.test_client()
    login(client, "mod_x")
    resp = post(client, f"/granska/{entry_id}/approve")
    assert resp.status_code == 403
    assert "själv har skrivit" in resp.get_data(as_text=True)
    other = staff_app.test_client()
    login(other, "mod_x2")
    assert post(other, f"/granska/{entry_id}/approve").status_code == 303


def test_editing_published_keeps_it_live_until_approved(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published")
    with staff_app.app_context():
        slug = entry(staff_app, entry_id).slug
    client = staff_app.test_client()
    login(client, "mod_x")
    form = client.get(f"/redigera/{entry_id}").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    resp = post(client, f"/redigera/{entry_id}", {
        "title": "Läxhjälp – ny rubrik zebra", "summary": "Ny sammanfattning.", "category": "kvalitet-i-verksamheten",
        "municipalities": ["2081"], "status": "pågående", "body": "Ny text.", "version": version, "send": "1",
    })
    assert resp.status_code == 302
    public = staff_app.test_client()
    assert "zebra" not in public.get(f"/exempel/{slug}").get_data(as_text=True)
    assert public.get("/api/v1/search?q=zebra").get_json()["total"] == 0
    review = client.get(f"/granska/{entry_id}").get_data(as_text=True)
    assert "<ins>" in review and "zebra" in review  # diff against the live version
    other = staff_app.test_client()
    login(other, "mod_x2")
    assert post(other, f"/granska/{entry_id}/approve").status_code == 303
    assert "zebra" in public.get(f"/exempel/{slug}").get_data(as_text=True)
    assert public.get("/api/v1/search?q=zebra").get_json()["total"] == 1


def test_archive_hides_and_republish_restores(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published")
    with staff_app.app_context():
        slug = entry(staff_app, entry_id).slug
    client, public = staff_app.test_client(), staff_app.test_client()
    login(client, "mod_x")
    confirm_page = post(client, f"/granska/{entry_id}/archive")
    assert confirm_page.status_code == 200 and "Ja, arkivera" in confirm_page.get_data(as_text=True)
    assert public.get(f"/exempel/{slug}").status_code == 200  # nothing happens before the confirmation
    assert post(client, f"/granska/{entry_id}/archive", {"confirm": "ja"}).status_code == 303
    assert public.get(f"/exempel/{slug}").status_code == 404
    assert slug not in [r["slug"] for r in public.get("/api/v1/search?q=läxhjälp").get_json()["results"]]
    assert post(client, f"/granska/{entry_id}/republish").status_code == 303
    assert public.get(f"/exempel/{slug}").status_code == 200


def test_history_lists_revisions_events_and_diffs(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published")
    client = staff_app.test_client()
    login(client, "mod_x")
    html = client.get(f"/granska/{entry_id}/historik").get_data(as_text=True)
    assert "Versioner" in html and "kim@borlange.example.se" in html
    # Events and states by their labels from the catalogue (kb/labels.py), never as raw codes.
    assert "<td>Godkänt och publicerat</td>" in html and "Inskickat för granskning" in html
    assert not re.search(r"<td>(approve|submit|request_changes)</td>", html)
    assert "submitted →" not in html and "→ approved" not in html


def test_crlf_from_browsers_is_stored_as_lf(staff_app):
    client = staff_app.test_client()
    login(client, "contrib_x")
    resp = _new_example(client, body="## Vad gjordes\r\n\r\nRad ett.\r\nRad två.", send=None, save="1")
    entry_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    with staff_app.app_context():
        assert "\r" not in entry(staff_app, entry_id).working_revision.body


def test_word_diff_marks_only_changed_words():
    from kb.diff import word_diff

    html = str(word_diff("Kommunen köper villor i Borlänge.", "Kommunen hyr villor i Borlänge."))
    assert "<del>köper </del><ins>hyr </ins>" in html and "Kommunen " in html and "<del>Kommunen" not in html
