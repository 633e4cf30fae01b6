"""Checks for your own implementations in the exercises.

Each ``check_*`` function calls your function on fixed and random cases,
compares with nnlib's reference implementation (with a tolerance, never against
stored numbers), and prints one line per failed case saying what was expected and
what came back, then a summary. It never crashes or hangs because of your code:
an exception, a wrong return type, a change to the arrays your function was given,
or a case that runs longer than `TIME_LIMIT` seconds is reported as a failed case.

The result is truthy when every case passed, so ``assert check_dense(my_dense)``
works in a test; displayed in a notebook, it shows only the printed report.
"""

from __future__ import annotations

import copy
import inspect
import signal
import threading
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from . import (
    ACTIVATIONS,
    DERIVATIVES,
    LOSSES,
    Adam,
    backprop,
    dense,
    dense_backward,
    dense_loop,
    dropout,
    fit,
    loss_derivative,
    mse,
    neuron,
    numeric_gradient,
    sequential,
)
from .datasets import coffee_roasting, normalization_stats, normalize
from .training import batches

RTOL, ATOL = 1e-6, 1e-9

TIME_LIMIT: float | None = 5.0
"""Seconds your function may take on one case before it is stopped and the check ends.

Generous: every reference case takes milliseconds. None turns the limit off. It is
enforced with the SIGALRM signal, so only on Unix (Linux, macOS) and in the main
thread, which is where a Jupyter kernel and a script run; elsewhere, e.g. on
Windows, cases run without a limit.
"""

_AGAIN = 0.1  # seconds between further stops, should the learner's code swallow the first
_NONE = "returned None; is a `return` statement missing?"


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


class _BadAnswer(Exception):
    """What the learner's function did cannot be compared; the message says why."""


class _TookTooLong(BaseException):
    """Raised inside the learner's function when its time is up.

    A BaseException, so that an ``except Exception`` in the learner's code cannot catch it.
    """


def run_cases(name: str, candidate: Callable, reference: Callable,
              cases: Sequence[tuple[str, tuple]], time_limit: float | None = None) -> CheckResult:
    """Compare ``candidate(*args)`` with ``reference(*args)`` for each (description, args) case.

    Each function gets its own deep copy of the arguments. A case fails if the candidate
    raises, returns no array of real numbers, changes an array it was given, returns a
    different shape or values (beyond `RTOL`, `ATOL`), or right values while NumPy warns.
    A case that runs longer than `time_limit` seconds (default `TIME_LIMIT`) fails
    too, and ends the check. Prints the report and returns a `CheckResult`.
    """
    return _run(name, candidate, reference, cases, time_limit=time_limit)


def _run(name: str, candidate: Callable, reference: Callable, cases: Sequence[tuple[str, tuple]],
         parts: Sequence[str] = ("",), split: Callable | None = None, advice: str | None = None,
         time_limit: float | None = None, hint: Callable | None = None,
         mismatch: Callable | None = None) -> CheckResult:
    """`run_cases`, optionally for a function that returns several arrays, named by `parts`.

    ``split(result)`` turns what a function returns into one array per part; the report
    then says which part is wrong, case by case. `advice` replaces the usual advice when
    the candidate changes an input in place. ``hint(args)`` may return a sentence to add
    where the candidate raised or returned a wrong array on that case (None: nothing).
    ``mismatch(got, expected, numeric)`` replaces `_mismatch`, e.g. for a part that `split`
    returns as several arrays (an `_Arrays`) rather than one (see `check_minibatches`).
    """
    total = len(parts) * len(cases)
    if not callable(candidate):
        print(f"✗ {name}: expected your function itself, got a {type(candidate).__name__}; "
              f"pass it without calling it, e.g. check(my_function), not check(my_function(...))")
        return CheckResult(name, total, ["not a function"])
    limit = TIME_LIMIT if time_limit is None else time_limit
    problems = _problems(candidate, reference, cases, len(parts), split, advice, limit, hint, mismatch)
    if len(parts) > 1 and problems[0][0] == _NONE:
        print(f"✗ {name} {_NONE}")
        return CheckResult(name, total, ["returned None"])
    failures = []
    for j, part in enumerate(parts):
        label = f"{name} {part}".strip()
        failures += [f"{part}: {f}" if part else f
                     for f in _report(label, cases, [p[j] for p in problems])]
    return CheckResult(name, total, failures)


def _problems(candidate: Callable, reference: Callable, cases: Sequence[tuple[str, tuple]],
              n_parts: int, split: Callable | None, advice: str | None, limit: float | None,
              hint: Callable | None = None, mismatch: Callable | None = None) -> list[list]:
    """Run the cases in turn: for each case run, one problem (or None) per part.

    Stops after a case that ran out of time, so a check never waits more than once.
    """
    problems = []
    for k, (_, args) in enumerate(cases, start=1):
        outcome = _attempt(candidate, args, split, advice, limit)
        if outcome is _TookTooLong:
            problems.append([f"your function took longer than {limit:g} s on case {k} and was stopped "
                             "(does a loop never end?)"] * n_parts)
            break
        note = hint(args) if hint else None
        if isinstance(outcome, str):
            raised = outcome.startswith("raised ")
            problems.append([f"{outcome}; {note}" if note and raised else outcome] * n_parts)
        else:
            got, numeric = outcome
            compare = mismatch or _mismatch
            found = [compare(g, e, numeric) for g, e in zip(got, _expected(reference, args, split))]
            problems.append([f"{f}; {note}" if note and f and not isinstance(g, str) and not f.startswith("right")
                             else f for f, g in zip(found, got)])
    return problems


def _report(label: str, cases: Sequence[tuple[str, tuple]], problems: list[str | None]) -> list[str]:
    """Print one line per failed case and a summary; return the failures."""
    failures = [f"case {k} ({description}): {problem}"
                for k, ((description, _), problem) in enumerate(zip(cases, problems), start=1) if problem]
    for failure in failures:
        print(f"✗ {label}, {failure}")
    not_run = len(cases) - len(problems)
    if failures:
        print(f"{label}: {len(failures)} of {len(cases)} cases failed"
              + (f", {not_run} not run." if not_run else "."))
    else:
        print(f"✓ {label}: all {len(cases)} cases passed.")
    return failures


def _attempt(candidate: Callable, args: tuple, split: Callable | None, advice: str | None,
             limit: float | None):
    """Run the learner's function on a copy of `args`, under the time limit.

    Returns ``(arrays, numeric_warnings)`` with one float array (or a problem) per part,
    a problem string, or `_TookTooLong` when time ran out.
    """
    given = copy.deepcopy(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = _call_with_time_limit(lambda: _answer(candidate, args, given, split, advice), limit)
        except _BadAnswer as bad:
            return str(bad)
        except _TookTooLong:
            return _TookTooLong
        except (Exception, SystemExit) as err:  # the learner's code may raise anything
            return _raised(err)
    return got, [w for w in caught if issubclass(w.category, RuntimeWarning)]


def _raised(err: BaseException) -> str:
    try:
        return f"raised {type(err).__name__}: {err}"
    except Exception:  # an exception class of the learner's whose str() fails
        return f"raised {type(err).__name__}"


def _answer(candidate: Callable, original: tuple, given: tuple, split: Callable | None, advice: str | None):
    """Call ``candidate(*given)``; return its result as one float array (or a problem) per part.

    Raises `_BadAnswer` if it returned None or changed `given`, which must stay equal to `original`.
    """
    result = candidate(*given)
    if result is None:
        raise _BadAnswer(_NONE)
    changed = _changed_input(candidate, original, given, advice)
    if changed:
        raise _BadAnswer(changed)
    return [part if isinstance(part, _Arrays) else _real_array(part)
            for part in (split(result) if split else (result,))]


def _real_array(value) -> np.ndarray | str:
    """`value` as a float array, or a problem saying why it is not an array of real numbers."""
    try:
        array = np.asarray(value)
    except Exception as err:  # a ragged list, or an object whose __array__ raises
        return (f"returned a {type(value).__name__}, which NumPy cannot turn into an array "
                f"({type(err).__name__}: {err})")
    if array.dtype.kind not in "biuf":  # float() would accept "0.5" and drop imaginary parts
        return f"returned a {type(value).__name__} ({array.dtype}), which is not an array of real numbers"
    return array.astype(float)


def _expected(reference: Callable, args: tuple, split: Callable | None) -> list[np.ndarray]:
    result = reference(*copy.deepcopy(args))
    return [part if isinstance(part, _Arrays) else np.asarray(part, dtype=float)
            for part in (split(result) if split else (result,))]


class _Arrays(list):
    """A part made of several float arrays, e.g. one per minibatch, that a split has checked.

    Compared as a whole by a `_run` `mismatch` of its own rather than as one array.
    """


@np.errstate(all="ignore")  # e.g. 1e308 - (-1e308) overflows: the difference is inf, no warning
def _mismatch(got: np.ndarray | str, expected: np.ndarray, numeric: list) -> str | None:
    """Describe how `got` differs from `expected`, or None if the candidate is right."""
    if isinstance(got, str):
        return got
    if got.shape != expected.shape:
        return f"returned shape {got.shape}, expected shape {expected.shape}"
    if not np.allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=False):
        worst = np.max(np.abs(got - expected)) if np.all(np.isfinite(got)) else np.inf
        return f"{_values(expected, got)} (largest difference {worst:.2e})"
    if numeric:
        return f"right values, but NumPy warned: {numeric[0].message} (is it numerically stable?)"
    return None


# ------------------------------------------------- inputs changed in place

def _changed_input(candidate: Callable, original: tuple, given: tuple, advice: str | None) -> str | None:
    """Say which argument the candidate changed in place, or None if it changed none."""
    for name, before, after in zip(_argument_names(candidate, len(original)), original, given):
        where = _first_change(before, after, name)
        if where == name:
            return (f"your function changed its input {name} in place; "
                    + (advice or f"work on a copy ({name} = {name}.copy()) or build new arrays"))
        if where:
            return (f"your function changed {where}, inside its input {name}, in place; "
                    + (advice or "build new arrays instead (x = x - d, not x -= d)"))
    return None


