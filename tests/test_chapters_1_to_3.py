"""Chapters 1 to 3 say exactly what their cells compute: what a review found wrong stays fixed.

The numbers behind each claim are printed by the chapters' own cells, which nbval re-runs, and
`test_prose_numbers.py` ties every number in the prose to those outputs. These tests check the
rest: that the corrected statements, their computed evidence, the book's one layer notation and
the citations stay in place, and that the wrong statements do not come back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CH1, CH2, CH3 = "01_single_neuron.ipynb", "02_forward_pass.ipynb", "03_layer_loop.ipynb"


def cells(name: str) -> list[dict]:
    return json.loads((ROOT / "chapters" / name).read_text(encoding="utf-8"))["cells"]


def prose(name: str) -> str:
    return "\n".join("".join(c["source"]) for c in cells(name) if c["cell_type"] == "markdown")


def printed(name: str) -> str:
    """Everything the chapter's code cells printed, as stored (and re-checked by nbval)."""
    return "".join("".join(out.get("text", "")) for c in cells(name) if c["cell_type"] == "code"
                   for out in c["outputs"] if out["output_type"] == "stream")


@pytest.mark.parametrize("name, wrong, why", [
    (CH1, "(or *logit*)", "the logit is the log-odds: a name for z only when the output is a probability"),
    (CH1, "stretches the curve", "a larger |w| compresses the curve"),
    (CH1, "times the weight", "a score one unit higher multiplies a probability ratio (or the odds) by e"),
    (CH2, "Keras therefore clips every probability", "Keras clips only when a cross-entropy is computed from "
                                                    "probabilities"),
    (CH2, "when no defect unit fires", "'good' means the activations add up to less than 0.5, which is stricter"),
    (CH2, "so it fires when the roast is both hot and long", "unit 3 fires past a sloping line"),
    (CH3, "switches on for roasts that are hot *and* long", "unit 3 fires past a sloping line"),
    (CH3, "when no hidden unit is (more than half) on", "the sum below 0.5 is stricter than no unit on"),
    (CH3, "about −5.05", "the cell prints −5.0448"),
])
def test_a_corrected_statement_does_not_come_back(name, wrong, why):
    assert wrong not in prose(name), f"{name} says {wrong!r} again, but {why}"


def test_chapter_1_computes_what_it_says_about_logits_and_the_weight():
    text, out = prose(CH1), printed(CH1)
    assert "log-odds" in text and "only when the output is a probability" in text
    assert "odds ratio 2.7183 (e = 2.7183)" in out            # one more unit of z: the odds times e
    assert "p_2 / p_1 = 2.7183,  e^(z_2 - z_1) = 2.7183" in out  # softmax: a ratio of probabilities
    assert "over 4.3944" in out and "over 1.4648" in out       # w = 3 compresses the sigmoid threefold
    assert "squeezes" in text


def test_chapter_1_defines_its_losses_before_using_them():
    text = prose(CH1).lower()
    for term in ("mean squared error", "binary cross-entropy", "mse"):
        first_use = re.search(rf"\b{term}\b", text).start()
        definition = text.index("**mean squared error**" if term == "mse" else f"**{term}**")
        assert first_use >= definition, f"chapter 1 uses {term!r} before defining it"


def test_chapter_2_says_when_keras_clips_and_computes_the_float32_bound():
    text, out = prose(CH2), printed(CH2)
    assert "largest clipped loss in float32: 15.9424 = 23 ln 2 = 15.9424" in out
    assert "-log(EPSILON), EPSILON = 1e-07: 16.1181 = 7 ln 10 = 16.1181" in out
    assert "from the score z = 40: log(1 + e^40) = 40.0000" in out
    assert "*when they are computed from probabilities*" in text
    assert "`fit` and `evaluate` compute the loss from the layer's scores $z$" in text
    assert "[chapter 7](07_keras.ipynb)" in text
    assert "import tensorflow" not in "".join("".join(c["source"]) for c in cells(CH2) if c["cell_type"] == "code")


def test_chapters_2_and_3_say_what_the_coffee_output_unit_computes():
    out2, out3 = printed(CH2), printed(CH3)
    assert "< -b2[0] / W2[j, 0] = -5 / -10 = 0.50" in out2
    assert "any above 0.5? False; their sum 0.7757 > 0.50" in out2      # roast 190: no unit on, yet bad
    assert "unit 1 fires below 174.99 °C, unit 2 below 12.00 min" in out2
    assert "240 °C, 13 min:" in out2 and "0.7631]" in out2              # unit 3 fires for roast F
    assert "none above 0.5, sum 0.7757" in out3
    assert 'stricter than "no unit fires"' in prose(CH2)
    assert 'stricter than "no hidden unit is more than half on"' in prose(CH3)
    assert "plot_unit_lines" in "".join("".join(c["source"]) for c in cells(CH2) if c["cell_type"] == "code")


# One notation for layers in chapters 1 to 3: W^{[l]}, b^{[l]}, z^{[l]}_j, a^{[l]}_j (chapter 1).
OLD_LAYER_NOTATION = re.compile(r"W_\{?[12]\}?(?![\d}])|\\mathbf\{b\}_\{?[12]\b|(?<![\w\\])h_\{?\d")


@pytest.mark.parametrize("name", [CH1, CH2, CH3])
def test_layers_are_written_one_way(name):
    text = prose(name)
    found = sorted(set(OLD_LAYER_NOTATION.findall(text)))
    assert not found, f"{name} writes layers as {found}; use W^{{[l]}}, b^{{[l]}}, a^{{[l]}}_j (chapter 1)"
    if name != CH1:
        assert "^{[1]}" in text
    # printed labels follow it too: a^[1]_2, never a bare a_2 for a unit of a two-layer network
    assert not re.search(r"\ba_\d = 1 / \(1", printed(name))


def test_the_notation_is_stated_once_and_the_vocabulary_of_source_c_is_given():
    assert "**Notation.**" in prose(CH1)
    text = prose(CH2)
    for term in ("*feed-forward*", "*multilayer\nperceptron*", "*two-layer*"):
        assert term in text, term
    assert "{cite:p}`sourceC`" in text


@pytest.mark.parametrize("name, keys", [
    (CH1, {"rosenblatt1958"}),
    (CH2, {"sourceA", "sourceB", "sourceC"}),
    (CH3, {"sourceA", "sourceB"}),
])
def test_sources_are_cited_from_the_bibliography(name, keys):
    cited = set(re.findall(r"\{cite:[pt]\}`([^`]+)`", prose(name)))
    cited = {k.strip() for group in cited for k in group.split(",")}
    assert keys <= cited
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    assert all(f"{{{key}," in bib for key in cited), cited


def test_chapter_2_corrects_its_source_with_the_computed_numbers():
    text, out = prose(CH2), printed(CH2)
    assert "reports $\\hat y = 1.235$ where the exact value is $1.233212$" in text
    assert "output ŷ              1.233212       1.235000" in out
