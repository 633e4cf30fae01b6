"""Convolution and pooling layers, in Keras's layout (``channels_last``).

- A batch of images ``X`` has shape ``(m, h, w, c_in)``: m examples of h rows, w columns and
  c_in channels; one image ``x`` is ``(h, w, c_in)``.
- A kernel ``K`` has shape ``(kh, kw, c_in, c_out)``: ``K[:, :, :, f]`` is filter f, one
  kh × kw window deep enough for every input channel; ``b`` has one bias per filter, ``(c_out,)``.

Filter f at output position (i, j) computes ``z[i, j, f] = Σ window ⊙ K[:, :, :, f] + b[f]``,
where ``window = x[i·s : i·s + kh, j·s : j·s + kw, :]`` for stride s. Like Keras's ``Conv2D``
(and most deep learning libraries), this is a cross-correlation: the kernel is *not* flipped, as
it would be in the convolution of signal processing (Goodfellow et al., *Deep Learning*, §9.1).

`conv2d_loop` computes that formula with loops; `conv2d` and the `Conv2D` layer turn every window
into one row of a matrix (`im2col`) and multiply by the kernel once. The layers `Conv2D`,
`MaxPooling2D` and `Flatten` follow the protocol of `nnlib.layers` (``params``, ``with_params``,
``checked``, ``forward``, ``backward``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array, check_not_nan, positive_int
from .activations import ActivationLike, activation_formula, chain_rule, get_activation

PADDINGS = ("valid", "same")


# ---------------------------------------------------------------- the formula, with loops

def conv2d_loop(x, K, b, activation: ActivationLike = "linear") -> np.ndarray:
    """A convolution layer for one image, one output value at a time (stride 1, valid padding).

    Parameters
    ----------
    x : array_like, shape (h, w, c_in)
        One image.
    K : array_like, shape (kh, kw, c_in, c_out)
        c_out filters, each a kh × kw window over all c_in channels.
    b : array_like, shape (c_out,)
        One bias per filter.
    activation : str or callable

    Returns
    -------
    numpy.ndarray, shape (h − kh + 1, w − kw + 1, c_out)
        ``g(z)`` with ``z[i, j, f] = Σ x[i:i+kh, j:j+kw, :] ⊙ K[:, :, :, f] + b[f]``.
    """
    x, K, b, g = _check_one_image("conv2d_loop", x, K, b, activation)
    kh, kw, _, c_out = K.shape
    h_out, w_out = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    z = np.zeros((h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            window = x[i:i + kh, j:j + kw, :]  # (kh, kw, c_in), the same shape as one filter
            for f in range(c_out):
                z[i, j, f] = np.sum(window * K[:, :, :, f]) + b[f]
    return g(z)


# ---------------------------------------------------------------- vectorized: windows as rows

def same_padding(size: int, k: int, stride: int) -> tuple[int, int]:
    """The zeros ``(before, after)`` that ``padding="same"`` adds along one axis, as Keras does.

    Enough for ``ceil(size / stride)`` outputs. When the total is odd, the extra zero goes
    after (at the bottom or right), as in TensorFlow.
    """
    total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def pad(X: np.ndarray, kh: int, kw: int, stride: int, padding: str) -> np.ndarray:
    """X ``(m, h, w, c)`` with the rows and columns of zeros that `padding` asks for."""
    if padding == "valid":
        return X
    return np.pad(X, [(0, 0), *_pads(X.shape[1], X.shape[2], kh, kw, stride, padding), (0, 0)])


def im2col(X: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Every kh × kw window of X ``(m, h, w, c)``, flattened: ``(m, h_out, w_out, kh·kw·c)``.

    Entry ``[n, i, j]`` holds the window of example n whose top-left corner is at row
    ``i·stride``, column ``j·stride``, in the order of ``K.reshape(kh·kw·c, c_out)``'s rows.
    """
    windows = sliding_window_view(X, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]  # (m, h_out, w_out, c, kh, kw)
    windows = windows.transpose(0, 1, 2, 4, 5, 3)  # (m, h_out, w_out, kh, kw, c), like K's first axes
    return windows.reshape(*windows.shape[:3], -1)


