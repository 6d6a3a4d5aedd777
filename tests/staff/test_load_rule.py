"""`flask kb load` never overwrites the web's work: the three-way rule for examples and synonyms."""
from __future__ import annotations

import shutil

import sqlalchemy as sa

from kb import exchange, moderation
from kb.extensions import db
from kb.models import AuditEvent, ContentFile, Entry, ReviewEvent, Revision, SynonymSet
from tests.conftest import CONTENT
from tests.staff.conftest import X, entry, login, make_entry, post

SLUG = "borlange-business-meeting"  # a seed example in Dalarnas län (county X)
WEB_TEXT = "Webbredaktionens text om näringslivsträffarna zebrafink."


def _copy(tmp_path):
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    return dest


def _load(app, root, *extra):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["kb", "load", str(root), *extra])


def _edit_over_http(app, slug: str, body: str) -> None:
    """mod_x proposes an edit of a published example; mod_x2 approves it (both over HTTP)."""
    with app.app_context():
        e = db.session.scalars(sa.select(Entry).where(Entry.slug == slug)).one()
        entry_id, data = e.id, moderation.EntryInput.from_revision(e.published_revision)
    editor, approver = app.test_client(), app.test_client()
    login(editor, "mod_x")
    form = editor.get(f"/redigera/{entry_id}").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    resp = post(editor, f"/redigera/{entry_id}", {
        "title": data.title, "summary": data.summary, "category": data.category,
        "municipalities": data.municipalities, "counties": data.counties, "tags": ", ".join(data.tags),
        "status": data.status, "body": body, "version": version, "send": "1",
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    login(approver, "mod_x2")
    assert post(approver, f"/granska/{entry_id}/approve").status_code == 303


def _public_body(app, slug: str) -> str:
    return app.test_client().get(f"/api/v1/examples/{slug}").get_json()["markdown"]


def _counts(app, slug: str) -> tuple[int, int, int]:
    with app.app_context():
        e = db.session.scalars(sa.select(Entry).where(Entry.slug == slug)).one()
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Revision).where(Revision.entry_id == e.id)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ReviewEvent).where(ReviewEvent.entry_id == e.id)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
        )


def test_web_edit_survives_load_and_a_changed_file_is_a_conflict(staff_app, tmp_path):
    root = _copy(tmp_path)
    _edit_over_http(staff_app, SLUG, WEB_TEXT)
    assert _public_body(staff_app, SLUG) == WEB_TEXT

    # The load `make run` does at every start: files unchanged, the web's edit stays public.
    result = _load(staff_app, root)
    assert result.exit_code == 0, result.output
    assert "0 nya, 0 ändrade, 56 oförändrade" in result.output
    assert _public_body(staff_app, SLUG) == WEB_TEXT

    # The same example's file changes too: a conflict naming file, entry and who did what; nothing changes.
    path = root / "examples" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Vad gjordes", "## Vad gjordes\n\nFilens nya stycke.", 1), encoding="utf-8")
    before = _counts(staff_app, SLUG)
    result = _load(staff_app, root)
    assert result.exit_code == 0, result.output
    assert f"KONFLIKT examples/{SLUG}.md ↔ {SLUG}" in result.output
    assert "max@dalarna.example.se godkände" in result.output  # who changed it on the web, and when
    assert "lämnades orört" in result.output and "0 ändrade" in result.output
    assert _public_body(staff_app, SLUG) == WEB_TEXT
    assert _counts(staff_app, SLUG) == before

    # --force lets the file win, as a new revision with a review event and an audit row.
    result = _load(staff_app, root, "--force")
    assert result.exit_code == 0, result.output
    assert "filen vann (--force)" in result.output and "1 ändrade" in result.output
    assert "Filens nya stycke." in _public_body(staff_app, SLUG)
    with staff_app.app_context():
        e = db.session.scalars(sa.select(Entry).where(Entry.slug == SLUG)).one()
        event = e.events[-1]
        assert (event.action, event.actor_id, event.revision_id) == ("load", None, e.published_revision_id)
        assert "--force" in event.comment
        row = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (row.actor, row.action, row.object_id) == ("innehållsfil", "entry_load", str(e.id))


