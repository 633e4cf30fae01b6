"""How fast does nnlib train? Its backprop, training step, fit and Adam against raw NumPy, scikit-learn and Keras.

Run from the repository root (about a minute on a 2-core machine; --quick: seconds):

    .venv/bin/python bench/train_bench.py        # or: python3 dev.py bench train

The network is the chapters' multilayer perceptron, 64 inputs -> 128 ReLU units -> 10 softmax
units, trained with sparse categorical cross-entropy on random data (seeded), in float64 (the
book's default) and float32. Everything is timed side by side in one run by
`nnlib.timing.best_times`: the versions take turns and each keeps its best repeat.

Part 1, one step on a batch of m = 32 and m = 1024 examples:

- grads: `nnlib.backprop` against the raw NumPy expression of the same forward and backward
  pass (`raw_gradients`: no checks, sparse labels used as indices, the first layer's dA skipped
  as nnlib skips it);
- step:  gradients and a plain SGD update, ``nnlib.backprop`` + ``nnlib.SGD.apply`` against the
  raw expression (both return new arrays: nnlib's optimisers leave their inputs unchanged);
- epoch: one full-batch epoch of ``nnlib.fit(..., epochs=FIT_EPOCHS)`` (the time of the call
  divided by FIT_EPOCHS) against a raw step that also computes the loss, as fit must for its
  history. ``fit/step`` is fit's cost per epoch over nnlib's own step.

Part 2, mini-batch Adam on m = 4096 examples, batches of 32 and 128, seconds per epoch of
a call that trains ADAM["epochs"] = 2 epochs from the same start: a raw NumPy loop, ``nnlib.fit`` with
``nnlib.Adam``, scikit-learn's ``MLPClassifier(solver="adam")`` (same layer sizes and batch size,
``alpha=0``, ``warm_start=True`` with ``max_iter`` the epochs per call), Keras ``fit`` (built by
`nnlib.to_keras`, so with the same weights), and PyTorch if it is installed. Each shuffles
the examples every epoch and computes each batch's loss, as all of them do.

Before timing, the script checks that each raw reference does the same work as nnlib: equal
gradients, updates, losses and Adam epochs (float64 rounding; float32 rounding for float32).
Last, it prints whether each speed target of issue 12 is met. Slowness never fails the run.
On a busy machine (load average above the CPU count; the script says so), --threads 1 gives
steadier ratios than the default of every library using all CPUs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import time
import warnings

import numpy as np

import nnlib
from nnlib import timing

SIZES = (64, 128, 10)
ACTIVATIONS = ("relu", "softmax")
LOSS = "sparse_categorical_crossentropy"
STEP_BATCHES = (32, 1024)
DTYPES = (np.float64, np.float32)
LR = 0.01  # plain SGD, as `nnlib.fit` defaults to
FIT_EPOCHS = 10
ADAM = {"m": 4096, "batches": (32, 128), "epochs": 2, "lr": 1e-3, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-7}
# Each repeat lasts at least this long: near one call of fit at m = 1024 (a few ms per epoch), so that
# when other work shares the CPUs no version dodges interruptions by being shorter, yet short
# enough that the best of the repeats often falls in a quiet moment.
MIN_SECONDS = 0.01
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-4}  # largest |difference| / largest |value|
TARGETS = {"step": {32: 1.3, 1024: 1.15}, "fit": 1.1, "float32": 1.15}


# ---------------------------------------------------------------- the problem

def make_problem(m: int, dtype, seed: int):
    """Random inputs X (m, 64), integer labels y (m,) and the MLP's layers, all in `dtype`."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], size=m)
    layers = [(W.astype(dtype), b.astype(dtype), g)
              for W, b, g in nnlib.make_network(SIZES, ACTIVATIONS, seed=seed)]
    return X, y, layers


def flat_params(layers) -> list[np.ndarray]:
    """[W1, b1, W2, b2]: the parameters in nnlib's order, first layer first."""
    return [p for W, b, _ in layers for p in (W, b)]


def as_layers(params) -> list:
    """The (W, b, activation) layers holding a flat list of parameters."""
    return [(params[2 * i], params[2 * i + 1], g) for i, g in enumerate(ACTIVATIONS)]


