"""Activation functions g(z) and their derivatives g'(z), which backpropagation needs.

Each g takes a scalar or an array `z` and returns an array of the same shape,
element by element (softmax: along the last axis, one example per row). All are
numerically stable: `z = ±1000` and `z = ±inf` give no overflow warning and no
`nan`; a `nan` in `z` is refused with a clear error, since it can only come from
a bug upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ._validate import as_float_array, check_not_nan

Activation = Callable[[np.ndarray], np.ndarray]
ActivationLike = str | Activation


def _scores(z, func: str) -> np.ndarray:
    return check_not_nan(as_float_array(z, "z", func), "z", func)


def checks_scores(formula: Callable) -> Callable:
    """Make `formula(z)` refuse what is not an array of numbers, and nan, before computing.

    The bare formula stays available as ``.formula``: a network checks its inputs
    and weights once (`nnlib.network.check_network`), and then runs the bare
    formulas on every batch, where a nan can only come from an overflow, which
    `nnlib.fit` reports as divergence.
    """
    @functools.wraps(formula)
    def checked(z, *args, **kwargs):
        return formula(_scores(z, formula.__name__), *args, **kwargs)

    checked.formula = formula
    return checked


@checks_scores
def linear(z):
    """g(z) = z. A neuron with this activation is linear regression."""
    return z


@checks_scores
def step(z):
    """g(z) = 1 if z >= 0 else 0: the perceptron's threshold (step(0) is 1)."""
    return np.where(z >= 0, 1.0, 0.0).astype(z.dtype)


@checks_scores
def sigmoid(z):
    """g(z) = 1 / (1 + e^{-z}), computed as exp(-log(1 + e^{-z})).

    The textbook formula overflows for z = -1000 (e^{1000} is inf); `logaddexp(0, -z)`
    computes log(1 + e^{-z}) without ever forming e^{1000}.
    """
    return np.exp(-np.logaddexp(0.0, -z))


@checks_scores
def tanh(z):
    """g(z) = (e^z - e^{-z}) / (e^z + e^{-z}), between -1 and 1."""
    return np.tanh(z)


@checks_scores
def relu(z):
    """g(z) = max(0, z): the rectified linear unit."""
    return np.maximum(0.0, z)


@checks_scores
def softmax(z, axis: int = -1):
    """g(z)_k = e^{z_k} / sum_j e^{z_j} along `axis` (the units of one example).

    Subtracting max(z) first changes nothing mathematically (it cancels in the
    fraction) but keeps every exponent <= 0, so nothing overflows. A score of +inf
    takes all the probability (shared equally if several are +inf).
    """
    if z.ndim == 0:  # a single score: its share of the total is all of it
        return np.ones_like(z)
    top = z.max(axis=axis, keepdims=True)
    if np.isinf(top).any():
        return _softmax_with_infinities(z, top, axis)
    e = np.exp(z - top)
    e /= e.sum(axis=axis, keepdims=True)  # in place: e is a new array of our own
    return e


def _softmax_with_infinities(z: np.ndarray, top: np.ndarray, axis: int) -> np.ndarray:
    """The limit of softmax where a row's largest score is ±inf (inf − inf would give nan)."""
    if np.isneginf(top).any():
        raise ValueError("softmax: every score of an example is -inf, so no class has any "
                         "probability; expected at least one finite score per example")
    finite_top = np.where(np.isinf(top), 0.0, top)
    with np.errstate(invalid="ignore"):  # inf − inf in rows replaced just below
        e = np.exp(z - finite_top)
    e = np.where(np.isinf(top), (z == np.inf).astype(float), e)
    return e / np.sum(e, axis=axis, keepdims=True)


ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
}


def get_activation(activation: ActivationLike, func: str = "get_activation") -> Activation:
    """Return the activation function for a name such as ``"relu"``, or your callable.

    Your own callable comes back wrapped, so that a result whose shape differs
    from z's (a sum, a transpose) is reported instead of flowing on silently.
    """
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(
                f"{func}: unknown activation {activation!r}; expected one of {known} or a callable"
            ) from None
    if activation in ACTIVATIONS.values():
        return activation
    if callable(activation):
        return _shape_checked(activation)
    raise TypeError(
        f"{func}: activation must be a name (str) or a callable, got {type(activation).__name__}"
    )


def activation_formula(activation: ActivationLike) -> Activation:
    """g without its input checks (`checks_scores`), for arrays a layer has checked already."""
    g = get_activation(activation)
    return getattr(g, "formula", g)


def _shape_checked(g: Activation) -> Activation:
    if getattr(g, "__wrapped_by_nnlib__", False):
        return g

    @functools.wraps(g)
    def checked(z):
        z = np.asarray(z)
        a = np.asarray(g(z))
        if a.shape != z.shape:
            label = getattr(g, "__name__", type(g).__name__)
            raise ValueError(f"activation {label!r} returned shape {a.shape} for z of shape "
                             f"{z.shape}; an activation must keep z's shape (one a per z)")
        return a

    checked.__wrapped_by_nnlib__ = True
    return checked


