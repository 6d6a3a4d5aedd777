"""Search relevance on judged queries, in process: the same table and means as
../shared/eval/relevance.py (nDCG@10, MRR of the first grade-2 hit, recall@10)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

K = 10


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def score(ranked: list[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    gains = [relevant.get(s, 0) for s in ranked]
    ideal = sorted(relevant.values(), reverse=True)[:K]
    ndcg = dcg(gains) / dcg(ideal) if ideal else 0.0
    rr = next((1 / (i + 1) for i, s in enumerate(ranked) if relevant.get(s) == 2), 0.0)
    recall = len(set(ranked) & set(relevant)) / len(relevant)
    return ndcg, rr, recall


@dataclass
class Report:
    rows: list[tuple[float, float, float, str, list[str]]]

    @property
    def means(self) -> tuple[float, float, float]:
        n = len(self.rows) or 1
        return tuple(sum(r[i] for r in self.rows) / n for i in range(3))  # type: ignore[return-value]

    def lines(self) -> list[str]:
        out = [
            f"{nd:5.2f} {rr:5.2f} {rc:5.2f}  {q!r:32} missing: {', '.join(missing) or '-'}"
            for nd, rr, rc, q, missing in self.rows
        ]
        m = self.means
        out.append(f"queries {len(self.rows)}  nDCG@10 {m[0]:.3f}  MRR {m[1]:.3f}  recall@10 {m[2]:.3f}")
        return out


def evaluate(client, path: Path) -> Report:
    """Run every judged query through the JSON API of `client` (a Flask test client)."""
    queries = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = []
    for item in queries:
        body = client.get("/api/v1/search", query_string={"q": item["q"], "per_page": K}).get_json()
        ranked = [r["slug"] for r in body["results"]][:K]
        ndcg, rr, recall = score(ranked, item["relevant"])
        missing = [s for s in item["relevant"] if s not in ranked]
        rows.append((ndcg, rr, recall, item["q"], missing))
    return Report(rows)
