"""Run the Keras tests, or chapter 7, under each CPU code path TensorFlow and NumPy can take here.

    .venv/bin/python tests/cpu_variants.py tests     the Keras test files under every variant; prints
                                                     each float32 comparison's worst |difference| /
                                                     tolerance (1 is the limit) per variant
    .venv/bin/python tests/cpu_variants.py chapter   chapter 7 in a fresh kernel under every variant;
                                                     prints the cells whose outputs differ from the
                                                     stored ones, and any stderr

A measurement for the README's table of margins, not a test (tests/test_cpu_variants.py runs one
variant as part of `python3 dev.py test`). It takes a few minutes on 2 cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERAS_TESTS = ["tests/test_keras_bridge.py", "tests/test_keras_equivalence.py", "tests/test_keras_fit.py",
               "tests/test_backprop_tf.py"]


def numpy_dispatch_features() -> str:
    """NumPy's optional SIMD code paths this CPU would use, to switch all of them off."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return " ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f))


VARIANTS = {
    "default": {},
    "oneDNN AVX2": {"TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "oneDNN SSE4.1": {"TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_MAX_CPU_ISA": "SSE41"},
    "oneDNN off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    "1 thread": {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"},
    # NumPy's own SIMD loops off, and OpenBLAS (NumPy's matmul) on its SSE-only kernels
    "NumPy baseline": {"NPY_DISABLE_CPU_FEATURES": numpy_dispatch_features(), "OPENBLAS_CORETYPE": "Nehalem"},
}


def run_tests() -> None:
    worst: dict[str, dict[str, float]] = defaultdict(dict)
    for variant, extra in VARIANTS.items():
        with tempfile.NamedTemporaryFile("r", suffix=".tsv") as log:
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0", **extra,
                   "FLOAT32_RATIOS": log.name}
            result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *KERAS_TESTS],
                                    cwd=ROOT, env=env, capture_output=True, text=True)
            print(f"{variant}: {result.stdout.strip().splitlines()[-1]}", flush=True)
            for line in log.read().splitlines():
                test, what, ratio = line.split("\t")
                key = f"{test.split('::', 1)[1]} [{what}]" if what != "values" else test.split("::", 1)[1]
                worst[key][variant] = max(worst[key].get(variant, 0.0), float(ratio))
    names = list(VARIANTS)
    print("\nworst |difference| / tolerance per comparison, per variant (1 is the limit)\n")
    print(f"{'comparison':100s} " + " ".join(f"{n[:14]:>14s}" for n in names) + f" {'max':>8s}")
    for key in sorted(worst, key=lambda k: -max(worst[k].values())):
        row = worst[key]
        print(f"{key[:100]:100s} " + " ".join(f"{row.get(n, float('nan')):14.3g}" for n in names)
              + f" {max(row.values()):8.3g}")


def run_chapter(path: Path = ROOT / "chapters" / "07_keras.ipynb") -> None:
    import nbformat
    from nbclient import NotebookClient

    stored = nbformat.read(path, as_version=4)
    for variant, extra in VARIANTS.items():
        nb = nbformat.read(path, as_version=4)
        env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a learner's Jupyter
        env.update({"PYTHONHASHSEED": "0", **extra})
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute(env=env)
        differences = [(i, cell_text(old), cell_text(new)) for i, (old, new) in enumerate(zip(stored.cells, nb.cells))
                       if new.cell_type == "code" and cell_text(old) != cell_text(new)]
        stderr = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
        print(f"== {variant}: {len(differences)} cells differ, stderr in cells {stderr}")
        for i, old, new in differences:
            print(f"-- cell {i}, stored:\n{old}\n-- now:\n{new}")


def cell_text(cell) -> str:
    """What nbval compares: streams (consecutive ones joined) and every output format except
    images and widget ids."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            tag = f"[{out.name}] "
            if parts and parts[-1].startswith(tag):
                parts[-1] += out.text
            else:
                parts.append(tag + out.text)
        elif out.output_type == "error":
            parts.append(f"[error] {out.ename}: {out.evalue}")
        else:
            parts += [f"[{k}] {v}" for k, v in sorted(out.data.items())
                      if k not in ("image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json")]
    return "\n".join(parts)


if __name__ == "__main__":
    if sys.argv[1:] == ["tests"]:
        run_tests()
    elif sys.argv[1:] == ["chapter"]:
        run_chapter()
    else:
        sys.exit(__doc__)