def col2im(dcols: np.ndarray, padded_shape: tuple, kh: int, kw: int, stride: int) -> np.ndarray:
    """The transpose of `im2col`: add each window's gradient back onto the pixels it came from.

    A pixel lying in several windows receives the sum of their gradients. One loop
    step per kernel position (di, dj) adds, for every window at once, the gradient
    of the pixel at that position in the window.
    """
    m, h_out, w_out, _ = dcols.shape
    dcols = dcols.reshape(m, h_out, w_out, kh, kw, -1)
    dX = np.zeros(padded_shape, dtype=dcols.dtype)
    for di in range(kh):
        for dj in range(kw):
            dX[:, di:di + stride * h_out:stride, dj:dj + stride * w_out:stride, :] += dcols[:, :, :, di, dj, :]
    return dX


def conv2d(X, K, b, activation: ActivationLike = "linear", stride: int = 1, padding: str = "valid") -> np.ndarray:
    """A convolution layer on a batch, vectorized as Keras's ``Conv2D``: `im2col`, then one product.

    Parameters
    ----------
    X : array_like, shape (m, h, w, c_in)
        A batch of m images.
    K : array_like, shape (kh, kw, c_in, c_out)
    b : array_like, shape (c_out,)
    activation : str or callable
    stride : int
        Steps between windows, along rows and columns alike.
    padding : {"valid", "same"}
        ``"valid"``: windows lie inside the image, ``h_out = (h − kh) // stride + 1``.
        ``"same"``: zeros around it, ``h_out = ceil(h / stride)`` (see `same_padding`).

    Returns
    -------
    numpy.ndarray, shape (m, h_out, w_out, c_out)
    """
    X = _images(X, "X", "conv2d")
    layer, _ = Conv2D(K, b, activation, stride, padding).checked(X.shape[1:], "conv2d")
    A, _ = layer.forward(X)
    return A


# ---------------------------------------------------------------- max pooling

def _pool_windows(X: np.ndarray, p: int) -> np.ndarray:
    """The p × p windows of X ``(m, h, w, c)`` side by side, flattened: ``(m, h // p, w // p, c, p·p)``.

    Rows and columns beyond the last whole window are left out, as Keras's ``padding="valid"``.
    """
    m, h, w, c = X.shape
    h_out, w_out = h // p, w // p
    blocks = X[:, :h_out * p, :w_out * p, :].reshape(m, h_out, p, w_out, p, c)
    return blocks.transpose(0, 1, 3, 5, 2, 4).reshape(m, h_out, w_out, c, p * p)


def max_pool2d(X, pool_size: int = 2) -> np.ndarray:
    """The largest value of each pool_size × pool_size window, channel by channel.

    As Keras's ``MaxPooling2D(pool_size)``: windows side by side (strides = pool_size),
    ``padding="valid"``, so the output is ``(m, h // pool_size, w // pool_size, c)``.
    """
    X = _images(X, "X", "max_pool2d")
    layer, _ = MaxPooling2D(pool_size).checked(X.shape[1:], "max_pool2d")
    A, _ = layer.forward(X)
    return A


# ---------------------------------------------------------------- the layers

class ConvCache(NamedTuple):
    """What `Conv2D.forward` keeps for the backward pass."""

    in_shape: tuple
    cols: np.ndarray  # im2col of the padded input, (m, h_out, w_out, kh·kw·c_in)
    Z: np.ndarray
    A: np.ndarray


