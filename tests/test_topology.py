"""The Topology core: invariants, immutability, composition, conversion."""

import pickle

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import topogen
from topogen import TopogenError, Topology
from topogen.topology import trusted


@st.composite
def random_topologies(draw, max_depth=4, max_width=6):
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=max_depth + 1))
    seed = draw(st.integers(0, 2**32 - 1))
    p = draw(st.floats(0.0, 1.0))
    rng = np.random.default_rng(seed)
    layers = [rng.random((widths[i], widths[i + 1])) < p for i in range(len(widths) - 1)]
    return Topology(layers)


def test_construction_and_properties():
    t = Topology([np.array([[1, 0, 1], [0, 1, 0]]), np.ones((3, 1), dtype=bool)])
    assert t.widths == (2, 3, 1)
    assert t.depth == 2 and len(t) == 2
    assert t.layer_nnz == (3, 3) and t.nnz == 6
    assert t.layer_density == (0.5, 1.0)
    assert t.density == 6 / 9
    for layer in t.layers:
        assert isinstance(layer, sp.csr_array) and layer.dtype == bool


@pytest.mark.parametrize("layers, words", [
    ([], ["at least one layer"]),
    ("abc", ["sequence"]),
    ([np.ones((2, 3)), np.ones((2, 2))], ["layers[1]", "3 rows"]),
    ([np.array([[0, 2]])], ["layers[0]", "0/1", "(0, 1)"]),
    ([np.ones(3)], ["layers[0]", "2-D"]),
    ([np.ones((2, 0))], ["layers[0]", "at least 1"]),
    ([np.array([["a"]])], ["layers[0]", "dtype"]),
    ([sp.csr_array((np.array([1, 1]), np.array([1, 0]), np.array([0, 2])), shape=(1, 2))],
     ["layers[0]", "not sorted"]),
    ([sp.csr_array((np.array([1, 1]), np.array([1, 1]), np.array([0, 2])), shape=(1, 2))],
     ["layers[0]", "duplicate"]),
    ([sp.csr_array((np.array([1, 0]), np.array([0, 1]), np.array([0, 2])), shape=(1, 2))],
     ["layers[0]", "explicit zeros"]),
    ([sp.csr_array(np.array([[0.5, 1.0]]))], ["layers[0]", "0/1", "0.5"]),
])
def test_invalid_layers(layers, words):
    with pytest.raises(TopogenError) as info:
        Topology(layers)
    for word in words:
        assert word in str(info.value)


def test_from_structure_canonicalises():
    messy = sp.coo_array((np.array([2.0, 3.0, 0.0, -1.0]), (np.array([0, 0, 1, 1]),
                          np.array([1, 1, 0, 2]))), shape=(2, 3))
    t = Topology.from_structure([messy])
    np.testing.assert_array_equal(t.layers[0].toarray(), [[0, 1, 0], [0, 0, 1]])


def test_immutable():
    source = np.eye(3, dtype=bool)
    t = Topology([source])
    source[0, 1] = True  # the caller's array is copied, not shared
    assert t.nnz == 3
    with pytest.raises(ValueError):
        t.layers[0].data[0] = False
    with pytest.raises(AttributeError):
        t.widths = (1, 1)
    meta = t.meta
    meta["x"] = 1
    assert "x" not in t.meta


@given(random_topologies())
def test_equality_hash_pickle(t):
    same = Topology(t.to_dense())
    assert same == t and hash(same) == hash(t)
    back = pickle.loads(pickle.dumps(t))
    assert back == t and not back.layers[0].indices.flags.writeable
    if t.nnz:
        dense = t.to_dense()
        r, c = np.argwhere(dense[0])[0] if dense[0].any() else (0, 0)
        dense[0][r, c] = not dense[0][r, c]
        assert Topology(dense) != t


@given(random_topologies(), st.data())
def test_kron_matches_numpy(t, data):
    widths = data.draw(st.lists(st.integers(1, 3), min_size=t.depth + 1, max_size=t.depth + 1))
    k = t.kron(widths)
    for i, (layer, ref) in enumerate(zip(k.layers, t.to_dense(int))):
        expected = np.kron(np.ones((widths[i], widths[i + 1]), dtype=int), ref)
        np.testing.assert_array_equal(layer.toarray().astype(int), expected)
        assert layer.has_sorted_indices