def _argument_names(func: Callable, n: int) -> list[str]:
    """The names of func's first n positional parameters, "argument k" where it has none."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # e.g. some built-in functions have no signature
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return names[:n] + [f"argument {k}" for k in range(len(names) + 1, n + 1)]


def _first_change(before, after, path: str) -> str | None:
    """The path (e.g. "layers[0][1]") of the first array in `after` that differs from `before`.

    Lists and tuples are searched item by item; numbers, strings and functions cannot change.
    """
    if isinstance(before, np.ndarray):
        same = (isinstance(after, np.ndarray) and after.shape == before.shape
                and np.array_equal(after, before, equal_nan=True))
        return None if same else path
    if isinstance(before, (list, tuple)):
        if type(after) is not type(before) or len(after) != len(before):
            return path
        for k, (item_before, item_after) in enumerate(zip(before, after)):
            where = _first_change(item_before, item_after, f"{path}[{k}]")
            if where:
                return where
    return None


# ------------------------------------------------- the time limit

def _call_with_time_limit(func: Callable[[], object], seconds: float | None):
    """Return ``func()``, or raise `_TookTooLong` once it has run for `seconds`.

    A SIGALRM timer interrupts even a pure-Python endless loop. Where there is no such
    timer (Windows), outside the main thread (which alone receives signals), or where
    SIGALRM has a handler not set from Python (which could not be put back), func runs
    without a limit. A timer and handler already in place are restored afterwards.
    """
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGALRM) is None):
        return func()
    previous_handler = signal.signal(signal.SIGALRM, _stop)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, _AGAIN)
    started = time.monotonic()
    try:
        return func()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        delay, interval = previous_timer
        if delay > 0:
            signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - started), 1e-6), interval)


def _stop(signum, frame) -> None:
    # An alarm that arrives after func has returned, while the timer is being switched
    # off, lands in _call_with_time_limit itself; raising there would skip the clean-up.
    if frame is not None and frame.f_code is _call_with_time_limit.__code__:
        return
    raise _TookTooLong


def _fmt(a: np.ndarray, precision: int = 6) -> str:
    return np.array2string(a, precision=precision, separator=", ", threshold=12)


@np.errstate(all="ignore")
def _values(expected: np.ndarray, got: np.ndarray) -> str:
    """"expected ..., got ...", with enough digits to show where they differ.

    Six decimals as a rule; more when the two differ only beyond the sixth (`RTOL` is
    finer than that), so a failed case never shows two identical numbers. Should the
    worst entry hide in the "..." of a long array, it is named with all its digits.
    """
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    distance = np.where(wrong, np.nan_to_num(np.abs(got - expected), nan=np.inf), -1.0)
    index = np.unravel_index(np.argmax(distance), distance.shape)
    e, g = expected[index], got[index]
    precision = next((p for p in range(6, 18) if _fmt(np.array(e), p) != _fmt(np.array(g), p)), 17)
    text = f"expected {_fmt(expected, precision)}, got {_fmt(got, precision)}"
    if _fmt(expected, precision) == _fmt(got, precision):
        where = index[0] if len(index) == 1 else index
        text += f"; at index {where}: expected {float(e)!r}, got {float(g)!r}"
    return text


def _random_layer(rng, n_in, n_units, activation):
    return rng.normal(size=(n_in, n_units)), rng.normal(size=n_units), activation


_CH2_W = np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]])


def _dense_cases(batched: bool) -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(0)
    cases = [
        ("chapter 2 hidden layer, 2 inputs -> 3 sigmoid units, no bias",
         (np.array([1.0, 1.0]), _CH2_W, np.zeros(3), "sigmoid")),
        ("2 -> 3 linear units with biases", (np.array([2.0, -1.0]), _CH2_W, np.array([0.5, -1.0, 2.0]), "linear")),
        ("3 inputs -> 1 unit",
         (np.array([1.0, 2.0, 3.0]), np.array([[0.1], [-0.2], [0.3]]), np.array([0.05]), "sigmoid")),
        ("4 inputs -> 2 relu units (W is not square)", (rng.normal(size=4), *_random_layer(rng, 4, 2, "relu"))),
        ("random 5 -> 3 tanh", (rng.normal(size=5), *_random_layer(rng, 5, 3, "tanh"))),
    ]
    softmax = np.random.default_rng(11)  # a generator of its own: the cases above stay as they were
    cases.append(("3 -> 4 softmax units (softmax needs all 4 z's: apply g once, to the whole z)",
                  (softmax.normal(size=3), *_random_layer(softmax, 3, 4, "softmax"))))
    if batched:
        cases += [
            ("batch of 4 examples, 3 -> 2 sigmoid", (rng.normal(size=(4, 3)), *_random_layer(rng, 3, 2, "sigmoid"))),
            ("batch of 1 example, 2 -> 5 relu", (rng.normal(size=(1, 2)), *_random_layer(rng, 2, 5, "relu"))),
            ("batch of 3 examples, 2 -> 4 softmax (over each example's 4 units, not over the batch)",
             (softmax.normal(size=(3, 2)), *_random_layer(softmax, 2, 4, "softmax"))),
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
    and return ``(m, n_units)``, like `nnlib.dense`. A softmax case checks that the
    activation is applied to all of an example's z at once, not unit by unit.
    """
    reference = dense if batched else dense_loop
    return run_cases("dense", candidate, reference, _dense_cases(batched))


def check_sequential(candidate: Callable) -> CheckResult:
    """Check ``candidate(X, layers)`` against `nnlib.sequential`, for one example and for batches.

    X is one example ``(n_in,)`` or a batch ``(m, n_in)``, one example per row.
    """
    rng = np.random.default_rng(2)
    two_layers = [(_CH2_W, np.zeros(3), "sigmoid"), (np.array([[0.3], [0.5], [0.9]]), np.zeros(1), "linear")]
    three_layers = [_random_layer(rng, 3, 4, "relu"), _random_layer(rng, 4, 4, "tanh"),
                    _random_layer(rng, 4, 2, "sigmoid")]
    cases = [
        ("chapter 2 network, x = [1, 1]", (np.array([1.0, 1.0]), two_layers)),
        ("one layer only", (np.array([2.0, 0.5]), two_layers[:1])),
        ("three random layers, one example", (rng.normal(size=3), three_layers)),
        ("chapter 2 network, a batch of 4 examples, X (4, 2)",
         (np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 2.0], [0.5, -0.5]]), two_layers)),
        ("three random layers, a batch of 5 examples, X (5, 3)", (rng.normal(size=(5, 3)), three_layers)),
    ]
    return _run("sequential", candidate, sequential, cases, hint=_batch_hint)


def _batch_hint(args: tuple) -> str | None:
    """What to add when a candidate raises or errs on a batch X (check_sequential)."""
    if np.ndim(args[0]) != 2:
        return None
    return (f"X here is a batch {np.shape(args[0])}, one example per row; g(A @ W + b) handles one "
            "example and a batch alike, W.T @ a only one example")


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
    """Check a loss ``candidate(y_true, y_pred)`` against nnlib's loss `name`.

    The cross-entropies are also given predictions of exactly 0 and 1, and within 1e-7
    of them: like nnlib and Keras, the candidate must clip probabilities into
    ``[1e-7, 1 - 1e-7]`` (`nnlib.losses.EPSILON`), no more and no less, before taking logs.
    """
    if name not in _LOSSES:
        raise ValueError(f"check_loss: unknown loss {name!r}; expected one of {list(_LOSSES)}")
    rng = np.random.default_rng(3)
    if name == "categorical_crossentropy":
        p = ACTIVATIONS["softmax"](rng.normal(size=(5, 3)))
        cases = [
            ("one example, 2 classes", (np.array([[0.0, 1.0]]), np.array([[0.27, 0.73]]))),
            ("5 examples, 3 classes", (np.eye(3)[[0, 2, 1, 1, 0]], p)),
            ("p = [0, 1, 0] and [1, 0, 0], the second one wrong (log 0 = -inf and 0 * log 0 = nan: "
             "clip p into [1e-7, 1 - 1e-7] first)", (np.eye(3)[[1, 2]], np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))),
        ]
    else:
        y = (rng.uniform(size=(6, 1)) > 0.5).astype(float)
        cases = [
            ("one example, target 0, prediction 0.9", (np.array([[0.0]]), np.array([[0.9]]))),
            ("6 examples, one output each", (y, rng.uniform(0.05, 0.95, size=(6, 1)))),
            ("4 examples, two outputs each", ((rng.uniform(size=(4, 2)) > 0.5).astype(float),
                                              rng.uniform(0.05, 0.95, size=(4, 2)))),
        ]
        if name == "binary_crossentropy":
            wrong = np.array([[1.0], [0.0]])  # each prediction below is confident and wrong
            cases += [
                ("p exactly 0 and 1, both wrong (log 0 = -inf: clip p into [1e-7, 1 - 1e-7] first)",
                 (wrong, np.array([[0.0], [1.0]]))),
                ("p = 5e-8 and 1 - 5e-8, both wrong (within 1e-7 of 0 and 1: clipped to 1e-7 and 1 - 1e-7)",
                 (wrong, np.array([[5e-8], [1.0 - 5e-8]]))),
                ("p = 1e-4 and 1 - 1e-4, both wrong (not clipped: only p within 1e-7 of 0 or 1 is)",
                 (wrong, np.array([[1e-4], [1.0 - 1e-4]]))),
            ]
    return run_cases(name, candidate, _LOSSES[name], cases)


# ------------------------------------------------- chapters 5 and 6: gradients and backprop

