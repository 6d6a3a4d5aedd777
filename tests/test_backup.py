"""`flask kb backup` / `flask kb restore`: a round trip while the site serves and writes."""
from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request

import sqlalchemy as sa
from werkzeug.serving import make_server

from kb import accounts, audit, backup
from kb.permissions import system_actor
from kb.extensions import db
from tests.conftest import need


def _need_pg_tools():
    if os.environ.get("TEST_DATABASE_URL"):
        for tool in ("pg_dump", "pg_restore", "psql"):
            need(shutil.which(tool) is not None, f"{tool} (PostgreSQL client) is needed for backups on PostgreSQL")


def _cli(app, *args):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["kb", *args])


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_backup_while_serving_restores_the_same_data(make_app, tmp_path):
    _need_pg_tools()
    app = make_app(RATELIMIT_ENABLED=False, SERVER_NAME=None)
    with app.app_context():
        accounts.add_user(system_actor("test"), "admin@example.se", "en lång och ovanlig fras 42", "admin", None)
        accounts.add_user(system_actor("test"), "moa@example.se", "en lång och ovanlig fras 43", "moderator", "20")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    stop, served, written, failures = threading.Event(), [], [], []

    def read():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"{url}/sok?q=bostad", timeout=10) as resp:
                    served.append(resp.status)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(repr(exc))

    def write():
        with app.app_context():
            while not stop.is_set():
                try:
                    audit.record(audit.Actor(None, "test"), "backup_probe", detail=str(len(written)))
                    db.session.commit()
                    written.append(1)
                except Exception as exc:  # noqa: BLE001
                    db.session.rollback()
                    failures.append(repr(exc))
            db.session.remove()

    threads = [threading.Thread(target=server.serve_forever), threading.Thread(target=read), threading.Thread(target=write)]
    for t in threads:
        t.start()
    try:
        while len(served) < 3 or len(written) < 3:
            stop.wait(0.05)
        during = len(written)
        result = _cli(app, "backup", str(tmp_path / "bk"))
    finally:
        stop.set()
        for t in threads[1:]:  # the reader and writer finish their request first ...
            t.join(30)
        server.shutdown()  # ... so shutting the server down cannot reset one in flight
        threads[0].join(30)
    assert result.exit_code == 0, result.output
    assert failures == [] and set(served) == {200}
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["audit_log"] > 56 + during - 1  # the writer's rows up to the snapshot are in it
    with app.app_context(), db.engine.connect() as conn:
        source = backup.fingerprint(conn)
    for table in ("entries", "revisions", "users", "review_events", "synonym_sets"):
        assert manifest["counts"][table] == source["counts"][table], table
    assert manifest["counts"]["users"] == 2 and manifest["counts"]["entries"] == 56

    fresh = make_app(load=False)
    result = _cli(fresh, "restore", str(tmp_path / "bk"))
    assert result.exit_code == 0, result.output
    assert "kontrollsumman stämmer med backupen" in result.output
    with fresh.app_context(), db.engine.connect() as conn:
        restored = backup.fingerprint(conn)
        emails = sorted(conn.execute(sa.text("SELECT email FROM users")).scalars())
    assert (restored["counts"], restored["sha256"]) == (manifest["counts"], manifest["sha256"])
    assert emails == ["admin@example.se", "moa@example.se"]
    # The export in the backup is the export of exactly the restored data; search works there.
    assert _cli(fresh, "export", str(tmp_path / "again")).exit_code == 0
    assert _files(tmp_path / "bk" / "content") == _files(tmp_path / "again")
    assert fresh.test_client().get("/api/v1/search?q=bostad").get_json()["total"] > 0
    # The audit log is still append-only after a restore.
    with fresh.app_context():
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_log"))
            deleted = True
        except sa.exc.DBAPIError:
            deleted = False
    assert not deleted


def test_restore_refuses_an_instance_that_is_not_empty(loaded_app, tmp_path):
    _need_pg_tools()
    result = _cli(loaded_app, "backup", str(tmp_path / "bk"))
    assert result.exit_code == 0, result.output
    result = _cli(loaded_app, "restore", str(tmp_path / "bk"))
    assert result.exit_code == 1
    assert "Inget återställdes: instansen är inte tom (entries: 56" in result.output
    assert _cli(loaded_app, "backup", str(tmp_path / "bk")).exit_code == 1  # never into a used directory
