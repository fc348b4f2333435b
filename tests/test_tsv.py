"""Graph Challenge TSV: the official layout byte for byte, weights, gzip, the fast reader
against the general one, and folders that lie about their size."""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import topogen
from topogen import TopogenError
from topogen.export import read_graph_challenge, stream_graph_challenge, write_graph_challenge
from topogen.export.files import _tsv_read, _tsv_write
from topogen.export.stream import radix_net_layers


def _net(dense, meta=None):
    return topogen.Topology([sp.csr_array(np.asarray(d, dtype=bool)) for d in dense], meta)


# ---------------------------------------------------------------------------- the official layout
def test_official_layout_byte_for_byte(tmp_path):
    # 3 x 2 layer with edges (1,2), (2,2), (3,1) (1-based), then a 2 x 2 layer
    net = _net([[[0, 1], [0, 1], [1, 0]], [[1, 1], [0, 1]]])
    write_graph_challenge(net, tmp_path / "g")
    # sorted by column then row; %e value; LF; one trailing newline; no header
    assert (tmp_path / "g" / "n3-l1.tsv").read_bytes() == (
        b"3\t1\t6.250000e-02\n"
        b"1\t2\t6.250000e-02\n"
        b"2\t2\t6.250000e-02\n")
    assert (tmp_path / "g" / "n2-l2.tsv").read_bytes() == (
        b"1\t1\t6.250000e-02\n"
        b"1\t2\t6.250000e-02\n"
        b"2\t2\t6.250000e-02\n")
    write_graph_challenge(net, tmp_path / "r", dialect="rows", value=0.5)
    assert (tmp_path / "r" / "n3-l1.tsv").read_bytes() == b"1\t2\t0.5\n2\t2\t0.5\n3\t1\t0.5\n"
    write_graph_challenge(net, tmp_path / "w", weights=[np.array([-1.5, 2.0, 0.25]),
                                                         np.array([1, 2, 3.0])])
    # CSR order of layer 1 is (1,2), (2,2), (3,1): weights -1.5, 2, 0.25
    assert (tmp_path / "w" / "n3-l1.tsv").read_bytes() == (
        b"3\t1\t2.500000e-01\n"
        b"1\t2\t-1.500000e+00\n"
        b"2\t2\t2.000000e+00\n")
    for name in ("g", "r", "w"):
        assert read_graph_challenge(tmp_path / name) == net


def test_radix_net_layer_is_written_column_major(tmp_path):
    # the first layer of the challenge's 1024-neuron network (issue 9: layers 1-6 are these)
    net = topogen.radix_net([[2] * 6], [16] * 7).slice(0, 1)
    write_graph_challenge(net, tmp_path / "neuron1024")
    text = (tmp_path / "neuron1024" / "n1024-l1.tsv").read_bytes()
    assert text.endswith(b"\n") and not text.endswith(b"\n\n") and b"\r" not in text
    lines = text.split(b"\n")[:-1]
    assert len(lines) == net.nnz == 1024 * 32
    assert {ln.split(b"\t")[2] for ln in lines} == {b"6.250000e-02"}
    table = np.loadtxt(tmp_path / "neuron1024" / "n1024-l1.tsv", delimiter="\t", dtype=np.int64,
                       usecols=(0, 1))  # independent parser
    rows, cols = table[:, 0], table[:, 1]
    order = np.lexsort((rows, cols))  # column first, then row
    np.testing.assert_array_equal(order, np.arange(len(rows)))
    dense = np.zeros((1024, 1024), dtype=bool)
    dense[rows - 1, cols - 1] = True
    np.testing.assert_array_equal(dense, net.layers[0].toarray())


def test_official_value_text_refuses_rounding():
    assert _tsv_write.value_text(1 / 32, "official") == b"3.125000e-02"
    assert _tsv_write.value_text(0.1, "official") == b"1.000000e-01"
    with pytest.raises(TopogenError, match=r"value=0\.333.*dialect='rows'"):
        _tsv_write.value_text(1 / 3, "official")
    assert _tsv_write.value_text(1 / 3, "rows") == b"0.3333333333333333"