def check_numeric_gradient(candidate: Callable) -> CheckResult:
    """Check ``candidate(f, x, eps)`` against `nnlib.numeric_gradient` (central differences).

    The case with the large step eps = 1e-2 tells central differences from
    forward ones; every case also checks that x comes back unchanged.
    """
    rng = np.random.default_rng(5)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))

    def square_sum(x):
        return float(np.sum(x ** 2))

    def cubes_and_product(x):
        return float(np.sum(x ** 3) + x.ravel()[0] * x.ravel()[-1])

    def loss_of_W(W_):
        return mse(Y, dense(X, W_, b, "tanh"))

    cases = [
        ("f(x) = sum(x²) at x = [1, -2, 3]", (square_sum, np.array([1.0, -2.0, 3.0]), 1e-6)),
        ("a 2-D x, f(x) = sum(x³) + x_first x_last", (cubes_and_product, rng.normal(size=(2, 3)), 1e-6)),
        ("the mse of a tanh layer as a function of W (3, 2)", (loss_of_W, W, 1e-6)),
        ("a large step eps = 1e-2, f(x) = sum(x³) + x_first x_last",
         (cubes_and_product, np.array([0.5, -1.0, 2.0]), 1e-2)),
    ]
    return _run("numeric_gradient", candidate, numeric_gradient, cases,
                advice="put each entry back exactly as it was after nudging it (save the original "
                       "value), or work on a copy")


def _gradient_descent(f, x0, lr, epochs):
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
    rng = np.random.default_rng(6)
    cases = [
        ("one example, 2 inputs -> 3 units", (rng.normal(size=(1, 3)), rng.normal(size=(1, 2)),
                                              rng.normal(size=(2, 3)))),
        ("5 examples, 3 inputs -> 2 units", (rng.normal(size=(5, 2)), rng.normal(size=(5, 3)),
                                             rng.normal(size=(3, 2)))),
        ("4 examples, 4 inputs -> 1 unit", (rng.normal(size=(4, 1)), rng.normal(size=(4, 4)),
                                            rng.normal(size=(4, 1)))),
    ]
    parts = ("dW", "db", "dA_prev")
    return _run("dense_backward", candidate, dense_backward, cases, parts, split=_items(parts))


