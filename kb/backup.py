"""`flask kb backup PATH` / `flask kb restore PATH`: a consistent snapshot, and bringing it back.

A backup is a directory:

    manifest.json        when, which database, schema version, row counts and a content hash
    database.sqlite3     SQLite: a copy made with SQLite's online backup API, or
    database.dump        PostgreSQL: `pg_dump --format=custom` of the configured schema
    content/             `flask kb export` of the same snapshot (categories, synonyms, examples)

Consistency: everything is read inside one transaction. On SQLite that transaction holds
the write lock (BEGIN IMMEDIATE, as every transaction here), so writers wait a moment
while the pages are copied and the export is written; readers go on. On PostgreSQL it is
a REPEATABLE READ transaction whose snapshot is exported (`pg_export_snapshot()`) and
handed to `pg_dump --snapshot`, so the dump, the export and the manifest see the same
database state while the site keeps writing.

Restore goes into an empty instance only (no examples, users, revisions, audit rows or
synonym versions); a freshly migrated empty database is emptied of its tables first. On
PostgreSQL the dump is turned into SQL with `pg_restore -f -`, its schema name replaced by
the configured one (outside COPY data), and run by `psql --single-transaction`. The search
index is rebuilt afterwards. The manifest's hash is recomputed and compared.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from .extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
# What a restore must bring back, compared row by row (ordered by primary key).
TABLES = ("entries", "revisions", "users", "audit_log", "review_events", "synonym_sets", "content_files",
          "categories", "tags", "revision_municipalities", "revision_counties", "revision_tags")
MUST_BE_EMPTY = ("entries", "revisions", "users", "audit_log", "synonym_sets")


class BackupError(Exception):
    """Backup or restore cannot go on; the message (in KB_LANGUAGE) says why and what to do."""


def _tool(name: str) -> str:
    path = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None)
    if path is None:
        raise BackupError(_("%(tool)s saknas; installera PostgreSQL-klienten (t.ex. apt-get install postgresql-client).", tool=name))
    return path


def _value(v) -> str:
    if isinstance(v, datetime):  # SQLite gives naive UTC, PostgreSQL aware: compare the instant
        v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return repr(v)


def fingerprint(conn) -> dict:
    """Row counts and one sha256 over every row of TABLES (in key order), read through `conn`."""
    digest = hashlib.sha256()
    counts = {}
    meta = sa.MetaData()
    meta.reflect(bind=conn, only=[t for t in TABLES if sa.inspect(conn).has_table(t)])
    for name in TABLES:
        table = meta.tables.get(name)
        if table is None:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        columns = sorted(table.columns, key=lambda c: c.name)
        rows = conn.execute(sa.select(*columns).order_by(*order)).all()
        counts[name] = len(rows)
        digest.update(f"#{name}\n".encode())
        for row in rows:
            digest.update(("|".join(_value(v) for v in row) + "\n").encode())
    return {"counts": counts, "sha256": digest.hexdigest()}


def _schema_version(conn) -> str:
    try:
        return ",".join(sorted(r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))))
    except sa.exc.DBAPIError:
        return ""


def _pg_url(engine) -> tuple[list[str], dict]:
    """libpq connection arguments and environment (password via PGPASSWORD, never on the command line)."""
    url = engine.url
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--username", url.username or "",
            "--dbname", url.database or ""]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def backup(target: Path, echo=print) -> dict:
    """Write a consistent backup to `target` (a new or empty directory); returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(_("%(path)s finns redan och är inte tom; ange en ny katalog.", path=target))
    target.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        manifest = _backup_postgresql(target, echo)
    elif dialect == "sqlite":
        manifest = _backup_sqlite(target, echo)
    else:
        raise BackupError(_("databasen %(dialect)s stöds inte för backup", dialect=dialect))
    manifest = {"format": 1, "created_at": datetime.now(UTC).isoformat(), "database": dialect, **manifest}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _export_and_fingerprint(target: Path, echo) -> dict:
    """Content export and fingerprint, read through the session's one connection (already on the snapshot)."""
    from . import exchange

    conn = db.session.connection()
    echo(_("Exporterar innehållet …"))
    exported = exchange.export_content(target / "content")
    return {"schema_version": _schema_version(conn), "content_files": len(exported), **fingerprint(conn)}


