"""Streaming writers: layer by layer, bounded memory, progress bar, same files as in memory."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import topogen
from topogen import TopogenError
from topogen.export import (
    radix_net_layers,
    read_graph_challenge,
    stream_graph_challenge,
    stream_npz,
    write_graph_challenge,
)
from topogen.export.stream import stream_layers


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(2, 3), min_size=1, max_size=2), min_size=1, max_size=3),
       st.data())
def test_radix_net_layers_equal_radix_net(lists, data):
    n_prime = int(np.prod(lists[0]))
    lists = [lists[0]] + [lst for lst in lists[1:] if n_prime % int(np.prod(lst)) == 0]
    lists = [lists[0]] + [lst for lst in lists[1:-1] if int(np.prod(lst)) == n_prime] + (
        [lists[-1]] if len(lists) > 1 else [])
    n_layers = sum(len(lst) for lst in lists)
    widths = data.draw(st.lists(st.integers(1, 3), min_size=n_layers + 1,
                                max_size=n_layers + 1))
    try:
        want = topogen.radix_net(lists, widths)
    except TopogenError:
        with pytest.raises(TopogenError):
            list(radix_net_layers(lists, widths))
        return
    got = list(radix_net_layers(lists, widths, cache_size=data.draw(st.integers(0, 2))))
    assert topogen.topology.trusted(got) == want


def test_stream_files_equal_in_memory_files(tmp_path):
    net = topogen.radix_net([[4, 4], [4]], [1, 2, 2, 1])
    write_graph_challenge(net, tmp_path / "mem", value=0.25)
    info = stream_graph_challenge(radix_net_layers([[4, 4], [4]], [1, 2, 2, 1]),
                                  tmp_path / "str", value=0.25, meta=net.meta)
    assert info["widths"] == list(net.widths) and info["nnz"] == net.nnz
    for name in sorted(os.listdir(tmp_path / "mem")):
        assert (tmp_path / "mem" / name).read_bytes() == (tmp_path / "str" / name).read_bytes()
    assert info["bytes"] == sum(os.path.getsize(tmp_path / "str" / n)
                                for n in os.listdir(tmp_path / "str") if n.endswith(".tsv"))
    stream_npz(iter(net.layers), tmp_path / "s.npz", meta=net.meta)
    back = topogen.load(tmp_path / "s.npz")
    assert back == net and back.meta == net.meta


def test_stream_takes_any_matrices_and_checks_chaining(tmp_path):
    layers = [np.array([[0.5, 0.0], [0.0, -1.0], [2.0, 0.0]]), sp.coo_array(np.ones((2, 1)))]
    stream_layers(layers, tmp_path / "a", kind="mtx")
    back = topogen.load(tmp_path / "a")
    assert back.widths == (3, 2, 1) and back.layer_nnz == (3, 2)
    with pytest.raises(TopogenError, match=r"layer 1 has shape .* must chain"):
        stream_layers([np.ones((2, 3)), np.ones((2, 2))], tmp_path / "b")
    with pytest.raises(TopogenError, match=r"layer 1 has shape .* must chain"):
        stream_npz([np.ones((2, 3)), np.ones((2, 2))], tmp_path / "b.npz")
    assert not os.path.exists(tmp_path / "b") and not os.path.exists(tmp_path / "b.npz")
    with pytest.raises(TopogenError, match="at least one layer"):
        stream_layers(iter([]), tmp_path / "c")
    with pytest.raises(TopogenError, match="at least one layer"):
        stream_npz(iter([]), tmp_path / "c.npz")
    with pytest.raises(TopogenError, match="iterable"):
        stream_layers(5, tmp_path / "d")
    with pytest.raises(TopogenError, match="kind"):
        stream_layers(layers, tmp_path / "d", kind="csv")
    with pytest.raises(TopogenError, match="JSON"):
        stream_layers(layers, tmp_path / "d", meta={"x": object()})
    assert sorted(os.listdir(tmp_path)) == ["a"]  # nothing half-written anywhere


def test_progress_bar(tmp_path, capsys):
    stream_graph_challenge(radix_net_layers([[2, 2, 2]], [1, 1, 1, 1]), tmp_path / "p",
                           depth=3, progress=True)
    err = capsys.readouterr().err
    assert "writing tsv" in err and "3/3" in err
    stream_graph_challenge(radix_net_layers([[2, 2, 2]], [1, 1, 1, 1]), tmp_path / "q",
                           progress=False)
    assert capsys.readouterr().err == ""


def _peak_stream(folder, depth):
    """Peak traced memory while streaming ``depth`` layers of 8192 neurons x 32 connections."""
    spec = [[16, 16, 16]] * (depth // 3)
    tracemalloc.start()
    try:
        info = stream_graph_challenge(radix_net_layers(spec, [2] * (depth + 1), cache_size=0),
                                      folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, info


def test_streaming_peak_memory_is_one_layer_not_the_network(tmp_path):
    peak_short, _ = _peak_stream(tmp_path / "short", 3)
    peak_long, long = _peak_stream(tmp_path / "long", 12)
    per_layer = long["bytes"] / 12  # text of one layer (about 262k edges, ~4.7 MB)
    assert long["layer_nnz"] == [8192 * 32] * 12
    # memory does not grow with depth: 4x the layers, (about) the same peak
    assert peak_long < 1.25 * peak_short + 2**20, (peak_short, peak_long)
    # and the peak is one layer's worth: its CSR arrays, the generator's temporaries and
    # one text chunk (digit matrix + mask + output, about 4x the text of a chunk); here a
    # layer is one chunk of 262k edges.  Far below the 12-layer output.
    assert peak_long < 5 * per_layer, (peak_long, per_layer)
    assert peak_long < long["bytes"] / 2
    # the streamed files read back as the RadiX-Net they describe
    back = read_graph_challenge(tmp_path / "short")
    assert back == topogen.radix_net([[16, 16, 16]], [2, 2, 2, 2])


def test_radix_net_layers_names_its_kronecker_factors_multipliers():
    """``widths`` means neuron counts everywhere; the old keyword still works, with a warning."""
    from topogen.topology import trusted

    assert trusted(list(radix_net_layers([[2, 2]]))) == topogen.radix_net([[2, 2]])
    with pytest.warns(FutureWarning, match=r"radix_net_layers\(widths=\.\.\.\) is deprecated"):
        old = list(radix_net_layers([[2, 2]], widths=[1, 2, 1]))
    assert trusted(old) == topogen.radix_net([[2, 2]], multipliers=[1, 2, 1])
    with pytest.raises(TopogenError, match="got both multipliers= and widths="):
        radix_net_layers([[2, 2]], [1, 2, 1], widths=[1, 2, 1])
    with pytest.raises(TopogenError, match=r"^multipliers must have 3 entries"):
        radix_net_layers([[2, 2]], [1, 2])
