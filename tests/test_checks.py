"""nnlib.checks: each check passes right answers and reports wrong ones without crashing."""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
import types
import warnings

import numpy as np
import pytest

import nnlib
from nnlib import checks
from nnlib.checks import CheckResult

# --- independent, correct implementations a learner might write ---------------------

def my_neuron(x, w, b, activation):
    z = sum(xi * wi for xi, wi in zip(x, w)) + b
    return float(nnlib.get_activation(activation)(z))


def my_dense(a_in, W, b, activation):
    W = np.asarray(W)
    z = np.array([np.dot(a_in, W[:, j]) + b[j] for j in range(W.shape[1])])
    return nnlib.get_activation(activation)(z)


def my_sequential(x, layers):
    if np.ndim(x) == 2:  # a batch: one example (row) at a time
        return np.array([my_sequential(row, layers) for row in x])
    for W, b, g in layers:
        x = my_dense(x, W, b, g)
    return x


def my_sigmoid(z):
    z = np.asarray(z, dtype=float)
    # e^{-|z|} never overflows; pick the algebraically equal form for each sign
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def my_mse(y, p):
    return np.mean((np.asarray(y) - np.asarray(p)) ** 2)


# --- right answers pass --------------------------------------------------------------

@pytest.mark.parametrize("check, candidate", [
    (checks.check_neuron, nnlib.neuron),
    (checks.check_neuron, my_neuron),
    (checks.check_dense, nnlib.dense_loop),
    (checks.check_dense, nnlib.dense),
    (checks.check_dense, my_dense),
    (lambda f: checks.check_dense(f, batched=True), nnlib.dense),
    (checks.check_sequential, nnlib.sequential),
    (checks.check_sequential, my_sequential),
], ids=["neuron", "my_neuron", "dense_loop", "dense", "my_dense", "dense batched",
        "sequential", "my_sequential"])
def test_right_implementations_pass(check, candidate, capsys):
    result = check(candidate)
    out = capsys.readouterr().out
    assert result and isinstance(result, CheckResult)
    assert result.failures == []
    assert out.startswith("✓ ") and "cases passed." in out and "✗" not in out


@pytest.mark.parametrize("name", list(nnlib.ACTIVATIONS))
def test_check_activation_passes_nnlib(name, capsys):
    assert checks.check_activation(nnlib.ACTIVATIONS[name], name)
    assert capsys.readouterr().out == f"✓ {name}: all 4 cases passed.\n"


@pytest.mark.parametrize("name", ["squared_error", "mse", "binary_crossentropy", "categorical_crossentropy"])
def test_check_loss_passes_nnlib(name, capsys):
    assert checks.check_loss(getattr(nnlib, name), name)
    assert capsys.readouterr().out.startswith(f"✓ {name}: all ")


def test_independent_stable_versions_pass():
    assert checks.check_activation(my_sigmoid, "sigmoid")
    assert checks.check_loss(my_mse, "mse")


def test_check_dense_batched_needs_batches(capsys):
    # dense_loop takes one example: the batched check must catch that.
    result = checks.check_dense(nnlib.dense_loop, batched=True)
    out = capsys.readouterr().out
    assert not result
    assert "batch of 4 examples" in out and "raised ValueError: dense_loop: the input must be 1-D" in out


def test_a_candidate_that_changes_its_inputs_cannot_corrupt_the_reference(capsys):
    def dense_that_zeroes_its_inputs(a_in, W, b, activation):
        out = nnlib.dense_loop(a_in, W, b, activation)
        W[...] = 0.0
        a_in[...] = 0.0
        return out

    result = checks.check_dense(dense_that_zeroes_its_inputs)
    assert not result  # reported (below), while every reference value stayed right:
    assert all("changed its input a_in in place" in f for f in result.failures)
    assert checks.check_dense(nnlib.dense_loop)


# --- wrong answers are reported, never raised ----------------------------------------

def failing_report(check, candidate, capsys):
    result = check(candidate)
    out = capsys.readouterr().out
    assert not result
    assert result.failures, "a falsy result must list its failures"
    lines = out.strip().splitlines()
    assert lines[-1] == f"{result.name}: {len(result.failures)} of {result.n_cases} cases failed."
    assert len(lines) == len(result.failures) + 1
    for line, failure in zip(lines, result.failures):
        assert line == f"✗ {result.name}, {failure}"
    return result, out


def test_wrong_values_show_expected_and_got(capsys):
    def dense_without_bias(a_in, W, b, activation):
        return nnlib.dense_loop(a_in, W, np.zeros_like(b), activation)

    result, out = failing_report(checks.check_dense, dense_without_bias, capsys)
    # case 1 has b = 0, so it passes; case 2 has biases and must fail with both values printed
    assert result.n_cases == 6 and not any(f.startswith("case 1 ") for f in result.failures)
    case2 = next(line for line in out.splitlines() if "case 2" in line)
    assert "(2 -> 3 linear units with biases)" in case2
    # z without bias: [2*0.8 - 0.2, 2*0.4 - 0.9, 2*0.3 - 0.5] = [1.4, -0.1, 0.1]; with b: [1.9, -1.1, 2.1]
    assert "expected [ 1.9, -1.1,  2.1], got [ 1.4, -0.1,  0.1]" in case2
    assert "largest difference 2.00e+00" in case2


def test_wrong_shape(capsys):
    def dense_as_row(a_in, W, b, activation):
        return nnlib.dense_loop(a_in, W, b, activation).reshape(1, -1)

    result, out = failing_report(checks.check_dense, dense_as_row, capsys)
    assert len(result.failures) == 6
    assert "case 1 (chapter 2 hidden layer, 2 inputs -> 3 sigmoid units, no bias): " \
           "returned shape (1, 3), expected shape (3,)" in out


def test_exception_is_reported(capsys):
    def broken(x, w, b, activation):
        raise ZeroDivisionError("oops")

    result, out = failing_report(checks.check_neuron, broken, capsys)
    assert len(result.failures) == result.n_cases == 4
    assert "case 1 (x = [1, 1], w = [0.8, 0.2], b = 0, sigmoid): raised ZeroDivisionError: oops" in out


def test_none_is_reported(capsys):
    def starter(X, layers):
        ...  # your code here

    result, out = failing_report(checks.check_sequential, starter, capsys)
    assert "returned None; is a `return` statement missing?" in out
    assert repr(result) == "CheckResult('sequential': 0/5 passed)"


@pytest.mark.parametrize("value, described", [
    ("0.5", "str (<U3)"),  # float("0.5") would work, but a string is not a loss value
    ({"a": 1}, "dict (object)"),
    ([0.5, None], "list (object)"),
])
def test_non_numeric_return_is_reported(value, described, capsys):
    result, out = failing_report(lambda f: checks.check_loss(f, "mse"), lambda y, p: value, capsys)
    assert len(result.failures) == 3
    assert f"returned a {described}, which is not an array of real numbers" in out


def test_ragged_return_is_reported_with_numpys_reason(capsys):
    result, out = failing_report(lambda f: checks.check_loss(f, "mse"), lambda y, p: [[1.0], [2.0, 3.0]], capsys)
    assert len(result.failures) == 3
    assert "returned a list, which NumPy cannot turn into an array (ValueError: " in out


