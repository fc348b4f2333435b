"""Path counts, connectivity and symmetry against independent oracles."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_topology import random_topologies

import topogen
from topogen import TopogenError, Topology
from topogen.analysis import (
    degrees,
    is_path_connected,
    is_regular,
    is_symmetric,
    path_count_summary,
    path_counts,
)


def dense_paths(t):
    out = t.to_dense(np.int64)[0]
    for m in t.to_dense(np.int64)[1:]:
        out = out @ m
    return out


@given(random_topologies())
def test_path_counts_match_dense_numpy(t):
    np.testing.assert_array_equal(path_counts(t), dense_paths(t))


@given(random_topologies())
def test_connectivity_matches_networkx(t):
    G = t.to_networkx()
    expected = all(nx.has_path(G, (0, s), (t.depth, d))
                   for s in range(t.widths[0]) for d in range(t.widths[-1]))
    assert is_path_connected(t) == expected
    assert is_path_connected(t, max_bytes=8) == expected  # many small chunks


@given(random_topologies())
def test_symmetry_exact_and_randomized_agree(t):
    P = dense_paths(t)
    expected = bool(np.all(P == P.flat[0]))
    assert is_symmetric(t) == expected
    assert is_symmetric(t, max_entries=1) == expected
    assert is_symmetric(t, method="randomized") == expected
    assert is_symmetric(t, method="exact") == expected


def test_randomized_symmetry_catches_one_changed_entry_in_a_big_net():
    base = topogen.mixed_radix([16, 16, 16])  # 4096 neurons: path matrix not built
    dense_first = base.layers[0].toarray()
    dense_first[5, 7] = not dense_first[5, 7]
    t = Topology([dense_first, *base.layers[1:]])
    assert is_symmetric(base, max_entries=1000)
    assert not is_symmetric(t, max_entries=1000)
    assert is_path_connected(base)


def test_deep_net_uses_the_randomized_test_by_default(monkeypatch):
    import topogen.analysis.paths as paths

    t = topogen.extended_mixed_radix([[32, 32]] * 60)  # Graph Challenge shape
    assert t.widths[0] * t.nnz > paths.EXACT_SYMMETRY_COST

    def refuse(*args, **kwargs):
        raise AssertionError("the exact path matrix was built")

    monkeypatch.setattr(paths, "path_counts", refuse)
    assert is_symmetric(t)
    with pytest.raises(AssertionError, match="exact"):
        is_symmetric(t, method="exact")
    with pytest.raises(TopogenError, match="method"):
        is_symmetric(t, method="fast")


def test_rows_equal_columns_differ_is_not_symmetric():
    # P = [[1, 2], [1, 2]]: equal rows, different columns
    t = Topology([np.ones((2, 1)), np.array([[1, 1]]), np.array([[1, 1], [0, 1]])])
    assert dense_paths(t).tolist() == [[1, 2], [1, 2]]
    assert not is_symmetric(t, max_entries=1)
    assert not is_symmetric(t)


def test_crt_path_counts_match_python_ints():
    rng = np.random.default_rng(3)
    layers = [rng.random((5, 5)) < 0.8 for _ in range(40)]
    layers = [m | np.eye(5, dtype=bool) for m in layers]
    t = Topology(layers)
    ref = np.array(layers[0], dtype=object).astype(int).astype(object)
    for m in layers[1:]:
        ref = ref.dot(m.astype(int).astype(object))
    P = path_counts(t)
    assert P.dtype == object and max(P.ravel()) > 2**63
    assert [[int(v) for v in row] for row in P] == [[int(v) for v in row] for row in ref]
    assert path_count_summary(t)["total"] == sum(int(v) for v in ref.ravel())


def test_path_counts_size_cap():
    with pytest.raises(TopogenError, match="max_entries"):
        path_counts(topogen.mixed_radix([64, 64, 2]))


def test_degrees_of_irregular_layer():
    t = Topology([np.array([[1, 1, 0], [0, 0, 0]])])
    d = degrees(t)[0]
    assert d.out_degree.tolist() == [2, 0] and d.in_degree.tolist() == [1, 1, 0]
    assert not d.regular and not is_regular(t)
    assert d.as_dict() == {"out_degree": [0, 2], "in_degree": [0, 1], "regular": False}


@given(st.integers(1, 6), st.integers(1, 6))
def test_empty_layer_has_no_paths(a, b):
    t = Topology([np.zeros((a, b)), np.ones((b, 2))])
    assert not is_path_connected(t)
    assert is_symmetric(t)  # zero paths everywhere is symmetric
    assert path_count_summary(t)["total"] == 0


def _int_product(mats):
    """Product of small 0/1 matrices over Python ints (an independent oracle)."""
    out = [[int(v) for v in row] for row in mats[0]]
    for m in mats[1:]:
        out = [[sum(out[i][k] * int(m[k][j]) for k in range(len(m))) for j in range(len(m[0]))]
               for i in range(len(out))]
    return out


def test_exact_counts_beyond_int64_with_a_regular_tail():
    # 100 Fibonacci layers (counts ~ 2**69, beyond int64: residues) and then 100 complete
    # layers, where the rows agree and the rest is a product of degrees (2**99, too)
    fib = np.array([[1, 1], [1, 0]])
    full = np.ones((2, 2), dtype=int)
    t = topogen.Topology([fib] * 100 + [full] * 100)
    P = _int_product([fib] * 100 + [full] * 100)
    assert max(map(max, P)) > 2**160
    assert np.array_equal(path_counts(t), np.array(P, dtype=object))
    assert path_count_summary(t)["total"] == sum(map(sum, P))
    assert path_count_summary(t)["symmetric"] is (len({v for row in P for v in row}) == 1)


def test_symmetry_error_bound_is_enforced_by_the_default_trials():
    from topogen.analysis.paths import SYMMETRY_ERROR, _trials_for, symmetry_error_bound

    t = topogen.extended_mixed_radix([[2] * 10] * 100)  # B = 1000 bits
    trials = _trials_for(t, SYMMETRY_ERROR)
    assert symmetry_error_bound(t, trials) <= SYMMETRY_ERROR < symmetry_error_bound(t, trials - 1)
