"""`flask kb bench --workers N`: memory per gunicorn worker after serving every public page.

Starts gunicorn (`app:app`, N workers) on a free loopback port against this instance
(the same environment: database, index, cache directory), requests every public page
kind `ROUNDS` times (so each worker has served them), then reads each worker's
/proc/<pid>/status and smaps_rollup: RSS, PSS (shared pages divided among the processes
sharing them) and private memory. Linux only. Numbers are printed, never asserted.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 4
PAGES = (
    "/", "/sok?q=buss", "/sok?q=bostad&lan=stockholms-lan", "/sok?q=skolla", "/sok?q=sfi&lang=en",
    "/sok?q=skola&near=2081", "/api/v1/search?q=bostad", "/api/v1/search?q=sfi", "/api/v1/suggest?q=bos",
    "/karta", "/karta?category=bostader", "/lan", "/lan/stockholms-lan", "/lan/dalarnas-lan", "/kommun/stockholm",
    "/kommun/borlange", "/kategorier", "/kategori/bostader", "/exempel/kopa-villor-och-smahus",
    "/exempel/kopa-villor-och-smahus?lang=en", "/om", "/tillganglighet", "/flode.atom", "/flode.atom?q=skola",
    "/sitemap.xml", "/robots.txt", "/oppna-data", "/oppna-data/goda-exempel.csv", "/oppna-data/goda-exempel.json",
    "/oppna-data/dcat.jsonld", "/api/v1/", "/api/v1/openapi.json", "/api/v1/places", "/api/v1/places.geojson",
    "/api/v1/examples/kopa-villor-och-smahus", "/bevaka", "/logga-in", "/glomt-losenord", "/finns-inte",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            out["rss"] = int(line.split()[1]) / 1024
    rollup = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        rollup[name] = int(value.split()[0]) / 1024
    out["pss"] = rollup.get("Pss", 0.0)
    out["private"] = rollup.get("Private_Clean", 0.0) + rollup.get("Private_Dirty", 0.0)
    return out


def bench(workers: int, echo, environ: dict | None = None) -> list[dict]:
    """Serve with gunicorn, request every page kind, print and return each worker's memory."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**(environ or os.environ), "KB_SECURE_COOKIES": "0"}
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "app:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start within 60 s: " + log.read()[-2000:]) from None
                time.sleep(0.2)
        statuses: dict[int, int] = {}
        for _round in range(ROUNDS * workers):  # the master hands requests to any worker: enough rounds for all
            for page in PAGES:
                try:
                    with urllib.request.urlopen(base + page, timeout=30) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                statuses[status] = statuses.get(status, 0) + 1
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        results = [_memory(int(pid)) for pid in children]
        master = _memory(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    echo(f"workers: {len(PAGES)} page kinds × {ROUNDS * workers} rounds, answers "
         + ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items())))
    for i, r in enumerate(results, 1):
        echo(f"worker {i}   RSS {r['rss']:6.1f} MB   PSS {r['pss']:6.1f} MB   private {r['private']:6.1f} MB")
    echo(f"master     RSS {master['rss']:6.1f} MB")
    return results
