"""Goda exempel: the application factory, the one place that wires config, extensions and blueprints."""
from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, g, request
from flask_babel import lazy_gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as config_module
from .extensions import csrf, db, limiter, login_manager

log = logging.getLogger(__name__)
STAFF_BLUEPRINTS = {"auth", "submit", "moderation", "admin", "twofactor", "desk", "reset"}


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_conn, _record):
    """SQLite: WAL, a busy timeout and foreign keys; we issue BEGIN ourselves (see below)."""
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=10000", "foreign_keys=ON", "synchronous=NORMAL"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


# Whether transactions in this context may write: True for the CLI and for requests that
# change things (POST...), False for GET/HEAD/OPTIONS (set per request below).
_write_intent: ContextVar[bool] = ContextVar("kb_write_intent", default=True)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: a transaction that may write takes the write lock when it starts, so
    concurrent writers wait (busy_timeout) instead of failing with 'database is locked'
    on upgrade from a read lock. Reads (GET requests, the index's own reads) begin a
    deferred transaction and never hold the write lock, so a slow page cannot block others."""
    if conn.dialect.name == "sqlite":
        read_only = conn.get_execution_options().get("kb_read_only", not _write_intent.get())
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _secret_key(instance: Path) -> str:
    """A persistent random key for development, kept in the instance folder."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides environment and defaults (tests use it)."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    instance = Path(app.config.get("KB_INSTANCE_PATH") or app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)

    app.json.ensure_ascii = False  # Swedish text stays readable in API responses
    from . import inputs, sessions

    inputs.register(app)  # first: the input boundary and the bounded <int:> converter
    from . import i18n

    i18n.init_app(app)  # the interface language (Swedish by default, English), Babel formats
    db.init_app(app)
    from . import atlas, commands

    app.cli = commands.AppCommands(app)  # `flask kb`, `flask db`: imported when used, never in a web worker
    atlas.configure(app.config["KB_CACHE_DIR"])
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Logga in för att fortsätta.")
    login_manager.login_message_category = "info"

    from .accounts import load_user_from_session

    login_manager.user_loader(load_user_from_session)
    sessions.configure(app)  # session lifetime, second factor, __Host- cookie, HSTS

    from . import indexing
    from .search.cache import SearchCaches
    from .search.index import SearchIndex

    # The search package knows nothing of Flask: it is handed what it needs here. Catalog
    # (categories, labels, synonyms) and results caches of this process (kb/search/cache.py);
    # one searcher per app context (Flask's `g`).
    caches = SearchCaches(lambda: db.session, float(app.config.get("KB_CATALOG_MAX_AGE", 1.0)))
    app.extensions["kb_search_cache"] = caches
    app.extensions["kb_index"] = SearchIndex(
        app.config["KB_INDEX_DIR"], indexing.load_published, indexing.LogSource(),
        prune_grace=float(app.config.get("KB_INDEX_PRUNE_GRACE", 600)),
        context=lambda: g._get_current_object(), caches=caches,
    )

    @app.before_request
    def _per_request_setup():
        g._kb_write_token = _write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))
        indexing.start_worker(app)  # once per process: catch up with the log, then poll

    @app.teardown_request
    def _per_request_teardown(_exc):
        token = g.pop("_kb_write_token", None)
        if token is not None:
            _write_intent.reset(token)

    from .views import admin, api, auth, browse, errors, health, moderation, search, submit
    from .views import maps as maps_views

    app.register_blueprint(browse.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(submit.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(maps_views.bp)
    from .views import twofactor as twofactor_views

    app.register_blueprint(twofactor_views.bp)
    from .views import desk, reset

    app.register_blueprint(desk.bp)
    app.register_blueprint(reset.bp)
    csrf.exempt(api.bp)  # read-only JSON API: GET only
    from .views import api_docs, channels

    app.register_blueprint(channels.bp)
    app.register_blueprint(api_docs.bp)
    # Anonymous alert forms: no session to ride on, double opt-in guards the address, and
    # RFC 8058 one-click unsubscribe is a bare POST from the mail program.
    csrf.exempt(channels.alert_subscribe)
    csrf.exempt(channels.alert_unsubscribe)
    errors.register(app)
    from .views import expired

    expired.register(app)

    from .views import filters

    filters.register(app)
    from .fields import LIMITS

    app.jinja_env.globals["limits"] = LIMITS  # field limits for maxlength attributes (kb/fields.py)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.blueprint in STAFF_BLUEPRINTS:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _staff_navigation():
        from flask_login import current_user

        from .permissions import Permission, can, can_review
        from .queries import pending_count

        return {
            "nav_pending": pending_count(current_user) if current_user.is_authenticated else 0,
            "can": can,
            "can_review": can_review,
            "Permission": Permission,
        }

    @app.teardown_appcontext
    def _release_searcher(_exc):
        app.extensions["kb_index"].release()

    return app
