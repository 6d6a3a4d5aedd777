"""Migrations produce exactly the models: no pending autogenerate diff."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kb.extensions import db


def test_migrations_match_models(make_app):
    app = make_app(load=False)
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_migrations_downgrade_to_base_and_up_again(make_app):
    from kb import migrations
    import sqlalchemy as sa

    app = make_app(load=False)
    with app.app_context():
        migrations.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade()
        assert "entries" in sa.inspect(db.engine).get_table_names()


def test_database_backend_is_the_one_asked_for(make_app):
    import os

    app = make_app(load=False)
    with app.app_context():
        wanted = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
        assert db.engine.dialect.name == wanted


def test_migration_0002_keeps_existing_content_as_approved(make_app):
    from kb import migrations
    import sqlalchemy as sa

    app = make_app(load=False)
    with app.app_context():
        migrations.downgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO categories (id, slug, name, description, position) VALUES (1, 'c', 'C', '', 0)"))
            conn.execute(sa.text(
                "INSERT INTO entries (id, slug, state, created_at, updated_at, version_id) "
                "VALUES (1, 'e', 'published', '2020-01-01', '2020-01-01', 1)"))
            conn.execute(sa.text(
                "INSERT INTO revisions (id, entry_id, number, title, summary, body, category_id, practice_status, "
                "source_title, source_published, source_sections, created_at) "
                "VALUES (1, 1, 1, 'T', 'S', 'B', 1, 'okänd', '', '', '[]', '2020-01-01')"))
        migrations.upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT review_state, links, contact_public, updated_at FROM revisions")).one()
            assert conn.execute(sa.text("SELECT count(*) FROM entries")).scalar() == 1
        assert row[0] == "approved" and row[2] in (False, 0) and row[3] is not None


def test_migration_0009_refuses_to_cut_a_long_title_and_names_the_entry(make_app, caplog):
    from kb import migrations
    import pytest
    import sqlalchemy as sa

    app = make_app(load=False)
    with app.app_context():
        migrations.downgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO categories (id, slug, name, description, position) VALUES (1, 'c', 'C', '', 0)"))
            conn.execute(sa.text(
                "INSERT INTO entries (id, slug, state, created_at, updated_at, version_id) "
                "VALUES (1, 'lang-rubrik', 'published', '2020-01-01', '2020-01-01', 1)"))
            conn.execute(sa.text(
                "INSERT INTO revisions (id, entry_id, number, title, summary, body, category_id, practice_status, "
                "source_title, source_published, source_sections, created_at, updated_at, review_state, "
                "contact_organisation, contact_name, contact_email, contact_public, links) "
                "VALUES (1, 1, 1, :title, 'S', 'B', 1, 'okänd', '', '', '[]', '2020-01-01', '2020-01-01', 'approved', "
                "'', '', '', false, '[]')"), {"title": "x" * 160})
        with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError's message and exits
            migrations.upgrade()
        assert "lang-rubrik (version 1, 160 tecken)" in caplog.text and "högst 150 tecken" in caplog.text
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE revisions SET title = :title"), {"title": "x" * 150})
        migrations.upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT title FROM revisions")).scalar() == "x" * 150
        columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("revisions")}
        assert columns["title"]["type"].length == 150