def test_pending_web_edit_is_a_conflict_and_history_names_the_content_file(staff_app, tmp_path):
    root = _copy(tmp_path)
    with staff_app.app_context():
        e = db.session.scalars(sa.select(Entry).where(Entry.slug == SLUG)).one()
        entry_id = e.id
    client = staff_app.test_client()
    login(client, "mod_x")
    form = client.get(f"/redigera/{entry_id}").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    with staff_app.app_context():
        data = moderation.EntryInput.from_revision(entry(staff_app, entry_id).published_revision)
    assert post(client, f"/redigera/{entry_id}", {
        "title": data.title, "summary": data.summary, "category": data.category, "municipalities": data.municipalities,
        "status": data.status, "body": "Utkast som väntar.", "version": version,
    }).status_code == 302
    path = root / "examples" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: okänd", "status: pågående"), encoding="utf-8")
    result = _load(staff_app, root)
    assert "väntar på granskning" in result.output and "KONFLIKT" in result.output
    history = client.get(f"/granska/{entry_id}/historik").get_data(as_text=True)
    assert "innehållsfil" in history  # the first load's event, attributed to the content files


def test_changed_file_without_web_change_is_loaded_with_event_and_audit(make_app, tmp_path):
    root = _copy(tmp_path)
    app = make_app(content_dir=root)
    path = root / "examples" / "modulhus.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Vad gjordes", "## Vad gjordes\n\nNytt om modulhus.", 1), encoding="utf-8")
    result = _load(app, root)
    assert result.exit_code == 0, result.output
    assert "0 nya, 1 ändrade, 55 oförändrade" in result.output
    assert "55 filer oförändrade sedan förra laddningen lästes inte om" in result.output
    assert "KONFLIKT" not in result.output
    assert "Läser innehållsfilerna" not in result.output  # no progress bar when not on a terminal
    with app.app_context():
        e = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        assert e.published_revision.number == 2 and e.published_revision.author_id is None
        assert [(ev.action, ev.actor_id) for ev in e.events] == [("load", None), ("load", None)]
        rec = db.session.scalars(sa.select(ContentFile).where(ContentFile.path == "examples/modulhus.md")).one()
        assert rec.revision_id == e.published_revision_id
        import hashlib

        assert rec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        actors = set(db.session.scalars(sa.select(AuditEvent.actor).where(AuditEvent.action == "entry_load")))
        assert actors == {"innehållsfil"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "entry_load", AuditEvent.object_id == str(e.id))) == 2


def test_synonym_web_edit_wins_and_a_changed_file_is_a_conflict(staff_app, tmp_path):
    root = _copy(tmp_path)
    admin = staff_app.test_client()
    login(admin, "admin")
    with staff_app.app_context():
        from kb.search import synonyms

        web_text = synonyms.current_text(db.session) + "- [zebrafink, ägardirektiv]\n"
    assert post(admin, "/admin/synonymer", {"text": web_text}).status_code == 303
    result = _load(staff_app, root)
    assert result.exit_code == 0 and "KONFLIKT" not in result.output and "synonymlistan" not in result.output
    (root / "synonyms.yaml").write_text((root / "synonyms.yaml").read_text(encoding="utf-8") + "- [kattfisk, ägarstyrning]\n", encoding="utf-8")
    result = _load(staff_app, root)
    assert "KONFLIKT synonyms.yaml ↔ synonymlistan" in result.output
    assert "admin@example.se sparade en ny version" in result.output
    with staff_app.app_context():
        assert synonyms.current_text(db.session) == web_text
        count = db.session.scalar(sa.select(sa.func.count()).select_from(SynonymSet))
    result = _load(staff_app, root, "--force")
    with staff_app.app_context():
        assert "kattfisk" in synonyms.current_text(db.session)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SynonymSet)) == count + 1
        row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "synonyms_load").order_by(AuditEvent.id.desc())).first()
        assert row.actor == "innehållsfil"