def test_complex_return_is_reported_not_cast(capsys):
    def complex_mse(y, p):
        return np.mean((np.asarray(y) - np.asarray(p)) ** 2) + 0j  # right real part

    result, out = failing_report(lambda f: checks.check_loss(f, "mse"), complex_mse, capsys)
    assert len(result.failures) == 3
    assert "returned a complex128 (complex128), which is not an array of real numbers" in out


def test_overflow_warning_is_reported(capsys):
    def naive_sigmoid(z):
        return 1 / (1 + np.exp(-z))  # right values, but e^{1000} overflows

    result, out = failing_report(lambda f: checks.check_activation(f, "sigmoid"), naive_sigmoid, capsys)
    assert [f.split(" (")[0] for f in result.failures] == ["case 3"]
    assert "(extremes z = -1000 and 1000): right values, but NumPy warned: overflow encountered in exp" in out


@pytest.mark.parametrize("action", ["ignore", "error"])
def test_overflow_warning_is_reported_whatever_the_notebooks_warning_filter(action, capsys):
    def naive_sigmoid(z):
        return 1 / (1 + np.exp(-z))

    with warnings.catch_warnings():
        warnings.simplefilter(action)
        failures = failures_of(lambda f: checks.check_activation(f, "sigmoid"), naive_sigmoid)
    assert failures == ["case 3 (extremes z = -1000 and 1000): right values, but NumPy warned: "
                        "overflow encountered in exp (is it numerically stable?)"]


def test_nan_from_overflow_is_reported_with_values(capsys):
    def naive_softmax(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)  # inf / inf = nan at z = 1000

    result, out = failing_report(lambda f: checks.check_activation(f, "softmax"), naive_softmax, capsys)
    assert "case 3 (extremes z = -1000 and 1000): expected [0., 1.], got [ 0., nan] (largest difference inf)" in out


def test_step_with_wrong_threshold_is_caught(capsys):
    result, out = failing_report(lambda f: checks.check_activation(f, "step"),
                                 lambda z: (np.asarray(z) > 0).astype(float), capsys)
    assert "case 1 (z = 0): expected [1.], got [0.]" in out


def test_wrong_loss_formula_is_caught(capsys):
    def bce_without_minus(y, p):
        y, p = np.asarray(y), np.asarray(p)
        return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    result, out = failing_report(lambda f: checks.check_loss(f, "binary_crossentropy"), bce_without_minus, capsys)
    assert len(result.failures) == 6
    assert f"expected {-math.log(0.1):.6f}, got {math.log(0.1):.6f}" in out


def test_unknown_check_names_are_caller_errors():
    with pytest.raises(ValueError, match=r"check_activation: unknown activation 'swish'; expected one of"):
        checks.check_activation(np.tanh, "swish")
    with pytest.raises(ValueError, match=r"check_loss: unknown loss 'hinge'; expected one of"):
        checks.check_loss(np.mean, "hinge")
    with pytest.raises(ValueError, match=r"check_activation_derivative: expected one of \['linear', "):
        checks.check_activation_derivative(np.tanh, "softmax")
    with pytest.raises(ValueError, match=r"check_loss_derivative: unknown loss 'hinge'; expected one of"):
        checks.check_loss_derivative(np.mean, "hinge")


# --- CheckResult and run_cases ---------------------------------------------------------

def test_check_result_truthiness_and_repr():
    passed = CheckResult("dense", 5, [])
    failed = CheckResult("dense", 5, ["case 2 (x): wrong"])
    assert bool(passed) is True and bool(failed) is False
    assert repr(passed) == "CheckResult('dense': 5/5 passed)"
    assert repr(failed) == "CheckResult('dense': 4/5 passed)"


def test_check_result_displays_nothing(capsys):
    assert CheckResult("x", 1, [])._ipython_display_() is None
    assert capsys.readouterr().out == ""


def test_run_cases_with_a_custom_reference(capsys):
    cases = [("small", (np.array([1.0, 2.0]),)), ("negative", (np.array([-3.0]),))]
    assert checks.run_cases("double", lambda x: 2 * x, lambda x: x + x, cases)
    assert capsys.readouterr().out == "✓ double: all 2 cases passed.\n"
    result = checks.run_cases("double", lambda x: x * x, lambda x: x + x, cases)
    assert result.failures == ["case 1 (small): expected [2., 4.], got [1., 4.] (largest difference 1.00e+00)",
                               "case 2 (negative): expected [-6.], got [9.] (largest difference 1.50e+01)"]


# --- chapter 7 checks ----------------------------------------------------------------

def my_predict_from_weights(weights, X):
    W0, b0, W1, b1 = weights
    hidden = np.maximum(0.0, X @ W0 + b0)
    return 1 / (1 + np.exp(-(hidden @ W1 + b1)))


def my_fit(X, y, layers, loss, lr, epochs):
    history = []
    for _ in range(epochs):
        history.append(nnlib.get_loss(loss)(y, nnlib.sequential(X, layers)))
        grads = nnlib.backprop(X, y, layers, loss)
        layers = [(W - lr * dW, b - lr * db, g) for (W, b, g), (dW, db) in zip(layers, grads)]
    return layers, np.array(history)


def test_chapter7_checks_pass_right_answers(capsys):
    assert checks.check_predict_from_weights(my_predict_from_weights)
    assert checks.check_fit(my_fit)
    out = capsys.readouterr().out
    assert "✓ predict_from_weights: all 4 cases passed." in out
    assert "✓ fit history: all 3 cases passed." in out and "✓ fit weights: all 3 cases passed." in out


def test_predict_from_weights_catches_a_forgotten_bias(capsys):
    def no_hidden_bias(weights, X):
        W0, _, W1, b1 = weights
        return nnlib.sigmoid(np.maximum(0.0, X @ W0) @ W1 + b1)

    assert not checks.check_predict_from_weights(no_hidden_bias)
    assert "predict_from_weights, case 1" in capsys.readouterr().out


def test_fit_reports_history_and_weights_separately(capsys):
    def history_after_update(X, y, layers, loss, lr, epochs):  # a typical off-by-one
        trained, history = my_fit(X, y, layers, loss, lr, epochs)
        final = nnlib.get_loss(loss)(y, nnlib.sequential(X, trained))
        return trained, np.append(history[1:], final)

    result = checks.check_fit(history_after_update)
    out = capsys.readouterr().out
    assert not result and "✗ fit history, case 1" in out and "✓ fit weights: all 3 cases passed." in out


@pytest.mark.parametrize("returned, message", [
    (None, "fit returned None; is a `return` statement missing?"),
    ([1.0, 2.0, 3.0], "expected a tuple (trained_layers, history), got list of length 3"),
    (("layers", [1.0]), "trained_layers must be a list of (W, b, activation) tuples of arrays, got str "
                        "(ValueError: not enough values to unpack"),
])
def test_fit_explains_a_wrong_return_structure(returned, message, capsys):
    assert not checks.check_fit(lambda *args: returned)
    assert message in capsys.readouterr().out


# --- every check, one table -------------------------------------------------------------
#
# Each row: the check (a function of the candidate), a right answer, and how to rebuild
# that answer with each of its arrays replaced (to make realistic wrong answers from it).

def my_gradient_descent(f, x0, lr, epochs):
    x = np.array(x0, dtype=float)
    for _ in range(epochs):
        x = x - lr * nnlib.numeric_gradient(f, x)
    return x


def each_array(out, change):
    """A plain answer: one array (or number)."""
    return change(out)


def each_item(out, change):
    """A tuple of arrays, e.g. dense_backward's (dW, db, dA_prev)."""
    return tuple(change(a) for a in out)


