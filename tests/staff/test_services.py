"""Service-level rules: comments, completeness, conflicts, index repair, export of web work."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from kb import exchange, moderation
from kb.audit import Actor
from kb.extensions import db
from kb.models import EntryState
from kb.workflow import Action

from .conftest import X, entry, make_entry, user


def test_reject_and_request_changes_need_a_comment(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="submitted")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        for action in (Action.REJECT, Action.REQUEST_CHANGES):
            with pytest.raises(moderation.CommentRequired):
                moderation.transition(Actor(user(staff_app, "mod_x")), e, action, "   ")


def test_submit_incomplete_draft_is_refused_with_field_messages(staff_app):
    with staff_app.app_context():
        e = moderation.create_entry(Actor(user(staff_app, "contrib_x")), moderation.EntryInput(title="Bara rubrik"))
        with pytest.raises(moderation.IncompleteEntry) as err:
            moderation.transition(Actor(user(staff_app, "contrib_x")), e, Action.SUBMIT)
        assert set(err.value.errors) == {"summary", "category", "municipalities", "body"}


def test_second_save_with_old_version_is_a_conflict_and_overwrites_nothing(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="draft")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        version = e.version_id
        first = moderation.EntryInput.from_revision(e.working_revision)
        first.body = "Första personens text."
        moderation.save_entry(Actor(user(staff_app, "contrib_x")), e, first, version)
        db.session.commit()
        second = moderation.EntryInput.from_revision(e.working_revision)
        second.body = "Andra personens text."
        with pytest.raises(moderation.EditConflict):
            moderation.save_entry(Actor(user(staff_app, "mod_x")), e, second, version)
        db.session.rollback()
        assert entry(staff_app, entry_id).working_revision.body == "Första personens text."


def test_concurrent_saves_from_two_threads_lose_nothing(staff_app):
    """Two editors opened the same version; they save at the same moment: one wins, one conflicts."""
    entry_id = make_entry(staff_app, "contrib_x", X, state="draft")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        version = e.version_id
        loaded = moderation.EntryInput.from_revision(e.working_revision)
    barrier, outcomes = threading.Barrier(2), []

    def editor(key: str, text: str):
        barrier.wait()  # both start their save transaction together
        with staff_app.app_context():
            try:
                e = entry(staff_app, entry_id)
                data = moderation.EntryInput(**{**loaded.__dict__, "body": text})
                moderation.save_entry(Actor(user(staff_app, key)), e, data, version)
                db.session.commit()
                outcomes.append(("saved", text))
            except (moderation.EditConflict, sa.orm.exc.StaleDataError):
                db.session.rollback()
                outcomes.append(("conflict", text))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=editor, args=("contrib_x", "A")), threading.Thread(target=editor, args=("mod_x", "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o[0] for o in outcomes) == ["conflict", "saved"]
    winner = next(text for kind, text in outcomes if kind == "saved")
    with staff_app.app_context():
        assert entry(staff_app, entry_id).working_revision.body == winner


def test_failed_index_update_keeps_the_approval_and_the_worker_applies_it(staff_app, monkeypatch):
    from kb.indexing import maintain

    entry_id = make_entry(staff_app, "contrib_x", X, state="submitted", title="Sällsynt ord xqzflamingo")
    index = staff_app.extensions["kb_index"]
    real_apply = index.apply_log

    def broken(*_a, **_k):
        raise OSError("index disk full")

    monkeypatch.setattr(index, "apply_log", broken)
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        moderation.transition(Actor(user(staff_app, "mod_x")), e, Action.APPROVE)
        db.session.commit()  # the index update fails after the commit: logged, the log row stays
    client = staff_app.test_client()
    assert client.get("/api/v1/search?q=xqzflamingo").get_json()["total"] == 0
    monkeypatch.setattr(index, "apply_log", real_apply)
    with staff_app.app_context():
        assert maintain(staff_app) == "applied 1"
    assert client.get("/api/v1/search?q=xqzflamingo").get_json()["total"] == 1


def test_export_includes_examples_published_through_the_web(staff_app, tmp_path):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published", title="Webbpublicerat exempel om läxhjälp")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        e.published_revision.links = ["https://example.se/laxhjalp"]
        e.published_revision.contact_name, e.published_revision.contact_public = "Kim", True
        e.published_revision.period_start = 2015
        db.session.commit()
        slug = e.slug
        exchange.export_content(tmp_path)
    text = (tmp_path / "examples" / f"{slug}.md").read_text(encoding="utf-8")
    assert "Webbpublicerat exempel om läxhjälp" in text
    assert "https://example.se/laxhjalp" in text and "Kim" in text and "2015" in text


def test_export_omits_contact_that_is_not_public(staff_app, tmp_path):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published", title="Exempel med privat kontakt")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        e.published_revision.contact_email, e.published_revision.contact_public = "hemlig@example.se", False
        db.session.commit()
        exchange.export_content(tmp_path)
        slug = e.slug
    assert "hemlig@example.se" not in (tmp_path / "examples" / f"{slug}.md").read_text(encoding="utf-8")


def test_web_published_example_round_trips_through_export_and_load(staff_app, tmp_path, make_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="published", title="Rundtur genom export")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        e.published_revision.links = ["https://example.se/a", "https://example.se/b"]
        e.published_revision.period_start, e.published_revision.period_end = 2014, 2016
        e.published_revision.contact_organisation, e.published_revision.contact_public = "Borlänge kommun", True
        db.session.commit()
        exchange.export_content(tmp_path / "snap")
    other = make_app(content_dir=tmp_path / "snap")
    with other.app_context():
        exchange.export_content(tmp_path / "again")
    for path in (tmp_path / "snap").rglob("*.md"):
        assert path.read_bytes() == (tmp_path / "again" / path.relative_to(tmp_path / "snap")).read_bytes(), path.name


def test_rejected_new_example_is_final_and_not_public(staff_app):
    entry_id = make_entry(staff_app, "contrib_x", X, state="rejected")
    with staff_app.app_context():
        e = entry(staff_app, entry_id)
        assert e.state is EntryState.REJECTED and not e.is_public


def test_cli_export_is_audited_as_the_system(staff_app, tmp_path):
    import sqlalchemy as sa

    from kb.models import AuditEvent

    result = staff_app.test_cli_runner().invoke(args=["kb", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with staff_app.app_context():
        row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "content_export")).one()
        published = len(list((tmp_path / "out" / "examples").glob("*.md")))
        assert row.actor == "system" and row.detail == f"{published} exempel" and published >= 56
