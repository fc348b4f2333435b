"""Fuzzing the readers and writers: hostile files end in a TopogenError, in bounded memory.

Every case runs in a child process (``tests/fuzz_child.py``) under an address-space limit
(``resource.setrlimit(RLIMIT_AS)``) of ``LIMIT_MB``, with a time limit per case, and must
end in a :class:`TopogenError` from ``topogen.load`` / ``topogen.save`` and in exit status 2
with a one-line message from ``topogen info``; a crash, a hang, a ``MemoryError`` or any
other exception fails the test and names the case.  Write cases must leave the old target
intact.  Many cases share one child, so the suite starts only a handful of processes.
Cases: the corpus in ``tests/data/hostile/``, non-regular files and bombs built here, and
hypothesis-drawn mutations, truncations and lying headers of valid files of every format.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import topogen

HERE = Path(__file__).parent
CHILD = HERE / "fuzz_child.py"
CORPUS = HERE / "data" / "hostile"
#: Address-space limit of the child: its imports (NumPy, SciPy, networkx, topogen) take
#: about 150 MB of it with OPENBLAS_NUM_THREADS=1, which leaves about 350 MB for the data.
LIMIT_MB = 512
#: Hypothesis batches per test (each batch is one child); raise it to hunt longer.
EXAMPLES = int(os.environ.get("TOPOGEN_FUZZ_EXAMPLES", "4"))
STATS = {"cases": 0, "children": 0, "maxrss_kb": 0, "children_maxrss_kb": 0}
OUTCOMES: collections.Counter = collections.Counter()
NET = topogen.radix_net([[2, 3]], [2, 1, 1])
MTX_HEAD = "%%MatrixMarket matrix coordinate pattern general\n"


def run_child(cases: list[dict]) -> dict:
    """Run ``cases`` in one limited child; return the outcome of each by id."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(CHILD), str(LIMIT_MB)], input=json.dumps(cases),
                          capture_output=True, text=True, env=env, timeout=600)
    results = {}
    for line in proc.stdout.splitlines():
        r = json.loads(line)
        results[r["id"]] = r
    missing = [c["id"] for c in cases if c["id"] not in results]
    assert not missing, (f"the child died (status {proc.returncode}) at case {missing[0]}: "
                         f"{proc.stderr[-3000:]}")
    STATS["cases"] += len(cases)
    STATS["children"] += 1
    STATS["maxrss_kb"] = max(STATS["maxrss_kb"], results["__done__"]["maxrss_kb"])
    # of every child this pytest process waited for (other test files' too, if they ran)
    STATS["children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return results


def _refused(results, cases):
    """Every case ended in a TopogenError (load/save) or exit 2 with one line (info)."""
    wrong = []
    for c in cases:
        r = results[c["id"]]
        want = "exit 2" if c["op"] == "info" else "TopogenError"
        if r["outcome"] != want or (c["op"] == "info" and r["stderr_lines"] != 1):
            wrong.append(f"{c['id']}: {r}")
    assert not wrong, "\n".join(wrong)


def _load_and_info(cid, path):
    return [{"id": f"{cid}/load", "op": "load", "path": str(path)},
            {"id": f"{cid}/info", "op": "info", "path": str(path)}]


# ---------------------------------------------------------------------------- builders
def deflate_bomb(path: Path, inflated: int = 1_100_000_000) -> None:
    """A ~1 MB ``.npz`` whose one deflated member inflates to ``inflated`` bytes of an
    ``.npy`` array of zeros, with an honest zip directory (written by hand: zipfile would
    need to compress the gigabyte)."""
    shape = (inflated - 128) // 8
    head = f"{{'descr': '<i8', 'fortran_order': False, 'shape': ({shape},), }}"
    head = head.ljust(128 - 11) + "\n"
    npy = b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head.encode()
    chunk = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc, left = [comp.compress(npy)], zlib.crc32(npy), shape * 8
    same = None
    while left:
        n = min(left, len(chunk))
        if n == len(chunk) and same is not None:
            parts.append(same)
        else:
            out = comp.compress(chunk[:n]) + comp.flush(zlib.Z_FULL_FLUSH)
            if n == len(chunk) and len(parts) > 2:
                same = out  # after a full flush every further megabyte compresses alike
            parts.append(out)
        crc = zlib.crc32(chunk[:n], crc)
        left -= n
    parts.append(comp.flush())
    data = b"".join(parts)
    name = b"indices_0.npy"
    size = len(npy) + shape * 8
    local = (b"PK\x03\x04" + (20).to_bytes(2, "little") + bytes(2) + (8).to_bytes(2, "little")
             + bytes(4) + crc.to_bytes(4, "little") + len(data).to_bytes(4, "little")
             + size.to_bytes(4, "little") + len(name).to_bytes(2, "little") + bytes(2) + name)
    central = (b"PK\x01\x02" + (20).to_bytes(2, "little") * 2 + bytes(2)
               + (8).to_bytes(2, "little") + bytes(4) + crc.to_bytes(4, "little")
               + len(data).to_bytes(4, "little") + size.to_bytes(4, "little")
               + len(name).to_bytes(2, "little") + bytes(12) + name)
    end = (b"PK\x05\x06" + bytes(4) + (1).to_bytes(2, "little") * 2
           + len(central).to_bytes(4, "little") + (len(local) + len(data)).to_bytes(4, "little")
           + bytes(2))
    path.write_bytes(local + data + central + end)
    with zipfile.ZipFile(path) as z:  # an honest zip: the directory says 1.1 GB
        assert z.infolist()[0].file_size == size and z.infolist()[0].compress_size < 2 << 20


def _valid_files(root: Path) -> dict:
    """A valid file (or folder) of every format: ``{kind: (path_to_load, file_to_mutate)}``."""
    out = {}
    for kind, name, fmt in [("npz", "v.npz", None), ("graphml", "v.graphml", None),
                            ("edgelist", "v.edgelist", None), ("mtx", "vm", "mtx"),
                            ("tsv", "vt", "tsv")]:
        topogen.save(NET, root / name, format=fmt)
        target = root / name
        if kind == "mtx":
            target = root / name / "n12-l1.mtx"
        elif kind == "tsv":
            target = root / name / "n12-l1.tsv"
        out[kind] = (root / name, target)
    out["sidecar"] = (root / "vm", root / "vm" / "topogen.json")
    out["mtx-file"] = (root / "vm" / "n12-l1.mtx", root / "vm" / "n12-l1.mtx")
    return out


# ---------------------------------------------------------------------------- corpus
#: Corpus folders whose refusal is the folder listing's and ``topogen.json`` reading's (the
#: ``listing`` module): 10^11 layers named, 10^12-neuron widths, JSON nested 100000 deep.
FOLDER_CASES = ("mtx_folder_sparse_names", "tsv_folder_sparse_names", "tsv_folder_huge_name",
                "tsv_folder_sidecar_huge", "mtx_folder_huge_name")


def test_hostile_corpus_and_built_bombs(tmp_path):
    cases = []
    for entry in sorted(CORPUS.iterdir()):
        if entry.name in ("README.md", "npz_valid_reference.npz") or entry.name in FOLDER_CASES:
            continue
        cases += _load_and_info(entry.name, entry)
    # non-regular files: a FIFO made `info` hang; a symbolic link loop; folders for files
    for name in ("x.npz", "x.mtx", "x.graphml", "x.edgelist"):
        os.mkfifo(tmp_path / f"fifo-{name}")
        cases += _load_and_info(f"fifo {name}", tmp_path / f"fifo-{name}")
        os.symlink(tmp_path / f"loop-b-{name}", tmp_path / f"loop-a-{name}")
        os.symlink(tmp_path / f"loop-a-{name}", tmp_path / f"loop-b-{name}")
        cases += _load_and_info(f"link loop {name}", tmp_path / f"loop-a-{name}")
        (tmp_path / f"dir-{name}").mkdir()
        (tmp_path / f"dir-{name}" / "inside").write_text("x")
        cases.append({"id": f"folder {name}", "op": "load", "path": str(tmp_path / f"dir-{name}"),
                      "options": {"format": name.split(".")[1]}})
    for kind in ("mtx", "tsv"):
        folder = tmp_path / f"fifo-layer-{kind}"
        topogen.save(NET, folder, format=kind)
        (folder / f"n12-l1.{kind}").unlink()
        os.mkfifo(folder / f"n12-l1.{kind}")
        cases += _load_and_info(f"fifo layer file {kind}", folder)
        folder = tmp_path / f"dir-layer-{kind}"
        topogen.save(NET, folder, format=kind)
        (folder / f"n12-l1.{kind}").unlink()
        (folder / f"n12-l1.{kind}").mkdir()
        cases += _load_and_info(f"folder as layer file {kind}", folder)
    (tmp_path / "deep.edgelist").write_text("# topogen edgelist widths: [2, 2]\n# meta: "
                                            + "[" * 100000 + "\n# edges: 0\n")
    cases += _load_and_info("deep edgelist meta", tmp_path / "deep.edgelist")
    (tmp_path / "deep.graphml").write_text('<?xml version="1.0"?><graphml>' + "<a>" * 100000
                                           + "</a>" * 100000 + "</graphml>")
    cases += _load_and_info("deep graphml", tmp_path / "deep.graphml")
    deflate_bomb(tmp_path / "bomb.npz")
    cases += _load_and_info("deflate bomb 1.1 GB", tmp_path / "bomb.npz")
    (tmp_path / "long.mtx").write_text(MTX_HEAD + "%" + "x" * (20 << 20) + "\n4 4 1\n1 1\n")
    # a 20 MB comment line is legal: it must load, in bounded memory
    long_comment = {"id": "long comment", "op": "load", "path": str(tmp_path / "long.mtx")}
    results = run_child([*cases, long_comment])
    assert results["long comment"]["outcome"] == "loaded", results["long comment"]
    _refused(results, cases)
    assert results["deflate bomb 1.1 GB/load"]["seconds"] < 5
    assert "compressed" in results["deflate bomb 1.1 GB/load"]["message"]
    assert "FIFO" in results["fifo x.npz/load"]["message"]


def test_hostile_folders(tmp_path):
    cases = []
    for name in FOLDER_CASES:
        cases += _load_and_info(name, CORPUS / name)
    for kind in ("mtx", "tsv"):
        folder = tmp_path / f"fifo-sidecar-{kind}"
        topogen.save(NET, folder, format=kind)
        (folder / "topogen.json").unlink()
        os.mkfifo(folder / "topogen.json")
        cases += _load_and_info(f"fifo topogen.json {kind}", folder)
        folder = tmp_path / f"deep-{kind}"  # topogen.json nested 100000 deep
        topogen.save(NET, folder, format=kind)
        (folder / "topogen.json").write_text("[" * 100000 + "]" * 100000)
        cases += _load_and_info(f"deep topogen.json {kind}", folder)
    _refused(run_child(cases), cases)


# ---------------------------------------------------------------------------- writes
def _tree(path: Path):
    if path.is_dir():
        return {str(p.relative_to(path)): (p.read_bytes() if p.is_file() else None)
                for p in sorted(path.rglob("*"))}
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def test_hostile_write_targets_keep_the_old_target(tmp_path):
    targets = []
    for kind in ("tsv", "mtx"):
        folder = tmp_path / f"foreign-{kind}"
        topogen.save(NET, folder, format=kind)
        (folder / "NOTES.txt").write_text("mine")
        (folder / "plots").mkdir()
        targets.append((f"folder with foreign files {kind}", folder, {"format": kind}))
        download = tmp_path / f"challenge-{kind}"
        download.mkdir()
        (download / f"n4-l1.{kind}").write_text("1\t1\t1\n")
        targets.append((f"folder without topogen.json {kind}", download, {"format": kind}))
        afile = tmp_path / f"file-{kind}"
        afile.write_bytes(b"precious")
        targets.append((f"file where a {kind} folder goes", afile, {"format": kind}))
    for name in ("t.npz", "t.graphml", "t.edgelist"):
        d = tmp_path / f"dir-{name}"
        d.mkdir()
        (d / "keep").write_text("x")
        targets.append((f"folder where {name} goes", d, {"format": name.split(".")[1]}))
        os.mkfifo(tmp_path / f"fifo-{name}")
    old = tmp_path / "old.npz"
    topogen.save(NET, old)
    targets.append(("suffix contradicts format", old, {"format": "tsv"}))
    targets.append(("unknown option", old, {"value": 2.0}))
    targets.append(("no such folder", tmp_path / "no" / "x.npz", {}))
    for name in ("t.npz", "t.graphml", "t.edgelist"):
        targets.append((f"fifo target {name}", tmp_path / f"fifo-{name}", {}))
    before = {cid: _tree(path) for cid, path, _ in targets}
    listing = sorted(os.listdir(tmp_path))
    cases = [{"id": cid, "op": "save", "path": str(path), "options": options}
             for cid, path, options in targets]
    results = run_child(cases)
    _refused(results, cases)
    assert {cid: _tree(path) for cid, path, _ in targets} == before
    assert sorted(os.listdir(tmp_path)) == listing  # no temporary left anywhere


# ---------------------------------------------------------------------------- hypothesis
def _mutate(data: bytes, op: str, pos: int, junk: bytes) -> bytes:
    pos = min(pos, max(len(data) - 1, 0))
    if op == "flip":
        return data[:pos] + junk + data[pos + len(junk):]
    if op == "insert":
        return data[:pos] + junk + data[pos:]
    if op == "delete":
        return data[:pos] + data[pos + len(junk):]
    return data[:pos]  # truncate


_HUGE = st.integers(10**9, 10**30).map(str) | st.sampled_from(
    ["99999999999999999999999", "18446744073709551616", "9223372036854775808", "-1", "1e9"])
_JUNK = st.binary(min_size=1, max_size=6) | st.sampled_from(
    [b"\x00", b"\xff", b"\t", b"\n", b" ", b"-", b".", b"9", b"e", b":", b"[", b"{", b"%",
     b"<", b"&", b'"'])


@st.composite
def mutations(draw):
    kind = draw(st.sampled_from(["npz", "graphml", "edgelist", "mtx", "tsv", "sidecar",
                                 "mtx-file"]))
    how = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "lie"]))
    return kind, how, draw(st.integers(0, 10**6)), draw(_JUNK), draw(_HUGE)


