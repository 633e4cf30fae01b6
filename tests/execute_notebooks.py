"""Re-run chapter notebooks top to bottom and store their outputs (run via `python3 dev.py execute`).

Each notebook runs in a fresh kernel from the `chapters/` folder, like nbval runs
it, so the stored outputs are the ones the tests compare against. Widget state is
not stored: the book shows a static figure beside each widget instead. Nor are
execution timestamps: with cell ids kept and no timings, a re-run changes only the
lines whose outputs changed, so a notebook's diff shows what really changed.

Every chapter's Colab cell is rewritten to install this release's tag of nnlib
(`COLAB_CELL`) and tagged ``remove-cell``, so raising the version updates them all.

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
import yaml
from nbclient import NotebookClient

import nnlib

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"

#: Every chapter's second cell. On Colab it installs the release of nnlib that matches the
#: book (the tag v<nnlib.__version__>) without its dependencies: Colab's own TensorFlow,
#: NumPy, scikit-learn and ipywidgets (7 or 8) stay as they are, and nnlib works with them.
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
COLAB_CELL = (
    "# On Colab, install this book's release of nnlib, leaving Colab's own TensorFlow, NumPy and\n"
    "# ipywidgets as they are (nnlib works with them). Elsewhere this cell does nothing.\n"
    "import sys\n"
    "\n"
    'if "google.colab" in sys.modules:\n'
    f'    %pip install --quiet --no-deps "nnlib @ git+{REPOSITORY}@v{nnlib.__version__}"'
)


def colab_cell_index(nb) -> int | None:
    """The index of the cell that installs nnlib on Colab, or None."""
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "google.colab" in c.source), None)


def set_colab_cell(nb) -> None:
    """Make the chapter's Colab cell COLAB_CELL (this release's tag), hidden on the web pages."""
    i = colab_cell_index(nb)
    if i is not None:
        nb.cells[i].source = COLAB_CELL
        tags = nb.cells[i].metadata.setdefault("tags", [])
        if "remove-cell" not in tags:
            tags.append("remove-cell")


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    set_colab_cell(nb)
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
