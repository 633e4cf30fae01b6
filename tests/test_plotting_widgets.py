"""nnlib.plotting and nnlib.widgets: smoke tests with the Agg backend.

Each figure function must run, draw what it promises (lines, points, patches,
labels) and, where a curve is drawn, draw the right curve.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=True)

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import traitlets  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

from nnlib import ACTIVATIONS, get_activation, plotting, sequential, sigmoid  # noqa: E402
from nnlib.datasets import coffee_roasting, coffee_roasting_network, normalization_stats, normalize  # noqa: E402
from nnlib.widgets import neuron_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


# --- activations and neurons ---------------------------------------------------------

@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_plot_activation_draws_g_of_z(name):
    ax = plotting.plot_activation(name)
    curve = ax.lines[0]
    z, a = curve.get_xdata(), curve.get_ydata()
    assert len(z) == 401 and z[0] == -5 and z[-1] == 5
    np.testing.assert_allclose(a, get_activation(name)(z))
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("z", "g(z)", name)


def test_plot_activation_on_given_axes_with_z_and_title():
    fig, ax = plt.subplots()
    z = np.linspace(-2, 2, 9)
    assert plotting.plot_activation(sigmoid, ax=ax, z=z, title="my sigmoid") is ax
    np.testing.assert_allclose(ax.lines[0].get_ydata(), sigmoid(z))
    assert ax.get_title() == "my sigmoid"


def test_plot_activations_one_panel_each():
    fig = plotting.plot_activations()
    assert [ax.get_title() for ax in fig.axes] == ["step", "linear", "sigmoid", "tanh", "relu"]
    for ax in fig.axes:
        assert len(ax.lines) >= 1
    assert fig.axes[1].get_ylim() == (-5.2, 5.2)  # linear gets a taller range
    fig = plotting.plot_activations(["tanh"])
    assert [ax.get_title() for ax in fig.axes] == ["tanh"]


def test_plot_neuron_draws_the_neuron_and_the_marked_point():
    ax = plotting.plot_neuron(2.0, -1.0, "relu", x0=1.5)
    curve, point = ax.lines
    x = curve.get_xdata()
    np.testing.assert_allclose(curve.get_ydata(), np.maximum(0, 2 * x - 1))
    assert (point.get_xdata()[0], point.get_ydata()[0]) == (1.5, 2.0)
    assert ax.get_title() == "w = 2, b = -1, g = relu"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "a")


def test_plot_neuron_grid_has_one_panel_per_setting_and_activation():
    fig = plotting.plot_neuron_grid(settings=((1.0, 0.0), (2.0, 1.0)), activations=("step", "sigmoid", "relu"))
    assert len(fig.axes) == 6
    for ax in fig.axes:
        assert len(ax.lines) >= 1
    # row 2 (sigmoid), column 2 (w = 2, b = 1)
    curve = fig.axes[3].lines[0]
    np.testing.assert_allclose(curve.get_ydata(), sigmoid(2 * curve.get_xdata() + 1))


# --- network diagrams -----------------------------------------------------------------

def test_draw_network_nodes_edges_and_labels():
    W1 = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    W2 = np.array([[1.0], [-2.0], [3.5]])
    ax = plotting.draw_network([W1, W2], layer_names=["input", "hidden", "output"],
                               node_labels=[["x1", "x2"], ["h1", "h2", "h3"], ["y"]])
    assert sum(isinstance(p, Circle) for p in ax.patches) == 2 + 3 + 1
    assert len(ax.lines) == 2 * 3 + 3 * 1  # one line per weight
    labels = texts(ax)
    for w in [*W1.ravel(), *W2.ravel()]:
        assert f"{w:.2f}" in labels
    for name in ["input", "hidden", "output", "x1", "h3", "y"]:
        assert name in labels
    assert not ax.axison


def test_annotate_nodes_adds_one_note_per_non_empty_entry():
    ax = plotting.draw_network([np.ones((2, 2))])
    before = len(ax.texts)
    plotting.annotate_nodes(ax, [2, 2], [["a = 1", ""], ["z = 0.5", "z = 0.7"]])
    notes = ax.texts[before:]
    assert [t.get_text() for t in notes] == ["a = 1", "z = 0.5", "z = 0.7"]
    # the lowest node's note goes below it, the others above
    assert [t.get_va() for t in notes] == ["bottom", "bottom", "top"]


def test_draw_layer_shapes():
    ax = plotting.draw_layer_shapes(4, 3, 2)
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(boxes) == 5  # A_in, W, b, the broadcast copies of b, Z
    labels = texts(ax)
    for shape in ["(4, 3)", "(3, 2)", "(2,)", "(4, 2)"]:
        assert shape in labels


# --- data and decision regions --------------------------------------------------------

def test_plot_coffee_good_and_bad_points():
    X, y = coffee_roasting(60, seed=1)
    ax = plotting.plot_coffee(X, y)
    good, bad = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(good.get_offsets()) == int(y.sum())
    assert len(bad.get_offsets()) == 60 - int(y.sum())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["good roast", "bad roast"]
    assert ax.get_xlabel() == "temperature (°C)"


def test_plot_decision_regions_evaluates_the_plane_around_the_data():
    X, y = coffee_roasting(80, seed=2)
    mean, std = normalization_stats(X)
    layers = coffee_roasting_network(mean, std)
    seen = []

    def predict(P):
        seen.append(P)
        return sequential(normalize(P, mean, std), layers)

    ax = plotting.plot_decision_regions(predict, X, y, resolution=50)
    (P,) = seen
    assert P.shape == (50 * 50, 2)
    assert np.all(P.min(axis=0) < X.min(axis=0)) and np.all(P.max(axis=0) > X.max(axis=0))
    assert sum(isinstance(c, ContourSet) for c in ax.collections) == 2  # shading and boundary
    assert sum(isinstance(c, PathCollection) for c in ax.collections) >= 2  # good and bad roasts


def test_plot_decision_regions_without_labels():
    X = np.random.default_rng(3).normal(size=(30, 2))
    ax = plotting.plot_decision_regions(lambda P: sigmoid(P[:, 0] - P[:, 1]), X, resolution=20)
    assert ax.get_legend() is None
    assert any(isinstance(c, ContourSet) for c in ax.collections)


def test_plot_unit_activations_one_panel_per_unit():
    X, y = coffee_roasting(50, seed=4)
    mean, std = normalization_stats(X)
    (W1, b1, g1), _ = coffee_roasting_network(mean, std)
    fig = plotting.plot_unit_activations(lambda P: sequential(normalize(P, mean, std), [(W1, b1, g1)]),
                                         X, y, titles=["cold", "short", "burnt"], resolution=30)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["cold", "short", "burnt"]
    for ax in panels:
        assert any(isinstance(c, ContourSet) for c in ax.collections)
    assert len(fig.axes) == 4  # three panels and a colour bar


# --- loss and timing figures --------------------------------------------------------

def test_plot_binary_crossentropy_two_branches():
    ax = plotting.plot_binary_crossentropy()
    y1, y0 = ax.lines[:2]
    p = y1.get_xdata()
    np.testing.assert_allclose(y1.get_ydata(), -np.log(p), rtol=1e-12)
    np.testing.assert_allclose(y0.get_ydata(), -np.log(1 - p), rtol=1e-12)
    assert len(ax.get_legend().get_texts()) == 2


def test_plot_scaling_log_log_lines():
    ax = plotting.plot_scaling([1, 10, 100], {"loop": [1e-3, 1e-2, 1e-1], "vectorized": [1e-4, 2e-4, 1e-3]},
                               xlabel="units")
    assert len(ax.lines) == 2
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loop", "vectorized"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("units", "time per call (s)")


# --- widgets ---------------------------------------------------------------------------

def controls(widget):
    return {c.description: c for c in widget.kwargs_widgets}


def test_neuron_explorer_has_sliders_and_a_menu():
    widget = neuron_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    c = controls(widget)
    assert set(c) == {"w", "b", "g"}
    for name in ("w", "b"):
        assert isinstance(c[name], ipywidgets.FloatSlider)
        assert (c[name].min, c[name].max, c[name].step) == (-5.0, 5.0, 0.1)
    assert (c["w"].value, c["b"].value) == (1.0, 0.0)
    assert isinstance(c["g"], ipywidgets.Dropdown)
    assert c["g"].options == ("linear", "step", "sigmoid", "tanh", "relu")  # no softmax for one neuron
    assert c["g"].value == "sigmoid"
    assert any(isinstance(child, ipywidgets.Output) for child in widget.children)


def test_neuron_explorer_starts_where_asked_and_redraws():
    widget = neuron_explorer(w=2.0, b=-1.0, activation="tanh")
    c = controls(widget)
    assert (c["w"].value, c["b"].value, c["g"].value) == (2.0, -1.0, "tanh")
    c["w"].value = -0.5
    c["g"].value = "relu"
    curve = plt.gcf().axes[0].lines[0]  # the latest drawing
    np.testing.assert_allclose(curve.get_ydata(), np.maximum(0, -0.5 * curve.get_xdata() - 1.0))
    assert plt.gcf().axes[0].get_ylim() == (-5.2, 5.2)


def test_neuron_explorer_rejects_softmax():
    # ipywidgets' own message; it does not repeat the rejected name
    with pytest.raises(traitlets.TraitError, match="Invalid selection: value not found"):
        neuron_explorer(activation="softmax")
