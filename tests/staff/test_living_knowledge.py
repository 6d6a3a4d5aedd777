"""Issue 11 checks: contacts shown by choice, freshness, "adopted by", the review desk
(diff since the last round, bulk actions, archive confirmation, expired tokens),
password reset links, role edits; and every draft save leaves a trace (issue 7)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kb import moderation
from kb.audit import Actor
from kb.extensions import db
from kb.models import AuditEvent, EntryState, Revision, User
from kb.workflow import Action

from .conftest import USERS, X, Y, entry, login, make_entry, post, user

PUBLIC_EMAIL = "anna.berg@borlange.example.se"
PRIVATE_EMAIL = "hemlig.person@falun.example.se"


@pytest.fixture(scope="module")
def desk_app(tmp_path_factory):
    """One app with staff users for this module; each test works on examples of its own."""
    from tests.conftest import AppFactory
    from tests.staff.conftest import add_staff

    factory = AppFactory(tmp_path_factory.mktemp("desk"))
    app = factory(RATELIMIT_ENABLED=False, KB_VERIFY_MONTHS=24)
    add_staff(app)  # moderators and admins enrolled in two-factor sign-in
    yield app
    factory.close()


@pytest.fixture(autouse=True)
def _no_login_limits():
    """The limiter is one object shared by every app in the process; an app built later with
    limits on would otherwise count this module's many sign-ins against the shared app."""
    from kb.extensions import limiter

    before, limiter.enabled = limiter.enabled, False
    yield
    limiter.enabled = before


def _publish_with_contact(app, title: str, public: bool, email: str, name: str) -> int:
    with app.app_context():
        author = user(app, "contrib_x")
        data = moderation.EntryInput(
            title=title, summary="Kommunen ordnar sommarjobb för nyanlända ungdomar.", category="kvalitet-i-verksamheten",
            municipalities=["2081"], body="## Vad gjordes\n\nSommarjobb i kommunens förvaltningar.",
            contact_organisation="Borlänge kommun", contact_name=name, contact_email=email,
            contact_public=public, links=["https://www.borlange.se/sommarjobb"], period_start=2013, period_end=2015,
        )
        e = moderation.create_entry(Actor(author), data)
        moderation.transition(Actor(author), e, Action.SUBMIT)
        moderation.transition(Actor(user(app, "mod_x")), e, Action.APPROVE)
        db.session.commit()
        from kb.services import reindex_entries

        reindex_entries([e.slug])
        return e.id


def test_public_contact_shown_private_never_in_page_api_export_or_search(desk_app, tmp_path):
    public_id = _publish_with_contact(desk_app, "Sommarjobb med kontakt", True, PUBLIC_EMAIL, "Anna Berg")
    private_id = _publish_with_contact(desk_app, "Sommarjobb utan publik kontakt", False, PRIVATE_EMAIL, "Hemlig Person")
    client = desk_app.test_client()
    with desk_app.app_context():
        public_slug, private_slug = entry(desk_app, public_id).slug, entry(desk_app, private_id).slug

    page = client.get(f"/exempel/{public_slug}").get_data(as_text=True)
    assert "Anna Berg" in page and "Borlänge kommun" in page
    assert PUBLIC_EMAIL not in page  # obfuscated against harvesting ...
    assert 'data-u="greb.anna"' in page and "anna.berg (snabel-a) borlange (punkt) example (punkt) se" in page  # ... but usable
    assert "https://www.borlange.se/sommarjobb" in page and "2013–2015" in page
    assert "Publicerad" in page and "Senast uppdaterad" in page
    api = client.get(f"/api/v1/examples/{public_slug}").get_json()
    assert api["contact"] == {"organisation": "Borlänge kommun", "name": "Anna Berg", "email": PUBLIC_EMAIL}
    assert api["links"] == ["https://www.borlange.se/sommarjobb"] and api["period"] == {"start": 2013, "end": 2015}
    assert re.search(r"\+0[12]:00$", api["published_at"])  # Europe/Stockholm local time

    private_page = client.get(f"/exempel/{private_slug}").get_data(as_text=True)
    private_api = client.get(f"/api/v1/examples/{private_slug}").get_data(as_text=True)
    found = client.get("/api/v1/search?q=Hemlig").get_json()
    assert found["total"] == 0  # the private name is not searchable (the query itself is echoed back)
    search = str(client.get("/api/v1/search?q=sommarjobb&per_page=100").get_json()["results"])
    assert private_slug in search  # the example itself is public ...
    search_page = client.get("/sok?q=sommarjobb").get_data(as_text=True)
    with desk_app.app_context():
        from kb.exchange import export_content

        export_content(tmp_path)
    exported = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "examples").glob("*.md"))
    for text in (private_page, private_api, search, search_page, exported):
        assert "Hemlig" not in text and "hemlig.person" not in text and "gilmeh" not in text  # ... its contact never
    assert json_contact_is_null(client, private_slug)
    assert "Anna Berg" in exported  # a public contact is part of the exchange format


