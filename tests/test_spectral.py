"""Spectral analysis against dense NumPy, networkx and brute-force expansion."""

import itertools
import json
import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import topogen
from topogen import TopogenError
from topogen.analysis import ramanujan_bound, spectral_gap, spectrum
from topogen.generators.expanders import biregular_layer

TIGHT = 1e-10  # ARPACK tolerance for agreement tests


def test_ramanujan_bound_values():
    assert ramanujan_bound(3) == pytest.approx(2 * math.sqrt(2))
    assert ramanujan_bound(16, 16) == pytest.approx(2 * math.sqrt(15))
    assert ramanujan_bound(6, 2) == pytest.approx(math.sqrt(5) + 1)
    assert ramanujan_bound(1) == 0.0
    with pytest.raises(TopogenError, match="d_out"):
        ramanujan_bound(0)
    with pytest.raises(TopogenError, match="d_in"):
        ramanujan_bound(3, 0)


# ---------------------------------------------------------------------------- layers
def _layers():
    rng = np.random.default_rng(0)
    return {
        "biregular": topogen.x_net([120, 200], degree=6, seed=1).layers[0],
        "biregular_wide_in": topogen.x_net([200, 120], degree=10, seed=2).layers[0],
        "prabhu": topogen.x_net([150, 90], degree=5, seed=3, method="prabhu").layers[0],
        "random": sp.csr_array(rng.random((80, 130)) < 0.05),
    }


@pytest.mark.parametrize("name", ["biregular", "biregular_wide_in", "prabhu", "random"])
def test_layer_dense_and_sparse_agree(name):
    W = _layers()[name]
    d = spectral_gap(W, method="dense")
    s = spectral_gap(W, method="sparse", tol=TIGHT)
    assert d.method == "dense" and s.method == "sparse"
    for field in ("lambda1", "lambda2", "gap"):
        assert getattr(s, field) == pytest.approx(getattr(d, field), rel=1e-7, abs=1e-9)
    assert d.is_ramanujan == s.is_ramanujan and d.regular == s.regular
    if d.cheeger is not None:
        assert np.allclose(d.cheeger, s.cheeger, rtol=1e-6, atol=1e-9)
    assert np.allclose(spectrum(W, 5, method="sparse", tol=TIGHT), spectrum(W, method="dense")[:5])


def test_layer_singular_values_match_numpy_and_double_cover():
    W = _layers()["prabhu"]
    dense = W.toarray().astype(float)
    s = spectrum(W)
    assert np.allclose(s, np.linalg.svd(dense, compute_uv=False))
    n, m = dense.shape
    B = np.block([[np.zeros((n, n)), dense], [dense.T, np.zeros((m, m))]])
    ev = np.sort(np.linalg.eigvalsh(B))[::-1]
    assert np.allclose(ev[: len(s)], s, atol=1e-8)  # + sigma
    assert np.allclose(ev[::-1][: len(s)], -s, atol=1e-8)  # - sigma (the +- symmetry)
    g = spectral_gap(W)
    assert g.lambda2 == pytest.approx(np.sort(np.abs(ev))[::-1][2])  # after +- sigma_1


def test_biregular_layer_facts():
    g = spectral_gap(_layers()["biregular"])
    assert g.regular and g.degrees == ((10, 10), (6, 6))
    assert g.lambda1 == pytest.approx(math.sqrt(60))
    assert g.ramanujan_bound == pytest.approx(math.sqrt(9) + math.sqrt(5))
    assert g.is_ramanujan == (g.lambda2 <= g.ramanujan_bound)
    lo, hi = g.cheeger
    mu2 = g.lambda2 / g.lambda1
    assert lo == pytest.approx((1 - mu2) / 2) and hi == pytest.approx(math.sqrt(2 * (1 - mu2)))


def test_disconnected_layer_has_zero_gap_and_says_so():
    block = topogen.x_net([20, 20], degree=3, seed=0).layers[0].astype(int)
    W = sp.block_diag((block, block), format="csr")
    for method in ("dense", "sparse"):
        g = spectral_gap(W, method=method, tol=TIGHT)
        assert g.gap == pytest.approx(0, abs=1e-8)
        assert any("disconnected" in note for note in g.notes)
        assert g.lambda2 == pytest.approx(3.0)