class Conv2D(NamedTuple):
    """Keras's ``Conv2D(c_out, (kh, kw), strides=stride, padding=padding, activation=activation)``.

    Its parameters are the kernel K ``(kh, kw, c_in, c_out)`` and the biases b ``(c_out,)``.
    """

    K: np.ndarray
    b: np.ndarray
    activation: ActivationLike = "linear"
    stride: int = 1
    padding: str = "valid"

    @property
    def params(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.K, self.b)

    def with_params(self, params) -> Conv2D:
        K, b = params
        return self._replace(K=K, b=b)

    def checked(self, in_shape: tuple, where: str) -> tuple[Conv2D, tuple]:
        """The layer with K and b as float arrays, checked against one image of shape ``(h, w, c_in)``;
        and the shape of the image it passes on, ``(h_out, w_out, c_out)``."""
        K = as_float_array(self.K, "the kernel K", where, ndims=(4,))
        b = as_float_array(self.b, "b", where, ndims=(1,))
        check_not_nan(K, "K", where), check_not_nan(b, "b", where)
        get_activation(self.activation, where)
        stride = positive_int(self.stride, "stride", where)
        padding = _padding(self.padding, where)
        kh, kw, c_in, c_out = K.shape
        h, w, c = _image_shape(in_shape, where, c_in)
        if c != c_in:
            raise ValueError(f"{where}: each image has {c} channel{'s' if c != 1 else ''} (shape {(h, w, c)}), "
                             f"but K of shape {K.shape} (kh, kw, c_in, c_out) expects c_in = {c_in}"
                             + _torch_hint(K.shape, c, b.shape))
        if b.shape != (c_out,):
            raise ValueError(f"{where}: b must have one bias per filter, shape ({c_out},) for K of shape "
                             f"{K.shape} (kh, kw, c_in, c_out), got {b.shape}" + _torch_hint(K.shape, c, b.shape))
        if padding == "valid" and (kh > h or kw > w):
            raise ValueError(f"{where}: the kernel ({kh} × {kw}) is larger than the image ({h} × {w}); with "
                             "padding='valid' every window must lie inside the image. Use a smaller kernel "
                             "or padding='same'")
        out = (_out_size(h, kh, stride, padding), _out_size(w, kw, stride, padding), c_out)
        return Conv2D(K, b, self.activation, stride, padding), out

    def forward(self, A_prev, training: bool = False, rng=None) -> tuple[np.ndarray, ConvCache]:
        """``Z = im2col(A_prev) @ K`` (as a (kh·kw·c_in, c_out) matrix) ``+ b``, and ``A = g(Z)``."""
        kh, kw, _, c_out = self.K.shape
        cols = im2col(pad(A_prev, kh, kw, self.stride, self.padding), kh, kw, self.stride)
        Z = cols @ self.K.reshape(-1, c_out) + self.b  # a dense layer applied to every window
        A = activation_formula(self.activation)(Z)
        return A, ConvCache(A_prev.shape, cols, Z, A)

    def backward(self, dA, cache: ConvCache, pass_on: bool = True) -> tuple[np.ndarray | None, tuple]:
        """From dA through g to dZ; then dK, db and dA_prev as for a dense layer whose inputs are
        the windows, each window's gradient added back onto its pixels by `col2im`.

        The first layer of a network (`pass_on` False) has no layer before it to pass dA_prev on to.
        """
        dZ = chain_rule(self.activation, cache.Z, cache.A, dA)
        kh, kw, c_in, c_out = self.K.shape
        # A dense layer on the windows: one row per window (every example and position), the kernel as W.
        cols = cache.cols.reshape(-1, kh * kw * c_in)
        dZ_rows = dZ.reshape(-1, c_out)
        W = self.K.reshape(-1, c_out)
        dK, db = (cols.T @ dZ_rows).reshape(self.K.shape), dZ_rows.sum(axis=0)
        if not pass_on:
            return None, (dK, db)
        m, h, w, _ = cache.in_shape
        (top, bottom), (left, right) = _pads(h, w, kh, kw, self.stride, self.padding)
        dA_padded = col2im(dZ @ W.T, (m, top + h + bottom, left + w + right, c_in), kh, kw, self.stride)
        return dA_padded[:, top:top + h, left:left + w, :], (dK, db)