# ---------------------------------------------------------------- the raw NumPy reference

def raw_forward(X, W1, b1, W2, b2):
    """Z1, A1 and the softmax output P, computed stably (the row's largest score subtracted)."""
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2 + b2
    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    return Z1, A1, E / E.sum(axis=1, keepdims=True)


def raw_loss(P, y) -> float:
    """Sparse categorical cross-entropy of the probabilities P, clipped as Keras and nnlib clip."""
    return float(-np.mean(np.log(np.clip(P[np.arange(len(y)), y], 1e-7, 1 - 1e-7))))


def raw_backward(X, y, W2, Z1, A1, P) -> list[np.ndarray]:
    """[dW1, db1, dW2, db2] of the mean loss; P is overwritten by dZ2 = (P - Y) / m."""
    dZ2 = P
    dZ2[np.arange(len(y)), y] -= 1
    dZ2 /= len(y)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    return [X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)]


def raw_gradients(X, y, params) -> list[np.ndarray]:
    """One backprop step written out, with no checks: the reference for `nnlib.backprop`."""
    W1, b1, W2, b2 = params
    Z1, A1, P = raw_forward(X, W1, b1, W2, b2)
    return raw_backward(X, y, W2, Z1, A1, P)


def raw_step(X, y, params, lr: float = LR) -> list[np.ndarray]:
    """Gradients and the SGD update ``p - lr * dp``, into new arrays as nnlib.SGD makes them."""
    return [p - lr * g for p, g in zip(params, raw_gradients(X, y, params))]


def raw_loss_and_gradients(X, y, params):
    """The batch's loss before the update (what a history records) and its gradients."""
    W1, b1, W2, b2 = params
    Z1, A1, P = raw_forward(X, W1, b1, W2, b2)
    return raw_loss(P, y), raw_backward(X, y, W2, Z1, A1, P)


def raw_epoch(X, y, params, lr: float = LR):
    """One full-batch epoch as `nnlib.fit` runs it: the loss, then the SGD update."""
    loss, grads = raw_loss_and_gradients(X, y, params)
    return loss, [p - lr * g for p, g in zip(params, grads)]


def raw_adam_training(X, y, params, batch_size: int, epochs: int, shuffle: bool = True, seed: int = 0):
    """Mini-batch Adam by Keras's update rule, written out: trained params and each epoch's mean loss."""
    rng, m = np.random.default_rng(seed), len(X)
    moments, squares = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    b1, b2, t, history = ADAM["beta_1"], ADAM["beta_2"], 0, []
    for _ in range(epochs):
        order, total = (rng.permutation(m) if shuffle else np.arange(m)), 0.0
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = raw_loss_and_gradients(X[batch], y[batch], params)
            total += loss * len(batch)
            t += 1
            alpha = ADAM["lr"] * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t)  # a Python float: float32 stays float32
            moments = [mo + (g - mo) * (1 - b1) for mo, g in zip(moments, grads)]
            squares = [v + (np.square(g) - v) * (1 - b2) for v, g in zip(squares, grads)]
            params = [p - (mo * alpha) / (np.sqrt(v) + ADAM["epsilon"])
                      for p, mo, v in zip(params, moments, squares)]
        history.append(total / m)
    return params, history


# ---------------------------------------------------------------- nnlib's public API

def nnlib_step(X, y, layers, optimizer) -> list:
    """`nnlib.backprop`, then the optimiser's update: the new layers."""
    grads = nnlib.backprop(X, y, layers, LOSS)
    params = optimizer.apply([g for pair in grads for g in pair], flat_params(layers))
    return as_layers(params)


def nnlib_adam():
    """A fresh `nnlib.Adam` with the benchmark's settings (Keras's defaults)."""
    return nnlib.Adam(learning_rate=ADAM["lr"], beta_1=ADAM["beta_1"], beta_2=ADAM["beta_2"],
                      epsilon=ADAM["epsilon"])


# ---------------------------------------------------------------- checking the references