def json_contact_is_null(client, slug: str) -> bool:
    return client.get(f"/api/v1/examples/{slug}").get_json()["contact"] is None


def test_mark_verified_shows_date_and_old_check_is_in_to_check_list(desk_app):
    entry_id = make_entry(desk_app, "contrib_x", X, state="published", title="Kontrollerat exempel")
    client, public = desk_app.test_client(), desk_app.test_client()
    login(client, "mod_x")
    resp = post(client, f"/granska/{entry_id}/kontrollera", {"status": "pågående", "note": "Ringt kommunen."})
    assert resp.status_code == 303
    with desk_app.app_context():
        e = entry(desk_app, entry_id)
        slug = e.slug
        assert e.published_revision.practice_status.value == "pågående"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "entry_verify", AuditEvent.object_id == str(entry_id))) == 1
    page = public.get(f"/exempel/{slug}").get_data(as_text=True)
    assert "Senast kontrollerad" in page and "av Dalarnas län" in page and "Pågående" in page
    assert "Uppgifterna kan vara inaktuella" not in page
    api = public.get(f"/api/v1/examples/{slug}").get_json()
    assert api["verification"]["verified_at"] and api["verification"]["verified_by"] == "Dalarnas län"
    assert api["verification"]["stale"] is False
    assert slug in [r["slug"] for r in public.get("/api/v1/search?verified_within=24&per_page=100").get_json()["results"]]

    # Checked 25 months ago: the notice shows and the county's list has it.
    with desk_app.app_context():
        e = entry(desk_app, entry_id)
        e.verified_at = datetime(2024, 1, 1, tzinfo=UTC).replace(year=datetime.now(UTC).year - 3)
        db.session.commit()
    page = public.get(f"/exempel/{slug}").get_data(as_text=True)
    assert "Uppgifterna kan vara inaktuella" in page
    assert public.get(f"/api/v1/examples/{slug}").get_json()["verification"]["stale"] is True
    assert "Kontrollerat exempel" in client.get("/granska/att-kontrollera").get_data(as_text=True)
    other = desk_app.test_client()
    login(other, "mod_y")
    assert "Kontrollerat exempel" not in other.get("/granska/att-kontrollera").get_data(as_text=True)
    assert slug not in [r["slug"] for r in public.get("/api/v1/search?verified_within=24&per_page=100").get_json()["results"]]


@pytest.mark.parametrize("value", ["0", "abc", "²", "601", "-3", "99999999999999999999"])
def test_verified_within_is_validated(client, value):
    resp = client.get(f"/api/v1/search?verified_within={value}")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["param"] == "verified_within"
    assert client.get(f"/sok?verified_within={value}").status_code == 400


