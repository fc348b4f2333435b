"""Offline datasets: digits, MNIST-1D, and the IDX / .npz loader on files the tests write."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

pytest.importorskip("sklearn")

from topogen import TopogenError
from topogen.verify import load_dataset, load_idx_dataset, read_idx


def _idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    dtype = {0x08: np.uint8, 0x0B: ">i2", 0x0D: ">f4"}[code]
    return header + arr.astype(dtype).tobytes()


def _write(path, data: bytes, gz: bool):
    if gz:
        data = gzip.compress(data)
        path += ".gz"
    with open(path, "wb") as f:
        f.write(data)
    return path


def _mnist_folder(tmp_path, gz: bool, n_train=12, n_test=5):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 4, 4)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 4, 4)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    for stem, arr in arrays.items():
        _write(str(tmp_path / stem), _idx_bytes(arr), gz)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_round_trip(tmp_path, gz):
    arrays = _mnist_folder(tmp_path, gz)
    assert np.array_equal(
        read_idx(str(tmp_path / "train-images-idx3-ubyte") + (".gz" if gz else "")),
        arrays["train-images-idx3-ubyte"],
    )
    data = load_idx_dataset(tmp_path, "fashion-mnist")
    assert data.name == "fashion-mnist"
    assert data.x_train.shape == (12, 16) and data.x_test.shape == (5, 16)
    assert np.array_equal(data.y_train, arrays["train-labels-idx1-ubyte"])
    assert np.array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte"])
    # standardised with the training statistics: the train features have mean 0
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-5)
    raw = arrays["t10k-images-idx3-ubyte"].reshape(5, -1).astype(float)
    tr = arrays["train-images-idx3-ubyte"].reshape(12, -1).astype(float)
    sd = tr.std(axis=0)
    sd[sd == 0] = 1
    assert np.allclose(data.x_test, (raw - tr.mean(axis=0)) / sd, atol=1e-5)


def test_idx_other_types(tmp_path):
    arr = np.array([[1.5, -2.0], [3.25, 4.0]], dtype=np.float32)
    path = _write(str(tmp_path / "f.idx"), _idx_bytes(arr, 0x0D), False)
    assert np.array_equal(read_idx(path), arr)
    arr16 = np.array([-3, 300, 7])
    path = _write(str(tmp_path / "s.idx"), _idx_bytes(arr16, 0x0B), True)
    assert read_idx(path).tolist() == [-3, 300, 7]


def test_load_dataset_mnist_from_folder(tmp_path):
    _mnist_folder(tmp_path, gz=True)
    assert load_dataset("mnist", path=tmp_path).n_features == 16


def test_npz(tmp_path):
    x = np.arange(6 * 4).reshape(6, 2, 2)
    y = np.array([0, 1, 2, 0, 1, 2])
    path = tmp_path / "m.npz"
    np.savez(path, x_train=x, y_train=y, x_test=x[:3], y_test=y[:3])
    d = load_idx_dataset(path)
    assert (d.n_features, d.n_classes, len(d.y_train), len(d.y_test)) == (4, 3, 6, 3)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(TopogenError, match="does not exist"):
        read_idx(tmp_path / "nope")
    with pytest.raises(TopogenError, match="does not exist"):
        load_idx_dataset(tmp_path / "nowhere")
    with pytest.raises(TopogenError, match="no file train-images-idx3-ubyte"):
        load_idx_dataset(tmp_path)
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x50\x4b\x03\x04 not idx")
    with pytest.raises(TopogenError, match="not an IDX file"):
        read_idx(bad)
    good = _idx_bytes(np.arange(10).reshape(2, 5))
    trunc = tmp_path / "trunc.idx"
    trunc.write_bytes(good[:-3])
    with pytest.raises(TopogenError, match="truncated or malformed"):
        read_idx(trunc)
    broken_gz = tmp_path / "broken.gz"
    broken_gz.write_bytes(gzip.compress(good)[:-8])
    with pytest.raises(TopogenError, match="gzip"):
        read_idx(broken_gz)
    npz = tmp_path / "partial.npz"
    np.savez(npz, x_train=np.zeros((2, 2)))
    with pytest.raises(TopogenError, match="lacks arrays"):
        load_idx_dataset(npz)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"junk")
    with pytest.raises(TopogenError, match=r"not a readable \.npz"):
        load_idx_dataset(junk)


def test_label_count_mismatch(tmp_path):
    _mnist_folder(tmp_path, gz=False)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte")
    _write(str(tmp_path / "t10k-labels-idx1-ubyte"), _idx_bytes(np.zeros(4)), False)
    with pytest.raises(TopogenError, match="5 images but 4 labels"):
        load_idx_dataset(tmp_path)


def test_mnist_needs_a_path_and_names_are_checked():
    with pytest.raises(TopogenError, match="never downloads"):
        load_dataset("mnist")
    with pytest.raises(TopogenError, match="dataset must be one of"):
        load_dataset("cifar")


def test_digits():
    d = load_dataset("digits")
    assert d.x_train.shape == (1438, 64) and d.x_test.shape == (359, 64)
    assert d.n_classes == 10 and d.x_train.dtype == np.float32
    assert not d.x_train.flags.writeable
    # the split repeats for a seed and changes with it
    assert np.array_equal(load_dataset("digits").y_test, d.y_test)
    assert not np.array_equal(load_dataset("digits", seed=1).y_test, d.y_test)


def test_mnist1d_offline_and_leaves_global_rng_alone():
    pytest.importorskip("mnist1d")
    np.random.seed(123)  # noqa: NPY002 -- the legacy global state is what mnist1d touches
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    d = load_dataset("mnist1d")
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    assert d.x_train.shape == (4000, 40) and d.x_test.shape == (1000, 40)
    assert d.n_classes == 10
    assert np.array_equal(load_dataset("mnist1d").x_test, d.x_test)  # procedural, seeded