def check_same(got, expected, dtype, what: str) -> None:
    """Raise AssertionError unless each array of `got` equals `expected`'s within `dtype`'s rounding.

    `expected` is the raw reference: its arrays must also be of `dtype`, or it does other work.
    """
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        if np.ndim(b) > 0 and np.asarray(b).dtype != dtype:
            raise AssertionError(f"{what}: the raw reference's array {i} is {np.asarray(b).dtype}, "
                                 f"expected {np.dtype(dtype).name}")
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            raise AssertionError(f"{what}: array {i} has shape {a.shape}, expected {b.shape}")
        error = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(np.float64).tiny)
        if not error <= TOLERANCE[dtype]:
            raise AssertionError(f"{what}: array {i} differs by {error:.2g} of its size "
                                 f"(allowed {TOLERANCE[dtype]:g} in {np.dtype(dtype).name})")


def check_step_references(X, y, layers, dtype) -> None:
    """The raw gradients, step and epoch compute what nnlib.backprop, backprop + SGD and fit compute."""
    params, name = flat_params(layers), f"{np.dtype(dtype).name}, m = {len(X)}"
    nnlib_grads = [g for pair in nnlib.backprop(X, y, layers, LOSS) for g in pair]
    check_same(nnlib_grads, raw_gradients(X, y, params), dtype, f"gradients ({name})")
    stepped = flat_params(nnlib_step(X, y, layers, nnlib.SGD(learning_rate=LR)))
    check_same(stepped, raw_step(X, y, params), dtype, f"SGD step ({name})")
    fitted, history = nnlib.fit(X, y, layers, LOSS, lr=LR, epochs=1)
    loss, raw_params = raw_epoch(X, y, params)
    check_same(flat_params(fitted), raw_params, dtype, f"fit epoch ({name})")
    check_same([history[0]], [loss], dtype, f"fit's loss ({name})")


def check_adam_reference(dtype, seed: int) -> None:
    """Two epochs of raw mini-batch Adam match nnlib.fit with nnlib.Adam (unshuffled)."""
    X, y, layers = make_problem(256, dtype, seed)
    fitted, history = nnlib.fit(X, y, layers, LOSS, epochs=2, batch_size=32, shuffle=False,
                                optimizer=nnlib_adam())
    params, raw_history = raw_adam_training(X, y, flat_params(layers), 32, 2, shuffle=False)
    check_same(flat_params(fitted), params, dtype, f"Adam epochs ({np.dtype(dtype).name})")
    check_same(history, raw_history, dtype, f"Adam losses ({np.dtype(dtype).name})")


# ---------------------------------------------------------------- part 1: one step

def step_functions(X, y, layers, fit_epochs: int) -> dict:
    """The six versions timed against each other for one batch, ready for `best_times`."""
    params, sgd = flat_params(layers), nnlib.SGD(learning_rate=LR)
    return {
        "grads": lambda: nnlib.backprop(X, y, layers, LOSS),
        "raw grads": lambda: raw_gradients(X, y, params),
        "step": lambda: nnlib_step(X, y, layers, sgd),
        "raw step": lambda: raw_step(X, y, params),
        "fit": lambda: nnlib.fit(X, y, layers, LOSS, lr=LR, epochs=fit_epochs),
        "raw epoch": lambda: raw_epoch(X, y, params),
    }


def measure_steps(batches, dtypes, repeats: int, fit_epochs: int, seed: int) -> dict:
    """{(dtype, m): seconds per call of each version}, fit's per epoch; checked first."""
    results = {}
    for dtype in dtypes:
        for m in batches:
            X, y, layers = make_problem(m, dtype, seed)
            check_step_references(X, y, layers, dtype)
            t = timing.best_times(step_functions(X, y, layers, fit_epochs), repeats, MIN_SECONDS)
            t["fit"] /= fit_epochs
            results[dtype, m] = t
    return results