def test_adopted_by_shown_on_both_pages_and_exported(desk_app, tmp_path):
    entry_id = make_entry(desk_app, "contrib_x", X, state="published", title="Läxhjälp som spreds")
    client = desk_app.test_client()
    login(client, "contrib_x")  # the example's own contributor may record it
    bad = post(client, f"/granska/{entry_id}/inspirerat", {"municipality": "2081", "year": "2016"})
    assert bad.status_code == 400 and "redan som exemplets egen kommun" in bad.get_data(as_text=True)
    resp = post(client, f"/granska/{entry_id}/inspirerat", {"municipality": "2080", "year": "2016", "note": "Startade med två skolor."})
    assert resp.status_code == 303
    public = desk_app.test_client()
    with desk_app.app_context():
        slug = entry(desk_app, entry_id).slug
    page = public.get(f"/exempel/{slug}").get_data(as_text=True)
    assert "Har inspirerat" in page and "Falun" in page and "Startade med två skolor." in page
    falun = public.get("/kommun/falun").get_data(as_text=True)
    assert "Falun har tagit efter" in falun and "Läxhjälp som spreds" in falun
    assert public.get(f"/api/v1/examples/{slug}").get_json()["adoption_count"] == 1
    with desk_app.app_context():
        from kb.exchange import export_content

        export_content(tmp_path)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "adoption_add")) >= 1
    text = (tmp_path / "examples" / f"{slug}.md").read_text(encoding="utf-8")
    assert "adopted_by:\n- municipality: Falun\n  year: 2016\n  note: Startade med två skolor.\n" in text


def test_content_with_adopted_by_loads_and_exports_byte_for_byte(make_app, content_copy, tmp_path):
    path = content_copy / "examples" / "kopa-villor-och-smahus.md"
    original = path.read_text(encoding="utf-8")
    head, sep, body = original.partition("\n---\n")
    path.write_text(head + "\nadopted_by:\n- municipality: Falun\n  year: 2016\n  note: Köpte fem villor.\n"
                    "- municipality: Gävle\n  year: 2018\n  link: https://www.gavle.se/villor\n  example: samarbete-med-allmannyttan"
                    + sep + body, encoding="utf-8")
    app = make_app(content_dir=content_copy, RATELIMIT_ENABLED=False)
    out = tmp_path / "out"
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["kb", "export", str(out)])
        assert result.exit_code == 0, result.output
    for source in sorted((content_copy / "examples").glob("*.md")):
        assert (out / "examples" / source.name).read_bytes() == source.read_bytes(), source.name
    page = app.test_client().get("/exempel/kopa-villor-och-smahus").get_data(as_text=True)
    assert "Gävle" in page and "Falun" in page


def test_content_adopted_by_is_validated(content_copy):
    from kb import content

    path = content_copy / "examples" / "kopa-villor-och-smahus.md"
    head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    path.write_text(head + "\nadopted_by:\n- municipality: Falu\n  year: 1850\n  example: finns-inte\n" + sep + body, encoding="utf-8")
    with pytest.raises(content.ContentInvalid) as info:
        content.parse_directory(content_copy)
    message = str(info.value)
    assert "adopted_by" in message and "okänd kommun 'Falu'" in message and "1850" in message


def test_resubmission_after_request_changes_shows_diff_limited_to_the_change(desk_app):
    entry_id = make_entry(desk_app, "contrib_x", X, state="changes_requested", title="Cykelkurs för vuxna")
    author = desk_app.test_client()
    login(author, "contrib_x")
    form = author.get(f"/redigera/{entry_id}").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', form).group(1)
    resp = post(author, f"/redigera/{entry_id}", {
        "title": "Cykelkurs för vuxna", "summary": "Volontärer hjälper nyanlända elever med läxor.",
        "category": "kvalitet-i-verksamheten", "municipalities": "2081", "status": "okänd", "tags": "läxhjälp",
        "body": "## Vad gjordes\n\nLäxhjälp varje vecka, finansierad av kommunen.", "version": version, "send": "1",
    })
    assert resp.status_code == 302
    moderator = desk_app.test_client()
    login(moderator, "mod_x")
    html = moderator.get(f"/granska/{entry_id}").get_data(as_text=True)
    since = html[html.index('id="since-heading"'):html.index("</section>", html.index('id="since-heading"'))]
    assert re.search(r"<ins>[^<]*finansierad av kommunen\.</ins>", since)
    assert "<dt>Text</dt>" in since
    for unchanged in ("<dt>Rubrik</dt>", "<dt>Sammanfattning</dt>", "<dt>Kommuner</dt>", "<dt>Nyckelord</dt>"):
        assert unchanged not in since
    with desk_app.app_context():
        e = entry(desk_app, entry_id)
        states = sorted((r.number, r.review_state.value) for r in e.revisions)
    assert states == [(1, "changes_requested"), (2, "submitted")]  # the reviewed version is kept