def each_weight_and_history(out, change):
    """fit's (trained_layers, history)."""
    trained, history = out
    return [(change(W), change(b), g) for W, b, g in trained], change(history)


def each_gradient(out, change):
    """backprop's list of (dW, db) pairs, one per layer."""
    return [(change(dW), change(db)) for dW, db in out]


def each_batch(out, change):
    """A list of index arrays, one per minibatch."""
    return [change(batch) for batch in out]


def my_adam_step(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grads
    v = beta_2 * v + (1 - beta_2) * grads ** 2
    alpha = learning_rate * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return params - alpha * m / (np.sqrt(v) + epsilon), m, v


def my_dropout(A, rate, rng):
    keep = rng.random(A.shape) >= rate
    return np.where(keep, A / (1 - rate), 0.0)


def my_batches(m, batch_size):
    return [np.arange(start, min(start + batch_size, m)) for start in range(0, m, batch_size)]


def row(check, right, rebuild=each_array, id=None):
    return pytest.param(check, right, rebuild, id=id)


def with_name(check, name):
    return lambda candidate: check(candidate, name)


EVERY_CHECK = [
    row(checks.check_neuron, nnlib.neuron, id="neuron"),
    row(checks.check_dense, nnlib.dense_loop, id="dense"),
    row(lambda f: checks.check_dense(f, batched=True), nnlib.dense, id="dense batched"),
    row(checks.check_sequential, nnlib.sequential, id="sequential"),
    *[row(with_name(checks.check_activation, n), nnlib.ACTIVATIONS[n], id=f"activation {n}")
      for n in nnlib.ACTIVATIONS],
    *[row(with_name(checks.check_loss, n), nnlib.LOSSES[n], id=f"loss {n}")
      for n in ["squared_error", "mse", "binary_crossentropy", "categorical_crossentropy"]],
    row(checks.check_numeric_gradient, nnlib.numeric_gradient, id="numeric_gradient"),
    row(checks.check_gradient_descent, my_gradient_descent, id="gradient_descent"),
    *[row(with_name(checks.check_activation_derivative, n), nnlib.DERIVATIVES[n], id=f"derivative {n}")
      for n in nnlib.DERIVATIVES],
    row(checks.check_dense_backward, nnlib.dense_backward, each_item, id="dense_backward"),
    *[row(with_name(checks.check_loss_derivative, n),
          lambda y, p, n=n: nnlib.loss_derivative(n, y, p), id=f"loss_derivative {n}")
      for n in ["squared_error", "mse", "binary_crossentropy", "categorical_crossentropy"]],
    row(checks.check_predict_from_weights, my_predict_from_weights, id="predict_from_weights"),
    row(checks.check_fit, nnlib.fit, each_weight_and_history, id="fit"),
    row(checks.check_backprop, nnlib.backprop, each_gradient, id="backprop"),
    row(checks.check_adam, my_adam_step, each_item, id="adam"),
    row(checks.check_dropout, my_dropout, id="dropout"),
    row(checks.check_minibatches, my_batches, each_batch, id="minibatches"),
]


def answer(right, rebuild, change):
    """A candidate that computes the right answer, then changes each of its arrays."""
    return lambda *args: rebuild(right(*args), change)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_passes_its_right_answer(check, right, rebuild, capsys):
    result = check(right)
    out = capsys.readouterr().out
    assert result and result.failures == [] and "✗" not in out


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_passes_rounding_differences(check, right, rebuild, capsys):
    # a different order of additions changes the last digits; that is not a mistake
    assert check(answer(right, rebuild, lambda a: np.asarray(a) * (1 + 1e-9) + 1e-12))


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_fails_every_case_of_an_answer_off_by_a_constant(check, right, rebuild, capsys):
    result = check(answer(right, rebuild, lambda a: np.asarray(a) + 0.01))
    assert len(result.failures) == result.n_cases
    assert all("largest difference 1.00e-02" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_reports_an_input_changed_in_place(check, right, rebuild, capsys):
    changed = []

    def right_but_overwrites_its_last_array(*args):
        out = right(*args)
        if last_array(args) is not None:
            last_array(args)[...] += 1.0
            changed.append(True)
        return out

    result = check(right_but_overwrites_its_last_array)
    if not changed:
        assert result  # nothing it was given could change
        pytest.skip("its inputs are numbers, not arrays")
    assert len(result.failures) == result.n_cases
    assert all("in place" in f for f in result.failures)


def last_array(args):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    nested = [last_array(a) for a in args if isinstance(a, (list, tuple))]
    return (arrays + [a for a in nested if a is not None] or [None])[-1]


class NoArray:
    """A result NumPy cannot convert: its __array__ raises."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array here")


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_reports_a_result_whose_array_conversion_raises(check, right, rebuild, capsys):
    result = check(answer(right, rebuild, lambda a: NoArray()))
    assert len(result.failures) == result.n_cases
    assert all("(RuntimeError: no array here)" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_stops_an_endless_loop(check, right, rebuild, capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)

    def endless(*args):
        while True:
            pass

    result = check(endless)
    out = capsys.readouterr().out
    assert not result
    assert "case 1 " in out and "took longer than 0.05 s on case 1 and was stopped" in out
    assert "case 2 " not in out and " not run." in out


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_every_check_reports_a_value_that_is_not_a_function(check, right, rebuild, capsys):
    result = check(np.zeros(3))  # check(my_function(...)) instead of check(my_function)
    assert result.failures == ["not a function"]
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "expected your function itself, got a ndarray; pass it without calling it" in out


# --- realistic mistakes, check by check -------------------------------------------------

def failures_of(check, candidate):
    result = check(candidate)
    assert not result
    return result.failures


def test_neuron_that_ignores_the_activation_or_the_bias():
    assert len(failures_of(checks.check_neuron, lambda x, w, b, g: nnlib.sigmoid(np.dot(x, w) + b))) == 3
    assert [f[:6] for f in failures_of(checks.check_neuron, lambda x, w, b, g: nnlib.neuron(x, w, 0.0, g))] \
        == ["case 2", "case 4"]  # case 1 has b = 0; in case 3 relu is 0 with or without b


def test_dense_with_the_transposed_weights_fails_where_W_is_not_square():
    failures = failures_of(checks.check_dense, lambda a, W, b, g: nnlib.get_activation(g)(W @ a + b))
    assert len(failures) == 6 and "raised ValueError: matmul" in failures[0]


def test_sequential_that_forgets_the_output_activation():
    def linear_output(x, layers):
        *hidden, (W, b, _) = layers
        return nnlib.sequential(x, [*hidden, (W, b, "linear")])

    failures = failures_of(checks.check_sequential, linear_output)
    assert [f[:6] for f in failures] == ["case 2", "case 3", "case 5"]  # chapter 2's output layer is linear


def test_sequential_with_the_transposed_weights_fails_on_a_batch_and_says_why(capsys):
    def sequential_w_transposed(x, layers):  # right for one example, crashes on a batch
        a = np.asarray(x, dtype=float)
        for W, b, g in layers:
            a = nnlib.get_activation(g)(W.T @ a + b)
        return a

    result, out = failing_report(checks.check_sequential, sequential_w_transposed, capsys)
    assert [f.split(" (")[0] for f in result.failures] == ["case 4", "case 5"]  # the two batches
    assert result.failures[0].startswith("case 4 (chapter 2 network, a batch of 4 examples, X (4, 2)): "
                                         "raised ValueError: matmul")
    assert all(f.endswith(f"; X here is a batch {shape}, one example per row; g(A @ W + b) handles one example "
                          "and a batch alike, W.T @ a only one example")
               for f, shape in zip(result.failures, ["(4, 2)", "(5, 3)"]))


def test_sequential_hint_is_only_for_batches_and_only_for_errors(capsys):
    def zeros_for_batches(x, layers):
        out = nnlib.sequential(x, layers)
        return out * 0 if np.ndim(x) == 2 else out

    failures = failures_of(checks.check_sequential, zeros_for_batches)
    assert [f.split(" (")[0] for f in failures] == ["case 4", "case 5"]
    assert all("got [[0" in f and f.endswith("W.T @ a only one example") for f in failures)
    none = failures_of(checks.check_sequential, lambda x, layers: None)
    assert not any("batch (" in f for f in none)  # a missing return needs no advice about batches


def dense_loop_g_per_unit(a_in, W, b, activation):
    """Chapter 3's loop with the activation applied inside it, unit by unit."""
    g = nnlib.get_activation(activation)
    a = np.zeros(W.shape[1])
    for j in range(W.shape[1]):
        a[j] = g(np.dot(a_in, W[:, j]) + b[j])
    return a


def test_dense_that_applies_g_unit_by_unit_fails_the_softmax_case(capsys):
    result, out = failing_report(checks.check_dense, dense_loop_g_per_unit, capsys)
    assert result.n_cases == 6 and len(result.failures) == 1  # element-wise activations do not mind
    assert result.failures[0].startswith("case 6 (3 -> 4 softmax units (softmax needs all 4 z's: apply g once, "
                                         "to the whole z)): expected [")
    assert "got [1., 1., 1., 1.]" in result.failures[0]  # a softmax of one number is 1


def test_batched_dense_with_softmax_over_the_batch_fails(capsys):
    def softmax_over_examples(A_in, W, b, activation):
        Z = np.asarray(A_in) @ W + b
        if activation != "softmax":
            return nnlib.get_activation(activation)(Z)
        e = np.exp(Z - Z.max(axis=0))
        return e / e.sum(axis=0)  # normalises each unit over the examples

    failures = failures_of(lambda f: checks.check_dense(f, batched=True), softmax_over_examples)
    assert [f.split(" (")[0] for f in failures] == ["case 9"]  # in case 6, z is 1-D: axis 0 holds its units
    assert "(over each example's 4 units, not over the batch)" in failures[-1]


def unclipped_bce(y, p):
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_binary_crossentropy_without_clipping_fails(capsys):
    failures = failures_of(lambda f: checks.check_loss(f, "binary_crossentropy"), unclipped_bce)
    assert [f.split(" (")[0] for f in failures] == ["case 4", "case 5"]
    assert failures[0].endswith("(log 0 = -inf: clip p into [1e-7, 1 - 1e-7] first)): "
                                f"expected {-math.log(1e-7):.6f}, got inf (largest difference inf)")
    assert f"expected {-math.log(1e-7):.6f}, got {-math.log(5e-8):.6f}" in failures[1]


@pytest.mark.parametrize("epsilon, failing", [(1e-3, ["case 4", "case 5", "case 6"]),
                                              (1e-6, ["case 4", "case 5"]),
                                              (1e-8, ["case 4", "case 5"])])
def test_binary_crossentropy_clipped_at_another_epsilon_fails(epsilon, failing, capsys):
    def clipped_bce(y, p):
        return unclipped_bce(y, np.clip(p, epsilon, 1 - epsilon))

    assert [f.split(" (")[0] for f in failures_of(lambda f: checks.check_loss(f, "binary_crossentropy"),
                                                  clipped_bce)] == failing


def test_binary_crossentropy_clipped_at_keras_epsilon_passes(capsys):
    assert checks.check_loss(lambda y, p: unclipped_bce(y, np.clip(p, 1e-7, 1 - 1e-7)), "binary_crossentropy")
    assert capsys.readouterr().out == "✓ binary_crossentropy: all 6 cases passed.\n"


def test_categorical_crossentropy_without_clipping_fails(capsys):
    def unclipped(y, p):
        return float(np.mean(-np.sum(np.asarray(y) * np.log(p), axis=-1)))

    failures = failures_of(lambda f: checks.check_loss(f, "categorical_crossentropy"), unclipped)
    assert len(failures) == 1 and failures[0].startswith("case 3 (p = [0, 1, 0] and [1, 0, 0]")
    assert failures[0].endswith("got nan (largest difference inf)")
    assert checks.check_loss(lambda y, p: unclipped(y, np.clip(p, 1e-7, 1 - 1e-7)), "categorical_crossentropy")


def test_forward_differences_fail_the_large_step():
    def forward_difference(f, x, eps):
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            bumped = x.copy()
            bumped[i] += eps
            grad[i] = (f(bumped) - f(x)) / eps
        return grad

    assert failures_of(checks.check_numeric_gradient, forward_difference)[-1].startswith("case 4 (a large step")


def test_numeric_gradient_that_nudges_x_without_restoring_it_exactly(capsys):
    def nudges_in_place(f, x, eps):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += eps
            f_plus = f(x)
            x[i] -= 2 * eps
            f_minus = f(x)
            x[i] += eps  # rounding: not always exactly the old value
            grad[i] = (f_plus - f_minus) / (2 * eps)
        return grad

    failures = failures_of(checks.check_numeric_gradient, nudges_in_place)
    assert all(f.endswith("your function changed its input x in place; put each entry back exactly as it "
                          "was after nudging it (save the original value), or work on a copy")
               for f in failures)


@pytest.mark.parametrize("epochs_run", [lambda e: e + 1, lambda e: max(e - 1, 0)], ids=["one more", "one fewer"])
def test_gradient_descent_off_by_one_epoch(epochs_run):
    failures = failures_of(checks.check_gradient_descent,
                           lambda f, x0, lr, epochs: my_gradient_descent(f, x0, lr, epochs_run(epochs)))
    assert len(failures) >= 3


def test_gradient_descent_that_updates_x0_in_place():
    def in_place(f, x0, lr, epochs):
        for _ in range(epochs):
            x0 -= lr * nnlib.numeric_gradient(f, x0)
        return x0

    failures = failures_of(checks.check_gradient_descent, in_place)
    assert [f[:6] for f in failures] == ["case 1", "case 2", "case 3"]  # case 4 takes no step
    assert failures[0].endswith("your function changed its input x0 in place; "
                                "work on a copy (x0 = x0.copy()) or build new arrays")


def test_tanh_derivative_without_the_square():
    failures = failures_of(lambda f: checks.check_activation_derivative(f, "tanh"), lambda z: 1 - np.tanh(z))
    assert len(failures) == 4


def test_dense_backward_mistakes_are_reported_part_by_part(capsys):
    def db_per_example(dZ, A_prev, W):
        dW, db, dA_prev = nnlib.dense_backward(dZ, A_prev, W)
        return dW, dZ, dA_prev  # forgot to sum over the examples

    result = checks.check_dense_backward(db_per_example)
    out = capsys.readouterr().out
    assert "✓ dense_backward dW: all 3 cases passed." in out and "✓ dense_backward dA_prev: all 3" in out
    assert "✗ dense_backward db, case 1 (one example, 2 inputs -> 3 units): returned shape (1, 3), " \
           "expected shape (3,)" in out
    assert result.failures[0].startswith("db: case 1 ") and repr(result) == "CheckResult('dense_backward': 6/9 passed)"


def test_dense_backward_without_a_return(capsys):
    result = checks.check_dense_backward(lambda dZ, A_prev, W: None)
    assert (result.failures, result.n_cases) == (["returned None"], 9)
    assert capsys.readouterr().out == "✗ dense_backward returned None; is a `return` statement missing?\n"


def test_categorical_crossentropy_averaged_over_classes_too():
    # np.mean over every entry also divides by the number of classes
    def mean_over_all(y, p):
        return float(np.mean(-np.asarray(y) * np.log(p)))

    failures = failures_of(lambda f: checks.check_loss(f, "categorical_crossentropy"), mean_over_all)
    assert [f.split(" (")[0] for f in failures] == ["case 1", "case 2", "case 3"]
    failures = failures_of(lambda f: checks.check_loss_derivative(f, "categorical_crossentropy"),
                           lambda y, p: -np.asarray(y) / (np.asarray(p) * np.size(y)))
    assert [f.split(":")[0] for f in failures] == ["case 1 (one example, 3 classes)", "case 2 (4 examples, 3 classes)"]


def test_loss_derivative_without_the_factor_2():
    failures = failures_of(lambda f: checks.check_loss_derivative(f, "mse"),
                           lambda y, p: nnlib.loss_derivative("mse", y, p) / 2)
    assert len(failures) == 3


@pytest.mark.parametrize("copy_list", [False, True], ids=["same list", "copied list, same arrays"])
def test_fit_that_updates_arrays_in_place(capsys, copy_list):
    def fit_in_place(X, y, layers, loss, lr, epochs):
        if copy_list:
            layers = [(W, b, g) for W, b, g in layers]  # a new list, but the same arrays
        history = []
        for _ in range(epochs):
            history.append(nnlib.get_loss(loss)(y, nnlib.sequential(X, layers)))
            for (W, b, _), (dW, db) in zip(layers, nnlib.backprop(X, y, layers, loss)):
                W -= lr * dW
                b -= lr * db
        return layers, np.array(history)

    result = checks.check_fit(fit_in_place)
    out = capsys.readouterr().out
    assert len(result.failures) == 6  # both parts of all three cases
    assert all("changed layers[0][0], inside its input layers, in place" in f for f in result.failures)
    assert "✗ fit history, case 1 (y = 3x, one epoch, lr = 0.02): your function changed layers[0][0], " \
           "inside its input layers, in place; build new arrays instead (x = x - d, not x -= d)" in out


def test_fit_that_returns_the_initial_layers(capsys):
    def untrained(X, y, layers, loss, lr, epochs):
        return layers, my_fit(X, y, layers, loss, lr, epochs)[1]

    checks.check_fit(untrained)
    out = capsys.readouterr().out
    assert "✓ fit history: all 3 cases passed." in out and "fit weights: 3 of 3 cases failed." in out


# --- never crash ------------------------------------------------------------------------

@pytest.mark.parametrize("error", [SystemExit(3), RecursionError("too deep"), MemoryError()])
def test_any_exception_of_the_learner_is_a_failed_case(error, capsys):
    def raises(*args):
        raise error

    result = checks.check_neuron(raises)
    assert len(result.failures) == 4
    assert f"raised {type(error).__name__}" in result.failures[0]


def test_an_exception_that_cannot_say_what_it_is(capsys):
    class Unspeakable(Exception):
        def __str__(self):
            raise RuntimeError("no words")

    def raises(*args):
        raise Unspeakable

    assert failures_of(checks.check_neuron, raises)[0].endswith("): raised Unspeakable")


def test_run_cases_tolerances(capsys):
    zero = [("zero", (np.array([0.0]),))]
    one = [("one", (np.array([1.0]),))]
    assert checks.run_cases("atol", lambda x: x + 0.5e-9, lambda x: x, zero)
    assert not checks.run_cases("atol", lambda x: x + 2e-9, lambda x: x, zero)
    assert checks.run_cases("rtol", lambda x: x * (1 + 0.5e-6), lambda x: x, one)
    assert not checks.run_cases("rtol", lambda x: x * (1 + 2e-6), lambda x: x, one)


@pytest.mark.parametrize("x", [0.123456789, 16.118095651, 1234.5678])
def test_a_failing_case_never_shows_two_identical_numbers(x, capsys):
    # off by a relative 2e-6, just beyond RTOL: six decimals would print the same number twice
    failure, = checks.run_cases("r", lambda v: v * (1 + 2e-6), lambda v: v, [("x", (np.array([x]),))]).failures
    expected, got = failure.split("expected [")[1].split("] (")[0].split("], got [")
    assert float(expected) != float(got)
    assert abs(float(got) / float(expected) - 1 - 2e-6) < 1e-6  # and as close as what they print


def test_the_usual_six_decimals_when_they_suffice(capsys):
    failure, = checks.run_cases("r", lambda v: v + 0.1, lambda v: v, [("x", (np.array([1 / 3]),))]).failures
    assert failure == "case 1 (x): expected [0.333333], got [0.433333] (largest difference 1.00e-01)"


def test_a_difference_hidden_in_a_long_array_is_located(capsys):
    x = np.zeros(20)
    failure, = checks.run_cases("long", lambda v: v + (np.arange(20) == 10) * 1e-3, lambda v: v,
                                [("x", (x,))]).failures
    assert failure == ("case 1 (x): expected [0., 0., 0., ..., 0., 0., 0.], got [0., 0., 0., ..., 0., 0., 0.]; "
                       "at index 10: expected 0.0, got 0.001 (largest difference 1.00e-03)")


def test_a_huge_wrong_answer_is_reported_without_a_warning(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in the check itself would raise here
        failure, = checks.run_cases("huge", lambda x: -x, lambda x: x, [("x", (np.array([1e308]),))]).failures
        assert failure == "case 1 (x): expected [1.e+308], got [-1.e+308] (largest difference inf)"
        huge = checks.check_backprop(lambda *args: [(dW + 1e308, -db - 1e308) for dW, db in nnlib.backprop(*args)])
        assert "layer 1 dW and db wrong (largest difference 1.00e+308)" in huge.failures[0]


def test_long_arrays_are_summarised(capsys):
    result = checks.run_cases("long", lambda x: x + 1, lambda x: x, [("x", (np.zeros(13),))])
    assert result.failures == ["case 1 (x): expected [0., 0., 0., ..., 0., 0., 0.], "
                               "got [1., 1., 1., ..., 1., 1., 1.] (largest difference 1.00e+00)"]


def test_nan_is_never_right(capsys):
    assert not checks.run_cases("nan", lambda x: x * np.nan, lambda x: x * np.nan, [("x", (np.ones(2),))])


def test_argument_names_fall_back_to_positions(capsys):
    def overwrite(*args):
        args[0][...] = 1.0
        return args[0]

    result = checks.run_cases("double", overwrite, lambda x: x, [("x", (np.zeros(2),))])
    assert result.failures == ["case 1 (x): your function changed its input argument 1 in place; "
                               "work on a copy (argument 1 = argument 1.copy()) or build new arrays"]


def test_appending_to_a_list_argument_is_a_change(capsys):
    def appends_a_layer(x, layers):
        out = nnlib.sequential(x, layers)
        layers.append(layers[-1])
        return out

    assert all("your function changed its input layers in place" in f
               for f in failures_of(checks.check_sequential, appends_a_layer))


def test_a_built_in_function_without_a_signature_can_be_checked(capsys):
    assert checks.run_cases("max", max, np.max, [("a vector", (np.array([1.0, 3.0, 2.0]),))])


def test_replacing_an_item_of_a_list_argument_is_a_change(capsys):
    def replaces_a_layer(x, layers):
        out = nnlib.sequential(x, layers)
        layers[0] = "gone"
        return out

    assert all("changed layers[0], inside its input layers" in f
               for f in failures_of(checks.check_sequential, replaces_a_layer))


# --- the time limit ---------------------------------------------------------------------

def loops_forever_from(n_in):
    """A dense layer that never ends once the input has n_in numbers or more."""
    def dense(a_in, W, b, activation):
        while len(a_in) >= n_in:
            pass
        return nnlib.dense_loop(a_in, W, b, activation)
    return dense


def test_the_check_stops_at_the_first_case_that_takes_too_long(capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.1)
    started = time.monotonic()
    result, out = failing_report_stopped(checks.check_dense, loops_forever_from(4), capsys)
    assert time.monotonic() - started < 2
    assert result.failures == ["case 4 (4 inputs -> 2 relu units (W is not square)): your function took "
                               "longer than 0.1 s on case 4 and was stopped (does a loop never end?)"]
    assert out.splitlines()[-1] == "dense: 1 of 6 cases failed, 2 not run."


def failing_report_stopped(check, candidate, capsys):
    result = check(candidate)
    return result, capsys.readouterr().out


def test_time_limit_can_be_switched_off_or_passed(capsys, monkeypatch):
    def slow_double(x):
        time.sleep(0.15)
        return 2 * x

    cases = [("x", (np.ones(2),))]
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)
    assert not checks.run_cases("double", slow_double, lambda x: x + x, cases)
    assert checks.run_cases("double", slow_double, lambda x: x + x, cases, time_limit=1.0)
    monkeypatch.setattr(checks, "TIME_LIMIT", None)
    assert checks.run_cases("double", slow_double, lambda x: x + x, cases)
    assert "took longer than 0.05 s on case 1" in capsys.readouterr().out


def test_an_endless_loop_that_swallows_the_first_stop_is_stopped_again(capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)

    def stubborn(z):
        try:
            while True:
                pass
        except BaseException:  # what a learner might write
            pass
        while True:
            pass

    started = time.monotonic()
    assert "took longer than 0.05 s" in failures_of(lambda f: checks.check_activation(f, "relu"), stubborn)[0]
    assert time.monotonic() - started < 0.5  # stopped again soon after the first stop


def test_the_time_limit_is_a_few_generous_seconds():
    assert 2 <= checks.TIME_LIMIT <= 10  # every reference case takes milliseconds


@pytest.mark.parametrize("outer_delay", [30.0, 0.9])
def test_the_previous_alarm_handler_and_timer_are_restored(outer_delay, capsys):
    def outer(signum, frame):
        raise AssertionError("the outer timer fired during the check")

    def takes_50_ms(a_in, W, b, activation):
        time.sleep(0.05)
        return nnlib.dense_loop(a_in, W, b, activation)

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, outer_delay)
        assert checks.check_dense(takes_50_ms)  # 5 cases: 0.25 s
        remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        assert signal.getsignal(signal.SIGALRM) is outer
        assert outer_delay - 0.6 < remaining < outer_delay - 0.2  # the outer timer kept running
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_alarm_after_the_function_returned_is_ignored():
    # The timer may go off while _call_with_time_limit is switching it off: no stop there.
    late = types.SimpleNamespace(f_code=checks._call_with_time_limit.__code__)
    assert checks._stop(signal.SIGALRM, late) is None
    with pytest.raises(BaseException) as stopped:
        checks._stop(signal.SIGALRM, sys._getframe())
    assert type(stopped.value).__name__ == "_TookTooLong" and not isinstance(stopped.value, Exception)


def test_no_timer_is_left_running(capsys):
    handler = signal.getsignal(signal.SIGALRM)
    assert checks.check_dense(nnlib.dense_loop)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def slow_but_right(a_in, W, b, activation):
    time.sleep(0.1)
    return nnlib.dense_loop(a_in, W, b, activation)


def test_without_sigalrm_cases_run_without_a_limit(capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.01)
    monkeypatch.delattr(signal, "setitimer")  # as on Windows
    assert checks.check_neuron(lambda x, w, b, g: slow_but_right(x, w[:, None], np.array([b]), g)[0])


def test_outside_the_main_thread_cases_run_without_a_limit(capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.01)
    results = []
    worker = threading.Thread(target=lambda: results.append(checks.check_dense(slow_but_right)))
    worker.start()
    worker.join(timeout=30)
    assert results and results[0]


def test_the_time_limit_works_in_a_jupyter_kernel(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from nnlib import checks\n"
        "checks.TIME_LIMIT = 0.2\n"
        "def my_dense(a_in, W, b, activation):\n"
        "    while True:\n"
        "        pass\n"
        "checks.check_dense(my_dense)")])
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in notebook.cells[0].outputs if o.get("name") == "stdout")
    assert "took longer than 0.2 s on case 1 and was stopped" in text
    assert text.endswith("dense: 1 of 6 cases failed, 5 not run.\n")


