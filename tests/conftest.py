"""Test fixtures: every app is built through create_app with its own database and index.

Set TEST_DATABASE_URL (postgresql+psycopg://...) to run the same tests on PostgreSQL;
each app then gets a schema of its own, dropped afterwards.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb import create_app, migrations
from kb.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The derived place data (kb/atlas.py) is built once per test session, also for the
# processes tests start (they inherit the variable), and not in the checkout's instance/.
if not os.environ.get("KB_CACHE_DIR"):
    os.environ["KB_CACHE_DIR"] = tempfile.mkdtemp(prefix="kb-cache-")
    atexit.register(shutil.rmtree, os.environ["KB_CACHE_DIR"], True)


def need(condition: bool, reason: str) -> None:
    """Skip loudly when something a test needs is missing; under CI=true, fail instead."""
    if condition:
        return
    message = f"MISSING PREREQUISITE: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a skip would hide this)", pytrace=False)
    pytest.skip(message)


def process_env(app, **overrides) -> dict[str, str]:
    """The environment for another process (gunicorn, python -c) that reaches `app`'s database,
    instance and index: this one's, minus its KB_/DATABASE_URL/PGOPTIONS settings (the session's
    KB_CACHE_DIR stays), plus the app's database (its PostgreSQL schema through PGOPTIONS)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KB_", "DATABASE_URL", "PGOPTIONS")) or k == "KB_CACHE_DIR"}
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:
        env["PGOPTIONS"] = options  # libpq: the test's schema (search_path)
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], KB_INSTANCE_PATH=app.config["KB_INSTANCE_PATH"],
               KB_INDEX_DIR=app.config["KB_INDEX_DIR"])
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class AppFactory:
    """Builds isolated apps (database + index + instance folder) and cleans them up."""

    def __init__(self, base: Path):
        self.base = base
        self.cleanups = []

    def __call__(self, load: bool = True, content_dir: Path | None = None, **config):
        home = self.base / uuid.uuid4().hex[:8]
        home.mkdir(parents=True)
        cfg = {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "KB_INSTANCE_PATH": str(home),
            "KB_INDEX_DIR": str(home / "search"),
            "KB_CONTENT_DIR": str(content_dir or CONTENT),
            "SERVER_NAME": "localhost",
            "KB_ARGON2_CHEAP": True,
            # No background thread in tests: they drive index upkeep (kb.indexing.maintain) themselves.
            "KB_INDEX_WORKER": False,
        }
        url = os.environ.get("TEST_DATABASE_URL")
        if url:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(url)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            cfg["SQLALCHEMY_DATABASE_URI"] = url
            cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}

            def drop(admin=admin, schema=schema):
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()

            self.cleanups.append(drop)
        else:
            cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{home / 'kb.sqlite3'}"
        cfg.update(config)
        # SQLite with the default content: copy a database and index built once per session
        # (migrating, loading 56 examples and indexing them per test dominated the suite).
        copied = not url and content_dir is None and _copy_template(load, home)
        app = create_app(cfg)
        with app.app_context():
            if not copied:
                migrations.upgrade()
                if load:
                    result = app.test_cli_runner().invoke(args=["kb", "load", str(content_dir or CONTENT)])
                    assert result.exit_code == 0, result.output
        self.cleanups.insert(0, lambda app=app: _dispose(app))
        return app

    def close(self):
        for fn in self.cleanups:
            fn()
        self.cleanups.clear()


_TEMPLATES: dict[bool, Path] = {}


def _copy_template(load: bool, home: Path) -> bool:
    """Give `home` a copy of the session's migrated (and, with `load`, loaded and indexed)
    SQLite database and index; builds the template on first use. True when copied."""
    template = _TEMPLATES.get(load)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix=f"kb-template-{'loaded' if load else 'empty'}-"))
        atexit.register(shutil.rmtree, template, True)
        app = create_app({
            "TESTING": True, "SECRET_KEY": "template", "KB_INSTANCE_PATH": str(template),
            "KB_INDEX_DIR": str(template / "search"), "KB_CONTENT_DIR": str(CONTENT), "KB_INDEX_WORKER": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template / 'kb.sqlite3'}", "KB_ARGON2_CHEAP": True,
        })
        with app.app_context():
            migrations.upgrade()
            if load:
                result = app.test_cli_runner().invoke(args=["kb", "load", str(CONTENT)])
                assert result.exit_code == 0, result.output
        _dispose(app)  # the last connection to close checkpoints the WAL into the file
        _TEMPLATES[load] = template
    for name in ("kb.sqlite3", "kb.sqlite3-wal"):
        if (template / name).exists():
            shutil.copyfile(template / name, home / name)
    if (template / "search").exists():
        shutil.copytree(template / "search", home / "search", symlinks=True)
        for generation in (home / "search").glob("ix-*"):
            os.utime(generation)  # a fresh copy: not "replaced long ago" for the pruning rule
    return True


def _dispose(app):
    with app.app_context():
        db.session.remove()
        app.extensions["kb_index"].close()
        db.engine.dispose()


@pytest.fixture
def make_app(tmp_path):
    """Build a fresh app; `make_app(load=False)` gives an empty, migrated database."""
    factory = AppFactory(tmp_path)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def loaded_app(tmp_path_factory):
    """One app with all of content/ loaded and indexed, shared by read-only tests."""
    factory = AppFactory(tmp_path_factory.mktemp("loaded"))
    app = factory()
    yield app
    factory.close()


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of content/ to break on purpose."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    return dest
