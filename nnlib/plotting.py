"""The figures the chapters draw. Each function draws on an Axes and returns it."""

from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .activations import ActivationLike, get_activation
from .losses import binary_crossentropy

GOOD, BAD = "#d95f02", "#1b9e77"  # colour-blind-safe pair (ColorBrewer Dark2)


def _name(activation: ActivationLike) -> str:
    """An activation's name for a title: "relu" for "relu" and for nnlib.relu alike."""
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "g")


def _axes(ax):
    return ax if ax is not None else plt.subplots(figsize=(5, 3.5))[1]


def plot_activation(activation: ActivationLike, ax=None, z=None, title=None):
    """Plot g(z) for one activation over `z` (default -5..5)."""
    ax = _axes(ax)
    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z)
    ax.plot(z, get_activation(activation)(z), lw=2)
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set(xlabel="z", ylabel="g(z)", title=title or _name(activation))
    return ax


def plot_activations(names: Sequence[str] = ("step", "linear", "sigmoid", "tanh", "relu")):
    """One panel per activation, side by side; returns the Figure."""
    fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names), 2.6), sharex=True)
    for ax, name in zip(np.atleast_1d(axes), names):
        plot_activation(name, ax=ax)
        ax.set_ylim(-1.6, 1.6) if name != "linear" else ax.set_ylim(-5.2, 5.2)
    fig.tight_layout()
    return fig


def plot_neuron(w: float, b: float, activation: ActivationLike = "sigmoid", ax=None,
                x=None, x0: float | None = None):
    """The output a = g(w x + b) of a one-input neuron as x varies.

    If `x0` is given, mark the point (x0, a(x0)).
    """
    ax = _axes(ax)
    g = get_activation(activation)
    x = np.linspace(-5, 5, 401) if x is None else np.asarray(x)
    ax.plot(x, g(w * x + b), lw=2)
    if x0 is not None:
        ax.plot([x0], [g(w * x0 + b)], "o", color=GOOD)
    ax.set(xlabel="x", ylabel="a", title=f"w = {w:g}, b = {b:g}, g = {_name(activation)}")
    ax.grid(alpha=0.3)
    return ax


def draw_network(weights: Sequence[np.ndarray], ax=None, layer_names=None, node_labels=None,
                 edge_fmt: str = "{:.2f}"):
    """Draw a fully connected network with each weight written on its edge.

    Parameters
    ----------
    weights : list of arrays, shape (n_in, n_units) each
        One W per layer in nnlib's convention: ``W[i, j]`` joins input i to unit j.
    layer_names : list of str, optional
        A caption under each column of nodes (inputs first).
    node_labels : list of list of str, optional
        Text inside the nodes, one list per column (inputs first).
    """
    ax = _axes(ax)
    sizes = [np.shape(weights[0])[0]] + [np.shape(W)[1] for W in weights]
    pos = [_column_positions(n, x=i) for i, n in enumerate(sizes)]
    for layer, W in enumerate(weights):
        for i, (x0, y0) in enumerate(pos[layer]):
            for j, (x1, y1) in enumerate(pos[layer + 1]):
                ax.plot([x0, x1], [y0, y1], color="0.55", lw=1, zorder=1)
                t = 0.28  # labels near the start of each edge, where edges are far apart
                ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), edge_fmt.format(W[i, j]),
                        fontsize=8, ha="center", va="center", zorder=3,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    for column, points in enumerate(pos):
        for k, (x, y) in enumerate(points):
            ax.add_patch(plt.Circle((x, y), 0.16, fc="#e8f1fb", ec="#1f4e79", lw=1.5, zorder=2))
            if node_labels is not None:
                ax.text(x, y, node_labels[column][k], ha="center", va="center", fontsize=8, zorder=4)
        if layer_names is not None:
            ax.text(column, -0.5 - max(sizes) / 2, layer_names[column], ha="center", va="top")
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-max(sizes) / 2 - 0.9, max(sizes) / 2 + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _column_positions(n: int, x: float) -> list[tuple[float, float]]:
    return [(x, (n - 1) / 2 - k) for k in range(n)]


