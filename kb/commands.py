"""The app's command groups (`flask kb …`, `flask db …`), imported when one is asked for.

A web worker never runs a command, and the command code pulls in much it would not
otherwise load (Alembic and Mako for `db`; content loading, export, backup and the
benchmark for `kb`): about 14 MB per worker. So `app.cli` knows the groups by name only
and imports a group the first time Click looks it up.
"""
from __future__ import annotations

from flask.cli import AppGroup


def _kb(app):
    from .cli import kb_cli

    return kb_cli


def _db(app):
    from flask_migrate.cli import db

    from . import migrations

    migrations.bind(app)
    return db


class AppCommands(AppGroup):
    """`app.cli` with the `kb` and `db` groups loaded on first lookup."""

    LAZY = {"kb": _kb, "db": _db}

    def __init__(self, app):
        super().__init__(app.name)
        self.app = app

    def get_command(self, ctx, cmd_name):
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            self.add_command(self.LAZY[cmd_name](self.app), cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.LAZY))
