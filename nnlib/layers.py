"""Neurons and dense layers, in the book's (and Keras's) shape convention.

A layer with `n_in` inputs and `n_units` neurons has

- ``W`` of shape ``(n_in, n_units)``: column ``j`` holds the weights of unit ``j``;
- ``b`` of shape ``(n_units,)``: one bias per unit;
- input ``a_in`` of shape ``(n_in,)`` (one example) or ``A_in`` of shape ``(m, n_in)`` (a batch of m);

and computes ``Z = A_in @ W + b`` then ``A_out = g(Z)``. Texts that write ``W x + b``
store the same numbers as the transpose, ``W.T``, with one row per unit.

A network is a list of layers. Every kind of layer is a small NamedTuple that
offers the same few things, so that the forward pass, backpropagation and
training loop over layers without asking which kind each one is:

- ``params``: its arrays of trainable numbers (``(W, b)`` for `Dense`), and
  ``with_params(params)``: a copy holding new ones;
- ``checked(in_shape, where)``: a float64 copy after checking the layer against
  the shape of one example arriving at it, and the shape it passes on;
- ``forward(A_in, training=False, rng=None) -> (A_out, cache)``;
- ``backward(dA_out, cache) -> (dA_in, grads)``, with ``grads`` shaped like ``params``;
  the first layer of a network is called with ``pass_on=False``: no layer before it
  needs dA_in, so it may skip computing it.

`Dense` and `Dropout` are the kinds so far. A plain ``(W, b, activation)`` tuple is
read as a `Dense`, and a `Dense` unpacks like one: ``W, b, g = layer``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, check_not_nan, fraction
from .activations import ActivationLike, activation_formula, chain_rule, get_activation


def neuron(x, w, b, activation: ActivationLike = "linear") -> float:
    """One neuron: a = g(w · x + b).

    Parameters
    ----------
    x : array_like, shape (n_in,)
        One example's inputs.
    w : array_like, shape (n_in,)
        The neuron's weights, one per input.
    b : float
        The bias.
    activation : str or callable
        g, e.g. ``"sigmoid"``; see `nnlib.activations`.

    Returns
    -------
    float
        The activation a.
    """
    x = as_float_array(x, "x", "neuron", ndims=(1,))
    w = as_float_array(w, "w", "neuron", ndims=(1,))
    b = as_float_array(b, "b", "neuron", ndims=(0,))
    g = get_activation(activation, "neuron")
    if w.shape != x.shape:
        raise ValueError(
            f"neuron: w must have one weight per input, shape {x.shape}, got shape {w.shape}"
        )
    z = np.dot(w, x) + b
    return float(g(z))


def dense_loop(a_in, W, b, activation: ActivationLike = "linear") -> np.ndarray:
    """A dense layer for one example, computed one unit at a time.

    Unit ``j`` takes its weights from column ``j`` of `W` and computes
    ``z_j = W[:, j] · a_in + b[j]``. The activation is applied once to the whole
    vector ``z`` after the loop, so that softmax (which needs every unit's
    score) works like the element-wise activations.

    Parameters
    ----------
    a_in : array_like, shape (n_in,)
        One example's inputs (the previous layer's activations).
    W : array_like, shape (n_in, n_units)
    b : array_like, shape (n_units,)
    activation : str or callable

    Returns
    -------
    numpy.ndarray, shape (n_units,)
    """
    a_in, W, b, g = _check_layer("dense_loop", a_in, W, b, activation, input_ndims=(1,))
    n_units = W.shape[1]
    z = np.zeros(n_units)
    for j in range(n_units):
        w_j = W[:, j]
        z[j] = np.dot(w_j, a_in) + b[j]
    return g(z)


def dense(A_in, W, b, activation: ActivationLike = "linear") -> np.ndarray:
    """A dense layer, vectorized: ``g(A_in @ W + b)`` in one matrix product.

    Parameters
    ----------
    A_in : array_like, shape (m, n_in) or (n_in,)
        A batch of m examples, one per row, or a single example.
    W : array_like, shape (n_in, n_units)
    b : array_like, shape (n_units,)
        Broadcast over the m rows.
    activation : str or callable

    Returns
    -------
    numpy.ndarray, shape (m, n_units) or (n_units,)
    """
    A_in, W, b, g = _check_layer("dense", A_in, W, b, activation, input_ndims=(1, 2))
    return g(A_in @ W + b)


def _check_layer(func, a_in, W, b, activation, input_ndims):
    """Convert and check one layer's arguments; return them with g resolved."""
    a_in = as_float_array(a_in, "the input", func, ndims=input_ndims)
    W = as_float_array(W, "W", func, ndims=(2,))
    b = as_float_array(b, "b", func, ndims=(1,))
    g = get_activation(activation, func)
    n_in, n_units = W.shape
    if a_in.shape[-1] != n_in:
        hint = ""
        if W.shape[1] == a_in.shape[-1]:
            hint = (" Did you store one unit per row? nnlib's W is (n_in, n_units), "
                    "the transpose of the 'W x + b' convention: try W.T.")
        raise ValueError(
            f"{func}: W has shape {W.shape}, so it expects {n_in} input features, "
            f"but the input has shape {a_in.shape} with {a_in.shape[-1]}.{hint}"
        )
    if b.shape != (n_units,):
        raise ValueError(
            f"{func}: b must have shape (n_units,) = ({n_units},) to match W {W.shape}, "
            f"got shape {b.shape}"
        )
    return a_in, W, b, g


