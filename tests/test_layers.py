"""nnlib.layers: neuron, dense_loop, dense and sequential against hand-computed values,
against each other, at extreme inputs, and for every bad-input error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib import ACTIVATIONS, dense, dense_loop, neuron, relu, sequential, sigmoid

NAMES = list(ACTIVATIONS)
W_CH2 = [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]  # 2 inputs -> 3 units, one column per unit


def math_sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def random_layer(rng, n_in, n_units):
    return rng.normal(size=(n_in, n_units)), rng.normal(size=n_units)


# --- neuron -----------------------------------------------------------------------------

def test_neuron_by_hand():
    # z = 0.5 * 1 + (-0.25) * 2 + 0.1 = 0.1
    assert neuron([1.0, 2.0], [0.5, -0.25], 0.1) == pytest.approx(0.1, abs=1e-15)
    assert neuron([1.0, 2.0], [0.5, -0.25], 0.1, "sigmoid") == pytest.approx(math_sigmoid(0.1), rel=1e-14)
    assert neuron([1.0, 2.0], [-1.0, -1.0], 0.5, "relu") == 0.0
    assert neuron([1.0, 1.0], [0.8, 0.2], 0.0, "step") == 1.0


def test_neuron_returns_a_python_float():
    a = neuron(np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.float64(0.5), "tanh")
    assert type(a) is float
    assert a == pytest.approx(math.tanh(11.5))


def test_neuron_accepts_a_callable_activation():
    assert neuron([2.0], [3.0], 1.0, lambda z: z ** 2) == 49.0


@pytest.mark.parametrize("activation", NAMES)
def test_neuron_is_a_one_unit_dense_layer(activation):
    rng = np.random.default_rng(10)
    for n_in in (1, 3, 6):
        x, w, b = rng.normal(size=n_in), rng.normal(size=n_in), float(rng.normal())
        expected = dense_loop(x, w.reshape(-1, 1), np.array([b]), activation)[0]
        assert neuron(x, w, b, activation) == pytest.approx(expected, rel=1e-14)


def test_neuron_errors():
    with pytest.raises(ValueError, match=r"neuron: w must have one weight per input, shape \(3,\), got shape \(2,\)"):
        neuron([1.0, 2.0, 3.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match=r"neuron: x must be 1-D, got shape \(1, 3\) \(2-D\)"):
        neuron([[1.0, 2.0, 3.0]], [1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match=r"neuron: w must be 1-D, got shape \(\) \(0-D\)"):
        neuron([1.0], 2.0, 0.0)
    with pytest.raises(ValueError, match=r"neuron: b must be a scalar, got shape \(1,\) \(1-D\)"):
        neuron([1.0, 2.0], [1.0, 2.0], [0.5])
    with pytest.raises(TypeError, match=r"neuron: x must hold numbers, got list with dtype <U1"):
        neuron(["a", "b"], [1.0, 2.0], 0.0)
    with pytest.raises(TypeError, match=r"neuron: b must hold numbers, got NoneType"):
        neuron([1.0], [1.0], None)
    with pytest.raises(ValueError, match=r"neuron: unknown activation 'sigmoidd'"):
        neuron([1.0], [1.0], 0.0, "sigmoidd")


# --- dense_loop -------------------------------------------------------------------------

def test_dense_loop_by_hand():
    # Unit j uses column j of W: z = [0.8 + 0.2, 0.4 + 0.9, 0.3 + 0.5] = [1.0, 1.3, 0.8] for x = [1, 1].
    out = dense_loop([1.0, 1.0], W_CH2, [0.0, 0.0, 0.0], "sigmoid")
    np.testing.assert_allclose(out, [math_sigmoid(1.0), math_sigmoid(1.3), math_sigmoid(0.8)], rtol=1e-14)
    # x = [2, -1] with biases: z = [1.6 - 0.2 + 0.5, 0.8 - 0.9 - 1, 0.6 - 0.5 + 2]
    out = dense_loop([2.0, -1.0], W_CH2, [0.5, -1.0, 2.0])
    np.testing.assert_allclose(out, [1.9, -1.1, 2.1], rtol=1e-14)
    assert out.shape == (3,)


def test_dense_loop_matches_pure_python_sums():
    rng = np.random.default_rng(11)
    x, (W, b) = rng.normal(size=4), random_layer(rng, 4, 3)
    z = [sum(x[i] * W[i, j] for i in range(4)) + b[j] for j in range(3)]
    np.testing.assert_allclose(dense_loop(x, W, b, "tanh"), [math.tanh(v) for v in z], rtol=1e-13)


def test_dense_loop_softmax_sees_all_units():
    out = dense_loop([1.0, 2.0], [[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]], [0.0, 0.0, 0.0], "softmax")
    np.testing.assert_allclose(out.sum(), 1.0)
    z = np.array([1.0, 2.0, 1.0])
    np.testing.assert_allclose(out, np.exp(z) / np.exp(z).sum(), rtol=1e-14)


def test_dense_loop_rejects_a_batch():
    with pytest.raises(ValueError, match=r"dense_loop: the input must be 1-D, got shape \(2, 2\) \(2-D\)"):
        dense_loop(np.ones((2, 2)), np.ones((2, 3)), np.zeros(3))


# --- dense ------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", NAMES)
@pytest.mark.parametrize("m, n_in, n_units", [(1, 1, 1), (5, 2, 3), (7, 4, 1), (3, 6, 5)])
def test_dense_batch_equals_dense_loop_per_row(activation, m, n_in, n_units):
    rng = np.random.default_rng(12)
    X, (W, b) = rng.normal(size=(m, n_in)), random_layer(rng, n_in, n_units)
    out = dense(X, W, b, activation)
    assert out.shape == (m, n_units)
    expected = np.array([dense_loop(x, W, b, activation) for x in X])
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", NAMES)
def test_dense_single_example_equals_dense_loop_and_batch_of_one(activation):
    rng = np.random.default_rng(13)
    x, (W, b) = rng.normal(size=3), random_layer(rng, 3, 4)
    out = dense(x, W, b, activation)
    assert out.shape == (4,)
    np.testing.assert_allclose(out, dense_loop(x, W, b, activation), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out, dense(x[None, :], W, b, activation)[0], rtol=1e-12, atol=1e-15)


def test_dense_matches_pure_python_triple_loop():
    rng = np.random.default_rng(14)
    X, (W, b) = rng.normal(size=(3, 2)), random_layer(rng, 2, 4)
    expected = [[max(0.0, sum(X[k, i] * W[i, j] for i in range(2)) + b[j]) for j in range(4)]
                for k in range(3)]
    np.testing.assert_allclose(dense(X, W, b, "relu"), expected, rtol=1e-13)


def test_dense_accepts_lists_and_callables_and_leaves_inputs_alone():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, -1.0], [0.5, 0.25]])
    b = np.array([0.0, 1.0])
    copies = X.copy(), W.copy(), b.copy()
    out = dense(X.tolist(), W.tolist(), b.tolist(), relu)
    np.testing.assert_allclose(out, [[2.0, 0.5], [5.0, 0.0]])
    for before, after in zip(copies, (X, W, b)):
        np.testing.assert_array_equal(before, after)


def test_dense_extremes_are_finite_and_silent(strict_numerics):
    # One input, weights +1 and -1: z = (x, -x) for x from -1e308 to 1e308.
    X = np.array([[-1e308], [-1000.0], [0.0], [1000.0], [1e308]])
    W, b = np.array([[1.0, -1.0]]), np.zeros(2)
    np.testing.assert_allclose(dense(X, W, b, "sigmoid")[:, 0], [0, 0, 0.5, 1, 1], atol=0)
    np.testing.assert_allclose(dense(X, W, b, "tanh")[:, 1], [1, 1, 0, -1, -1], atol=0)
    # softmax's two scores are at most 2000 apart here (1e308 apart would overflow z - max).
    S = dense(X[1:4], W, b, "softmax")
    np.testing.assert_allclose(S, [[0, 1], [0.5, 0.5], [1, 0]], atol=0)


# --- dense errors -------------------------------------------------------------------

def test_dense_mismatched_input_and_W():
    with pytest.raises(ValueError, match=r"dense: W has shape \(2, 5\), so it expects 2 input features, "
                                         r"but the input has shape \(4, 3\) with 3\.$"):
        dense(np.ones((4, 3)), np.ones((2, 5)), np.zeros(5))


def test_dense_hints_at_the_transposed_convention():
    # W stored one unit per row, (n_units, n_in) = (3, 2), for inputs with 2 features.
    with pytest.raises(ValueError, match=r"W has shape \(3, 2\), so it expects 3 input features, but the "
                                         r"input has shape \(2,\) with 2\. Did you store one unit per row\?"
                                         r".*try W\.T\."):
        dense([1.0, 1.0], np.array(W_CH2).T, np.zeros(3))


@pytest.mark.parametrize("func", [dense, dense_loop], ids=lambda f: f.__name__)
def test_layer_shape_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: W must be 2-D, got shape \(3,\) \(1-D\)"):
        func(np.ones(3), np.ones(3), np.zeros(1))
    with pytest.raises(ValueError, match=rf"{name}: b must have shape \(n_units,\) = \(3,\) to match "
                                         rf"W \(2, 3\), got shape \(4,\)"):
        func(np.ones(2), np.ones((2, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=rf"{name}: b must be 1-D, got shape \(1, 3\) \(2-D\)"):
        func(np.ones(2), np.ones((2, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=rf"{name}: b must be 1-D, got shape \(\) \(0-D\)"):
        func(np.ones(2), np.ones((2, 3)), 0.0)


def test_dense_input_ndim_error():
    with pytest.raises(ValueError, match=r"dense: the input must be 1-D or 2-D, got shape \(2, 2, 2\) \(3-D\)"):
        dense(np.ones((2, 2, 2)), np.ones((2, 3)), np.zeros(3))


@pytest.mark.parametrize("func", [dense, dense_loop], ids=lambda f: f.__name__)
def test_layer_non_numeric_errors(func):
    name = func.__name__
    with pytest.raises(TypeError, match=rf"{name}: the input must hold numbers, got list with dtype <U"):
        func(["1", "2"], np.ones((2, 3)), np.zeros(3))
    with pytest.raises(TypeError, match=rf"{name}: W must hold numbers, got list with dtype object"):
        func([1.0, 2.0], [[1.0, None], [2.0, 3.0]], np.zeros(2))
    with pytest.raises(ValueError, match=rf"{name}: W must be a rectangular array of numbers"):
        func([1.0, 2.0], [[1.0, 2.0], [3.0]], np.zeros(2))
    with pytest.raises(ValueError, match=rf"{name}: unknown activation 'RELU'; expected one of"):
        func([1.0, 2.0], np.ones((2, 3)), np.zeros(3), "RELU")
    with pytest.raises(TypeError, match=rf"{name}: activation must be a name \(str\) or a callable, got int"):
        func([1.0, 2.0], np.ones((2, 3)), np.zeros(3), 1)


# --- sequential -------------------------------------------------------------------------

def test_sequential_by_hand():
    # Hidden layer as in test_dense_loop_by_hand, then one linear unit with weights 0.3, 0.5, 0.9.
    layers = [(W_CH2, [0.0, 0.0, 0.0], "sigmoid"), ([[0.3], [0.5], [0.9]], [0.0], "linear")]
    hidden = [math_sigmoid(1.0), math_sigmoid(1.3), math_sigmoid(0.8)]
    expected = 0.3 * hidden[0] + 0.5 * hidden[1] + 0.9 * hidden[2]
    out = sequential(np.array([1.0, 1.0]), layers)
    assert out.shape == (1,)
    assert out[0] == pytest.approx(expected, rel=1e-14)


def test_sequential_equals_composed_dense_and_rowwise_loops():
    rng = np.random.default_rng(15)
    sizes, names = [3, 5, 4, 2], ["relu", "tanh", "softmax"]
    layers = [(*random_layer(rng, n_in, n_out), g) for n_in, n_out, g in zip(sizes, sizes[1:], names)]
    X = rng.normal(size=(6, 3))
    (W1, b1, g1), (W2, b2, g2), (W3, b3, g3) = layers
    composed = dense(dense(dense(X, W1, b1, g1), W2, b2, g2), W3, b3, g3)
    out = sequential(X, layers)
    assert out.shape == (6, 2)
    np.testing.assert_allclose(out, composed, rtol=1e-13)
    for x, row in zip(X, out):
        a = x
        for W, b, g in layers:
            a = dense_loop(a, W, b, g)
        np.testing.assert_allclose(row, a, rtol=1e-12)


def test_sequential_one_layer_is_dense():
    rng = np.random.default_rng(16)
    X, (W, b) = rng.normal(size=(4, 2)), random_layer(rng, 2, 3)
    np.testing.assert_allclose(sequential(X, [(W, b, "sigmoid")]), dense(X, W, b, "sigmoid"))


def test_sequential_accepts_tuples_lists_and_callables():
    rng = np.random.default_rng(17)
    x = rng.normal(size=2)
    (W1, b1), (W2, b2), (W3, b3) = (random_layer(rng, 2, 2) for _ in range(3))
    expected = sigmoid(relu(relu(x @ W1 + b1) @ W2 + b2) @ W3 + b3)
    for layers in ([(W1, b1, "relu"), (W2, b2, relu), (W3, b3, sigmoid)],
                   ((W1, b1, "relu"), (W2, b2, "relu"), (W3, b3, "sigmoid")),
                   ([W1, b1, "relu"], [W2, b2, "relu"], [W3, b3, "sigmoid"])):
        np.testing.assert_allclose(sequential(x, layers), expected, rtol=1e-13)


def test_sequential_rejects_a_bare_layer_tuple():
    W, b = np.ones((2, 2)), np.zeros(2)
    for activation in ("relu", relu):
        with pytest.raises(TypeError, match=r"got a single tuple; wrap it in a list: \[\(W, b, activation\)\]"):
            sequential(np.ones(2), (W, b, activation))


def test_sequential_rejects_a_malformed_layer():
    good = (np.ones((2, 2)), np.zeros(2), "relu")
    with pytest.raises(TypeError, match=r"sequential: layer 1 must be a \(W, b, activation\) tuple or a layer such as "
                                        r"nnlib.Dense, got ndarray"):
        sequential(np.ones(2), [good, np.ones((2, 2))])
    with pytest.raises(TypeError, match=r"sequential: layer 0 is a pair \(W, b\) without an activation"):
        sequential(np.ones(2), [(np.ones((2, 2)), np.zeros(2))])


def test_sequential_names_the_failing_layer():
    layers = [(np.ones((2, 3)), np.zeros(3), "relu"), (np.ones((4, 1)), np.zeros(1), "linear")]
    with pytest.raises(ValueError, match=r"^sequential: layer 1: each example reaching it has shape \(3,\), "
                                         r"so W must have shape \(3, n_units\); got \(4, 1\)"):
        sequential(np.ones((5, 2)), layers)
    with pytest.raises(ValueError, match=r"^sequential: layer 0: unknown activation 'Sigmoid'"):
        sequential(np.ones(2), [(np.ones((2, 1)), np.zeros(1), "Sigmoid")])
    with pytest.raises(TypeError, match=r"^sequential: X must hold numbers, got str"):
        sequential("ab", [(np.ones((2, 1)), np.zeros(1), "linear")])
