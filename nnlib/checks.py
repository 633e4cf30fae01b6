"""Checks for your own implementations in the exercises.

Each ``check_*`` function calls your function on fixed and random cases,
compares with nnlib's reference implementation (with a tolerance, never against
stored numbers), and prints one line per failed case saying what was expected and
what came back, then a summary. It never crashes because of your code: an
exception or a wrong return type is reported as a failed case.

The result is truthy when every case passed, so ``assert check_dense(my_dense)``
works in a test; displayed in a notebook, it shows only the printed report.
"""

from __future__ import annotations

import copy
import warnings
from typing import Callable, Sequence

import numpy as np

from . import losses
from .activations import ACTIVATIONS
from .derivatives import LOSSES
from .layers import dense, dense_loop, neuron, sequential

RTOL, ATOL = 1e-6, 1e-9


class CheckResult:
    """The outcome of one check: which cases failed and why."""

    def __init__(self, name: str, n_cases: int, failures: list[str]):
        self.name, self.n_cases, self.failures = name, n_cases, failures

    def __bool__(self) -> bool:
        return not self.failures

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}: {self.n_cases - len(self.failures)}/{self.n_cases} passed)"

    def _ipython_display_(self) -> None:
        """Show nothing: the check has already printed its report."""


def run_cases(name: str, candidate: Callable, reference: Callable,
              cases: Sequence[tuple[str, tuple]]) -> CheckResult:
    """Compare ``candidate(*args)`` with ``reference(*args)`` for each (description, args) case."""
    failures = []
    for k, (description, args) in enumerate(cases, start=1):
        problem = _compare(candidate, reference, args)
        if problem:
            failures.append(f"case {k} ({description}): {problem}")
            print(f"✗ {name}, case {k} ({description}): {problem}")
    if failures:
        print(f"{name}: {len(failures)} of {len(cases)} cases failed.")
    else:
        print(f"✓ {name}: all {len(cases)} cases passed.")
    return CheckResult(name, len(cases), failures)


def _compare(candidate, reference, args) -> str | None:
    """Return a description of what is wrong, or None if the candidate is right."""
    expected = np.asarray(reference(*copy.deepcopy(args)), dtype=float)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = candidate(*copy.deepcopy(args))
    except Exception as err:  # noqa: BLE001 - the learner's code may raise anything
        return f"raised {type(err).__name__}: {err}"
    if got is None:
        return "returned None; is a `return` statement missing?"
    try:
        values = np.asarray(got)
    except (TypeError, ValueError):  # e.g. a ragged list
        values = np.asarray(None)
    if values.dtype.kind not in "biuf":  # float() would accept "0.5" and drop imaginary parts
        return f"returned a {type(got).__name__} ({values.dtype}), which is not an array of real numbers"
    got = values.astype(float)
    if got.shape != expected.shape:
        return f"returned shape {got.shape}, expected shape {expected.shape}"
    if not np.allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=False):
        worst = np.max(np.abs(got - expected)) if np.all(np.isfinite(got)) else np.inf
        return (f"expected {_fmt(expected)}, got {_fmt(got)} "
                f"(largest difference {worst:.2e})")
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        return f"right values, but NumPy warned: {numeric[0].message} (is it numerically stable?)"
    return None


def _fmt(a: np.ndarray) -> str:
    return np.array2string(a, precision=6, separator=", ", threshold=12)


def _random_layer(rng, n_in, n_units, activation):
    return rng.normal(size=(n_in, n_units)), rng.normal(size=n_units), activation


_CH2_W = np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]])


def _dense_cases(batched: bool) -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(0)
    cases = [
        ("chapter 2 hidden layer, 2 inputs -> 3 sigmoid units, no bias",
         (np.array([1.0, 1.0]), _CH2_W, np.zeros(3), "sigmoid")),
        ("2 -> 3 linear units with biases", (np.array([2.0, -1.0]), _CH2_W, np.array([0.5, -1.0, 2.0]), "linear")),
        ("3 inputs -> 1 unit", (np.array([1.0, 2.0, 3.0]), np.array([[0.1], [-0.2], [0.3]]), np.array([0.05]), "sigmoid")),
        ("4 inputs -> 2 relu units (W is not square)", (rng.normal(size=4), *_random_layer(rng, 4, 2, "relu"))),
        ("random 5 -> 3 tanh", (rng.normal(size=5), *_random_layer(rng, 5, 3, "tanh"))),
    ]
    if batched:
        cases += [
            ("batch of 4 examples, 3 -> 2 sigmoid", (rng.normal(size=(4, 3)), *_random_layer(rng, 3, 2, "sigmoid"))),
            ("batch of 1 example, 2 -> 5 relu", (rng.normal(size=(1, 2)), *_random_layer(rng, 2, 5, "relu"))),
        ]
    return cases