# --- chapter 6: check_backprop, layer by layer ---------------------------------------------

def my_backprop(X, y, layers, loss, through_g=True, per_example=False):
    """An independent backprop a learner might write; the flags add the two classic slips."""
    inputs, Zs, A = [], [], np.asarray(X, dtype=float)
    for W, b, g in layers:
        inputs.append(A)
        Zs.append(A @ W + b)
        A = nnlib.get_activation(g)(Zs[-1])
    dZ = nnlib.output_backward(layers[-1][2], loss, Zs[-1], A, y)
    if per_example:  # the 1/m forgotten: dZ of the summed loss instead of the mean
        dZ = dZ * len(A)
    grads = []
    for i in reversed(range(len(layers))):
        W = layers[i][0]
        grads.append((inputs[i].T @ dZ, dZ.sum(axis=0)))
        dA_prev = dZ @ W.T
        if i > 0:
            dZ = nnlib.activation_backward(layers[i - 1][2], Zs[i - 1], inputs[i], dA_prev) if through_g \
                else dA_prev  # the g'(Z) forgotten
    return grads[::-1]


def backprop_lines(check, candidate, capsys):
    result = check(candidate)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(result.failures) + 1 and lines[-1].startswith(("✓ backprop", "backprop: "))
    return result, lines


