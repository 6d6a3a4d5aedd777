"""`flask kb bench --workers N` serves every public page kind through gunicorn and prints
each worker's memory and the search throughput (numbers are printed, never asserted)."""
from __future__ import annotations

from kb import atlas, bench_workers
from tests.conftest import need, process_env
from tests.serving.test_gunicorn_nodes import GUNICORN


def test_bench_workers_serves_every_page_kind_and_prints_each_workers_memory(make_app):
    need(GUNICORN.exists(), f"gunicorn is not installed in the venv ({GUNICORN}); run pip install -e '.[dev]'")
    app = make_app()
    atlas.ensure()
    env = process_env(app, SECRET_KEY="x")
    lines = []
    results = bench_workers.bench(2, lines.append, environ=env, seconds=1.0)
    rounds = bench_workers.ROUNDS * 2
    assert lines[0] == (f"workers: {len(bench_workers.PAGES)} page kinds × {rounds} rounds, answers "
                        f"{(len(bench_workers.PAGES) - 1) * rounds}× 200, {rounds}× 404")  # only /finns-inte is missing
    assert len(results) == 2 and all(0 < r["private"] <= r["pss"] <= r["rss"] for r in results)
    assert [line.split()[:2] for line in lines[1:3]] == [["worker", "1"], ["worker", "2"]] and lines[3].startswith("master")
    assert lines[4].startswith("throughput") and "× 200)" in lines[4] and "× 5" not in lines[4]  # no 5xx
    assert "every one a results-cache miss" in lines[6] and "asked again and again" in lines[8]
    assert float(lines[6].split()[2]) > 0 and float(lines[8].split()[2]) > 0
    print("\n" + "\n".join(lines))