def test_irregular_empty_and_thin_layers():
    g = spectral_gap(sp.csr_array((5, 7), dtype=bool))
    assert g.lambda1 == 0 and g.gap == 0 and g.ramanujan_bound is None
    assert any("no edges" in n for n in g.notes) and g.cheeger is None
    g = spectral_gap(np.ones((1, 6)))
    assert g.lambda1 == pytest.approx(math.sqrt(6)) and g.lambda2 == 0.0
    assert g.regular and g.ramanujan_bound == pytest.approx(math.sqrt(5))
    W = np.array([[1, 1, 0], [0, 0, 0], [0, 1, 1]])
    g = spectral_gap(W)
    assert not g.regular and g.ramanujan_bound is None and g.is_ramanujan is None
    assert g.cheeger is None and any("isolated" in n for n in g.notes)


def _conductance(W):
    """Brute-force conductance of the bipartite graph of a small layer."""
    n, m = W.shape
    B = np.block([[np.zeros((n, n)), W], [W.T, np.zeros((m, m))]])
    deg = B.sum(axis=1)
    best = math.inf
    for mask in itertools.product([0, 1], repeat=n + m):
        S = np.array(mask, dtype=bool)
        if S.all() or not S.any():
            continue
        cut = B[S][:, ~S].sum()
        best = min(best, cut / min(deg[S].sum(), deg[~S].sum()))
    return best


@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 10**6))
def test_layer_cheeger_bounds_hold(n, m, seed):
    rng = np.random.default_rng(seed)
    W = (rng.random((n, m)) < 0.6).astype(float)
    W[np.arange(n), rng.integers(0, m, n)] = 1  # no isolated source
    W[rng.integers(0, n, m), np.arange(m)] = 1  # no isolated target
    g = spectral_gap(W)
    phi = _conductance(W)
    assert g.cheeger[0] - 1e-9 <= phi <= g.cheeger[1] + 1e-9


# ---------------------------------------------------------------------------- graphs
def _edge_expansion(A):
    n = A.shape[0]
    off = A - np.diag(np.diag(A))
    best = math.inf
    for size in range(1, n // 2 + 1):
        for S in itertools.combinations(range(n), size):
            mask = np.zeros(n, dtype=bool)
            mask[list(S)] = True
            best = min(best, off[mask][:, ~mask].sum() / size)
    return best


@given(st.integers(3, 9), st.floats(0.2, 0.9), st.integers(0, 10**6))
def test_graph_cheeger_and_algebraic_connectivity(n, p, seed):
    G = nx.gnp_random_graph(n, p, seed=seed)
    A = nx.to_numpy_array(G)
    g = spectral_gap(A, graph=True)
    a = np.sort(nx.laplacian_spectrum(G))[1]
    assert g.algebraic_connectivity == pytest.approx(max(a, 0), abs=1e-9)
    h = _edge_expansion(A)
    assert g.cheeger[0] - 1e-9 <= h <= g.cheeger[1] + 1e-9
    if not nx.is_connected(G):
        assert g.algebraic_connectivity == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    "name", ["paley", "mgg", "chordal", "lps_psl", "irregular", "bipartite_irregular"]
)
def test_graph_dense_and_sparse_agree(name):
    A = {
        "paley": lambda: topogen.paley(61),
        "mgg": lambda: topogen.margulis_gabber_galil(9),
        "chordal": lambda: topogen.chordal_cycle(101),
        "lps_psl": lambda: topogen.lps(13, 5),  # (13|5) = 1: PSL(2, 5), 60 vertices
        "irregular": lambda: nx.to_scipy_sparse_array(nx.barabasi_albert_graph(200, 3, seed=1)),
        "bipartite_irregular": lambda: nx.to_scipy_sparse_array(
            nx.bipartite.random_graph(60, 80, 0.1, seed=2)),
    }[name]()
    d = spectral_gap(A, graph=True, method="dense")
    s = spectral_gap(A, graph=True, method="sparse", tol=TIGHT)
    for field in ("lambda1", "lambda2", "gap", "second_eigenvalue", "smallest_eigenvalue",
                  "algebraic_connectivity"):
        assert getattr(s, field) == pytest.approx(getattr(d, field), rel=1e-6, abs=1e-8), field
    assert d.bipartite == s.bipartite and d.is_ramanujan == s.is_ramanujan
    ev = np.linalg.eigvalsh(A.toarray().astype(float))
    assert d.lambda1 == pytest.approx(ev[-1]) and d.smallest_eigenvalue == pytest.approx(ev[0])
    # the six largest magnitudes; when |+x| and |-x| tie at the cut, either sign is a valid
    # pick, so compare magnitudes and check that every value returned is an eigenvalue
    top6 = np.sort(np.abs(ev))[::-1][:6]
    dense6 = spectrum(A, 6, graph=True, method="dense")
    assert np.allclose(np.sort(np.abs(dense6))[::-1], top6)
    assert all(np.isclose(ev, v).any() for v in dense6)
    # Lanczos may report a repeated eigenvalue fewer times (documented): every value it
    # reports is an eigenvalue, and the two largest distinct magnitudes agree
    lead = spectrum(A, 6, graph=True, method="sparse", tol=TIGHT)
    assert all(np.min(np.abs(ev - v)) < 1e-7 for v in lead)
    distinct = lambda x: np.unique(np.round(np.abs(x), 6))[::-1][:2]  # noqa: E731
    assert np.allclose(distinct(lead), distinct(top6))