def check_neuron(candidate: Callable) -> CheckResult:
    """Check ``candidate(x, w, b, activation)`` against `nnlib.neuron`."""
    rng = np.random.default_rng(1)
    cases = [
        ("x = [1, 1], w = [0.8, 0.2], b = 0, sigmoid", (np.array([1.0, 1.0]), np.array([0.8, 0.2]), 0.0, "sigmoid")),
        ("bias matters: b = -2, linear", (np.array([1.0, 3.0]), np.array([0.5, 0.5]), -2.0, "linear")),
        ("negative z through relu", (np.array([1.0, 2.0]), np.array([-1.0, -1.0]), 0.5, "relu")),
        ("random 4 inputs, tanh", (rng.normal(size=4), rng.normal(size=4), float(rng.normal()), "tanh")),
    ]
    return run_cases("neuron", candidate, neuron, cases)


def check_dense(candidate: Callable, batched: bool = False) -> CheckResult:
    """Check ``candidate(a_in, W, b, activation)`` against nnlib's dense layer.

    With ``batched=True`` the candidate must also accept a batch ``(m, n_in)``
    and return ``(m, n_units)``, like `nnlib.dense`.
    """
    reference = dense if batched else dense_loop
    return run_cases("dense", candidate, reference, _dense_cases(batched))


def check_sequential(candidate: Callable) -> CheckResult:
    """Check ``candidate(X, layers)`` against `nnlib.sequential`."""
    rng = np.random.default_rng(2)
    two_layers = [(_CH2_W, np.zeros(3), "sigmoid"), (np.array([[0.3], [0.5], [0.9]]), np.zeros(1), "linear")]
    three_layers = [_random_layer(rng, 3, 4, "relu"), _random_layer(rng, 4, 4, "tanh"),
                    _random_layer(rng, 4, 2, "sigmoid")]
    cases = [
        ("chapter 2 network, x = [1, 1]", (np.array([1.0, 1.0]), two_layers)),
        ("one layer only", (np.array([2.0, 0.5]), two_layers[:1])),
        ("three random layers, one example", (rng.normal(size=3), three_layers)),
    ]
    return run_cases("sequential", candidate, sequential, cases)


def check_activation(candidate: Callable, name: str) -> CheckResult:
    """Check an activation ``candidate(z)`` against nnlib's `name`, extremes included."""
    if name not in ACTIVATIONS:
        raise ValueError(f"check_activation: unknown activation {name!r}; expected one of {list(ACTIVATIONS)}")
    cases = [
        ("z = 0", (np.array([0.0]),)),
        ("a few values", (np.array([-2.0, -0.5, 0.5, 3.0]),)),
        ("extremes z = -1000 and 1000", (np.array([-1000.0, 1000.0]),)),
        ("a 2-D batch", (np.linspace(-4, 4, 12).reshape(3, 4),)),
    ]
    return run_cases(name, candidate, ACTIVATIONS[name], cases)


# Every named loss except the sparse one, whose labels need cases of their own.
_LOSSES = {name: fn for name, fn in LOSSES.items() if name != "sparse_categorical_crossentropy"}


