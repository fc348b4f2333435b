"""X-Net layers and explicit expander families, against their definitions and networkx."""

import math
from collections import Counter

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import topogen
from topogen import TopogenError
from topogen.generators.expanders import biregular_layer, graph_layer, prabhu_layer


def _canonical(layer):
    """Layer invariants every generator must keep (topology.trusted does not check)."""
    assert isinstance(layer, sp.csr_array) and layer.dtype == bool
    assert not layer.indices.flags.writeable
    assert layer.data.all()
    for r in range(layer.shape[0]):
        row = layer.indices[layer.indptr[r]:layer.indptr[r + 1]]
        assert np.all(np.diff(row) > 0)
    # strict constructor accepts it unchanged
    assert topogen.Topology([layer]).layers[0].nnz == layer.nnz


@st.composite
def biregular_params(draw):
    n_in = draw(st.integers(1, 40))
    n_out = draw(st.integers(1, 40))
    g = n_in // math.gcd(n_in, n_out)  # feasible fan-ins are the multiples of g
    d_in = g * draw(st.integers(1, n_in // g))
    return n_in, n_out, d_in, draw(st.integers(0, 2**32 - 1))


@given(biregular_params())
def test_biregular_layer_is_exactly_biregular_and_simple(params):
    n_in, n_out, d_in, seed = params
    W = biregular_layer(n_in, n_out, d_in, seed=seed)
    dense = W.toarray().astype(int)
    d_out = n_out * d_in // n_in
    assert dense.sum(axis=0).tolist() == [d_in] * n_out
    assert dense.sum(axis=1).tolist() == [d_out] * n_in
    assert W.nnz == n_out * d_in == dense.sum()  # no repeated edge was merged away
    _canonical(W)


@given(st.integers(1, 30), st.integers(1, 30), st.data())
def test_prabhu_layer_fan_in_exact(n_in, n_out, data):
    d = data.draw(st.integers(1, n_in))
    seed = data.draw(st.integers(0, 1000))
    W = prabhu_layer(n_in, n_out, d, seed=seed)
    assert W.toarray().sum(axis=0).tolist() == [d] * n_out
    assert W.nnz == n_out * d
    _canonical(W)


def test_prabhu_layer_uniform_sources():
    """Each output's D sources are a uniform D-subset: every input equally likely."""
    n_in, d, trials = 10, 3, 20000
    W = prabhu_layer(n_in, trials, d, seed=5)
    freq = W.toarray().sum(axis=1) / trials  # fraction of outputs using each input
    assert np.allclose(freq, d / n_in, atol=0.015)
    # pairs too (uniform subsets, not e.g. consecutive blocks)
    pairs = Counter()
    cols = W.T.tocsr()
    for c in range(2000):
        idx = cols.indices[cols.indptr[c]:cols.indptr[c + 1]]
        pairs[tuple(idx[:2])] += 1
    assert len(pairs) > 30


def test_rejection_and_argpartition_paths_both_exact():
    # d^2 <= n uses rejection, d^2 > n the argpartition path
    for n_in, d in [(100, 10), (100, 11), (5, 5)]:
        W = prabhu_layer(n_in, 50, d, seed=1)
        assert W.toarray().sum(axis=0).tolist() == [d] * 50


def test_biregular_dense_side_uses_complement():
    W = biregular_layer(40, 60, 30, seed=3)  # density 3/4
    A = W.toarray()
    assert A.sum(axis=0).tolist() == [30] * 60 and A.sum(axis=1).tolist() == [45] * 40


def test_x_net_reproducible_and_seed_dependent():
    a = topogen.x_net([30, 60, 20], degree=[4, 6], seed=11)
    b = topogen.x_net([30, 60, 20], degree=[4, 6], seed=11)
    c = topogen.x_net([30, 60, 20], degree=[4, 6], seed=12)
    assert a == b and a != c
    assert a.meta["params"]["in_degrees"] == [4, 6]
    assert a.meta["params"]["out_degrees"] == [8, 2]
    assert a.meta["seed"] == 11
    g = np.random.default_rng(3)
    assert topogen.x_net([8, 8], degree=2, seed=g).layer_nnz == (16,)


def test_x_net_density_exact_and_warning():
    t = topogen.x_net([100, 100, 50], density=0.1, seed=0)
    assert t.layer_density == (0.1, 0.1)
    with pytest.warns(UserWarning, match="chose in-degrees"):
        t = topogen.x_net([10, 15], density=0.25, seed=0)
    # 15 * d must be a multiple of 10: d in {2, 4, ...}; 0.25 * 10 = 2.5 -> 2
    assert t.meta["params"]["in_degrees"] == [2]
    assert t.layer_density == (0.2,)


def test_x_net_prabhu_method():
    t = topogen.x_net([50, 20], degree=5, seed=2, method="prabhu")
    assert t.layers[0].toarray().sum(axis=0).tolist() == [5] * 20
    assert t.meta["params"]["out_degrees"] is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"widths": [10, 15], "degree": 3}, "multiple of 2"),
        ({"widths": [10, 10], "degree": 11}, "<= 10"),
        ({"widths": [10, 10], "degree": 0}, ">= 1"),
        ({"widths": [10, 10], "density": 0.0}, r"\(0, 1\]"),
        ({"widths": [10, 10], "density": 1.5}, r"\(0, 1\]"),
        ({"widths": [10, 10]}, "exactly one"),
        ({"widths": [10, 10], "degree": 2, "density": 0.2}, "exactly one"),
        ({"widths": [10], "degree": 2}, "at least 2"),
        ({"widths": [10, 10], "degree": 2, "method": "magic"}, "method"),
        ({"widths": [10, 10, 10], "degree": [2]}, "one per layer"),
        ({"widths": [10, 10], "degree": 2, "seed": -1}, "seed"),
    ],
)
def test_x_net_bad_parameters(kwargs, match):
    with pytest.raises(TopogenError, match=match):
        topogen.x_net(**kwargs)


