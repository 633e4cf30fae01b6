"""Shared fixtures: strict numerics for nnlib's unit tests, and the book built once per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def strict_numerics():
    """Run the test with every warning an error and NumPy's overflow, divide-by-zero
    and invalid-value flags raising FloatingPointError.

    Underflow is left alone on purpose: e^{-1000} rounding to 0.0 is the correctly
    rounded answer, not a numerical accident.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


@dataclass
class BookBuild:
    """The outcome of one `jupyter-book build`: its exit code, its log and the HTML folder."""

    returncode: int
    log: str
    html: Path


@pytest.fixture(scope="session")
def book_build(tmp_path_factory) -> BookBuild:
    """Build the HTML book once per test session, into a temporary folder.

    `-n -W --keep-going`: nitpicky, every warning an error, and all of them reported.
    Used by the zero-warning build test and by the browser test, which reads the pages.
    """
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book) if jupyter_book.exists() else shutil.which("jupyter-book"),
               "build", str(ROOT), "--path-output", str(out), "--builder", "html",
               "-n", "-W", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    return BookBuild(result.returncode, result.stdout + result.stderr, out / "_build" / "html")
