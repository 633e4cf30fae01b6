"""nnlib.plotting and nnlib.widgets: smoke tests with the Agg backend.

Each figure function must run, draw what it promises (lines, points, patches,
labels) and, where a curve is drawn, draw the right curve.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=True)

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import traitlets
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet
from matplotlib.patches import Circle, Rectangle

import nnlib
from nnlib import ACTIVATIONS, get_activation, plotting, sequential, sigmoid
from nnlib.datasets import coffee_roasting, coffee_roasting_network, normalization_stats, normalize
from nnlib.widgets import neuron_explorer

from conftest import texts

pytestmark = pytest.mark.usefixtures("close_figures")


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


@pytest.mark.parametrize("activation, ylim", [
    ("linear", (-5.5, 5.5)), ("relu", (-5.5, 5.5)), (nnlib.relu, (-5.5, 5.5)),
    ("step", (-1.2, 1.2)), ("sigmoid", (-1.2, 1.2)), ("tanh", (-1.2, 1.2)), (nnlib.tanh, (-1.2, 1.2)),
])
def test_activation_ylim_shows_each_curve_whole_over_minus_5_to_5(activation, ylim):
    assert plotting.activation_ylim(activation) == ylim
    z = np.linspace(-5, 5, 401)
    a = get_activation(activation)(z)
    low, high = ylim
    assert low < a.min() and a.max() < high
    assert high - a.max() <= 0.5  # snug: no bounded curve is drawn in the middle of a tall range


def test_plot_activations_one_panel_each():
    fig = plotting.plot_activations()
    assert [ax.get_title() for ax in fig.axes] == ["step", "linear", "sigmoid", "tanh", "relu"]
    for ax in fig.axes:
        assert len(ax.lines) >= 1
        assert ax.get_ylim() == plotting.activation_ylim(ax.get_title())
    assert fig.axes[1].get_ylim() == (-5.5, 5.5)  # linear gets a taller range
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
    assert [ax.get_ylim() for ax in fig.axes[::2]] == [(-1.2, 1.2), (-1.2, 1.2), (-5.5, 5.5)]


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
    assert plt.gcf().axes[0].get_ylim() == (-5.5, 5.5)  # the same range as every relu plot
    c["g"].value = "sigmoid"
    assert plt.gcf().axes[0].get_ylim() == (-1.2, 1.2)


def test_neuron_explorer_rejects_softmax():
    # ipywidgets' own message; it does not repeat the rejected name
    with pytest.raises(traitlets.TraitError, match="Invalid selection: value not found"):
        neuron_explorer(activation="softmax")


# --- chapters 1 to 3: the neuron, network diagrams, roasts and hidden units -----------------
# A phone shows a figure at the width of its screen, about 340 CSS pixels of text column; a
# figure's text must still be about 10 pixels tall there.

PHONE_COLUMN_PX = 340


def visible_texts(fig):
    """Every non-empty text the figure shows: titles, labels, ticks (where axes are on), notes, legends."""
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax._left_title, ax._right_title]
        if ax.axison:
            texts += [ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    for legend in fig.legends:
        texts += legend.get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def smallest_text_on_a_phone(fig) -> float:
    """The smallest text's font size in CSS pixels once the figure, cropped as the notebook saves
    it, is shrunk to a phone's text column."""
    fig.canvas.draw()
    width_inches = fig.get_tightbbox(fig.canvas.get_renderer()).width
    return min(t.get_fontsize() for t in visible_texts(fig)) / 72 * PHONE_COLUMN_PX / width_inches


def text_boxes(ax):
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]


def coffee_setup():
    X, y = coffee_roasting()
    mean, std = normalization_stats(X)
    (W1, b1, _), (W2, b2, _) = coffee_roasting_network(mean, std)
    return X, y, mean, std, W1, b1, W2, b2


CHAPTER_2_W = [np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]), np.array([[0.3], [0.5], [0.9]])]