def print_steps(results: dict, repeats: int, fit_epochs: int) -> None:
    print(f"Part 1: one step of the {'-'.join(map(str, SIZES))} MLP; best of {repeats} repeats; "
          f"fit: epochs={fit_epochs}, time per epoch.")
    header = (f"{'dtype':>7} {'m':>5} | {'backprop':>9} {'raw':>9} {'ratio':>6} | {'step':>9} "
              f"{'raw':>9} {'ratio':>6} | {'fit epoch':>9} {'raw':>9} {'ratio':>6} | {'fit/step':>8}")
    print(header)
    print("-" * len(header))
    for (dtype, m), t in results.items():
        print(f"{np.dtype(dtype).name:>7} {m:>5} | {fmt_time(t['grads'])} {fmt_time(t['raw grads'])} "
              f"{t['grads'] / t['raw grads']:5.2f}x | {fmt_time(t['step'])} {fmt_time(t['raw step'])} "
              f"{t['step'] / t['raw step']:5.2f}x | {fmt_time(t['fit'])} {fmt_time(t['raw epoch'])} "
              f"{t['fit'] / t['raw epoch']:5.2f}x | {t['fit'] / t['step']:7.2f}x", flush=True)
    print("step = backprop + SGD.apply; raw epoch = raw step + the loss (fit records it).")


# ---------------------------------------------------------------- part 2: mini-batch Adam

def sklearn_trainer(X, y, batch_size: int, epochs: int, seed: int):
    """A function running `epochs` epochs of scikit-learn's Adam from where it stopped, and a check."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="adam", alpha=0.0,
                        batch_size=batch_size, learning_rate_init=ADAM["lr"], beta_1=ADAM["beta_1"],
                        beta_2=ADAM["beta_2"], epsilon=ADAM["epsilon"], max_iter=epochs, shuffle=True,
                        random_state=seed, warm_start=True, n_iter_no_change=10**9)

    def check():
        if clf.n_iter_ != epochs or clf.coefs_[0].dtype != X.dtype:
            raise AssertionError(f"MLPClassifier ran {clf.n_iter_} epochs in {clf.coefs_[0].dtype}, "
                                 f"expected {epochs} in {X.dtype}")
    return lambda: clf.fit(X, y), check


def keras_trainer(keras, X, y, layers, batch_size: int, epochs: int):
    """A function running `epochs` epochs of Keras's fit with Adam, on a copy of the layers."""
    model = nnlib.to_keras(layers, dtype=np.dtype(X.dtype).name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=ADAM["lr"], beta_1=ADAM["beta_1"],
                                                  beta_2=ADAM["beta_2"], epsilon=ADAM["epsilon"]),
                  loss=LOSS)
    return lambda: model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)


def torch_trainer(torch, X, y, layers, batch_size: int, epochs: int):
    """A function running `epochs` epochs of PyTorch's Adam (softmax inside the loss, as usual there)."""
    (W1, b1, _), (W2, b2, _) = layers
    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    model = torch.nn.Sequential(torch.nn.Linear(*W1.shape), torch.nn.ReLU(), torch.nn.Linear(*W2.shape))
    model = model.to(dtype)
    with torch.no_grad():  # PyTorch stores each weight matrix as (n_units, n_in): Wᵀ
        for linear, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.Adam(model.parameters(), lr=ADAM["lr"], betas=(ADAM["beta_1"], ADAM["beta_2"]),
                                 eps=ADAM["epsilon"])
    loss_fn, Xt, yt = torch.nn.CrossEntropyLoss(), torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def train():
        for _ in range(epochs):
            order = torch.randperm(len(Xt))
            for start in range(0, len(Xt), batch_size):
                batch = order[start:start + batch_size]
                optimizer.zero_grad()
                loss_fn(model(Xt[batch]), yt[batch]).backward()
                optimizer.step()
    return train


@contextlib.contextmanager
def keras_floatx(keras, dtype):
    """Keras's default float type set to `dtype` for the block (its losses compute in it)."""
    before = keras.config.floatx()
    keras.config.set_floatx(np.dtype(dtype).name)
    try:
        yield
    finally:
        keras.config.set_floatx(before)


def adam_functions(X, y, layers, batch_size: int, epochs: int, seed: int, libs: dict):
    """The versions timed against each other for one batch size, and the check of scikit-learn's runs."""
    params = flat_params(layers)
    funcs = {"raw": lambda: raw_adam_training(X, y, params, batch_size, epochs, seed=seed),
             "nnlib": lambda: nnlib.fit(X, y, layers, LOSS, epochs=epochs, batch_size=batch_size,
                                        seed=seed, optimizer=nnlib_adam())}
    funcs["sklearn"], sklearn_check = sklearn_trainer(X, y, batch_size, epochs, seed)
    libs["keras"].utils.set_random_seed(seed)
    funcs["Keras"] = keras_trainer(libs["keras"], X, y, layers, batch_size, epochs)
    if libs["torch"] is not None:
        libs["torch"].manual_seed(seed)
        funcs["PyTorch"] = torch_trainer(libs["torch"], X, y, layers, batch_size, epochs)
    return funcs, sklearn_check