def check_loss(candidate: Callable, name: str) -> CheckResult:
    """Check a loss ``candidate(y_true, y_pred)`` against nnlib's loss `name`."""
    if name not in _LOSSES:
        raise ValueError(f"check_loss: unknown loss {name!r}; expected one of {list(_LOSSES)}")
    rng = np.random.default_rng(3)
    if name == "categorical_crossentropy":
        p = ACTIVATIONS["softmax"](rng.normal(size=(5, 3)))
        cases = [
            ("one example, 2 classes", (np.array([[0.0, 1.0]]), np.array([[0.27, 0.73]]))),
            ("5 examples, 3 classes", (np.eye(3)[[0, 2, 1, 1, 0]], p)),
        ]
    else:
        y = (rng.uniform(size=(6, 1)) > 0.5).astype(float)
        cases = [
            ("one example, target 0, prediction 0.9", (np.array([[0.0]]), np.array([[0.9]]))),
            ("6 examples, one output each", (y, rng.uniform(0.05, 0.95, size=(6, 1)))),
            ("4 examples, two outputs each", ((rng.uniform(size=(4, 2)) > 0.5).astype(float),
                                              rng.uniform(0.05, 0.95, size=(4, 2)))),
        ]
    return run_cases(name, candidate, _LOSSES[name], cases)


# ------------------------------------------------- chapters 5 and 6: gradients and backprop

def _keeps_x(candidate: Callable) -> Callable:
    """Wrap ``candidate(f, x, eps)`` so that changing the caller's x counts as a failure."""
    def wrapped(f, x, eps):
        before = np.array(x, copy=True)
        grad = candidate(f, x, eps)
        if not np.array_equal(x, before):
            raise ValueError("your function changed x; put each entry back exactly as it was "
                             "after nudging it (save the original value), or work on a copy")
        return grad
    return wrapped


def check_numeric_gradient(candidate: Callable) -> CheckResult:
    """Check ``candidate(f, x, eps)`` against `nnlib.numeric_gradient` (central differences).

    The case with the large step eps = 1e-2 tells central differences from
    forward ones; every case also checks that x comes back unchanged.
    """
    from .gradients import numeric_gradient

    rng = np.random.default_rng(5)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))

    def square_sum(x):
        return float(np.sum(x ** 2))

    def cubes_and_product(x):
        return float(np.sum(x ** 3) + x.ravel()[0] * x.ravel()[-1])

    def loss_of_W(W_):
        return losses.mse(Y, dense(X, W_, b, "tanh"))

    cases = [
        ("f(x) = sum(x²) at x = [1, -2, 3]", (square_sum, np.array([1.0, -2.0, 3.0]), 1e-6)),
        ("a 2-D x, f(x) = sum(x³) + x_first x_last", (cubes_and_product, rng.normal(size=(2, 3)), 1e-6)),
        ("the mse of a tanh layer as a function of W (3, 2)", (loss_of_W, W, 1e-6)),
        ("a large step eps = 1e-2, f(x) = sum(x³) + x_first x_last",
         (cubes_and_product, np.array([0.5, -1.0, 2.0]), 1e-2)),
    ]
    return run_cases("numeric_gradient", _keeps_x(candidate), numeric_gradient, cases)


def _gradient_descent(f, x0, lr, epochs):
    from .gradients import numeric_gradient

    x = np.array(x0, dtype=float)
    for _ in range(epochs):
        x = x - lr * numeric_gradient(f, x)
    return x


def check_gradient_descent(candidate: Callable) -> CheckResult:
    """Check ``candidate(f, x0, lr, epochs)``, which returns x after `epochs` steps downhill."""
    x_data = np.array([1.0, 3.0, 4.0, 8.0, 10.0])

    def bowl(x):
        return float((x[0] - 1.0) ** 2 + 10.0 * (x[1] + 2.0) ** 2)

    def line_loss(p):
        return float(np.mean((p[0] * x_data + p[1] - 3.0 * x_data) ** 2))

    cases = [
        ("one step on a bowl", (bowl, np.array([0.0, 0.0]), 0.01, 1)),
        ("50 steps on a bowl, lr = 0.04", (bowl, np.array([3.0, 1.0]), 0.04, 50)),
        ("the y = 3x loss of (w, b), 100 steps, lr = 0.02", (line_loss, np.array([2.269, 1.01]), 0.02, 100)),
        ("zero epochs: x0 itself", (bowl, np.array([0.5, 0.5]), 0.1, 0)),
    ]
    return run_cases("gradient_descent", candidate, _gradient_descent, cases)


