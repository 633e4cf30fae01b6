"""Import Keras and TensorFlow without TensorFlow's C++ start-up notices.

While it loads, TensorFlow's C++ code writes notices straight to the process's
standard error, file descriptor 2: for example "oneDNN custom operations are on ...",
on every CPU with the AVX-512 or AMX features oneDNN uses. Jupyter (and nbval,
Colab, Binder) shows whatever reaches file descriptor 2 as red stderr output under
the cell. The environment variable ``TF_CPP_MIN_LOG_LEVEL`` is meant to turn these
off, but since TensorFlow 2.21 the notices written before TensorFlow sets up its
logging ignore it.

`import_keras` therefore points file descriptor 2 at a temporary file while Keras
and TensorFlow load, then writes back every line except TensorFlow's C++ log lines
below ``TF_CPP_MIN_LOG_LEVEL`` (3, all of them, unless you set it): real errors,
Python warnings and anything else still appear. It does not change what TensorFlow
computes (turning oneDNN off with ``TF_ENABLE_ONEDNN_OPTS=0`` would, slightly).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

# A TensorFlow C++ log line: absl's "I0000 00:00:1796227357.977459    6203 port.cc:153] ..."
# (TensorFlow >= 2.21 before its logging is set up) or TSL's older
# "2026-01-30 22:44:42.456316: I tensorflow/core/util/port.cc:153] ...".
_CPP_LOG_LINE = re.compile(r"(?:(?P<a>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ |"
                           r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<b>[IWEF]) )\S+:\d+\] ")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}  # TF_CPP_MIN_LOG_LEVEL drops levels below its value


def import_keras():
    """Import and return `keras` (and so TensorFlow), without TensorFlow's start-up notices.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless it is already set, and drops the C++ log lines
    it asks to drop from what TensorFlow writes to standard error while it loads.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules and "tensorflow" in sys.modules:  # loaded: nothing more to print
        return sys.modules["keras"]
    with _cpp_notices_dropped(_min_log_level()):
        import keras
        import tensorflow  # noqa: F401  (Keras loads it lazily in some versions)
    return keras


def _min_log_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def _dropped(line: str, min_level: int) -> bool:
    if line.rstrip("\r\n") == _ABSL_PREAMBLE:
        return min_level >= 1  # absl's own WARNING that the lines below bypass its set-up
    match = _CPP_LOG_LINE.match(line)
    return bool(match) and _SEVERITY[match.group("a") or match.group("b")] < min_level


@contextlib.contextmanager
def _cpp_notices_dropped(min_level: int) -> Iterator[None]:
    """Capture file descriptor 2 for the block, then write back the lines not dropped."""
    if min_level <= 0:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):  # no usable descriptor 2: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:  # also when the import fails: its messages on stderr are what explains why
            with contextlib.suppress(OSError, AttributeError, ValueError):
                sys.stderr.flush()  # Python's own stderr (descriptor 2 outside Jupyter) into `capture`
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not _dropped(line, min_level))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()