def test_paley_graph_spectral_facts():
    q = 29
    g = spectral_gap(topogen.paley(q), graph=True)
    assert g.lambda1 == pytest.approx((q - 1) / 2)
    assert g.lambda2 == pytest.approx((1 + math.sqrt(q)) / 2)
    assert g.second_eigenvalue == pytest.approx((-1 + math.sqrt(q)) / 2)
    assert g.is_ramanujan and not g.bipartite and g.regular
    # strongly regular: algebraic connectivity = d - lambda_2
    assert g.algebraic_connectivity == pytest.approx((q - 1) / 2 - (-1 + math.sqrt(q)) / 2)


def test_bipartite_graph_trivial_pair():
    """An even cycle is bipartite: -2 is trivial, lambda2 = 2 cos(2 pi / n)."""
    g = spectral_gap(nx.cycle_graph(10), graph=True)
    assert g.bipartite and g.lambda2 == pytest.approx(2 * math.cos(2 * math.pi / 10))
    assert g.is_ramanujan  # every 2-regular connected graph: bound 2
    g = spectral_gap(nx.cycle_graph(9), graph=True)
    assert not g.bipartite and g.lambda2 == pytest.approx(2 * math.cos(math.pi / 9))


def test_disconnected_graph():
    G = nx.disjoint_union(nx.petersen_graph(), nx.petersen_graph())
    g = spectral_gap(G, graph=True)
    assert g.gap == pytest.approx(0, abs=1e-9) and g.is_ramanujan is False
    assert g.algebraic_connectivity == pytest.approx(0, abs=1e-9)
    assert g.cheeger[0] == pytest.approx(0, abs=1e-9)
    assert any("disconnected" in n for n in g.notes)


def test_networkx_is_regular_expander_agrees():
    for A in (topogen.paley(13), topogen.paley(29)):
        G = nx.from_scipy_sparse_array(A)
        g = spectral_gap(A, graph=True)
        assert nx.is_regular_expander(G) == g.is_ramanujan


def test_topology_gives_one_per_layer_and_json():
    t = topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1])
    gaps = spectral_gap(t)
    assert len(gaps) == 3 and all(g.kind == "layer" for g in gaps)
    spec = spectrum(t)
    assert [len(s) for s in spec] == [4, 8, 4]  # widths (4, 8, 8, 4)
    json.dumps([g.as_dict() for g in gaps])
    json.dumps(spectral_gap(topogen.paley(13), graph=True).as_dict())