def test_every_draft_save_leaves_a_revision_or_an_audit_row(desk_app):
    entry_id = make_entry(desk_app, "contrib_x", X, state="draft", title="Utkast som sparas ofta")
    with desk_app.app_context():
        actor = Actor(user(desk_app, "contrib_x"))
        for i in range(5):
            e = entry(desk_app, entry_id)
            data = moderation.EntryInput.from_revision(e.working_revision)
            data.body += f"\n\nTillägg {i}."
            moderation.save_entry(actor, e, data, e.version_id)
            db.session.commit()
        e = entry(desk_app, entry_id)
        moderation.save_entry(actor, e, moderation.EntryInput.from_revision(e.working_revision), e.version_id)
        db.session.commit()
        revisions = db.session.scalar(sa.select(sa.func.count()).select_from(Revision).where(Revision.entry_id == entry_id))
        saves = list(db.session.scalars(sa.select(AuditEvent.detail).where(
            AuditEvent.action == "entry_save", AuditEvent.object_id == str(entry_id)).order_by(AuditEvent.id)))
    assert revisions == 6 and len(saves) == 6
    assert saves[0] == "version 1 → 2: Text" and saves[-1] == "version 6: inga ändringar"
    client = desk_app.test_client()
    login(client, "contrib_x")
    history = client.get(f"/granska/{entry_id}/historik?a=5&b=6").get_data(as_text=True)
    assert "Vad ändrades i version 6" in history, history[history.find("<main"):][:3000]
    assert re.search(r"<ins>[^<]*Tillägg 4\.</ins>", history)


def test_bulk_approve_three_of_own_county_and_refuse_other_county(desk_app):
    ids = [make_entry(desk_app, "contrib_x", X, title=f"Massgodkännande {i}") for i in range(3)]
    foreign = make_entry(desk_app, "contrib_y", Y, title="Skånskt exempel i urvalet")
    client = desk_app.test_client()
    login(client, "mod_x")
    queue = client.get("/granska").get_data(as_text=True)
    assert all(f'value="{i}"' in queue for i in ids) and f'value="{foreign}"' not in queue
    with desk_app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    resp = client.post("/granska/massatgard", data={
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', queue).group(1),
        "bulk_action": "approve", "ids": [str(ids[0]), str(foreign), str(ids[1]), str(ids[2])],
    })
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "3 av 4 exempel klara" in html and "Skånskt exempel" not in html
    with desk_app.app_context():
        assert all(entry(desk_app, i).state is EntryState.PUBLISHED for i in ids)
        assert entry(desk_app, foreign).state is EntryState.SUBMITTED
        rows = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before)))
    approvals = [r for r in rows if r.action == "entry_approve"]
    assert sorted(int(r.object_id) for r in approvals) == sorted(ids)
    assert [r.object_id for r in rows if r.action == "bulk_refused"] == [str(foreign)]