def plot_coffee(X, y, ax=None):
    """Scatter roasts by temperature and duration; good roasts as crosses, bad as circles."""
    ax = _axes(ax)
    good = np.ravel(y) == 1
    ax.scatter(X[good, 0], X[good, 1], marker="x", c=GOOD, label="good roast")
    ax.scatter(X[~good, 0], X[~good, 1], marker="o", facecolors="none", edgecolors=BAD,
               label="bad roast")
    ax.set(xlabel="temperature (°C)", ylabel="duration (min)")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def plot_decision_regions(predict: Callable[[np.ndarray], np.ndarray], X, y=None, ax=None,
                          resolution: int = 200, levels=(0.5,)):
    """Shade where ``predict`` (a function of an (n, 2) array) exceeds each level.

    `predict` receives points in the same units as `X`; wrap normalisation inside it.
    """
    ax = _axes(ax)
    X = np.asarray(X, dtype=float)
    G0, G1, points = _plane_grid(X, resolution)
    P = np.asarray(predict(points)).reshape(G0.shape)
    # Finite outer bounds: infinite ones make Matplotlib's colour scaling divide inf by inf
    # (RuntimeWarnings on stderr and no shading at all).
    lo, hi = min(P.min(), *levels) - 1.0, max(P.max(), *levels) + 1.0
    ax.contourf(G0, G1, P, levels=[lo, *levels, hi], cmap="Greys", alpha=0.25)
    ax.contour(G0, G1, P, levels=list(levels), colors="k", linewidths=1)
    if y is not None:
        plot_coffee(X, y, ax=ax)
    return ax


def annotate_nodes(ax, sizes: Sequence[int], notes, fontsize: int = 8):
    """Write a note (e.g. a computed value) beside each node of a `draw_network` figure.

    Parameters
    ----------
    sizes : list of int
        Nodes per column, inputs first, as in the drawn network.
    notes : list of list of str
        One list per column; an empty string leaves that node bare.

    Notes go above their node, except the lowest node of a column with several
    nodes, whose note goes below it, where no edge runs.
    """
    for column, (n, column_notes) in enumerate(zip(sizes, notes)):
        for k, ((x, y), note) in enumerate(zip(_column_positions(n, x=column), column_notes)):
            if not note:
                continue
            below = n > 1 and k == n - 1
            ax.text(x, y - 0.22 if below else y + 0.22, note, ha="center",
                    va="top" if below else "bottom", fontsize=fontsize, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.1", fc="#fff7bc", ec="none"))
    return ax


def plot_binary_crossentropy(ax=None):
    """Binary cross-entropy of one prediction p, for target y = 1 and for y = 0.

    The two curves are the formula's two branches, ``-log p`` and ``-log(1 - p)``,
    evaluated with `nnlib.losses.binary_crossentropy` itself.
    """
    ax = _axes(ax)
    p = np.linspace(0.005, 0.995, 199)
    for target, colour, style, text in [(1.0, GOOD, "-", "y = 1: $-\\log p$"),
                                        (0.0, BAD, "--", "y = 0: $-\\log(1-p)$")]:
        loss = [binary_crossentropy([[target]], [[pk]]) for pk in p]
        ax.plot(p, loss, style, color=colour, lw=2, label=text)
    ax.set(xlabel="predicted probability p = P(y = 1)", ylabel="loss", ylim=(0, 5.5))
    ax.legend(loc="upper center", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def _plane_grid(X, resolution: int):
    """A resolution × resolution grid over the box around the points X (n, 2), padded by 5 %.

    Returns the grid coordinates ``G0, G1`` (for contour plots) and the same
    points as one (resolution², 2) array, ready for a network.
    """
    X = np.asarray(X, dtype=float)
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0))
    g0 = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], resolution)
    g1 = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)
    return G0, G1, np.column_stack([G0.ravel(), G1.ravel()])


