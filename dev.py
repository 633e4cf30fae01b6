#!/usr/bin/env python3
"""One entry point for the book's chores. Needs only Python 3.10-3.13 to start.

    python3 dev.py book                 set up .venv, build the HTML book into _build/html
    python3 dev.py pdf                  build the book as one page (_build/singlehtml) and print it
                                        to _build/pdf/book.pdf with headless Chromium (_ext/book_pdf.py)
    python3 dev.py test [PYTEST ARGS]   set up .venv, run every test: unit tests, the Keras
                                        equivalence tests, nbval (strict) over the chapters,
                                        a zero-warning book build and the browser test
    python3 dev.py execute [NOTEBOOK]   re-run notebooks (default: all) and store their outputs
    python3 dev.py bench [--full-loop]  time loop vs vectorized dense layers (bench/README.md)
    python3 dev.py bench train [OPTS]   time nnlib's training (backprop, fit, Adam) against raw NumPy,
                                        scikit-learn and Keras; OPTS e.g. --quick (bench/README.md)
    python3 dev.py bench conv           time nnlib's convolution: loops, im2col, Keras's Conv2D
    python3 dev.py lighthouse [PAGE ...] build the book, then score pages with Lighthouse (mobile, the
                                        median of 5 runs) served as GitHub Pages serves them (gzip);
                                        needs Node.js/npm and Chromium (tests/lighthouse.py)
    python3 dev.py binder [--keep]      launch the book as Binder would (fresh environment from
                                        binder/, headless JupyterLab) and run every chapter in it
    python3 dev.py lowest [PYTEST ARGS] set up .venv-lowest with the lowest versions pyproject.toml
                                        allows (tests/lowest-versions.txt), run the unit tests, the
                                        Keras tests and nbval over the chapters in it

Each command first creates `.venv` (if missing) and installs `requirements.txt`
into it (`lowest`: `.venv-lowest`, nnlib[keras,test] under tests/lowest-versions.txt);
that step is skipped while requirements.txt and pyproject.toml are unchanged since
the last install.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

# Quiet, reproducible kernels: TensorFlow's start-up notices would otherwise land
# on stderr in the stored outputs, and hash randomisation would reorder sets.
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
       "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


LOWEST = ROOT / ".venv-lowest"
LOWEST_CONSTRAINTS = ROOT / "tests" / "lowest-versions.txt"


def run(*args, **kwargs) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, env=ENV, check=True, **kwargs)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


def setup(venv: Path = VENV, *install: str, inputs: tuple[str, ...] = ()) -> None:
    """Create `venv` and pip-install `install` into it (default: requirements.txt), unless the
    files those depend on (requirements.txt, pyproject.toml and `inputs`) are unchanged since."""
    if not (3, 10) <= sys.version_info[:2] <= (3, 13):
        sys.exit(f"Python 3.10 to 3.13 is needed, this is {sys.version.split()[0]}")
    python, stamp = venv_python(venv), venv / ".installed-requirements"
    if not python.exists():
        run(sys.executable, "-m", "venv", venv)
    digest = hashlib.sha256(b"".join(
        (ROOT / name).read_bytes() for name in ("requirements.txt", "pyproject.toml", *inputs))).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", *(install or ("-r", "requirements.txt")))
    stamp.write_text(digest)


def warm_up() -> None:
    """Build Matplotlib's font cache now, so its one-time notice never reaches a notebook's stderr."""
    run(PYTHON, "-c", "import matplotlib.pyplot")


def book() -> None:
    run(BIN / "jupyter-book", "build", ".", "--builder", "html")
    print(f"\nThe book is at {ROOT / '_build' / 'html' / 'index.html'}")


def pdf() -> None:
    run(BIN / "jupyter-book", "build", ".", "--builder", "singlehtml")
    run(PYTHON, "_ext/book_pdf.py", ROOT / "_build" / "singlehtml", ROOT / "_build" / "pdf" / "book.pdf")


def ensure_chromium() -> None:
    """The browser test drives Debian's Chromium; in CI (root on Debian, CI=true) install it.

    Elsewhere, print how to install it: without it the browser test is skipped.
    """
    if any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")) \
            or os.environ.get("CHROMIUM"):
        return
    if os.environ.get("CI") == "true" and hasattr(os, "geteuid") and os.geteuid() == 0 \
            and shutil.which("apt-get"):
        apt = {**ENV, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            for args in (["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", "chromium"]):
                print("+ apt-get", *args, flush=True)
                subprocess.run(["apt-get", *args], env=apt, check=True, stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError as err:  # the other tests still run; the browser test fails
            print(f"Could not install Chromium (apt-get exited with {err.returncode}).", flush=True)
        return
    print("Chromium not found: the browser test (tests/test_browser.py) will be skipped.\n"
          "Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM to a\n"
          "Chromium or Chrome binary.", flush=True)


def test(pytest_args: list[str]) -> None:
    warm_up()
    ensure_chromium()
    run(PYTHON, "-m", "pytest", *pytest_args)


def lowest(pytest_args: list[str]) -> None:
    """The oldest versions pyproject.toml allows still run the book: nnlib's unit tests, the Keras
    tests and nbval over every chapter, in .venv-lowest (the book build and browser test are left to
    `test`, which covers the build tools)."""
    setup(LOWEST, "--constraint", LOWEST_CONSTRAINTS.relative_to(ROOT).as_posix(), "-e", ".[keras,test]",
          inputs=(LOWEST_CONSTRAINTS.relative_to(ROOT).as_posix(),))
    python = venv_python(LOWEST)
    run(python, "-c", "import matplotlib.pyplot")  # Matplotlib's font cache, as in warm_up
    run(python, "-m", "pytest", "--ignore=tests/test_book_build.py", "--ignore=tests/test_browser.py",
        *pytest_args)


def execute(notebooks: list[str]) -> None:
    warm_up()
    run(PYTHON, "tests/execute_notebooks.py", *notebooks)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"book", "pdf", "test", "execute", "bench", "binder", "lowest",
                                         "lighthouse"}:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "lowest":
        return lowest(rest)
    setup()
    if command == "book":
        book()
    elif command == "pdf":
        pdf()
    elif command == "test":
        test(rest)
    elif command == "bench" and rest[:1] in (["train"], ["conv"]):
        run(PYTHON, f"bench/{rest[0]}_bench.py", *rest[1:])
    elif command == "bench":
        run(PYTHON, "bench/dense_bench.py", *rest)
    elif command == "lighthouse":
        book()
        run(PYTHON, "tests/lighthouse.py", *rest)
    elif command == "binder":
        run(PYTHON, "tests/binder_check.py", *rest)
    else:
        execute(rest)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as err:
        sys.exit(err.returncode)