def test_bulk_refusals_are_shown_in_english_and_stored_in_swedish(desk_app):
    published = make_entry(desk_app, "contrib_x", X, state="published", title="Redan publicerat i urvalet")
    foreign = make_entry(desk_app, "contrib_y", Y, title="Annat län i urvalet")
    client = desk_app.test_client()
    login(client, "mod_x")
    queue = client.get("/granska?lang=en").get_data(as_text=True)
    with desk_app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    resp = client.post("/granska/massatgard", data={
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', queue).group(1),
        "bulk_action": "approve", "ids": [str(published), str(foreign)],
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "0 of 2 examples done" in html
    assert "“Approve and publish” is not possible" in html and "The example does not exist or does not belong" in html
    assert "går inte" not in html and "hör inte till ditt län" not in html
    with desk_app.app_context():
        details = {r.object_id: r.detail for r in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > before, AuditEvent.action == "bulk_refused"))}
        assert entry(desk_app, published).state is EntryState.PUBLISHED and entry(desk_app, foreign).state is EntryState.SUBMITTED
    assert details[str(published)].startswith("approve: ”Godkänn och publicera” går inte: exemplet är publicerat")
    assert details[str(foreign)] == "approve: Exemplet finns inte eller hör inte till ditt län."


def test_bulk_respects_four_eyes_rule(desk_app):
    own = make_entry(desk_app, "mod_x", X, title="Eget förslag av moderatorn")
    client = desk_app.test_client()
    login(client, "mod_x")
    resp = post(client, "/granska/massatgard", {"bulk_action": "approve", "ids": [str(own)]})
    assert "0 av 1 exempel klara" in resp.get_data(as_text=True) and "själv har skrivit" in resp.get_data(as_text=True)
    with desk_app.app_context():
        assert entry(desk_app, own).state is EntryState.SUBMITTED


@pytest.mark.parametrize("ids", [[], ["x"], ["²"], ["99999999999999999999"]])
def test_bulk_rejects_bad_selection_with_400(desk_app, ids):
    client = desk_app.test_client()
    login(client, "mod_x")
    resp = post(client, "/granska/massatgard", {"bulk_action": "approve", "ids": ids})
    assert resp.status_code == 400 and "Massåtgärden gjordes inte" in resp.get_data(as_text=True)


