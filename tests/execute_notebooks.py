"""Re-run chapter notebooks top to bottom and store their outputs (run via `python3 dev.py execute`).

Each notebook runs in a fresh kernel from the `chapters/` folder, like nbval runs
it, so the stored outputs are the ones the tests compare against. Widget state is
not stored: the book shows a static figure beside each widget instead. Nor are
execution timestamps: with cell ids kept and no timings, a re-run changes only the
lines whose outputs changed, so a notebook's diff shows what really changed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                            record_timing=False, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"{path.name}: {len(nb.cells)} cells in {time.perf_counter() - start:.1f} s")


def main(names: list[str]) -> None:
    paths = [Path(n).resolve() for n in names] or sorted(CHAPTERS.glob("*.ipynb"))
    for path in paths:
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