def plot_unit_activations(activations: Callable[[np.ndarray], np.ndarray], X, y=None,
                          titles: Sequence[str] | None = None, resolution: int = 120,
                          axis_labels: Sequence[str] = ("temperature (°C)", "duration (min)")):
    """One panel per unit of a layer: its activation over the input plane.

    Parameters
    ----------
    activations : function
        Maps points (n, 2), in the same units as `X`, to the layer's activations
        (n, n_units), e.g. ``lambda P: nnlib.dense(normalize(P, mean, std), W1, b1, "sigmoid")``.
    X : array_like, shape (m, 2)
        The data; the plane shown is the box around it.
    y : array_like of 0/1, optional
        Labels; if given, the data are drawn on top (good: filled crosses, bad: circles).
    titles : list of str, optional
        One title per unit.

    Returns
    -------
    matplotlib.figure.Figure
    """
    G0, G1, points = _plane_grid(X, resolution)
    A = np.asarray(activations(points), dtype=float).reshape(len(points), -1)
    lo, hi = min(A.min(), 0.0), max(A.max(), 1.0)
    n_units = A.shape[1]
    fig, axes = plt.subplots(1, n_units, figsize=(3.3 * n_units, 3.1), sharey=True,
                             constrained_layout=True, squeeze=False)
    for j, ax in enumerate(axes[0]):
        a_j = A[:, j].reshape(G0.shape)
        filled = ax.contourf(G0, G1, a_j, levels=np.linspace(lo, hi, 11), cmap="cividis")
        ax.contour(G0, G1, a_j, levels=[0.5], colors="white", linewidths=1.5, linestyles="--")
        if y is not None:
            Xa, good = np.asarray(X), np.ravel(y) == 1
            ax.scatter(Xa[good, 0], Xa[good, 1], marker="X", s=28, c=GOOD, edgecolors="k",
                       linewidths=0.5)
            ax.scatter(Xa[~good, 0], Xa[~good, 1], marker="o", s=18, c=BAD, edgecolors="k",
                       linewidths=0.5)
        ax.set(xlabel=axis_labels[0], title=titles[j] if titles else f"unit {j + 1}")
    axes[0, 0].set_ylabel(axis_labels[1])
    fig.colorbar(filled, ax=axes[0].tolist(), label="activation", shrink=0.9)
    return fig