def test_expired_token_keeps_the_typed_text(desk_app):
    client = desk_app.test_client()
    login(client, "contrib_x")
    resp = client.post("/nytt-exempel", data={
        "csrf_token": "utgången-token", "title": "Text som inte får försvinna", "body": "Lång text om läxhjälp.",
        "save": "1",
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Sidan hade varit öppen för länge" in html
    assert 'value="Text som inte får försvinna"' in html and "Lång text om läxhjälp." in html
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    again = client.post("/nytt-exempel", data={"csrf_token": token, "title": "Text som inte får försvinna", "status": "okänd", "category": "", "save": "1"})
    assert again.status_code == 302  # the new token works


def test_admin_reset_link_is_single_use_and_hashed(desk_app):
    admin = desk_app.test_client()
    login(admin, "admin")
    with desk_app.app_context():
        target = user(desk_app, "contrib_x2").id
    page = post(admin, f"/admin/anvandare/{target}/aterstallningslank").get_data(as_text=True)
    link = re.search(r"<code>(http[^<]+)</code>", page).group(1)
    token = link.rsplit("/", 1)[1]
    with desk_app.app_context():
        from kb.models import PasswordReset

        assert token not in {r.token_hash for r in db.session.scalars(sa.select(PasswordReset))}
    anon = desk_app.test_client()
    path = "/aterstall/" + token
    weak = post(anon, path, {"new": "kort", "repeat": "kort"}, token_page=path)
    assert weak.status_code == 400
    new_password = "ett helt nytt och långt lösenord 77"
    assert post(anon, path, {"new": new_password, "repeat": new_password}, token_page=path).status_code == 303
    assert anon.get(path).status_code == 410  # used
    assert login(desk_app.test_client(), "contrib_x2", new_password).status_code == 302


def test_admin_edits_role_and_county_audited(desk_app):
    admin = desk_app.test_client()
    login(admin, "admin")
    with desk_app.app_context():
        target = user(desk_app, "contrib_y").id
    bad = post(admin, f"/admin/anvandare/{target}", {"role": "moderator", "county": ""})
    assert bad.status_code == 400 and "måste höra till ett län" in bad.get_data(as_text=True)
    assert post(admin, f"/admin/anvandare/{target}", {"role": "moderator", "county": "12"}).status_code == 303
    with desk_app.app_context():
        u = db.session.get(User, target)
        assert u.role.value == "moderator" and u.county_code == "12"
        row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user_role")).one()
        assert (row.from_state, row.to_state) == ("contributor:12", "moderator:12")
    moderator = desk_app.test_client()
    login(moderator, "mod_x")
    assert post(moderator, f"/admin/anvandare/{target}", {"role": "admin", "county": ""}).status_code == 403


def test_review_shows_lix_and_whole_page_preview(desk_app):
    entry_id = make_entry(desk_app, "contrib_x", X, title="Exempel med läsbarhet")
    client = desk_app.test_client()
    login(client, "mod_x")
    html = client.get(f"/granska/{entry_id}").get_data(as_text=True)
    assert "Läsbarhet (LIX)" in html and "Så här ser sidan ut publikt" in html
    preview = post(client, "/nytt-exempel", {"title": "Förhandsvisning", "summary": "Kort text.", "municipalities": "2081",
                                             "category": "kvalitet-i-verksamheten", "body": "Hela sidan visas.",
                                             "status": "okänd", "preview": "1"}).get_data(as_text=True)
    assert "så här ser sidan ut publikt" in preview and "Borlänge" in preview and "Kvalitet i verksamhet och insatser" in preview


def test_lix_and_swedish_collation():
    from kb.collation import sv_key
    from kb.readability import lix

    result = lix("Kommunen köper villor. Den hyr ut dem till nyanlända familjer.")
    assert (result.words, result.sentences, result.long_words, result.value) == (10, 2, 3, 35)
    assert result.band.startswith("Medelsvår")
    assert lix("") is None
    assert sorted(["Örebro", "Ale", "Åre", "Älmhult", "Zinkgruvan"], key=sv_key) == ["Ale", "Zinkgruvan", "Åre", "Älmhult", "Örebro"]


def test_freshness_reminders_address_county_moderators_with_links(desk_app):
    from kb import freshness

    with desk_app.app_context():
        reminders = {r.county_code: r for r in freshness.reminders()}
    assert X in reminders and reminders[X].recipients == sorted([USERS["mod_x"][0], USERS["mod_x2"][0]])
    assert all(f"/exempel/{slug}" in reminders[X].body for slug in reminders[X].slugs)
    assert all(mod not in reminders.get(Y, freshness.Reminder(Y, [], "", "", [])).recipients
               for mod in (USERS["mod_x"][0], USERS["mod_x2"][0]))


def test_remind_stale_puts_one_message_per_moderator_in_the_outbox_once_a_week(desk_app):
    import sqlalchemy as sa

    from kb.models import OutboxMessage

    with desk_app.app_context():
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.kind == "freshness_reminder"))
        db.session.commit()
    result = desk_app.test_cli_runner().invoke(args=["kb", "remind-stale"])
    assert result.exit_code == 0, result.output
    assert f"Län {X}:" in result.output and USERS["mod_x"][0] in result.output
    with desk_app.app_context():
        rows = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "freshness_reminder")))
        to = sorted(r.to_addr for r in rows)
        assert USERS["mod_x"][0] in to and USERS["mod_x2"][0] in to and len(to) == len(set(to))
        assert USERS["contrib_x"][0] not in to and USERS["admin"][0] not in to
        mine = next(r for r in rows if r.to_addr == USERS["mod_x"][0])
        assert "http" in mine.body and "/exempel/" in mine.body and "/granska/att-kontrollera" in mine.body
    again = desk_app.test_cli_runner().invoke(args=["kb", "remind-stale"])
    assert again.exit_code == 0 and "Inga påminnelser" in again.output  # not again within the week
    with desk_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "freshness_reminder")) == len(rows)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("note", "rad\x00brytning", None),  # refused here, or earlier by a request-wide input boundary
    ("link", "javascript:alert(1)", "http://"),
    ("link", "http://[::1", "http://"),
    ("example", "Inte En Slug", "små bokstäver"),
    ("example", "finns-inte-alls", "Inget publicerat exempel"),
    ("year", "tjugohundra", "Ange året med fyra siffror"),
    ("municipality", "9999", "Välj en kommun ur listan"),
])
def test_adoption_bad_input_gets_a_clear_400(desk_app, field, value, message):
    entry_id = make_entry(desk_app, "contrib_x", X, state="published", title=f"Inspirerande {field} {len(value)} {value[:3]!r}")
    client = desk_app.test_client()
    login(client, "mod_x")
    resp = post(client, f"/granska/{entry_id}/inspirerat", {"municipality": "2080", "year": "2016", field: value})
    assert resp.status_code == 400
    assert message is None or message in resp.get_data(as_text=True)


