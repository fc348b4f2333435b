"""The challenge inference: every backend against a dense NumPy reference, files, bad input."""

import gzip
import os
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import topogen
from topogen import TopogenError
from topogen.challenge import (
    backends,
    categories,
    check_categories,
    infer,
    load_network,
    random_images,
    read_categories,
    read_images,
    write_categories,
    write_images,
)
from topogen.export import write_graph_challenge
from topogen.generators.challenge import challenge_analogue

BACKENDS = backends.available()


def reference(net, images, bias, cap, weights):
    """The challenge's inferenceReLUvec.m in dense float64 NumPy."""
    y = np.asarray(sp.csr_array(images).toarray(), dtype=np.float64)
    for layer, w in zip(net.layers, weights):
        W = np.zeros(layer.shape)
        rows = np.repeat(np.arange(layer.shape[0]), np.diff(layer.indptr))
        W[rows, layer.indices] = w
        z = y @ W
        y = np.clip(np.where(z != 0, z + bias, 0.0), 0.0, cap)
    return y


def assert_matches(result, expected):
    assert isinstance(result, sp.csr_array) and result.dtype == np.float32
    assert result.shape == expected.shape
    assert not np.any(result.data == 0), "no stored zeros"
    np.testing.assert_array_equal(categories(result),
                                  np.flatnonzero(expected.any(axis=1)) + 1)
    np.testing.assert_allclose(result.toarray(), expected, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def small_net():
    return challenge_analogue([2, 2, 2], 4, 12, seed=1)  # 32 neurons, weight 1/4


@pytest.mark.parametrize("backend", BACKENDS)
def test_challenge_semantics_against_dense_reference(backend, small_net):
    y = random_images(60, 32, density=0.25, seed=0, low=0.5, high=3.0)
    expected = reference(small_net, y, -0.3, 32.0, [0.25] * 12)
    alive = expected.any(axis=1).sum()
    assert 0 < alive < 60, "the test needs images that survive and images that die"
    assert_matches(infer(small_net, y, backend=backend), expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_per_edge_weights_and_per_neuron_bias(backend, small_net):
    rng = np.random.default_rng(3)
    weights = [rng.uniform(0.05, 0.3, layer.nnz) for layer in small_net.layers]
    bias = rng.uniform(-0.6, 0.0, 32)
    y = random_images(50, 32, density=0.3, seed=1, low=0.5, high=3.0)
    expected = reference(small_net, y, bias, 5.0, weights)
    assert np.any((expected > 0) & (expected < 5)), "values between 0 and the cap"
    assert_matches(infer(small_net, y, bias=bias, cap=5.0, weights=weights, backend=backend),
                   expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_signed_weights_cancellation_gets_no_bias(backend):
    """Products that cancel to exactly 0 are not nonzero: no bias, as in the reference."""
    net = topogen.Topology.from_structure([np.ones((2, 2)), np.ones((2, 2))])
    weights = [np.array([1.0, 1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0, 1.0])]
    y = np.array([[1.0, 1.0], [2.0, 0.0]], dtype=np.float32)  # row 0 cancels to 0
    expected = reference(net, y, 0.5, 32.0, weights)
    assert_matches(infer(net, y, bias=0.5, weights=weights, backend=backend), expected)
    assert categories(infer(net, y, bias=0.5, weights=weights, backend=backend)).tolist() == [2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_official_width_network(backend):
    net = topogen.graph_challenge(1024, 12, seed=4)
    y = random_images(30, 1024, seed=2)
    expected = reference(net, y, -0.3, 32.0, [1 / 16] * 12)
    assert 0 < expected.any(axis=1).sum() < 30
    assert_matches(infer(net, y, backend=backend), expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_dead_images_give_zeros_of_the_output_width(backend):
    net = topogen.Topology.from_structure([np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5))])
    y = np.array([[1.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    for images in (y, np.zeros((2, 2))):  # dies in the first layer; empty from the start
        result = infer(net, images, bias=-2.0, weights=1.0, backend=backend)
        assert result.shape == (2, 5) and result.nnz == 0 and result.dtype == np.float32
    result = infer(net, y, bias=-0.5, weights=1.0, backend=backend)  # 1, 0.5, 1, 3.5
    np.testing.assert_allclose(result.toarray(), [[3.5] * 5, [0.0] * 5])


def test_scipy_sparse_and_dense_forms_agree_exactly(small_net, monkeypatch):
    y = random_images(40, 32, density=0.25, seed=5, low=0.5, high=3.0)
    monkeypatch.setattr(backends, "DENSE_AT", 2.0)  # never dense
    sparse = infer(small_net, y, backend="scipy")
    monkeypatch.setattr(backends, "DENSE_AT", 0.0)  # dense from the first layer
    monkeypatch.setattr(backends, "SPARSE_AT", 0.0)
    dense = infer(small_net, y, backend="scipy")
    assert (sparse != dense).nnz == 0 and sparse.nnz > 0


def test_chunks_give_the_same_result(small_net):
    y = random_images(45, 32, density=0.25, seed=6, low=0.5, high=3.0)
    whole = infer(small_net, y, backend="scipy")
    assert (infer(small_net, y, backend="scipy", chunk=7) != whole).nnz == 0


def test_folder_and_files_in_files_out(small_net, tmp_path):
    folder = tmp_path / "neuron32"
    write_graph_challenge(small_net, folder, value=0.25)
    assert load_network(folder)[0] == small_net
    y = random_images(20, 32, density=0.25, seed=7, low=0.5, high=3.0)
    write_images(y, tmp_path / "sparse-images-32.tsv")
    result = infer(os.fspath(folder), tmp_path / "sparse-images-32.tsv")
    assert (result != infer(small_net, y)).nnz == 0
    write_categories(categories(result), tmp_path / "truth.tsv")
    assert check_categories(categories(result), tmp_path / "truth.tsv")


def test_folder_weights_are_used(small_net, tmp_path):
    """A folder written with per-edge weights is inferred with those weights, not 1/16."""
    rng = np.random.default_rng(11)
    weights = [rng.choice([0.125, 0.25, 0.5], layer.nnz) for layer in small_net.layers]
    folder = tmp_path / "neuron32w"
    write_graph_challenge(small_net, folder, weights=weights)
    net, read = load_network(folder)
    assert net == small_net and all(np.array_equal(a, b) for a, b in zip(read, weights))
    y = random_images(30, 32, density=0.25, seed=9, low=0.5, high=3.0)
    expected = reference(small_net, y, -0.3, 32.0, weights)
    assert_matches(infer(os.fspath(folder), y, bias=-0.3), expected)


def test_images_round_trip_and_gz(tmp_path):
    y = random_images(25, 40, density=0.2, seed=8, low=0.5, high=3.0)
    for name in ("a.tsv", "a.tsv.gz"):
        write_images(y, tmp_path / name)
        back = read_images(tmp_path / name, neurons=40, n_images=25)
        assert back.dtype == np.float32 and (back != y).nnz == 0
    assert gzip.open(tmp_path / "a.tsv.gz").read() == (tmp_path / "a.tsv").read_bytes()


def test_images_file_layout_by_hand(tmp_path):
    y = sp.csr_array(np.array([[0, 1.0, 0], [0, 0, 0], [0.5, 0, 2.0]], dtype=np.float32))
    write_images(y, tmp_path / "i.tsv")
    assert (tmp_path / "i.tsv").read_text() == "1\t2\t1\n3\t1\t0.5\n3\t3\t2\n"
    (tmp_path / "j.tsv").write_text("3\t3\t2\n1\t2\t1\n3\t1\t0.5\n\n")  # any order
    assert (read_images(tmp_path / "j.tsv", neurons=3) != y).nnz == 0


def test_categories_round_trip_and_check(tmp_path):
    write_categories([5, 2, 9], tmp_path / "c.tsv")
    assert (tmp_path / "c.tsv").read_text() == "2\n5\n9\n"
    assert read_categories(tmp_path / "c.tsv", n_images=9).tolist() == [2, 5, 9]
    write_categories([5, 2, 9], tmp_path / "c.tsv.gz")
    assert read_categories(tmp_path / "c.tsv.gz").tolist() == [2, 5, 9]
    report = check_categories([2, 5, 7], tmp_path / "c.tsv")
    assert not report and report.missing.tolist() == [9] and report.extra.tolist() == [7]
    assert str(report).startswith("FAIL") and "\n" not in str(report)
    assert str(check_categories([9, 5, 2], [2, 5, 9])) == "PASS"


def one_line_error(call, match, exc=TopogenError):
    with pytest.raises(exc, match=match) as info:
        call()
    assert "\n" not in str(info.value)
    return str(info.value)


def test_bad_files(tmp_path, small_net):
    folder = tmp_path / "neuron32"
    write_graph_challenge(small_net, folder)
    os.remove(folder / "n32-l5.tsv")
    one_line_error(lambda: infer(folder, np.ones((1, 32))), "n32-l5.tsv")
    (tmp_path / "img.tsv").write_text("1\t3\t1\n2\t33\t1\n")
    msg = one_line_error(lambda: read_images(tmp_path / "img.tsv", neurons=32),
                         "feature id 33 is beyond neurons=32")
    assert "img.tsv, line 2" in msg
    (tmp_path / "nan.tsv").write_text("1\t3\tnan\n")
    one_line_error(lambda: read_images(tmp_path / "nan.tsv"), "line 1.*not a finite number")
    (tmp_path / "dup.tsv").write_text("1\t3\t1\n1\t3\t2\n")
    one_line_error(lambda: read_images(tmp_path / "dup.tsv"), "line 2.*given twice")
    (tmp_path / "truth.tsv").write_text("1\n61\n")
    one_line_error(lambda: read_categories(tmp_path / "truth.tsv", n_images=60),
                   "line 2: image id 61 is out of range")
    (tmp_path / "zero.tsv").write_text("0\n")
    one_line_error(lambda: read_categories(tmp_path / "zero.tsv"), "out of range")
    one_line_error(lambda: read_images(tmp_path / "missing.tsv"), "no such file")


def test_hostile_images_and_truth_are_refused_before_allocating(tmp_path):
    """A small .gz inflating past what max_pixels lines fill, an id that would allocate 1e11
    rows, and more lines than the cap: each a one-line error, before the memory is taken."""
    bomb = tmp_path / "sparse-images-4.tsv.gz"
    with gzip.open(bomb, "wb") as f:
        f.write(b"1\t1\t1\n" * 500_000)  # 3 MB of text in a few kB
    assert bomb.stat().st_size < 20_000
    one_line_error(lambda: read_images(bomb, max_pixels=1000),
                   "decompresses to more than 96,001 bytes.*gzip bomb.*max_pixels=")
    far = tmp_path / "far.tsv"
    far.write_text("99999999999\t1\t1\n")
    one_line_error(lambda: read_images(far), "line 1: image id 99,999,999,999 is above "
                   "max_pixels=268,435,456")
    far.write_text("1\t99999999999\t1\n")
    one_line_error(lambda: read_images(far), "feature id 99,999,999,999 is above max_pixels")
    assert read_images(far, neurons=10**11).shape == (1, 10**11)  # a stated width is taken
    lines = tmp_path / "lines.tsv"
    lines.write_text("1\t1\t1\n1\t2\t1\n1\t3\t1")  # no final newline: still 3 lines
    one_line_error(lambda: read_images(lines, max_pixels=2), "3 lines, more than max_pixels=2")
    assert read_images(lines, max_pixels=3).nnz == 3
    truth = tmp_path / "truth.tsv.gz"
    with gzip.open(truth, "wb") as f:
        f.write(b"7\n" * 100_000)
    one_line_error(lambda: read_categories(truth, max_ids=100), "decompresses.*max_ids=")
    one_line_error(lambda: read_images(lines, max_pixels=0), "max_pixels must be")


def test_bad_arguments(small_net):
    y = np.ones((2, 32), dtype=np.float32)
    one_line_error(lambda: infer(small_net, y, bias=np.zeros(31)), "one value per neuron")
    one_line_error(lambda: infer(small_net, y, bias=float("nan")), "bias")
    one_line_error(lambda: infer(small_net, y, bias=np.full(32, np.nan)), "NaN")
    bad = y.copy()
    bad[1, 3] = np.nan
    one_line_error(lambda: infer(small_net, bad), "NaN")
    one_line_error(lambda: infer(small_net, np.ones((2, 31))), "31 features")
    one_line_error(lambda: infer(small_net, y, cap=0), "cap")
    one_line_error(lambda: infer(small_net, y, backend="cuda"), "backend")
    one_line_error(lambda: infer(small_net, y, weights=[np.ones(3)] * 12), r"weights\[0\]")
    one_line_error(lambda: infer(small_net, y, chunk=0), "chunk")
    one_line_error(lambda: infer("no/such/folder", y), "folder")
    plain = topogen.radix_net([[2, 2]], [1, 1, 1])
    one_line_error(lambda: infer(plain, np.ones((1, 4))), "pass bias=")


def test_missing_optional_package_names_the_extra(monkeypatch, small_net):
    monkeypatch.setitem(sys.modules, "graphblas", None)
    with pytest.raises(ImportError, match=r"topogen\[graphblas\]"):
        infer(small_net, np.ones((1, 32)), backend="graphblas")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"topogen\[train\]"):
        infer(small_net, np.ones((1, 32)), backend="torch")


def test_auto_is_an_installed_backend():
    assert backends.get("auto")[0] in BACKENDS


@pytest.mark.slow
def test_dask_cluster_matches_single_process(small_net, tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "neuron32"
    write_graph_challenge(small_net, folder, value=0.25)
    y = random_images(41, 32, density=0.25, seed=9, low=0.5, high=3.0)
    single = infer(small_net, y)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = infer(os.fspath(folder), y, client=client, chunk=10)
        one_line_error(lambda: infer(small_net, y, client=client), "folder")
    assert result.shape == single.shape and (result != single).nnz == 0
    assert 0 < len(categories(result)) < 41
