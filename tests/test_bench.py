"""`flask kb bench --size N` is the measuring tool of README "Speed": it must run end to end
(corpus, load, rebuild, FTS5 side by side, approvals, memory) and print its numbers. Nothing
here asserts a speed; the numbers only have to be there and be numbers."""
from __future__ import annotations

import re


def test_bench_with_a_small_synthetic_corpus_prints_every_measurement(loaded_app):
    result = loaded_app.test_cli_runner().invoke(args=["kb", "bench", "--size", "30", "--queries", "10", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    summary = re.search(r"size 30  p50 ([\d.]+) ms  p95 ([\d.]+) ms  fts5-p50 ([\d.]+) ms  ratio ([\d.]+)  "
                        r"rebuild ([\d.]+) s  approve-visible-p95 ([\d.]+) ms", result.output)
    assert summary, result.output
    for label in ("load ", "rebuild ", "search ", "fts5 ", "repeated ", "approve ", "memory "):
        assert re.search(rf"^{label}", result.output, re.MULTILINE), label
    assert "30 examples written" in result.output