def test_streamed_files_equal_written_files(tmp_path):
    spec = ([[2, 2, 2]], [1, 2, 2, 1])
    net = topogen.radix_net(*spec)
    for dialect in ("official", "rows"):
        write_graph_challenge(net, tmp_path / f"m{dialect}", dialect=dialect, value=0.25)
        stream_graph_challenge(radix_net_layers(*spec), tmp_path / f"s{dialect}",
                               dialect=dialect, value=0.25, meta=net.meta)
        for name in os.listdir(tmp_path / f"m{dialect}"):
            assert ((tmp_path / f"m{dialect}" / name).read_bytes()
                    == (tmp_path / f"s{dialect}" / name).read_bytes())


# ---------------------------------------------------------------------------- weights
def test_round_trip_keeps_values(tmp_path):
    net = topogen.radix_net([[3, 2]], [2, 1, 2])
    write_graph_challenge(net, tmp_path / "v", value=1 / 32)
    back, weights = read_graph_challenge(tmp_path / "v", weights=True)
    assert back == net and back.meta["value"] == 1 / 32
    assert len(weights) == net.depth
    for w, layer in zip(weights, back.layers):
        assert w.dtype == np.float32 and w.shape == (layer.nnz,) and not w.flags.writeable
        assert np.all(w == np.float32(1 / 32))
    # writing what was read keeps the value: the same bytes, without passing value=
    write_graph_challenge(back, tmp_path / "again")
    for name in os.listdir(tmp_path / "v"):
        if name.endswith(".tsv"):
            assert (tmp_path / "v" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    # and through .npz, which keeps meta
    topogen.save(back, tmp_path / "x.npz")
    topogen.save(topogen.load(tmp_path / "x.npz"), tmp_path / "third", format="tsv")
    assert read_graph_challenge(tmp_path / "third", value=1 / 32) == net


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data(), st.sampled_from(["official", "rows"]), st.sampled_from([None, "gzip"]))
def test_per_edge_weights_round_trip(tmp_path_factory, data, dialect, compression):
    n0, n1, n2 = (data.draw(st.integers(1, 9)) for _ in range(3))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    net = _net([rng.random((n0, n1)) < 0.5, rng.random((n1, n2)) < 0.5])
    values = st.sampled_from([0.5, -2.0, 1 / 16, 3.0, 1e-3, -7.25e5]) if dialect == "official" \
        else st.floats(-1e6, 1e6, allow_nan=False, width=32).filter(lambda x: x != 0)
    weights = [np.array(data.draw(st.lists(values, min_size=layer.nnz, max_size=layer.nnz)),
                        dtype=np.float32) for layer in net.layers]
    folder = tmp_path_factory.mktemp("w") / "f"
    write_graph_challenge(net, folder, weights=weights, dialect=dialect, compression=compression)
    back, got = read_graph_challenge(folder, weights=True)
    assert back == net
    for w, g in zip(weights, got):
        np.testing.assert_array_equal(w, g)
    assert ("value" in back.meta) == (len({float(x) for w in weights for x in w}) == 1)


def test_value_check_names_file_and_line(tmp_path):
    folder = tmp_path / "neuron4"
    folder.mkdir()
    (folder / "n4-l1.tsv").write_text("1\t1\t6.250000e-02\n2\t1\t6.250000e-02\n3\t1\t0.5\n")
    with pytest.raises(TopogenError, match=r"n4-l1\.tsv, line 3: value 0\.5 differs from the "
                       r"expected value=0\.0625"):
        read_graph_challenge(folder, value=1 / 16)
    t, w = read_graph_challenge(folder, weights=True)
    assert "value" not in t.meta and w[0].tolist() == [0.0625, 0.0625, 0.5]
    with pytest.raises(TopogenError, match=r"line 1: value 0\.0625 differs .* value=0\.5"):
        read_graph_challenge(folder, value=0.5)


