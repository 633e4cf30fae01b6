"""The figures of chapters 5 and 6: a network with its gradients on the edges, and power-law guides.

Smoke tests with the Agg backend, in the style of test_plotting_widgets.py: each function must
draw what it promises, and the guide lines must be the right power laws.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=True)

import numpy as np
import pytest
from matplotlib.patches import Circle

import nnlib
from nnlib import plotting

from conftest import texts

W1 = np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]])  # chapter 2's network
W2 = np.array([[0.3], [0.5], [0.9]])
LAYERS = [(W1, np.zeros(3), "sigmoid"), (W2, np.zeros(1), "linear")]


pytestmark = pytest.mark.usefixtures("close_figures")


def test_draw_backward_network_writes_each_weight_and_its_gradient_on_its_edge():
    (dW1, _), (dW2, _) = nnlib.backprop([[1.0, 1.0]], [[0.0]], LAYERS, "squared_error")
    ax = plotting.draw_backward_network([W1, W2], [dW1, dW2], node_labels=[["x1", "x2"], ["h1", "h2", "h3"], ["y"]],
                                        forward_notes=[["x = 1", "x = 1"], ["a1", "", "a3"], ["y = 1.2332"]],
                                        backward_notes=[["", ""], ["dz1", "dz2", "dz3"], ["dz = 2.4664"]],
                                        layer_names=["inputs", "hidden", "output"])
    assert sum(isinstance(p, Circle) for p in ax.patches) == 2 + 3 + 1
    assert len(ax.lines) == 2 * 3 + 3 * 1  # one edge per weight
    labels = texts(ax)
    for W, dW in [(W1, dW1), (W2, dW2)]:
        for w, g in zip(W.ravel(), dW.ravel()):
            assert f"{w:.2f}" in labels and f"{g:.4f}" in labels
    assert "0.1455" in labels and "1.8031" in labels  # chapter 6's hand computation
    for note in ["x1", "h3", "y", "a1", "a3", "dz2", "y = 1.2332", "dz = 2.4664", "inputs", "hidden", "output"]:
        assert note in labels
    assert "" not in labels  # empty notes leave their place bare
    assert not ax.axison and ax.get_aspect() == 1.0


def test_draw_backward_network_refuses_gradients_that_do_not_fit():
    with pytest.raises(ValueError, match=r"layer 2's gradient has shape \(1, 3\), but its W has shape \(3, 1\)"):
        plotting.draw_backward_network([W1, W2], [W1, W2.T])
    with pytest.raises(ValueError, match="2 weight matrices but 1 gradients"):
        plotting.draw_backward_network([W1, W2], [W1])


def test_plot_power_guides_are_power_laws_through_the_given_point():
    sizes, times = [5, 50, 500], [1e-3, 2e-2, 1.0]
    ax = plotting.plot_scaling(sizes, {"measured": times}, xlabel="P")
    assert plotting.plot_power_guides(ax, sizes, through=(5, 1e-3), powers=(1, 2)) is ax
    linear, square = ax.lines[1:]
    np.testing.assert_allclose(linear.get_ydata(), [1e-3, 1e-2, 1e-1])
    np.testing.assert_allclose(square.get_ydata(), [1e-3, 1e-1, 10.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured", "∝ P (guide)", "∝ P² (guide)"]
