"""`flask kb bench --workers N`: memory per gunicorn worker, and search throughput.

Starts gunicorn (`app:app`, N workers) on a free loopback port against this instance
(the same environment: database, index, cache directory), requests every public page
kind `ROUNDS` times (so each worker has served them), then reads each worker's
/proc/<pid>/status and smaps_rollup: RSS, PSS (shared pages divided among the processes
sharing them) and private memory.

Then throughput, with `THREADS` client threads and a new connection per request:
`/livez` (a trivial JSON answer through the whole app) and the search API on URLs
that are each asked once (words from the examples' titles with and without a county
filter and second pages, so every search misses the results cache and does the full
work: count, facets, top 10 with highlights), alternating livez, search, livez; last,
REPEATED of those URLs asked round and round (results-cache hits, as popular queries are).
Linux only. Numbers are printed, never asserted.
"""
from __future__ import annotations

import json
import os
import random
import re
import socket
import threading
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
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


THREADS = 4
REPEATED = 200  # URLs asked round and round for the cached figure


def _fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _search_urls(base: str, seed: int = 2014) -> list[str]:
    """Distinct search API URLs: title words × (no filter, each county) × pages 1 and 2, shuffled
    (the titles of up to 300 examples, read through the API itself)."""
    titles, counties = [], set()
    for page in (1, 2, 3):
        with urllib.request.urlopen(f"{base}/api/v1/search?sort=title&per_page=100&page={page}", timeout=60) as response:
            results = json.load(response)["results"]
        titles += [r["title"] for r in results]
        counties.update(m["code"][:2] for r in results for m in r["municipalities"])
        if len(results) < 100:
            break
    words = sorted({w.lower() for title in titles for w in re.findall(r"\w{4,}", title)})
    urls = [f"{base}/api/v1/search?" + urllib.parse.urlencode({"q": w, **({"county": c} if c else {}), "page": page})
            for w in words for c in ["", *sorted(counties)] for page in (1, 2)]
    random.Random(seed).shuffle(urls)
    return urls


def throughput(urls, seconds: float, threads: int = THREADS, repeat: bool = False) -> tuple[float, dict[int, int], int]:
    """Requests per second over `seconds` (`urls` is a list taken in order, round and round with
    `repeat`, or one URL); also the answers by status and how many requests were made."""
    lock = threading.Lock()
    position = [0]
    statuses: dict[int, int] = {}
    stop = time.monotonic() + seconds

    def next_url():
        with lock:
            if isinstance(urls, str):
                return urls
            if position[0] >= len(urls):
                if not repeat:
                    return None
                position[0] = 0
            position[0] += 1
            return urls[position[0] - 1]

    def run():
        while time.monotonic() < stop:
            url = next_url()
            if url is None:
                return
            status = _fetch(url)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    done = sum(statuses.values())
    return done / (time.monotonic() - started), statuses, done


def bench(workers: int, echo, environ: dict | None = None, seconds: float = 8.0) -> list[dict]:
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
                _fetch(base + "/livez")
                break
            except OSError:  # not listening yet (URLError, ConnectionError) or still starting (timeout)
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start within 60 s: " + log.read()[-2000:]) from None
                time.sleep(0.2)
        statuses: dict[int, int] = {}
        for _round in range(ROUNDS * workers):  # the master hands requests to any worker: enough rounds for all
            for page in PAGES:
                status = _fetch(base + page)
                statuses[status] = statuses.get(status, 0) + 1
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        results = [_memory(int(pid)) for pid in children]
        master = _memory(proc.pid)
        urls = _search_urls(base)
        live_a, live_status_a, _n = throughput(base + "/livez", seconds / 2)
        search, search_status, searches = throughput(urls, seconds)
        live_b, live_status_b, _n = throughput(base + "/livez", seconds / 2)
        common = urls[:REPEATED]
        cached, cached_status, _n = throughput(common, seconds / 2, repeat=True)
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
    live = (live_a + live_b) / 2
    answers = {}
    for part in (live_status_a, search_status, live_status_b, cached_status):
        for status, n in part.items():
            answers[status] = answers.get(status, 0) + n
    echo(f"throughput ({THREADS} client threads, a new connection per request; answers "
         + ", ".join(f"{n}× {status}" for status, n in sorted(answers.items())) + ")")
    echo(f"  /livez            {live_a:7.0f} and {live_b:7.0f} req/s (before and after the searches)")
    echo(f"  search API        {search:7.0f} req/s, {searches} searches on {searches} different URLs (of {len(urls)}): "
         f"every one a results-cache miss")
    echo(f"  search / livez    {100 * search / live:5.0f} %")
    echo(f"  search API        {cached:7.0f} req/s on {len(common)} URLs asked again and again (results cache): "
         f"{100 * cached / live:.0f} % of /livez")
    return results