def test_weights_argument_is_checked(tmp_path):
    net = _net([[[1, 1], [0, 1]]])
    with pytest.raises(TopogenError, match=r"weights\[0\] must hold one value per edge"):
        write_graph_challenge(net, tmp_path / "a", weights=[np.ones(2)])
    with pytest.raises(TopogenError, match="not both"):
        write_graph_challenge(net, tmp_path / "a", weights=[np.ones(3)], value=1.0)
    with pytest.raises(TopogenError, match="finite and nonzero"):
        write_graph_challenge(net, tmp_path / "a", weights=[np.array([1, 0, 1.0])])
    with pytest.raises(TopogenError, match="dialect must be one of"):
        write_graph_challenge(net, tmp_path / "a", dialect="columns")
    with pytest.raises(TopogenError, match="weights must be True or False"):
        read_graph_challenge(tmp_path, weights="yes")
    assert not os.path.exists(tmp_path / "a")


# ---------------------------------------------------------------------------- gzip
def test_gzip_round_trip(tmp_path):
    net = topogen.radix_net([[2, 2]], [2, 1, 3])
    write_graph_challenge(net, tmp_path / "z", compression="gzip", value=0.125)
    assert sorted(os.listdir(tmp_path / "z")) == ["n4-l2.tsv.gz", "n8-l1.tsv.gz", "topogen.json"]
    write_graph_challenge(net, tmp_path / "p", value=0.125)
    for name in ("n8-l1.tsv", "n4-l2.tsv"):  # the same text, compressed
        assert gzip.decompress((tmp_path / "z" / (name + ".gz")).read_bytes()) == \
            (tmp_path / "p" / name).read_bytes()
    back, w = read_graph_challenge(tmp_path / "z", weights=True)
    assert back == net and back.meta["value"] == 0.125 and np.all(w[1] == 0.125)
    assert topogen.load(tmp_path / "z") == net
    with pytest.raises(TopogenError, match=r"holds gzip files.*compression='gzip' or 'infer'"):
        read_graph_challenge(tmp_path / "z", compression=None)


def test_gzip_challenge_folder_without_sidecar(tmp_path):
    folder = tmp_path / "neuron4"
    folder.mkdir()
    for k, text in ((1, b"1\t2\t6.250000e-02\n"), (2, b"2\t3\t6.250000e-02\n")):
        (folder / f"n4-l{k}.tsv.gz").write_bytes(gzip.compress(text))  # gzip, not topogen
    t = read_graph_challenge(folder)
    assert t.widths == (4, 4, 4) and t.nnz == 2
    assert read_graph_challenge(folder, compression="gzip") == t
    with pytest.raises(TopogenError, match=r"no layer files.*n4-l1\.tsv\.gz.*compression="
                       r"None does not read.*compression='infer'"):
        read_graph_challenge(folder, compression=None)
    (folder / "n4-l1.tsv").write_bytes(b"1\t2\t6.250000e-02\n")
    with pytest.raises(TopogenError, match=r"two files for layer 1.*compression=None or 'gzip'"):
        read_graph_challenge(folder)
    assert read_graph_challenge(folder, compression="gzip") == t
    os.remove(folder / "n4-l1.tsv.gz")
    with pytest.raises(TopogenError, match=r"n4-l2\.tsv\.gz holds layer 2, which compression="
                       r"None does not read"):
        read_graph_challenge(folder, compression=None)


def test_gzip_bomb_and_bad_gzip_refused(tmp_path):
    net = _net([[[1, 0], [0, 1]]])
    write_graph_challenge(net, tmp_path / "z", compression="gzip")
    path = tmp_path / "z" / "n2-l1.tsv.gz"
    path.write_bytes(gzip.compress(b"1\t1\t6.250000e-02\n" + b" " * 10**6))  # ~1 KB on disk
    with pytest.raises(TopogenError, match="decompresses to more than"):
        read_graph_challenge(tmp_path / "z")
    path.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(TopogenError, match="not a valid gzip file"):
        read_graph_challenge(tmp_path / "z")


