"""ruff, configured in pyproject.toml, finds nothing in the library, the tests, bench/, dev.py
or the chapters' code cells: unused names, shadowed definitions and unsorted imports are caught
here rather than by a reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format=concise", "."],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"ruff check found problems (fix them, e.g. `ruff check --fix .`):\n" \
                                   f"{result.stdout}{result.stderr}"
