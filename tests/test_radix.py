"""RadiX-Net generators: the definition, the theorems, and errors."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from strategies import radix_net_params

import topogen
from topogen import TopogenError
from topogen.analysis import (
    degrees,
    is_path_connected,
    is_symmetric,
    path_count_summary,
    path_counts,
)


def naive_radix_net(radix_lists, widths):
    """Dense NumPy straight from the definition: sums of rolled identities, then np.kron."""
    n_prime = math.prod(radix_lists[0])
    eye = np.eye(n_prime, dtype=np.int64)
    mats = []
    for lst in radix_lists:
        nu = 1
        for radix in lst:
            # row r has ones at columns (r - j*nu) mod N'  <=>  roll the identity left
            mats.append(sum(np.roll(eye, -j * nu, axis=1) for j in range(radix)))
            nu *= radix
    return [np.kron(np.ones((widths[i], widths[i + 1]), dtype=np.int64), m)
            for i, m in enumerate(mats)]


def assert_canonical(layer):
    assert isinstance(layer, sp.csr_array)
    assert layer.dtype == bool
    assert layer.has_sorted_indices
    assert np.all(layer.data)
    assert layer.nnz == np.count_nonzero(layer.toarray())


def test_mixed_radix_by_hand():
    # N = (2, 3), N' = 6. Layer 0 (nu = 1): r -> r, r - 1. Layer 1 (nu = 2): r -> r, r-2, r-4.
    t = topogen.mixed_radix([2, 3])
    w0 = np.zeros((6, 6), int)
    w1 = np.zeros((6, 6), int)
    for r in range(6):
        w0[r, r] = w0[r, (r - 1) % 6] = 1
        w1[r, r] = w1[r, (r - 2) % 6] = w1[r, (r - 4) % 6] = 1
    np.testing.assert_array_equal(t.layers[0].toarray(), w0)
    np.testing.assert_array_equal(t.layers[1].toarray(), w1)
    np.testing.assert_array_equal(path_counts(t), np.ones((6, 6), int))
    assert t.meta["generator"] == "mixed_radix" and t.meta["params"] == {"radices": [2, 3]}


def test_radix_net_widening_convention():
    # neuron b*N' + r of the widened layer is copy b of neuron r
    t = topogen.radix_net([[2, 2]], [2, 3, 1])
    base = topogen.mixed_radix([2, 2]).layers[0].toarray()
    dense = t.layers[0].toarray()
    for b_in in range(2):
        for b_out in range(3):
            np.testing.assert_array_equal(
                dense[b_in * 4:(b_in + 1) * 4, b_out * 4:(b_out + 1) * 4], base)


@pytest.mark.parametrize("lists, widths", [
    ([[2, 2, 2]], [1, 1, 1, 1]),
    ([[3, 2], [2, 3], [3]], [2, 1, 3, 1, 2, 2]),
    ([[4, 2], [2]], [1, 2, 2, 3]),
    ([[5]], [3, 2]),
])
def test_matches_naive_dense(lists, widths):
    t = topogen.radix_net(lists, widths)
    naive = naive_radix_net(lists, widths)
    assert t.depth == len(naive)
    for layer, ref in zip(t.layers, naive):
        assert_canonical(layer)
        np.testing.assert_array_equal(layer.toarray().astype(int), ref)


@given(radix_net_params())
def test_radix_net_theorems(params):
    lists, widths = params
    t = topogen.radix_net(lists, widths)
    n_prime = math.prod(lists[0])
    radices = [r for lst in lists for r in lst]
    expected_paths = math.prod(math.prod(x) for x in lists[1:]) * math.prod(widths[1:-1])
    # exact path counts: every input-output pair has the same, predicted number
    P = path_counts(t)
    assert P.shape == (widths[0] * n_prime, widths[-1] * n_prime)
    assert np.all(P == expected_paths)
    # compare the path matrix with dense NumPy straight from the definition
    dense = naive_radix_net(lists, widths)
    ref = dense[0]
    for m in dense[1:]:
        ref = ref @ m
    np.testing.assert_array_equal(P, ref)
    # degrees and densities
    for i, (d, radix) in enumerate(zip(degrees(t), radices)):
        assert np.all(d.out_degree == radix * widths[i + 1])
        assert np.all(d.in_degree == radix * widths[i])
        assert t.layer_density[i] == pytest.approx(radix / n_prime, rel=0, abs=1e-15)
        assert_canonical(t.layers[i])
    assert is_path_connected(t)
    assert is_symmetric(t)
    assert is_symmetric(t, max_entries=1)  # the randomized method agrees
    summary = path_count_summary(t, max_entries=1)
    assert summary["per_pair"] == expected_paths and summary["symmetric"]


def test_deep_counts_are_exact_python_ints():
    t = topogen.extended_mixed_radix([[4, 4]] * 40)  # 16**39 paths per pair, > 2**63
    P = path_counts(t)
    assert P.dtype == object
    assert all(int(v) == 16**39 for v in P.ravel())
    assert path_count_summary(t)["per_pair"] == 16**39


def test_layers_are_shared_and_frozen():
    t = topogen.extended_mixed_radix([[2, 2]] * 3)
    assert t.layers[0] is t.layers[2]
    with pytest.raises(ValueError):
        t.layers[0].indices[0] = 1


@pytest.mark.parametrize("call, words", [
    (lambda: topogen.mixed_radix([2, 1]), ["radices[1]", ">= 2"]),
    (lambda: topogen.mixed_radix([2, 2.5]), ["radices[1]", "integer"]),
    (lambda: topogen.mixed_radix([]), ["radices", "non-empty"]),
    (lambda: topogen.mixed_radix("22"), ["radices", "sequence"]),
    (lambda: topogen.extended_mixed_radix([]), ["radix_lists", "at least one"]),
    (lambda: topogen.extended_mixed_radix([[2, 2], []]), ["radix_lists[1]", "non-empty"]),
    (lambda: topogen.extended_mixed_radix([[2, 2], [3], [2]]), ["radix_lists[1]", "product"]),
    (lambda: topogen.extended_mixed_radix([[2, 2], [3]]), ["last radix list", "divide"]),
    (lambda: topogen.radix_net([[2, 2]], [1, 1]), ["multipliers", "3 entries"]),
    (lambda: topogen.radix_net([[2, 2]], [1, 0, 1]), ["multipliers[1]", ">= 1"]),
    (lambda: topogen.radix_net([[2, 2]], [1, True, 1]), ["multipliers[1]", "integer"]),
    (lambda: topogen.radix_net([[2, 2]], "121"), ["multipliers", "sequence"]),
    (lambda: topogen.radix_net([[2, 2]], [1, 1, 1], widths=[1, 1, 1]),
     ["multipliers=", "widths=", "deprecated"]),
    (lambda: topogen.radix_net([[32, 32]] * 60, [64] * 121), ["max_edges", "edges"]),
    (lambda: topogen.mixed_radix([4, 4], max_edges=10), ["128 edges", "max_edges=10"]),
])
def test_invalid_input(call, words):
    with pytest.raises(TopogenError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_radix_net_multipliers_default_and_deprecated_widths():
    # multipliers default to all 1 (the extended mixed-radix topology), as on the CLI
    assert topogen.radix_net([[2, 2], [2]]) == topogen.extended_mixed_radix([[2, 2], [2]])
    assert topogen.radix_net([[2, 2]], [1, 3, 2]).meta["params"] == {
        "radix_lists": [[2, 2]], "multipliers": [1, 3, 2]}
    # the old keyword still works, with a FutureWarning naming the new one
    with pytest.warns(FutureWarning, match="multipliers"):
        old = topogen.radix_net([[2, 2]], widths=[1, 3, 2])
    assert old == topogen.radix_net([[2, 2]], multipliers=[1, 3, 2])


def test_topology_kron_multipliers_and_deprecated_widths():
    base = topogen.extended_mixed_radix([[2, 2], [2]])
    wide = base.kron([1, 2, 2, 1])
    assert wide == topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1])  # same construction
    assert wide.meta["params"] == {"multipliers": [1, 2, 2, 1]}
    with pytest.warns(FutureWarning, match="multipliers"):
        assert base.kron(widths=[1, 2, 2, 1]) == wide
    with pytest.raises(TopogenError, match="multipliers"):
        base.kron([1, 2])