def test_auto_method_switches_at_documented_size():
    from topogen.analysis.spectral import DENSE_MAX_ENTRIES, DENSE_MAX_SIDE

    assert DENSE_MAX_SIDE**2 <= DENSE_MAX_ENTRIES
    small = topogen.x_net([100, 100], degree=4, seed=0)
    assert spectral_gap(small)[0].method == "dense"
    big = topogen.x_net([3000, 3000], degree=4, seed=0)
    g = spectral_gap(big)[0]
    assert g.method == "sparse" and g.lambda1 == pytest.approx(4.0)
    assert 2.5 < g.lambda2 <= 2 * math.sqrt(3) + 0.2


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: spectral_gap(np.array([[0, 1], [0, 0]]), graph=True), "symmetric"),
        (lambda: spectral_gap(np.ones((2, 3)), graph=True), "square"),
        (lambda: spectral_gap(topogen.dense([2, 2]), graph=True), "Topology"),
        (lambda: spectrum(np.ones((3, 3)), method="magic"), "method"),
        (lambda: spectrum(np.ones((3, 3)), 3, method="sparse"), "k must be below"),
        (lambda: spectrum(topogen.x_net([3000, 3000], degree=2, seed=0)), "pass k="),
        (lambda: spectrum(np.ones((3, 3)), 0), ">= 1"),
        (lambda: spectral_gap(np.ones(3)), "2-D"),
        (lambda: spectral_gap(np.ones((3, 3)), tol=2.0), "tol"),
        (lambda: spectral_gap("nope"), "2-D|matrix"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(TopogenError, match=match):
        call()


# ---------------------------------------------------------------------------- certified verdicts
def _circulant(n, shifts):
    """The n -> n layer r -> r + s (mod n) for s in shifts: singular values |sum w^(k s)|."""
    rows = np.repeat(np.arange(n), len(shifts))
    cols = (rows + np.tile(shifts, n)) % n
    return sp.csr_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n))


def test_verdict_just_below_the_bound_is_certified_by_a_tighter_solve():
    # shifts {0, 1} on Z_1001: a 2002-cycle, sigma2 = 2 cos(pi / 1001), bound 2: the margin
    # (1e-5) is far inside the loose ARPACK band (tol 1e-3), so one solve cannot decide
    n = 1001
    W = _circulant(n, [0, 1])
    exact = 2 * math.cos(math.pi / n)
    dense = spectral_gap(W, method="dense")
    assert dense.lambda2 == pytest.approx(exact, rel=1e-12) and dense.is_ramanujan is True
    loose = spectral_gap(W, method="sparse", certify=False)
    assert loose.is_ramanujan is None
    low, high = loose.lambda2_interval
    assert low <= exact <= high and low <= 2.0 <= high
    assert any("undecided" in note and "2" in note for note in loose.notes)
    sure = spectral_gap(W, method="sparse")  # certify=True: tightened until decided
    assert sure.is_ramanujan is True
    low, high = sure.lambda2_interval
    assert low <= exact <= high < 2.0
    assert any("tol=1e-06" in note or "tol=1e-09" in note for note in sure.notes)


def test_verdict_above_the_bound_and_the_interval_holds_the_truth():
    W = _circulant(401, [0, 1, 3])  # sigma2 near 3, bound 2 sqrt 2: clearly not Ramanujan
    dense = np.linalg.svd(W.toarray().astype(float), compute_uv=False)
    g = spectral_gap(W, method="sparse")
    assert g.is_ramanujan is False
    low, high = g.lambda2_interval
    assert low <= dense[1] <= high


@given(st.integers(0, 10**6), st.sampled_from([(60, 60, 3), (40, 80, 4), (90, 30, 6)]))
def test_certified_verdicts_agree_with_the_dense_oracle(seed, shape):
    n_in, n_out, d = shape
    W = biregular_layer(n_in, n_out, d, seed=seed)
    sv = np.linalg.svd(W.toarray().astype(float), compute_uv=False)
    bound = ramanujan_bound(d * n_out // n_in, d)
    for g in (spectral_gap(W, method="sparse"), spectral_gap(W, method="dense")):
        low, high = g.lambda2_interval
        assert low <= sv[1] * (1 + 1e-12) and sv[1] <= high * (1 + 1e-12)
        if g.is_ramanujan is not None:
            assert g.is_ramanujan == bool(sv[1] <= bound)
        else:  # undecided only when the truth is within the method's error of the bound
            assert abs(sv[1] - bound) <= high - low


def test_disconnection_is_exact_not_estimated():
    W = _circulant(50, [0, 2])  # even shifts: two 50-cycles
    g = spectral_gap(W, method="sparse")
    assert g.lambda2 == g.lambda1 == 2.0
    assert any("2 components" in n for n in g.notes)
    assert not any("disconnected" in n for n in spectral_gap(_circulant(51, [0, 2])).notes)
