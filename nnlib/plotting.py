"""The figures the chapters draw. Each function draws on an Axes and returns it."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from . import binary_crossentropy, get_activation

GOOD, BAD = "#d95f02", "#1b9e77"  # colour-blind-safe pair (ColorBrewer Dark2)


def _name(activation: str | Callable) -> str:
    """An activation's name for a title: "relu" for "relu" and for nnlib.relu alike."""
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "g")


def activation_ylim(activation: str | Callable) -> tuple[float, float]:
    """The y-range of every activation plot: all of ±5 for the unbounded activations
    (linear, ReLU), whose outputs over the plotted inputs -5..5 reach 5, and a snug ±1.2
    for the bounded ones (step, sigmoid, tanh, softmax)."""
    return (-5.5, 5.5) if _name(activation) in ("linear", "relu") else (-1.2, 1.2)


def _axes(ax):
    return ax if ax is not None else plt.subplots(figsize=(5, 3.5))[1]


def plot_activation(activation: str | Callable, ax=None, z=None, title=None):
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
        ax.set_ylim(activation_ylim(name))
    fig.tight_layout()
    return fig


def plot_neuron(w: float, b: float, activation: str | Callable = "sigmoid", ax=None,
                x=None, x0: float | None = None, label: str | None = None):
    """The output a = g(w x + b) of a one-input neuron as x varies.

    If `x0` is given, mark the point (x0, a(x0)). `label` names the curve in a legend.
    """
    ax = _axes(ax)
    g = get_activation(activation)
    x = np.linspace(-5, 5, 401) if x is None else np.asarray(x)
    ax.plot(x, g(w * x + b), lw=2, label=label)
    if x0 is not None:
        ax.plot([x0], [g(w * x0 + b)], "o", color="k")
    ax.set(xlabel="x", ylabel="a", title=f"w = {w:g}, b = {b:g}, g = {_name(activation)}")
    ax.grid(alpha=0.3)
    return ax


def draw_network(weights: Sequence[np.ndarray], ax=None, layer_names=None, node_labels=None,
                 edge_fmt: str = "{:.2f}", biases=None, bias_fmt: str = "b = {:.2f}", notes=None,
                 hide_zero: bool = True, fontsize: float = 14):
    """Draw a fully connected network with each weight written on its edge.

    Parameters
    ----------
    weights : list of arrays, shape (n_in, n_units) each
        One W per layer in nnlib's convention: ``W[i, j]`` joins input i to unit j.
    layer_names : list of str, optional
        A caption under each column of nodes (inputs first).
    node_labels : list of list of str, optional
        Text inside the nodes, one list per column (inputs first).
    biases : list of arrays, shape (n_units,) each, optional
        One b per layer. Each unit's bias is written under it, on a short arrow into the
        node: the bias is added to the unit's weighted sum like one more input.
    notes : list of list of str, optional
        A note above each node (e.g. a computed value), one list per column (inputs first);
        an empty string leaves that node bare.
    hide_zero : bool
        Leave out the edges whose weight is exactly 0: that unit ignores that input.

    With ``ax=None`` the figure is sized to the drawing (one unit of the plot is one inch,
    at 150 dpi), so that its text stays readable when a phone shrinks the figure to the
    width of its screen. Each weight's label is placed along its own edge where it
    overlaps no node, note, bias or other label, and no other edge runs through it.
    """
    sizes = [np.shape(weights[0])[0]] + [np.shape(W)[1] for W in weights]
    if biases is not None and [np.size(b) for b in biases] != sizes[1:]:
        raise ValueError(f"draw_network: expected one bias per unit, {sizes[1:]} per layer, "
                         f"got {[np.size(b) for b in biases]}")
    r = _NET_RADIUS
    note_lines = max((str(n).count("\n") + 1 for col in (notes or []) for n in col if n), default=0)
    note_room = 0.12 + 0.26 * note_lines if note_lines else 0.0
    bias_room = 0.75 if biases is not None else 0.0
    name_lines = max((str(n).count("\n") + 1 for n in (layer_names or [])), default=0)
    dy = max(_NET_DY, 2 * r + bias_room + note_room + 0.1)
    pos = [_column_positions(n, x=column, dy=dy) for column, n in enumerate(sizes)]
    half = dy * (max(sizes) - 1) / 2
    names_y = -half - r - bias_room - 0.1
    xlim = (-0.75, _NET_DX * (len(sizes) - 1) + 0.75)
    ylim = (names_y - (0.15 + 0.27 * name_lines if name_lines else 0.0) - 0.05,
            half + r + note_room + 0.15)
    if ax is None:
        fig = plt.figure(figsize=(xlim[1] - xlim[0], ylim[1] - ylim[0]), dpi=150)
        ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.axis("off")
    fixed = []  # the texts that the weights' labels must keep clear of
    for column, points in enumerate(pos):
        for k, (x, y) in enumerate(points):
            ax.add_patch(plt.Circle((x, y), r, fc=_NODE_FC, ec=_NODE_EC, lw=1.5, zorder=2))
            if node_labels is not None:
                ax.text(x, y, node_labels[column][k], ha="center", va="center", fontsize=fontsize,
                        zorder=4)
            if biases is not None and column > 0:
                ax.annotate("", xy=(x, y - r), xytext=(x, y - r - 0.32), zorder=1,
                            arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2, shrinkA=0, shrinkB=0))
                fixed.append(ax.text(x, y - r - 0.34, bias_fmt.format(np.ravel(biases[column - 1])[k]),
                                     ha="center", va="top", fontsize=fontsize - 1, zorder=5,
                                     bbox=dict(boxstyle="round,pad=0.15", fc="#eeeeee", ec="none")))
            if notes is not None and notes[column][k]:
                fixed.append(ax.text(x, y + r + 0.06, notes[column][k], ha="center", va="bottom",
                                     fontsize=fontsize - 1, zorder=5, linespacing=1.1,
                                     bbox=dict(boxstyle="round,pad=0.15", fc=_NOTE_FC, ec="none")))
    for column, name in enumerate(layer_names or []):
        fixed.append(ax.text(_NET_DX * column, names_y, name, ha="center", va="top",
                             fontsize=fontsize, linespacing=1.1))
    edges = []
    for layer, W in enumerate(weights):
        for i, start in enumerate(pos[layer]):
            for j, end in enumerate(pos[layer + 1]):
                if hide_zero and W[i, j] == 0:
                    continue
                ax.plot(*zip(start, end), color="0.55", lw=1.2, zorder=1)
                edges.append((start, end, edge_fmt.format(W[i, j])))
    _place_edge_labels(ax, edges, fixed, fontsize - 1)
    _NETWORK_LAYOUT[ax] = {"positions": pos, "radius": r, "biases": biases is not None}
    return ax