def _items(parts: Sequence[str]) -> Callable:
    """A `_run` split for a function that returns a tuple with one item per part."""
    def split(result):
        if not (isinstance(result, (tuple, list)) and len(result) == len(parts)):
            raise _BadAnswer(f"expected a tuple ({', '.join(parts)}), got {type(result).__name__}"
                             + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
        return tuple(result)
    return split


def check_loss_derivative(candidate: Callable, name: str) -> CheckResult:
    """Check ``candidate(y_true, y_pred)`` = ∂L/∂ŷ against `nnlib.loss_derivative` for `name`."""
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


def _fit_parts(result) -> tuple:
    """What a fit function returns, (trained_layers, history), as (history, all weights in one array)."""
    trained, history = _items(("trained_layers", "history"))(result)
    try:
        weights = np.concatenate([np.ravel(np.asarray(p, dtype=float)) for W, b, *_ in trained for p in (W, b)])
    except Exception as err:  # anything but a list of layers, whatever its items do
        raise _BadAnswer("trained_layers must be a list of (W, b, activation) tuples of arrays, "
                         f"got {type(trained).__name__} ({type(err).__name__}: {err})") from None
    return history, weights


def check_fit(candidate: Callable) -> CheckResult:
    """Check ``candidate(X, y, layers, loss, lr, epochs)`` against `nnlib.fit` (full-batch SGD).

    It must return ``(trained_layers, history)``: the layers after `epochs`
    updates and the loss of each epoch *before* its update, as Keras records it.
    A case fails if either the loss history or any trained weight differs.
    """
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
    return _run("fit", candidate, fit, cases, ("history", "weights"), split=_fit_parts)


# ------------------------------------------------- chapter 6: backpropagation, layer by layer


def _backprop_cases() -> list[tuple[str, tuple]]:
    """Networks as (W, b, activation) tuples, with data where no probability is clipped."""
    rng = np.random.default_rng(10)
    chapter2 = [(_CH2_W, np.zeros(3), "sigmoid"), (np.array([[0.3], [0.5], [0.9]]), np.zeros(1), "linear")]
    regression = [_random_layer(rng, 2, 3, "sigmoid"), _random_layer(rng, 3, 1, "linear")]
    X_regression, y_regression = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    deep = [_random_layer(rng, 3, 4, "tanh"), _random_layer(rng, 4, 5, "relu"),
            _random_layer(rng, 5, 3, "softmax")]
    X_deep, y_deep = rng.normal(size=(6, 3)), np.eye(3)[[0, 2, 1, 1, 0, 2]]
    X_coffee, y_coffee = coffee_roasting(m=12, seed=2)
    X_coffee = normalize(X_coffee, *normalization_stats(X_coffee))
    coffee = [_random_layer(rng, 2, 3, "sigmoid"), _random_layer(rng, 3, 1, "sigmoid")]
    one_layer = [_random_layer(rng, 3, 2, "sigmoid")]
    X_one, y_one = rng.normal(size=(4, 3)), (rng.uniform(size=(4, 2)) > 0.5).astype(float)
    return [
        ("chapter 2's 2-3-1 network, x = [1, 1], target 0, squared error",
         (np.array([[1.0, 1.0]]), np.array([[0.0]]), chapter2, "squared_error")),
        ("2-3-1, sigmoid then linear, 5 examples, mse", (X_regression, y_regression, regression, "mse")),
        ("3-4-5-3, tanh, relu, softmax, 6 examples, categorical cross-entropy",
         (X_deep, y_deep, deep, "categorical_crossentropy")),
        ("12 roasts, 2-3-1 sigmoid, binary cross-entropy", (X_coffee, y_coffee, coffee, "binary_crossentropy")),
        ("one sigmoid layer only, 4 examples, binary cross-entropy",
         (X_one, y_one, one_layer, "binary_crossentropy")),
    ]


def _gradient_pairs(n_layers: int) -> Callable:
    """A split for `_attempt`: what a backprop returns, as [dW1, db1, dW2, db2, ...]."""
    expected = f"a list of {n_layers} (dW, db) pair{'s' if n_layers > 1 else ''}, one per layer"

    def split(result):
        if not isinstance(result, (list, tuple)):
            hint = ("; make it a list, e.g. grads[::-1] rather than reversed(grads)"
                    if hasattr(result, "__next__") else "")
            raise _BadAnswer(f"expected {expected}, got a {type(result).__name__}{hint}")
        if len(result) != n_layers:
            raise _BadAnswer(f"expected {expected}, got {len(result)} item{'s' if len(result) != 1 else ''}")
        arrays = []
        for k, pair in enumerate(result, start=1):
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                size = f" of length {len(pair)}" if isinstance(pair, (list, tuple)) else ""
                raise _BadAnswer(f"expected {expected}; for layer {k} got a {type(pair).__name__}{size}")
            arrays += list(pair)
        return arrays
    return split


def _layer_verdicts(got: list, expected: list[np.ndarray]) -> tuple[list[str], bool]:
    """One verdict per layer ("layer 2 right", "layer 1 dW wrong (...)"), and whether all are right."""
    verdicts, all_right = [], True
    for k in range(len(expected) // 2):
        problems, wrong, worst = [], [], 0.0
        for name, g, e in zip(("dW", "db"), got[2 * k:2 * k + 2], expected[2 * k:2 * k + 2]):
            if isinstance(g, str):
                problems.append(f"{name} {g}")
            elif g.shape != e.shape:
                problems.append(f"{name} has shape {g.shape} instead of {e.shape}")
            elif not np.allclose(g, e, rtol=RTOL, atol=ATOL):
                wrong.append(name)
                worst = max(worst, float(np.max(np.abs(g - e))) if np.all(np.isfinite(g)) else np.inf)
        if wrong:
            problems.append(f"{' and '.join(wrong)} wrong (largest difference {worst:.2e})")
        all_right = all_right and not problems
        verdicts.append(f"layer {k + 1} " + (" and ".join(problems) if problems else "right"))
    return verdicts, all_right


def _same_arrays(got: list, expected: list[np.ndarray]) -> bool:
    return all(not isinstance(g, str) and g.shape == e.shape and np.allclose(g, e, rtol=RTOL, atol=ATOL)
               for g, e in zip(got, expected))


@np.errstate(all="ignore")
def _backprop_problem(got: list, expected: list[np.ndarray], numeric: list) -> str | None:
    """The report of one case: every layer's verdict, or None if the candidate is right."""
    verdicts, all_right = _layer_verdicts(got, expected)
    if all_right:
        if numeric:
            return f"right values, but NumPy warned: {numeric[0].message} (is it numerically stable?)"
        return None
    pairs = [got[i:i + 2] for i in range(0, len(got), 2)]
    if len(pairs) > 1 and _same_arrays([a for pair in pairs[::-1] for a in pair], expected):
        return ("the right gradients in reverse order (last layer first); return them in the order of "
                "the layers, e.g. grads[::-1]")
    return ", ".join(verdicts)


def check_backprop(candidate: Callable) -> CheckResult:
    """Check ``candidate(X, y, layers, loss)`` against `nnlib.backprop`, layer by layer.

    Like `nnlib.backprop`, the candidate must return a list with one ``(dW, db)`` pair per
    layer, in the order of `layers`, each shaped like that layer's ``W`` and ``b``, and
    must leave `X`, `y` and the layers unchanged. The layers come as ``(W, b, activation)``
    tuples. For each failed case one line says, layer by layer, which gradient is wrong:
    a mistake shows where it starts (a forgotten g'(Z) leaves the output layer right and
    the layers before it wrong; a forgotten 1/m spoils every layer but only where m > 1).
    """
    name = "backprop"
    cases = _backprop_cases()
    if not callable(candidate):
        print(f"✗ {name}: expected your function itself, got a {type(candidate).__name__}; "
              f"pass it without calling it, e.g. check(my_function), not check(my_function(...))")
        return CheckResult(name, len(cases), ["not a function"])
    limit, problems = TIME_LIMIT, []
    for k, (_, args) in enumerate(cases, start=1):
        outcome = _attempt(candidate, args, _gradient_pairs(len(args[2])), None, limit)
        if outcome is _TookTooLong:
            problems.append(f"your function took longer than {limit:g} s on case {k} and was stopped "
                            "(does a loop never end?)")
            break
        if isinstance(outcome, str):
            problems.append(outcome)
            continue
        got, numeric = outcome
        expected = [np.asarray(a, dtype=float) for pair in backprop(*copy.deepcopy(args)) for a in pair]
        problems.append(_backprop_problem(got, expected, numeric))
    return CheckResult(name, len(cases), _report(name, cases, problems))


# ------------------------------------------------- Part IV: optimisers, dropout, minibatches

def _adam_reference(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One step of `nnlib.Adam` on one array, from the state (m, v) it had after step t - 1."""
    adam = Adam(learning_rate, beta_1, beta_2, epsilon)
    adam.iterations, adam.m, adam.v = int(t) - 1, [np.array(m, dtype=float)], [np.array(v, dtype=float)]
    (new_params,) = adam.apply([grads], [params])
    return new_params, adam.m[0], adam.v[0]


def check_adam(candidate: Callable) -> CheckResult:
    """Check ``candidate(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)``.

    It makes step t (counted from 1) of Adam on one array of parameters and returns
    ``(new_params, new_m, new_v)``, as `nnlib.Adam` (Keras's Adam) computes it:
    ``m ← β1 m + (1 − β1) g``, ``v ← β2 v + (1 − β2) g²``, then
    ``params − α m / (√v + ε)`` with ``α = lr √(1 − β2^t) / (1 − β1^t)``. The bias
    correction sits in α, so ε is added to the *uncorrected* √v; a case with a tiny
    gradient tells this from the paper's m̂ / (√v̂ + ε). `params`, `grads`, `m` and `v`
    must come back unchanged: return new arrays. One report per returned array.
    """
    rng = np.random.default_rng(12)

    def state(*shape, scale=1.0):
        return (rng.normal(size=shape), scale * rng.normal(size=shape),
                0.1 * scale * rng.normal(size=shape), 0.01 * scale**2 * rng.uniform(size=shape))

    p1, g1, _, _ = state(4)
    p2, g2, m2, v2 = state(5)
    p3, g3, m3, v3 = state(3, 2)
    p4, g4, _, _ = state(4, scale=1e-6)
    p5, g5, m5, v5 = state(3)
    cases = [
        ("the first step, t = 1, m = v = 0", (p1, g1, np.zeros(4), np.zeros(4), 1)),
        ("a later step, t = 10, with nonzero m and v", (p2, g2, m2, v2, 10)),
        ("a 2-D array of weights (3, 2), t = 3", (p3, g3, m3, v3, 3)),
        ("a tiny gradient (about 1e-6), t = 1, where epsilon matters: Keras adds it to the "
         "uncorrected √v", (p4, g4, np.zeros(4), np.zeros(4), 1)),
        ("learning_rate = 0.1, beta_1 = 0.8, beta_2 = 0.99, epsilon = 1e-3, t = 2",
         (p5, g5, m5, v5, 2, 0.1, 0.8, 0.99, 1e-3)),
    ]
    parts = ("new_params", "new_m", "new_v")
    return _run("adam_step", candidate, _adam_reference, cases, parts, split=_items(parts))


def _dropout_reference(A, rate, rng):
    return dropout(A, rate, rng=rng, training=True)


def check_dropout(candidate: Callable) -> CheckResult:
    """Check ``candidate(A, rate, rng)``, inverted dropout in training, against `nnlib.dropout`.

    The candidate must draw its mask exactly as nnlib does, so that both see the same
    random numbers (each gets a generator seeded alike): one draw
    ``keep = rng.random(A.shape) >= rate`` (True, kept, with probability 1 − rate), then
    ``A * keep / (1 − rate)``; with ``rate = 0`` nothing is dropped (nnlib then draws
    nothing, and ``rng.random(A.shape) >= 0`` keeps everything, so either way is right).
    A must come back unchanged: return a new array.
    """
    rng = np.random.default_rng(13)
    cases = [
        ("rate 0: nothing dropped, A unchanged", (rng.normal(size=8), 0.0, np.random.default_rng(1))),
        ("rate 0.5, 10 units", (rng.normal(size=10), 0.5, np.random.default_rng(2))),
        ("rate 0.9, 12 units: most dropped, the kept ones scaled by 10", (rng.normal(size=12), 0.9,
                                                                          np.random.default_rng(4))),
        ("a 2-D batch (4, 5), rate 0.2", (rng.normal(size=(4, 5)), 0.2, np.random.default_rng(5))),
    ]
    return run_cases("dropout", candidate, _dropout_reference, cases)


def _batches_reference(m, batch_size):
    return list(batches(m, batch_size, shuffle=False, rng=None))


def _batch_list(result) -> list[_Arrays]:
    """A `_run` split for a function that returns a list of index arrays: that list, as float arrays."""
    expected = "a list of index arrays, one per batch"
    if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__iter__"):
        raise _BadAnswer(f"expected {expected}, got a {type(result).__name__}")
    arrays = []
    for k, batch in enumerate(list(result), start=1):
        array = _real_array(batch)
        if isinstance(array, str):
            raise _BadAnswer(f"expected {expected}; for batch {k} it {array}")
        if array.ndim != 1:
            what = f"a number ({_batch_text(array)})" if array.ndim == 0 else f"an array of shape {array.shape}"
            raise _BadAnswer(f"expected {expected}; batch {k} is {what}, not a 1-D array of indices")
        arrays.append(array)
    return [_Arrays(arrays)]


def _batch_text(batch: np.ndarray) -> str:
    if np.all(np.isfinite(batch)) and np.all(batch == np.round(batch)):
        return np.array2string(batch.astype(np.int64), separator=", ", threshold=12)
    return _fmt(batch)


def _batches_text(batch_list: list) -> str:
    n = len(batch_list)
    shown = ", ".join(_batch_text(b) for b in batch_list[:6]) + (", ..." if n > 6 else "")
    return f"{n} batch{'es' if n != 1 else ''} {shown}".rstrip()


@np.errstate(all="ignore")
def _batches_mismatch(got: list | str, expected: list, numeric: list) -> str | None:
    """How a list of index arrays differs from the expected one, or None if it is right."""
    if isinstance(got, str):
        return got
    text = f"expected {_batches_text(expected)}, got {_batches_text(got)}"
    if [b.shape for b in got] != [b.shape for b in expected]:
        return text
    if not all(np.allclose(g, e, rtol=RTOL, atol=ATOL) for g, e in zip(got, expected)):
        worst = max(float(np.max(np.abs(g - e), initial=0.0)) if np.all(np.isfinite(g)) else np.inf
                    for g, e in zip(got, expected))
        return f"{text} (largest difference {worst:.2e})"
    if numeric:
        return f"right values, but NumPy warned: {numeric[0].message} (is it numerically stable?)"
    return None


def check_minibatches(candidate: Callable) -> CheckResult:
    """Check ``candidate(m, batch_size)``: the minibatches of one epoch without shuffling.

    It must return a list of index arrays covering ``0 .. m − 1`` in order, in
    batches of `batch_size` with a smaller last one when `batch_size` does not divide
    m, as ``list(nnlib.training.batches(m, batch_size, shuffle=False, rng=None))``:
    for m = 10, batch_size = 4, ``[array([0, 1, 2, 3]), array([4, 5, 6, 7]), array([8, 9])]``.
    """
    cases = [
        ("m = 12, batch_size = 4: 3 full batches", (12, 4)),
        ("m = 10, batch_size = 4: the last batch has 2 examples", (10, 4)),
        ("m = 5, batch_size = 8 (at least m): one batch of all 5", (5, 8)),
        ("m = 6, batch_size = 6: one batch of all 6", (6, 6)),
        ("m = 5, batch_size = 1: one example per batch", (5, 1)),
    ]
    return _run("minibatches", candidate, _batches_reference, cases, split=_batch_list,
                mismatch=_batches_mismatch)


# ---- chapter 9: generalisation (L2 penalty, early stopping)

def _l2_reference(layers, l2):
    from .regularizers import l2_penalty  # the penalty `fit(l2=...)` adds, so text and check agree

    return l2_penalty(layers, l2)


def check_l2_penalty(candidate: Callable) -> CheckResult:
    """Check ``candidate(layers, l2)``, Keras's L2 penalty ``l2 · Σ W²``, against `nnlib.l2_penalty`.

    `layers` is a list of `nnlib.Dense` layers, as the chapter's networks are: each unpacks
    as ``W, b, activation = layer`` and also has ``layer.W``, so answers written either way
    pass. The penalty sums the squares of every kernel's entries, over all layers, times
    `l2`: no ½ in front, no mean, and no biases. It must return one number and leave the
    layers unchanged.
    """
    from .layers import Dense  # what make_network and fit hand around; a tuple with names

    rng = np.random.default_rng(14)

    def layer(n_in, n_units, activation, bias_scale=1.0):
        W, _, g = _random_layer(rng, n_in, n_units, activation)
        return Dense(W, bias_scale * rng.normal(size=n_units) + 0.5, g)

    cases = [
        ("one layer, 2 inputs -> 3 units, l2 = 0.01", ([layer(2, 3, "relu")], 0.01)),
        ("2-4-1 with large biases (they are not penalised), l2 = 0.001",
         ([layer(2, 4, "relu", 5.0), layer(4, 1, "sigmoid", 5.0)], 0.001)),
        ("3-5-4-2, three layers, l2 = 0.1", ([layer(3, 5, "tanh"), layer(5, 4, "relu"),
                                              layer(4, 2, "softmax")], 0.1)),
        ("l2 = 0: no penalty", ([layer(2, 3, "relu"), layer(3, 1, "sigmoid")], 0.0)),
        ("kernels whose entries sum to about 0, l2 = 0.5",
         ([Dense(np.array([[1.5, -1.5], [-0.5, 0.5]]), np.array([1.0, -2.0]), "relu"),
           Dense(np.array([[2.0], [-2.0]]), np.array([0.5]), "sigmoid")], 0.5)),
    ]
    return run_cases("l2_penalty", candidate, _l2_reference, cases)


def _early_stopping_reference(val_losses, patience):
    """(last epoch run, epoch restored) by `nnlib.training.EarlyStopping`, given epoch k's layers as k."""
    from .training import EarlyStopping  # the very rule `fit(patience=...)` follows

    stopper, last = EarlyStopping(patience, restore_best_weights=True), len(val_losses) - 1
    for k, value in enumerate(val_losses):
        if stopper.should_stop(value, k, k):
            last = k
            break
    return last, stopper.best_layers(last)


def check_early_stopping(candidate: Callable) -> CheckResult:
    """Check ``candidate(val_losses, patience)``: when Keras's ``EarlyStopping`` stops, and what it restores.

    `val_losses` holds the validation loss after each epoch, epoch 0 first; training
    stops after the first epoch k at which `patience` epochs have passed without a new
    best, i.e. without a loss *strictly* below every earlier one (epoch 0 is always a
    new best). It must return ``(last_epoch, best_epoch)``, counted from 0 as Keras's
    epochs are: the last epoch that runs (``len(val_losses) − 1`` if it never stops)
    and the epoch of the lowest loss up to then, whose weights
    ``restore_best_weights=True`` returns (the first such epoch if it ties).
    """
    cases = [
        ("improves every epoch, patience 2: never stops, the best is the last",
         (np.array([1.0, 0.8, 0.6, 0.5, 0.45]), 2)),
        ("lowest at epoch 2, patience 2; a lower loss comes only after the stop",
         (np.array([1.0, 0.7, 0.5, 0.6, 0.65, 0.4, 0.3]), 2)),
        ("a loss equal to the best is no improvement, patience 2",
         (np.array([1.0, 0.5, 0.5, 0.5, 0.6]), 2)),
        ("patience 0: stops at the first epoch without a new best",
         (np.array([0.9, 0.8, 0.85, 0.7]), 0)),
        ("patience 3: ups and downs above the best do not count as improvements",
         (np.array([2.0, 1.5, 1.2, 1.3, 1.25, 1.21, 1.1, 1.15, 1.2, 1.3, 1.0]), 3)),
    ]
    parts = ("last_epoch", "best_epoch")
    return _run("early_stopping", candidate, _early_stopping_reference, cases, parts, split=_items(parts),
                mismatch=_epoch_mismatch)


def _epoch_mismatch(got: np.ndarray | str, expected: np.ndarray, numeric: list) -> str | None:
    """How an epoch number differs from the expected one, written as whole numbers where it is one."""
    if isinstance(got, str):
        return got
    if got.shape != ():
        return f"returned shape {got.shape}, expected one epoch number"
    if got == expected:
        return None
    shown = f"{int(got)}" if np.isfinite(got) and got == np.round(got) else f"{float(got)!r}"
    note = " (one too many: are your epochs counted from 1? Here, as in Keras, the first is epoch 0)" \
        if got == expected + 1 else ""
    return f"expected epoch {int(expected)}, got {shown}{note}"


# ---- chapter 10: optimisation (momentum, learning-rate schedules)

def _momentum_reference(params, grads, velocity, learning_rate, momentum):
    """One step of `nnlib.SGD` with momentum on one array, from the velocity it had before the step."""
    from .optimizers import SGD  # the optimiser the chapter shows, so the check never drifts from it

    sgd = SGD(learning_rate, momentum)
    sgd.velocities = [np.array(velocity, dtype=float)]
    (new_params,) = sgd.apply([grads], [params])
    return new_params, sgd.velocities[0]


def check_momentum_step(candidate: Callable) -> CheckResult:
    """Check ``candidate(params, grads, velocity, learning_rate, momentum)``: one step of SGD with momentum.

    It must return ``(new_params, new_velocity)`` as `nnlib.SGD` (Keras's ``SGD``) computes
    them: first the velocity, ``v ← μ v − lr · g``, then the parameters move by the *new*
    velocity, ``params + v``. `params`, `grads` and `velocity` must come back unchanged:
    return new arrays. One report per returned array.
    """
    rng = np.random.default_rng(15)

    def arrays(*shape, v_scale=0.1):
        return rng.normal(size=shape), rng.normal(size=shape), v_scale * rng.normal(size=shape)

    p1, g1, _ = arrays(4)
    p2, g2, v2 = arrays(5)
    p3, g3, v3 = arrays(3, 2)
    p4, g4, _ = arrays(4)
    p5, _, v5 = arrays(3)
    cases = [
        ("the first step: velocity 0, lr = 0.1, momentum = 0.9", (p1, g1, np.zeros(4), 0.1, 0.9)),
        ("a later step, with the velocity of earlier steps, lr = 0.01, momentum = 0.9",
         (p2, g2, v2, 0.01, 0.9)),
        ("a 2-D array of weights (3, 2), lr = 0.1, momentum = 0.5", (p3, g3, v3, 0.1, 0.5)),
        ("the gradient pushes against the velocity (the ball slows down), lr = 0.05, momentum = 0.99",
         (p4, g4, 0.2 * np.sign(g4), 0.05, 0.99)),
        ("a zero gradient: the parameters coast on μ v alone, lr = 0.1, momentum = 0.8",
         (p5, np.zeros(3), v5, 0.1, 0.8)),
    ]
    parts = ("new_params", "new_velocity")
    return _run("momentum_step", candidate, _momentum_reference, cases, parts, split=_items(parts))


def _decay_reference(step, initial_learning_rate, decay_steps, decay_rate, staircase):
    from .optimizers import ExponentialDecay  # the schedule the optimisers call

    return ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase)(step)


def check_exponential_decay(candidate: Callable) -> CheckResult:
    """Check ``candidate(step, initial_learning_rate, decay_steps, decay_rate, staircase)``.

    It must return the learning rate of optimiser step `step` (counted from 0, as Keras
    counts them: the first update uses step 0) as `nnlib.ExponentialDecay` (Keras's
    ``ExponentialDecay``) computes it: ``initial_learning_rate · decay_rate^(step / decay_steps)``,
    with the exponent rounded *down* (floor) when `staircase` is True and left alone otherwise.
    """
    cases = [
        ("step 0: the initial rate, smooth", (0, 0.1, 100, 0.5, False)),
        ("step 50 of decay_steps = 100, smooth: half-way to the first halving", (50, 0.1, 100, 0.5, False)),
        ("step 50 of decay_steps = 100, staircase: no drop yet", (50, 0.1, 100, 0.5, True)),
        ("step 99, staircase: the last step before the first drop", (99, 0.1, 100, 0.5, True)),
        ("step 100, staircase: the first drop", (100, 0.1, 100, 0.5, True)),
        ("step 275, decay_steps = 100, decay_rate = 0.96, staircase: the exponent 2.75 floors to 2, "
         "it does not round to 3", (275, 0.01, 100, 0.96, True)),
        ("step 375, decay_steps = 100, decay_rate = 0.96, smooth", (375, 0.01, 100, 0.96, False)),
        ("step 1000, decay_steps = 1, decay_rate = 0.999: decay at every step", (1000, 0.001, 1, 0.999, False)),
        ("step 7, decay_steps = 5, staircase", (7, 0.2, 5, 0.7, True)),
    ]
    return run_cases("exponential_decay", candidate, _decay_reference, cases)


# ---- chapter 8: curved boundaries and many classes (softmax, cross-entropy from logits, Glorot)

def _rows_hint(args: tuple) -> str | None:
    """What to add when a softmax candidate errs on a batch of scores (one example per row)."""
    if np.ndim(args[0]) != 2:
        return None
    return ("z here is a batch, one example per row: take each row's max and each row's sum "
            "(axis=-1, keepdims=True)")


def check_softmax(candidate: Callable) -> CheckResult:
    """Check ``candidate(z)`` against `nnlib.softmax`: one example's scores (n,) or a batch (m, n).

    Beyond `check_activation`'s cases, a batch whose rows lie a thousand apart: subtracting
    the largest score of the whole batch, instead of each row's own, then leaves
    ``e^{-2000} = 0`` in every entry of the low row, and ``0 / 0`` is nan.
    """
    cases = [
        ("z = [1, 2], Source C's example", (np.array([1.0, 2.0]),)),
        ("one score z = [0]: it takes all the probability", (np.array([0.0]),)),
        ("a few values", (np.array([-2.0, -0.5, 0.5, 3.0]),)),
        ("extremes z = [-1000, 1000]: e^1000 overflows, subtract the largest score first",
         (np.array([-1000.0, 1000.0]),)),
        ("a batch of 3 examples with 4 scores each, z (3, 4)", (np.linspace(-4, 4, 12).reshape(3, 4),)),
        ("two examples far apart, [[1000, 999, 998], [-1000, -999, -1001]]: subtract each row's own max",
         (np.array([[1000.0, 999.0, 998.0], [-1000.0, -999.0, -1001.0]]),)),
    ]
    return _run("softmax", candidate, ACTIVATIONS["softmax"], cases, hint=_rows_hint)


def _crossentropy_from_logits(y, Z):
    return LOSSES["categorical_crossentropy"](y, Z, from_logits=True)


def check_crossentropy_from_logits(candidate: Callable) -> CheckResult:
    """Check ``candidate(y, Z)``, categorical cross-entropy computed from scores, against nnlib's.

    `y` is (m, n_classes), one row per example holding a distribution over the classes (one-hot,
    or soft labels); `Z` is (m, n_classes), a linear output layer's scores. The result is one float,
    ``mean over examples of −Σ_k y_k log softmax(z)_k``, as
    ``nnlib.categorical_crossentropy(y, Z, from_logits=True)``. Scores 1000 apart give a
    loss of 1000 or 2000: no overflow (log-sum-exp with the max subtracted), no clipping.
    """
    rng = np.random.default_rng(14)
    cases = [
        ("one example, z = [1, 2], class 1 (Source C): -log 0.7311", (np.array([[0.0, 1.0]]), np.array([[1.0, 2.0]]))),
        ("5 examples, 3 classes: the mean over the examples",
         (np.eye(3)[[0, 2, 1, 1, 0]], rng.normal(scale=2.0, size=(5, 3)))),
        ("scores 1000 apart, both examples wrong: losses 2000 and 1000, mean 1500 (log-sum-exp, no clipping)",
         (np.eye(3)[[2, 0]], np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]]))),
        ("sure and right, z = [50, 0, 0], class 0: a loss of about 4e-22 (2e^-50), which float64 rounds to 0;"
         " both are accepted",
         (np.eye(3)[[0]], np.array([[50.0, 0.0, 0.0]]))),
        ("soft labels y = [0.1, 0.8, 0.1] and [0.5, 0.5, 0]: -sum_k y_k log p_k, every k counts",
         (np.array([[0.1, 0.8, 0.1], [0.5, 0.5, 0.0]]), rng.normal(size=(2, 3)))),
    ]
    return run_cases("crossentropy_from_logits", candidate, _crossentropy_from_logits, cases)


