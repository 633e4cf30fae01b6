"""L2 regularisation as Keras defines it: ``l2 · Σ W²`` over every kernel, biases untouched.

No ½ in front (some texts write ``λ/2 ‖W‖²``, scikit-learn ``α/2 ‖W‖² / m``): Keras's
``kernel_regularizer=L2(l2)`` adds exactly ``l2 · Σ W²`` to the loss of every batch,
so its gradient is ``2 · l2 · W``. A kernel is a parameter with two or more axes
(`Dense`'s W); biases (one axis) are not penalised. Dropout, the other regulariser,
is a layer: `nnlib.Dropout`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validate import nonnegative_number
from .layers import Layer
from .network import as_layers


def l2_penalty(layers: Sequence[Layer], l2: float) -> float:
    """``l2 · Σ W²``, summed over the kernels of every layer (Keras's ``L2(l2)`` on each)."""
    l2 = nonnegative_number(l2, "l2", "l2_penalty")
    return penalty(as_layers(layers, None, "l2_penalty"), l2)


def penalty(layers: Sequence[Layer], l2: float) -> float:
    """`l2_penalty` of layers checked already (`fit` checks them once, not at every step)."""
    return float(sum(l2 * np.sum(np.square(p)) for layer in layers for p in kernels(layer)))


def l2_gradients(layers: Sequence[Layer], grads, l2: float) -> list[tuple[np.ndarray, ...]]:
    """`grads` (one tuple per layer, as `backprop` returns) plus the penalty's ``2 · l2 · W``."""
    return [tuple(dp + 2 * l2 * p if p.ndim >= 2 else dp for p, dp in zip(layer.params, layer_grads))
            for layer, layer_grads in zip(layers, grads)]


def kernels(layer) -> list[np.ndarray]:
    """A layer's parameters that L2 penalises: those with two or more axes."""
    return [p for p in layer.params if np.ndim(p) >= 2]
