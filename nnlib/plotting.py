"""The figures the chapters draw. Each function draws on an Axes and returns it."""

from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .activations import ActivationLike, get_activation

GOOD, BAD = "#d95f02", "#1b9e77"  # colour-blind-safe pair (ColorBrewer Dark2)


def _axes(ax):
    return ax if ax is not None else plt.subplots(figsize=(5, 3.5))[1]


def plot_activation(activation: ActivationLike, ax=None, z=None, title=None):
    """Plot g(z) for one activation over `z` (default -5..5)."""
    ax = _axes(ax)
    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z)
    ax.plot(z, get_activation(activation)(z), lw=2)
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set(xlabel="z", ylabel="g(z)", title=title or str(activation))
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
    ax.set(xlabel="x", ylabel="a", title=f"w = {w:g}, b = {b:g}, g = {activation}")
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
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0))
    g0 = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], resolution)
    g1 = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)
    P = np.asarray(predict(np.column_stack([G0.ravel(), G1.ravel()]))).reshape(G0.shape)
    ax.contourf(G0, G1, P, levels=[-np.inf, *levels, np.inf], cmap="Greys", alpha=0.25)
    ax.contour(G0, G1, P, levels=list(levels), colors="k", linewidths=1)
    if y is not None:
        plot_coffee(X, y, ax=ax)
    return ax
