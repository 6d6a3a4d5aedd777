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
