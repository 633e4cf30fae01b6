"""nnlib: the NumPy code behind the textbook *Neural Networks from Scratch*.

Shapes follow Keras: a layer's ``W`` is ``(n_in, n_units)``, its ``b`` is
``(n_units,)``, a batch ``X`` is ``(m, n_in)``, and a layer computes
``g(X @ W + b)``.
"""

from .activations import ACTIVATIONS, get_activation, linear, relu, sigmoid, softmax, step, tanh
from .keras_bridge import from_keras, to_keras
from .layers import dense, dense_loop, neuron, sequential
from .losses import (
    binary_crossentropy,
    categorical_crossentropy,
    mse,
    sparse_categorical_crossentropy,
    squared_error,
)
from .show import show_source
from .derivatives import (
    DERIVATIVES,
    LOSSES,
    activation_backward,
    activation_derivative,
    get_loss,
    loss_derivative,
    output_backward,
    softmax_backward,
)
from .gradients import numeric_gradient, numeric_gradients, relative_error
from .training import backprop, dense_backward, fit, gradient_check

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "get_activation", "linear", "step", "sigmoid", "tanh", "relu", "softmax",
    "neuron", "dense_loop", "dense", "sequential",
    "squared_error", "mse", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "show_source", "to_keras", "from_keras",
    "LOSSES", "get_loss", "DERIVATIVES", "activation_derivative", "activation_backward",
    "softmax_backward", "loss_derivative", "output_backward",
    "numeric_gradient", "numeric_gradients", "relative_error",
    "backprop", "dense_backward", "fit", "gradient_check",
]
