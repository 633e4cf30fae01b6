"""Backpropagation, and the gradient check that tests it against numeric gradients.

Notation, per layer l of a batch of m examples (Keras shapes, as in `nnlib.layers`):
``Z = A_prev @ W + b`` with ``A_prev`` (m, n_in), ``W`` (n_in, n_units); ``A = g(Z)``.
A ``d`` in front of a name means the derivative of the *mean* loss L with respect
to it: ``dW = ∂L/∂W`` has the shape of ``W``. Because L averages over the m
examples, ``dZ`` already carries the factor 1/m; see `nnlib.dense_backward`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .gradients import numeric_gradients, relative_error
from .layers import Layer
from .losses import LossLike
from .network import backward, check_derivatives, check_network, forward

Gradients = list[tuple[np.ndarray, ...]]


def backprop(X, y, layers: Sequence[Layer], loss: LossLike, rng=None) -> Gradients:
    """Gradients of the mean loss with respect to every W and b, by backpropagation.

    One forward pass stores each layer's cache (its input, Z and A); one backward
    pass then applies the chain rule layer by layer, from the loss to the first layer.

    Parameters
    ----------
    X, y, layers, loss
        As for `nnlib.numeric_gradients`, except that the activations and the
        loss must be nnlib's (by name or function): backprop needs their derivatives.
    rng : numpy.random.Generator, optional
        Draws the masks of `Dropout` layers, which backprop runs as in training.

    Returns
    -------
    list of (dW, db)
        One pair per layer, shaped like that layer's W and b.
    """
    net = check_network("backprop", X, y, layers, loss)
    check_derivatives("backprop", net)
    return backward(net, forward(net.X, net.layers, training=True, rng=rng))


def gradient_check(X, y, layers: Sequence[Layer], loss: LossLike, eps: float = 1e-5) -> float:
    """The largest `relative_error` between `backprop` and `numeric_gradients`, over every W and b.

    The step eps = 1e-5 is near the cube root of the float64 machine epsilon,
    where central differences are most accurate (chapter 5). Run the check in
    float64 on points where no cross-entropy clips (no probability within 1e-7
    of 0 or 1) and no ReLU or step input lies within eps of 0; there a correct
    backprop gives errors far below 1e-7.
    """
    exact = backprop(X, y, layers, loss)
    numeric = numeric_gradients(X, y, layers, loss, eps)
    return max(relative_error(a, n)
               for pair_a, pair_n in zip(exact, numeric) for a, n in zip(pair_a, pair_n))