# ---------------------------------------------------------------------------- fast == general
def _read(folder, general: bool, monkeypatch):
    if general:
        monkeypatch.setattr(_tsv_read, "_fast_parse", lambda buf, threads=1: None)
    try:
        t, w = read_graph_challenge(folder, weights=True)
        return "ok", t, tuple(x.tolist() for x in w), t.meta
    except TopogenError as exc:
        return "error", str(exc)
    finally:
        monkeypatch.undo()


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_fast_and_general_readers_agree(tmp_path_factory, monkeypatch, data):
    n0, n1 = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    layer = sp.csr_array(rng.random((n0, n1)) < 0.4)
    net = topogen.Topology([layer])
    folder = tmp_path_factory.mktemp("agree") / "f"
    dialect = data.draw(st.sampled_from(["official", "rows"]))
    write_graph_challenge(net, folder, dialect=dialect)
    name = f"n{n0}-l1.tsv"
    text = (folder / name).read_bytes()
    lines = text.split(b"\n")[:-1]
    edit = data.draw(st.sampled_from(["none", "shuffle", "mutate", "drop-sidecar", "crlf",
                                      "value", "long"]))
    if edit == "shuffle":
        lines = data.draw(st.permutations(lines))
    elif edit == "value" and lines:
        k = data.draw(st.integers(0, len(lines) - 1))
        lines[k] = lines[k].rsplit(b"\t", 1)[0] + b"\t" + data.draw(
            st.sampled_from([b"0.5", b"0", b"nan", b"x", b"6.25e-02", b"-1"]))
    elif edit == "long" and lines:
        k = data.draw(st.integers(0, len(lines) - 1))
        lines[k] = b"000000000" + lines[k]
    text = b"\n".join(lines) + (b"\n" if lines else b"")
    if edit == "crlf":
        text = text.replace(b"\n", b"\r\n")
    if edit == "mutate" and text:
        pos = data.draw(st.integers(0, len(text) - 1))
        junk = data.draw(st.sampled_from([b"\t", b"\n", b" ", b"-", b"9", b"0", b"\x00", b"a",
                                          b""]))
        text = text[:pos] + junk + text[pos + 1:]
    (folder / name).write_bytes(text)
    side = json.loads((folder / "topogen.json").read_text())
    side.pop("crc32")  # the edits are deliberate: compare the parsers, not the checksum
    (folder / "topogen.json").write_text(json.dumps(side))
    if edit == "drop-sidecar":
        os.remove(folder / "topogen.json")
    fast = _read(folder, False, monkeypatch)
    general = _read(folder, True, monkeypatch)
    assert fast[0] == general[0]
    if fast[0] == "ok":
        assert fast[1] == general[1] and fast[2:] == general[2:]
    else:
        assert fast[1] == general[1]


def test_fast_path_is_taken_for_official_files(tmp_path):
    net = topogen.radix_net([[4, 4]], [1, 1, 1])
    write_graph_challenge(net, tmp_path / "g")
    buf = _tsv_read.padded_buffer(os.path.getsize(tmp_path / "g" / "n16-l1.tsv"))
    _tsv_read.text_of(buf)[:] = np.frombuffer((tmp_path / "g" / "n16-l1.tsv").read_bytes(),
                                              dtype=np.uint8)
    rows, cols, ref, fields = _tsv_read._fast_parse(buf)
    assert ref == b"6.250000e-02" and fields is None
    coo = sp.coo_array(net.layers[0].tocsc())
    assert rows.tolist() == (coo.row + 1).tolist() and cols.tolist() == (coo.col + 1).tolist()


def test_swar_parses_every_length():
    numbers = [0, 7, 10, 99, 123, 4567, 89012, 345678, 9012345, 99999999, 10000000]
    text = b"".join(b"%d\t1\t1\n" % v for v in numbers)
    buf = _tsv_read.padded_buffer(len(text))
    _tsv_read.text_of(buf)[:] = np.frombuffer(text, dtype=np.uint8)
    rows, cols, ref, _ = _tsv_read._fast_parse(buf)
    assert rows.tolist() == numbers and cols.tolist() == [1] * len(numbers) and ref == b"1"