def book_networks():
    """The network diagrams of chapters 2 and 3, drawn as the chapters draw them."""
    *_, W1, b1, W2, b2 = coffee_setup()
    labels = [["$x_1$", "$x_2$"], ["$a^{[1]}_1$", "$a^{[1]}_2$", "$a^{[1]}_3$"], [r"$\hat y$"]]
    names = ["inputs", "layer [1]\nhidden, sigmoid", "layer [2]\noutput, linear"]
    zeros = [np.zeros(3), np.zeros(1)]
    return {
        "chapter 2": plotting.draw_network(CHAPTER_2_W, biases=zeros, bias_fmt="b = {:g}",
                                           layer_names=names, node_labels=labels),
        "chapter 2, values": plotting.draw_network(
            CHAPTER_2_W, biases=zeros, bias_fmt="b = {:g}", layer_names=names, node_labels=labels,
            notes=[["x_1 = 1", "x_2 = 1"], ["z = 1.000\na = 0.731", "z = 1.300\na = 0.786",
                                             "z = 0.800\na = 0.690"], ["ŷ = 1.233\nL = 1.521"]]),
        "chapter 3, one layer": plotting.draw_network(
            [CHAPTER_2_W[0]], biases=[np.array([0.1, -0.3, 0.2])], bias_fmt="b = {:g}",
            layer_names=["inputs", "layer"], node_labels=[["$x_1$", "$x_2$"], ["$a_1$", "$a_2$", "$a_3$"]]),
        "chapter 3, coffee": plotting.draw_network(
            [W1, W2], biases=[b1, b2], node_labels=labels[:2] + [["$a^{[2]}_1$"]],
            layer_names=["normalised\ninputs", "layer [1]\nhidden, sigmoid", "layer [2]\noutput, sigmoid"],
            notes=[["temperature", "duration"], ["too cold", "too short", "burnt"], ["good?"]]),
    }


def test_draw_network_leaves_out_zero_weights_and_draws_every_bias():
    *_, W1, b1, W2, b2 = coffee_setup()
    assert (W1 == 0).sum() == 2
    ax = plotting.draw_network([W1, W2], biases=[b1, b2])
    assert len(ax.lines) == 2 * 3 + 3 - 2  # no edge for the two zero weights
    labels = texts(ax)
    assert "0.00" not in labels
    for b in [*b1, *b2]:
        assert f"b = {b:.2f}" in labels
    assert len(plotting.draw_network([W1, W2], hide_zero=False).lines) == 2 * 3 + 3
    with pytest.raises(ValueError, match="one bias per unit"):
        plotting.draw_network([W1, W2], biases=[b1, b1])


@pytest.mark.parametrize("name", ["chapter 2", "chapter 2, values", "chapter 3, one layer", "chapter 3, coffee"])
def test_network_diagrams_have_no_colliding_labels_and_read_on_a_phone(name):
    ax = book_networks()[name]
    boxes = text_boxes(ax)
    for k, (text_a, a) in enumerate(boxes):
        for text_b, b in boxes[k + 1:]:
            assert not a.overlaps(b), f"{name}: {text_a!r} overlaps {text_b!r}"
    # each weight's label sits on its own edge, and no other edge runs through it
    renderer = ax.figure.canvas.get_renderer()
    edges = [np.array(line.get_xydata()) for line in ax.lines]
    weights = [t for t in ax.texts if t.get_bbox_patch() is not None
               and t.get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0)]
    assert len(weights) == len(edges)
    for t in weights:
        box = t.get_window_extent(renderer).transformed(ax.transData.inverted())
        on = []
        for (x0, y0), (x1, y1) in edges:
            s = np.linspace(0, 1, 400)
            inside = ((x0 + s * (x1 - x0) > box.x0) & (x0 + s * (x1 - x0) < box.x1)
                      & (y0 + s * (y1 - y0) > box.y0) & (y0 + s * (y1 - y0) < box.y1))
            on.append(inside.any())
        assert sum(on) == 1, f"{name}: label {t.get_text()!r} touches {sum(on)} edges"
    assert smallest_text_on_a_phone(ax.figure) >= 10


def test_annotate_nodes_goes_above_every_node_when_biases_are_drawn_below():
    ax = plotting.draw_network([np.ones((2, 2))], biases=[np.zeros(2)])
    before = len(ax.texts)
    plotting.annotate_nodes(ax, [2, 2], [["", ""], ["z = 0.5", "z = 0.7"]])
    assert [t.get_va() for t in ax.texts[before:]] == ["bottom", "bottom"]
    (_, y), note = plotting._NETWORK_LAYOUT[ax]["positions"][1][1], ax.texts[-1]
    assert note.get_position()[1] > y  # above its own node, in the drawn geometry


def test_draw_neuron_shows_every_part_of_the_neuron():
    ax = plotting.draw_neuron()
    labels = texts(ax)
    for part in ["$x_1$", "$x_2$", "$x_3$", "$w_{1}$", "$w_{2}$", "$w_{3}$", "$b$", "$g$", "$a$", "$z$",
                 "$\\Sigma$", "inputs", "weights", "sum", "activation", "output"]:
        assert part in labels
    assert sum(isinstance(p, Circle) for p in ax.patches) == 3 + 1  # the inputs and the sum
    assert smallest_text_on_a_phone(ax.figure) >= 10
    ax = plotting.draw_neuron(inputs=["2", "-1"], weights=["0.4", "0.3"], bias="0.1", activation="σ")
    assert {"2", "-1", "0.4", "0.3", "0.1", "σ"} <= set(texts(ax))
    with pytest.raises(ValueError, match="one weight per input"):
        plotting.draw_neuron(inputs=["$x_1$", "$x_2$"], weights=["$w_1$"])