def test_check_backprop_passes_right_answers(capsys):
    for candidate in (nnlib.backprop, my_backprop):
        result, lines = backprop_lines(checks.check_backprop, candidate, capsys)
        assert result and result.n_cases == 5 and lines == ["✓ backprop: all 5 cases passed."]


def test_check_backprop_passes_rounding_differences(capsys):
    def reordered_sums(*args):
        return [(dW * (1 + 1e-9), db + 1e-12) for dW, db in nnlib.backprop(*args)]

    assert checks.check_backprop(reordered_sums)


def test_check_backprop_says_which_layer_a_forgotten_g_prime_spoils(capsys):
    result, lines = backprop_lines(checks.check_backprop,
                                   lambda X, y, layers, loss: my_backprop(X, y, layers, loss, through_g=False), capsys)
    assert not result and result.n_cases == 5
    by_case = {f.split(" (")[0]: f for f in result.failures}
    assert set(by_case) == {"case 1", "case 2", "case 3", "case 4"}  # case 5 has one layer: nothing to forget
    # chapter 2's network: the hidden layer is wrong, the output layer (dZ from the loss) right
    assert by_case["case 1"].startswith("case 1 (chapter 2's 2-3-1 network, x = [1, 1], target 0, squared error): "
                                        "layer 1 dW and db wrong (largest difference ")
    assert by_case["case 1"].endswith("), layer 2 right")
    assert "layer 1 dW and db wrong" in by_case["case 3"] and "layer 2 dW and db wrong" in by_case["case 3"]
    assert by_case["case 3"].endswith("layer 3 right")
    assert lines[0] == f"✗ backprop, {result.failures[0]}" and lines[-1] == "backprop: 4 of 5 cases failed."


