"""Backpropagation, the derivatives it uses, and fit (chapters 5 and 6).

The gradient check compares `backprop` with central differences in float64.
Its yardstick is `nnlib.relative_error`: ‖a − n‖ / max(‖a‖, ‖n‖) per W and per b,
and the plain ‖a − n‖ where both norms are below 1e-12 (a layer whose gradient
is exactly zero, behind a step or dead ReLU units). The data keep every
cross-entropy away from its clipping (probabilities within 1e-7 of 0 or 1) and
every ReLU/step input away from its kink at 0.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import datasets

from conftest import random_layers

GRADIENT_CHECK_TOL = 1e-7
HIDDEN = ["linear", "step", "sigmoid", "tanh", "relu", "softmax"]
# (loss, output activations it is checked with): the natural pairs, and pairs that
# take the general route through loss_derivative and the activation's derivative
OUTPUTS = {
    "squared_error": ["linear", "sigmoid", "tanh", "relu", "softmax"],
    "mse": ["linear", "sigmoid", "tanh", "relu", "softmax"],
    "binary_crossentropy": ["sigmoid", "softmax"],
    "categorical_crossentropy": ["softmax", "sigmoid"],
    "sparse_categorical_crossentropy": ["softmax"],
}
CASES = [(loss, hidden, out) for loss, outs in OUTPUTS.items() for hidden in HIDDEN for out in outs]


def random_network(rng, sizes, activations):
    return random_layers(rng, sizes, activations, bias_scale=0.5)


def targets(rng, loss, m, n_out):
    if loss == "binary_crossentropy":
        return (rng.uniform(size=(m, n_out)) > 0.5).astype(float)
    if loss == "categorical_crossentropy":
        return np.eye(n_out)[rng.integers(0, n_out, size=m)]
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, n_out, size=m)
    return rng.normal(size=(m, n_out))


def kinks_are_far(X, layers, margin=1e-3):
    """True when no Z of a ReLU or step layer lies within `margin` of 0."""
    A = X
    for W, b, g in layers:
        Z = A @ W + b
        if g in ("relu", "step") and np.min(np.abs(Z)) < margin:
            return False
        A = nnlib.get_activation(g)(Z)
    return True


@pytest.mark.parametrize("loss, hidden, output", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_check_every_activation_and_loss(loss, hidden, output, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))
    layers = random_network(rng, [3, 4, 5, 3], [hidden, "tanh", output])
    y = targets(rng, loss, 6, 3)
    assert kinks_are_far(X, layers)
    error = nnlib.gradient_check(X, y, layers, loss)
    assert error < GRADIENT_CHECK_TOL, f"relative error {error:.2e}"


def test_step_and_dead_relu_layers_get_exactly_zero_gradients():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 2))
    dead = [(rng.normal(size=(2, 3)), np.full(3, -50.0), "relu"),  # every z < 0: all units dead
            (rng.normal(size=(3, 1)), np.zeros(1), "sigmoid")]
    step = [(rng.normal(size=(2, 3)), np.zeros(3), "step"),
            (rng.normal(size=(3, 1)), np.zeros(1), "sigmoid")]
    y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
    for layers in (dead, step):
        assert kinks_are_far(X, layers)
        (dW1, db1), _ = nnlib.backprop(X, y, layers, "binary_crossentropy")
        (nW1, nb1), _ = nnlib.numeric_gradients(X, y, layers, "binary_crossentropy")
        assert not dW1.any() and not db1.any() and not nW1.any() and not nb1.any()
        assert nnlib.gradient_check(X, y, layers, "binary_crossentropy") < GRADIENT_CHECK_TOL


def test_backprop_on_chapter_2_network_matches_numeric_gradients():
    layers = [(np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]), np.zeros(3), "sigmoid"),
              (np.array([[0.3], [0.5], [0.9]]), np.zeros(1), "linear")]
    X, y = np.array([[1.0, 1.0]]), np.array([[0.0]])
    exact = nnlib.backprop(X, y, layers, "squared_error")
    numeric = nnlib.numeric_gradients(X, y, layers, "squared_error")
    for pair_e, pair_n in zip(exact, numeric):
        for e, n in zip(pair_e, pair_n):
            assert e.shape == n.shape
            np.testing.assert_allclose(e, n, rtol=1e-7, atol=1e-10)


def test_backprop_keeps_structure_accepts_functions_and_leaves_layers_alone():
    rng = np.random.default_rng(5)
    layers = random_network(rng, [2, 4, 3], [nnlib.relu, nnlib.softmax])
    copies = [(W.copy(), b.copy()) for W, b, _ in layers]
    X, y = rng.normal(size=(7, 2)), np.eye(3)[rng.integers(0, 3, size=7)]
    by_function = nnlib.backprop(X, y, layers, nnlib.categorical_crossentropy)
    by_name = nnlib.backprop(X, y, [(W, b, g.__name__) for W, b, g in layers],
                             "categorical_crossentropy")
    assert [(dW.shape, db.shape) for dW, db in by_function] == [((2, 4), (4,)), ((4, 3), (3,))]
    for (a1, a2), (b1, b2) in zip(by_function, by_name):
        assert np.array_equal(a1, b1) and np.array_equal(a2, b2)
    for (W, b, _), (W0, b0) in zip(layers, copies):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)


def test_sparse_labels_give_the_same_gradients_as_one_hot():
    rng = np.random.default_rng(6)
    layers = random_network(rng, [3, 5, 4], ["tanh", "softmax"])
    X, labels = rng.normal(size=(8, 3)), rng.integers(0, 4, size=8)
    sparse = nnlib.backprop(X, labels, layers, "sparse_categorical_crossentropy")
    dense = nnlib.backprop(X, np.eye(4)[labels], layers, "categorical_crossentropy")
    for pair_s, pair_d in zip(sparse, dense):
        for s, d in zip(pair_s, pair_d):
            np.testing.assert_allclose(s, d, rtol=1e-12)


# ------------------------------------------------------------------ derivatives

@pytest.mark.parametrize("name", sorted(nnlib.DERIVATIVES))
def test_activation_derivatives_match_central_differences(name):
    z = np.array([-3.0, -0.7, -0.1, 0.2, 1.5, 4.0])  # away from the kinks at 0
    g = nnlib.get_activation(name)
    numeric = (g(z + 1e-6) - g(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(nnlib.activation_derivative(name)(z), numeric, rtol=1e-7, atol=1e-10)


def test_derivative_conventions_at_the_kinks_and_extremes(strict_numerics):
    z = np.array([-1000.0, 0.0, 1000.0])
    assert np.array_equal(nnlib.activation_derivative("relu")(z), [0.0, 0.0, 1.0])
    assert np.array_equal(nnlib.activation_derivative("step")(z), [0.0, 0.0, 0.0])
    assert np.array_equal(nnlib.activation_derivative("sigmoid")(z), [0.0, 0.25, 0.0])
    assert np.array_equal(nnlib.activation_derivative("tanh")(z), [0.0, 1.0, 0.0])
    assert nnlib.activation_derivative(nnlib.linear) is nnlib.DERIVATIVES["linear"]


def test_softmax_backward_is_the_jacobian_product():
    rng = np.random.default_rng(7)
    Z, dA = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    A = nnlib.softmax(Z)
    for a, da, dz in zip(A, dA, nnlib.softmax_backward(A, dA)):
        J = np.diag(a) - np.outer(a, a)
        np.testing.assert_allclose(dz, J @ da, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", sorted(nnlib.LOSSES))
def test_loss_derivatives_match_numeric_gradients(loss):
    rng = np.random.default_rng(8)
    P = nnlib.softmax(rng.normal(size=(5, 3)))  # probabilities in (0, 1), rows sum to 1
    y = targets(rng, loss, 5, 3)
    exact = nnlib.loss_derivative(loss, y, P)
    numeric = nnlib.numeric_gradient(lambda p: nnlib.get_loss(loss)(y, p), P)
    np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-9)


def test_clipped_cross_entropy_is_flat():
    # p = 1 - 1e-9 is clipped to 1 - 1e-7: the loss does not change when p moves a little
    P, y = np.array([[1 - 1e-9], [0.5]]), np.array([[0.0], [1.0]])
    d = nnlib.loss_derivative("binary_crossentropy", y, P)
    assert d[0, 0] == 0.0 and d[1, 0] == pytest.approx(-2.0 / 2)


@pytest.mark.parametrize("g, loss", [("sigmoid", "binary_crossentropy"),
                                     ("softmax", "categorical_crossentropy")])
def test_simplified_output_gradient_equals_the_general_chain(g, loss):
    rng = np.random.default_rng(9)
    Z = rng.normal(size=(6, 3))
    A = nnlib.get_activation(g)(Z)
    y = targets(rng, loss, 6, 3)
    general = nnlib.activation_backward(g, Z, A, nnlib.loss_derivative(loss, y, A))
    np.testing.assert_allclose(nnlib.output_backward(g, loss, Z, A, y), general, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(nnlib.output_backward(g, loss, Z, A, y), (A - y) / (A.size if g == "sigmoid" else 6))


def test_simplified_gradient_keeps_learning_where_the_loss_clips():
    # a confidently wrong sigmoid output: the clipped loss is flat there, but the
    # simplified dZ = (a - y) / m, which backprop uses (as Keras does), still says "go down"
    Z = np.array([[30.0]])
    A = nnlib.sigmoid(Z)
    dZ = nnlib.output_backward("sigmoid", "binary_crossentropy", Z, A, np.array([[0.0]]))
    assert dZ[0, 0] == pytest.approx(1.0)


def test_derivative_lookups_refuse_what_they_do_not_know():
    with pytest.raises(ValueError, match="softmax is not element-wise"):
        nnlib.activation_derivative("softmax")
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        nnlib.activation_derivative("gelu")
    with pytest.raises(ValueError, match="'square' has no known derivative"):
        nnlib.activation_derivative(np.square)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        nnlib.loss_derivative("hinge", np.zeros((1, 1)), np.zeros((1, 1)))
    with pytest.raises(TypeError, match="loss must be a name"):
        nnlib.get_loss(3)


def test_dense_backward_formulas():
    rng = np.random.default_rng(10)
    dZ, A_prev, W = rng.normal(size=(4, 2)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    dW, db, dA_prev = nnlib.dense_backward(dZ, A_prev, W)
    assert (dW.shape, db.shape, dA_prev.shape) == ((3, 2), (2,), (4, 3))
    expected_dW = sum(np.outer(A_prev[i], dZ[i]) for i in range(4))  # one example at a time
    np.testing.assert_allclose(dW, expected_dW)
    np.testing.assert_allclose(db, dZ.sum(axis=0))
    np.testing.assert_allclose(dA_prev[1], W @ dZ[1])


# ------------------------------------------------------------------ fit

LINE_X = np.array([[1.0], [3.0], [4.0], [8.0], [10.0]])
LINE_Y = 3.0 * LINE_X


def line_layers():
    return [(np.array([[2.269]]), np.array([1.01]), "linear")]


@pytest.mark.parametrize("gradient", ["backprop", "numeric"])
def test_fit_learns_y_equals_3x(gradient):
    trained, history = nnlib.fit(LINE_X, LINE_Y, line_layers(), loss="mse", lr=0.02,
                                 epochs=1000, gradient=gradient)
    (W, b, g), = trained
    assert W[0, 0] == pytest.approx(3.0, abs=1e-4) and b[0] == pytest.approx(0.0, abs=1e-3)
    assert g == "linear" and history.shape == (1000,)
    assert np.all(np.diff(history) < 0)


def test_history_holds_the_loss_before_each_update_as_keras_records_it():
    layers = line_layers()
    trained, history = nnlib.fit(LINE_X, LINE_Y, layers, loss="mse", lr=0.01, epochs=3)
    assert history[0] == nnlib.mse(LINE_Y, nnlib.sequential(LINE_X, layers))
    one_step, _ = nnlib.fit(LINE_X, LINE_Y, layers, loss="mse", lr=0.01, epochs=1)
    assert history[1] == pytest.approx(nnlib.mse(LINE_Y, nnlib.sequential(LINE_X, one_step)))
    (dW, db), = nnlib.backprop(LINE_X, LINE_Y, layers, "mse")
    np.testing.assert_allclose(one_step[0][0], layers[0][0] - 0.01 * dW)
    np.testing.assert_allclose(one_step[0][1], layers[0][1] - 0.01 * db)


def test_fit_leaves_the_given_layers_alone():
    layers = line_layers()
    nnlib.fit(LINE_X, LINE_Y, layers, loss="mse", lr=0.02, epochs=5)
    assert layers[0][0][0, 0] == 2.269 and layers[0][1][0] == 1.01


def test_numeric_and_backprop_training_agree_on_coffee():
    X, y = datasets.coffee_roasting(60, seed=1)
    Xn = datasets.normalize(X, *datasets.normalization_stats(X))
    rng = np.random.default_rng(0)
    layers = [(rng.normal(size=(2, 3)), np.zeros(3), "sigmoid"),
              (rng.normal(size=(3, 1)), np.zeros(1), "sigmoid")]
    by_backprop, h_b = nnlib.fit(Xn, y, layers, "binary_crossentropy", lr=2.0, epochs=30)
    by_numeric, h_n = nnlib.fit(Xn, y, layers, "binary_crossentropy", lr=2.0, epochs=30,
                                gradient="numeric")
    np.testing.assert_allclose(h_n, h_b, rtol=1e-7)
    assert h_b[-1] < 0.8 * h_b[0]
    for (W1, b1, _), (W2, b2, _) in zip(by_backprop, by_numeric):
        np.testing.assert_allclose(W1, W2, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(b1, b2, rtol=1e-6, atol=1e-8)


def test_fit_with_a_custom_loss_needs_numeric_gradients():
    def mean_abs(y_true, y_pred):
        return float(np.mean(np.abs(y_true - y_pred)))

    with pytest.raises(ValueError, match="no known derivative for backprop.*gradient='numeric'"):
        nnlib.fit(LINE_X, LINE_Y, line_layers(), loss=mean_abs, lr=0.01, epochs=2)
    _, history = nnlib.fit(LINE_X, LINE_Y, line_layers(), loss=mean_abs, lr=0.01, epochs=20,
                           gradient="numeric")
    assert history[-1] < history[0]


def test_fit_reports_divergence_clearly_instead_of_training_on_nan():
    # lr = 0.1 is far beyond the largest stable rate (about 0.026) for this data
    with pytest.raises(FloatingPointError, match=r"in epoch \d+ of 2000 \(lr = 0.1\).*smaller "
                                                 r"learning rate, e.g. lr = 0.01"):
        nnlib.fit(LINE_X, LINE_Y, line_layers(), loss="mse", lr=0.1, epochs=2000)
    with pytest.raises(FloatingPointError, match="initial loss is inf"):
        nnlib.fit(LINE_X * np.inf, LINE_Y, line_layers(), loss="mse", lr=0.01, epochs=2)
    with pytest.raises(ValueError, match=r"fit: X contains nan \(first at index \(0, 0\)\)"):
        nnlib.fit(LINE_X * np.nan, LINE_Y, line_layers(), loss="mse", lr=0.01, epochs=2)


@pytest.mark.parametrize("func", [nnlib.backprop, nnlib.numeric_gradients])
def test_gradients_refuse_mismatched_y(func):
    with pytest.raises(ValueError, match=r"y has shape \(5,\), but the network's output has "
                                         r"shape \(5, 1\).*y.reshape\(5, 1\)"):
        func(LINE_X, LINE_Y.ravel(), line_layers(), "mse")
    with pytest.raises(ValueError, match=r"y has shape \(4, 1\)"):
        func(LINE_X, LINE_Y[:4], line_layers(), "mse")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(y=LINE_Y.ravel()), ValueError, r"fit: y has shape \(5,\)"),
    (dict(loss="hinge"), ValueError, "fit: unknown loss 'hinge'"),
    (dict(layers=[(np.ones((1, 1)), np.zeros(1), "swish")]), ValueError,
     "layer 0: unknown activation 'swish'"),
    (dict(layers=[(np.ones((1, 1)), np.zeros(1), np.sin)]), ValueError,
     "activation 'sin' has no known derivative.*gradient='numeric'"),
    (dict(layers=[(np.ones((2, 1)), np.zeros(1), "linear")]), ValueError,
     r"fit: layer 0: each example reaching it has shape \(1,\), so W must have shape "
     r"\(1, n_units\); got \(2, 1\)"),
    (dict(layers=line_layers()[0]), TypeError, "wrap it in a list"),
    (dict(X=LINE_X.ravel()), ValueError, r"X must be 2-D.*X.reshape\(1, -1\)"),
    (dict(lr=0.0), ValueError, "lr must be a positive number"),
    (dict(epochs=0), ValueError, "epochs must be a positive integer"),
    (dict(epochs=2.5), ValueError, "epochs must be a positive integer"),
    (dict(gradient="exact"), ValueError, "gradient must be 'backprop' or 'numeric'"),
    (dict(loss="sparse_categorical_crossentropy"), ValueError, "labels must lie in 0..0"),
])
def test_fit_refuses_bad_input(kwargs, error, message):
    arguments = dict(X=LINE_X, y=LINE_Y, layers=line_layers(), loss="mse", lr=0.01, epochs=3)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        nnlib.fit(**arguments)


# ------------------------------------------------------------------ chapter 6's checkers

def test_check_activation_derivative(capsys):
    from nnlib import checks

    assert checks.check_activation_derivative(lambda z: 1 - np.tanh(z) ** 2, "tanh")
    assert not checks.check_activation_derivative(lambda z: 1 - np.tanh(z), "tanh")
    with pytest.raises(ValueError, match="expected one of"):
        checks.check_activation_derivative(np.tanh, "softmax")


def test_check_dense_backward_reports_each_array(capsys):
    from nnlib import checks

    assert checks.check_dense_backward(lambda dZ, A, W: (A.T @ dZ, dZ.sum(axis=0), dZ @ W.T))
    capsys.readouterr()
    result = checks.check_dense_backward(lambda dZ, A, W: (A.T @ dZ / len(A), dZ.sum(axis=0), dZ @ W.T))
    out = capsys.readouterr().out
    assert not result and "✗ dense_backward dW" in out and "✓ dense_backward db" in out
    assert not checks.check_dense_backward(lambda dZ, A, W: None)
    assert "returned None" in capsys.readouterr().out
    assert not checks.check_dense_backward(lambda dZ, A, W: (A.T @ dZ, dZ.sum(axis=0)))
    assert "expected a tuple (dW, db, dA_prev), got tuple of length 2" in capsys.readouterr().out


def test_check_loss_derivative(capsys):
    from nnlib import checks

    assert checks.check_loss_derivative(lambda y, p: 2 * (p - y) / p.size, "mse")
    assert not checks.check_loss_derivative(lambda y, p: 2 * (p - y) / len(p), "mse")
    assert checks.check_loss_derivative(lambda y, p: -y / p / len(p) + 1 / len(p),
                                        "categorical_crossentropy")
