"""Huge sizes and deep networks (issue 10): bounded memory, exact counts, no float overflow.

Memory is measured with :mod:`tracemalloc`, which sees NumPy's allocations.
"""

import json
import math
import tracemalloc
from fractions import Fraction

import matplotlib
import numpy as np
import pytest
import scipy.sparse as sp
import sympy  # noqa: F401  (imported before memory is traced: lps uses it)

import topogen
from topogen import TopogenError, Topology
from topogen._checks import MESSAGE_LIMIT, fmt_value
from topogen.analysis import (
    analyze,
    degrees,
    is_path_connected,
    is_symmetric,
    path_count_summary,
    path_counts,
)
from topogen.generators.baselines import uniform_layer
from topogen.generators.expanders import biregular_layer, prabhu_layer
from topogen.generators.radix import radix_net_size
from topogen.topology import trusted

matplotlib.use("Agg")


def _peak(fn):
    """(result, peak bytes traced while running fn)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------- item 2
def test_path_connected_of_a_wide_sparse_net_allocates_by_edges_not_width_squared():
    t = topogen.erdos_renyi([300_000, 300_000, 300_000], 1e-8, seed=0)  # 900 + 900 edges
    connected, peak = _peak(lambda: is_path_connected(t))
    assert connected is False
    assert peak < 64 * 2**20  # n0 * n0 / 64 words would be 10.5 GiB


def test_path_connected_chunks_stay_under_max_bytes_and_agree_with_the_truth():
    n = 20_000  # through a single neuron: connected, and no early rejection applies
    star = Topology([np.ones((n, 1), dtype=bool), np.ones((1, 7), dtype=bool),
                     sp.csr_array(np.ones((7, n), dtype=bool))])
    connected, peak = _peak(lambda: is_path_connected(star, max_bytes=2**20))
    assert connected is True
    assert peak < 16 * 2**20  # the n0 x n0 bit matrix alone would be 50 MB
    cut = Topology([np.ones((n, 1), dtype=bool), np.ones((1, 7), dtype=bool),
                    sp.csr_array(sp.eye_array(7, n, dtype=bool))])  # outputs 7.. unreached
    assert is_path_connected(cut, max_bytes=2**20) is False


@pytest.mark.parametrize("build", [
    lambda: topogen.erdos_renyi([10**9, 10**9], 1e-12, seed=0),
    lambda: topogen.erk([10**9, 10**9], 1e-12, seed=0),
    lambda: topogen.x_net([10**9, 1], degree=1, method="prabhu", seed=0),
    lambda: topogen.dense([10**9, 1]),
    lambda: topogen.butterfly(2**30, 1),
    lambda: uniform_layer(10**9, 1, 1, seed=0),
    lambda: biregular_layer(10**9, 10**9, 1, seed=0),
    lambda: prabhu_layer(10**9, 1, 1, seed=0),
    lambda: topogen.radix_net([[2]], [10**9, 1]),
    lambda: topogen.lps(5, 13, max_edges=1000),
    lambda: topogen.Topology([np.ones((1, 1))]).kron([10**9, 1]),
], ids=["erdos_renyi", "erk", "x_net", "dense", "butterfly", "uniform_layer",
        "biregular_layer", "prabhu_layer", "radix_net", "lps", "kron"])
def test_huge_widths_are_refused_before_allocating(build):
    """The class of flaw: allocation proportional to widths, not covered by an edge cap."""
    def attempt():
        with pytest.raises(TopogenError, match="max_edges"):
            build()

    _, peak = _peak(attempt)
    assert peak < 16 * 2**20


def test_dense_copies_and_networkx_check_their_own_size():
    t = topogen.radix_net([[2] * 12] * 4, [16] * 49)  # 48 layers, 12 distinct, 65536 wide
    with pytest.raises(TopogenError, match="to_dense would allocate"):
        t.to_dense()
    with pytest.raises(TopogenError, match="to_networkx would build"):
        t.to_networkx()
    with pytest.raises(TopogenError, match="path_counts would build"):
        path_counts(t)


# ---------------------------------------------------------------------------- item 3
def _deep_asymmetric(depth=2000):
    W = np.array([[1, 1, 0], [0, 1, 1], [1, 1, 1]])
    return Topology([W] * depth), W


def _exact_power(W, depth):
    """W ** depth over Python ints (an oracle independent of the library)."""
    M = [[int(v) for v in row] for row in W]
    R = [[int(i == j) for j in range(3)] for i in range(3)]
    while depth:
        if depth & 1:
            R = [[sum(R[i][k] * M[k][j] for k in range(3)) for j in range(3)] for i in range(3)]
        M = [[sum(M[i][k] * M[k][j] for k in range(3)) for j in range(3)] for i in range(3)]
        depth >>= 1
    return R


def test_deep_asymmetric_net_path_summary_is_exact_and_never_a_float():
    t, W = _deep_asymmetric()
    P = _exact_power(W, t.depth)
    total = sum(map(sum, P))
    assert total.bit_length() > 2000  # far beyond any float
    s = path_count_summary(t)
    assert s["total"] == total and not s["symmetric"] and s["path_connected"]
    assert s["per_pair"] == Fraction(total, 9)
    assert s["per_pair_log2"] == pytest.approx(math.log2(total // 9), rel=1e-12)
    assert np.array_equal(path_counts(t), np.array(P, dtype=object))


def test_deep_asymmetric_net_report_and_paths_plot():
    from topogen import plot

    t, _ = _deep_asymmetric()
    r = analyze(t)
    text = r.table()
    assert "per pair on average (not symmetric)" in text and "e7" in text
    d = r.as_dict()
    mean = r.paths["per_pair"]  # an exact Fraction; in JSON an int when whole, else None
    assert d["paths"]["per_pair"] == (mean.numerator if mean.denominator == 1 else None)
    assert d["paths"]["per_pair_log2"] > 2000
    assert json.loads(r.to_json())["paths"]["total"] == r.paths["total"]
    fig = plot.path_counts(t)
    assert fig.axes[1].get_ylabel() == "log2(1 + paths)"
    shown = fig.axes[0].images[0].get_array()
    assert float(shown.max()) == pytest.approx(math.log2(max(map(max, _exact_power(
        np.array([[1, 1, 0], [0, 1, 1], [1, 1, 1]]), 2000)))), rel=1e-12)


# ---------------------------------------------------------------------------- items 8, 9
def test_analyze_of_many_empty_layers_and_of_distinct_layers():
    t = trusted([sp.csr_array((1, 1), dtype=bool)] * 30_000)
    r = analyze(t)
    assert r.paths["total"] == 0 and not r.paths["path_connected"]
    assert len(r.layers) == 30_000 and r.layers[-1].nnz == 0


def test_default_analysis_samples_spectra_and_says_so():
    rng = np.random.default_rng(0)
    base = topogen.radix_net([[2] * 3] * 8, [2] * 25)  # 24 layers, 3 distinct
    t = base.permute([rng.permutation(w) for w in base.widths])  # 24 distinct
    assert len(t.distinct_layers) == 24
    r = analyze(t, max_spectra=6)
    computed = [layer.index for layer in r.layers if layer.spectral]
    assert len(computed) == 6 and computed[:3] == [0, 1, 2] and 23 in computed
    assert "spectra of 6 of the 24 distinct layers" in r.spectral_note
    assert "max_spectra=None" in r.table()
    full = analyze(t, max_spectra=None)
    assert all(layer.spectral for layer in full.layers) and full.spectral_note is None


def test_the_challenge_scale_net_is_built_and_analysed_per_distinct_layer():
    size = radix_net_size([[2] * 12] * 160, [16] * 1921)
    assert size["edges"] == 65536 * 32 * 1920 and size["distinct_layers"] == 12
    t = topogen.radix_net([[2] * 12] * 160, [16] * 1921)  # 4e9 edges, 12 arrays shared
    assert len(t.distinct_layers) == 12 and t.nnz == size["edges"]
    d = degrees(t)
    assert d[0] is d[12] and not d[0].out_degree.flags.writeable
    assert is_symmetric(t)
    r = analyze(t, spectral=False)
    assert r.paths["per_pair"] == 2**9584 and r.regular and r.paths["path_connected"]


def test_refusal_messages_abbreviate_long_parameters():
    with pytest.raises(TopogenError) as info:
        topogen.radix_net([[2] * 12] * 160, [16] * 1921, max_edges=1000)
    text = str(info.value)
    assert len(text) < 500 and "[[2] * 12] * 160" in text and "[16] * 1921" in text
    assert len(str(TopogenError("x" * 50_000))) <= MESSAGE_LIMIT
    assert fmt_value(list(range(10**6))) == "[0, 1, 2, 3, ... (1000000 items)]"