def test_plot_unit_lines_draws_each_units_line_z_equal_0_and_its_firing_side():
    X, y, mean, std, W1, b1, *_ = coffee_setup()

    def scores(P):
        return normalize(P, mean, std) @ W1 + b1

    ax = plotting.plot_unit_lines(scores, X, y, names=["cold", "short", "burnt"])
    lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    fills = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert len(lines) == len(fills) == 3
    for j, contour in enumerate(lines):
        points = np.vstack([p.vertices for p in contour.get_paths()])
        assert len(points) > 10
        np.testing.assert_allclose(scores(points)[:, j], 0.0, atol=1e-9)  # z is linear: exact on the grid
        for p in fills[j].get_paths():  # the tinted side is where z > 0
            inner = p.vertices[len(p.vertices) // 3]
            assert scores(inner[None, :])[0, j] >= -1e-9
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["cold: fires, z > 0", "short: fires, z > 0", "burnt: fires, z > 0", "good roast", "bad roast"]
    assert smallest_text_on_a_phone(ax.figure) >= 9.5


def test_plot_unit_lines_over_decision_regions_keeps_their_legend():
    X, y, mean, std, W1, b1, W2, b2 = coffee_setup()
    fig, ax = plt.subplots()
    plotting.plot_decision_regions(lambda P: sequential(normalize(P, mean, std), [(W1, b1, "sigmoid"),
                                                                                 (W2, b2, "sigmoid")]),
                                   X, y, ax=ax, resolution=40)
    plotting.plot_unit_lines(lambda P: normalize(P, mean, std) @ W1 + b1, X, ax=ax, fill=False,
                             resolution=40)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["unit 1, z = 0", "unit 2, z = 0", "unit 3, z = 0", "output ≥ 0.5", "good roast",
                      "bad roast"]


def roast_markers(ax):
    return {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}


def test_every_roast_figure_draws_good_and_bad_roasts_alike_with_a_legend():
    X, y, mean, std, W1, b1, W2, b2 = coffee_setup()
    layer = [(W1, b1, "sigmoid")]
    figures = {
        "plot_coffee": plotting.plot_coffee(X, y).figure,
        "plot_decision_regions": plotting.plot_decision_regions(
            lambda P: sequential(normalize(P, mean, std), layer + [(W2, b2, "sigmoid")]), X, y,
            resolution=30).figure,
        "plot_unit_lines": plotting.plot_unit_lines(lambda P: normalize(P, mean, std) @ W1 + b1, X, y,
                                                    resolution=30).figure,
        "plot_unit_activations": plotting.plot_unit_activations(
            lambda P: sequential(normalize(P, mean, std), layer), X, y, resolution=30, ncols=2),
    }
    good, bad = y.ravel() == 1, y.ravel() == 0
    for name, fig in figures.items():
        panels = [ax for ax in fig.axes if roast_markers(ax)]
        assert panels, name
        for ax in panels:
            markers = roast_markers(ax)
            np.testing.assert_allclose(markers["good roast"].get_offsets(), X[good], err_msg=name)
            np.testing.assert_allclose(markers["bad roast"].get_offsets(), X[bad], err_msg=name)
            assert tuple(markers["good roast"].get_facecolor()[0]) == matplotlib.colors.to_rgba(plotting.GOOD)
            assert tuple(markers["bad roast"].get_facecolor()[0]) == matplotlib.colors.to_rgba(plotting.BAD)
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + fig.legends
        shown = {t.get_text() for legend in legends for t in legend.get_texts()}
        assert {"good roast", "bad roast"} <= shown, name


def test_plot_unit_activations_wraps_its_panels_and_keeps_a_legend():
    X, y, mean, std, W1, b1, *_ = coffee_setup()
    fig = plotting.plot_unit_activations(lambda P: sequential(normalize(P, mean, std), [(W1, b1, "sigmoid")]),
                                         X, y, titles=["cold", "short", "burnt"], resolution=30, ncols=2)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["cold", "short", "burnt"]
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend())
    assert [t.get_text() for t in legend.get_texts()] == ["good roast", "bad roast",
                                                          "activation 0.5 (white, dashed)"]
    assert smallest_text_on_a_phone(fig) >= 9.5


def test_plot_neuron_names_its_curve_for_a_legend():
    ax = plotting.plot_neuron(1.0, 0.0, "sigmoid", label="fitted")
    assert ax.lines[0].get_label() == "fitted"
