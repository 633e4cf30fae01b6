"""Interactive explorers for a live notebook (Binder, Colab, local Jupyter).

Each explorer has a static counterpart in `nnlib.plotting`, which the book
shows beside it so that the HTML page says the same thing without a kernel.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from . import ACTIVATIONS
from .plotting import activation_ylim, plot_neuron


def neuron_explorer(w: float = 1.0, b: float = 0.0, activation: str = "sigmoid"):
    """Sliders for w and b and a menu of activations, redrawing a = g(w x + b).

    Returns the widget; display it by leaving it as the last line of a cell.
    """
    def draw(w, b, activation):
        fig, ax = plt.subplots(figsize=(5, 3))
        plot_neuron(w, b, activation, ax=ax)
        ax.set_ylim(activation_ylim(activation))
        plt.show()

    names = [name for name in ACTIVATIONS if name != "softmax"]
    return widgets.interactive(
        draw,
        w=widgets.FloatSlider(value=w, min=-5, max=5, step=0.1, description="w"),
        b=widgets.FloatSlider(value=b, min=-5, max=5, step=0.1, description="b"),
        activation=widgets.Dropdown(options=names, value=activation, description="g"),
    )