def _glorot_reference(n_in, n_units, rng):
    from .initializers import glorot_uniform

    return glorot_uniform(n_in, n_units, rng)


@np.errstate(all="ignore")
def _glorot_mismatch(got: np.ndarray | str, expected: np.ndarray, numeric: list) -> str | None:
    """`_mismatch`, saying whether the shape is transposed, the limit wrong or the numbers different."""
    problem = _mismatch(got, expected, numeric)
    if problem is None or isinstance(got, str) or problem.startswith("right"):
        return problem
    keras_shape = "W is (n_in, n_units), one row per input and one column per unit, as in Keras"
    if got.shape != expected.shape:
        return f"{problem}: {keras_shape}" if got.shape == expected.shape[::-1] else problem
    # The right shape, but drawn as (n_units, n_in) and then transposed: the right numbers, reordered.
    if np.allclose(got.T.reshape(expected.shape), expected, rtol=RTOL, atol=ATOL):
        return (f"{problem}: these are the expected random numbers in another order, as when drawn with "
                "size=(n_units, n_in) and then transposed; draw W in its own shape, "
                "size=(n_in, n_units), and use it as drawn")
    ratio = np.sum(got * expected) / np.sum(expected * expected)
    if np.allclose(got, ratio * expected, rtol=RTOL, atol=ATOL):
        return (f"{problem}: every weight is {ratio:.4g} times the expected one, so the random numbers are "
                "right and the limit is not; Glorot's limit is sqrt(6 / (n_in + n_units))")
    return (f"{problem}: different random numbers; draw them with the rng given, in one call "
            "rng.uniform(-limit, limit, size=(n_in, n_units))")


