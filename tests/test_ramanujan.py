"""LPS Ramanujan graphs and bipartite Ramanujan layers, against known facts and dense NumPy."""

import math
from functools import cache

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sympy import legendre_symbol

import topogen
from topogen import TopogenError
from topogen.generators.ramanujan import incidence_layer, lps_generators


@cache
def _lps(p, q):
    return topogen.lps(p, q)


@pytest.mark.parametrize("p", [5, 13, 17, 29, 37])
def test_generators_jacobi(p):
    g = lps_generators(p)
    assert g.shape == (p + 1, 4)
    assert np.all((g**2).sum(axis=1) == p)
    assert np.all(g[:, 0] > 0) and np.all(g[:, 0] % 2 == 1) and np.all(g[:, 1:] % 2 == 0)
    assert len({tuple(r) for r in g.tolist()}) == p + 1


def test_x_5_13_known_facts():
    """X^{5,13}: 6-regular on 2184 = |PGL(2,13)| vertices, bipartite, Ramanujan, connected."""
    A = _lps(5, 13)
    assert A.shape == (2184, 2184)
    assert (A != A.T).nnz == 0 and A.diagonal().sum() == 0 and A.max() == 1
    assert set(A.sum(axis=1).tolist()) == {6}
    # bipartite with PSL(2, 13) (the first 1092 vertices) on one side
    assert A[:1092, :1092].nnz == 0 and A[1092:, 1092:].nnz == 0
    assert nx.is_bipartite(nx.from_scipy_sparse_array(A))
    assert connected_components(A, directed=False)[0] == 1
    # dense oracle: the eigenvalues of [[0, B], [B^T, 0]] are +- the singular values of B
    s = np.linalg.svd(A[:1092, 1092:].toarray().astype(float), compute_uv=False)
    assert s[0] == pytest.approx(6) and s[1] < 6 - 1
    assert s[1] <= 2 * math.sqrt(5) + 1e-9


@pytest.mark.parametrize("p, q", [(5, 29), (13, 17), (17, 13), (29, 5), (5, 37), (13, 5)])
def test_lps_vertex_count_regularity_ramanujan(p, q):
    A = _lps(p, q)
    psl = legendre_symbol(p, q) == 1
    n = q * (q * q - 1) // (2 if psl else 1)
    assert A.shape == (n, n)
    assert (A != A.T).nnz == 0
    assert set(A.sum(axis=1).tolist()) == {p + 1}
    half = n // 2
    is_bip = A[:half, :half].nnz == 0 and A[half:, half:].nnz == 0
    assert is_bip == (not psl)
    assert connected_components(A, directed=False)[0] == 1
    if n <= 1500 or (p, q) == (5, 29):
        g = topogen.analysis.spectral_gap(A, graph=True)
        assert g.lambda1 == pytest.approx(p + 1)
        assert g.bipartite == (not psl)
        if q > 2 * math.sqrt(p):  # the LPS hypothesis (q = 5 < 2 sqrt(13) may collide)
            assert g.is_ramanujan and g.lambda2 <= 2 * math.sqrt(p) + 1e-6


def test_lps_is_cayley_graph_vertex_transitive_degree_sequence():
    """No multi-edges (q > 2 sqrt p) and A^2 has constant diagonal p + 1."""
    A = _lps(5, 13)
    assert A.max() == 1
    B = (A @ A).toarray()
    # in a bipartite (p+1)-regular Cayley graph A^2 has diagonal p+1 everywhere
    assert set(np.diag(B).tolist()) == {6}


@pytest.mark.parametrize(
    "p, q, match",
    [(5, 5, "distinct"), (7, 13, "% 4 == 1"), (5, 15, "prime"), (5, 11, "% 4 == 1"),
     (4, 13, "prime"), (5, 0, ">= 2")],
)
def test_lps_bad_parameters(p, q, match):
    with pytest.raises(TopogenError, match=match):
        topogen.lps(p, q)


def test_lps_size_cap():
    with pytest.raises(TopogenError, match="max_edges"):
        topogen.lps(5, 101, max_edges=1000)


# ---------------------------------------------------------------------------- incidence layers
def test_incidence_layer_gram_identity():
    G = nx.petersen_graph()
    N = incidence_layer(G).toarray().astype(int)
    A = nx.to_numpy_array(G, dtype=int)
    assert np.array_equal(N @ N.T, np.diag(A.sum(axis=1)) + A)
    assert N.sum(axis=0).tolist() == [2] * 15


def test_incidence_layer_rejects_multigraph_and_loops():
    with pytest.raises(TopogenError, match="simple"):
        A = topogen.chordal_cycle(5)  # the chord 2 - 3 doubles a cycle edge
        incidence_layer(A - sp.diags_array(A.diagonal(), dtype=A.dtype))
    with pytest.raises(TopogenError, match="loops"):
        incidence_layer(np.eye(3))
    with pytest.raises(TopogenError, match="symmetric"):
        incidence_layer(np.array([[0, 1], [0, 0]]))