@pytest.mark.parametrize("note", ["rad\nbrytning", "tab\there", "nel\x85here", "csi\x9bhere", "del\x7fhere"])
def test_adoption_note_with_any_control_character_is_refused_by_the_use_case_too(desk_app, note):
    from kb import adoption

    entry_id = make_entry(desk_app, "contrib_x", X, state="published", title=f"Styrtecken {note.encode().hex()}")
    with desk_app.app_context():
        with pytest.raises(adoption.AdoptionInvalid, match="styrtecken") as refused:
            adoption.record_adoption(Actor(user(desk_app, "mod_x")), entry(desk_app, entry_id), "2080", 2016, note=note)
        assert refused.value.field == "note"
        db.session.rollback()
        assert entry(desk_app, entry_id).adoptions == []


def test_four_concurrent_first_edits_of_a_published_example_one_saved_three_conflicts(desk_app):
    """Each save takes the entry's row lock before a revision number: no UniqueViolation on PostgreSQL."""
    import threading

    entry_id = make_entry(desk_app, "contrib_x", X, state="published", title="Samtidigt redigerat exempel")
    with desk_app.app_context():
        e = entry(desk_app, entry_id)
        version, loaded = e.version_id, moderation.EntryInput.from_revision(e.published_revision)
    barrier, outcomes = threading.Barrier(4), []

    def editor(key: str, text: str):
        barrier.wait()
        with desk_app.app_context():
            try:
                moderation.save_entry(Actor(user(desk_app, key)), entry(desk_app, entry_id),
                                      moderation.EntryInput(**{**loaded.__dict__, "body": text}), version)
                db.session.commit()
                outcomes.append("saved")
            except (moderation.EditConflict, sa.orm.exc.StaleDataError):
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=editor, args=(key, f"Text {i}"))
               for i, key in enumerate(["mod_x", "mod_x2", "admin", "contrib_x"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "saved"]


def test_expired_token_on_the_review_desk_keeps_the_comment(desk_app):
    entry_id = make_entry(desk_app, "contrib_x", X, title="Kommentar som inte får försvinna")
    client = desk_app.test_client()
    login(client, "mod_x")
    resp = client.post(f"/granska/{entry_id}/request_changes",
                       data={"csrf_token": "gammal", "comment": "Beskriv vem som betalar."})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Sidan hade varit öppen för länge" in html
    assert ">Beskriv vem som betalar.</textarea>" in html
    with desk_app.app_context():
        assert entry(desk_app, entry_id).state is EntryState.SUBMITTED  # nothing happened


def test_verify_with_unknown_status_gets_a_clear_400_and_changes_nothing(desk_app):
    entry_id = make_entry(desk_app, "contrib_x", X, state="published", title="Kontroll med fel läge")
    client = desk_app.test_client()
    login(client, "mod_x")
    resp = post(client, f"/granska/{entry_id}/kontrollera", {"status": "kanske"})
    assert resp.status_code == 400 and "Välj ett läge ur listan" in resp.get_data(as_text=True)
    with desk_app.app_context():
        assert entry(desk_app, entry_id).verified_at is None
