"""Configuration defaults; every value can be overridden from the environment."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = (os.environ.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 10_000 else default


def from_environment(instance_path: str) -> dict:
    """Build the configuration from defaults and KB_* / DATABASE_URL variables."""
    instance = Path(os.environ.get("KB_INSTANCE_PATH", instance_path))
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'kb.sqlite3'}"
    if db_url.startswith("postgres://"):  # Heroku-style URLs; SQLAlchemy wants the dialect name.
        db_url = "postgresql+psycopg://" + db_url[len("postgres://"):]
    elif db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://"):]
    return {
        "KB_INSTANCE_PATH": str(instance),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.environ.get("KB_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "KB_INDEX_DIR": os.environ.get("KB_INDEX_DIR", str(instance / "search")),
        # Derived files that depend only on the installed packages (kb/atlas.py: place data).
        "KB_CACHE_DIR": os.environ.get("KB_CACHE_DIR", str(instance / "cache")),
        "KB_CONTENT_DIR": os.environ.get("KB_CONTENT_DIR", str(ROOT / "content")),
        "KB_PER_PAGE": int(os.environ.get("KB_PER_PAGE", "10")),
        "KB_ENV": os.environ.get("KB_ENV", "production"),
        # Secure cookies everywhere but local development over plain http.
        "SESSION_COOKIE_SECURE": _env_bool("KB_SECURE_COOKIES", os.environ.get("KB_ENV", "production") != "development"),
        "REMEMBER_COOKIE_SECURE": _env_bool("KB_SECURE_COOKIES", os.environ.get("KB_ENV", "production") != "development"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_STORAGE_URI": os.environ.get("KB_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _env_bool("KB_RATELIMIT", True),
        "KB_LOGIN_LIMIT_ADDRESS": os.environ.get("KB_LOGIN_LIMIT_ADDRESS", "10 per minute; 100 per hour"),
        "KB_LOGIN_LIMIT_ACCOUNT": os.environ.get("KB_LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes"),
        # Sessions end after this much inactivity, and this long after sign-in whatever happens (kb/sessions.py).
        "KB_SESSION_IDLE_MINUTES": int(os.environ.get("KB_SESSION_IDLE_MINUTES", "30")),
        "KB_SESSION_MAX_HOURS": int(os.environ.get("KB_SESSION_MAX_HOURS", "12")),
        "KB_LOGIN_LIMIT_CODE": os.environ.get("KB_LOGIN_LIMIT_CODE", "10 per 15 minutes"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "JSON_SORT_KEYS": False,
        # Each serving process keeps its index in step with the database's index log
        # (kb/indexing.py): a worker thread polls it; tests drive it by hand.
        "KB_INDEX_WORKER": _env_bool("KB_INDEX_WORKER", True),
        "KB_INDEX_POLL_SECONDS": float(os.environ.get("KB_INDEX_POLL_SECONDS", "0.5")),
        "KB_INDEX_PRUNE_GRACE": float(os.environ.get("KB_INDEX_PRUNE_GRACE", "600")),
        # Mail (kb/mail.py): without KB_SMTP_URL messages are written to KB_MAIL_DIR as .eml files.
        "KB_SMTP_URL": os.environ.get("KB_SMTP_URL", ""),
        "KB_MAIL_FROM": os.environ.get("KB_MAIL_FROM", "Goda exempel <noreply@goda-exempel.invalid>"),
        "KB_MAIL_DIR": os.environ.get("KB_MAIL_DIR", str(instance / "mail")),
        # Absolute links in e-mails, feeds and the sitemap when there is no request (CLI, sender).
        "KB_BASE_URL": os.environ.get("KB_BASE_URL", ""),
        # Shown on /om and /tillganglighet as the editors' address (none shown when empty).
        "KB_CONTACT_EMAIL": os.environ.get("KB_CONTACT_EMAIL", ""),
        "KB_ALERT_LIMIT": os.environ.get("KB_ALERT_LIMIT", "5 per minute; 30 per hour"),
        # Months after which an example not checked by a county board counts as possibly out of date.
        "KB_VERIFY_MONTHS": _env_int("KB_VERIFY_MONTHS", 24),
    }
