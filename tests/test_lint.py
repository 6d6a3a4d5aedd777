"""The code passes ruff (unused imports, undefined names, likely bugs) and keeps its layers apart."""
import shutil
import subprocess
import sys

import pytest
from pathlib import Path

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    need(Path(ruff).exists(), "ruff is not installed (pip install -e '.[dev]')")
    result = subprocess.run([ruff, "check", "kb", "tests", "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


SEARCH = Path(__file__).resolve().parent.parent / "kb" / "search"


@pytest.mark.parametrize("module", sorted(p.name for p in SEARCH.glob("*.py")))
def test_search_package_is_free_of_flask_and_app_globals(module):
    """kb/search is handed what it needs by the app factory (session factory, per-context holder,
    link maker): it imports neither Flask nor the app's extensions, views or services."""
    import ast

    tree = ast.parse((SEARCH / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            imported.update({base} | {f"{base}.{alias.name}" for alias in node.names})
    forbidden = {name for name in imported if name.split(".")[0] in {"flask", "flask_sqlalchemy", "flask_login"}
                 or name.lstrip(".").split(".")[0] in {"extensions", "views", "services"} and name.startswith("..")}
    assert forbidden == set()


# Modules outside kb/search that may reach inside it, and why: the app factory wires the index and
# caches; the synonym editor, loader and export read the synonym module; bench, eval and the API
# document measure or describe internals (constants, scoring modes).
SEARCH_INSIDE_ALLOWED = {
    "kb/__init__.py", "kb/cli.py", "kb/bench.py", "kb/openapi.py", "kb/content.py", "kb/exchange.py",
    "kb/services.py", "kb/views/admin.py", "kb/evaluation.py",
}


def test_the_app_uses_search_through_its_interface():
    """Views, feeds, alerts and use cases import `kb.search` (its __init__), not its private modules."""
    import ast

    kb = ROOT / "kb"
    offenders = []
    for path in sorted(kb.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("kb/search/") or rel in SEARCH_INSIDE_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                package = path.parent.relative_to(ROOT).as_posix().replace("/", ".")
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = (f"{base}.{node.module}" if node.level else node.module) if node.module else base
                if module.startswith("kb.search."):
                    offenders.append(f"{rel}: from {module} import …")
    assert offenders == []