def test_check_backprop_catches_a_forgotten_one_over_m(capsys):
    result = checks.check_backprop(lambda X, y, layers, loss: my_backprop(X, y, layers, loss, per_example=True))
    # case 1 has a single example, where m = 1 hides the slip; every other case has every layer wrong
    assert [f.split(" (")[0] for f in result.failures] == ["case 2", "case 3", "case 4", "case 5"]
    assert "layer 1 dW and db wrong" in result.failures[1] and "layer 3 dW and db wrong" in result.failures[1]
    assert not any("right" in f for f in result.failures)


def test_check_backprop_recognises_gradients_in_reverse_order(capsys):
    result = checks.check_backprop(lambda *args: nnlib.backprop(*args)[::-1])
    assert [f.split(" (")[0] for f in result.failures] == ["case 1", "case 2", "case 3", "case 4"]
    assert all(f.endswith("the right gradients in reverse order (last layer first); return them in the order "
                          "of the layers, e.g. grads[::-1]") for f in result.failures)


def test_check_backprop_reports_layers_changed_in_place(capsys):
    def backprop_that_takes_a_step(X, y, layers, loss):
        grads = nnlib.backprop(X, y, layers, loss)
        for (W, _, _), (dW, _) in zip(layers, grads):
            W -= 0.1 * dW  # a descent step on the caller's arrays
        return grads

    result = checks.check_backprop(backprop_that_takes_a_step)
    assert len(result.failures) == result.n_cases == 5
    assert all("your function changed layers[0][0], inside its input layers, in place" in f for f in result.failures)


