"""The code passes ruff (unused imports, undefined names, likely bugs)."""
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    need(Path(ruff).exists(), "ruff is not installed (pip install -e '.[dev]')")
    result = subprocess.run([ruff, "check", "kb", "tests", "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
