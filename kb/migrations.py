"""Schema migrations (Alembic through Flask-Migrate), loaded on first use.

Alembic and Mako cost about 11 MB in every process that imports them, and a web worker
never migrates. So Flask-Migrate is bound when a `flask db …` command is looked up
(kb/commands.py), and the code that migrates (`flask kb prepare`, restore, the
benchmark, tests) calls `upgrade`, `downgrade` and `config` here.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"


def bind(app):
    """Flask-Migrate's configuration for `app`, binding it on first use."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from .extensions import db

        Migrate().init_app(app, db, directory=str(DIRECTORY))
    return app.extensions["migrate"]


def upgrade(revision: str = "head") -> None:
    """Apply migrations up to `revision` (in an app context)."""
    import flask_migrate

    bind(current_app._get_current_object())
    flask_migrate.upgrade(revision=revision)


def downgrade(revision: str) -> None:
    """Revert migrations down to `revision` (in an app context)."""
    import flask_migrate

    bind(current_app._get_current_object())
    flask_migrate.downgrade(revision=revision)


def config():
    """Alembic's Config for this app (in an app context)."""
    return bind(current_app._get_current_object()).migrate.get_config()