def draw_layer_shapes(m: int, n_in: int, n_units: int, ax=None):
    """Draw ``Z = A_in @ W + b`` as boxes whose sides grow with each dimension.

    The bias, a vector of n_units numbers, is drawn as one row with dashed copies
    above and below it: broadcasting repeats it for each of the m examples.
    Sides grow with the logarithm of a dimension, so m = 1000 still fits on the page.
    """
    ax = _axes(ax)

    def side(d):
        return 0.6 + 0.4 * np.log2(d)

    boxes = [("$A_{in}$", (m, n_in)), ("$W$", (n_in, n_units)), ("$b$", (n_units,)),
             ("$Z$", (m, n_units))]
    colours = ["#e8f1fb", "#fde0c5", "#d9f0d3", "#eeeeee"]
    x, top = 0.0, max(side(m), side(n_in)) / 2
    for k, ((name, shape), colour) in enumerate(zip(boxes, colours)):
        rows, cols = (1, shape[0]) if len(shape) == 1 else shape
        w, h = side(cols), side(rows)
        if len(shape) == 1:  # the broadcast copies of b, one per example
            ax.add_patch(plt.Rectangle((x, -side(m) / 2), w, side(m), fc="none", ec="0.5",
                                       ls="--", lw=1))
        ax.add_patch(plt.Rectangle((x, -h / 2), w, h, fc=colour, ec="k", lw=1.2))
        ax.text(x + w / 2, 0, name, ha="center", va="center", fontsize=12)
        ax.text(x + w / 2, -top - 0.15, str(shape), ha="center", va="top", fontsize=9)
        if len(shape) == 1:
            ax.text(x + w / 2, side(m) / 2 + 0.1, f"broadcast to {(m, n_units)}", ha="center",
                    va="bottom", fontsize=8, color="0.35")
        x += w
        if k < len(boxes) - 1:
            ax.text(x + 0.35, 0, "@+="[k], ha="center", va="center", fontsize=14)
            x += 0.7
    ax.set_xlim(-0.2, x + 0.2)
    ax.set_ylim(-top - 0.8, top + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")  # Okabe–Ito, colour-blind-safe
SERIES_MARKERS = ("o", "s", "^", "D")


def plot_scaling(sizes, series: dict, xlabel: str, ylabel: str = "time per call (s)", ax=None):
    """One line per method on log–log axes, e.g. measured run time against layer width.

    Parameters
    ----------
    sizes : array_like or None
        The x values shared by all lines (a width, a batch size, ...).
    series : dict of str to array_like
        A label and one y value per size for each line; or a label and an ``(x, y)``
        pair for a line with x values of its own (then `sizes` may be None).
    """
    ax = _axes(ax)
    for k, (label, values) in enumerate(series.items()):
        x, y = values if isinstance(values, tuple) else (sizes, values)
        ax.plot(x, y, marker=SERIES_MARKERS[k % 4], color=SERIES_COLOURS[k % 4], lw=1.8,
                label=label)
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def plot_neuron_grid(settings: Sequence[tuple[float, float]] = ((1.0, 0.0), (3.0, 0.0), (1.0, 2.0), (-1.0, 0.0)),
                     activations: Sequence[str] = ("step", "linear", "sigmoid", "tanh", "relu"),
                     x=None):
    """A grid of one-input neurons a = g(w x + b): one row per activation, one column per (w, b).

    The static counterpart of `nnlib.widgets.neuron_explorer`: where a live notebook
    lets you drag the sliders, a web page shows a few settings side by side. Each
    panel is drawn by `plot_neuron`; a dotted line marks x = -b/w, where z = 0
    (the step's jump, the sigmoid's midpoint, the ReLU's kink).

    Parameters
    ----------
    settings : sequence of (w, b)
        The weight and bias of each column.
    activations : sequence of str
        The activation g of each row.
    x : array_like, optional
        The inputs to plot over (default -5..5).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(len(activations), len(settings), sharex=True, sharey="row",
                             squeeze=False, figsize=(2.4 * len(settings), 1.8 * len(activations)))
    last = len(activations) - 1
    for row, name in enumerate(activations):
        for col, (w, b) in enumerate(settings):
            ax = axes[row, col]
            plot_neuron(w, b, name, ax=ax, x=x)
            if w != 0:
                ax.axvline(-b / w, color="0.4", ls=":", lw=1)
            ax.set_ylim(-5.5, 5.5) if name in ("linear", "relu") else ax.set_ylim(-1.2, 1.2)
            ax.set_title(f"w = {w:g}, b = {b:g}" if row == 0 else "", fontsize=9)
            ax.set_xlabel("x" if row == last else "")
            ax.set_ylabel(f"{name}\na" if col == 0 else "")
    fig.tight_layout()
    return fig


def plot_loss_surface(loss: Callable[[float, float], float], w_range, b_range, path=None,
                      ax=None, resolution: int = 101, n_levels: int = 18):
    """Contour lines of a loss L(w, b) of one weight and one bias, and a descent path on top.

    Parameters
    ----------
    loss : function
        ``loss(w, b)`` returning a number.
    w_range, b_range : (low, high)
        The window of the plane to show.
    path : array_like, shape (k, 2), optional
        The (w, b) visited by gradient descent, first step first.

    Levels are spaced evenly on a log scale, so the narrow valley floor is drawn too.
    """
    ax = _axes(ax)
    w = np.linspace(*w_range, resolution)
    b = np.linspace(*b_range, resolution)
    Wg, Bg = np.meshgrid(w, b)
    L = np.array([[loss(wi, bi) for wi in w] for bi in b])
    levels = np.geomspace(max(L.min(), L.max() * 1e-5), L.max(), n_levels)
    lines = ax.contour(Wg, Bg, L, levels=levels, cmap="viridis", linewidths=1)
    ax.figure.colorbar(lines, ax=ax, label="loss", format="%.2g")
    if path is not None:
        path = np.asarray(path, dtype=float)
        ax.plot(path[:, 0], path[:, 1], ".-", color=SERIES_COLOURS[1], lw=1, ms=3,
                label="gradient descent")
        ax.plot(*path[0], "o", color=SERIES_COLOURS[1], ms=7, label="start")
        ax.plot(*path[-1], "*", color="k", ms=11, label="end")
        ax.legend(fontsize=8, loc="best")
    ax.set(xlabel="weight w", ylabel="bias b", xlim=w_range, ylim=b_range)
    return ax


def plot_histories(histories: dict, ax=None, logy: bool = True, ylabel: str = "loss"):
    """Loss per epoch, one line per run: ``{"lr = 0.1": history, ...}``."""
    ax = _axes(ax)
    for k, (label, values) in enumerate(histories.items()):
        ax.plot(np.arange(len(values)), values, color=SERIES_COLOURS[k % 4], lw=1.8,
                ls=("-", "--", ":", "-.")[k % 4], label=label)
    ax.set(xlabel="epoch", ylabel=ylabel, yscale="log" if logy else "linear")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def draw_chain(nodes: Sequence[str], forward: Sequence[str], backward: Sequence[str], ax=None):
    """A computation graph as a row of boxes: values flow right, derivatives flow left.

    Parameters
    ----------
    nodes : list of str
        The operation in each box, e.g. ``["z = w x + b", "a = σ(z)", "L = (a − y)²"]``.
    forward, backward : list of str
        Per box, the value it computes (written above) and the derivative of the
        loss with respect to that value (written below).
    """
    ax = _axes(ax)
    width, gap = 2.2, 1.0
    for k, (node, up, down) in enumerate(zip(nodes, forward, backward)):
        x = k * (width + gap)
        ax.add_patch(plt.Rectangle((x, -0.4), width, 0.8, fc="#e8f1fb", ec="#1f4e79", lw=1.5))
        ax.text(x + width / 2, 0, node, ha="center", va="center", fontsize=10)
        ax.text(x + width / 2, 0.6, up, ha="center", va="bottom", fontsize=9,
                color=SERIES_COLOURS[0])
        ax.text(x + width / 2, -0.6, down, ha="center", va="top", fontsize=9,
                color=SERIES_COLOURS[1])
        if k < len(nodes) - 1:
            ax.annotate("", xy=(x + width + gap, 0.15), xytext=(x + width, 0.15),
                        arrowprops=dict(arrowstyle="->", color=SERIES_COLOURS[0], lw=1.5))
            ax.annotate("", xy=(x + width, -0.15), xytext=(x + width + gap, -0.15),
                        arrowprops=dict(arrowstyle="->", color=SERIES_COLOURS[1], lw=1.5, ls="--"))
    total = len(nodes) * width + (len(nodes) - 1) * gap
    ax.text(-0.6, 0.6, "forward: values", ha="right", va="bottom", fontsize=9,
            color=SERIES_COLOURS[0])
    ax.text(-0.6, -0.6, "backward: ∂L/∂(value)", ha="right", va="top", fontsize=9,
            color=SERIES_COLOURS[1])
    ax.set_xlim(-3.4, total + 0.2)
    ax.set_ylim(-1.5, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
