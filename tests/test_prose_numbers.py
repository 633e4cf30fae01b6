"""Every number the prose reports is computed: a chapter's Markdown may not type a result by hand.

A decimal number in a Markdown cell passes when one of these holds:

- it is glued from code (myst-nb ``{glue}`` role);
- it appears, as written, in the stored output of a code cell near it (within `NEAR` cells),
  which nbval re-computes, so text and output cannot drift apart;
- it appears in the source of a code cell near it: an input the code defines (the starting
  point w = 2.269) or a value the code asserts;
- it is on `ALLOWED`, with the reason it is a definition rather than a result.

Numbers inside LaTeX math count like any other: "$\\sigma(0) = 0.5$" reports a value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "chapters").glob("*.ipynb"))
NEAR = 4
NUMBER = re.compile(r"(?<![\w.\\{])[-−]?\d+\.\d+(?:[eE][-+−]?\d+)?")
GLUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")

# (chapter file, number as written): why it may be typed. Definitions, inputs and constants only.
ALLOWED: dict[tuple[str, str], str] = {
    ("05_numeric_gradients.ipynb", "2.269"): "input: the y = 3x neuron's starting weight (cell 4), "
                                             "restated in the summary and exercise 4",
    ("05_numeric_gradients.ipynb", "1.01"): "input: the y = 3x neuron's starting bias (cell 4), "
                                            "restated in the summary and exercise 4",
    ("05_numeric_gradients.ipynb", "0.02"): "a choice: the learning rate for y = 3x (cell 19), restated "
                                            "in the summary",
    ("01_single_neuron.ipynb", "0.5"): "a definition: a sigmoid neuron predicts class 1 when its probability is "
                                       "at least one half, sigma(z) >= 0.5, exactly when z >= 0",
    ("02_forward_pass.ipynb", "0.5"): "a definition: a sigmoid unit fires (and the network calls a roast good) "
                                      "when its activation is above one half, exactly when z > 0",
    ("07_keras.ipynb", "2.21"): "a version, not a result: TensorFlow 2.21, which writes its oneDNN start-up "
                                "notice regardless of TF_CPP_MIN_LOG_LEVEL (README, 'TensorFlow's start-up "
                                "notices')",
}


def cell_text(cell: dict) -> str:
    """A code cell's source and the text of its stored outputs."""
    text = "".join(cell.get("source", []))
    for out in cell.get("outputs", []):
        text += "".join(out.get("text", ""))
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/") and mime != "text/html":
                text += "".join(value)
    return text


def typed_numbers(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [cell_text(c) if c["cell_type"] == "code" else "" for c in cells]
    problems = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        prose = GLUE.sub("", "".join(cell["source"]))
        nearby = "".join(code[max(0, i - NEAR):i + NEAR + 1])
        for match in NUMBER.finditer(prose):
            number = match.group().replace("−", "-").lstrip("-")
            if number in nearby or (path.name, number) in ALLOWED:
                continue
            context = prose[max(0, match.start() - 50):match.end() + 20].replace("\n", " ")
            problems.append(f"cell {i}: {number!r} in '…{context}…'")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_numbers_in_the_prose_are_computed(path):
    problems = typed_numbers(path)
    assert not problems, (
        f"{len(problems)} number(s) in {path.name}'s prose are typed, not computed: glue them, print "
        "them in a cell next to the text, or (for a definition) add them to ALLOWED with the reason:\n"
        + "\n".join(problems))


def test_the_check_catches_a_typed_result(tmp_path):
    cells = [{"cell_type": "code", "source": ["print(round(2 / 3, 4))"], "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": ["0.6667\n"]}]},
             {"cell_type": "markdown", "source": ["The ratio is 0.6667, not 0.6666."]}]
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    assert typed_numbers(path) == ["cell 1: '0.6666' in '…The ratio is 0.6667, not 0.6666.…'"]