def test_read_memory_does_not_grow_with_depth(tmp_path):
    import tracemalloc

    rng = np.random.default_rng(0)
    layers = []
    for _ in range(6):  # 2048 x 2048, 32 edges a row, rows in random order of columns
        cols = np.sort(rng.permuted(np.tile(np.arange(2048), (2048, 1)), axis=1)[:, :32], axis=1)
        layers.append(sp.csr_array((np.ones(2048 * 32, bool), cols.ravel(),
                                    np.arange(0, 2048 * 32 + 1, 32)), shape=(2048, 2048)))
    transient = {}
    for depth in (2, 6):
        write_graph_challenge(topogen.Topology(layers[:depth]), tmp_path / f"d{depth}")
        tracemalloc.start()
        try:
            net = read_graph_challenge(tmp_path / f"d{depth}")
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert net.depth == depth
        transient[depth] = peak - current  # what reading needed beyond the result
    text = os.path.getsize(tmp_path / "d2" / "n2048-l1.tsv")
    assert transient[6] <= transient[2] + text  # bounded by one layer, not by the depth
    assert transient[6] <= 8 * text + (4 << 20)


# ---------------------------------------------------------------------------- hostile folders
def test_layer_numbers_do_not_decide_memory(tmp_path):
    folder = tmp_path / "neuron4"
    folder.mkdir()
    (folder / "n4-l1.tsv").write_text("1\t1\t1\n")
    (folder / "n4-l99999999999.tsv").write_text("1\t1\t1\n")
    with pytest.raises(TopogenError, match=r"layer 2 is missing.*2 layer files, numbered up "
                       r"to 99999999999"):
        read_graph_challenge(folder)


def test_huge_widths_refused_before_allocating(tmp_path):
    folder = tmp_path / "huge"
    folder.mkdir()
    (folder / "n999999999999-l1.tsv").write_text("1\t1\t1\n")
    with pytest.raises(TopogenError, match=r"declares 1,999,999,999,998 neurons and 0 edges, "
                       r"which need .* above the cap of max_edges="):
        read_graph_challenge(folder)
    side = tmp_path / "side"
    side.mkdir()
    (side / "n4-l1.tsv").write_text("1\t1\t1\n")
    doc = {"format": "topogen-layers", "version": 1, "kind": "tsv", "widths": [10**15, 4],
           "layer_nnz": [1], "files": ["n4-l1.tsv"], "meta": {}}
    (side / "topogen.json").write_text(json.dumps(doc))
    with pytest.raises(TopogenError, match=r"neurons and 1 edges, which need .* above the cap"):
        read_graph_challenge(side)
    doc.update(widths=[4, 4], layer_nnz=[10**12])
    (side / "topogen.json").write_text(json.dumps(doc))
    with pytest.raises(TopogenError, match="1,000,000,000,000 edges, which need"):
        read_graph_challenge(side)
    doc.update(layer_nnz=[17])
    (side / "topogen.json").write_text(json.dumps(doc))
    with pytest.raises(TopogenError, match="declares 17 edges but is only 4 x 4"):
        read_graph_challenge(side)
    doc.update(layer_nnz=[1])
    (side / "topogen.json").write_text(json.dumps(doc))
    # the readers' one rule: 8 bytes a neuron (8 here) and 5 an edge, within 5 * max_edges
    assert read_graph_challenge(side, max_edges=14).nnz == 1
    (side / "n4-l1.tsv").write_text("1\t1\t1\n" + " " * 200)  # more than 1 edge can fill
    with pytest.raises(TopogenError, match=r"n4-l1\.tsv: 206 bytes, more than its edges can "
                       r"fill \(at most 97\)"):
        read_graph_challenge(side)
    (side / "n4-l1.tsv").write_text("1\t1\t1\n")
    with pytest.raises(TopogenError, match="above the cap of max_edges=13"):
        read_graph_challenge(side, max_edges=13)  # 69 bytes > 65


