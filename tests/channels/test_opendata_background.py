"""Open data for a large published set: requests never build the files; a background thread
does, one at a time, and meanwhile the page and the downloads say so or serve the files of
the version before (kb/opendata.py). SYNC_LIMIT is set to 0 here so the 56 examples count as large."""
from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest

from kb import opendata
from tests.staff.conftest import add_staff, make_entry


def _wait_for_build(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    time.sleep(0.05)
    while time.monotonic() < deadline:
        if opendata._building.acquire(blocking=False):  # no build thread running
            opendata._building.release()
            return
        time.sleep(0.05)
    raise AssertionError("the background build did not finish")


def _rows(resp) -> list[dict]:
    return list(csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig"))))


def _get(client, url):
    """GET and close (a sent file stays open until the response is closed)."""
    resp = client.get(url)
    resp.get_data()
    resp.close()
    return resp


@pytest.fixture
def large(make_app, monkeypatch):
    monkeypatch.setattr(opendata, "SYNC_LIMIT", 0)
    app = make_app()
    add_staff(app)
    yield app
    _wait_for_build()


def test_first_request_gets_a_clear_503_and_starts_the_build(large):
    client = large.test_client()
    page = client.get("/oppna-data")
    assert page.status_code == 200 and "Filerna förbereds just nu" in page.get_data(as_text=True)
    assert "goda-exempel.csv" not in page.get_data(as_text=True)
    download = _get(client, "/oppna-data/goda-exempel.csv")
    assert download.status_code == 503 and download.headers["Retry-After"] == "60"
    assert "Försök igen om en minut" in download.get_data(as_text=True)
    _wait_for_build()
    download = _get(client, "/oppna-data/goda-exempel.csv")
    assert download.status_code == 200 and len(_rows(download)) == 56
    page = client.get("/oppna-data").get_data(as_text=True)
    assert "goda-exempel.csv" in page and "förbereds" not in page


def test_after_a_change_the_earlier_files_are_served_until_the_new_ones_are_built(large):
    client = large.test_client()
    client.get("/oppna-data")
    _wait_for_build()
    before = _get(client, "/oppna-data/goda-exempel.csv")
    assert before.status_code == 200 and len(_rows(before)) == 56
    make_entry(large, "contrib_x", "20", state="published", title="Nyss publicerat om läxhjälp")
    page = client.get("/oppna-data?lang=en").get_data(as_text=True)
    assert "New files are being prepared" in page and "goda-exempel.csv" in page
    stale = _get(client, "/oppna-data/goda-exempel.csv")
    assert stale.status_code == 200 and len(_rows(stale)) == 56 and stale.headers["ETag"] == before.headers["ETag"]
    _wait_for_build()
    fresh = _get(client, "/oppna-data/goda-exempel.csv")
    assert len(_rows(fresh)) == 57 and fresh.headers["ETag"] != before.headers["ETag"]
    assert "Nyss publicerat om läxhjälp" in {r["title"] for r in _rows(fresh)}
    assert "förbereds" not in client.get("/oppna-data").get_data(as_text=True)


def test_the_zip_holds_exactly_what_flask_kb_export_writes(large, tmp_path):
    client = large.test_client()
    client.get("/oppna-data")
    _wait_for_build()
    resp = _get(client, "/oppna-data/goda-exempel.zip")
    archive = zipfile.ZipFile(io.BytesIO(resp.get_data()))
    result = large.test_cli_runner().invoke(args=["kb", "export", str(tmp_path / "export")])
    assert result.exit_code == 0, result.output
    exported = {p.relative_to(tmp_path / "export").as_posix(): p.read_bytes()
                for p in (tmp_path / "export").rglob("*") if p.is_file()}
    zipped = {name: archive.read(name) for name in archive.namelist() if name != "LICENS.txt"}
    assert zipped == exported and len(zipped) == 58  # categories.yaml, synonyms.yaml and the 56 examples


def test_a_directory_left_without_its_version_file_is_replaced_not_served_forever(large):
    with large.test_request_context():
        version = opendata.data_version()
        root = opendata._cache_root()
    leftover = root / version.key
    leftover.mkdir(parents=True)
    (leftover / "goda-exempel.csv").write_text("old layout")
    client = large.test_client()
    assert _get(client, "/oppna-data/goda-exempel.csv").status_code == 503
    _wait_for_build()
    fresh = _get(client, "/oppna-data/goda-exempel.csv")
    assert fresh.status_code == 200 and len(_rows(fresh)) == 56
    assert sorted(p.name for p in root.iterdir() if not p.name.endswith(".lock")) == [version.key]
