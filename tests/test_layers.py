"""topogen._layers (repeated layers, layered graph) and topogen._meta against plain oracles."""

import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from topogen._checks import TopogenError
from topogen._layers import find_distinct, layered_digraph
from topogen._meta import check_meta, jsonable


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=8), st.integers(0, 2**16))
def test_find_distinct_matches_dense_comparison(picks, seed):
    rng = np.random.default_rng(seed)
    pool = [rng.random((3, 3)) < 0.5 for _ in range(6)]
    pool[5] = pool[0].copy()  # equal content, different object
    layers = [sp.csr_array(pool[k]) for k in picks]
    distinct, index = find_distinct(layers)
    # oracle: first dense-equal layer among those seen before
    want, seen = [], []
    for a in (pool[k] for k in picks):
        hit = next((j for j, b in enumerate(seen) if np.array_equal(a, b)), None)
        if hit is None:
            seen.append(a)
            hit = len(seen) - 1
        want.append(hit)
    assert index == tuple(want) and len(distinct) == len(seen)
    assert all(np.array_equal(distinct[k].toarray(), layers[i].toarray())
               for i, k in enumerate(index))


def test_layered_digraph_against_networkx_oracle():
    W0 = np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)
    W1 = np.array([[1], [1], [0]], dtype=bool)
    G = layered_digraph([2, 3, 1], [sp.csr_array(W0), sp.csr_array(W1)], max_items=100)
    want = nx.DiGraph()
    for i, W in enumerate((W0, W1)):
        want.add_edges_from(((i, r), (i + 1, c)) for r, c in zip(*np.nonzero(W)))
    assert set(G.edges) == set(want.edges) and G.number_of_nodes() == 6
    assert {n: d["layer"] for n, d in G.nodes(data=True)} == {n: n[0] for n in G}
    with pytest.raises(TopogenError, match="above max_items=10"):
        layered_digraph([2, 3, 1], [sp.csr_array(W0), sp.csr_array(W1)], max_items=10)


def test_meta_survives_json():
    meta = {"widths": (np.int64(2), 3), "x": np.array([1.5]), 4: {"s": (1,)}}
    got = check_meta(meta)
    assert json.loads(json.dumps(got)) == got == {"widths": [2, 3], "x": [1.5], "4": {"s": [1]}}
    assert jsonable("text") == "text"
    with pytest.raises(TopogenError, match="JSON"):
        check_meta({"f": object()})
