"""Re-run chapter notebooks top to bottom and store their outputs (run via `python3 dev.py execute`).

Each notebook runs in a fresh kernel from the `chapters/` folder, like nbval runs
it, so the stored outputs are the ones the tests compare against. Widget state is
not stored: the book shows a static figure beside each widget instead. Nor are
execution timestamps: with cell ids kept and no timings, a re-run changes only the
lines whose outputs changed, so a notebook's diff shows what really changed.

Solutions are collapsed for readers of the notebook too: every cell between a
``{solution-start}`` and its ``{solution-end}`` is marked hidden in the metadata
JupyterLab honours (``jupyter.source_hidden``, and ``outputs_hidden`` for code) and,
for code, in Colab's (``cellView: form``). The HTML book hides them in a dropdown.
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
        _name_widget_views(cell)
    hide_solutions(nb)
    nbformat.write(nb, path)
    print(f"{path.name}: {len(nb.cells)} cells in {time.perf_counter() - start:.1f} s")


def _name_widget_views(cell) -> None:
    """Give a widget's view a name fixed by its cell: the random model id would change on every
    run, and with no widget state stored it points at nothing anyway."""
    for k, out in enumerate(cell.get("outputs", [])):
        view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
        if view is not None:
            view["model_id"] = f"{cell.get('id', 'cell')}-{k}"


def solution_cells(nb) -> list[int]:
    """Indices of the cells inside solution blocks (between the start and end markers)."""
    inside, found = False, []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "{solution-start}" in cell.source:
            inside = True
        elif cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            inside = False
        elif inside:
            found.append(i)
    return found


def hide_solutions(nb) -> None:
    """Collapse solution cells in JupyterLab (and solution code in Colab) until a reader opens them."""
    for i in solution_cells(nb):
        cell = nb.cells[i]
        cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        if cell.cell_type == "code":
            cell.metadata["jupyter"]["outputs_hidden"] = True
            cell.metadata["cellView"] = "form"


def main(names: list[str]) -> None:
    paths = [Path(n).resolve() for n in names] or sorted(CHAPTERS.glob("*.ipynb"))
    for path in paths:
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
