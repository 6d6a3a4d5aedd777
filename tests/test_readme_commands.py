"""Every command line in the README's quick start and command table runs as pasted in a fresh shell.

Each is run in its harmless form: flask commands with `--help` (which still imports the
app and resolves every command word), make targets with `make -n` (the target exists and
its recipe expands). The shell gets a minimal environment: no FLASK_APP, no activated
virtualenv, only the instance folder moved to a temporary directory so the checkout
stays clean.
"""
from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest


from tests.conftest import ROOT

README = ROOT / "README.md"


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def readme_commands() -> list[str]:
    """Command lines: quick start code blocks, then the first cell of each command-table row."""
    text = README.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", _section(text, "Quick start"), flags=re.S):
        lines += [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    for cell in re.findall(r"^\| `([^`]+)` \|", _section(text, "Command line"), flags=re.M):
        lines.append(cell)
    return lines


def harmless(command: str) -> str:
    """The same command in a form that changes nothing."""
    words = command.split()
    if words[0] == "make":
        return " ".join(["make", "-n", *words[1:]])
    if words[0] == ".venv/bin/flask":
        # Command words only: stop at the first argument, placeholder or option.
        keep = [w for w in _prefix(words, lambda w: re.fullmatch(r"[a-z][a-z-]*", w) is not None or w.endswith("/flask"))]
        return " ".join([*keep, "--help"])
    raise AssertionError(f"README command {command!r}: no harmless form known; add one to this test")


def _prefix(words, keep):
    for word in words:
        if not keep(word):
            return
        yield word


def test_readme_lists_the_commands_a_newcomer_needs():
    commands = readme_commands()
    assert commands[:2] == ["make run", "make test"]
    assert "make admin EMAIL=din.adress@example.se" in commands
    assert all(c.startswith((".venv/bin/flask", "make ")) for c in commands), commands
    assert {".venv/bin/flask kb load [PATH] [--force]", ".venv/bin/flask kb backup PATH"} <= set(commands)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="--help never touches the database: this runs in the SQLite pass only")
def test_readme_commands_run_as_pasted_in_a_fresh_shell(tmp_path):
    commands = sorted({harmless(c) for c in readme_commands()})
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "KB_INSTANCE_PATH": str(tmp_path / "instance")}

    def run(command):
        return command, subprocess.run(["/bin/sh", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, commands))
    failed = [f"{cmd}: exit {r.returncode}\n{r.stdout[-500:]}{r.stderr[-1500:]}" for cmd, r in results if r.returncode != 0]
    assert failed == []
    for cmd, result in results:
        if cmd.endswith("--help"):
            assert "Användning:" in result.stdout or "Usage:" in result.stdout, cmd
    kb_help = dict(results)[".venv/bin/flask kb load --help"].stdout
    assert "Användning: flask kb load" in kb_help and "--force" in kb_help  # Swedish help, the real command


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="the SQLite instance of `make run`; PostgreSQL start-up is covered by the prepare test")
def test_make_run_command_prepares_then_serves_and_says_how_to_log_in(tmp_path):
    """What `make run` runs: each step announced, then the URL and the admin command, then the site answers."""
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "KB_ENV": "development",
           "KB_INSTANCE_PATH": str(tmp_path / "instance"), "FLASK_APP": "app"}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen([".venv/bin/flask", "kb", "prepare", "--serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        status, deadline = None, time.monotonic() + 120
        while status is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    status = resp.status
            except OSError:
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(30)
    text = log.read_text(encoding="utf-8")
    assert status == 200, text
    steps = ["==> Migrerar databasen", "==> Laddar 56 exempelfiler", "Laddade", "==> Kontrollerar sökindexet",
             f"==> Klart. Webbplatsen startar på http://127.0.0.1:{port}/", "make admin EMAIL=din.adress@example.se"]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), text
    assert "Bygger sökindexet" not in text  # progress bars stay off when output is not a terminal
