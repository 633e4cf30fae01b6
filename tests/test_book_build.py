"""The book builds from the stored notebooks with zero warnings (-n -W --keep-going)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_book_builds_without_warnings(tmp_path):
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book) if jupyter_book.exists() else shutil.which("jupyter-book"),
               "build", str(ROOT), "--path-output", str(tmp_path), "--builder", "html",
               "-n", "-W", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert "WARNING" not in log, log[-5000:]
    pages = list((tmp_path / "_build" / "html" / "chapters").glob("*.html"))
    assert len(pages) == len(list((ROOT / "chapters").glob("*.ipynb")))
