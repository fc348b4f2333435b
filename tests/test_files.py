"""Files: round trips for every format, interoperability, validation of hostile files, atomicity."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile

import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import topologies as shared_topologies

import topogen
from topogen import TopogenError, Topology
from topogen.export import files as F
from topogen.export import (
    load_npz,
    read_edgelist,
    read_graph_challenge,
    read_graphml,
    read_mtx,
    save_npz,
    write_graph_challenge,
    write_mtx,
)

FORMATS = {  # format -> (file or folder name, reader)
    "npz": ("t.npz", load_npz),
    "tsv": ("neuron", read_graph_challenge),
    "mtx": ("mtx", read_mtx),
    "graphml": ("t.graphml", read_graphml),
    "edgelist": ("t.edgelist", read_edgelist),
}


@st.composite
def topologies(draw, max_width=6, max_depth=4):
    """Random topologies (see strategies.topologies) with a random JSON-able meta."""
    layers = draw(shared_topologies(max_width, max_depth)).layers
    meta = draw(st.fixed_dictionaries({}, optional={
        "generator": st.text(max_size=8), "seed": st.integers(0, 2**40),
        "params": st.dictionaries(st.text(max_size=4), st.integers() | st.floats(
            allow_nan=False, allow_infinity=False) | st.lists(st.integers(), max_size=3),
            max_size=3)}))
    return Topology(layers, meta)


def _assert_same(a: Topology, b: Topology):
    assert a == b
    assert a.widths == b.widths
    for x, y in zip(a.layers, b.layers):
        np.testing.assert_array_equal(x.toarray(), y.toarray())
        assert y.has_canonical_format and y.dtype == bool


def _meta_after(t, fmt):
    """The meta a round trip gives: a TSV folder also records the value on its edges."""
    return dict(t.meta, value=1 / 16) if fmt == "tsv" else t.meta


# ---------------------------------------------------------------------------- round trips
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies(), st.sampled_from(sorted(FORMATS)))
def test_round_trip_every_format(t, fmt):
    name, reader = FORMATS[fmt]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        topogen.save(t, path, format=fmt)
        for back in (topogen.load(path), reader(path)):
            _assert_same(t, back)
            assert back.meta == _meta_after(t, fmt)  # meta survives every format


def _generator_family(name):
    small = {
        "mixed_radix": lambda: topogen.mixed_radix([2, 3]),
        "extended_mixed_radix": lambda: topogen.extended_mixed_radix([[2, 2], [2]]),
        "radix_net": lambda: topogen.radix_net([[2, 2], [2]], [2, 1, 3, 1]),
        "x_net": lambda: topogen.x_net([8, 8, 4], degree=2, seed=1),
        "dense": lambda: topogen.dense([3, 2, 4]),
        "erdos_renyi": lambda: topogen.erdos_renyi([6, 5, 4], 0.4, seed=2),
        "butterfly": lambda: topogen.butterfly(8),
        "from_graph": lambda: topogen.from_graph(topogen.paley(13), 2),
        "erk": lambda: topogen.erk([6, 8, 5], 0.5, seed=3),
        "random_regular": lambda: topogen.random_regular([8, 8, 8], 3, seed=4),
        "lps": lambda: topogen.from_graph(topogen.lps(5, 13), 1),
        "bipartite_ramanujan": lambda: topogen.bipartite_ramanujan(topogen.lps(5, 13)),
        "margulis_gabber_galil": lambda: topogen.from_graph(topogen.margulis_gabber_galil(4), 2),
    }
    try:
        return small[name]()
    except (AttributeError, ImportError, ModuleNotFoundError) as exc:
        pytest.skip(f"generator {name} is not available yet: {exc}")


@pytest.mark.parametrize("family", [
    "mixed_radix", "extended_mixed_radix", "radix_net", "x_net", "dense", "erdos_renyi",
    "butterfly", "from_graph", "erk", "random_regular", "lps", "bipartite_ramanujan",
    "margulis_gabber_galil"])
def test_round_trip_every_generator_family(family, tmp_path):
    t = _generator_family(family)
    for fmt, (name, _) in FORMATS.items():
        path = tmp_path / f"{fmt}-{name}"
        if fmt in ("npz", "graphml", "edgelist"):
            path = tmp_path / name
        topogen.save(t, path, format=fmt)
        back = topogen.load(path)
        _assert_same(t, back)
        assert back.meta == _meta_after(t, fmt)


# ---------------------------------------------------------------------------- interoperability
def test_graph_challenge_folder_errors(tmp_path):
    folder = tmp_path / "neuron4"
    folder.mkdir()
    (folder / "n4-l1.tsv").write_text("1\t1\t1\n")
    (folder / "n4-l3.tsv").write_text("1\t1\t1\n")
    with pytest.raises(TopogenError, match="layer 2 is missing"):
        read_graph_challenge(folder)
    (folder / "n5-l2.tsv").write_text("1\t1\t1\n")
    with pytest.raises(TopogenError, match="different widths"):
        read_graph_challenge(folder)
    with pytest.raises(TopogenError, match="not a folder"):
        read_graph_challenge(tmp_path / "nothing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TopogenError, match="no layer files"):
        read_graph_challenge(empty)


def test_matrix_market_interoperates_with_scipy(tmp_path):
    net = topogen.radix_net([[3, 2]], [2, 1, 2])
    write_mtx(net, tmp_path / "m")
    write_mtx(net, tmp_path / "v", value=0.5)
    for i, layer in enumerate(net.layers):
        name = f"n{layer.shape[0]}-l{i + 1}.mtx"
        m = scipy.io.mmread(tmp_path / "m" / name)  # independent reader
        np.testing.assert_array_equal(m.toarray() != 0, layer.toarray())
        v = scipy.io.mmread(tmp_path / "v" / name)
        assert set(v.data.tolist()) == {0.5}
    # and ours reads SciPy's files, including the symmetric ones it writes on its own
    sym = sp.coo_array(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=float))
    scipy.io.mmwrite(tmp_path / "s.mtx", sym)
    assert "symmetric" in (tmp_path / "s.mtx").read_text().splitlines()[0]
    np.testing.assert_array_equal(read_mtx(tmp_path / "s.mtx").layers[0].toarray(),
                                  sym.toarray() != 0)
    scipy.io.mmwrite(tmp_path / "g.mtx", sp.coo_array(np.array([[0, 2.5], [0, 0], [1, 0]])))
    np.testing.assert_array_equal(read_mtx(tmp_path / "g.mtx").layers[0].toarray(),
                                  [[0, 1], [0, 0], [1, 0]])


def test_networkx_reads_graphml_and_edgelist(tmp_path):
    net = topogen.radix_net([[2, 2]], [1, 2, 1])
    topogen.save(net, tmp_path / "a.graphml")
    topogen.save(net, tmp_path / "a.edgelist")
    want = {(f"{i}:{u[1]}", f"{i + 1}:{v[1]}") for i in range(net.depth)
            for u, v in net.to_networkx().edges if u[0] == i}
    G = nx.read_graphml(tmp_path / "a.graphml")
    H = nx.read_edgelist(tmp_path / "a.edgelist", create_using=nx.DiGraph)
    assert set(G.edges) == want == set(H.edges)
    assert json.loads(G.graph["widths"]) == list(net.widths)


def test_npz_is_plain_numpy(tmp_path):
    net = topogen.radix_net([[2, 2]], [1, 3, 1])
    save_npz(net, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz", allow_pickle=False) as z:
        assert z["widths"].tolist() == list(net.widths)
        assert json.loads(z["meta"].tobytes()) == net.meta
        np.testing.assert_array_equal(z["indices_1"], net.layers[1].indices)


# ---------------------------------------------------------------------------- validation
def _tsv_folder(tmp_path, text, n=4, sidecar=True):
    folder = tmp_path / f"neuron{n}-{abs(hash(text)) % 10**8}"
    folder.mkdir()
    (folder / f"n{n}-l1.tsv").write_bytes(text.encode() if isinstance(text, str) else text)
    if sidecar:
        nnz = len([ln for ln in (text if isinstance(text, str) else text.decode()).splitlines()
                   if ln.strip()])
        (folder / "topogen.json").write_text(json.dumps({
            "format": "topogen-layers", "version": 1, "kind": "tsv", "widths": [n, n],
            "layer_nnz": [nnz], "files": [f"n{n}-l1.tsv"], "meta": {}}))
    return folder


@pytest.mark.parametrize("text, message", [
    ("1\t1\t1\n2\t2\n", r"n4-l1\.tsv, line 2: expected 3 fields, got 2.*truncated"),
    ("1\t1\t1\n2\t5\t1\n", r"n4-l1\.tsv, line 2: column index 5 is out of range"),
    ("1\t1\t1\n0\t2\t1\n", r"line 2: row index 0 is out of range.*1-based"),
    ("1\t1.5\t1\n", r"line 1: column index '1\.5' is not a non-negative integer"),
    ("1\t-2\t1\n", r"line 1: column index '-2' is not a non-negative integer"),
    ("1\t1\t1\n3\t2\t1\n1\t1\t1\n", r"line 3: duplicate edge \(1, 1\), first given on line 1"),
    ("1\t1\tx\n", r"line 1: value 'x' is not a finite number"),
    ("1\t1\tnan\n", r"line 1: value 'nan' is not a finite number"),
    ("1\t1\t0\n", r"line 1: a stored zero value is not an edge"),
    ("1\t1\t1\n\n2\t2\t1\n", r"line 2: expected 3 fields, got 0"),
    ("1\t1\t1\t1\n", r"line 1: expected 3 fields, got 4"),
    ("99999999999999999999\t1\t1\n", r"line 1: row index .* too large"),
])
def test_tsv_reader_names_file_and_line(tmp_path, text, message):
    folder = _tsv_folder(tmp_path, text)
    with pytest.raises(TopogenError, match=message):
        read_graph_challenge(folder)


def test_tsv_reader_accepts_unsorted_lines_crlf_and_no_final_newline(tmp_path):
    folder = _tsv_folder(tmp_path, "3\t1\t0.5\r\n1\t4\t0.5\r\n2\t2\t0.5")
    t = read_graph_challenge(folder)
    assert sorted(zip(*t.layers[0].nonzero())) == [(0, 3), (1, 1), (2, 0)]


def test_truncated_file_detected_against_topogen_json(tmp_path):
    net = topogen.radix_net([[2, 2]], [1, 1, 1])
    write_graph_challenge(net, tmp_path / "g")
    path = tmp_path / "g" / "n4-l2.tsv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-2]))  # cut at a line boundary: only the count can tell
    with pytest.raises(TopogenError, match=r"n4-l2\.tsv: 6 edges but topogen.json says 8"):
        topogen.load(tmp_path / "g")


@pytest.mark.parametrize("text, message", [
    ("%%MatrixMarket matrix coordinate pattern general\n4 4 3\n1 1\n2 2\n",
     r"2 entries but the size line declares 3"),
    ("%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n", r"line 1: only 'coordinate'"),
    ("%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n", r"field 'complex'"),
    ("%%MatrixMarket matrix coordinate pattern general\n% c\n2 2\n", r"line 3: the size line"),
    ("%%MatrixMarket matrix coordinate pattern general\n", r"line 2: the size line .* missing"),
    ("hello\n", r"line 1: not a Matrix Market file"),
    ("%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n1 3\n",
     r"line 4: column index 3 is out of range"),
    ("%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n1 1\n",
     r"line 4: duplicate edge \(1, 1\), first given on line 3"),
    ("%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 2 1.0\n",
     r"line 3: a symmetric file must list only the lower triangle"),
])
def test_mtx_reader_names_file_and_line(tmp_path, text, message):
    path = tmp_path / "x.mtx"
    path.write_text(text)
    with pytest.raises(TopogenError, match=message):
        read_mtx(path)


def test_mtx_folder_wrong_shape(tmp_path):
    net = topogen.radix_net([[2, 2]], [1, 1, 1])
    write_mtx(net, tmp_path / "m")
    (tmp_path / "m" / "n4-l2.mtx").write_text(
        "%%MatrixMarket matrix coordinate pattern general\n4 5 1\n1 1\n")
    with pytest.raises(TopogenError, match=r"n4-l2\.mtx, line 2: the matrix is 4 x 5 but the "
                       r"layer must be 4 x 4 \(wrong shape\)"):
        topogen.load(tmp_path / "m")


def _npz_bytes(t):
    buf = io.BytesIO()
    writer = F.NpzWriter(buf)
    for layer in t.layers:
        writer.add(layer)
    writer.close(t.meta)
    return buf.getvalue()


def _rewrite_npz(src, dst, **replace):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(replace)
    for k in [k for k, v in replace.items() if v is None]:
        del arrays[k]
    np.savez(dst, **arrays)


@pytest.mark.parametrize("replace, message", [
    ({"indices_0": np.array([0, 1, 1, 2, 2, 3, 3, 0], np.int32)}, r"layer 0: .*not sorted"),
    ({"indices_0": np.array([0, 0, 1, 2, 2, 3, 0, 3], np.int32)}, r"layer 0: .*duplicate"),
    ({"indices_1": np.array([0, 4, 1, 2, 2, 3, 0, 3], np.int32)}, r"layer 1: .*out of range"),
    ({"indptr_0": np.array([0, 2, 4, 6], np.int32)}, r"layer 0: indptr has 4 entries.*shape"),
    ({"indptr_1": np.array([0, 2, 1, 6, 8], np.int32)}, r"layer 1: indptr is not a valid"),
    ({"layer_nnz": np.array([8, 9])}, r"layer 1: 8 edges but layer_nnz says 9"),
    ({"widths": np.array([4, 4])}, r"invalid widths"),
    ({"format": np.frombuffer(b"other", np.uint8)}, r"not a topogen \.npz"),
    ({"indices_1": None}, r"missing array 'indices_1'"),
    ({"indices_1": np.array([0.0, 1.0])}, r"'indices_1' has dtype float64"),
    ({"meta": np.frombuffer(b"{oops", np.uint8)}, r"meta is not valid JSON"),
    ({"version": np.array([2])}, r"unsupported topogen \.npz version"),
])
def test_npz_reader_rejects_inconsistent_arrays(tmp_path, replace, message):
    net = topogen.radix_net([[2, 2]], [1, 1, 1])
    save_npz(net, tmp_path / "ok.npz")
    _rewrite_npz(tmp_path / "ok.npz", tmp_path / "bad.npz", **replace)
    with pytest.raises(TopogenError, match=r"bad\.npz: .*" + message):
        load_npz(tmp_path / "bad.npz")


def test_npz_reader_rejects_non_zip_and_pickles(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip at all")
    with pytest.raises(TopogenError, match=r"x\.npz: not a readable \.npz"):
        load_npz(tmp_path / "x.npz")
    np.savez(tmp_path / "p.npz", format=np.array([{"a": 1}], dtype=object))
    with pytest.raises(TopogenError, match=r"p\.npz"):
        load_npz(tmp_path / "p.npz")
    with pytest.raises(TopogenError, match="no such file"):
        load_npz(tmp_path / "missing.npz")


# ---------------------------------------------------------------------------- fuzzing
_NET = topogen.radix_net([[2, 3]], [2, 1, 1])


def _valid_files():
    d = tempfile.mkdtemp()
    write_graph_challenge(_NET, os.path.join(d, "g"))
    write_mtx(_NET, os.path.join(d, "m"))
    topogen.save(_NET, os.path.join(d, "e.edgelist"))
    topogen.save(_NET, os.path.join(d, "x.graphml"))
    return {
        "tsv": (os.path.join(d, "g"), "n12-l1.tsv"),
        "mtx": (os.path.join(d, "m"), "n12-l1.mtx"),
        "edgelist": (d, "e.edgelist"),
        "graphml": (d, "x.graphml"),
    }


_FILES = _valid_files()
_NPZ = _npz_bytes(_NET)


def _load_mutated(kind, data: bytes):
    folder, name = _FILES[kind]
    with tempfile.TemporaryDirectory() as d:
        if kind in ("tsv", "mtx"):
            import shutil

            target = os.path.join(d, "f")
            shutil.copytree(folder, target)
            with open(os.path.join(target, name), "wb") as f:
                f.write(data)
            path = target
        else:
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(data)
        return topogen.load(path)


def _original(kind) -> bytes:
    folder, name = _FILES[kind]
    with open(os.path.join(folder, name), "rb") as f:
        return f.read()


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["tsv", "mtx", "edgelist", "graphml"]), st.data())
def test_fuzzed_text_files_raise_topogen_error_or_load_valid(kind, data):
    original = _original(kind)
    pos = data.draw(st.integers(0, len(original) - 1))
    op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
    junk = data.draw(st.binary(min_size=1, max_size=4) | st.sampled_from(
        [b"\t", b"\n", b" ", b"-", b".", b"9", b"0", b"e", b"\x00", b"\xff", b":"]))
    if op == "flip":
        mutated = original[:pos] + junk + original[pos + len(junk):]
    elif op == "insert":
        mutated = original[:pos] + junk + original[pos:]
    elif op == "delete":
        mutated = original[:pos] + original[pos + len(junk):]
    else:
        mutated = original[:pos]
    try:
        t = _load_mutated(kind, mutated)
    except TopogenError:
        return
    # whatever loads must be a valid topology of the declared shape
    assert t.widths == _NET.widths
    for layer in t.layers:
        assert layer.has_canonical_format and layer.dtype == bool


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["tsv", "mtx", "edgelist"]), st.data())
@example("tsv", None)
def test_truncated_text_files_always_raise(kind, data):
    original = _original(kind)
    n_header = {"tsv": 0, "mtx": 3, "edgelist": 3}[kind]
    body_start = len(b"".join(original.splitlines(keepends=True)[:n_header]))
    # tsv and mtx folders carry a CRC-32 in topogen.json: any cut raises.  The edge list has
    # only its edge count: any cut that removes at least one whole field raises.
    text = original.rstrip(b"\n")
    last = len(text) - 1 if kind != "edgelist" else text.rindex(b":") + 1
    cut = last if data is None else data.draw(st.integers(body_start, last))
    with pytest.raises(TopogenError):
        _load_mutated(kind, original[:cut])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_fuzzed_npz_raises_topogen_error_or_loads_equal(data):
    pos = data.draw(st.integers(0, len(_NPZ) - 1))
    op = data.draw(st.sampled_from(["flip", "truncate"]))
    if op == "truncate":
        mutated = _NPZ[:pos]
    else:
        byte = data.draw(st.integers(0, 255))
        mutated = _NPZ[:pos] + bytes([byte]) + _NPZ[pos + 1:]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "f.npz")
        with open(path, "wb") as f:
            f.write(mutated)
        try:
            t = load_npz(path)
        except TopogenError:
            return
    assert t.widths == _NET.widths  # a flipped byte that changes no data still loads
    for layer in t.layers:
        assert layer.has_canonical_format and layer.dtype == bool


# ---------------------------------------------------------------------------- atomic writes
def _listing(path):
    return sorted(os.listdir(path))


def test_failed_file_write_leaves_old_file_untouched(tmp_path, monkeypatch):
    old, new = topogen.radix_net([[2]], [1, 1]), topogen.radix_net([[2, 2]], [1, 1, 1])
    for name in ("t.npz", "t.edgelist", "t.graphml"):
        path = tmp_path / name
        topogen.save(old, path)
        before = path.read_bytes()

        def boom(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(os, "fsync", boom)
        with pytest.raises(OSError, match="disk full"):
            topogen.save(new, path)
        monkeypatch.undo()
        assert path.read_bytes() == before
        assert topogen.load(path) == old
    assert _listing(tmp_path) == ["t.edgelist", "t.graphml", "t.npz"]  # no temporary files


def test_failed_npz_write_midway(tmp_path, monkeypatch):
    old = topogen.radix_net([[2]], [1, 1])
    path = tmp_path / "t.npz"
    topogen.save(old, path)
    before = path.read_bytes()
    calls = []
    real_add = F.NpzWriter.add

    def add_then_fail(self, layer):
        calls.append(1)
        if len(calls) == 2:
            raise MemoryError("out of memory in layer 2")
        real_add(self, layer)

    monkeypatch.setattr(F.NpzWriter, "add", add_then_fail)
    with pytest.raises(MemoryError):
        topogen.save(topogen.radix_net([[2, 2]], [1, 1, 1]), path)
    assert path.read_bytes() == before and _listing(tmp_path) == ["t.npz"]


@pytest.mark.parametrize("fmt", ["tsv", "mtx"])
def test_failed_folder_write_leaves_old_folder_untouched(tmp_path, fmt):
    from topogen.export.stream import stream_layers

    old = topogen.radix_net([[2, 2]], [1, 1, 1])
    folder = tmp_path / "net"
    topogen.save(old, folder, format=fmt)
    before = {n: (folder / n).read_bytes() for n in _listing(folder)}

    def layers():
        yield from topogen.radix_net([[3, 3, 3]], [1, 1, 1, 1]).layers[:2]
        raise RuntimeError("generator failed at layer 3")

    with pytest.raises(RuntimeError, match="layer 3"):
        stream_layers(layers(), folder, kind=fmt)
    assert {n: (folder / n).read_bytes() for n in _listing(folder)} == before
    assert _listing(tmp_path) == ["net"]  # no temporary folder left behind
    # a successful write replaces the folder as a whole
    new = topogen.radix_net([[3, 3, 3]], [1, 1, 1, 1])
    topogen.save(new, folder, format=fmt)
    assert topogen.load(folder) == new
    assert _listing(tmp_path) == ["net"]
    assert not any(n.startswith("n4-") for n in _listing(folder))  # old files are gone


def test_refuses_to_replace_foreign_folder_or_file(tmp_path):
    net = topogen.radix_net([[2]], [1, 1])
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(TopogenError, match="refusing to replace"):
        topogen.save(net, tmp_path / "mine", format="tsv")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(TopogenError, match="a file of that name exists"):
        topogen.save(net, tmp_path / "afile", format="mtx")
    with pytest.raises(TopogenError, match="does not exist"):
        topogen.save(net, tmp_path / "no" / "such" / "t.npz")
    (tmp_path / "emptydir").mkdir()
    topogen.save(net, tmp_path / "emptydir", format="tsv")  # an empty folder is fine
    assert topogen.load(tmp_path / "emptydir") == net


# ---------------------------------------------------------------------------- save / load
def test_save_load_format_dispatch_errors(tmp_path):
    net = topogen.radix_net([[2]], [1, 1])
    with pytest.raises(TopogenError, match="cannot tell the format"):
        topogen.save(net, tmp_path / "noext")
    with pytest.raises(TopogenError, match="unknown format 'hdf5'"):
        topogen.save(net, tmp_path / "x.h5", format="hdf5")
    with pytest.raises(TopogenError, match="does not take the option"):
        topogen.save(net, tmp_path / "x.npz", value=2.0)
    with pytest.raises(TopogenError, match="no such file or folder"):
        topogen.load(tmp_path / "absent")
    (tmp_path / "x.bin").write_bytes(b"")
    with pytest.raises(TopogenError, match="cannot tell the format"):
        topogen.load(tmp_path / "x.bin")
    with pytest.raises(TopogenError, match="value must be a finite nonzero number"):
        topogen.save(net, tmp_path / "v", format="tsv", value=0)
    with pytest.raises(TopogenError, match="Topology"):
        topogen.save([np.eye(2)], tmp_path / "x.npz")
    with pytest.raises(TopogenError, match="small topologies"):
        topogen.save(net, tmp_path / "x.graphml", max_edges=3)
    topogen.save(net, tmp_path / "g", format="graph_challenge")
    with pytest.raises(TopogenError, match="holds format 'tsv', not 'mtx'"):
        topogen.load(tmp_path / "g", format="mtx")


# ---------------------------------------------------------------------------- foreign files
@pytest.mark.parametrize("fmt", ["tsv", "mtx"])
def test_folder_with_foreign_files_is_never_emptied(tmp_path, fmt):
    old = topogen.radix_net([[2, 2]], [1, 1, 1])
    folder = tmp_path / "net"
    topogen.save(old, folder, format=fmt)
    (folder / "NOTES.txt").write_text("my notes")
    (folder / "plots").mkdir()
    (folder / "plots" / "a.png").write_bytes(b"png")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    new = topogen.radix_net([[3, 3]], [1, 1, 1])
    for attempt in (lambda: topogen.save(new, folder, format=fmt),
                    lambda: topogen.export.stream_layers(new.layers, folder, kind=fmt)):
        with pytest.raises(TopogenError, match=r"refusing to replace .*2 entries topogen did "
                           r"not write \(NOTES\.txt, plots\); write to a new folder"):
            attempt()
        assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
        assert sorted(os.listdir(tmp_path)) == ["net"]  # and no temporary left
    assert topogen.load(folder) == old
    # a layer-file name that is not a regular file is not topogen's either
    os.remove(folder / "NOTES.txt")
    shutil.rmtree(folder / "plots")
    name = sorted(n for n in os.listdir(folder) if n != "topogen.json")[0]
    os.remove(folder / name)
    (folder / name).mkdir()
    (folder / name / "keep").write_text("x")
    with pytest.raises(TopogenError, match="did not write"):
        topogen.save(new, folder, format=fmt)
    assert (folder / name / "keep").read_text() == "x"
    # only topogen's files: the folder is replaced
    shutil.rmtree(folder / name)
    topogen.save(new, folder, format=fmt)
    assert topogen.load(folder) == new


def test_save_refuses_a_suffix_that_contradicts_the_format(tmp_path):
    net = topogen.radix_net([[2]], [1, 1])
    for name, fmt in [("x.npz", "tsv"), ("x.graphml", "npz"), ("x.mtx", "tsv"),
                      ("x.edgelist", "graphml"), ("x.tsv", "mtx")]:
        with pytest.raises(TopogenError, match=f"format='{fmt}' contradicts the name"):
            topogen.save(net, tmp_path / name, format=fmt)
    assert os.listdir(tmp_path) == []
    for name, fmt in [("x.mtx", "mtx"), ("y.tsv", "tsv"), ("z.edges", "edgelist"),
                      ("plain", "npz")]:
        topogen.save(net, tmp_path / name, format=fmt)
        assert topogen.load(tmp_path / name, format=fmt) == net


# ---------------------------------------------------------------- SciPy-parsed Matrix Market
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_mtx_read_equals_scipy_or_names_the_duplicate(tmp_path_factory, n_rows, n_cols, data):
    """Any coordinate file in any order: read_mtx gives SciPy's pattern (the oracle), or a
    TopogenError naming the duplicate's two lines when an entry repeats."""
    entries = data.draw(st.lists(st.tuples(st.integers(1, n_rows), st.integers(1, n_cols)),
                                 max_size=12))
    field = data.draw(st.sampled_from(["pattern", "real", "integer"]))
    tail = "" if field == "pattern" else " 3"
    path = tmp_path_factory.mktemp("m") / "x.mtx"
    path.write_text(f"%%MatrixMarket matrix coordinate {field} general\n"
                    f"{n_rows} {n_cols} {len(entries)}\n"
                    + "".join(f"{r} {c}{tail}\n" for r, c in entries))
    seen = {}
    dup = None
    for k, e in enumerate(entries):
        if e in seen and dup is None:
            dup = (seen[e], k)
        seen.setdefault(e, k)
    if dup is not None:
        with pytest.raises(TopogenError, match=r"line \d+: duplicate edge .* first given on "
                           r"line \d+"):
            read_mtx(path)
        return
    oracle = scipy.io.mmread(path).toarray() != 0
    np.testing.assert_array_equal(read_mtx(path).layers[0].toarray(), oracle)