# ---------------------------------------------------------------- derivatives g'(z)

@checks_scores
def linear_derivative(z):
    """g'(z) = 1 for g(z) = z."""
    return np.ones_like(z)


@checks_scores
def step_derivative(z):
    """g'(z) = 0: the step is flat everywhere except at z = 0, where it jumps.

    At the jump the derivative does not exist; like TensorFlow for its
    piecewise-constant functions, we use 0 there too. A zero derivative means
    no gradient flows through a step unit: gradient descent cannot train the
    weights in front of it. This is why learning needs smooth activations.
    """
    return np.zeros_like(z)


@checks_scores
def sigmoid_derivative(z):
    """g'(z) = σ(z) (1 − σ(z)): largest (1/4) at z = 0, tiny when |z| is large."""
    s = sigmoid.formula(z)
    return s * (1.0 - s)


@checks_scores
def tanh_derivative(z):
    """g'(z) = 1 − tanh(z)²."""
    return 1.0 - np.tanh(z) ** 2


@checks_scores
def relu_derivative(z):
    """g'(z) = 1 for z > 0 and 0 for z < 0; at z = 0 we use 0, as TensorFlow does."""
    return (z > 0).astype(z.dtype)


#: g'(z) of each element-wise activation. Softmax is missing on purpose: each of
#: its outputs depends on every score, so it needs `softmax_backward` instead.
DERIVATIVES: dict[str, Activation] = {
    "linear": linear_derivative,
    "step": step_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}


def activation_name(activation: ActivationLike, func: str = "activation_name") -> str:
    """The name of an nnlib activation given by name or as the function, or a clear error.

    A callable that is not one of nnlib's activations has no known derivative.
    """
    if isinstance(activation, str):
        get_activation(activation, func)  # an unknown name fails here
        return activation
    for name, fn in ACTIVATIONS.items():
        if fn is activation:
            return name
    label = getattr(activation, "__name__", type(activation).__name__)
    raise ValueError(
        f"{func}: activation {label!r} has no known derivative; backpropagation knows "
        f"{', '.join(repr(k) for k in ACTIVATIONS)}. Use one of these names, or numeric "
        "gradients (fit(..., gradient='numeric')), which need no derivative."
    )


def activation_derivative(activation: ActivationLike) -> Activation:
    """Return g' for an element-wise activation, e.g. ``activation_derivative("tanh")``."""
    name = activation_name(activation, "activation_derivative")
    if name == "softmax":
        raise ValueError("activation_derivative: softmax is not element-wise (each output depends "
                         "on every score), so it has a Jacobian, not a g'(z); use softmax_backward")
    return DERIVATIVES[name]


def softmax_backward(A, dA) -> np.ndarray:
    """dZ from dA through a softmax, one example (row) at a time.

    For one example the Jacobian is ``J = diag(a) − a aᵀ`` (``∂a_i/∂z_j = a_i (δ_ij − a_j)``).
    It is symmetric, so ``dz = J da = a ⊙ (da − (a · da))``: no n × n matrix is built.
    """
    A, dA = _same_shape("softmax_backward", ("A", A), ("dA", dA))
    return A * (dA - np.sum(A * dA, axis=-1, keepdims=True))


def activation_backward(activation: ActivationLike, Z, A, dA) -> np.ndarray:
    """dZ = ∂L/∂Z from dA = ∂L/∂A through ``A = g(Z)``.

    Element-wise activations: ``dZ = dA ⊙ g'(Z)``. Softmax: the Jacobian
    product of `softmax_backward`.
    """
    name = activation_name(activation, "activation_backward")
    Z, A, dA = _same_shape("activation_backward", ("Z", Z), ("A", A), ("dA", dA))
    return chain_rule(name, check_not_nan(Z, "Z", "activation_backward"), A, dA)


def chain_rule(activation: ActivationLike, Z, A, dA) -> np.ndarray:
    """`activation_backward` for arrays a layer has checked already: ``dA ⊙ g'(Z)``, or softmax's."""
    name = activation_name(activation, "chain_rule")
    if name == "softmax":
        return softmax_backward(A, dA)
    return dA * DERIVATIVES[name].formula(Z)


def _same_shape(func: str, *named) -> list[np.ndarray]:
    """Float arrays of one shape: broadcasting (3,) against (3, 1) would silently give (3, 3)."""
    arrays = [as_float_array(value, name, func) for name, value in named]
    if len({a.shape for a in arrays}) > 1:
        shapes = ", ".join(f"{name} {a.shape}" for (name, _), a in zip(named, arrays))
        raise ValueError(f"{func}: the arrays must have the same shape, got {shapes}")
    return arrays