def _backup_postgresql(target: Path, echo) -> dict:
    db.session.rollback()
    try:
        conn = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        args, env = _pg_url(db.engine)
        echo(_("Kör pg_dump av schemat %(schema)s …", schema=schema))
        result = subprocess.run(
            [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
             f"--snapshot={snapshot}", f"--file={target / PG_FILE}"],
            env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(_("pg_dump misslyckades: %(error)s", error=result.stderr.strip()))
        return {"schema": schema, "database_file": PG_FILE, **_export_and_fingerprint(target, echo)}
    finally:
        db.session.rollback()


def _backup_sqlite(target: Path, echo) -> dict:
    """Copy pages inside a read transaction (WAL: a snapshot; writers go on), then read the copy."""
    import tempfile

    from . import create_app

    echo(_("Kopierar SQLite-databasen med SQLites backup-API …"))
    raw = db.engine.raw_connection()
    try:
        source = raw.driver_connection
        source.execute("BEGIN")  # deferred: a read snapshot, no write lock (an IMMEDIATE one would block the copy)
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        dest = sqlite3.connect(target / SQLITE_FILE)
        try:
            source.backup(dest)
        finally:
            dest.close()
        source.execute("ROLLBACK")
    finally:
        raw.close()
    # Export from the copy itself, so the files and the manifest describe exactly that snapshot.
    with tempfile.TemporaryDirectory() as tmp:
        snap = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target / SQLITE_FILE}", "SQLALCHEMY_ENGINE_OPTIONS": {},
            "KB_INSTANCE_PATH": tmp, "KB_INDEX_DIR": str(Path(tmp) / "search"), "SECRET_KEY": "backup-snapshot",
        })
        with snap.app_context():
            try:
                return {"schema": "", "database_file": SQLITE_FILE, **_export_and_fingerprint(target, echo)}
            finally:
                db.session.remove()
                db.engine.dispose()


def _is_empty(conn) -> tuple[bool, dict]:
    inspector = sa.inspect(conn)
    counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in MUST_BE_EMPTY if inspector.has_table(t)}
    return not any(counts.values()), counts


def restore(source: Path, echo=print) -> dict:
    """Bring the backup in `source` back into this (empty) instance; returns the recomputed fingerprint."""
    from . import migrations

    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(_("%(file)s saknas eller går inte att läsa (%(error)s); är %(path)s en backup från `flask kb backup`?",
                            file=source / MANIFEST, error=exc, path=source)) from None
    dialect = db.engine.dialect.name
    if manifest.get("database") != dialect:
        raise BackupError(_("backupen är från %(theirs)s, den här instansen använder %(ours)s.", theirs=manifest.get("database"),
                            ours=dialect))
    db.session.rollback()
    with db.engine.connect() as conn:
        empty, counts = _is_empty(conn)
        has_tables = bool(sa.inspect(conn).get_table_names())
    if not empty:
        rows = ", ".join(f"{name}: {n}" for name, n in counts.items() if n)
        raise BackupError(_("instansen är inte tom (%(rows)s); återställ bara till en tom databas "
                            "(t.ex. en ny DATABASE_URL eller KB_INSTANCE_PATH).", rows=rows))
    if has_tables and dialect == "postgresql":  # SQLite's backup API replaces the whole file anyway
        echo(_("Tömmer den tomma databasens tabeller …"))
        migrations.downgrade(revision="base")
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        _restore_sqlite(source / manifest["database_file"])
    else:
        _restore_postgresql(source / manifest["database_file"], manifest["schema"], echo)
    db.engine.dispose()
    with db.engine.connect() as conn:
        restored = fingerprint(conn)
    return restored


def _restore_sqlite(snapshot: Path) -> None:
    path = db.engine.url.database
    src = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    dest = sqlite3.connect(path)
    try:
        src.backup(dest)
    finally:
        dest.close()
        src.close()


def _remap_schema(sql: str, old: str, new: str) -> str:
    """Replace the dump's schema name by ours in statements, never inside COPY data."""
    out, in_copy = [], False
    for line in sql.splitlines(keepends=True):
        if in_copy:
            out.append(line)
            if line.rstrip("\n") == "\\.":
                in_copy = False
            continue
        if line.startswith("CREATE SCHEMA "):
            continue  # ours exists already
        if old != new:
            line = line.replace(f'"{old}".', f'"{new}".').replace(f"{old}.", f"{new}.").replace(f"'{old}'", f"'{new}'")
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        out.append(line)
    return "".join(out)


def _restore_postgresql(dump: Path, old_schema: str, echo) -> None:
    with db.engine.begin() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
    args, env = _pg_url(db.engine)
    echo(_("Läser dumpen med pg_restore …"))
    sql = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-", str(dump)],
                         env=env, capture_output=True, text=True, check=False)
    if sql.returncode != 0:
        raise BackupError(_("pg_restore misslyckades: %(error)s", error=sql.stderr.strip()))
    script = _remap_schema(sql.stdout, old_schema, schema)
    echo(_("Återställer till schemat %(schema)s med psql …", schema=schema))
    result = subprocess.run([_tool("psql"), *args, "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--single-transaction"],
                            input=script, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(_("psql misslyckades: %(error)s", error=result.stderr.strip()[:2000]))


def check_manifest(source: Path, restored: dict) -> list[str]:
    """Differences between the backup's recorded fingerprint and the restored database (empty: identical)."""
    manifest = json.loads((Path(source) / MANIFEST).read_text(encoding="utf-8"))
    problems = [_("%(table)s: %(n)s rader i backupen, %(restored)s återställda", table=table, n=n, restored=restored["counts"].get(table))
                for table, n in manifest["counts"].items() if restored["counts"].get(table) != n]
    if restored["sha256"] != manifest["sha256"]:
        problems.append(_("innehållets kontrollsumma skiljer sig från backupens"))
    return problems
