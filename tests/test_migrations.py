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
    import flask_migrate
    import sqlalchemy as sa

    app = make_app(load=False)
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "entries" in sa.inspect(db.engine).get_table_names()


def test_database_backend_is_the_one_asked_for(make_app):
    import os

    app = make_app(load=False)
    with app.app_context():
        wanted = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
        assert db.engine.dialect.name == wanted