def test_entry_created_on_the_web_is_never_touched(staff_app, tmp_path):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published", title="Läxhjälp i Borlänge bibliotek")
    root = _copy(tmp_path)
    with staff_app.app_context():

        exchange.export_content(root)
        slug = entry(staff_app, entry_id).slug
    result = _load(staff_app, root)  # its own export loaded back: fine, no conflict
    assert "KONFLIKT" not in result.output, result.output
    path = root / "examples" / f"{slug}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Läxhjälp varje vecka.", "Filen säger något annat."), encoding="utf-8")
    for extra in ((), ("--force",)):
        result = _load(staff_app, root, *extra)
        assert "skapades på webben och ändras aldrig" in result.output
        assert "Läxhjälp varje vecka." in _public_body(staff_app, slug)


def test_first_load_after_migration_records_hashes_and_applies_the_rule(make_app, tmp_path):
    root = _copy(tmp_path)
    app = make_app(content_dir=root)
    with app.app_context():
        db.session.execute(sa.delete(ContentFile))  # a database from before content_files existed
        web = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        web.published_revision.author_id = _a_user_id()  # its live text came from the web
        db.session.commit()
    for slug in ("modulhus", "paviljongboende"):
        path = root / "examples" / f"{slug}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("## Vad gjordes", "## Vad gjordes\n\nÄndrat i filen.", 1), encoding="utf-8")
    result = _load(app, root)
    assert result.exit_code == 0, result.output
    # paviljongboende came from a load: a file change. modulhus came from the web: a conflict.
    assert "0 nya, 1 ändrade, 54 oförändrade" in result.output
    assert "KONFLIKT examples/modulhus.md ↔ modulhus" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentFile).where(ContentFile.path.like("examples/%"))) == 55
    assert "Ändrat i filen." in _public_body(app, "paviljongboende")
    assert "Ändrat i filen." not in _public_body(app, "modulhus")


def _a_user_id() -> int:
    from kb import accounts
    from kb.permissions import system_actor

    user = accounts.add_user(system_actor("test"), "gammal@example.se", "en lång och ovanlig fras 42", "admin", None)
    db.session.flush()
    return user.id


def test_prepare_skips_work_already_done_and_notices_changes(staff_app):
    runner = staff_app.test_cli_runner()
    with staff_app.app_context():
        first = runner.invoke(args=["kb", "prepare", "--url", "http://127.0.0.1:5999"])
        second = runner.invoke(args=["kb", "prepare", "--url", "http://127.0.0.1:5999"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "56 filer oförändrade sedan förra laddningen lästes inte om" in second.output
    assert "Sökindexet är aktuellt" in second.output
    assert "http://127.0.0.1:5999/logga-in" in second.output and "admin@example.se" in second.output
    make_entry(staff_app, "contrib_x", X, state="published", title="Nytt exempel efter kontrollen")
    with staff_app.app_context():
        third = runner.invoke(args=["kb", "prepare"])
    assert "Indexet stämmer med databasen: 57 publicerade exempel." in third.output, third.output


def test_archived_example_is_a_conflict_named_by_its_state_label(staff_app, tmp_path):
    from kb.permissions import system_actor
    from kb.workflow import Action

    root = _copy(tmp_path)
    with staff_app.app_context():
        e = db.session.scalars(sa.select(Entry).where(Entry.slug == SLUG)).one()
        moderation.transition(system_actor("test"), e, Action.ARCHIVE)
        db.session.commit()
    path = root / "examples" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: okänd", "status: pågående"), encoding="utf-8")
    result = _load(staff_app, root)
    assert "KONFLIKT" in result.output and "exemplet är arkiverat på webben" in result.output
    assert "är archived" not in result.output  # the state's label, not its code