_NET_DX, _NET_DY, _NET_RADIUS = 2.0, 1.5, 0.3  # inches, when draw_network makes the figure
_NODE_FC, _NODE_EC, _NOTE_FC = "#e8f1fb", "#1f4e79", "#fff7bc"
_NETWORK_LAYOUT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _column_positions(n: int, x: float, dy: float = _NET_DY) -> list[tuple[float, float]]:
    return [(_NET_DX * x, dy * ((n - 1) / 2 - k)) for k in range(n)]


def _place_edge_labels(ax, edges, fixed, fontsize):
    """Write each edge's label at the point along the edge (from 18 % to 82 % of the way)
    that keeps it clearest of the nodes, the `fixed` texts, the labels placed before it
    and the other edges, preferring a point near the edge's start."""
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()

    def box_of(artist):
        return Bbox(to_data.transform(artist.get_window_extent(renderer).get_points()))

    taken = [box_of(t) for t in fixed]
    taken += [Bbox([[p.center[0] - p.radius, p.center[1] - p.radius],
                    [p.center[0] + p.radius, p.center[1] + p.radius]])
              for p in ax.patches if isinstance(p, plt.Circle)]
    segments = [(np.asarray(a, float), np.asarray(b, float)) for a, b, _ in edges]
    for e, ((x0, y0), (x1, y1), text) in enumerate(edges):
        label = ax.text(x0, y0, text, ha="center", va="center", fontsize=fontsize, zorder=3,
                        bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none"))
        size = box_of(label).size
        best = None
        for t in np.linspace(0.18, 0.82, 33):
            centre = np.array([x0 + t * (x1 - x0), y0 + t * (y1 - y0)])
            box = Bbox([centre - size / 2, centre + size / 2])
            clearance = min(_box_gap(box, other) for other in taken)
            margin = Bbox([centre - size / 2 - 0.06, centre + size / 2 + 0.06])
            crossed = sum(_segment_meets_box(a, b, margin) for k, (a, b) in enumerate(segments) if k != e)
            score = (clearance < 0.03, crossed, -min(clearance, 0.12), abs(t - 0.3))
            if best is None or score < best[0]:
                best = (score, centre, box)
        label.set_position(tuple(best[1]))
        taken.append(best[2])


def _box_gap(a, b) -> float:
    """The distance between two boxes; negative (minus the overlap's smaller side) if they overlap."""
    gap_x = max(b.x0 - a.x1, a.x0 - b.x1)
    gap_y = max(b.y0 - a.y1, a.y0 - b.y1)
    if gap_x < 0 and gap_y < 0:
        return max(gap_x, gap_y)
    return float(np.hypot(max(gap_x, 0.0), max(gap_y, 0.0)))


def _segment_meets_box(a, b, box) -> bool:
    points = a + np.linspace(0.0, 1.0, 81)[:, None] * (b - a)
    return bool(np.any((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                       & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)))


def plot_coffee(X, y, ax=None):
    """Scatter roasts by temperature and duration, with a legend.

    Every roast in the book is drawn the same way (`_scatter_roasts`): good roasts
    (label 1) as orange crosses in `GOOD`, bad roasts (label 0) as green circles in `BAD`.
    """
    ax = _axes(ax)
    _scatter_roasts(ax, X, y)
    ax.set_xlabel("temperature (°C)", fontsize=12)
    ax.set_ylabel("duration (min)", fontsize=12)
    ax.tick_params(labelsize=11)
    ax.legend(loc="upper right", fontsize=10, framealpha=0.9)
    return ax


def plot_decision_regions(predict: Callable[[np.ndarray], np.ndarray], X, y=None, ax=None,
                          resolution: int = 200, levels=(0.5,)):
    """Shade where ``predict`` (a function of an (n, 2) array) exceeds each level.

    `predict` receives points in the same units as `X`; wrap normalisation inside it.
    With labels `y`, the roasts are drawn on top and the legend names the shading too.
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
        if len(levels) == 1:
            shaded = Patch(fc=plt.get_cmap("Greys")(1.0), alpha=0.25, ec="k", lw=1,
                           label=f"output ≥ {levels[0]:g}")
            handles, labels = ax.get_legend_handles_labels()
            ax.legend([shaded, *handles], [shaded.get_label(), *labels], loc="upper right",
                      fontsize=10, framealpha=0.9)
    return ax


def annotate_nodes(ax, sizes: Sequence[int], notes, fontsize: float = 12):
    """Write a note (e.g. a computed value) beside each node of a `draw_network` figure.

    Parameters
    ----------
    sizes : list of int
        Nodes per column, inputs first, as in the drawn network.
    notes : list of list of str
        One list per column; an empty string leaves that node bare.

    Notes go above their node, except the lowest node of a column with several
    nodes, whose note goes below it, where no edge runs (unless the network was drawn
    with its biases, which sit below the nodes). `draw_network`'s own ``notes=`` places
    notes before the weights' labels, so that those keep clear of them: prefer it.
    """
    layout = _NETWORK_LAYOUT.get(ax)
    positions = layout["positions"] if layout else [_column_positions(n, x=c) for c, n in enumerate(sizes)]
    radius = layout["radius"] if layout else _NET_RADIUS
    below_ok = not (layout and layout["biases"])
    for column, (n, column_notes) in enumerate(zip(sizes, notes)):
        for k, ((x, y), note) in enumerate(zip(positions[column], column_notes)):
            if not note:
                continue
            below = below_ok and n > 1 and k == n - 1
            offset = radius + 0.06
            ax.text(x, y - offset if below else y + offset, note, ha="center",
                    va="top" if below else "bottom", fontsize=fontsize, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", fc=_NOTE_FC, ec="none"))
    return ax


def plot_binary_crossentropy(ax=None):
    """Binary cross-entropy of one prediction p, for target y = 1 and for y = 0.

    The two curves are the formula's two branches, ``-log p`` and ``-log(1 - p)``,
    evaluated with `nnlib.binary_crossentropy` itself.
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
                          axis_labels: Sequence[str] = ("temperature (°C)", "duration (min)"),
                          ncols: int | None = None):
    """One panel per unit of a layer: its activation over the input plane.

    Parameters
    ----------
    activations : function
        Maps points (n, 2), in the same units as `X`, to the layer's activations
        (n, n_units), e.g. ``lambda P: nnlib.dense(normalize(P, mean, std), W1, b1, "sigmoid")``.
    X : array_like, shape (m, 2)
        The data; the plane shown is the box around it.
    y : array_like of 0/1, optional
        Labels; if given, the roasts are drawn on top (`plot_coffee`'s markers and colours).
    titles : list of str, optional
        One title per unit.
    ncols : int, optional
        Panels per row (default: all in one row). With fewer, the panels wrap onto more
        rows, and a free panel, if there is one, holds the legend.

    A white dashed line marks where each activation is 0.5; for the sigmoid, where z = 0.

    Returns
    -------
    matplotlib.figure.Figure
    """
    G0, G1, points = _plane_grid(X, resolution)
    A = np.asarray(activations(points), dtype=float).reshape(len(points), -1)
    lo, hi = min(A.min(), 0.0), max(A.max(), 1.0)
    n_units = A.shape[1]
    ncols = n_units if ncols is None else max(1, min(ncols, n_units))
    nrows = -(-n_units // ncols)
    wrapped = nrows * ncols > n_units  # a free panel holds the colour bar and the legend
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols + (0.2 if wrapped else 1.0), 2.7 * nrows),
                             sharex=True, sharey=True, constrained_layout=True, squeeze=False,
                             dpi=150 if wrapped else None)
    panels, spare = list(axes.ravel()[:n_units]), list(axes.ravel()[n_units:])
    for j, ax in enumerate(panels):
        a_j = A[:, j].reshape(G0.shape)
        filled = ax.contourf(G0, G1, a_j, levels=np.linspace(lo, hi, 11), cmap="cividis")
        ax.contour(G0, G1, a_j, levels=[0.5], colors="white", linewidths=1.5, linestyles="--")
        if y is not None:
            _scatter_roasts(ax, X, y, size=22)
        ax.set_title(titles[j] if titles else f"unit {j + 1}", fontsize=13)
        ax.tick_params(labelbottom=True, labelleft=True, labelsize=12)
        if j % ncols == 0:
            ax.set_ylabel(axis_labels[1], fontsize=12)
        if j + ncols >= n_units:
            ax.set_xlabel(axis_labels[0], fontsize=12)
    handles = [Line2D([], [], color="0.4", ls="--", lw=1.5, label="activation 0.5 (white, dashed)")]
    if y is not None:
        handles = panels[0].get_legend_handles_labels()[0] + handles
    for ax in spare:
        ax.axis("off")
    if wrapped:
        bar = fig.colorbar(filled, cax=spare[0].inset_axes((0.08, 0.72, 0.84, 0.09)),
                           orientation="horizontal")
        bar.set_label("activation", fontsize=12)
        bar.ax.tick_params(labelsize=12)
        bar.set_ticks(np.linspace(lo, hi, 3))
        spare[0].legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.45),
                        frameon=False, fontsize=12)
    else:
        fig.colorbar(filled, ax=panels, label="activation", shrink=0.9)
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
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
            ax.set_ylim(activation_ylim(name))
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