def check_glorot_uniform(candidate: Callable) -> CheckResult:
    """Check ``candidate(n_in, n_units, rng)`` against `nnlib.glorot_uniform`.

    The candidate must draw its weights exactly as nnlib does, so that both see the same
    random numbers (each gets a generator seeded alike): one call
    ``rng.uniform(-limit, limit, size=(n_in, n_units))`` with
    ``limit = sqrt(6 / (n_in + n_units))``. The report says whether a wrong answer has the
    transposed shape, the right shape drawn as (n_units, n_in) and transposed (the right numbers,
    reordered), a wrong limit (the right numbers, scaled) or other random numbers.
    """
    cases = [
        ("n_in = 2, n_units = 3: limit sqrt(6/5)", (2, 3, np.random.default_rng(1))),
        ("n_in = 3, n_units = 1", (3, 1, np.random.default_rng(2))),
        ("n_in = 1000, n_units = 30: limit sqrt(6/1030)", (1000, 30, np.random.default_rng(3))),
        ("n_in = n_units = 4", (4, 4, np.random.default_rng(4))),
    ]
    return _run("glorot_uniform", candidate, _glorot_reference, cases, mismatch=_glorot_mismatch)


# ---- metrics (Part V: judging a classifier: confusion matrix, ROC curve)

def _confusion_reference(y_true, y_pred, n_classes):
    from .metrics import confusion_matrix  # imported here: the rest of checks.py does not need it

    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))


@np.errstate(all="ignore")
def _confusion_mismatch(got: np.ndarray | str, expected: np.ndarray, numeric: list) -> str | None:
    """`_mismatch`, saying when the matrix is too small, transposed, or holds fractions instead of counts."""
    problem = _mismatch(got, expected, numeric)
    if problem is None or isinstance(got, str) or problem.startswith("right"):
        return problem
    if got.shape != expected.shape:
        return (f"{problem}: the matrix is n_classes × n_classes, with a row and a column (of zeros) "
                "even for a class that never occurs")
    if np.allclose(got, expected.T, rtol=RTOL, atol=ATOL):
        return f"{problem}: this is the transpose; row i is the true class i, column j the predicted class j"
    if np.any(got != np.round(got)):
        return f"{problem}: entries must be counts (whole numbers), not fractions; leave out the division"
    row_sums = np.maximum(expected.sum(axis=1, keepdims=True), 1)
    if np.allclose(got, np.minimum(expected, 1)) or np.allclose(got, expected / row_sums):
        return (f"{problem}: entries must be counts; each pair (true, predicted) counts once here. "
                "Rows divided by their sums, or M[y_true, y_pred] += 1 (which adds 1 once per distinct "
                "pair: use np.add.at(M, (y_true, y_pred), 1) or a loop), give that")
    return problem


def check_confusion_matrix(candidate: Callable) -> CheckResult:
    """Check ``candidate(y_true, y_pred, n_classes)``: the confusion matrix as counts.

    `y_true` and `y_pred` are 1-D integer arrays of class labels 0 .. n_classes − 1, one
    per example. Entry ``[i, j]`` counts the examples of true class i predicted as class j
    (rows true, columns predicted, as scikit-learn's ``confusion_matrix``), so the result
    has shape ``(n_classes, n_classes)`` even when a class never occurs, and holds counts,
    not fractions. For two classes it is ``[[TN, FP], [FN, TP]]``. The reference is
    ``nnlib.metrics.confusion_matrix(y_true, y_pred, labels=range(n_classes))``.
    """
    rng = np.random.default_rng(21)
    digits_true = rng.integers(0, 10, size=60)
    digits_pred = np.where(rng.random(60) < 0.7, digits_true, rng.integers(0, 10, size=60))
    cases = [
        ("two classes, 5 examples: [[TN, FP], [FN, TP]] = [[1, 2], [1, 1]]",
         (np.array([0, 0, 0, 1, 1]), np.array([0, 1, 1, 1, 0]), 2)),
        ("3 classes, 8 examples, errors in both directions",
         (np.array([0, 0, 1, 1, 1, 2, 2, 2]), np.array([0, 1, 1, 1, 2, 2, 0, 2]), 3)),
        ("4 classes, class 3 never occurs: its row and column are zeros",
         (np.array([0, 1, 2, 2, 1, 0]), np.array([0, 2, 2, 2, 1, 0]), 4)),
        ("3 classes, class 0 is never predicted: its column is zeros",
         (np.array([0, 0, 1, 2, 2]), np.array([1, 2, 1, 2, 1]), 3)),
        ("every prediction right: counts on the diagonal only",
         (np.array([2, 0, 1, 2, 2]), np.array([2, 0, 1, 2, 2]), 3)),
        ("10 digits, 60 examples, 70 % right", (digits_true, digits_pred, 10)),
    ]
    return _run("confusion_matrix", candidate, _confusion_reference, cases, mismatch=_confusion_mismatch)


def _roc_reference(y_true, scores):
    from .metrics import roc_curve

    fpr, tpr, _ = roc_curve(y_true, scores, drop_intermediate=False)
    return fpr, tpr


class _RocExpected(_Arrays):
    """One part (fpr or tpr) of the reference curve, as ``[array]``, knowing the case's arguments.

    `index` is 0 for fpr, 1 for tpr; `args` are ``(y_true, scores)``. With them
    `_roc_mismatch` can recognise the other part, or the curve with drop_intermediate=True.
    """

    index: int = 0
    args: tuple = ()


def _roc_expected(y_true, scores):
    parts = []
    for index, part in enumerate(_roc_reference(y_true, scores)):
        expected = _RocExpected([np.asarray(part, dtype=float)])
        expected.index, expected.args = index, (y_true, scores)
        parts.append(expected)
    return tuple(parts)


def _same(got: np.ndarray, value) -> bool:
    value = np.asarray(value, dtype=float)
    return value.shape == got.shape and np.allclose(got, value, rtol=RTOL, atol=ATOL)


@np.errstate(all="ignore")
def _roc_mismatch(got: np.ndarray | str, expected: _RocExpected, numeric: list) -> str | None:
    """`_mismatch`, saying when the part is the other one, lacks collinear points, has too few
    or too many points, or comes one threshold late.
    """
    from .metrics import roc_curve

    problem = _mismatch(got, expected[0], numeric)
    if problem is None or isinstance(got, str) or problem.startswith("right") or got.ndim != 1:
        return problem
    names = ("fpr", "tpr")
    mine, other = names[expected.index], names[1 - expected.index]
    swapped = _same(got, _roc_reference(*expected.args)[1 - expected.index])
    late = got.shape == expected[0].shape and got[0] == 0 and _same(got[1:], expected[0][:-1])
    strict = ("each value is the one expected a threshold earlier: an example is predicted positive when its "
              "score is ≥ the threshold, not >")
    if swapped:  # a swapped pair can look one threshold late too: say so only when it fits both
        order = "return (fpr, tpr) in that order, the false-positive rate first, as scikit-learn's roc_curve does"
        return (f"{problem}: this is {other}, not {mine} ({order}), or else {strict}" if late
                else f"{problem}: this is {other}, not {mine}; {order}")
    if _same(got, roc_curve(*expected.args, drop_intermediate=True)[expected.index]):
        return (f"{problem}: points on a straight line between their neighbours are left out, as roc_curve "
                "does by default; pass drop_intermediate=False to keep one point per distinct score")
    points = "expected one point per distinct score (tied scores give one point), after the (0, 0) start"
    if len(got) < len(expected[0]):
        return (f"{problem}: {points}; are the scores turned into 0/1 labels first? "
                "The curve needs the scores themselves")
    if len(got) > len(expected[0]):
        return f"{problem}: {points}"
    return f"{problem}: {strict}" if late else problem