class PoolCache(NamedTuple):
    """What `MaxPooling2D.forward` keeps: the input's shape and where each window's maximum was."""

    in_shape: tuple
    argmax: np.ndarray  # (m, h_out, w_out, c): the position in the window, 0 .. p·p − 1, row by row


class MaxPooling2D(NamedTuple):
    """Keras's ``MaxPooling2D(pool_size)``: the largest value of each window, no parameters."""

    pool_size: int = 2

    @property
    def params(self) -> tuple:
        return ()

    def with_params(self, params) -> MaxPooling2D:
        return self

    def checked(self, in_shape: tuple, where: str) -> tuple[MaxPooling2D, tuple]:
        """A checked copy, and the output's shape ``(h // pool_size, w // pool_size, c)``."""
        p = positive_int(self.pool_size, "pool_size", where)
        h, w, c = _image_shape(in_shape, where)
        if p > h or p > w:
            raise ValueError(f"{where}: pool_size {p} is larger than the image ({h} × {w}), so not one "
                             "whole window fits; use a smaller pool_size")
        return MaxPooling2D(p), (h // p, w // p, c)

    def forward(self, A_prev, training: bool = False, rng=None) -> tuple[np.ndarray, PoolCache]:
        """Each window's maximum; the cache remembers which entry it was."""
        windows = _pool_windows(A_prev, self.pool_size)
        return windows.max(axis=-1), PoolCache(A_prev.shape, windows.argmax(axis=-1))

    def backward(self, dA, cache: PoolCache, pass_on: bool = True) -> tuple[np.ndarray | None, tuple]:
        """Each window's gradient goes to its maximum alone; the other entries had no effect.

        On a tie the first maximum (row by row) gets it all, as with TensorFlow's gradient.
        """
        if not pass_on:
            return None, ()
        p = self.pool_size
        m, h_out, w_out, c = dA.shape
        routed = (np.arange(p * p) == cache.argmax[..., None]) * dA[..., None]  # (m, h_out, w_out, c, p·p)
        blocks = routed.reshape(m, h_out, w_out, c, p, p).transpose(0, 1, 4, 2, 5, 3)
        dA_prev = np.zeros(cache.in_shape, dtype=dA.dtype)
        dA_prev[:, :h_out * p, :w_out * p, :] = blocks.reshape(m, h_out * p, w_out * p, c)
        return dA_prev, ()


class Flatten(NamedTuple):
    """Keras's ``Flatten()``: each example's (h, w, c) values in one row, in row-major order.

    The order matters: a `Dense` layer after it holds one weight per entry of that row,
    so nnlib and Keras must lay them out alike to share weights.
    """

    @property
    def params(self) -> tuple:
        return ()

    def with_params(self, params) -> Flatten:
        return self

    def checked(self, in_shape: tuple, where: str) -> tuple[Flatten, tuple]:
        """Itself, and the output's shape ``(h·w·c,)``."""
        if in_shape is None:
            raise ValueError(f"{where}: a network cannot start with Flatten when no data fixes its "
                             "input shape; give the shape of one example")
        return self, (math.prod(in_shape),)

    def forward(self, A_prev, training: bool = False, rng=None) -> tuple[np.ndarray, tuple]:
        """``(m, h, w, c) → (m, h·w·c)``; the cache is the input's shape."""
        return A_prev.reshape(A_prev.shape[0], -1), A_prev.shape

    def backward(self, dA, in_shape: tuple, pass_on: bool = True) -> tuple[np.ndarray | None, tuple]:
        """The gradient reshaped back to the input's shape."""
        return (dA.reshape(in_shape) if pass_on else None), ()


# ---------------------------------------------------------------- checks

def _check_one_image(func: str, x, K, b, activation):
    """`conv2d_loop`'s arguments, converted and checked."""
    x = as_float_array(x, "x", func)
    if x.ndim != 3:
        hint = {2: f"; for a one-channel image add the channel axis: x.reshape({x.shape[0]}, {x.shape[-1]}, 1)",
                4: "; this is a batch: use conv2d, or pass one image, x[0]"}.get(x.ndim, "")
        raise ValueError(f"{func}: x must be one image (h, w, c_in), got shape {x.shape}{hint}")
    check_not_nan(x, "x", func)
    layer, _ = Conv2D(K, b, activation).checked(x.shape, func)
    return x, layer.K, layer.b, get_activation(activation, func)


def _images(X, name: str, func: str) -> np.ndarray:
    """A batch of images as a float array without nan (its shape is checked by the layer)."""
    X = as_float_array(X, name, func)
    if X.ndim == 3:
        raise ValueError(f"{func}: {name} must be a batch of images (m, h, w, c), got shape {X.shape}: for one "
                         f"image (h, w, c) use {name}[None]; for one-channel images (m, h, w) use {name}[..., None]")
    if X.ndim not in (2, 4):  # 2-D (m, h·w·c) gets its reshape hint from the layer
        raise ValueError(f"{func}: {name} must be a batch of images (m, h, w, c), got shape {X.shape}")
    return check_not_nan(X, name, func)


def _image_shape(in_shape, where: str, c_in: int | None = None) -> tuple[int, int, int]:
    """One example's shape as (h, w, c), or a clear error saying how to reshape the data."""
    if in_shape is None:
        raise ValueError(f"{where}: no data fixes the shape of the images reaching this layer; "
                         "give the shape of one example, (height, width, channels)")
    in_shape = tuple(int(n) for n in in_shape)
    if len(in_shape) == 3 and min(in_shape) == 0:
        raise ValueError(f"{where}: each image is empty, shape {in_shape} (height, width, channels); "
                         "expected at least one pixel and one channel")
    if len(in_shape) == 3:
        return in_shape
    hint = ""
    channels = c_in or 1
    if len(in_shape) == 1 and in_shape[0] % channels == 0 and math.isqrt(in_shape[0] // channels) ** 2 \
            == in_shape[0] // channels:
        side = math.isqrt(in_shape[0] // channels)
        hint = (f". If each row holds one {side} × {side} image with {channels} channel{'s' if channels > 1 else ''}, "
                f"reshape the batch: X.reshape(-1, {side}, {side}, {channels})")
    elif len(in_shape) == 2:
        hint = (f". For images with one channel, add the channel axis: X.reshape(-1, {in_shape[0]}, "
                f"{in_shape[1]}, 1)")
    raise ValueError(f"{where}: each example must be an image of shape (height, width, channels), "
                     f"got shape {in_shape}{hint}")


def _torch_hint(K_shape: tuple, c: int, b_shape: tuple) -> str:
    """A hint for a kernel stored as PyTorch stores it, (c_out, c_in, kh, kw)."""
    if K_shape[:2] == (*b_shape, c):
        return ("; a kernel stored as (c_out, c_in, kh, kw), as in PyTorch, becomes Keras's "
                "(kh, kw, c_in, c_out) with K.transpose(2, 3, 1, 0)")
    return ""


def _padding(padding, where: str) -> str:
    if not isinstance(padding, str) or padding not in PADDINGS:
        raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def _out_size(size: int, k: int, stride: int, padding: str) -> int:
    """Outputs along one axis: Keras's formula for each padding."""
    if padding == "same":
        return math.ceil(size / stride)
    return (size - k) // stride + 1


def _pads(h: int, w: int, kh: int, kw: int, stride: int, padding: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The zeros ((top, bottom), (left, right)) that `pad` adds."""
    if padding == "valid":
        return (0, 0), (0, 0)
    return same_padding(h, kh, stride), same_padding(w, kw, stride)
