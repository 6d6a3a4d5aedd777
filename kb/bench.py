"""`flask kb bench --size N`: measure the site against SQLite FTS5 on a synthetic corpus.

1. A reproducible corpus (seeded) is written in the content format: Swedish sentences,
   titles, tags and categories taken from the real examples in content/, real
   municipalities and counties. Same seed and size, same files.
2. It is loaded through the normal services into a scratch instance (a temporary
   directory with its own SQLite database and index, or a fresh PostgreSQL schema
   with `--database-url`), and the index is rebuilt.
3. The same query mix (200 queries of 1-3 words, some filtered, some misspelt, derived
   from the corpus with the same seed) runs through the app's JSON search API in
   process and, interleaved, on SQLite FTS5 over the same documents doing the same
   work: total count, three facet counts (each without its own filter) and the top 10
   with snippets.
4. Then: the repeated-query time, approve→searchable (approve through the services,
   search until it is found) and the process's memory.

Numbers are printed, never asserted; the last line is the summary the issue asks for.
"""
from __future__ import annotations

import contextlib
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import content, places

SECTIONS = ("Vad gjordes", "Varför det hjälper", "Så kan fler kommuner göra", "Det här vet vi inte")
PASSWORD = "en lång och ovanlig fras 42"


# --------------------------------------------------------------------------- corpus


@dataclass
class Pools:
    """What the real examples are made of, to recombine."""

    sentences: dict[str, list[str]] = field(default_factory=dict)  # section heading → sentences
    advice: list[str] = field(default_factory=list)  # list items of "Så kan fler kommuner göra"
    summaries: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # content words (≥ 5 letters) for queries


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")


def pools_from(source: Path) -> tuple[content.ContentSet, Pools]:
    data = content.parse_directory(source)
    pools = Pools(categories=[c.slug for c in data.categories])
    tags, words = set(), set()
    for ex in data.examples:
        pools.titles.append(ex.title)
        pools.summaries += _SENTENCE.split(ex.summary)
        tags.update(ex.tags)
        for part in re.split(r"^## ", ex.body, flags=re.MULTILINE)[1:]:
            heading, _, text = part.partition("\n")
            heading = heading.strip()
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    pools.advice.append(line[2:])
                elif line and not line.startswith(("*", "#")):
                    pools.sentences.setdefault(heading if heading in SECTIONS else SECTIONS[0], []).extend(_SENTENCE.split(line))
        words.update(w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäöé]{5,}", f"{ex.title} {ex.summary} {ex.body}"))
    pools.tags = sorted(tags)
    pools.words = sorted(words)
    return data, pools


def make_corpus(source: Path, dest: Path, size: int, seed: int) -> list[content.ExampleData]:
    """Write `size` examples (plus categories.yaml and synonyms.yaml) to `dest`; same seed, same files."""
    data, pools = pools_from(source)
    rng = random.Random(seed)
    municipalities = [m.name for m in places.municipalities()]
    counties = [c.name for c in places.counties()]
    examples, seen = [], set()
    (dest / "examples").mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "categories.yaml", dest / "categories.yaml")
    if (source / "synonyms.yaml").is_file():
        shutil.copy(source / "synonyms.yaml", dest / "synonyms.yaml")
    for i in range(size):
        base = rng.choice(data.examples)
        munis = rng.sample(municipalities, rng.choice((1, 1, 1, 2, 2, 3)))
        title_base = rng.choice(pools.titles)
        title = f"{title_base} i {munis[0]}"[:140]
        n = 2
        while places.fold(title) in seen:
            title, n = f"{title_base} i {munis[0]} ({n})"[:150], n + 1
        seen.add(places.fold(title))
        body = []
        for heading in SECTIONS:
            pool = pools.sentences.get(heading) or pools.sentences[SECTIONS[0]]
            text = " ".join(rng.sample(pool, min(len(pool), rng.randint(2, 5))))
            if heading == "Så kan fler kommuner göra" and pools.advice:
                text += "\n\n" + "\n".join(f"- {a}" for a in rng.sample(pools.advice, min(len(pools.advice), rng.randint(2, 4))))
            body.append(f"## {heading}\n\n{text}")
        ex = content.ExampleData(
            slug=f"{places.slugify(title)[:100].strip('-')}-{i}",
            title=title,
            category=base.category if rng.random() < 0.7 else rng.choice(pools.categories),
            summary=" ".join(rng.sample(pools.summaries, 2))[:500],
            body="\n\n".join(body),
            municipalities=munis,
            counties=[rng.choice(counties)] if rng.random() < 0.15 else [],
            tags=rng.sample(pools.tags, rng.randint(2, 6)),
            source_title=base.source_title,
            source_published=base.source_published,
            source_sections=list(base.source_sections),
        )
        (dest / "examples" / f"{ex.slug}.md").write_text(content.dump_example(ex), encoding="utf-8")
        examples.append(ex)
    return examples