def test_x_net_size_cap_before_allocation():
    with pytest.raises(TopogenError, match="max_edges"):
        topogen.x_net([10**9, 10**9], degree=16, max_edges=10**6)


def test_x_net_is_good_expander():
    """A random 8-regular layer is near-Ramanujan (Friedman): sigma_2 <= bound + 0.3."""
    t = topogen.x_net([400, 400], degree=8, seed=0)
    s = np.linalg.svd(t.layers[0].toarray().astype(float), compute_uv=False)
    assert s[0] == pytest.approx(8.0)
    assert s[1] <= 2 * math.sqrt(7) + 0.3


# ---------------------------------------------------------------------------- explicit families
def _edge_multiset(A, loop_weight):
    """Edges {u, v} with multiplicity from a symmetric adjacency; loops count A[v,v]/loop_weight."""
    coo = sp.coo_array(A)
    out = Counter()
    for u, v, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()):
        if u < v:
            out[(u, v)] += w
        elif u == v:
            out[(u, u)] += w // loop_weight
    return out


def _nx_multiset(G, index):
    out = Counter()
    for u, v in G.edges():
        a, b = sorted((index[u], index[v]))
        out[(a, b)] += 1
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_mgg_matches_networkx(n):
    A = topogen.margulis_gabber_galil(n)
    G = nx.margulis_gabber_galil_graph(n)
    index = {(x, y): x * n + y for x in range(n) for y in range(n)}
    assert _edge_multiset(A, 2) == _nx_multiset(G, index)
    assert (A != A.T).nnz == 0 and set(A.sum(axis=1).tolist()) == {8}


@pytest.mark.parametrize("p", [2, 3, 5, 7, 13, 31])
def test_chordal_cycle_matches_networkx(p):
    A = topogen.chordal_cycle(p)
    G = nx.chordal_cycle_graph(p)
    nxm = _nx_multiset(G, {v: v for v in range(p)})
    ours = Counter()
    for (u, v), w in _edge_multiset(A, 1).items():
        ours[(u, v)] = w if u == v else 2 * w  # networkx counts each edge from both ends
    assert ours == nxm
    assert set(A.sum(axis=1).tolist()) == {3} and (A != A.T).nnz == 0


@pytest.mark.parametrize("q", [5, 13, 17, 29, 37])
def test_paley_matches_networkx_and_spectrum(q):
    A = topogen.paley(q)
    G = nx.paley_graph(q)
    assert {(u, v) for u, v in G.edges()} == set(zip(*sp.coo_array(A).coords))
    ev = np.linalg.eigvalsh(A.toarray().astype(float))
    expected = sorted([(q - 1) / 2] + [(-1 + math.sqrt(q)) / 2] * ((q - 1) // 2)
                      + [(-1 - math.sqrt(q)) / 2] * ((q - 1) // 2))
    assert np.allclose(ev, expected)


@pytest.mark.parametrize("bad, match", [(9, "prime"), (7, "% 4 == 1"), (1, ">= 2"), (2.5, "int")])
def test_paley_bad_q(bad, match):
    with pytest.raises(TopogenError, match=match):
        topogen.paley(bad)


def test_chordal_and_mgg_bad():
    with pytest.raises(TopogenError, match="prime"):
        topogen.chordal_cycle(15)
    with pytest.raises(TopogenError, match=">= 1"):
        topogen.margulis_gabber_galil(0)


def test_networkx_regular_expander_check():
    """networkx's is_regular_expander agrees for the Paley graph (simple, regular)."""
    G = nx.from_scipy_sparse_array(topogen.paley(29))
    assert nx.is_regular_expander(G)


def test_mgg_second_eigenvalue_bound():
    A = topogen.margulis_gabber_galil(10).toarray().astype(float)
    ev = np.sort(np.abs(np.linalg.eigvalsh(A)))[::-1]
    assert ev[0] == pytest.approx(8.0)
    assert ev[1] <= 5 * math.sqrt(2) + 1e-9


# ---------------------------------------------------------------------------- from_graph
def test_from_graph_networkx_and_scipy_agree():
    G = nx.petersen_graph()
    t1 = topogen.from_graph(G, 3)
    t2 = topogen.from_graph(nx.to_scipy_sparse_array(G), 3)
    t3 = topogen.from_graph(nx.to_numpy_array(G), 3)
    assert t1 == t2 == t3
    assert t1.widths == (10,) * 4 and t1.layer_nnz == (30,) * 3
    assert t1.layers[0] is t1.layers[2]  # shared immutable layer
    assert np.array_equal(t1.layers[0].toarray(), nx.to_numpy_array(G) > 0)


def test_graph_layer_support_of_multigraph():
    A = topogen.margulis_gabber_galil(4)
    L = graph_layer(A)
    assert np.array_equal(L.toarray(), A.toarray() != 0)
    assert L.toarray().sum(axis=1).max() <= 8
    _canonical(L)


def test_from_graph_directed_keeps_direction():
    t = topogen.from_graph(nx.DiGraph([(0, 1), (1, 2)]), 1)
    assert t.layers[0].toarray().astype(int).tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_from_graph_bad_input():
    with pytest.raises(TopogenError, match="square"):
        topogen.from_graph(np.ones((2, 3)), 1)
    with pytest.raises(TopogenError, match="depth"):
        topogen.from_graph(nx.path_graph(3), 0)
