"""nnlib.numeric_gradient, numeric_gradients and relative_error (chapters 5 and 6)."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib


def test_central_differences_match_known_derivatives():
    x = np.array([[0.3, -1.2], [2.0, 0.7]])
    grad = nnlib.numeric_gradient(lambda v: float(np.sum(np.sin(v)) + v[0, 0] * v[1, 1]), x)
    exact = np.cos(x)
    exact[0, 0] += x[1, 1]
    exact[1, 1] += x[0, 0]
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, exact, rtol=1e-8, atol=1e-10)


def test_central_differences_are_exact_for_quadratics_up_to_rounding():
    # (f(x+h) - f(x-h)) / 2h has no h-term for a quadratic, even with a large step
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.5])
    grad = nnlib.numeric_gradient(lambda v: 0.5 * v @ A @ v, x, eps=0.1)
    np.testing.assert_allclose(grad, A @ x, rtol=1e-12)


def test_error_shrinks_like_eps_squared():
    errors = [abs(nnlib.numeric_gradient(lambda v: float(np.exp(v).sum()), np.array([1.0]), eps)[0]
                  - np.e) for eps in (1e-2, 1e-3)]
    assert 80 < errors[0] / errors[1] < 120  # 10x smaller step, 100x smaller error


@pytest.mark.parametrize("x", [np.array([1.0, 2.0, 3.0]), np.ones((2, 2), dtype=np.float32),
                               [1.0, 2.0], 3.0])
def test_x_is_left_unchanged_and_shape_kept(x):
    before = np.array(x, copy=True)
    seen = []
    grad = nnlib.numeric_gradient(lambda v: seen.append(v is x) or float(np.sum(v ** 2)), x)
    assert np.array_equal(np.asarray(x), before)
    assert not any(seen), "f must be called on a copy, not on the caller's x"
    assert grad.shape == np.shape(x) and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-9)


def test_numeric_gradient_refuses_bad_input():
    with pytest.raises(ValueError, match=r"f must return a scalar.*shape \(3,\)"):
        nnlib.numeric_gradient(lambda v: v * 2, np.ones(3))
    with pytest.raises(ValueError, match="eps must be a positive number"):
        nnlib.numeric_gradient(lambda v: v.sum(), np.ones(3), eps=0.0)
    with pytest.raises(TypeError, match="x must hold numbers"):
        nnlib.numeric_gradient(lambda v: 0.0, "abc")


def linear_mse_layers(rng):
    return [(rng.normal(size=(3, 2)), rng.normal(size=2), "linear")]


def test_numeric_gradients_of_a_linear_layer_match_the_formula():
    rng = np.random.default_rng(0)
    layers = linear_mse_layers(rng)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    (W, b, _), = layers
    residual = X @ W + b - Y
    exact_dW = 2 * X.T @ residual / Y.size  # mse averages over all m * n entries
    exact_db = 2 * residual.sum(axis=0) / Y.size
    (dW, db), = nnlib.numeric_gradients(X, Y, layers, "mse")
    np.testing.assert_allclose(dW, exact_dW, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(db, exact_db, rtol=1e-7, atol=1e-10)


def test_numeric_gradients_keep_the_structure_and_leave_layers_alone():
    rng = np.random.default_rng(1)
    layers = [(rng.normal(size=(2, 4)), rng.normal(size=4), "tanh"),
              (rng.normal(size=(4, 3)), rng.normal(size=3), nnlib.softmax)]
    copies = [(W.copy(), b.copy()) for W, b, _ in layers]
    X, labels = rng.normal(size=(6, 2)), rng.integers(0, 3, size=6)
    grads = nnlib.numeric_gradients(X, labels, layers, "sparse_categorical_crossentropy")
    assert [(dW.shape, db.shape) for dW, db in grads] == [((2, 4), (4,)), ((4, 3), (3,))]
    for (W, b, _), (W0, b0) in zip(layers, copies):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)


def test_numeric_gradients_count_two_forward_passes_per_parameter():
    rng = np.random.default_rng(2)
    layers = [(rng.normal(size=(2, 3)), np.zeros(3), "sigmoid"),
              (rng.normal(size=(3, 1)), np.zeros(1), "linear")]
    calls = []

    def counting_mse(y_true, y_pred):
        calls.append(1)
        return nnlib.mse(y_true, y_pred)

    nnlib.numeric_gradients(np.ones((1, 2)), np.zeros((1, 1)), layers, counting_mse)
    n_params = sum(W.size + b.size for W, b, _ in layers)
    assert len(calls) == 2 * n_params == 26


def test_numeric_gradients_check_y_and_loss():
    rng = np.random.default_rng(3)
    layers = linear_mse_layers(rng)
    X = rng.normal(size=(5, 3))
    with pytest.raises(ValueError, match=r"y has shape \(5,\).*output has shape \(5, 2\)"):
        nnlib.numeric_gradients(X, np.zeros(5), layers, "mse")
    with pytest.raises(ValueError, match="unknown loss 'mae'"):
        nnlib.numeric_gradients(X, np.zeros((5, 2)), layers, "mae")


def test_relative_error_is_a_ratio_of_norms():
    a, n = np.array([3.0, 4.0]), np.array([3.0, 4.0 + 5e-6])
    assert nnlib.relative_error(a, n) == pytest.approx(5e-6 / np.linalg.norm(n))
    assert nnlib.relative_error(a, a) == 0.0
    assert nnlib.relative_error(a, -a) == pytest.approx(2.0)


def test_relative_error_uses_the_absolute_difference_below_the_floor():
    # both gradients are zero up to rounding noise: the ratio would be meaningless
    a, n = np.zeros(3), np.array([0.0, 1e-14, 0.0])
    assert nnlib.relative_error(a, n) == pytest.approx(1e-14)
    assert nnlib.relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but n has shape \(3,\)"):
        nnlib.relative_error(np.zeros(2), np.zeros(3))


# ------------------------------------------- the exercise checkers of chapter 5

def central(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        f_plus = f(x)
        x[i] = original - eps
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def forward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    f0, grad = f(x), np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        grad[i] = (f(x) - f0) / eps
        x[i] = original
    return grad


def in_place(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps                      # never restored exactly
        f_plus = f(x)
        x[i] -= 2 * eps
        grad[i] = (f_plus - f(x)) / (2 * eps)
    return grad


def test_check_numeric_gradient_passes_central_and_catches_mistakes(capsys):
    from nnlib import checks

    assert checks.check_numeric_gradient(central)
    assert not checks.check_numeric_gradient(forward_difference)
    assert "large step" in capsys.readouterr().out
    assert not checks.check_numeric_gradient(in_place)
    assert "your function changed its input x in place" in capsys.readouterr().out


def test_check_gradient_descent(capsys):
    from nnlib import checks

    def descent(f, x0, lr, epochs):
        x = np.array(x0, dtype=float)
        for _ in range(epochs):
            x = x - lr * nnlib.numeric_gradient(f, x)
        return x

    def ascent(f, x0, lr, epochs):
        return descent(f, x0, -lr, epochs)

    assert checks.check_gradient_descent(descent)
    assert not checks.check_gradient_descent(ascent)
    assert "3 of 4 cases failed" in capsys.readouterr().out


# ------------------------------------------- the figures of chapters 5 and 6

def test_new_figures_draw_what_they_promise():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from nnlib import plotting

    try:
        path = np.array([[2.3, 1.0], [3.1, 1.1], [3.0, 0.0]])
        ax = plotting.plot_loss_surface(lambda w, b: (w - 3) ** 2 + b ** 2 + 0.1, (2, 4), (-1, 2),
                                        path=path, resolution=21)
        assert np.array_equal(ax.lines[0].get_xydata(), path) and ax.get_xlabel() == "weight w"
        ax = plotting.plot_histories({"a": [3.0, 2.0, 1.0], "b": [1.0, 0.5]})
        assert [line.get_label() for line in ax.lines] == ["a", "b"] and ax.get_yscale() == "log"
        ax = plotting.draw_chain(["z = w x + b", "a = g(z)"], ["z = 1", "a = 0.7"],
                                 ["dz", "da"])
        texts = [t.get_text() for t in ax.texts]
        assert {"z = w x + b", "a = 0.7", "da"} <= set(texts)
    finally:
        plt.close("all")
