"""The Graph Challenge networks: graph_challenge, challenge_analogue, graph_challenge_layers.

The oracle for block 1 is radix_net (checked against the official files for 1024 neurons);
for later blocks, "one row permutation maps all the block's layers onto the base layers"
holds exactly when the multiset of per-row tuples (row i of every layer of the block) equals
that of the base block: a matching of equal tuples is then the permutation.
"""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import topogen
from topogen import TopogenError
from topogen.export import stream_npz
from topogen.generators.challenge import (
    CHALLENGE_BIAS,
    challenge_analogue,
    graph_challenge,
    graph_challenge_layers,
)


def row_tuples(layers):
    """``(n, sum of degrees)`` array: row i holds the columns of row i of every layer."""
    n = layers[0].shape[0]
    blocks = []
    for layer in layers:
        deg = np.diff(layer.indptr)
        assert deg.min() == deg.max(), "challenge layers are regular"
        blocks.append(layer.indices.reshape(n, int(deg[0])))
    return np.hstack(blocks)


def same_rows_up_to_one_permutation(block, base):
    a = row_tuples(block)
    b = row_tuples(base)
    return np.array_equal(np.unique(a, axis=0, return_counts=True)[1],
                          np.unique(b, axis=0, return_counts=True)[1]) and \
        np.array_equal(np.unique(a, axis=0), np.unique(b, axis=0))


def assert_same_layer(a, b):
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert a.dtype == b.dtype == bool and bool(np.all(a.data))


def test_block_one_is_the_official_radix_net():
    net = graph_challenge(1024, 18, seed=5)
    ref = topogen.radix_net([[2] * 6] * 20, [16] * 121)
    for k in range(6):
        assert_same_layer(net.layers[k], ref.layers[k])
    assert net.nnz == 18 * 1024 * 32


def test_later_blocks_are_row_permutations_of_the_base_block():
    net = graph_challenge(1024, 24, seed=5)
    base = net.layers[0:6]
    for start in (6, 12, 18):
        block = net.layers[start:start + 6]
        assert same_rows_up_to_one_permutation(block, base)
        # a different permutation for each layer would break the joint tuples
        assert not all(np.array_equal(x.indices, y.indices) for x, y in zip(block, base))
    # the permutations differ between blocks
    assert not np.array_equal(net.layers[6].indices, net.layers[12].indices)


def test_a_block_with_layers_permuted_separately_fails_the_oracle():
    """The oracle can fail: permuting one layer of a block on its own breaks it."""
    net = graph_challenge(1024, 12, seed=1)
    block = list(net.layers[6:12])
    perm = np.random.default_rng(0).permutation(1024)
    block[3] = block[3][perm]
    assert not same_rows_up_to_one_permutation(block, net.layers[0:6])


@pytest.mark.parametrize("neurons, layers", [(1024, 14), (4096, 17), (16384, 11)])
def test_32_connections_per_row_and_column(neurons, layers):
    net = graph_challenge(neurons, layers, seed=2)
    assert net.widths == (neurons,) * (layers + 1)
    assert net.meta["bias"] == CHALLENGE_BIAS[neurons]
    for layer in net.layers:
        assert set(np.diff(layer.indptr).tolist()) == {32}
        assert set(np.bincount(layer.indices, minlength=neurons).tolist()) == {32}


def test_seeded_reproducible_and_seeds_differ():
    a, b = graph_challenge(1024, 13, seed=7), graph_challenge(1024, 13, seed=7)
    assert a == b and a.meta["seed"] == 7
    c = graph_challenge(1024, 13, seed=8)
    assert a.slice(0, 6) == c.slice(0, 6) and a != c


def test_no_seed_draws_one_and_records_it():
    net = graph_challenge(1024, 12)
    seed = net.meta["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**63
    assert graph_challenge(1024, 12, seed=seed) == net


def test_meta_records_the_challenge_constants():
    meta = graph_challenge(4096, 9, seed=0).meta
    assert meta["generator"] == "graph_challenge"
    assert (meta["neurons"], meta["layers"], meta["block"]) == (4096, 9, 8)
    assert (meta["bias"], meta["cap"], meta["weight"], meta["seed"]) == (-0.35, 32.0, 1 / 16, 0)


@given(radices=st.lists(st.integers(2, 3), min_size=1, max_size=3),
       width=st.integers(1, 3), layers=st.integers(1, 10), seed=st.integers(0, 2**32))
def test_analogues_have_the_challenge_structure(radices, width, layers, seed):
    net = challenge_analogue(radices, width, layers, seed=seed)
    k = len(radices)
    ref = topogen.radix_net([radices], [width] * (k + 1))
    n = net.widths[0]
    for i in range(min(k, layers)):
        assert_same_layer(net.layers[i], ref.layers[i])
    for start in range(k, layers, k):
        block = net.layers[start:start + k]
        assert same_rows_up_to_one_permutation(block, ref.layers[:len(block)])
    for i, layer in enumerate(net.layers):
        d = radices[i % k] * width
        assert set(np.diff(layer.indptr).tolist()) == {d}
        assert set(np.bincount(layer.indices, minlength=n).tolist()) == {d}
    assert challenge_analogue(radices, width, layers, seed=seed) == net


def test_layer_iterator_equals_the_topology_and_streams(tmp_path):
    layers = graph_challenge_layers(1024, 20, seed=11)
    assert len(layers) == 20 and layers.nnz == 20 * 32768
    net = graph_challenge(1024, 20, seed=11)
    assert topogen.topology.trusted(list(layers)) == net
    assert topogen.topology.trusted(list(layers)) == net  # iterating again: the same
    path = os.fspath(tmp_path / "c.npz")
    info = stream_npz(layers, path, meta=layers.meta)
    assert info["nnz"] == net.nnz
    back = topogen.load(path)
    assert back == net and back.meta["seed"] == 11


def test_stream_graph_challenge_folder_reads_back(tmp_path):
    from topogen.export import read_graph_challenge, stream_graph_challenge

    layers = graph_challenge_layers(1024, 7, seed=3)
    stream_graph_challenge(layers, tmp_path / "neuron1024", meta=layers.meta)
    assert read_graph_challenge(tmp_path / "neuron1024") == graph_challenge(1024, 7, seed=3)


@pytest.mark.parametrize("call, match", [
    (lambda: graph_challenge(1000, 120), "neurons must be one of"),
    (lambda: graph_challenge(1024, 0), "layers must be"),
    (lambda: graph_challenge(1024, 120, seed=-1), "seed"),
    (lambda: graph_challenge(65536, 1920), "max_edges"),
    (lambda: graph_challenge_layers(1024, 12, seed=np.random.default_rng(0)), "Generator"),
    (lambda: challenge_analogue([1, 2], 2, 4), "radices"),
    (lambda: challenge_analogue([2], 2, 4, bias=float("nan")), "bias"),
])
def test_bad_arguments_are_one_line_errors(call, match):
    with pytest.raises(TopogenError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_the_largest_network_is_described_without_building_it():
    layers = graph_challenge_layers(65536, 1920, seed=0)
    assert layers.nnz == 65536 * 32 * 1920 == 4_026_531_840
    assert layers.widths[0] == 65536 and layers.meta["bias"] == -0.45