def test_mtx_reader_refuses_what_crashes_or_bloats_before_parsing(tmp_path):
    head = "%%MatrixMarket matrix coordinate pattern general\n"
    cases = {
        "rows.mtx": (head + "200000000 4 1\n1 1\n", r"line 2: declares 200,000,004 neurons"),
        "nnz.mtx": (head + "4 4 100000000000\n1 1\n", r"hold at most 1 entries but the size "
                    r"line declares 100000000000"),
        "nul.mtx": (head + "2 2 1\n1 1\0\n", r"line 3: a NUL byte"),
        "empty.mtx": ("", r"line 1: the file is empty"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_bytes(text.encode())
        with pytest.raises(TopogenError, match=message):
            read_mtx(tmp_path / name)
    # the last line without newline (crashed fast_matrix_market 1.7) reads or names the line
    (tmp_path / "eof.mtx").write_bytes((head + "2 2 2\n1 1\n2 2x").encode())
    assert read_mtx(tmp_path / "eof.mtx").nnz == 2
    (tmp_path / "eof.mtx").write_bytes((head + "2 2 2\n1 1\n2 2").encode())
    assert read_mtx(tmp_path / "eof.mtx").nnz == 2
    # a cap the caller raises reads what the default refuses, and the reverse
    (tmp_path / "small.mtx").write_text(head + "4 4 1\n1 1\n")
    with pytest.raises(TopogenError, match="above the cap of max_edges=2"):
        read_mtx(tmp_path / "small.mtx", max_edges=2)


def test_read_matrix_market_is_mmread_behind_the_guards(tmp_path):
    from topogen.export.files.mtx import read_matrix_market

    sym = sp.coo_array(np.array([[2.0, 0.5, 0], [0.5, 0, 1], [0, 1, 0]]))
    scipy.io.mmwrite(tmp_path / "s.mtx", sym)
    np.testing.assert_array_equal(read_matrix_market(tmp_path / "s.mtx").toarray(),
                                  sym.toarray())  # values kept, symmetric mirrored
    head = "%%MatrixMarket matrix coordinate pattern general\n"
    for name, text, message in [
            ("nul.mtx", head + "2 2 1\n1 1\0\n", "NUL byte"),  # crashed mmread itself
            ("big.mtx", head + "4 4 9999999999\n1 1\n", "hold at most"),
            ("cap.mtx", head + "4 4 1\n1 1\n", "above the cap of max_edges=2")]:
        (tmp_path / name).write_bytes(text.encode())
        with pytest.raises(TopogenError, match=message):
            read_matrix_market(tmp_path / name, max_edges=2 if name == "cap.mtx" else 2**28)
    # junk after the last field and no newline crashed mmread: here it parses
    (tmp_path / "eof.mtx").write_bytes((head + "2 2 2\n1 1\n2 1 ").encode())
    assert read_matrix_market(tmp_path / "eof.mtx").toarray().tolist() == [[1, 0], [1, 0]]


def test_mtx_checks_split_across_threads_agree_at_the_seams(tmp_path, monkeypatch):
    """Past 2**20 entries the checks run in one slice per core: a duplicate or an order
    break exactly at the seam between two slices is still found."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    n_rows, per_row = 300_000, 8
    rows = np.repeat(np.arange(n_rows), per_row)
    cols = (np.tile(np.arange(per_row), n_rows) * 37 + rows) % 1000
    cols = np.sort(cols.reshape(n_rows, per_row), axis=1).ravel()
    n = len(rows)
    seam = (n - 1) // 2  # pairs (seam - 1, seam) and (seam, seam + 1) meet at the seam

    def write(r, c, name):
        body = F.format_lines([r + 1, c + 1], [b" ", b"\n"]).tobytes()
        (tmp_path / name).write_bytes(b"%%MatrixMarket matrix coordinate pattern general\n"
                                      + f"{n_rows} 1000 {len(r)}\n".encode() + body)
        return tmp_path / name

    good = write(rows, cols, "good.mtx")
    layer = read_mtx(good).layers[0]
    np.testing.assert_array_equal(layer.indptr, np.arange(0, n + 1, per_row))
    np.testing.assert_array_equal(layer.indices, cols)
    dup_cols = cols.copy()
    dup_cols[seam + 1] = dup_cols[seam]  # entry seam + 1 repeats entry seam
    dup_rows = rows.copy()
    dup_rows[seam + 1] = dup_rows[seam]
    with pytest.raises(TopogenError, match=rf"line {seam + 4}: duplicate edge .* first given "
                       rf"on line {seam + 3}"):
        read_mtx(write(dup_rows, dup_cols, "dup.mtx"))
    swapped = np.arange(n)
    swapped[[seam, seam + 1]] = swapped[[seam + 1, seam]]  # out of order across the seam
    back = read_mtx(write(rows[swapped], cols[swapped], "swap.mtx")).layers[0]
    np.testing.assert_array_equal(back.indices, cols)


@pytest.mark.parametrize("at", ["none", "block_edge", "last"])
def test_mtx_order_check_across_its_blocks(at):
    """The blocked order check of read_mtx against the definition, with the fault on a
    block boundary (entry ORDER_BLOCK), at the end, or nowhere."""
    from topogen.export.files._mtx_read import ORDER_BLOCK, _ordered

    n = 3 * ORDER_BLOCK + 5
    key = np.arange(n, dtype=np.int64) * 3  # strictly increasing cells of a 10^6-wide layer
    rows, cols = (key // 1000).astype(np.int32), (key % 1000).astype(np.int32)
    k = {"none": None, "block_edge": ORDER_BLOCK, "last": n - 1}[at]
    if k is not None:
        cols[k] = cols[k - 1]  # a duplicate of the entry before it
        rows[k] = rows[k - 1]
    want = bool(np.all(np.diff(rows.astype(np.int64) * 1000 + cols) > 0))
    assert _ordered(rows, cols) is want and want is (k is None)