@given(random_topologies(), st.data())
def test_permute(t, data):
    perms = [data.draw(st.permutations(range(n))) for n in t.widths]
    p = t.permute(perms)
    for i, layer in enumerate(p.layers):
        ref = t.to_dense()[i][np.ix_(perms[i], perms[i + 1])]
        np.testing.assert_array_equal(layer.toarray(), ref)
    assert p.nnz == t.nnz


def test_stack_and_slice():
    a = topogen.mixed_radix([2, 2])
    b = Topology([np.ones((4, 1))])
    s = a >> b
    assert s.widths == (4, 4, 4, 1) and s.meta["generator"] == "stack"
    assert s.slice(0, 2) == a
    with pytest.raises(TopogenError, match=r"ends with width 1 but others\[0\] starts with 4"):
        b.stack(b)
    with pytest.raises(TopogenError, match="selects no layer"):
        a.slice(5)


def test_to_networkx_matches_layers():
    t = topogen.radix_net([[2, 3]], [1, 2, 1])
    G = t.to_networkx()
    assert G.number_of_edges() == t.nnz
    assert G.number_of_nodes() == sum(t.widths)
    assert {d["layer"] for _, d in G.nodes(data=True)} == {0, 1, 2}
    # paths in networkx agree with our exact count for one pair
    n_paths = sum(1 for _ in nx.all_simple_paths(G, (0, 0), (2, 5)))
    assert n_paths == topogen.analysis.path_counts(t)[0, 5]


def test_repr_and_meta_roundtrip():
    t = topogen.radix_net([[2, 2]], [1, 2, 1])
    assert "radix_net" in repr(t) and "(4, 8, 4)" in repr(t)
    assert t.meta["params"] == {"radix_lists": [[2, 2]], "multipliers": [1, 2, 1]}
    assert t.with_meta(note="x").meta["note"] == "x"
    with pytest.raises(TopogenError, match="JSON"):
        Topology([np.eye(2)], meta={"bad": object()})


def test_lazy_public_names_resolve():
    import importlib

    missing = []
    for name, module in topogen._LAZY.items():
        try:
            getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name}: {exc}")
    assert not missing, missing


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, topogen; heavy = [m for m in ('matplotlib', 'torch', 'jax', "
            "'tensorflow', 'networkx', 'sympy') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@given(st.integers(1, 3), st.integers(0, 2**32 - 1),
       st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_distinct_layers_find_repeats_by_content(n, seed, picks):
    """One way to find repeated layers: by identity or by equal content (after a copy)."""
    import copy

    rng = np.random.default_rng(seed)  # n x n layers from a pool of 4 (small n: equal ones)
    pool = [Topology([rng.random((n, n)) < 0.5]).layers[0] for _ in range(4)]
    chain = [pool[k] for k in picks]
    net = trusted(chain)
    copied = Topology([copy.deepcopy(layer) for layer in chain])  # nothing shared
    for u in (net, copied):
        idx = u.layer_index
        assert len(idx) == u.depth and len(u.distinct_layers) == max(idx) + 1
        assert sorted(set(idx)) == list(range(len(u.distinct_layers)))
        for i, k in enumerate(idx):
            assert (u.layers[i] != u.distinct_layers[k]).nnz == 0
        for a in range(u.depth):  # the same index exactly when the content is equal
            for b in range(u.depth):
                same = bool((u.layers[a] != u.layers[b]).nnz == 0)
                assert (idx[a] == idx[b]) == same
    assert net.layer_index == copied.layer_index


def test_derived_values_are_computed_once():
    t = topogen.extended_mixed_radix([[2, 2]] * 50)
    assert t.layer_density is t.layer_density and t.layer_nnz is t.layer_nnz
    assert t.distinct_layers is t.distinct_layers and len(t.distinct_layers) == 2
    assert pickle.loads(pickle.dumps(t)).layer_index == t.layer_index


def test_kron_builds_each_distinct_widened_layer_once_and_checks_its_size():
    t = topogen.extended_mixed_radix([[2, 2]] * 5)
    k = t.kron([3] * 11)
    assert len({id(layer) for layer in k.layers}) == 2
    with pytest.raises(TopogenError, match="max_edges"):
        t.kron([3] * 11, max_edges=100)