def check_roc_curve(candidate: Callable) -> CheckResult:
    """Check ``candidate(y_true, scores)``: the ROC curve's (fpr, tpr) at every distinct threshold.

    `y_true` holds labels 0 (negative) and 1 (positive), both present; `scores` one
    score per example (e.g. a predicted probability). The thresholds are the distinct
    scores, from highest to lowest, and at threshold t an example is predicted positive
    when its score ≥ t (ties count together). At each threshold,
    ``fpr = FP / (number of negatives)`` and ``tpr = TP / (number of positives)``. The
    candidate returns ``(fpr, tpr)``, two 1-D arrays that start with the point (0, 0)
    (nothing predicted positive) and so have one more entry than there are distinct
    scores; they end at (1, 1). The reference is
    ``nnlib.metrics.roc_curve(y_true, scores, drop_intermediate=False)[:2]``.
    One report per returned array.
    """
    rng = np.random.default_rng(22)
    y_tied = rng.integers(0, 2, size=20)
    tied = rng.integers(0, 5, size=20) / 4
    y_prob = (rng.random(30) < 0.4).astype(int)
    prob = np.clip(0.35 * y_prob + rng.uniform(0.0, 0.65, size=30), 0.0, 1.0)
    cases = [
        ("4 examples, 4 distinct scores", (np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))),
        ("6 examples, 3 distinct scores: ties are predicted positive together",
         (np.array([0, 1, 1, 0, 1, 0]), np.array([0.5, 0.5, 0.9, 0.1, 0.5, 0.9]))),
        ("10 examples, 2 positives: divide by the number of positives (negatives), not by m",
         (np.array([0, 0, 1, 0, 0, 0, 1, 0, 0, 0]), np.linspace(0.05, 0.95, 10))),
        ("a perfect ranking: every positive scores above every negative",
         (np.array([1, 0, 1, 0, 0]), np.array([0.9, 0.2, 0.7, 0.4, 0.1]))),
        ("20 examples, scores from 5 values (many ties)", (y_tied, tied)),
        ("30 predicted probabilities", (y_prob, prob)),
    ]
    parts = ("fpr", "tpr")
    return _run("roc_curve", candidate, _roc_expected, cases, parts, split=_items(parts), mismatch=_roc_mismatch)


# ---- convolution (chapter 12: Conv2D from scratch)

class _ConvExpected(_Arrays):
    """The reference output (its one item) and the case's arguments (`args`), for `_conv2d_mismatch`."""

    args: tuple = ()


def _conv2d_reference(x, K, b):
    from .conv import conv2d_loop  # imported here: the rest of checks.py does not need it

    expected = _ConvExpected([conv2d_loop(x, K, b)])
    expected.args = (x, K, b)
    return expected


def _conv2d_mistakes(x, K, b) -> list[tuple[str, tuple]]:
    """Realistic mistakes, each as (advice, the arguments for which conv2d_loop computes that mistake)."""
    kh, kw, c_in, _ = K.shape
    mistakes = [
        ("this is a true convolution, with the kernel flipped; Keras's Conv2D slides K as it is "
         "(cross-correlation): multiply the window by K[:, :, :, f], unflipped", (x, K[::-1, ::-1], b)),
        ("this is what no bias gives; add b[f] to every output of filter f", (x, K, np.zeros_like(b))),
        ("this is what the bias added once per input channel gives; sum over all channels first, "
         "then add b[f] once", (x, K, c_in * b)),
        ("this is what the bias added inside the sum (once per kernel entry) gives; add b[f] after "
         "np.sum(window * K[:, :, :, f])", (x, K, kh * kw * c_in * b)),
        ("this is what input channel 0 alone gives; the window is x[i:i+kh, j:j+kw, :], all c_in "
         "channels, summed with the filter's matching channels", (x[..., :1], K[:, :, :1], b)),
    ]
    if kh == kw:
        mistakes.append(("this is what the kernel's rows and columns swapped gives; K[di, dj] multiplies "
                         "x[i + di, j + dj]: K's first axis runs down the rows", (x, K.transpose(1, 0, 2, 3), b)))
    return mistakes


@np.errstate(all="ignore")
def _conv2d_mismatch(got: np.ndarray | str, expected: _ConvExpected, numeric: list) -> str | None:
    """`_mismatch`, followed by the mistake that gives `got`, if it is one of `_conv2d_mistakes`."""
    from .conv import conv2d_loop

    z = expected[0]
    problem = _mismatch(got, z, numeric)
    if problem is None or isinstance(got, str) or problem.startswith("right"):
        return problem
    x, K, b = expected.args
    (h, w, _), (kh, kw, _, c_out) = x.shape, K.shape
    if got.shape != z.shape and got.shape in ((h - kh, w - kw, c_out), (h - kh, w - kw + 1, c_out),
                                              (h - kh + 1, w - kw, c_out)):
        return (f"{problem}: one row or column short; a window may start at row 0 .. h − kh, so there are "
                "h − kh + 1 rows, range(h - kh + 1), and likewise w − kw + 1 columns")
    if got.shape == (c_out, h - kh + 1, w - kw + 1) != z.shape:
        return f"{problem}: the filters come first; Keras keeps channels last, (h_out, w_out, c_out)"
    if got.shape != z.shape:
        return problem
    # On one line: a few numbers, or the worst of many, read better than a page of them.
    problem = _worst_entry(got, z) if z.size > 12 else " ".join(problem.split())
    # float32 sums err by ~1e-7 of the terms' size (~1 here): right but for the rounding of float32
    if np.allclose(got, z, rtol=1e-5, atol=1e-5 * max(1.0, np.max(np.abs(z)))):
        return (f"{problem}: right but for rounding, as float32 arithmetic (about 7 digits) gives; "
                "compute in float64, NumPy's default: np.zeros((h_out, w_out, c_out)) without "
                "dtype=np.float32, and no .astype(np.float32)")
    for advice, args in _conv2d_mistakes(x, K, b):
        if np.allclose(got, conv2d_loop(*args), rtol=RTOL, atol=ATOL):
            return f"{problem}: {advice}"
    return problem


def _worst_entry(got: np.ndarray, expected: np.ndarray) -> str:
    """The entry where `got` is farthest from `expected`, e.g. "at z[1, 2, 0] expected 0.5, got 1.0"."""
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    distance = np.where(wrong, np.nan_to_num(np.abs(got - expected), nan=np.inf), -1.0)
    index = np.unravel_index(np.argmax(distance), distance.shape)
    where = ", ".join(str(int(i)) for i in index)
    return (f"{int(wrong.sum())} of {wrong.size} values wrong; the worst at z[{where}]: expected "
            f"{expected[index]:.6f}, got {got[index]:.6f} (difference {distance[index]:.2e})")


def check_conv2d(candidate: Callable) -> CheckResult:
    """Check ``candidate(x, K, b)``: one image through a convolution layer, against `nnlib.conv.conv2d_loop`.

    `x` is one image ``(h, w, c_in)``, `K` the kernel ``(kh, kw, c_in, c_out)`` and `b` the
    biases ``(c_out,)``; stride 1, ``padding="valid"``, no activation. The result is
    ``(h − kh + 1, w − kw + 1, c_out)`` with ``z[i, j, f] = Σ x[i:i+kh, j:j+kw, :] ⊙ K[:, :, :, f] + b[f]``,
    as Keras's ``Conv2D`` computes it (the kernel is not flipped). Where a case fails, the
    report names the mistake when it is a common one: a flipped kernel, an output one row
    short, a bias forgotten or added more than once, only the first channel used, the
    kernel's axes swapped, the channels first, or float32 arithmetic.
    """
    rng = np.random.default_rng(22)

    def case(h, w, c_in, kh, kw, c_out):
        return rng.normal(size=(h, w, c_in)), rng.normal(size=(kh, kw, c_in, c_out)), rng.normal(size=c_out)

    cases = [
        ("one channel: a 4 × 4 image 0 .. 15, one 2 × 2 filter [[1, 2], [0, -1]], no bias",
         (np.arange(16.0).reshape(4, 4, 1), np.array([[1.0, 2.0], [0.0, -1.0]]).reshape(2, 2, 1, 1), np.zeros(1))),
        ("one channel: a 5 × 6 image, two 3 × 3 filters with biases", case(5, 6, 1, 3, 3, 2)),
        ("3 channels in, 2 filters out: a 6 × 5 image, 3 × 3 kernel", case(6, 5, 3, 3, 3, 2)),
        ("a 2 × 3 kernel (not square), 2 channels in, 4 filters out, a 5 × 7 image", case(5, 7, 2, 2, 3, 4)),
        ("the kernel as large as the 3 × 3 image: a 1 × 1 output, 2 channels in, 3 filters", case(3, 3, 2, 3, 3, 3)),
        ("a 1 × 1 kernel: each pixel's 3 channels mixed into 2 filters, a 4 × 4 image", case(4, 4, 3, 1, 1, 2)),
    ]
    return _run("conv2d", candidate, _conv2d_reference, cases, mismatch=_conv2d_mismatch)


# ---- chapter 13: regression, and what a network learns (R², a regression network by hand, PCA)

class _ExpectedWithArgs(_Arrays):
    """The reference result (its one item) and the case's arguments (`args`), for a mismatch that
    recognises common mistakes by recomputing them."""

    args: tuple = ()


def _with_args(reference: Callable) -> Callable:
    def expected(*args):
        result = _ExpectedWithArgs([np.asarray(reference(*args), dtype=float)])
        result.args = args
        return result
    return expected


@np.errstate(all="ignore")
def _named_mistake(got: np.ndarray | str, expected: _ExpectedWithArgs, numeric: list, mistakes: Callable) -> str | None:
    """`_mismatch`, followed by the advice for the first of ``mistakes(*args)`` that computes `got`."""
    problem = _mismatch(got, expected[0], numeric)
    if problem is None or isinstance(got, str) or problem.startswith("right"):
        return problem
    for advice, value in mistakes(*expected.args):
        value = np.asarray(value, dtype=float)
        if value.shape == got.shape and np.allclose(got, value, rtol=RTOL, atol=ATOL):
            return f"{problem}: {advice}"
    return problem


def _r2_reference(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    return 1.0 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2)