def test_check_backprop_reports_an_exception_and_never_raises(capsys):
    def raises(X, y, layers, loss):
        raise ValueError("shapes (1,3) and (2,3) not aligned")

    result, lines = backprop_lines(checks.check_backprop, raises, capsys)
    assert not result and len(result.failures) == 5
    assert lines[0] == ("✗ backprop, case 1 (chapter 2's 2-3-1 network, x = [1, 1], target 0, squared error): "
                        "raised ValueError: shapes (1,3) and (2,3) not aligned")


@pytest.mark.parametrize("returned, message", [
    (None, "returned None; is a `return` statement missing?"),
    (iter([]), "got a list_iterator; make it a list, e.g. grads[::-1] rather than reversed(grads)"),
    ({"dW": 1}, "expected a list of 2 (dW, db) pairs, one per layer, got a dict"),
    ([(np.zeros((2, 3)), np.zeros(3))], "expected a list of 2 (dW, db) pairs, one per layer, got 1 item"),
    ([np.zeros((2, 3)), np.zeros((3, 1))], "for layer 1 got a ndarray"),
    ([(np.zeros((2, 3)),), (np.zeros((3, 1)), np.zeros(1))], "for layer 1 got a tuple of length 1"),
])
def test_check_backprop_explains_a_wrong_return_structure(returned, message, capsys):
    result = checks.check_backprop(lambda *args: returned)
    assert not result and message in result.failures[0]


def test_check_backprop_reports_shapes_per_layer(capsys):
    def transposed(*args):
        return [(dW.T, db.reshape(1, -1)) for dW, db in nnlib.backprop(*args)]

    failures = checks.check_backprop(transposed).failures
    assert failures[0].endswith("layer 1 dW has shape (3, 2) instead of (2, 3) and db has shape (1, 3) instead of "
                                "(3,), layer 2 dW has shape (1, 3) instead of (3, 1) and db has shape (1, 1) "
                                "instead of (1,)")


def test_check_backprop_flags_nan_and_text(capsys):
    nan_in_layer_2 = checks.check_backprop(
        lambda *args: [(dW, db) if k == 0 else (dW * np.nan, db) for k, (dW, db) in enumerate(nnlib.backprop(*args))])
    assert nan_in_layer_2.failures[0].endswith("layer 1 right, layer 2 dW wrong (largest difference inf)")
    text = checks.check_backprop(lambda *args: [("0.1", db) for dW, db in nnlib.backprop(*args)])
    assert "layer 1 dW returned a str (<U3), which is not an array of real numbers" in text.failures[0]


def test_check_backprop_stops_an_endless_loop_and_refuses_a_non_function(capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)

    def endless(X, y, layers, loss):
        while True:
            pass

    result, lines = backprop_lines(checks.check_backprop, endless, capsys)
    assert not result and "took longer than 0.05 s on case 1 and was stopped" in lines[0]
    assert lines[-1] == "backprop: 1 of 5 cases failed, 4 not run."
    not_a_function = checks.check_backprop(my_backprop(np.ones((1, 2)), np.zeros((1, 1)),
                                                       [(np.ones((2, 1)), np.zeros(1), "linear")], "mse"))
    assert not_a_function.failures == ["not a function"]
    assert "expected your function itself, got a list" in capsys.readouterr().out


# --- Part IV: Adam, dropout, minibatches ----------------------------------------------------