def measure_adam(m: int, batches, dtypes, epochs: int, repeats: int, seed: int, libs: dict) -> dict:
    """{(dtype, batch size): seconds per epoch of each library}."""
    from sklearn.exceptions import ConvergenceWarning

    results = {}
    for dtype in dtypes:
        check_adam_reference(dtype, seed)
        X, y, layers = make_problem(m, dtype, seed)
        for batch_size in batches:
            with keras_floatx(libs["keras"], dtype), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is reached on purpose
                funcs, sklearn_check = adam_functions(X, y, layers, batch_size, epochs, seed, libs)
                t = timing.best_times(funcs, repeats, min_seconds=0.0)
            sklearn_check()
            results[dtype, batch_size] = {name: seconds / epochs for name, seconds in t.items()}
    return results


def print_adam(results: dict, m: int, epochs: int, repeats: int) -> None:
    names = list(next(iter(results.values())))
    others = [name for name in names if name not in ("raw", "nnlib")]
    print(f"\nPart 2: mini-batch Adam, m = {m}; seconds per epoch (calls of {epochs} epochs), "
          f"best of {repeats} repeats.")
    header = (f"{'dtype':>7} {'batch':>5} | " + " ".join(f"{name:>9}" for name in names) + " | "
              + f"{'nnlib/raw':>9} " + " ".join(f"{name + '/nnlib':>13}" for name in others))
    print(header)
    print("-" * len(header))
    for (dtype, batch_size), t in results.items():
        print(f"{np.dtype(dtype).name:>7} {batch_size:>5} | " + " ".join(fmt_time(t[name]) for name in names)
              + f" | {t['nnlib'] / t['raw']:8.2f}x "
              + " ".join(f"{t[name] / t['nnlib']:12.2f}x" for name in others), flush=True)


# ---------------------------------------------------------------- targets and the report

def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_targets(steps: dict, adam: dict) -> None:
    """One line per speed target of issue 12, with the ratio measured in this run."""
    print("\nTargets (issue 12), ratios from this run:")
    f64, f32 = np.float64, np.float32
    for m, limit in TARGETS["step"].items():
        if (f64, m) in steps:
            t = steps[f64, m]
            ratio = t["grads"] / t["raw grads"]
            print(f"  backprop step / raw NumPy, float64, m = {m:>4}: {ratio:6.3f}x  (<= {limit}x)  "
                  f"{verdict(ratio <= limit)}")
    for (dtype, m), t in steps.items():
        if dtype == f64:
            ratio = t["fit"] / t["step"]
            print(f"  fit epoch / nnlib step, float64, m = {m:>4}:   {ratio:6.3f}x  (<= {TARGETS['fit']}x)  "
                  f"{verdict(ratio <= TARGETS['fit'])}")
    if (f32, 1024) in steps:
        t, limit = steps[f32, 1024], TARGETS["float32"]
        ratio = t["grads"] / t["raw grads"]
        print(f"  backprop step / raw NumPy, float32, m = 1024: {ratio:6.3f}x  (<= {limit}x)  "
              f"{verdict(ratio <= limit)}")
    for (dtype, batch_size), t in adam.items():
        for name in (n for n in t if n not in ("raw", "nnlib")):
            ratio = t["nnlib"] / t[name]
            print(f"  Adam epoch, nnlib / {name}, {np.dtype(dtype).name}, batch {batch_size:>3}: "
                  f"{ratio:6.3f}x  (< 1x)  {verdict(ratio < 1)}")


