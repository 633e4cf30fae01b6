"""Stored notebooks must be worth comparing: nbval checks only what was stored.

nbval skips a cell whose stored execution_count is null, so a notebook saved
without running would pass vacuously; these tests make that, stderr noise,
machine-specific text and unexplained skips fail instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from execute_notebooks import solution_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MACHINE_TEXT = re.compile(r"/(root|home|tmp|work|Users)/|at 0x[0-9a-f]{6,}")


def code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def test_there_are_chapters():
    assert len(CHAPTERS) >= 2, "expected chapter notebooks in chapters/"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_code_cell_was_run_in_order(path):
    counts = [c["execution_count"] for _, c in code_cells(path)]
    unrun = [i for i, c in code_cells(path) if c["execution_count"] is None]
    assert not unrun, f"cells stored without being run: {unrun}"
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts} are not 1..n: run `python3 dev.py execute {path.name}` "
        "to re-run the notebook top to bottom in a fresh kernel")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_stderr_errors_or_machine_text_stored(path):
    for i, cell in code_cells(path):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"cell {i} stored an error"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                f"cell {i} stored stderr: {''.join(out['text'])[:200]!r}")
            assert not MACHINE_TEXT.search(json.dumps(out)), f"cell {i} output holds a path or address"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_ignored_outputs_still_assert_and_nothing_is_skipped(path):
    for i, cell in code_cells(path):
        source = "".join(cell["source"])
        assert "nbval-skip" not in tags(cell) and "NBVAL_SKIP" not in source, f"cell {i} is skipped"
        if "nbval-ignore-output" in tags(cell):
            assert "assert" in source, f"cell {i} ignores its output but asserts nothing"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_most_cells_are_compared(path):
    cells = code_cells(path)
    ignored = [i for i, c in cells if "nbval-ignore-output" in tags(c)]
    assert len(ignored) <= len(cells) // 4, f"too many cells ignore their output: {ignored}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_execution_timestamps_stored(path):
    # Timestamps change on every run, so a one-line edit would rewrite every cell's JSON.
    timed = [i for i, c in code_cells(path) if "execution" in c.get("metadata", {})]
    assert not timed, f"cells {timed} store execution timings: run `python3 dev.py execute {path.name}`"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_solutions_are_collapsed_in_jupyter(path):
    # The HTML book hides solutions in a dropdown; JupyterLab and Colab read cell metadata instead.
    nb = nbformat.read(path, as_version=4)
    shown = [i for i in solution_cells(nb)
             if not nb.cells[i].metadata.get("jupyter", {}).get("source_hidden")
             or (nb.cells[i].cell_type == "code" and nb.cells[i].metadata.get("cellView") != "form")]
    assert solution_cells(nb), "expected exercises with solutions"
    assert not shown, (f"solution cells {shown} would show in JupyterLab or Colab: "
                       f"run `python3 dev.py execute {path.name}`")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_exercises_are_referred_to_by_number(path):
    # {ref} to an exercise renders its title, "Exercise 4.3", so "exercise {ref}`…`" printed
    # "exercise Exercise 4.3"; {numref} renders the same words once and stays a link.
    nb = nbformat.read(path, as_version=4)
    refs = [i for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and re.search(r"\{ref\}`ch\d+-ex\d+`", c.source)]
    assert not refs, f"cells {refs} refer to an exercise with {{ref}}; use {{numref}}`chN-exM`"


# Code, math, existing links, headings and directive lines, where a "chapter N" stays plain text.
_NOT_PROSE = re.compile(r"```.*?```|~~~.*?~~~|\$\$.*?\$\$|\$(?!\$)[^$]+?\$|`[^`\n]*`|\[[^\]]*\]\([^)]*\)"
                        r"|^#+ [^\n]*|^:::?\{[^\n]*", re.S | re.M)
_CHAPTER_MENTION = re.compile(r"\b[Cc]hapters?\s+(\d+)\b")


def _plain_chapter_mentions(markdown: str, own: int | None) -> list[str]:
    prose = _NOT_PROSE.sub(" ", markdown)
    return [m.group(0) for m in _CHAPTER_MENTION.finditer(prose) if int(m.group(1)) != own]


def test_plain_chapter_mentions_are_detected():
    text = "As chapter 2 showed, [chapter 3](03_layer_loop.ipynb), $chapter 4$, `chapter 5`.\n## Chapter 6\n"
    assert _plain_chapter_mentions(text, None) == ["chapter 2"]
    assert _plain_chapter_mentions("This chapter 7 test", 7) == []


@pytest.mark.parametrize("path", CHAPTERS + [CHAPTERS[0].parent.parent / "intro.md"], ids=lambda p: p.name)
def test_mentions_of_other_chapters_are_links(path):
    # "chapter 2" in the prose is a link, e.g. [chapter 2](02_forward_pass.ipynb), so a reader
    # can follow it; chapters 5 and 6 become "chapters [5](…) and [6](…)".
    if path.suffix == ".md":
        cells, own = [path.read_text(encoding="utf-8")], None
    else:
        nb = nbformat.read(path, as_version=4)
        cells, own = [c.source for c in nb.cells if c.cell_type == "markdown"], int(path.name[:2])
    plain = [m for source in cells for m in _plain_chapter_mentions(source, own)]
    assert not plain, f"plain-text chapter mentions (make them links): {plain}"

