"""nnlib: the NumPy code behind the textbook *Neural Networks from Scratch*.

Shapes follow Keras: a layer's ``W`` is ``(n_in, n_units)``, its ``b`` is
``(n_units,)``, a batch ``X`` is ``(m, n_in)``, and a layer computes
``g(X @ W + b)``.

One module per idea, each with its derivative beside it:

- `activations`: g(z) and g'(z);
- `losses`: the losses, their derivatives and the output layer's dZ;
- `layers`: a neuron, a dense layer (loop and vectorized), and `Dense` with its backward pass;
- `network`: lists of layers, checked and run forward (`sequential`);
- `gradients`: numeric gradients; `backprop`: backpropagation and the gradient check;
- `initializers`: Keras's initial weights, and whole networks from sizes (`make_network`);
- `regularizers`: the L2 penalty (Dropout is a layer, in `layers`);
- `optimizers`: SGD with momentum, Adam, and learning-rate schedules;
- `conv`: convolution, max pooling and flattening of images, loop and vectorized, as layers;
- `training`: gradient descent (`fit`); `keras_bridge`: networks to and from Keras;
- `metrics`: judging a classifier, with scikit-learn's names (``nnlib.metrics.roc_curve``).
"""

__version__ = "0.1.0"

from . import metrics  # noqa: F401  (nnlib.metrics, as sklearn.metrics)
from .activations import (
    ACTIVATIONS,
    DERIVATIVES,
    activation_backward,
    activation_derivative,
    get_activation,
    linear,
    relu,
    sigmoid,
    softmax,
    softmax_backward,
    step,
    tanh,
)
from .backprop import backprop, gradient_check
from .conv import Conv2D, Flatten, MaxPooling2D, conv2d, conv2d_loop, max_pool2d
from .gradients import numeric_gradient, numeric_gradients, relative_error
from .initializers import glorot_uniform, he_normal, make_network
from .keras_bridge import from_keras, to_keras
from .layers import Dense, Dropout, dense, dense_backward, dense_loop, dropout, neuron
from .losses import (
    LOSSES,
    binary_crossentropy,
    categorical_crossentropy,
    from_logits,
    get_loss,
    log_softmax,
    loss_derivative,
    mse,
    output_backward,
    sparse_categorical_crossentropy,
    squared_error,
)
from .network import sequential
from .optimizers import SGD, Adam, ExponentialDecay
from .regularizers import l2_penalty
from .show import show_source
from .training import fit

__all__ = [
    "ACTIVATIONS", "get_activation", "linear", "step", "sigmoid", "tanh", "relu", "softmax",
    "DERIVATIVES", "activation_derivative", "activation_backward", "softmax_backward",
    "neuron", "dense_loop", "dense", "dense_backward", "Dense", "sequential",
    "squared_error", "mse", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "LOSSES", "get_loss", "loss_derivative", "output_backward",
    "numeric_gradient", "numeric_gradients", "relative_error",
    "backprop", "gradient_check", "fit", "show_source", "to_keras", "from_keras",
    "from_logits", "log_softmax", "Dropout", "dropout", "glorot_uniform", "he_normal", "make_network",
    "l2_penalty", "SGD", "Adam", "ExponentialDecay",
    "Conv2D", "MaxPooling2D", "Flatten", "conv2d", "conv2d_loop", "max_pool2d",
]