@pytest.mark.parametrize("q", [13, 29])
def test_bipartite_ramanujan_meets_biregular_bound_dense(q):
    A = topogen.paley(q)
    d = (q - 1) // 2
    t = topogen.bipartite_ramanujan(A)
    assert t.widths == (q, q * d // 2)
    W = t.layers[0].toarray().astype(float)
    assert W.sum(axis=1).tolist() == [d] * q and set(W.sum(axis=0).tolist()) == {2.0}
    s = np.linalg.svd(W, compute_uv=False)
    assert s[0] == pytest.approx(math.sqrt(2 * d))
    assert s[1] <= math.sqrt(d - 1) + math.sqrt(2 - 1) + 1e-9
    assert t.meta["params"]["lambda2"] == pytest.approx(s[1], rel=1e-9)
    # singular values are sqrt(d + lambda) for the graph's eigenvalues (independent oracle)
    ev = np.sort(np.linalg.eigvalsh(A.toarray().astype(float)))[::-1]
    assert np.allclose(s[:q], np.sqrt(np.clip(d + ev, 0, None)), atol=1e-7)


def test_bipartite_ramanujan_from_lps():
    A = _lps(5, 13)
    t = topogen.bipartite_ramanujan(A)
    assert t.widths == (2184, 6552)
    W = t.layers[0]
    assert set(W.sum(axis=1).tolist()) == {6} and set(W.sum(axis=0).tolist()) == {2}
    g = topogen.analysis.spectral_gap(A, graph=True)
    # sigma_2 = sqrt(6 + lambda_2(A)) with lambda_2(A) the second (signed) eigenvalue
    assert t.meta["params"]["lambda2"] == pytest.approx(math.sqrt(6 + g.second_eigenvalue),
                                                        rel=1e-7)
    assert t.meta["params"]["lambda2"] <= math.sqrt(5) + 1


def test_bipartite_ramanujan_transpose():
    t = topogen.bipartite_ramanujan(topogen.paley(13), transpose=True)
    assert t.widths == (39, 13)
    assert set(t.layers[0].toarray().sum(axis=1).tolist()) == {2}


def test_bipartite_ramanujan_rejects_non_ramanujan():
    # the 3-cube's incidence layer meets the bound (it is Ramanujan); the 8-cycle, a
    # 2-regular graph, gives d - 1 = 1: bound 2 = sigma_1, met trivially; a disjoint union
    # of two K4 (3-regular, disconnected) has lambda = 3 nontrivial -> not Ramanujan
    G = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(4))
    with pytest.raises(TopogenError, match="not Ramanujan"):
        topogen.bipartite_ramanujan(G)
    t = topogen.bipartite_ramanujan(G, check=False)
    assert t.meta["params"]["lambda2"] is None


def test_bipartite_ramanujan_rejects_irregular():
    with pytest.raises(TopogenError, match="d-regular"):
        topogen.bipartite_ramanujan(nx.path_graph(4))


def _components(layer):
    B = sp.bmat([[None, layer], [layer.T, None]], format="csr")
    return connected_components(B, directed=False)[0]


def test_bipartite_lps_layer_is_the_biadjacency_and_ramanujan():
    from topogen.analysis import spectral_gap
    from topogen.generators.ramanujan import lps_layer, lps_net

    A = topogen.lps(5, 13)  # (5|13) = -1: bipartite on PGL(2, 13)
    assert _components(topogen.from_graph(A).layers[0]) == 2  # the double cover: two copies
    W = lps_layer(5, 13)
    assert W.shape == (1092, 1092) and _components(W) == 1
    assert np.array_equal(W.toarray(), A[:1092, 1092:].toarray() != 0)
    g = spectral_gap(W)
    assert g.is_ramanujan is True and g.degrees == ((6, 6), (6, 6))
    assert not any("disconnected" in n for n in g.notes)
    ev = np.linalg.eigvalsh(A.toarray().astype(float))  # oracle: graph eigenvalues
    assert g.lambda2 == pytest.approx(sorted(abs(ev))[-3], abs=1e-6)  # |+-6| set aside
    t = lps_net(5, 13, depth=3)
    assert t.meta["params"]["case"] == "bipartite" and "biadjacency" in t.meta["params"]["layer"]
    assert (t.layers[1] != W.T).nnz == 0 and t.layers[2] is t.layers[0]


def test_non_bipartite_lps_layer_is_the_adjacency():
    from topogen.analysis import spectral_gap
    from topogen.generators.ramanujan import lps_layer, lps_net

    W = lps_layer(13, 17)  # (13|17) = 1: PSL(2, 17), 2448 vertices, 14-regular
    assert W.shape == (2448, 2448) and _components(W) == 1
    assert spectral_gap(W).is_ramanujan is True
    assert lps_net(13, 17).meta["params"]["case"] == "non-bipartite"
