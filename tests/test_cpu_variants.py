"""A second CPU code path in every test run: chapter 7 and the fast Keras tests again, with
TensorFlow on oneDNN's SSE4.1 kernels.

TensorFlow picks its float32 kernels by CPU: oneDNN's AVX-512 ones where the CPU has AVX-512 VNNI,
BF16 or AMX (its custom operations are on by default there), Eigen's elsewhere (as on GitHub's
runners). Each path adds up sums in its own order, so float32 results differ in their last bits.
``TF_ENABLE_ONEDNN_OPTS=1`` with ``ONEDNN_MAX_CPU_ISA=SSE41`` is a path that no machine takes by
default: a tolerance, or a printed digit, that holds only for one summation order fails here
instead of on a reader's computer. (`tests/cpu_variants.py` runs every variant, for the README.)

The chapter also runs as in a learner's Jupyter, without the ``TF_CPP_MIN_LOG_LEVEL`` that
`dev.py` sets, and with oneDNN on, so TensorFlow has its start-up notice to print on any CPU:
no cell may show stderr. (nbval, which runs the chapters too, does not see these notices.)
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpu_variants import cell_text

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_7 = ROOT / "chapters" / "07_keras.ipynb"
SECOND_PATH = {"TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_MAX_CPU_ISA": "SSE41"}

pytestmark = pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="Keras is not installed")


def test_chapter_7_on_a_second_code_path_prints_its_stored_outputs_and_no_stderr():
    import nbformat
    from nbclient import NotebookClient

    stored, fresh = (nbformat.read(CHAPTER_7, as_version=4) for _ in range(2))
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"} | SECOND_PATH
    NotebookClient(fresh, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(CHAPTER_7.parent)}}).execute(env=env)
    stderr = [(i, out.text) for i, cell in enumerate(fresh.cells) if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]
    assert not stderr, f"cells print to stderr in a fresh kernel: {stderr}"
    differ = [f"cell {i}:\n--- stored\n{cell_text(old)}\n--- {SECOND_PATH}\n{cell_text(new)}"
              for i, (old, new) in enumerate(zip(stored.cells, fresh.cells, strict=True))
              if new.cell_type == "code" and cell_text(old) != cell_text(new)]
    assert not differ, "outputs depend on the CPU code path:\n" + "\n".join(differ)


def test_keras_comparisons_hold_on_a_second_code_path():
    tests = ["tests/test_keras_bridge.py", "tests/test_keras_equivalence.py"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                            cwd=ROOT, env=os.environ | SECOND_PATH, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"with {SECOND_PATH}:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
    assert " passed" in result.stdout.splitlines()[-1], result.stdout[-2000:]