def float32_note(seed: int) -> str:
    """What nnlib does with float32 inputs today: the dtype of backprop's gradients and fit's layers."""
    X, y, layers = make_problem(8, np.float32, seed)
    grads = nnlib.backprop(X, y, layers, LOSS)
    fitted, _ = nnlib.fit(X, y, layers, LOSS, epochs=1)
    return (f"float32 inputs: nnlib.backprop returns {grads[0][0].dtype} gradients, "
            f"nnlib.fit returns {fitted[0][0].dtype} weights.")


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:6.3g} {unit:2}"
    return f"{seconds / 1e-9:6.3g} ns"


def load_libraries(threads: int | None) -> dict:
    """Keras (quietly), and PyTorch if it is installed (None otherwise), limited to `threads` if given."""
    from nnlib.quiet_tf import import_keras

    try:
        import torch
    except ImportError:
        torch = None
    keras = import_keras()
    if threads is not None:  # before TensorFlow runs anything, or it keeps its thread pools
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        if torch is not None:
            torch.set_num_threads(threads)
    return {"keras": keras, "torch": torch}


def load() -> str:
    """The load averages: above the number of CPUs, other work competed with the benchmark."""
    with contextlib.suppress(OSError, AttributeError):
        return "load average (1, 5, 15 min) " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return "load average unknown"


def busy() -> bool:
    """Whether more work waited for the CPUs over the last minute than there are CPUs."""
    with contextlib.suppress(OSError, AttributeError):
        return os.getloadavg()[0] > (os.cpu_count() or 1)
    return False


def machine(libs: dict) -> str:
    import sklearn

    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}", f"scikit-learn {sklearn.__version__}",
                f"Keras {libs['keras'].__version__}"]
    with contextlib.suppress(Exception):
        import tensorflow as tf

        versions.append(f"TensorFlow {tf.__version__}")
    versions.append("PyTorch " + (libs["torch"].__version__ if libs["torch"] else "not installed"))
    return f"{os.cpu_count()} CPUs ({cpu_model()}); " + ", ".join(versions)


def cpu_model() -> str:
    """The processor's name as Linux reports it (the machine type elsewhere)."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20,
                        help="repeats of each step timing, best kept (Adam: a sixth as many, at least 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3 repeats; Adam on m = 512 for one epoch, float64 only")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS, TensorFlow (and PyTorch) to this many threads; default: all CPUs. "
                             "On a busy machine, --threads 1 gives steadier ratios")
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.threads is not None and args.threads < 1):
        parser.error(f"--repeats and --threads must be at least 1, got {args.repeats} and {args.threads}")
    limit = contextlib.nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        limit = threadpool_limits(args.threads)
    with limit:
        run(args)


def run(args) -> None:
    """The whole benchmark, as `main` parsed it."""
    start, was_busy = time.perf_counter(), busy()
    repeats = 3 if args.quick else args.repeats
    adam_repeats = 1 if args.quick else max(1, args.repeats // 6)
    adam_m, adam_epochs = (512, 1) if args.quick else (ADAM["m"], ADAM["epochs"])
    dtypes = DTYPES[:1] if args.quick else DTYPES

    libs = load_libraries(args.threads)
    print(machine(libs))
    threads = "all CPUs" if args.threads is None else f"{args.threads}"
    print(f"Threads for BLAS and TensorFlow: {threads}; seed {args.seed}; {load()}.\n")
    steps = measure_steps(STEP_BATCHES, DTYPES, repeats, FIT_EPOCHS, args.seed)
    print_steps(steps, repeats, FIT_EPOCHS)
    print(float32_note(args.seed))
    adam = measure_adam(adam_m, ADAM["batches"], dtypes, adam_epochs, adam_repeats, args.seed, libs)
    print_adam(adam, adam_m, adam_epochs, adam_repeats)
    if libs["torch"] is None:
        print("PyTorch is not installed: skipped.")
    print_targets(steps, adam)
    print(f"\nEvery raw reference matched nnlib within rounding. The run took {time.perf_counter() - start:.0f} s; "
          f"{load()}.")
    if (was_busy or busy()) and args.threads is None:
        print("The machine was busy: other work took the CPUs that BLAS and TensorFlow threads wait for, "
              "which\nslows some runs at random. Run again on a quiet machine, or with --threads 1 for "
              "steadier ratios.")


if __name__ == "__main__":
    main()