def test_deep_or_odd_sidecar_is_one_line_error(tmp_path):
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "n4-l1.tsv").write_text("1\t1\t1\n")
    (folder / "topogen.json").write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(TopogenError, match="nested too deeply"):
        read_graph_challenge(folder)
    os.remove(folder / "topogen.json")
    os.mkdir(folder / "topogen.json")
    with pytest.raises(TopogenError, match="regular file"):
        read_graph_challenge(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_layer_file_does_not_hang(tmp_path):
    folder = tmp_path / "g"
    folder.mkdir()
    os.mkfifo(folder / "n4-l1.tsv")
    with pytest.raises(TopogenError, match=r"n4-l1\.tsv.*regular file"):
        read_graph_challenge(folder)


# ---------------------------------------------------------------------------- command line
def test_cli_value_is_written_and_kept(tmp_path, capsys):
    from topogen.cli import main

    out = tmp_path / "g"
    assert main(["generate", "radix-net", "--radices", "2,2", "--widths", "1,1,1", "-o",
                 str(out), "--output-format", "tsv", "--value", "0.03125", "--quiet"]) == 0
    assert (out / "n4-l1.tsv").read_bytes().split(b"\n")[0] == b"1\t1\t3.125000e-02"
    # re-exporting keeps the value it was written with, also through .npz
    assert main(["export", str(out), "-o", str(tmp_path / "x.npz"), "--quiet"]) == 0
    assert main(["export", str(tmp_path / "x.npz"), "--output-format", "tsv", "-o",
                 str(tmp_path / "h"), "--quiet"]) == 0
    assert read_graph_challenge(tmp_path / "h", value=1 / 32).meta["value"] == 1 / 32
    assert main(["export", str(out), "--output-format", "tsv", "-o", str(tmp_path / "k"),
                 "--value", "0.5", "--quiet"]) == 0
    assert read_graph_challenge(tmp_path / "k", value=0.5).nnz == 16
    assert main(["generate", "radix-net", "--radices", "2,2", "--widths", "1,1,1", "-o",
                 str(tmp_path / "s"), "--output-format", "tsv", "--stream", "--value", "0.25",
                 "--quiet"]) == 0
    assert read_graph_challenge(tmp_path / "s", value=0.25).nnz == 16
    assert main(["generate", "radix-net", "--radices", "2,2", "--widths", "1,1,1", "-o",
                 str(tmp_path / "s.npz"), "--stream", "--value", "0.25"]) == 2
    assert "--value applies to tsv and mtx" in capsys.readouterr().err


def test_bad_meta_value_is_named(tmp_path):
    net = topogen.radix_net([[2]], [1, 1]).with_meta(value="x")
    with pytest.raises(TopogenError, match=r"meta\['value'\] must be .* got 'x'; pass value="):
        write_graph_challenge(net, tmp_path / "a")
    write_graph_challenge(net, tmp_path / "b", value=0.5)  # an explicit value wins
    assert read_graph_challenge(tmp_path / "b").meta["value"] == 0.5
    # a Graph Challenge network records its weight as meta["weight"]
    write_graph_challenge(topogen.radix_net([[2]], [1, 1]).with_meta(weight=0.25), tmp_path / "c")
    assert read_graph_challenge(tmp_path / "c").meta["value"] == 0.25


def test_parallel_reading_reports_the_first_bad_file_in_order(tmp_path, monkeypatch):
    """Files are read on several threads, yet the error is that of the first bad layer and
    the layers come back in order, equal to a one-thread read."""
    from topogen.export.files import tsv as tsv_module

    net = topogen.radix_net([[2, 2]] * 4, [2] * 9)
    folder = tmp_path / "neuron8"
    write_graph_challenge(net, folder)
    monkeypatch.setattr(tsv_module, "THREADS", 4)
    assert read_graph_challenge(folder) == net
    monkeypatch.setattr(tsv_module, "THREADS", 1)
    assert read_graph_challenge(folder) == net
    monkeypatch.setattr(tsv_module, "THREADS", 4)
    for k in (3, 7):  # two bad files; the third layer's error is the one reported
        path = folder / f"n8-l{k}.tsv"
        path.write_bytes(path.read_bytes().replace(b"\t", b"\tx", 1))
    with pytest.raises(TopogenError, match=r"n8-l3\.tsv"):
        read_graph_challenge(folder)
