"""nnlib.checks: each check passes right answers and reports wrong ones without crashing."""

from __future__ import annotations

import math

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


def test_mutating_candidate_does_not_corrupt_the_reference():
    def dense_that_zeroes_its_inputs(a_in, W, b, activation):
        out = nnlib.dense_loop(a_in, W, b, activation)
        W[...] = 0.0
        a_in[...] = 0.0
        return out

    assert checks.check_dense(dense_that_zeroes_its_inputs)


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
    assert result.n_cases == 5 and not any(f.startswith("case 1 ") for f in result.failures)
    case2 = next(line for line in out.splitlines() if "case 2" in line)
    assert "(2 -> 3 linear units with biases)" in case2
    # z without bias: [2*0.8 - 0.2, 2*0.4 - 0.9, 2*0.3 - 0.5] = [1.4, -0.1, 0.1]; with b: [1.9, -1.1, 2.1]
    assert "expected [ 1.9, -1.1,  2.1], got [ 1.4, -0.1,  0.1]" in case2
    assert "largest difference 2.00e+00" in case2


def test_wrong_shape(capsys):
    def dense_as_row(a_in, W, b, activation):
        return nnlib.dense_loop(a_in, W, b, activation).reshape(1, -1)

    result, out = failing_report(checks.check_dense, dense_as_row, capsys)
    assert len(result.failures) == 5
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
    assert repr(result) == "CheckResult('sequential': 0/3 passed)"


@pytest.mark.parametrize("value, described", [
    ("0.5", "str (<U3)"),  # float("0.5") would work, but a string is not a loss value
    ({"a": 1}, "dict (object)"),
    ([[1.0], [2.0, 3.0]], "list (object)"),  # ragged
    ([0.5, None], "list (object)"),
])
def test_non_numeric_return_is_reported(value, described, capsys):
    result, out = failing_report(lambda f: checks.check_loss(f, "mse"), lambda y, p: value, capsys)
    assert len(result.failures) == 3
    assert f"returned a {described}, which is not an array of real numbers" in out


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
    assert len(result.failures) == 3
    assert f"expected {-math.log(0.1):.6f}, got {math.log(0.1):.6f}" in out


def test_unknown_check_names_are_caller_errors():
    with pytest.raises(ValueError, match=r"check_activation: unknown activation 'swish'; expected one of"):
        checks.check_activation(np.tanh, "swish")
    with pytest.raises(ValueError, match=r"check_loss: unknown loss 'hinge'; expected one of"):
        checks.check_loss(np.mean, "hinge")


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
    (("layers", [1.0]), "trained_layers must be a list of (W, b, activation) tuples, got str"),
])
def test_fit_explains_a_wrong_return_structure(returned, message, capsys):
    assert not checks.check_fit(lambda *args: returned)
    assert message in capsys.readouterr().out
