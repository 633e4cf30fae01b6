"""nnlib.activations: values against independent formulas, shapes, extremes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnlib
from nnlib.activations import ACTIVATIONS, get_activation, linear, relu, sigmoid, softmax, step, tanh

ELEMENTWISE = [linear, step, sigmoid, tanh, relu]
ALL = ELEMENTWISE + [softmax]
# Where math.exp neither overflows nor rounds everything to 0 or 1.
MODERATE = np.linspace(-30.0, 30.0, 121)


def test_registry_maps_each_name_to_its_function():
    assert {"linear": linear, "step": step, "sigmoid": sigmoid,
                           "tanh": tanh, "relu": relu, "softmax": softmax} == ACTIVATIONS
    for name, g in ACTIVATIONS.items():
        assert getattr(nnlib, name) is g


# --- values against independent formulas ---------------------------------------------

def test_linear_is_the_identity_as_floats():
    out = linear([1, -2, 3])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, -2.0, 3.0])


def test_step_is_one_from_zero_on():
    z = np.array([-3.0, -1e-12, 0.0, 1e-12, 2.0])
    np.testing.assert_array_equal(step(z), [0.0, 0.0, 1.0, 1.0, 1.0])
    assert step(0) == 1.0
    assert step(-0.0) == 1.0  # -0.0 >= 0 is true: the sign of zero does not matter


def test_sigmoid_matches_the_textbook_formula():
    expected = [1.0 / (1.0 + math.exp(-z)) for z in MODERATE]
    np.testing.assert_allclose(sigmoid(MODERATE), expected, rtol=1e-13)


def test_sigmoid_properties():
    z = np.linspace(-20, 20, 81)
    assert sigmoid(0.0) == 0.5
    np.testing.assert_allclose(sigmoid(-z), 1.0 - sigmoid(z), atol=1e-15)  # symmetry
    assert np.all(np.diff(sigmoid(z)) > 0)  # increasing
    # log-odds: log(a / (1 - a)) recovers z
    a = sigmoid(z)
    np.testing.assert_allclose(np.log(a / (1.0 - a)), z, atol=1e-8)


def test_tanh_matches_its_exponential_definition():
    expected = [(math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z)) for z in MODERATE]
    np.testing.assert_allclose(tanh(MODERATE), expected, rtol=1e-12, atol=1e-15)


def test_tanh_is_a_rescaled_sigmoid():
    z = np.linspace(-10, 10, 41)
    np.testing.assert_allclose(tanh(z), 2.0 * sigmoid(2.0 * z) - 1.0, atol=1e-14)


def test_relu_matches_max_zero_z():
    z = np.linspace(-5, 5, 21)
    np.testing.assert_array_equal(relu(z), [max(0.0, v) for v in z])
    assert relu(-0.0) == 0.0


def test_softmax_small_case_by_hand():
    # e^{log k} = k, so the shares are 1/6, 2/6, 3/6.
    np.testing.assert_allclose(softmax(np.log([1.0, 2.0, 3.0])), [1 / 6, 2 / 6, 3 / 6], rtol=1e-14)
    np.testing.assert_allclose(softmax([0.0, 0.0, 0.0, 0.0]), [0.25] * 4)


def test_softmax_matches_math_exp_row_by_row():
    Z = np.random.default_rng(0).normal(scale=3.0, size=(6, 5))
    for row, out in zip(Z, softmax(Z)):
        total = sum(math.exp(v) for v in row)
        np.testing.assert_allclose(out, [math.exp(v) / total for v in row], rtol=1e-13)


def test_softmax_properties():
    Z = np.random.default_rng(1).normal(scale=5.0, size=(8, 4))
    A = softmax(Z)
    assert np.all(A > 0)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(Z + 123.4), A, rtol=1e-12)  # shift invariance
    np.testing.assert_array_equal(np.argmax(A, axis=1), np.argmax(Z, axis=1))  # order kept


def test_softmax_of_two_scores_is_sigmoid_of_their_difference():
    a, b = np.random.default_rng(2).normal(scale=4.0, size=(2, 20))
    out = softmax(np.column_stack([a, b]))
    np.testing.assert_allclose(out[:, 0], sigmoid(a - b), rtol=1e-13)


def test_softmax_axis():
    Z = np.random.default_rng(3).normal(size=(3, 4, 5))
    np.testing.assert_allclose(softmax(Z, axis=0), np.moveaxis(softmax(np.moveaxis(Z, 0, -1)), -1, 0))
    np.testing.assert_allclose(softmax(Z, axis=1).sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(Z[0], axis=0), softmax(Z[0].T).T, rtol=1e-14)
    np.testing.assert_array_equal(softmax(Z, axis=-1), softmax(Z, axis=2))


def test_softmax_of_a_single_score_is_one():
    out = softmax(3.7)
    assert np.ndim(out) == 0 and out == 1.0
    assert softmax(np.float64(-1e308)) == 1.0
    np.testing.assert_array_equal(softmax([42.0]), [1.0])


# --- shapes and input types -----------------------------------------------------------

@pytest.mark.parametrize("g", ALL, ids=lambda g: g.__name__)
@pytest.mark.parametrize("shape", [(), (1,), (4,), (3, 2), (2, 3, 4)])
def test_output_has_the_input_shape_and_float_dtype(g, shape):
    z = np.random.default_rng(4).normal(size=shape)
    out = g(z)
    assert np.shape(out) == shape
    assert np.asarray(out).dtype == np.float64


@pytest.mark.parametrize("g", ALL, ids=lambda g: g.__name__)
def test_lists_ints_bools_and_float32_are_accepted(g):
    expected = g(np.array([-1.0, 0.0, 2.0]))
    out = g([-1, 0, 2])
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(g([True, False]), g([1.0, 0.0]))
    out32 = g(np.array([-1, 0, 2], dtype=np.float32))
    assert out32.dtype == np.float32  # float32 stays float32, as in Keras
    np.testing.assert_allclose(out32, expected, rtol=1e-6)


@pytest.mark.parametrize("g", ALL, ids=lambda g: g.__name__)
def test_input_is_not_modified(g):
    z = np.array([[-1.0, 0.5, 3.0], [2.0, -2.0, 0.0]])
    before = z.copy()
    g(z)
    np.testing.assert_array_equal(z, before)


# --- extremes -------------------------------------------------------------------------

EXTREMES = np.array([-1e308, -1000.0, -1.0, 0.0, 1.0, 1000.0, 1e308])
LIMITS = {
    "linear": EXTREMES,
    "step": [0, 0, 0, 1, 1, 1, 1],
    "sigmoid": [0, 0, 1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-1)), 1, 1],
    "tanh": [-1, -1, math.tanh(-1), 0, math.tanh(1), 1, 1],
    "relu": [0, 0, 0, 0, 1, 1000, 1e308],
}


@pytest.mark.parametrize("name", LIMITS)
def test_elementwise_extremes_are_finite_and_silent(name, strict_numerics):
    out = ACTIVATIONS[name](EXTREMES)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, LIMITS[name], rtol=1e-15, atol=0)


@pytest.mark.parametrize("z, expected", [
    ([-1000.0, 1000.0], [0.0, 1.0]),
    ([1000.0, 1000.0], [0.5, 0.5]),
    ([-1000.0, -1000.0, -1000.0], [1 / 3, 1 / 3, 1 / 3]),
    ([1000.0, 999.0], [1 / (1 + math.exp(-1)), 1 / (1 + math.e)]),
    ([1e308, 0.0], [1.0, 0.0]),
    ([-1e308, 0.0], [0.0, 1.0]),
    ([1e308, 1e308], [0.5, 0.5]),
    ([-1e308, -1e308], [0.5, 0.5]),
])
def test_softmax_extremes_are_finite_and_silent(z, expected, strict_numerics):
    # Scores more than the float range apart (e.g. [1e308, -1e308]) are left out:
    # z - max(z) then overflows to -inf, which NumPy reports as an overflow warning
    # even though e^{-inf} = 0 is the right share.
    out = softmax(np.array(z))
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)


def test_softmax_extremes_in_a_batch(strict_numerics):
    Z = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0]])
    np.testing.assert_allclose(softmax(Z), [[0, 0, 1], [0.5, 0.5, 0]], atol=0)
    np.testing.assert_allclose(softmax(Z, axis=0), [[0, 0, 1], [1, 1, 0]], atol=0)


def test_strict_numerics_fixture_is_not_vacuous(strict_numerics):
    # The naive formula overflows at z = -1000; under the fixture that must raise.
    with pytest.raises(FloatingPointError, match="overflow"):
        1.0 / (1.0 + np.exp(-np.array([-1000.0])))


# --- get_activation and bad input ----------------------------------------------------

def test_get_activation_by_name_and_callable():
    for name, g in ACTIVATIONS.items():
        assert get_activation(name) is g

    def my_g(z):
        return 2 * z

    # your own g comes back wrapped in a shape check, computing the same values
    z = np.linspace(-2, 2, 6).reshape(2, 3)
    assert get_activation(my_g).__name__ == "my_g"
    np.testing.assert_array_equal(get_activation(my_g)(z), my_g(z))
    np.testing.assert_array_equal(get_activation(np.sin)(z), np.sin(z))
    wrapped = get_activation(my_g)
    assert get_activation(wrapped) is wrapped  # not wrapped twice


@pytest.mark.parametrize("wrong", [np.sum, np.transpose, lambda z: z[..., :1]],
                         ids=["sum", "transpose", "first column"])
def test_an_activation_that_changes_the_shape_is_reported(wrong):
    z = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"returned shape .* for z of shape \(2, 3\); an "
                                         "activation must keep z's shape"):
        get_activation(wrong)(z)
    with pytest.raises(ValueError, match="must keep z's shape"):
        nnlib.sequential(np.ones((2, 2)), [(np.ones((2, 3)), np.zeros(3), wrong)])


@pytest.mark.parametrize("bad", ["ReLU", "sigmod", "", "soft max"])
def test_get_activation_unknown_name(bad):
    with pytest.raises(ValueError, match=rf"unknown activation {bad!r}; expected one of 'linear', "
                                         r"'step', 'sigmoid', 'tanh', 'relu', 'softmax' or a callable"):
        get_activation(bad)


def test_get_activation_names_the_calling_function():
    with pytest.raises(ValueError, match=r"^dense: unknown activation 'Relu'"):
        get_activation("Relu", "dense")


@pytest.mark.parametrize("bad, type_name", [(3, "int"), (None, "NoneType"), (["relu"], "list")])
def test_get_activation_wrong_type(bad, type_name):
    with pytest.raises(TypeError, match=rf"activation must be a name \(str\) or a callable, got {type_name}"):
        get_activation(bad)


@pytest.mark.parametrize("g", ALL, ids=lambda g: g.__name__)
@pytest.mark.parametrize("bad, type_name", [("1.5", "str"), (None, "NoneType"), (["a", "b"], "list"),
                                            ({"z": 1}, "dict")])
def test_non_numeric_input_is_a_type_error(g, bad, type_name):
    with pytest.raises(TypeError, match=rf"^{g.__name__}: z must hold numbers, got {type_name}"):
        g(bad)


def test_softmax_bad_axis():
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds"):
        softmax(np.zeros((2, 3)), axis=2)
