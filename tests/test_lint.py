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