def _misspell(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def make_queries(examples: list[content.ExampleData], source: Path, seed: int, n: int = 200) -> list[dict]:
    """`n` distinct realistic queries: 1-3 words from titles, tags and text; ~30 % filtered,
    ~10 % misspelt, some with a place name or a quoted phrase."""
    _data, pools = pools_from(source)
    rng = random.Random(seed + 1)
    codes = {m.name: m for m in places.municipalities()}
    out, seen = [], set()
    while len(out) < n:
        ex = rng.choice(examples)
        kind = rng.random()
        if kind < 0.35:
            words = [w for w in rng.choice(ex.tags).split()][:3]
        elif kind < 0.6:
            title_words = [w for w in re.findall(r"\w+", ex.title) if len(w) > 3]
            words = rng.sample(title_words, min(len(title_words), rng.randint(1, 2))) if title_words else [rng.choice(pools.words)]
        elif kind < 0.75:
            words = [rng.choice(pools.words), rng.choice(ex.municipalities)]
        elif kind < 0.85:
            words = [f'"{" ".join(rng.choice(ex.tags).split()[:2])}"']
        else:
            words = rng.sample(pools.words, rng.randint(1, 3))
        if rng.random() < 0.1:
            long_words = [i for i, w in enumerate(words) if len(w) >= 6 and '"' not in w]
            if long_words:
                i = rng.choice(long_words)
                words[i] = _misspell(rng, words[i])
        params = {"q": " ".join(words[:3])}
        roll = rng.random()
        if roll < 0.15:
            params["category"] = ex.category
        elif roll < 0.25:
            params["county"] = codes[ex.municipalities[0]].county_code
        elif roll < 0.3:
            params["municipality"] = codes[ex.municipalities[0]].code
        key = tuple(sorted(params.items()))
        if key in seen:
            continue
        seen.add(key)
        out.append(params)
    return out


# --------------------------------------------------------------------------- FTS5


class Fts5:
    """The same documents in SQLite FTS5 (unicode61, diacritics folded), doing the same work per query."""

    def __init__(self, examples: list[content.ExampleData]):
        from .search.schema import markdown_to_plain

        self.db = sqlite3.connect(":memory:")
        self.db.executescript(
            """
            CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, tags, places, tokenize='unicode61 remove_diacritics 2');
            CREATE TABLE meta(id INTEGER PRIMARY KEY, slug TEXT, category TEXT);
            CREATE TABLE doc_county(id INTEGER, code TEXT);
            CREATE TABLE doc_muni(id INTEGER, code TEXT);
            CREATE INDEX doc_county_id ON doc_county(id, code);
            CREATE INDEX doc_muni_id ON doc_muni(id, code);
            """
        )
        by_name = {m.name: m for m in places.municipalities()}
        county_by_name = {c.name: c for c in places.counties()}
        for i, ex in enumerate(examples, 1):
            munis = [by_name[n] for n in ex.municipalities]
            county_codes = sorted({m.county_code for m in munis} | {county_by_name[c].code for c in ex.counties})
            names = ex.municipalities + ex.counties
            self.db.execute("INSERT INTO docs(rowid, title, summary, body, tags, places) VALUES (?,?,?,?,?,?)",
                            (i, ex.title, ex.summary, markdown_to_plain(ex.body), " ".join(ex.tags), " ".join(names)))
            self.db.execute("INSERT INTO meta VALUES (?,?,?)", (i, ex.slug, ex.category))
            self.db.executemany("INSERT INTO doc_county VALUES (?,?)", [(i, c) for c in county_codes])
            self.db.executemany("INSERT INTO doc_muni VALUES (?,?)", [(i, m.code) for m in munis])
        self.db.commit()

    @staticmethod
    def match(q: str) -> str | None:
        phrases = re.findall(r'"([^"]+)"', q)
        rest = re.sub(r'"[^"]*"?', " ", q)
        units = [" ".join(f'"{w}"' for w in re.findall(r"\w+", p)) for p in phrases]
        units += [f'"{w}"' for w in re.findall(r"\w+", rest)]
        units = [u for u in units if u]
        return " OR ".join(f"({u})" if " " in u else u for u in units) or None

    def _where(self, params: dict, without: str | None) -> tuple[str, list]:
        sql, args = [], []
        if params.get("category") and without != "category":
            sql.append("m.category = ?")
            args.append(params["category"])
        if params.get("county") and without != "county":
            sql.append("EXISTS (SELECT 1 FROM doc_county c WHERE c.id = m.id AND c.code = ?)")
            args.append(params["county"])
        if params.get("municipality") and without != "municipality":
            sql.append("EXISTS (SELECT 1 FROM doc_muni c WHERE c.id = m.id AND c.code = ?)")
            args.append(params["municipality"])
        return "".join(f" AND {s}" for s in sql), args

    def search(self, params: dict) -> tuple[int, dict, list]:
        match = self.match(params.get("q", ""))
        if match is None:
            return 0, {}, []
        base = "FROM docs JOIN meta m ON m.id = docs.rowid WHERE docs MATCH ?"
        where, args = self._where(params, None)
        total = self.db.execute(f"SELECT count(*) {base}{where}", [match, *args]).fetchone()[0]
        facets = {}
        for name, expr in (("category", "m.category"), ("county", "c.code"), ("municipality", "c.code")):
            w, a = self._where(params, name)
            join = {"county": " JOIN doc_county c ON c.id = m.id", "municipality": " JOIN doc_muni c ON c.id = m.id"}.get(name, "")
            sql = (f"SELECT {expr}, count(*) FROM docs JOIN meta m ON m.id = docs.rowid{join} "
                   f"WHERE docs MATCH ?{w} GROUP BY {expr}")
            facets[name] = dict(self.db.execute(sql, [match, *a]).fetchall())
        top = self.db.execute(
            f"SELECT m.slug, docs.title, snippet(docs, 2, '<mark>', '</mark>', ' … ', 24) {base}{where} "
            "ORDER BY bm25(docs, 4.0, 2.0, 1.0, 3.0, 2.0) LIMIT 10",
            [match, *args],
        ).fetchall()
        return total, facets, top


# --------------------------------------------------------------------------- measuring


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    current = 0.0
    with contextlib.suppress(OSError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bar(label: str, length: int):
    # click shows a bar on a terminal and only the label otherwise (quiet in logs).
    return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True)


@contextlib.contextmanager
def scratch_app(home: Path, database_url: str | None):
    """A throwaway app: its own instance folder, index and database (or PostgreSQL schema)."""
    from . import migrations
    import sqlalchemy as sa

    from . import create_app
    from .extensions import db

    cfg = {
        "KB_INSTANCE_PATH": str(home), "KB_INDEX_DIR": str(home / "search"), "KB_CONTENT_DIR": str(home / "content"),
        "SECRET_KEY": "bench", "SERVER_NAME": "localhost", "KB_INDEX_WORKER": False, "KB_ARGON2_CHEAP": True,
        "RATELIMIT_ENABLED": False, "KB_INDEX_APPLY_AFTER_COMMIT": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{home / 'kb.sqlite3'}", "SQLALCHEMY_ENGINE_OPTIONS": {},
    }
    drop = None
    if database_url:
        url = database_url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

        def drop(admin=admin, schema=schema):
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        cfg["SQLALCHEMY_DATABASE_URI"] = url
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = create_app(cfg)
    try:
        with app.app_context():
            migrations.upgrade()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            app.extensions["kb_index"].close()
            db.engine.dispose()
        if drop is not None:
            drop()


def _copy_instance(kept: Path, home: Path) -> None:
    """A copy of a kept scratch instance (database and index) into `home`, so a run that
    reuses it never changes the kept one (the approvals add examples)."""
    if not (kept / "kb.sqlite3").is_file() or not (kept / "search" / "live").is_symlink():
        raise click.UsageError(f"{kept} is not an instance kept by `flask kb bench --size N --keep` (SQLite)")
    shutil.copy2(kept / "kb.sqlite3", home / "kb.sqlite3")
    shutil.copytree(kept / "search", home / "search", symlinks=True)


def run_size_bench(size: int, seed: int, database_url: str | None, source: Path, n_queries: int = 200,
                   approvals: int = 10, keep: bool = False, echo=click.echo, reuse: Path | None = None) -> dict:
    """Everything `flask kb bench --size N` measures; returns the numbers it printed.

    `reuse`: the directory of an earlier `--keep` run with the same size and seed; its
    database and index are copied and used as they are (no load, no rebuild: the
    rebuild time is then not measured), so query timings can be repeated in seconds."""
    from . import accounts, exchange, indexing, moderation
    from .audit import Actor
    from .permissions import system_actor
    from .extensions import db
    from .models import Entry, User
    from .workflow import Action

    if reuse is not None and database_url:
        raise click.UsageError("--reuse works with the SQLite scratch instance only")
    home = Path(tempfile.mkdtemp(prefix=f"kb-bench-{size}-"))
    out: dict = {"size": size, "rebuild": None}
    run_tag = uuid.uuid4().hex[:6]  # approvals of an earlier run may be in a reused index
    try:
        start = time.perf_counter()
        examples = make_corpus(source, home / "content", size, seed)
        echo(f"corpus      {size} examples written in {time.perf_counter() - start:.1f} s ({home / 'content'})")
        queries = make_queries(examples, source, seed, n_queries)
        if reuse is not None:
            _copy_instance(Path(reuse), home)
            echo(f"reuse       database and index copied from {reuse} (no load, no rebuild)")
        with scratch_app(home, database_url) as app:
            client = app.test_client()
            with app.app_context():
                if reuse is None:
                    with _bar("load", size) as bar:
                        start = time.perf_counter()
                        exchange.load_content(home / "content", progress=lambda _slug: bar.update(1))
                        db.session.commit()
                        out["load"] = time.perf_counter() - start
                    echo(f"load        {out['load']:.1f} s (parse, validate, database; {db.engine.dialect.name})")
                    with _bar("rebuild", size) as bar, indexing.read_session() as session:
                        start = time.perf_counter()
                        app.extensions["kb_index"].rebuild(session, progress=bar.update)
                        out["rebuild"] = time.perf_counter() - start
                    echo(f"rebuild     {out['rebuild']:.1f} s, index {_du(home / 'search') / 1e6:.0f} MB")
            app.config["KB_INDEX_APPLY_AFTER_COMMIT"] = True

            fts_start = time.perf_counter()
            fts = Fts5(examples)
            echo(f"fts5 build  {time.perf_counter() - fts_start:.1f} s")
            for warm in ("bostad", "skola", "villor"):  # open searchers, load caches
                client.get("/api/v1/search", query_string={"q": warm})
                fts.search({"q": warm})
            _clear_caches(app)

            site, lite, totals = [], [], []
            with _bar("queries", len(queries)) as bar:
                for params in queries:
                    start = time.perf_counter()
                    response = client.get("/api/v1/search", query_string=params)
                    site.append(1000 * (time.perf_counter() - start))
                    if response.status_code != 200:
                        raise click.ClickException(f"search {params} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
                    start = time.perf_counter()
                    fts_total, _facets, _top = fts.search(params)
                    lite.append(1000 * (time.perf_counter() - start))
                    totals.append((response.get_json()["total"], fts_total))
                    bar.update(1)
            repeated = []
            for params in queries[:50]:
                start = time.perf_counter()
                client.get("/api/v1/search", query_string=params)
                repeated.append(1000 * (time.perf_counter() - start))
            out.update(p50=pct(site, 50), p95=pct(site, 95), p99=pct(site, 99),
                       fts_p50=pct(lite, 50), fts_p95=pct(lite, 95), fts_p99=pct(lite, 99),
                       repeat_p50=pct(repeated, 50), repeat_p95=pct(repeated, 95))
            out["ratio"] = out["p50"] / max(out["fts_p50"], 1e-6)
            echo(f"search      {len(queries)} queries (API in process, facets + snippets): "
                 f"p50 {out['p50']:.1f} ms  p95 {out['p95']:.1f} ms  p99 {out['p99']:.1f} ms")
            echo(f"fts5        same queries (count + 3 facets + top 10 with snippets): "
                 f"p50 {out['fts_p50']:.1f} ms  p95 {out['fts_p95']:.1f} ms  p99 {out['fts_p99']:.1f} ms")
            echo(f"ratio       site p50 / fts5 p50 = {out['ratio']:.1f}; mean hits {statistics.mean(t[0] for t in totals):.0f} "
                 f"(fts5 {statistics.mean(t[1] for t in totals):.0f}: no stemming, no fuzzy retry)")
            echo(f"repeated    50 repeated queries: p50 {out['repeat_p50']:.2f} ms  p95 {out['repeat_p95']:.2f} ms")

            answer, visible = [], []
            with app.app_context():
                author = accounts.add_user(system_actor("bench"), f"bench-author-{run_tag}@example.se", PASSWORD, "contributor", "20")
                approver = accounts.add_user(system_actor("bench"), f"bench-moderator-{run_tag}@example.se", PASSWORD, "moderator", "20")
                db.session.commit()
                approver_id, ids = approver.id, []
                for k in range(approvals):
                    entry = moderation.create_entry(Actor(author), moderation.EntryInput(
                        title=f"Läxhjälp med volontärer nummer {k} zq{k}{run_tag}bench", summary="Volontärer hjälper elever med läxor.",
                        category=examples[0].category, municipalities=["2081"],
                        body="## Vad gjordes\n\nLäxhjälp varje vecka på biblioteket."))
                    moderation.transition(Actor(author), entry, Action.SUBMIT)
                    ids.append(entry.id)
                db.session.commit()
            with _bar("approve", approvals) as bar:
                for k, entry_id in enumerate(ids):
                    with app.test_request_context(method="POST"):
                        entry = db.session.get(Entry, entry_id)
                        approver_user = db.session.get(User, approver_id)
                        start = time.perf_counter()
                        moderation.transition(Actor(approver_user), entry, Action.APPROVE)
                        db.session.commit()
                        answer.append(1000 * (time.perf_counter() - start))
                        db.session.remove()
                    while True:
                        found = client.get("/api/v1/search", query_string={"q": f"zq{k}{run_tag}bench"}).get_json()["total"]
                        if found or time.perf_counter() - start > 30:
                            break
                        time.sleep(0.005)
                    visible.append(1000 * (time.perf_counter() - start))
                    bar.update(1)
            out.update(approve_p95=pct(answer, 95), visible_p95=pct(visible, 95))
            echo(f"approve     {approvals} approvals: answer p50 {pct(answer, 50):.0f} ms  p95 {out['approve_p95']:.0f} ms; "
                 f"searchable p50 {pct(visible, 50):.0f} ms  p95 {out['visible_p95']:.0f} ms after approving")
            current, peak = rss_mb()
            out.update(rss=current, rss_peak=peak)
            echo(f"memory      RSS now {current:.0f} MB, peak {peak:.0f} MB (this process: corpus, FTS5 copy and app)")
    finally:
        if keep:
            echo(f"kept        {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    load = os.getloadavg()
    echo(f"machine     load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
    rebuild = "-" if out["rebuild"] is None else f"{out['rebuild']:.1f}"
    echo(f"size {size}  p50 {out['p50']:.1f} ms  p95 {out['p95']:.1f} ms  fts5-p50 {out['fts_p50']:.1f} ms  "
         f"ratio {out['ratio']:.1f}  rebuild {rebuild} s  approve-visible-p95 {out['visible_p95']:.0f} ms")
    return out


def _clear_caches(app) -> None:
    cache = app.extensions.get("kb_search_cache")
    if cache is not None:
        cache.clear()


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