def _r2_mistakes(y_true, y_pred) -> list[tuple[str, float]]:
    y, p = np.ravel(y_true), np.ravel(y_pred)
    sse, sst = np.sum((y - p) ** 2), np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - sse / sst
    return [
        ("this is SSE / SST; R² is 1 − SSE / SST", sse / sst),
        ("this is 1 − MSE; divide the squared errors by the spread of y around its mean, SST", 1 - sse / len(y)),
        ("this is R² clipped at 0; a model worse than predicting the mean has a negative R², keep it",
         max(r2, 0.0)),
        ("this is the squared correlation of y and ŷ; it equals R² only for a least-squares fit on its own "
         "training data, and ignores a bias or a wrong scale of ŷ", np.corrcoef(y, p)[0, 1] ** 2),
        ("the spread is measured around the mean of ŷ; SST = Σ (y − mean(y))², around the mean of the "
         "true values", 1 - sse / np.sum((y - p.mean()) ** 2)),
        ("y and ŷ are swapped: SST = Σ (ŷ − mean(ŷ))²; R² is not symmetric, the true values come first",
         1 - sse / np.sum((p - p.mean()) ** 2)),
        ("this is the explained variance, 1 − var(y − ŷ) / var(y), which ignores a constant error (a bias) "
         "in ŷ", 1 - np.var(y - p) / np.var(y)),
    ]


def check_r2_score(candidate: Callable) -> CheckResult:
    """Check ``candidate(y_true, y_pred)``: the coefficient of determination R², one number.

    ``R² = 1 − SSE / SST`` with ``SSE = Σ (y − ŷ)²`` and ``SST = Σ (y − ȳ)²``, ȳ the mean of the
    *true* values: 1 for perfect predictions, 0 for always predicting ȳ, negative for worse
    (scikit-learn's ``r2_score``). `y_true` and `y_pred` have the same shape, (m, 1) or (m,).
    Where a case fails, the report names the mistake when it is a common one.
    """
    rng = np.random.default_rng(31)
    y10 = rng.normal(150.0, 60.0, size=(10, 1))
    fit10 = y10 + rng.normal(0.0, 30.0, size=(10, 1))
    y_flat = rng.normal(size=7)
    cases = [
        ("perfect predictions: R² = 1", (np.array([[1.0], [2.0], [4.0]]), np.array([[1.0], [2.0], [4.0]]))),
        ("always the mean of y: R² = 0", (np.array([[1.0], [2.0], [6.0]]), np.full((3, 1), 3.0))),
        ("worse than the mean: R² is negative", (np.array([[1.0], [2.0], [3.0]]), np.array([[3.0], [2.0], [1.0]]))),
        ("10 patients, errors of about half the spread", (y10, fit10)),
        ("every prediction 5 too high: perfectly correlated, but not perfect",
         (np.array([[1.0], [2.0], [4.0], [7.0]]), np.array([[6.0], [7.0], [9.0], [12.0]]))),
        ("y and ŷ as 1-D vectors (m,), ŷ shrunk towards 0", (y_flat, 0.5 * y_flat + rng.normal(0.0, 0.2, size=7))),
    ]
    return _run("r2_score", candidate, _with_args(_r2_reference), cases,
                mismatch=lambda got, expected, numeric: _named_mistake(got, expected, numeric, _r2_mistakes))


def _regression_reference(weights, X):
    W1, b1, W2, b2 = weights
    return sequential(X, [(W1, b1, "relu"), (W2, b2, "linear")])


def _regression_mistakes(weights, X) -> list[tuple[str, np.ndarray]]:
    W1, b1, W2, b2 = weights
    hidden = np.maximum(0.0, X @ W1 + b1)
    z = hidden @ W2 + b2
    return [
        ("this is what a ReLU on the output gives; a regression's output layer is linear, so a prediction "
         "may be negative", np.maximum(0.0, z)),
        ("this is what a sigmoid on the output gives; a regression's output layer is linear (no activation)",
         1 / (1 + np.exp(-z))),
        ("this is what the hidden layer without its ReLU gives; apply max(0, z) to the hidden layer",
         (X @ W1 + b1) @ W2 + b2),
        ("this is what the hidden biases b1 left out give; the hidden layer is relu(X @ W1 + b1)",
         np.maximum(0.0, X @ W1) @ W2 + b2),
        ("this is what the output bias b2 left out gives; the output is hidden @ W2 + b2", hidden @ W2),
        ("this is what the bias added after the ReLU gives; add b1 to X @ W1 before max(0, ·)",
         (np.maximum(0.0, X @ W1) + b1) @ W2 + b2),
    ]


def check_predict_regression(candidate: Callable) -> CheckResult:
    """Check ``candidate(weights, X)``: the prediction of a Keras regression network with one ReLU layer.

    ``weights`` is what ``model.get_weights()`` returns for
    ``Sequential([Input, Dense(h, "relu"), Dense(1)])``: the list
    ``[W1 (n_in, h), b1 (h,), W2 (h, 1), b2 (1,)]`` (layers 1 and 2: the book's W^[1], W^[2]);
    ``X`` is a batch (m, n_in). The result is ``relu(X @ W1 + b1) @ W2 + b2``, shape (m, 1): the
    output layer is linear, so it may be negative.
    """
    rng = np.random.default_rng(32)

    def weights(n_in, h):
        return [rng.normal(size=(n_in, h)), rng.normal(size=h), rng.normal(size=(h, 1)), rng.normal(size=1)]

    cases = [
        ("one patient, 10 features -> 10 relu -> 1", (weights(10, 10), rng.normal(size=(1, 10)))),
        ("5 patients, 10 features -> 10 relu -> 1", (weights(10, 10), rng.normal(size=(5, 10)))),
        ("every hidden unit off: the prediction is b2, here negative",
         ([-np.ones((3, 4)), -np.ones(4), np.ones((4, 1)), np.array([-0.7])], np.ones((2, 3)))),
        ("4 examples, 3 inputs -> 6 relu -> 1, some predictions negative",
         ([rng.normal(size=(3, 6)), rng.normal(size=6), -np.abs(rng.normal(size=(6, 1))), np.array([0.5])],
          rng.normal(size=(4, 3)))),
    ]
    return _run("predict_regression", candidate, _with_args(_regression_reference), cases,
                mismatch=lambda got, expected, numeric: _named_mistake(got, expected, numeric, _regression_mistakes))


def _pca_reference(X, k):
    centred = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ Vt[:k].T


def _pca_mistakes(X, k) -> list[tuple[str, np.ndarray]]:
    centred = X - X.mean(axis=0)
    U, S, Vt = np.linalg.svd(centred, full_matrices=False)
    _, _, Vt_raw = np.linalg.svd(X, full_matrices=False)
    return [
        ("the directions are right, but these are the coordinates of the uncentred rows, X @ V; project the "
         "centred rows, (X - X.mean(axis=0)) @ V", X @ Vt[:k].T),
        ("this is what X without subtracting its mean gives; centre each column first (X - X.mean(axis=0))",
         X @ Vt_raw[:k].T),
        ("the data are centred but the directions come from the uncentred X; take the SVD of the centred X",
         centred @ Vt_raw[:k].T),
        ("this is U[:, :k], the projections divided by the singular values; multiply by S[:k] "
         "(or project: centred @ Vt[:k].T)", U[:, :k]),
        ("these are the right directions in increasing order of variance (as np.linalg.eigh returns "
         "them); reverse the columns, largest variance first", centred @ Vt[:k][::-1].T),
        ("these are the last k directions, those of least variance; np.linalg.svd sorts S largest "
         "first, while np.linalg.eigh sorts eigenvalues smallest first", centred @ Vt[::-1][:k].T),
        ("this uses the columns of Vt; the directions are its rows, Vt[:k], so project with centred @ Vt[:k].T",
         centred @ Vt[:, :k]),
    ]


def _sign_aligned(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """`got` with each column's sign flipped where that brings it closer to `expected`'s column."""
    if got.shape != expected.shape or got.ndim != 2:
        return got
    flip = np.sum(got * expected, axis=0) < 0
    return np.where(flip, -got, got)


@np.errstate(all="ignore")
def _pca_mismatch(got: np.ndarray | str, expected: _ExpectedWithArgs, numeric: list) -> str | None:
    """`_named_mistake` on projections whose columns may each have either sign."""
    if isinstance(got, str):
        return got
    got_aligned = _sign_aligned(got, expected[0])

    def mistakes(*args):  # each mistake's columns signed like the answer's, so signs never hide one
        return [(advice, _sign_aligned(value, got_aligned)) for advice, value in _pca_mistakes(*args)]

    problem = _named_mistake(got_aligned, expected, numeric, mistakes)
    if problem and got.shape == expected[0].shape[::-1]:
        return f"{problem}: the result has one row per example, (m, k), not (k, m)"
    return problem


def check_pca(candidate: Callable) -> CheckResult:
    """Check ``candidate(X, k)``: the examples' coordinates on their first k principal components.

    `X` is (m, n). Centre each column (subtract its mean over the examples), take the SVD
    ``centred = U S Vt`` (rows of Vt are the directions, largest variance first) and return
    ``centred @ Vt[:k].T``, shape (m, k). A direction's sign is arbitrary, so each column of the
    result may come back with either sign. Where a case fails, the report names the mistake when
    it is a common one (not centred, whitened, the last directions or the right ones in increasing
    order, columns of Vt, transposed).
    """
    rng = np.random.default_rng(33)

    def cloud(m, n, scales, offset):
        rotation, _ = np.linalg.qr(rng.normal(size=(n, n)))
        return (rng.normal(size=(m, n)) * scales) @ rotation + offset

    cases = [
        ("4 points in the plane, k = 1", (np.array([[0.0, 1.0], [2.0, 2.0], [4.0, 2.5], [6.0, 4.5]]), 1)),
        ("30 points in 3-D, spreads 5, 2, 0.5, far from the origin, k = 2",
         (cloud(30, 3, np.array([5.0, 2.0, 0.5]), np.array([10.0, -20.0, 30.0])), 2)),
        ("50 points in 6-D, k = 2", (cloud(50, 6, np.array([6.0, 4.0, 2.0, 1.0, 0.5, 0.25]), 3.0), 2)),
        ("20 points in 4-D, k = 4 (all directions: a rotation of the centred data)",
         (cloud(20, 4, np.array([4.0, 3.0, 2.0, 1.0]), -5.0), 4)),
    ]
    return _run("pca", candidate, _with_args(_pca_reference), cases, mismatch=_pca_mismatch)