# ------------------------------------------------- chapters 5 and 6: gradients drawn

def draw_backward_network(weights: Sequence[np.ndarray], grads: Sequence[np.ndarray], ax=None,
                          node_labels=None, forward_notes=None, backward_notes=None,
                          layer_names=None, weight_fmt: str = "{:.2f}", grad_fmt: str = "{:.4f}"):
    """A fully connected network with each weight and its gradient ∂L/∂w written on its edge.

    The backward-pass counterpart of `draw_network`, spaced more widely so that each edge
    carries two numbers side by side: the weight (grey) and its gradient (orange). As in
    `draw_chain`, notes on the forward pass are blue and derivatives orange.

    Parameters
    ----------
    weights, grads : lists of arrays, shape (n_in, n_units) each
        One ``W`` and its ``dW`` per layer, in nnlib's convention: ``W[i, j]`` joins input i
        to unit j.
    node_labels : list of list of str, optional
        Text inside the nodes, one list per column (inputs first).
    forward_notes, backward_notes : list of list of str, optional
        Per column and node, a note above the node (e.g. its activation) and one below it
        (e.g. its dz); an empty string leaves that place bare.
    layer_names : list of str, optional
        A caption under each column.
    """
    if len(weights) != len(grads):
        raise ValueError(f"draw_backward_network: {len(weights)} weight matrices but "
                         f"{len(grads)} gradients; expected one dW per W")
    for k, (W, dW) in enumerate(zip(weights, grads)):
        if np.shape(W) != np.shape(dW):
            raise ValueError(f"draw_backward_network: layer {k + 1}'s gradient has shape "
                             f"{np.shape(dW)}, but its W has shape {np.shape(W)}")
    ax = _axes(ax)
    dx, dy, radius = 5.0, 2.0, 0.3
    sizes = [np.shape(weights[0])[0]] + [np.shape(W)[1] for W in weights]
    pos = [[(dx * column, dy * ((n - 1) / 2 - k)) for k in range(n)] for column, n in enumerate(sizes)]
    for layer, (W, dW) in enumerate(zip(weights, grads)):
        for i, (x0, y0) in enumerate(pos[layer]):
            for j, (x1, y1) in enumerate(pos[layer + 1]):
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=1, zorder=1)
                t = 0.65 if sizes[layer + 1] > 1 else 0.4  # where the edges are far apart
                x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                box = dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.9)
                ax.text(x - 0.1, y, weight_fmt.format(W[i, j]), fontsize=8, color="0.3",
                        ha="right", va="center", zorder=3, bbox=box)
                ax.text(x + 0.1, y, grad_fmt.format(dW[i, j]), fontsize=8, color=SERIES_COLOURS[1],
                        ha="left", va="center", zorder=3, bbox=box)
    for column, points in enumerate(pos):
        for k, (x, y) in enumerate(points):
            ax.add_patch(plt.Circle((x, y), radius, fc="#e8f1fb", ec="#1f4e79", lw=1.5, zorder=2))
            if node_labels is not None:
                ax.text(x, y, node_labels[column][k], ha="center", va="center", fontsize=10, zorder=4)
            for notes, sign, colour in ((forward_notes, 1, SERIES_COLOURS[0]),
                                        (backward_notes, -1, SERIES_COLOURS[1])):
                if notes is not None and notes[column][k]:
                    ax.text(x, y + sign * (radius + 0.08), notes[column][k], fontsize=8, color=colour,
                            ha="center", va="bottom" if sign > 0 else "top", zorder=5,
                            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    bottom = -dy * (max(sizes) - 1) / 2 - radius - 0.9
    if layer_names is not None:
        for column, name in enumerate(layer_names):
            ax.text(dx * column, bottom, name, ha="center", va="top", fontsize=9)
    key_x, key_y = dx * (len(sizes) - 1) / 2, bottom - 0.9
    ax.text(key_x - 0.1, key_y, "on each edge: weight w", fontsize=8, color="0.3", ha="right", va="top")
    ax.text(key_x + 0.1, key_y, "its gradient ∂L/∂w", fontsize=8, color=SERIES_COLOURS[1],
            ha="left", va="top")
    ax.set_xlim(-1.0, dx * (len(sizes) - 1) + 1.0)
    ax.set_ylim(key_y - 0.6, -bottom)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def plot_power_guides(ax, x, through: tuple[float, float], powers: Sequence[int] = (1, 2),
                      variable: str = "P"):
    """Grey guide lines ``y ∝ x^k`` through the point `through`, one per power k, in the legend.

    On log–log axes (`plot_scaling`) a power law is a straight line of slope k, so a
    measured curve can be read against them: where it runs parallel to the ∝ P guide,
    it grows in proportion to P.
    """
    x = np.asarray(x, dtype=float)
    x0, y0 = through
    superscripts = {1: "", 2: "²", 3: "³"}
    for k, style in zip(powers, (":", "--", "-.")):
        y = y0 * (x / x0) ** k
        ax.plot(x, y, color="0.45", ls=style, lw=1.2, zorder=0,
                label=f"∝ {variable}{superscripts.get(k, f'^{k}')} (guide)")
    ax.legend(fontsize=8)
    return ax


# ------------------------------------------------- chapters 1 to 3: a neuron, roasts, hidden units

def _scatter_roasts(ax, X, y, size: float = 30):
    """The book's one way to draw roasts: good (label 1) as orange crosses, bad (label 0) as
    green circles, each with a thin dark edge so that it shows on light and dark backgrounds."""
    X, good = np.asarray(X, dtype=float), np.ravel(y) == 1
    ax.scatter(X[good, 0], X[good, 1], marker="X", s=1.4 * size, c=GOOD, edgecolors="k",
               linewidths=0.5, label="good roast", zorder=4)
    ax.scatter(X[~good, 0], X[~good, 1], marker="o", s=size, c=BAD, edgecolors="k",
               linewidths=0.5, label="bad roast", zorder=4)


def draw_neuron(inputs: Sequence[str] = ("$x_1$", "$x_2$", "$x_3$"), weights: Sequence[str] | None = None,
                bias: str = "$b$", activation: str = "$g$", output: str = "$a$", ax=None,
                fontsize: float = 16):
    """A neuron as a diagram: inputs, weighted edges, the sum with its bias, the activation, the output.

    Parameters
    ----------
    inputs : list of str
        The text in each input node, e.g. ``"$x_1$"`` or a number.
    weights : list of str, optional
        The text on each input's edge (default ``$w_1$``, ``$w_2$``, ...).
    bias, activation, output : str
        The text of the bias (on the arrow into the sum), in the activation's box, and of the output.

    With ``ax=None`` the figure is sized to the drawing (one unit is one inch, at 150 dpi),
    readable when a phone shrinks it to its screen's width.
    """
    n = len(inputs)
    weights = [f"$w_{{{i + 1}}}$" for i in range(n)] if weights is None else list(weights)
    if len(weights) != n:
        raise ValueError(f"draw_neuron: {n} inputs but {len(weights)} weights; expected one weight per input")
    r, r_sum, dy = 0.3, 0.42, 1.0
    x_sum, x_g, x_out = 2.35, 3.85, 5.0
    half = dy * (n - 1) / 2
    xlim, ylim = (-0.5, x_out + 0.5), (min(-half, -1.0) - 0.95, max(half, 0.8) + 0.45)
    if ax is None:
        fig = plt.figure(figsize=(xlim[1] - xlim[0], ylim[1] - ylim[0]), dpi=150)
        ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.axis("off")
    arrow = dict(arrowstyle="-|>", color="0.3", lw=1.4, shrinkA=0, shrinkB=0, mutation_scale=14)
    for k, (x_text, w_text) in enumerate(zip(inputs, weights)):
        centre = np.array([0.0, half - k * dy])
        ax.add_patch(plt.Circle(centre, r, fc="white", ec=_NODE_EC, lw=1.5, zorder=2))
        ax.text(*centre, x_text, ha="center", va="center", fontsize=fontsize, zorder=3)
        direction = np.array([x_sum, 0.0]) - centre
        direction /= np.hypot(*direction)
        start, end = centre + r * direction, np.array([x_sum, 0.0]) - r_sum * direction
        ax.annotate("", xy=end, xytext=start, arrowprops=arrow, zorder=1)
        ax.text(*(start + 0.45 * (end - start)), w_text, ha="center", va="center", fontsize=fontsize,
                zorder=4, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    ax.add_patch(plt.Circle((x_sum, 0.0), r_sum, fc=_NODE_FC, ec=_NODE_EC, lw=1.5, zorder=2))
    ax.text(x_sum, 0.0, "$\\Sigma$", ha="center", va="center", fontsize=fontsize + 4, zorder=3)
    ax.annotate("", xy=(x_sum, -r_sum), xytext=(x_sum, -r_sum - 0.55), arrowprops=arrow)
    ax.text(x_sum, -r_sum - 0.6, bias, ha="center", va="top", fontsize=fontsize)
    ax.add_patch(plt.Rectangle((x_g - 0.4, -0.35), 0.8, 0.7, fc=_NODE_FC, ec=_NODE_EC, lw=1.5, zorder=2))
    ax.text(x_g, 0.0, activation, ha="center", va="center", fontsize=fontsize, zorder=3)
    ax.annotate("", xy=(x_g - 0.4, 0.0), xytext=(x_sum + r_sum, 0.0), arrowprops=arrow)
    ax.text((x_sum + r_sum + x_g - 0.4) / 2, 0.1, "$z$", ha="center", va="bottom", fontsize=fontsize)
    ax.annotate("", xy=(x_out - 0.25, 0.0), xytext=(x_g + 0.4, 0.0), arrowprops=arrow)
    ax.text(x_out, 0.0, output, ha="center", va="center", fontsize=fontsize + 2)
    ax.text(x_sum, r_sum + 0.12, "$z = \\mathbf{w} \\cdot \\mathbf{x} + b$", ha="center", va="bottom",
            fontsize=fontsize - 1, color="0.2")
    ax.text(x_g, 0.47, "$a = g(z)$", ha="center", va="bottom", fontsize=fontsize - 1, color="0.2")
    for x, caption in [(0.0, "inputs"), (1.15, "weights"), (x_sum, "sum"), (x_g, "activation"),
                       (x_out, "output")]:
        ax.text(x, ylim[0] + 0.08, caption, ha="center", va="bottom", fontsize=fontsize - 2, color="0.3")
    return ax


UNIT_COLOURS = ("#0072B2", "#AA4499", "#444444", "#56B4E9")  # none near GOOD's orange or BAD's green
UNIT_STYLES = ("--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)))


def plot_unit_lines(scores: Callable[[np.ndarray], np.ndarray], X, y=None, ax=None,
                    names: Sequence[str] | None = None, fill: bool = True, resolution: int = 200,
                    axis_labels: Sequence[str] = ("temperature (°C)", "duration (min)")):
    """Each unit's line z = 0 over the input plane, and (with `fill`) the side where it fires.

    Parameters
    ----------
    scores : function
        Maps points (n, 2), in the same units as `X`, to the layer's weighted sums z
        (n, n_units), e.g. ``lambda P: normalize(P, mean, std) @ W1 + b1``.
    X : array_like, shape (m, 2)
        The data; the plane shown is the box around it.
    y : array_like of 0/1, optional
        Labels; if given, the roasts are drawn on top (`plot_coffee`'s markers and colours).
    names : list of str, optional
        One name per unit, for the legend.
    fill : bool
        Tint the side of each line where the unit's z > 0 (a sigmoid unit's activation
        is above one half there), in the unit's colour.

    The legend sits under the plot, where it hides no data. With ``ax=None`` the figure
    is sized to be read on a phone.
    """
    if ax is None:
        ax = plt.subplots(figsize=(5.4, 5.4), dpi=150, layout="constrained")[1]
    G0, G1, points = _plane_grid(X, resolution)
    Z = np.asarray(scores(points), dtype=float).reshape(len(points), -1)
    handles = []
    for j in range(Z.shape[1]):
        z = Z[:, j].reshape(G0.shape)
        colour, style = UNIT_COLOURS[j % 4], UNIT_STYLES[j % 4]
        name = names[j] if names else f"unit {j + 1}"
        if fill and z.max() > 0:
            ax.contourf(G0, G1, z, levels=[0.0, z.max() + 1.0], colors=[colour], alpha=0.16)
        if z.min() < 0 < z.max():
            ax.contour(G0, G1, z, levels=[0.0], colors=[colour], linestyles=[style], linewidths=2.5)
        if fill:
            handles.append(Patch(fc=to_rgba(colour, 0.3), ec=colour, ls=style, lw=2,
                                 label=f"{name}: fires, z > 0"))
        else:
            handles.append(Line2D([], [], color=colour, ls=style, lw=2.5, label=f"{name}, z = 0"))
    if y is not None:
        _scatter_roasts(ax, X, y)
    ax.set_xlabel(axis_labels[0], fontsize=13)
    ax.set_ylabel(axis_labels[1], fontsize=13)
    ax.tick_params(labelsize=12)
    earlier = ax.get_legend()  # e.g. plot_decision_regions' shading and roasts: keep them
    if y is not None or earlier is None:
        handles += ax.get_legend_handles_labels()[0]
    else:
        handles += [h for h in earlier.legend_handles if h.get_label() not in ("", None)]
    ax.legend(handles=handles, loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=12, frameon=False,
              columnspacing=1.2, handlelength=2.4)
    return ax


# ------------------------------------------------- chapter 4: speed-ups

def plot_speedup(series: dict, xlabel: str, reference: float | None = 10.0, reference_label: str | None = None,
                 ylabel: str = "speed-up (times faster)", ax=None, legend_loc: str = "best",
                 ylim: tuple[float | None, float | None] = (None, None)):
    """Speed-ups (one method's time divided by another's) against a size, on log–log axes.

    Like `plot_scaling`, but the speed-up axis is labelled with plain factors (5×, 10×,
    20×, ...) rather than powers of ten, and a dashed line, named in the legend, marks the
    factor `reference` (e.g. the one a test demands).

    Parameters
    ----------
    series : dict of str to (x, y)
        A label and the x values and speed-ups of each line.
    xlabel, ylabel : str
    reference : float or None
        The speed-up to mark with a line; None for no line.
    reference_label : str, optional
        Its legend entry (default "10× faster" for 10).
    legend_loc : str
        Where the legend goes, as Matplotlib's ``loc``.
    ylim : (low, high)
        The range of the speed-up axis; None for a margin beyond the data on that side
        (a lower `low` makes room for the legend below the data).
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ax = plot_scaling(None, series, xlabel=xlabel, ylabel=ylabel, ax=ax)
    values = [float(v) for _, y in series.values() for v in np.ravel(y)]
    if reference is not None:
        ax.axhline(reference, color="0.35", lw=1.2, ls="--", zorder=1,
                   label=reference_label or f"{reference:g}× faster")
        values.append(float(reference))
    low, high = (min(values) / 1.25 if ylim[0] is None else ylim[0],
                 max(values) * 1.25 if ylim[1] is None else ylim[1])
    steps = (1, 2, 5) if high / low > 30 else (1, 2, 3, 5)
    ticks = [s * 10.0 ** k for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
             for s in steps if low <= s * 10.0 ** k <= high]
    ax.set_ylim(low, high)
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=8, loc=legend_loc)
    return ax


# ---- chapter 10: optimisation (descent paths, two implementations overlaid)

def plot_descent_paths(f: Callable[[np.ndarray, np.ndarray], np.ndarray], paths: dict, xlim, ylim,
                       ax=None, n_levels: int = 12, minimum=(0.0, 0.0)):
    """Contour lines of a function of two parameters f(w1, w2), with optimisers' paths on top.

    Parameters
    ----------
    f : function
        ``f(W1, W2)`` on grids of the same shape (NumPy arithmetic), e.g. a quadratic bowl.
    paths : dict of str to array_like, shape (k, 2)
        A label and the points (w1, w2) each optimiser visited, start first.
    xlim, ylim : (low, high)
        The window of the plane to show; equal scales on both axes, so a bowl looks as
        elongated as it is.
    minimum : (w1, w2)
        Where to put a star for the minimum.
    """
    paths = {label: np.asarray(path, dtype=float) for label, path in paths.items()}
    for label, path in paths.items():
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"plot_descent_paths: each path must be an array of points (w1, w2) of shape "
                             f"(k, 2); the path {label!r} has shape {path.shape}")
    ax = _axes(ax)
    w1, w2 = np.meshgrid(np.linspace(*xlim, 201), np.linspace(*ylim, 201))
    F = f(w1, w2)
    levels = np.geomspace(max(F.min(), F.max() * 1e-4), F.max(), n_levels)
    ax.contour(w1, w2, F, levels=levels, colors="0.7", linewidths=0.8)
    for k, (label, path) in enumerate(paths.items()):
        ax.plot(path[:, 0], path[:, 1], marker=SERIES_MARKERS[k % 4], ms=3.5, lw=1.3,
                color=SERIES_COLOURS[k % 4], label=label)
    ax.plot(*minimum, "*", color="k", ms=12, label="minimum")
    ax.set(xlabel="$w_1$", ylabel="$w_2$", xlim=xlim, ylim=ylim, aspect="equal")
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_matched_runs(ours: dict, theirs: dict, ax=None, xlabel: str = "step", ylabel: str = "loss",
                      logy: bool = False):
    """Curves of two implementations on top of each other: nnlib's as lines, Keras's as markers.

    Parameters
    ----------
    ours, theirs : dict of str to array_like
        The same labels in both; for each, the values per step (or epoch) of one run.
        A marker sits on every value of `theirs`, so where the line passes through each
        marker the two runs agree.
    """
    if list(ours) != list(theirs):
        raise ValueError(f"plot_matched_runs: ours and theirs must name the same runs in the same order, "
                         f"got {list(ours)} and {list(theirs)}")
    for label in ours:
        if np.shape(ours[label]) != np.shape(theirs[label]):
            raise ValueError(f"plot_matched_runs: run {label!r} has {np.shape(ours[label])} values in ours "
                             f"but {np.shape(theirs[label])} in theirs; expected the same steps in both")
    ax = _axes(ax)
    for k, (label, values) in enumerate(ours.items()):
        colour = SERIES_COLOURS[k % 4]
        steps = np.arange(1, len(values) + 1)
        ax.plot(steps, values, color=colour, lw=1.6, label=f"{label}: nnlib")
        ax.plot(steps, theirs[label], SERIES_MARKERS[k % 4], color=colour, ms=4.5, mfc="none",
                label=f"{label}: Keras")
    ax.set(xlabel=xlabel, ylabel=ylabel, yscale="log" if logy else "linear")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, ncol=2)
    return ax


# ------------------------------------------------- chapter 8: two moons, spirals, many classes

CLASS_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")  # Okabe–Ito
CLASS_MARKERS = ("o", "X", "^", "s", "D", "v")


def plot_classes(X, y, ax=None, names: Sequence[str] | None = None, size: float = 22):
    """Scatter a 2-D data set, one colour and marker per class label ``0 .. n_classes − 1``.

    `names` label the classes in the legend ("class k" by default). The axes are the two
    features, ``x_1`` and ``x_2``, on equal scales, so circles look round.
    """
    ax = _axes(ax)
    X, labels = np.asarray(X, dtype=float), np.ravel(y).astype(int)
    for k in range(int(labels.max()) + 1):
        mine = labels == k
        ax.scatter(X[mine, 0], X[mine, 1], s=size, c=CLASS_COLOURS[k % 6], marker=CLASS_MARKERS[k % 6],
                   edgecolors="k", linewidths=0.4, zorder=4,
                   label=names[k] if names is not None else f"class {k}")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    return ax


def predicted_classes(scores) -> np.ndarray:
    """The class of each row of a classifier's output: the largest of n_classes scores (probabilities or
    logits), or, for one probability per example ((n,) or (n, 1)), class 1 where it is ≥ 0.5."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1 or scores.shape[1] == 1:
        return (scores.reshape(-1) >= 0.5).astype(int)
    return np.argmax(scores, axis=1)


def plot_class_regions(predict: Callable[[np.ndarray], np.ndarray], X, y=None, ax=None,
                       names: Sequence[str] | None = None, resolution: int = 200, n_classes: int | None = None):
    """Shade the plane by the class ``predict`` gives each point, boundaries drawn in black.

    `predict` receives an (n, 2) array in the units of `X` and returns what
    `predicted_classes` reads: one score per class for each point, or one probability of class 1.
    With labels `y` the points are drawn on top (`plot_classes`).
    """
    from matplotlib.colors import ListedColormap

    ax = _axes(ax)
    G0, G1, points = _plane_grid(X, resolution)
    C = predicted_classes(predict(points)).reshape(G0.shape)
    if n_classes is None:
        n_classes = max(int(C.max()), int(np.max(y)) if y is not None else 0) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(G0, G1, C, levels=levels, cmap=ListedColormap(CLASS_COLOURS[:n_classes]), alpha=0.18)
    if len(np.unique(C)) > 1:  # one class everywhere has no boundary (Matplotlib would warn)
        ax.contour(G0, G1, C, levels=levels[1:-1], colors="k", linewidths=0.9)
    if y is not None:
        plot_classes(X, y, ax=ax, names=names)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    return ax


# ---- chapter 12: convolutions (images, filters and feature maps)

def tile_images(images, n_cols: int, gap: int = 1) -> np.ndarray:
    """Lay out images ``(n, h, w)`` in rows of `n_cols`, separated by `gap` pixels of nan (drawn blank).

    Returns one ``(rows·(h + gap) − gap, n_cols·(w + gap) − gap)`` array, so a whole set of
    filters or feature maps becomes a single picture with one colour scale.
    """
    images = np.asarray(images, dtype=float)
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(f"tile_images: images must be (n, h, w) with n >= 1, got shape {images.shape}")
    if not (isinstance(n_cols, (int, np.integer)) and n_cols >= 1):
        raise ValueError(f"tile_images: n_cols must be a positive integer, got {n_cols!r}")
    n, h, w = images.shape
    n_rows = -(-n // n_cols)
    mosaic = np.full((n_rows * (h + gap) - gap, n_cols * (w + gap) - gap), np.nan)
    for k, image in enumerate(images):
        top, left = (k // n_cols) * (h + gap), (k % n_cols) * (w + gap)
        mosaic[top:top + h, left:left + w] = image
    return mosaic


def plot_image(image, ax=None, title: str | None = None, cmap: str = "gray_r", symmetric: bool = False,
               values: bool = False, fmt: str = "{:.1f}", value_size: float = 10):
    """Draw a 2-D array as pixels (row 0 at the top, as NumPy prints it), with a colour bar.

    `symmetric` centres the colour scale on 0 (for kernels, whose signs matter); `values`
    writes each entry in its pixel (as `fmt`, in `value_size`-point type), for arrays small
    enough to read.
    """
    ax = _axes(ax)
    image = np.asarray(image, dtype=float)
    limit = np.nanmax(np.abs(image)) if symmetric else None
    shown = ax.imshow(image, cmap=cmap, vmin=-limit if symmetric else None, vmax=limit)
    from mpl_toolkits.axes_grid1 import make_axes_locatable  # a colour bar as tall as the image

    ax.figure.colorbar(shown, cax=make_axes_locatable(ax).append_axes("right", size="4%", pad=0.08))
    if values:
        for (i, j), v in np.ndenumerate(image):
            if not np.isnan(v):
                r, g, b, _ = shown.cmap(shown.norm(v))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # white text on dark pixels
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=value_size,
                        color="white" if dark else "black")
    ax.set(xticks=[], yticks=[])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_image_grid(images, ax=None, n_cols: int = 4, labels: Sequence[str] | None = None, title: str | None = None,
                    cmap: str = "cividis", symmetric: bool = False):
    """Several images ``(n, h, w)`` side by side on one Axes (`tile_images`), on one colour scale,
    each labelled in the gap below it (by default 0 .. n − 1)."""
    mosaic = tile_images(images, n_cols)  # also checks the shape
    n, h, w = np.shape(images)
    labels = list(labels) if labels is not None else [str(k) for k in range(n)]
    if len(labels) != n:
        raise ValueError(f"plot_image_grid: expected one label per image, {n}, got {len(labels)}")
    ax = plot_image(mosaic, ax=ax, title=title, cmap=cmap, symmetric=symmetric)
    bottom = -(-n // n_cols) * (h + 1) - 0.5
    ax.set_ylim(bottom, -0.5)  # room for the last row's labels
    for k, label in enumerate(labels):
        ax.text((k % n_cols) * (w + 1) + (w - 1) / 2, (k // n_cols) * (h + 1) + h - 0.45, label,
                fontsize=8, ha="center", va="top")
    return ax


# ---- chapter 11: handwritten digits (example images, confusion matrix)

def plot_digits(X, titles: Sequence[str], n_cols: int = 8, size: float = 1.1, title_colours=None):
    """Draw flattened 8×8 digits (rows of `X`, shape (n, 64)), one small panel each, titled.

    Returns the Figure. `title_colours` (one per image, optional) colours each title, e.g.
    to mark wrong predictions; dark pixels are ink.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"plot_digits: X must hold flattened 8×8 images, shape (n, 64), got {X.shape}")
    if len(titles) != len(X):
        raise ValueError(f"plot_digits: one title per image expected, got {len(titles)} for {len(X)} images")
    n_rows = -(-len(X) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, 1.2 * size * n_rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < len(X):
            ax.imshow(X[k].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            colour = "black" if title_colours is None else title_colours[k]
            ax.set_title(titles[k], fontsize=9, color=colour)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, ax=None, labels: Sequence[str] | None = None, title: str | None = None):
    """Draw a confusion matrix (rows true class, columns predicted) with its counts written in.

    Zeros are left blank, so that the off-diagonal mistakes stand out; one single-hue colour
    scale (readable in grey) for all cells.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square matrix, got shape {matrix.shape}")
    ax = _axes(ax)
    n = len(matrix)
    labels = [str(k) for k in range(n)] if labels is None else list(labels)
    shown = ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            dark = shown.norm(count) > 0.5
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black", fontweight="bold" if i != j else "normal")
    ax.set(xticks=range(n), yticks=range(n), xticklabels=labels, yticklabels=labels,
           xlabel="predicted class", ylabel="true class")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