def dense_backward(dZ, A_prev, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One dense layer backwards: from dZ to the gradients of W and b and to dA_prev.

    Parameters
    ----------
    dZ : numpy.ndarray, shape (m, n_units)
        ∂L/∂Z of the mean loss (so it already contains the 1/m).
    A_prev : numpy.ndarray, shape (m, n_in)
        The layer's input in the forward pass.
    W : numpy.ndarray, shape (n_in, n_units)

    Returns
    -------
    dW : (n_in, n_units)
        ``A_prevᵀ dZ``: entry (i, j) adds up input i times unit j's dz over the examples.
    db : (n_units,)
        ``dZ`` summed over the examples (b was added to every row).
    dA_prev : (m, n_in)
        ``dZ Wᵀ``: what the previous layer passes on to its own activation.
    """
    dZ, A_prev, W = _check_backward(dZ, A_prev, W)
    return A_prev.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def _check_backward(dZ, A_prev, W):
    func = "dense_backward"
    dZ = as_float_array(dZ, "dZ", func, ndims=(2,))
    A_prev = as_float_array(A_prev, "A_prev", func, ndims=(2,))
    W = as_float_array(W, "W", func, ndims=(2,))
    expected = {"A_prev": (dZ.shape[0], W.shape[0]), "dZ": (A_prev.shape[0], W.shape[1])}
    for name, arr in (("A_prev", A_prev), ("dZ", dZ)):
        if arr.shape != expected[name]:
            raise ValueError(f"{func}: with W {W.shape}, dZ {dZ.shape} and A_prev {A_prev.shape}, "
                             f"{name} must have shape {expected[name]} (m examples by "
                             f"{'n_in' if name == 'A_prev' else 'n_units'})")
    return dZ, A_prev, W


# ---------------------------------------------------------------- layers as values

class DenseCache(NamedTuple):
    """What `Dense.forward` keeps for the backward pass."""

    A_prev: np.ndarray
    Z: np.ndarray
    A: np.ndarray


class Dense(NamedTuple):
    """A dense layer ``A = g(A_prev @ W + b)``, as in Keras's ``Dense(n_units, activation)``."""

    W: np.ndarray
    b: np.ndarray
    activation: ActivationLike = "linear"

    @property
    def params(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.W, self.b)

    def with_params(self, params) -> Dense:
        W, b = params
        return self._replace(W=W, b=b)

    def checked(self, in_shape: tuple, where: str) -> tuple[Dense, tuple]:
        """The layer with W and b as float arrays, checked against one example of shape
        `in_shape`; and the shape it passes on, ``(n_units,)``.

        `in_shape` None (a network with no data yet) accepts whatever W expects.
        """
        W = as_float_array(self.W, "W", where, ndims=(2,))
        b = as_float_array(self.b, "b", where, ndims=(1,))
        check_not_nan(W, "W", where), check_not_nan(b, "b", where)
        get_activation(self.activation, where)
        in_shape = (W.shape[0],) if in_shape is None else in_shape
        if tuple(in_shape) != (W.shape[0],):
            hint = " (nnlib's W is (n_in, n_units): try W.T)" if in_shape == (W.shape[1],) else ""
            raise ValueError(f"{where}: each example reaching it has shape {tuple(in_shape)}, "
                             f"so W must have shape ({in_shape[-1]}, n_units); got {W.shape}{hint}")
        if b.shape != (W.shape[1],):
            raise ValueError(f"{where}: b must have shape ({W.shape[1]},) to match W {W.shape}, "
                             f"got {b.shape}")
        return Dense(W, b, self.activation), (W.shape[1],)

    def forward(self, A_prev, training: bool = False, rng=None) -> tuple[np.ndarray, DenseCache]:
        """``Z = A_prev @ W + b`` and ``A = g(Z)``; the same in training and prediction."""
        Z = A_prev @ self.W + self.b
        A = activation_formula(self.activation)(Z)
        return A, DenseCache(A_prev, Z, A)

    def backward(self, dA, cache: DenseCache, pass_on: bool = True) -> tuple[np.ndarray | None, tuple]:
        """From dA = ∂L/∂A through g to dZ, then through the weights (`backward_from_z`)."""
        dZ = chain_rule(self.activation, cache.Z, cache.A, dA)
        return self.backward_from_z(dZ, cache, pass_on)

    def backward_from_z(self, dZ, cache: DenseCache, pass_on: bool = True) -> tuple[np.ndarray | None, tuple]:
        """From dZ = ∂L/∂Z: ``(dA_prev, (dW, db))``, as `dense_backward` computes them.

        The first layer of a network has no layer before it to pass dA_prev on to
        (`pass_on` False), so that product is skipped.
        """
        dW, db = cache.A_prev.T @ dZ, dZ.sum(axis=0)
        return (dZ @ self.W.T if pass_on else None), (dW, db)




# ---------------------------------------------------------------- dropout

def dropout(A, rate: float, rng=None, training: bool = True) -> np.ndarray:
    """Inverted dropout, as Keras's ``Dropout(rate)``: zero each entry of A with probability `rate`.

    The kept entries are scaled by ``1 / (1 − rate)``, so each entry keeps its expected
    value and nothing needs rescaling at prediction time: when not `training`, A
    passes unchanged.

    Parameters
    ----------
    A : array_like, shape (m, n_units)
        A layer's activations for a batch of m examples.
    rate : float in [0, 1)
        The fraction of entries dropped.
    rng : numpy.random.Generator, optional
        Draws the mask; a fresh unseeded one if None.
    training : bool
    """
    A = as_float_array(A, "A", "dropout")
    rate = fraction(rate, "rate", "dropout")
    if not training or rate == 0:
        return A
    keep = _keep_mask(A.shape, rate, rng)
    return A * (1.0 / (1.0 - rate)) * keep


def _keep_mask(shape, rate: float, rng) -> np.ndarray:
    """1.0 where a unit is kept (probability 1 − rate), 0.0 where it is dropped."""
    rng = np.random.default_rng() if rng is None else rng
    return (rng.random(shape) >= rate).astype(np.float64)


class Dropout(NamedTuple):
    """Keras's ``Dropout(rate)`` as a layer: `dropout` in training, the identity in prediction.

    It has no parameters. `mask`, if given, is a fixed 0/1 array of the batch's shape
    used instead of random draws, in training and prediction alike: the layer is then
    the fixed product ``A ⊙ mask / (1 − rate)``, which is how to check its gradient
    (`nnlib.gradient_check`) or compare it with another implementation.
    """

    rate: float
    mask: np.ndarray | None = None

    @property
    def params(self) -> tuple:
        return ()

    def with_params(self, params) -> Dropout:
        return self

    def checked(self, in_shape: tuple, where: str) -> tuple[Dropout, tuple]:
        """A checked copy (rate in [0, 1), mask of 0s and 1s); the shape passes on unchanged."""
        rate = fraction(self.rate, "the dropout rate", where)
        mask = self.mask
        if mask is not None:
            mask = as_float_array(mask, "mask", where, ndims=(2,))
            if not np.all((mask == 0) | (mask == 1)):
                raise ValueError(f"{where}: a dropout mask must hold only 0s and 1s")
        if in_shape is None:
            raise ValueError(f"{where}: a network cannot start with Dropout when no data fixes "
                             "its input shape; put a Dense layer first")
        return Dropout(rate, mask), tuple(in_shape)

    def forward(self, A_prev, training: bool = False, rng=None) -> tuple[np.ndarray, np.ndarray | None]:
        """``A = A_prev ⊙ keep / (1 − rate)`` in training; the cache is the mask ``keep``."""
        if self.mask is None and (not training or self.rate == 0):
            return A_prev, None
        keep = _keep_mask(A_prev.shape, self.rate, rng) if self.mask is None else self.mask
        if keep.shape != A_prev.shape:
            raise ValueError(f"Dropout: the fixed mask has shape {keep.shape}, but the batch "
                             f"reaching it has shape {A_prev.shape}")
        return A_prev * (1.0 / (1.0 - self.rate)) * keep, keep

    def backward(self, dA, keep, pass_on: bool = True) -> tuple[np.ndarray, tuple]:
        """The same mask and scale on the way back: a dropped unit passes no gradient."""
        if keep is None:
            return dA, ()
        return dA * (1.0 / (1.0 - self.rate)) * keep, ()


#: A layer as the chapters write it: a `Dense`, a `Dropout`, or a plain ``(W, b, activation)`` tuple.
Layer = Dense | Dropout | tuple[np.ndarray, np.ndarray, ActivationLike]
