"""Bad input never passes silently: each case gives one clear error naming what was expected.

The cases come from a sweep of every public entry point with the mistakes a learner
makes (wrong shapes, a forgotten return, a bool for a number, empty data, nan and
inf). Each must raise the stated error with a message a learner can act on; none may
return a wrong result, leak a NumPy warning or hand back nan. `strict_numerics` turns
every warning and NumPy floating-point flag into an error, so a leak fails the test.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import datasets

W, B = np.ones((2, 3)), np.zeros(3)
LAYERS = [(np.ones((2, 3)), np.zeros(3), "sigmoid"), (np.ones((3, 1)), np.zeros(1), "sigmoid")]
X, Y = np.ones((4, 2)), np.ones((4, 1))

CASES = {
    # silent before: a wrong result or nan with no error
    "numeric_gradient, f returns None": (
        lambda: nnlib.numeric_gradient(lambda x: None, np.ones(2)),
        TypeError, r"f must return a number .* got NoneType; did f forget to return\?"),
    "loss_derivative broadcasts (3,) against (3, 1)": (
        lambda: nnlib.loss_derivative("mse", np.ones(3), np.ones((3, 1))),
        ValueError, r"loss_derivative: y_true has shape \(3,\) but y_pred has shape \(3, 1\)"),
    "output_backward broadcasts (3,) against (3, 1)": (
        lambda: nnlib.output_backward("sigmoid", "binary_crossentropy", np.ones((3, 1)),
                                      np.full((3, 1), 0.5), np.ones(3)),
        ValueError, r"output_backward: y_true has shape \(3,\) but y_pred has shape \(3, 1\)"),
    "activation_backward broadcasts (3,) against (3, 1)": (
        lambda: nnlib.activation_backward("tanh", np.ones((3, 1)), np.ones((3, 1)), np.ones(3)),
        ValueError, r"same shape, got Z \(3, 1\), A \(3, 1\), dA \(3,\)"),
    "sequential with no layers": (
        lambda: nnlib.sequential(X, []),
        ValueError, r"sequential: layers is empty; expected a list of layers"),
    "a callable activation returning the wrong shape": (
        lambda: nnlib.sequential(X, [(W, B, np.sum)]),
        ValueError, r"activation 'sum' returned shape \(\) for z of shape \(4, 3\)"),
    "fit(lr=True)": (
        lambda: nnlib.fit(X, Y, LAYERS, lr=True),
        TypeError, r"fit: lr must be a positive number, got True \(bool\)"),
    "fit(epochs=True)": (
        lambda: nnlib.fit(X, Y, LAYERS, epochs=True),
        TypeError, r"fit: epochs must be a positive integer, got True \(bool\)"),
    "fit(lr='0.1')": (
        lambda: nnlib.fit(X, Y, LAYERS, lr="0.1"),
        TypeError, r"fit: lr must be a positive number, got '0.1' \(str\)"),
    "step(nan)": (
        lambda: nnlib.step(np.nan),
        ValueError, r"step: z contains nan"),
    "fit on zero examples": (
        lambda: nnlib.fit(np.ones((0, 2)), np.ones((0, 1)), LAYERS),
        ValueError, r"fit: X is empty \(shape \(0, 2\)\)"),
    "sequential with nan in X": (  # the layers run their formulas unchecked after this check
        lambda: nnlib.sequential(np.array([[0.5, np.nan]]), LAYERS),
        ValueError, r"sequential: X contains nan \(first at index \(0, 1\)\)"),
    "backprop with nan in W": (
        lambda: nnlib.backprop(X, Y, [(np.full((2, 1), np.nan), np.zeros(1), "sigmoid")],
                               "binary_crossentropy"),
        ValueError, r"backprop: layer 0: W contains nan"),
    # unclear before: an error, but one that did not say what was wrong
    "to_keras on a bare tuple": (
        lambda: nnlib.to_keras(LAYERS[0]),
        TypeError, r"to_keras: layers must be a list .* got a single tuple; wrap it in a list"),
    "to_keras on (W, b) pairs": (
        lambda: nnlib.to_keras([(W, B)]),
        TypeError, r"to_keras: layer 0 is a pair \(W, b\) without an activation"),
    "dense_backward with mismatched shapes": (
        lambda: nnlib.dense_backward(np.ones((4, 3)), np.ones((5, 2)), W),
        ValueError, r"dense_backward: with W \(2, 3\), dZ \(4, 3\) and A_prev \(5, 2\), A_prev "
                    r"must have shape \(4, 2\)"),
    "dense_backward with a 1-D dZ": (
        lambda: nnlib.dense_backward(np.ones(3), np.ones((1, 2)), W),
        ValueError, r"dense_backward: dZ must be 2-D, got shape \(3,\)"),
    "numeric_gradient(eps='1e-6')": (
        lambda: nnlib.numeric_gradient(lambda x: float(x.sum()), np.ones(2), eps="1e-6"),
        TypeError, r"numeric_gradient: eps must be a positive number, got '1e-6' \(str\)"),
    "numeric_gradient with f not callable": (
        lambda: nnlib.numeric_gradient(3.0, np.ones(2)),
        TypeError, r"numeric_gradient: f must be a function of x, got float"),
    "coffee_roasting(m=-1)": (
        lambda: datasets.coffee_roasting(m=-1),
        ValueError, r"coffee_roasting: m must be a positive integer, got -1"),
    "coffee_roasting(m=2.5)": (
        lambda: datasets.coffee_roasting(m=2.5),
        ValueError, r"coffee_roasting: m must be a positive integer, got 2.5"),
    "two_moons(noise=-1)": (
        lambda: datasets.two_moons(noise=-1),
        ValueError, r"two_moons: noise must be a number >= 0, got -1"),
    # leaked a NumPy warning or nan before
    "normalize a constant feature": (
        lambda: datasets.normalize(np.ones((3, 2)), *datasets.normalization_stats(np.ones((3, 2)))),
        ValueError, r"normalize: std must be positive for every feature, but feature\(s\) \[0, 1\]"),
    "categorical_crossentropy on an all-zero row": (
        lambda: nnlib.categorical_crossentropy(np.eye(2), np.array([[0.0, 0.0], [0.5, 0.5]])),
        ValueError, r"categorical_crossentropy: y_pred must hold each example's class "
                    r"probabilities .* the row at \(0,\) sums to 0"),
    "mse on zero examples": (
        lambda: nnlib.mse(np.ones((0, 1)), np.ones((0, 1))),
        ValueError, r"mse: y_true is empty \(shape \(0, 1\)\)"),
    "sigmoid(nan)": (
        lambda: nnlib.sigmoid(np.array([0.0, np.nan])),
        ValueError, r"sigmoid: z contains nan \(first at index \(1,\)\)"),
    "softmax of a row of -inf": (
        lambda: nnlib.softmax(np.array([-np.inf, -np.inf])),
        ValueError, r"softmax: every score of an example is -inf"),
    "to_keras with W = 1e308 in float32": (
        lambda: nnlib.to_keras([(np.full((2, 1), 1e308), np.zeros(1), "linear")]),
        ValueError, r"to_keras: layer 0 holds weights beyond the largest float32 .* "
                    r"use dtype='float64'"),
    # Part IV: optimisers, rates, mini-batches, validation data, labels
    "SGD(lr=0.1), the Keras 2 name": (
        lambda: nnlib.SGD(lr=0.1),
        TypeError, r"SGD: unknown argument\(s\) 'lr' \(Keras 3 calls it learning_rate\); expected "
                   r"learning_rate, momentum"),
    "Adam(beta1=0.9)": (
        lambda: nnlib.Adam(beta1=0.9),
        TypeError, r"Adam: unknown argument\(s\) 'beta1'; expected learning_rate, beta_1, beta_2, epsilon"),
    "SGD(learning_rate=-0.1)": (
        lambda: nnlib.SGD(learning_rate=-0.1),
        ValueError, r"SGD: learning_rate must be a positive number, got -0.1"),
    "Adam(learning_rate=nan)": (
        lambda: nnlib.Adam(learning_rate=np.nan),
        ValueError, r"Adam: learning_rate must be a positive number, got nan"),
    "Adam(beta_2=1.0)": (
        lambda: nnlib.Adam(beta_2=1.0),
        ValueError, r"Adam: beta_2 must be a number in \[0, 1\), got 1.0"),
    "SGD(momentum=-0.5)": (
        lambda: nnlib.SGD(momentum=-0.5),
        ValueError, r"SGD: momentum must be a number >= 0, got -0.5"),
    "ExponentialDecay(decay_steps=0)": (
        lambda: nnlib.ExponentialDecay(0.1, 0, 0.5),
        ValueError, r"ExponentialDecay: decay_steps must be a positive integer, got 0"),
    "dropout(rate=1)": (
        lambda: nnlib.dropout(X, 1.0),
        ValueError, r"dropout: rate must be a number in \[0, 1\), got 1.0"),
    "Dropout(rate=nan) in a network": (
        lambda: nnlib.sequential(X, [LAYERS[0], nnlib.Dropout(np.nan), LAYERS[1]]),
        ValueError, r"sequential: layer 1: the dropout rate must be a number in \[0, 1\), got nan"),
    "fit(lr=-0.1)": (
        lambda: nnlib.fit(X, Y, LAYERS, lr=-0.1),
        ValueError, r"fit: lr must be a positive number, got -0.1"),
    "fit(l2=-1)": (
        lambda: nnlib.fit(X, Y, LAYERS, l2=-1),
        ValueError, r"fit: l2 must be a number >= 0, got -1"),
    "fit with both lr and optimizer": (
        lambda: nnlib.fit(X, Y, LAYERS, lr=0.1, optimizer=nnlib.Adam()),
        ValueError, r"fit: give either lr .* or an optimizer .*, not both"),
    "fit(optimizer='adam')": (
        lambda: nnlib.fit(X, Y, LAYERS, optimizer="adam"),
        TypeError, r"fit: optimizer must be an optimiser such as nnlib.SGD\(...\) .* got str"),
    "fit(batch_size=0)": (
        lambda: nnlib.fit(X, Y, LAYERS, batch_size=0),
        ValueError, r"fit: batch_size must be a positive integer, got 0"),
    "fit(batch_size=5) with m = 4": (
        lambda: nnlib.fit(X, Y, LAYERS, batch_size=5),
        ValueError, r"fit: batch_size must be at most the number of examples m = 4, got 5"),
    "fit with validation X of the wrong width": (
        lambda: nnlib.fit(X, Y, LAYERS, validation_data=(np.ones((3, 5)), np.ones((3, 1)))),
        ValueError, r"fit: validation_data's X_val has shape \(3, 5\), but each training example has "
                    r"shape \(2,\); expected \(m_val, 2\)"),
    "fit with validation y of the wrong shape": (
        lambda: nnlib.fit(X, Y, LAYERS, validation_data=(np.ones((3, 2)), np.ones(3))),
        ValueError, r"fit: validation_data: y has shape \(3,\), but the network's output has shape \(3, 1\)"),
    "fit with validation_data not a pair": (
        lambda: nnlib.fit(X, Y, LAYERS, validation_data=np.ones((3, 2))),
        TypeError, r"fit: validation_data must be a pair \(X_val, y_val\)"),
    "fit with one-hot labels for the wrong number of classes": (
        lambda: nnlib.fit(X, np.eye(2)[[0, 1, 1, 0]], [(W, B, "softmax")], "categorical_crossentropy"),
        ValueError, r"fit: y has shape \(4, 2\), but the network's output has shape \(4, 3\)"),
    "fit with sparse labels beyond the classes": (
        lambda: nnlib.fit(X, [0, 1, 3, 0], [(W, B, "softmax")], "sparse_categorical_crossentropy"),
        ValueError, r"fit: sparse_categorical_crossentropy: labels must lie in 0..2 for 3 classes, got "
                    r"values from 0 to 3"),
    "fit with sparse labels for a different m": (
        lambda: nnlib.fit(X, [0, 1, 2], [(W, B, "softmax")], "sparse_categorical_crossentropy"),
        ValueError, r"fit: sparse_categorical_crossentropy: y_true must hold one integer label per "
                    r"example, shape \(4,\)"),
    "fit with numeric gradients through Dropout": (
        lambda: nnlib.fit(X, Y, [LAYERS[0], nnlib.Dropout(0.5), LAYERS[1]], gradient="numeric"),
        ValueError, r"fit: numeric gradients run the network in prediction mode, where Dropout does nothing"),
    "fit(patience=-1)": (
        lambda: nnlib.fit(X, Y, LAYERS, patience=-1),
        ValueError, r"fit: patience must be an integer >= 0 or None, got -1"),
    "make_network with too few activations": (
        lambda: nnlib.make_network([2, 3, 1], ["relu"]),
        ValueError, r"make_network: 3 sizes make 2 layers, so 2 activations are needed; got 1"),
    "to_keras on a Dropout with a fixed mask": (
        lambda: nnlib.to_keras([LAYERS[0], nnlib.Dropout(0.5, mask=np.ones((4, 3))), LAYERS[1]]),
        ValueError, r"to_keras: layer 1 is a Dropout with a fixed mask, which Keras's Dropout cannot hold"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_a_clear_error(case, strict_numerics):
    call, error, message = CASES[case]
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("z, expected", [
    (np.array([np.inf, 0.0]), np.array([1.0, 0.0])),
    (np.array([[np.inf, np.inf, 1.0]]), np.array([[0.5, 0.5, 0.0]])),
    (np.array([-np.inf, 0.0]), np.array([0.0, 1.0])),
])
def test_softmax_with_infinite_scores_is_its_limit(z, expected, strict_numerics):
    np.testing.assert_array_equal(nnlib.softmax(z), expected)


def test_from_keras_on_a_model_without_weights():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.layers.Dense(2)])  # no Input: not built, no weights yet
    with pytest.raises(ValueError, match=r"from_keras: the model has no weights yet; build it first"):
        nnlib.from_keras(model)