def _lie(kind: str, data: bytes, pos: int, huge: str) -> bytes:
    """Replace one number of the header (or of any .npy header) by ``huge``."""
    if kind == "npz":  # a shape in some .npy header, keeping the header length
        starts = [i for i in range(len(data)) if data.startswith(b"'shape': (", i)]
        i = starts[pos % len(starts)] + len(b"'shape': (")
        j = data.index(b",", i)
        return data[:i] + huge.encode() + data[j:]
    head = data[:300]
    numbers = [(m.start(), m.end()) for m in re.finditer(rb"\d+", head)]
    if not numbers:
        return data
    i, j = numbers[pos % len(numbers)]
    return data[:i] + huge.encode() + data[j:]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(mutations(), min_size=80, max_size=80))
def test_mutated_files_of_every_format(tmp_path_factory, batch):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "valid").mkdir()
    valid = _valid_files(root / "valid")
    cases, lies = [], set()
    for k, (kind, how, pos, junk, huge) in enumerate(batch):
        load_path, target = valid[kind]
        case_root = root / f"c{k}"
        case_root.mkdir()
        if load_path.is_dir():
            shutil.copytree(load_path, case_root / load_path.name)
            path = case_root / load_path.name
            mutated = path / target.name
        elif kind == "mtx-file":
            path = mutated = case_root / "one.mtx"
        else:
            path = mutated = case_root / load_path.name
        original = target.read_bytes()
        data = (_lie(kind, original, pos, huge) if how == "lie"
                else _mutate(original, how, pos % max(len(original), 1), junk))
        mutated.write_bytes(data)
        cid = f"{k}:{kind}:{how}:{pos}:{junk!r}:{huge}"
        if how == "lie" and data != original and kind in ("npz",) and huge.isdigit():
            lies.add(cid)
        cases.append({"id": cid, "op": "load", "path": str(path)})
    results = run_child(cases)
    OUTCOMES.update(r["outcome"] for r in results.values() if "outcome" in r)
    wrong = []
    for c in cases:
        r = results[c["id"]]
        if r["outcome"] == "TopogenError":
            continue
        # a mutation that changes no data (a byte of meta, a comment) may still load; what
        # loads must be a valid topology of the original widths
        if c["id"] in lies or r["outcome"] != "loaded" or not r["canonical"] or \
                (r["widths"] != list(NET.widths) and "mtx-file" not in c["id"]):
            wrong.append(f"{c['id']}: {r}")
    assert not wrong, "\n".join(wrong)