def check_activation_derivative(candidate: Callable, name: str) -> CheckResult:
    """Check ``candidate(z)`` = g'(z) against nnlib's derivative of the activation `name`."""
    from .derivatives import DERIVATIVES

    if name not in DERIVATIVES:
        raise ValueError(f"check_activation_derivative: expected one of {list(DERIVATIVES)}, "
                         f"got {name!r}")
    cases = [
        ("z = 0.5", (np.array([0.5]),)),
        ("a few values", (np.array([-2.0, -0.5, 0.25, 3.0]),)),
        ("extremes z = -1000 and 1000", (np.array([-1000.0, 1000.0]),)),
        ("a 2-D batch", (np.linspace(-4, 4, 12).reshape(3, 4),)),
    ]
    return run_cases(f"{name} derivative", candidate, DERIVATIVES[name], cases)


def check_dense_backward(candidate: Callable) -> CheckResult:
    """Check ``candidate(dZ, A_prev, W)`` = (dW, db, dA_prev) against `nnlib.dense_backward`.

    Prints one report per returned array, so you can see which of the three is wrong.
    """
    from .training import dense_backward

    rng = np.random.default_rng(6)
    cases = [
        ("one example, 2 inputs -> 3 units", (rng.normal(size=(1, 3)), rng.normal(size=(1, 2)),
                                              rng.normal(size=(2, 3)))),
        ("5 examples, 3 inputs -> 2 units", (rng.normal(size=(5, 2)), rng.normal(size=(5, 3)),
                                             rng.normal(size=(3, 2)))),
        ("4 examples, 4 inputs -> 1 unit", (rng.normal(size=(4, 1)), rng.normal(size=(4, 4)),
                                            rng.normal(size=(4, 1)))),
    ]
    return _run_parts("dense_backward", candidate, dense_backward, cases, ["dW", "db", "dA_prev"])


def _run_parts(name: str, candidate: Callable, reference: Callable,
               cases: Sequence[tuple[str, tuple]], parts: Sequence[str]) -> CheckResult:
    """`run_cases` once per item of a returned tuple, so the report says which item is wrong.

    ``reference(*args)`` returns the tuple of arrays named by `parts`, and so must the candidate.
    """
    try:
        nothing = candidate(*copy.deepcopy(cases[0][1])) is None
    except Exception:  # noqa: BLE001 - reported case by case below
        nothing = False
    if nothing:
        print(f"✗ {name} returned None; is a `return` statement missing?")
        return CheckResult(name, len(parts) * len(cases), ["returned None"])
    failures = []
    for k, part in enumerate(parts):
        result = run_cases(f"{name} {part}", _part(candidate, k, parts),
                           lambda *args, k=k: reference(*args)[k], cases)
        failures += [f"{part}: {failure}" for failure in result.failures]
    return CheckResult(name, len(parts) * len(cases), failures)


def _part(candidate: Callable, k: int, parts: Sequence[str]) -> Callable:
    """Item k of what ``candidate`` returns, which must be a tuple with one item per part."""
    def pick(*args):
        out = candidate(*args)
        if out is None:
            return None
        if not (isinstance(out, (tuple, list)) and len(out) == len(parts)):
            raise TypeError(f"expected a tuple ({', '.join(parts)}), got {type(out).__name__}"
                            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
        return out[k]
    return pick


def check_loss_derivative(candidate: Callable, name: str) -> CheckResult:
    """Check ``candidate(y_true, y_pred)`` = ∂L/∂ŷ against `nnlib.loss_derivative` for `name`."""
    from .derivatives import loss_derivative

    if name not in _LOSSES:
        raise ValueError(f"check_loss_derivative: unknown loss {name!r}; expected one of {list(_LOSSES)}")
    rng = np.random.default_rng(7)
    if name == "categorical_crossentropy":
        cases = [("one example, 3 classes", (np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.3]]))),
                 ("4 examples, 3 classes", (np.eye(3)[[0, 2, 1, 1]],
                                            ACTIVATIONS["softmax"](rng.normal(size=(4, 3)))))]
    else:
        cases = [("one example, one output", (np.array([[1.0]]), np.array([[0.3]]))),
                 ("5 examples, one output each", ((rng.uniform(size=(5, 1)) > 0.5).astype(float),
                                                  rng.uniform(0.05, 0.95, size=(5, 1)))),
                 ("4 examples, two outputs each", ((rng.uniform(size=(4, 2)) > 0.5).astype(float),
                                                   rng.uniform(0.05, 0.95, size=(4, 2))))]
    return run_cases(f"{name} derivative", candidate,
                     lambda y_true, y_pred: loss_derivative(name, y_true, y_pred), cases)


