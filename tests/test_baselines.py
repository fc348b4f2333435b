"""Baselines: dense, Erdos-Renyi, ERK, butterfly, random_regular."""

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import topogen
from topogen import TopogenError
from topogen.analysis import path_counts
from topogen.generators.baselines import erk_densities, uniform_layer

widths_st = st.lists(st.integers(1, 30), min_size=2, max_size=4)


@given(widths_st)
def test_dense_is_complete(widths):
    t = topogen.dense(widths)
    assert t.widths == tuple(widths) and t.density == 1.0
    for layer in t.layers:
        assert layer.toarray().all()
    assert topogen.Topology(list(t.layers)) == t  # canonical


@given(widths_st, st.floats(0.01, 1.0), st.integers(0, 1000))
def test_erdos_renyi_exact_counts(widths, density, seed):
    t = topogen.erdos_renyi(widths, density, seed=seed)
    for (a, b), nnz, layer in zip(pairwise(widths), t.layer_nnz, t.layers):
        assert nnz == max(1, round(density * a * b))
        assert layer.toarray().sum() == nnz  # no duplicate merged away
    assert topogen.Topology(list(t.layers)) == t
    assert t == topogen.erdos_renyi(widths, density, seed=seed)


def test_uniform_layer_is_uniform():
    """Every cell equally likely (chi-square-like tolerance), small and large paths."""
    counts = np.zeros((4, 5))
    rng = np.random.default_rng(0)
    for _ in range(3000):
        counts += uniform_layer(4, 5, 6, seed=rng).toarray()
    assert np.allclose(counts / 3000, 6 / 20, atol=0.03)
    W = uniform_layer(10**5, 10**3, 5000, seed=1)  # total > 2**24: the unique() path
    assert W.nnz == 5000
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    assert abs(rows.mean() / 1e5 - 0.5) < 0.02 and abs(W.indices.mean() / 1e3 - 0.5) < 0.02
    assert uniform_layer(3, 3, 9, seed=0).nnz == 9 and uniform_layer(3, 3, 0, seed=0).nnz == 0
    assert uniform_layer(10, 10, 80, seed=0).nnz == 80  # complement path


def test_erdos_renyi_set_epsilon():
    t = topogen.erdos_renyi([100, 300, 10], epsilon=2, seed=0)
    assert t.layer_nnz == (800, 620)  # 2 * (100 + 300) and 2 * (300 + 10) edges


@given(st.lists(st.integers(1, 60), min_size=2, max_size=5), st.floats(0.01, 1.0))
def test_erk_densities_meet_total(widths, density):
    dens = erk_densities(widths, density)
    sizes = [a * b for a, b in pairwise(widths)]
    assert all(0 < d <= 1 + 1e-12 for d in dens)
    assert sum(d * s for d, s in zip(dens, sizes)) == pytest.approx(density * sum(sizes))
    # ER scaling: non-dense layers have density proportional to (n_i + n_(i+1)) / (n_i n_(i+1))
    ratios = [d / ((a + b) / (a * b)) for d, (a, b) in zip(dens, pairwise(widths))
              if d < 1 - 1e-12]
    assert np.allclose(ratios, ratios[0]) if ratios else True


def test_erk_topology():
    t = topogen.erk([784, 300, 100, 10], 0.1, seed=1)
    assert t.layer_density[2] == 1.0
    assert t.density == pytest.approx(0.1, abs=1e-4)
    assert t.meta["params"]["layer_density"][2] == 1.0


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_butterfly_one_path(m):
    n = 2**m
    t = topogen.butterfly(n)
    assert t.depth == m
    assert all(set(layer.sum(axis=1).tolist()) == {2} for layer in t.layers)
    P = path_counts(t)
    assert np.all(np.asarray(P.toarray() if hasattr(P, "toarray") else P) == 1)


def test_butterfly_isomorphic_to_mixed_radix_2():
    """Relabelled by r -> r XOR ..., the butterfly layer k equals radix-2 layer nu = 2^k."""
    n = 8
    b = topogen.butterfly(n)
    r = topogen.mixed_radix([2, 2, 2])
    for k in range(3):
        B, R = b.layers[k].toarray(), r.layers[k].toarray()
        assert B.sum() == R.sum()
        # both join r to exactly {r, r +- 2^k}; XOR flips bit k, minus subtracts 2^k mod 8
        rows = np.arange(n)
        assert np.all(B[rows, rows ^ (1 << k)]) and np.all(R[rows, (rows - (1 << k)) % n])


def test_butterfly_deeper_repeats_stages():
    t = topogen.butterfly(4, depth=5)
    assert t.depth == 5 and t.layers[0] is t.layers[2] is t.layers[4]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: topogen.butterfly(6), "power of two"),
        (lambda: topogen.butterfly(1), ">= 2"),
        (lambda: topogen.erdos_renyi([5, 5], 0.0), r"\(0, 1\]"),
        (lambda: topogen.erdos_renyi([5, 5], 1.2), r"\(0, 1\]"),
        (lambda: topogen.erdos_renyi([5, 5]), "exactly one"),
        (lambda: topogen.erdos_renyi([5, 5], epsilon=-1), "epsilon"),
        (lambda: topogen.erk([5, 5], 0), r"\(0, 1\]"),
        (lambda: topogen.dense([5]), "at least 2"),
        (lambda: topogen.dense([10**6, 10**6]), "max_edges"),
        (lambda: topogen.random_regular([10, 15], 3, seed=0), "multiple"),
    ],
)
def test_bad_parameters(call, match):
    with pytest.raises(TopogenError, match=match):
        call()


def test_random_regular():
    t = topogen.random_regular([20, 40, 10], 4, seed=4)
    assert t.meta["generator"] == "random_regular"
    for layer, n_in, n_out in zip(t.layers, (20, 40), (40, 10)):
        A = layer.toarray()
        assert set(A.sum(axis=0).tolist()) == {4}
        assert set(A.sum(axis=1).tolist()) == {4 * n_out // n_in}
    assert math.isclose(t.layer_density[0], 4 / 20)


@pytest.mark.parametrize("build", [
    lambda seed: topogen.x_net([12, 12, 6], degree=[3, 4], seed=seed),
    lambda seed: topogen.x_net([12, 9], degree=4, method="prabhu", seed=seed),
    lambda seed: topogen.erdos_renyi([20, 30, 10], 0.2, seed=seed),
    lambda seed: topogen.erk([20, 30, 10], 0.2, seed=seed),
    lambda seed: topogen.random_regular([12, 12], 3, seed=seed),
], ids=["x_net", "prabhu", "erdos_renyi", "erk", "random_regular"])
def test_unseeded_generators_record_the_seed_they_drew(build):
    t = build(None)
    seed = t.meta["seed"]
    assert isinstance(seed, int) and seed >= 0
    assert build(seed) == t  # the recorded seed rebuilds it
    other = build(None)
    assert other.meta["seed"] != seed  # a fresh draw each time
    g = build(np.random.default_rng(5))  # a Generator: an int drawn from it is recorded
    assert isinstance(g.meta["seed"], int) and build(g.meta["seed"]) == g
    assert build(np.random.default_rng(5)) == g