@st.composite
def mtx_headers(draw):
    field = draw(st.sampled_from(["pattern", "real", "integer", "complex", "hermitian", "x"]))
    sym = draw(st.sampled_from(["general", "symmetric", "skew-symmetric", "y"]))
    small = st.integers(0, 6).map(str)
    rows, cols, nnz = (draw(small | _HUGE) for _ in range(3))
    n_lines = draw(st.integers(0, 5))
    values = st.sampled_from(["1", "0", "2.5", "nan", "-1", "x"])
    body = "".join(f"{draw(st.integers(-1, 7))} {draw(st.integers(-1, 7))}"
                   + ("" if field == "pattern" else f" {draw(values)}")
                   + "\n" for _ in range(n_lines))
    return f"%%MatrixMarket matrix coordinate {field} {sym}\n{rows} {cols} {nnz}\n{body}"


@settings(max_examples=max(EXAMPLES // 2, 1), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(mtx_headers(), min_size=80, max_size=80))
def test_drawn_matrix_market_files(tmp_path_factory, texts):
    root = tmp_path_factory.mktemp("mtx")
    cases = []
    for k, text in enumerate(texts):
        (root / f"{k}.mtx").write_text(text)
        cases.append({"id": f"{k}: {text[:120]!r}", "op": "load", "path": str(root / f"{k}.mtx")})
    results = run_child(cases)
    wrong = []
    for c, text in zip(cases, texts):
        r = results[c["id"]]
        size = text.splitlines()[1].split()
        huge = any(len(s) > 9 for s in size)
        if r["outcome"] == "TopogenError" or (r["outcome"] == "loaded" and r["canonical"]
                                              and not huge):
            continue
        wrong.append(f"{c['id']}: {r}")
    assert not wrong, "\n".join(wrong)
    # the oracle: what loads equals what SciPy reads, as a 0/1 pattern
    import scipy.io

    for c in cases:
        if results[c["id"]]["outcome"] == "loaded":
            path = c["path"]
            m = scipy.io.mmread(path, spmatrix=False).toarray()
            got = topogen.load(path).layers[0].toarray()
            np.testing.assert_array_equal(got, m != 0)


def test_report_fuzz_figures():
    """Print the figures for the closing note (run with -s); asserts that cases ran."""
    print(f"\nfuzz: {STATS['cases']} cases in {STATS['children']} child processes, largest "
          f"peak RSS {STATS['maxrss_kb'] / 1024:.0f} MiB (RUSAGE_CHILDREN "
          f"{STATS['children_maxrss_kb'] / 1024:.0f} MiB; limit {LIMIT_MB} MiB); mutated "
          f"files: {dict(OUTCOMES)}")
    if STATS["children"]:
        assert STATS["cases"] > STATS["children"]
