"""Offline datasets for the verifier: digits, MNIST-1D, and MNIST / Fashion-MNIST from local files.

Nothing here downloads anything.  ``digits`` is scikit-learn's bundled copy of the UCI 8x8
digits (1797 samples); ``mnist1d`` is generated procedurally by the ``mnist1d`` package's
``make_dataset()`` with its default arguments (Greydanus 2020: 4000 train / 1000 test signals
of length 40, seed 42); ``mnist`` and ``fashion-mnist`` read the standard IDX files (gzipped
or not) or an ``.npz`` from a folder the user names.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass

import numpy as np

from .._checks import TopogenError, check_option, check_path, require

__all__ = [
    "DATASETS", "NORMALIZATIONS", "Dataset", "load_dataset", "load_idx_dataset", "read_idx",
]

#: Built-in dataset names accepted by :func:`load_dataset`.
DATASETS = ("digits", "mnist1d", "mnist", "fashion-mnist")

#: Input normalisations: per-feature standard scores with the training mean and std
#: (``"standard"``), division by the training maximum (``"scale"``: pixels to [0, 1]), or
#: the raw values (``"none"``).
NORMALIZATIONS = ("standard", "scale", "none")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A classification dataset as float32 features and int64 labels, split into train/test.

    Attributes
    ----------
    name : str
    x_train, x_test : numpy.ndarray
        ``(n, n_features)`` float32, normalised with training statistics (``normalize``).
    y_train, y_test : numpy.ndarray
        ``(n,)`` int64 labels in ``0 .. n_classes - 1``.
    n_classes : int
    normalize : str
        One of :data:`NORMALIZATIONS`.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    normalize: str = "standard"

    @property
    def n_features(self) -> int:
        """Width of the input layer."""
        return int(self.x_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={len(self.y_train)}, test={len(self.y_test)}, "
            f"features={self.n_features}, classes={self.n_classes})"
        )


def _make(name, x_train, y_train, x_test, y_test, normalize="standard") -> Dataset:
    """Flatten, normalise features with the training statistics, and freeze."""
    normalize = check_option("normalize", normalize, NORMALIZATIONS)
    x_train = np.asarray(x_train, dtype=np.float64).reshape(len(x_train), -1)
    x_test = np.asarray(x_test, dtype=np.float64).reshape(len(x_test), -1)
    if x_train.shape[1] != x_test.shape[1]:
        raise TopogenError(
            f"{name}: train and test samples have different sizes "
            f"({x_train.shape[1]} vs {x_test.shape[1]} features)"
        )
    if normalize == "standard":
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        std[std == 0] = 1.0
    elif normalize == "scale":
        mean, std = 0.0, float(np.abs(x_train).max()) or 1.0
    else:
        mean, std = 0.0, 1.0
    y_train = np.asarray(y_train).astype(np.int64).ravel()
    y_test = np.asarray(y_test).astype(np.int64).ravel()
    if len(y_train) != len(x_train) or len(y_test) != len(x_test):
        raise TopogenError(f"{name}: the number of labels differs from the number of samples")
    if len(y_train) == 0 or len(y_test) == 0:
        raise TopogenError(f"{name}: the train and test splits must both be non-empty")
    if y_train.min() < 0 or y_test.min() < 0:
        raise TopogenError(f"{name}: labels must be non-negative integers")
    arrays = [((x_train - mean) / std).astype(np.float32), y_train,
              ((x_test - mean) / std).astype(np.float32), y_test]
    for arr in arrays:
        arr.flags.writeable = False
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    return Dataset(name, arrays[0], arrays[1], arrays[2], arrays[3], n_classes, normalize)


def _load_digits(test_fraction: float = 0.2, seed: int = 0, normalize="standard") -> Dataset:
    datasets = require("sklearn.datasets", "train", package="scikit-learn")
    bunch = datasets.load_digits()
    x, y = bunch.data, bunch.target
    perm = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = perm[:n_test], perm[n_test:]
    return _make("digits", x[train], y[train], x[test], y[test], normalize)


def _load_mnist1d(normalize="standard") -> Dataset:
    mnist1d = require("mnist1d.data", "train")
    get_dataset_args, make_dataset = mnist1d.get_dataset_args, mnist1d.make_dataset
    state = np.random.get_state()  # noqa: NPY002 -- make_dataset seeds NumPy's global generator: restore it
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return _make("mnist1d", data["x"], data["y"], data["x_test"], data["y_test"], normalize)


# ---------------------------------------------------------------------------- IDX files
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped or not.

    The header is two zero bytes, a type code (``0x08`` = uint8, ...), the number of
    dimensions, then one big-endian uint32 per dimension; the data follow, big-endian.

    Parameters
    ----------
    path : str or os.PathLike
        The file; a ``.gz`` name (or gzip magic bytes) is decompressed.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TopogenError
        If the file is missing, or its header or size is not a valid IDX file.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.idx1-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path).tolist()
    [7, 2, 1]
    """
    path = check_path("path", path)
    if not os.path.isfile(path):
        raise TopogenError(f"IDX file {path!r} does not exist")
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise TopogenError(f"IDX file {path!r} is not a valid gzip file: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise TopogenError(
            f"{path!r} is not an IDX file: it must start with two zero bytes, a type code "
            f"(one of {sorted(_IDX_TYPES)}) and the number of dimensions"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise TopogenError(f"IDX file {path!r} has a truncated or empty header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise TopogenError(
            f"IDX file {path!r} declares shape {shape} ({expected} data bytes) but holds "
            f"{len(raw) - header} data bytes: the file is truncated or malformed"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


_IDX_STEMS = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def _find(folder: str, stem: str) -> str:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise TopogenError(
        f"no file {stem}[.gz] in {folder!r}; put the four standard MNIST IDX files "
        "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        "t10k-labels-idx1-ubyte, gzipped or not) there, or pass an .npz file"
    )


def load_idx_dataset(path, name: str = "mnist", *, normalize: str = "standard") -> Dataset:
    """Load MNIST or Fashion-MNIST from local files: a folder of IDX files or one ``.npz``.

    Parameters
    ----------
    path : str or os.PathLike
        A folder with ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` (each may end in ``.gz``), or
        an ``.npz`` file with arrays ``x_train``, ``y_train``, ``x_test``, ``y_test`` (the
        Keras ``mnist.npz`` layout).
    name : str
        Name to give the dataset.
    normalize : {"standard", "scale", "none"}
        Standard scores per pixel, pixels divided by the training maximum (to [0, 1]), or
        raw values; always with training statistics only.

    Returns
    -------
    Dataset

    Raises
    ------
    TopogenError
        If a file is missing or malformed, or images and labels disagree in number.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.npz")
    >>> x = np.arange(4 * 9).reshape(4, 3, 3); y = np.array([0, 1, 0, 1])
    >>> np.savez(path, x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    >>> load_idx_dataset(path)
    Dataset('mnist', train=4, test=2, features=9, classes=2)
    """
    path = check_path("path", path)
    if os.path.isdir(path):
        arrays = {key: read_idx(_find(path, stem)) for key, stem in _IDX_STEMS.items()}
    elif os.path.isfile(path):
        try:
            with np.load(path, allow_pickle=False) as npz:
                missing = [k for k in _IDX_STEMS if k not in npz.files]
                if missing:
                    raise TopogenError(
                        f"{path!r} lacks arrays {missing}; an .npz needs x_train, y_train, "
                        "x_test and y_test"
                    )
                arrays = {k: npz[k] for k in _IDX_STEMS}
        except (OSError, ValueError) as exc:
            if isinstance(exc, TopogenError):
                raise
            raise TopogenError(f"{path!r} is not a readable .npz file: {exc}") from None
    else:
        raise TopogenError(
            f"data path {path!r} does not exist; pass a folder of MNIST IDX files or an .npz"
        )
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(x) != len(y):
            raise TopogenError(
                f"{name} {split} split: {len(x)} images but {len(y)} labels in {path!r}"
            )
    return _make(name, arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"],
                 normalize)


def load_dataset(name: str = "digits", *, path=None, seed: int = 0,
                 normalize: str = "standard") -> Dataset:
    """Load a dataset for the verifier, offline.

    Parameters
    ----------
    name : {"digits", "mnist1d", "mnist", "fashion-mnist"}
        ``digits``: scikit-learn's bundled 8x8 digits, 64 features, split 80/20 with ``seed``.
        ``mnist1d``: MNIST-1D (Greydanus 2020), 40 features, generated procedurally with the
        package's default arguments (its own fixed train/test split).
        ``mnist`` / ``fashion-mnist``: 784 features, read from ``path``.
    path : str or os.PathLike, optional
        Required for ``mnist`` and ``fashion-mnist`` (see :func:`load_idx_dataset`).
    seed : int
        Train/test split for ``digits``.
    normalize : {"standard", "scale", "none"}
        Input normalisation with training statistics: per-feature standard scores (default),
        division by the training maximum, or none.

    Returns
    -------
    Dataset

    Raises
    ------
    TopogenError
        For an unknown name or normalisation, a missing ``path``, or a bad file.
    ImportError
        If ``digits`` needs scikit-learn or ``mnist1d`` the mnist1d package and it is not
        installed (both come with ``pip install 'topogen[train]'``).

    References
    ----------
    S. Greydanus, *Scaling down Deep Learning* (MNIST-1D), arXiv:2011.14439, 2020.

    Examples
    --------
    >>> load_dataset("digits")
    Dataset('digits', train=1438, test=359, features=64, classes=10)
    """
    name = check_option("dataset", name, DATASETS)
    normalize = check_option("normalize", normalize, NORMALIZATIONS)
    if name == "digits":
        return _load_digits(seed=seed, normalize=normalize)
    if name == "mnist1d":
        return _load_mnist1d(normalize)
    if path is None:
        raise TopogenError(
            f"dataset {name!r} is read from local files: pass path= (or --data-path) naming a "
            "folder of IDX files or an .npz; topogen never downloads data"
        )
    return load_idx_dataset(path, name, normalize=normalize)