# ------------------------------------------------- chapter 7: Keras

def _keras_walk_reference(weights, X):
    W0, b0, W1, b1 = weights
    return sequential(X, [(W0, b0, "relu"), (W1, b1, "sigmoid")])


def check_predict_from_weights(candidate: Callable) -> CheckResult:
    """Check ``candidate(weights, X)``: the prediction of a Keras ReLU-then-sigmoid model.

    ``weights`` is what ``model.get_weights()`` returns for
    ``Sequential([Input, Dense(h, "relu"), Dense(1, "sigmoid")])``: the list
    ``[W0 (n_in, h), b0 (h,), W1 (h, 1), b1 (1,)]``. ``X`` is a batch (m, n_in).
    """
    rng = np.random.default_rng(8)

    def weights(n_in, h):
        return [rng.normal(size=(n_in, h)), rng.normal(size=h), rng.normal(size=(h, 1)), rng.normal(size=1)]

    cases = [
        ("one roast, 2 inputs -> 3 relu -> 1", (weights(2, 3), rng.normal(size=(1, 2)))),
        ("6 roasts, 2 inputs -> 8 relu -> 1", (weights(2, 8), rng.normal(size=(6, 2)))),
        ("every hidden unit off: the output is sigmoid(b1)",
         ([-np.ones((2, 4)), -np.ones(4), np.ones((4, 1)), np.array([0.3])], np.ones((2, 2)))),
        ("4 examples, 3 inputs -> 5 relu -> 1", (weights(3, 5), rng.normal(size=(4, 3)))),
    ]
    return run_cases("predict_from_weights", candidate, _keras_walk_reference, cases)


def _fit_parts(fit_function: Callable) -> Callable:
    """Wrap a fit-like function: (trained_layers, history) becomes (history, all weights in one array)."""
    def parts(*args):
        out = fit_function(*args)
        if out is None:
            return None
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("expected a tuple (trained_layers, history), got " + type(out).__name__
                            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
        trained, history = out
        try:
            weights = np.concatenate([np.ravel(np.asarray(p, dtype=float))
                                      for W, b, *_ in trained for p in (W, b)])
        except (TypeError, ValueError):
            raise TypeError("trained_layers must be a list of (W, b, activation) tuples, "
                            f"got {type(trained).__name__}") from None
        return history, weights
    return parts


def check_fit(candidate: Callable) -> CheckResult:
    """Check ``candidate(X, y, layers, loss, lr, epochs)`` against `nnlib.fit` (full-batch SGD).

    It must return ``(trained_layers, history)``: the layers after `epochs`
    updates and the loss of each epoch *before* its update, as Keras records it.
    A case fails if either the loss history or any trained weight differs.
    """
    from .datasets import coffee_roasting, normalization_stats, normalize
    from .training import fit

    x_line = np.array([[1.0], [3.0], [4.0], [8.0], [10.0]])
    line = [(np.array([[2.269]]), np.array([1.01]), "linear")]
    X_coffee, y_coffee = coffee_roasting(m=40, seed=1)
    X_coffee = normalize(X_coffee, *normalization_stats(X_coffee))
    rng = np.random.default_rng(9)
    coffee = [_random_layer(rng, 2, 3, "sigmoid"), _random_layer(rng, 3, 1, "sigmoid")]
    cases = [
        ("y = 3x, one epoch, lr = 0.02", (x_line, 3 * x_line, line, "mse", 0.02, 1)),
        ("y = 3x, 20 epochs, lr = 0.02", (x_line, 3 * x_line, line, "mse", 0.02, 20)),
        ("40 roasts, 2-3-1 sigmoid, binary cross-entropy, 10 epochs, lr = 2",
         (X_coffee, y_coffee, coffee, "binary_crossentropy", 2.0, 10)),
    ]
    return _run_parts("fit", _fit_parts(candidate), _fit_parts(fit), cases,
                      ["history", "weights"])