def adam_without_bias_correction(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                                 epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grads
    v = beta_2 * v + (1 - beta_2) * grads ** 2
    return params - learning_rate * m / (np.sqrt(v) + epsilon), m, v


def adam_epsilon_inside_the_root(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                                 epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grads
    v = beta_2 * v + (1 - beta_2) * grads ** 2
    alpha = learning_rate * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return params - alpha * m / np.sqrt(v + epsilon), m, v


def adam_as_in_the_paper(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """epsilon added after the bias correction, m̂ / (√v̂ + ε): not what Keras (and nnlib) computes."""
    m = beta_1 * m + (1 - beta_1) * grads
    v = beta_2 * v + (1 - beta_2) * grads ** 2
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return params - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def adam_betas_swapped(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return my_adam_step(params, grads, m, v, t, learning_rate, beta_2, beta_1, epsilon)


def adam_updating_m_and_v_in_place(params, grads, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                                   epsilon=1e-7):
    m *= beta_1
    m += (1 - beta_1) * grads
    v *= beta_2
    v += (1 - beta_2) * grads ** 2
    alpha = learning_rate * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return params - alpha * m / (np.sqrt(v) + epsilon), m, v


def test_check_adam_builds_its_reference_from_nnlib_adam():
    rng = np.random.default_rng(0)
    params, grads = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    adam = nnlib.Adam()
    first = adam.apply([grads], [params])[0]
    new_params, m, v = checks._adam_reference(params, grads, np.zeros_like(params), np.zeros_like(params), 1)
    np.testing.assert_array_equal(new_params, first)
    second = adam.apply([grads], [new_params])[0]
    np.testing.assert_array_equal(checks._adam_reference(new_params, grads, m, v, 2)[0], second)


@pytest.mark.parametrize("candidate, failing", [
    (adam_without_bias_correction, {"new_params": ["case 1", "case 2", "case 3", "case 4", "case 5"]}),
    (adam_epsilon_inside_the_root, {"new_params": ["case 1", "case 4", "case 5"]}),
    (adam_as_in_the_paper, {"new_params": ["case 4", "case 5"]}),
    # the first step is lr * sign(g) whatever the betas; a tiny v is within ATOL of another
    (adam_betas_swapped, {"new_params": ["case 2", "case 3", "case 4", "case 5"],
                          "new_m": ["case 1", "case 2", "case 3", "case 4", "case 5"],
                          "new_v": ["case 1", "case 2", "case 3", "case 5"]}),
], ids=["no bias correction", "epsilon inside the root", "epsilon after the bias correction", "betas swapped"])
def test_check_adam_catches_wrong_formulas(candidate, failing, capsys):
    result = checks.check_adam(candidate)
    out = capsys.readouterr().out
    assert not result
    assert {part: [f.split(": ")[1].split(" (")[0] for f in result.failures if f.startswith(part + ":")]
            for part in ("new_params", "new_m", "new_v") if any(f.startswith(part + ":") for f in result.failures)
            } == failing
    assert "expected [" in out and ", got [" in out and "largest difference" in out


def test_check_adam_catches_m_and_v_updated_in_place(capsys):
    result = checks.check_adam(adam_updating_m_and_v_in_place)
    assert len(result.failures) == result.n_cases == 15
    assert all("changed its input m in place" in f for f in result.failures)


def test_check_adam_explains_the_tiny_gradient_case(capsys):
    result = checks.check_adam(adam_as_in_the_paper)
    assert any("case 4 (a tiny gradient (about 1e-6), t = 1, where epsilon matters: Keras adds it to the "
               "uncorrected √v)" in f for f in result.failures)


def dropout_unscaled(A, rate, rng):
    return A * (rng.random(A.shape) >= rate)


def dropout_scaled_by_keep_probability(A, rate, rng):
    return A * (rng.random(A.shape) >= rate) * (1 - rate)  # the prediction-time scaling of plain dropout


def dropout_keeping_with_probability_rate(A, rate, rng):
    return A * (rng.random(A.shape) < rate) / (1 - rate)


def dropout_in_place(A, rate, rng):
    A *= (rng.random(A.shape) >= rate) / (1 - rate)
    return A


def dropout_with_another_draw(A, rate, rng):
    return A * (rng.random(A.shape) < 1 - rate) / (1 - rate)  # right probability, other numbers


@pytest.mark.parametrize("candidate, failing", [
    (dropout_unscaled, ["case 2", "case 3", "case 4"]),
    (dropout_scaled_by_keep_probability, ["case 2", "case 3", "case 4"]),
    (dropout_keeping_with_probability_rate, ["case 1", "case 2", "case 3", "case 4"]),
    (dropout_in_place, ["case 2", "case 3", "case 4"]),
    (dropout_with_another_draw, ["case 2", "case 3", "case 4"]),
], ids=["no 1/(1 - rate)", "times (1 - rate)", "kept with probability rate", "A changed in place",
        "mask drawn otherwise"])
def test_check_dropout_catches_wrong_answers(candidate, failing, capsys):
    result = checks.check_dropout(candidate)
    assert [f.split(" (")[0] for f in result.failures] == failing


def test_check_dropout_messages(capsys):
    checks.check_dropout(dropout_unscaled)
    checks.check_dropout(dropout_in_place)
    out = capsys.readouterr().out
    assert "case 3 (rate 0.9, 12 units: most dropped, the kept ones scaled by 10): expected [" in out
    assert ", got [" in out and "largest difference" in out
    assert "case 2 (rate 0.5, 10 units): your function changed its input A in place" in out


def test_check_dropout_gives_both_functions_the_same_random_numbers():
    seen = []

    def recording_dropout(A, rate, rng):
        seen.append(rng.bit_generator.state["state"]["state"])
        return my_dropout(A, rate, rng)

    assert checks.check_dropout(recording_dropout)
    cases_rng = [np.random.default_rng(s).bit_generator.state["state"]["state"] for s in (1, 2, 4, 5)]
    assert seen == cases_rng


def batches_dropping_the_last(m, batch_size):
    return [np.arange(start, start + batch_size) for start in range(0, m - batch_size + 1, batch_size)]


def batches_overlapping(m, batch_size):
    return [np.arange(start, min(start + batch_size + 1, m)) for start in range(0, m, batch_size)]


def batches_skipping_the_first_of_each(m, batch_size):
    return [np.arange(start + 1, min(start + batch_size, m)) for start in range(0, m, batch_size)]


def batches_counted(m, batch_size):
    return [min(batch_size, m - start) for start in range(0, m, batch_size)]


def number_of_batches(m, batch_size):
    return -(-m // batch_size)


@pytest.mark.parametrize("candidate, failing, message", [
    (batches_dropping_the_last, ["case 2", "case 3"],
     "case 2 (m = 10, batch_size = 4: the last batch has 2 examples): expected 3 batches [0, 1, 2, 3], "
     "[4, 5, 6, 7], [8, 9], got 2 batches [0, 1, 2, 3], [4, 5, 6, 7]"),
    (batches_overlapping, ["case 1", "case 2", "case 5"],
     "case 5 (m = 5, batch_size = 1: one example per batch): expected 5 batches [0], [1], [2], [3], [4], "
     "got 5 batches [0, 1], [1, 2], [2, 3], [3, 4], [4]"),
    (batches_skipping_the_first_of_each, ["case 1", "case 2", "case 3", "case 4", "case 5"],
     "case 3 (m = 5, batch_size = 8 (at least m): one batch of all 5): expected 1 batch [0, 1, 2, 3, 4], "
     "got 1 batch [1, 2, 3, 4]"),
    (batches_counted, ["case 1", "case 2", "case 3", "case 4", "case 5"],
     "case 2 (m = 10, batch_size = 4: the last batch has 2 examples): expected a list of index arrays, "
     "one per batch; batch 1 is a number (4), not a 1-D array of indices"),
    (number_of_batches, ["case 1", "case 2", "case 3", "case 4", "case 5"],
     "expected a list of index arrays, one per batch, got a int"),
], ids=["last batch dropped", "overlapping batches", "an index skipped", "batch sizes", "number of batches"])
def test_check_minibatches_catches_wrong_answers(candidate, failing, message, capsys):
    result = checks.check_minibatches(candidate)
    out = capsys.readouterr().out
    assert [f.split(" (")[0] for f in result.failures] == failing
    assert message in out


@pytest.mark.parametrize("answer_of", [
    lambda m, b: (batch for batch in my_batches(m, b)),  # a generator, as nnlib's own batches
    lambda m, b: tuple(list(batch) for batch in my_batches(m, b)),
    lambda m, b: list(nnlib.training.batches(m, b, shuffle=False, rng=None)),
], ids=["generator", "tuple of lists", "nnlib"])
def test_check_minibatches_accepts_any_sequence_of_index_lists(answer_of, capsys):
    assert checks.check_minibatches(answer_of)


def test_check_minibatches_reports_a_batch_that_is_not_1d(capsys):
    result = checks.check_minibatches(lambda m, b: [np.arange(m).reshape(1, m)])
    assert all("batch 1 is an array of shape (1, " in f and "not a 1-D array of indices" in f
               for f in result.failures)
