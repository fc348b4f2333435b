"""Atomic writes: permissions like open(), nothing left behind on failure or on a kill."""

import os
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest

import topogen
from topogen import TopogenError
from topogen._io import atomic_file, default_mode, remove_stale, temp_prefix, terminate_cleanly


def test_files_get_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "net.npz"
        topogen.save(topogen.mixed_radix([2, 2]), path)
        folder = tmp_path / "gc"
        topogen.save(topogen.mixed_radix([2, 2]), folder, format="tsv")
        assert os.stat(path).st_mode & 0o777 == 0o644
        assert os.stat(folder).st_mode & 0o777 == 0o755
        assert default_mode() == 0o644
    finally:
        os.umask(old)


def test_failed_write_keeps_old_file(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(str(path)) as f:
        f.write(np.arange(10).tobytes())
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.bin"]


# ---------------------------------------------------------------------------- kills and debris

_STREAM = """
import sys, time, topogen
from topogen.export import stream_graph_challenge, stream_npz
def layers():
    for layer in topogen.radix_net([[2, 2, 2]], [1, 1, 1, 1]).layers:
        yield layer
        print("READY", flush=True)
        time.sleep(60)
kind, target = sys.argv[1:]
(stream_npz if kind == "npz" else stream_graph_challenge)(layers(), target)
"""


def _child_env():
    env = dict(os.environ, PYTHONPATH=os.getcwd(), OPENBLAS_NUM_THREADS="1")
    return env


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("kind", ["npz", "tsv"])
def test_killed_streaming_write_leaves_no_debris_and_old_target(tmp_path, sig, kind):
    old = topogen.radix_net([[3]], [1, 1])
    target = tmp_path / ("out.npz" if kind == "npz" else "out")
    topogen.save(old, target, format=kind)
    before = sorted(os.listdir(tmp_path))
    child = subprocess.Popen([sys.executable, "-c", _STREAM, kind, str(target)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=_child_env())
    try:
        assert child.stdout.readline().strip() == "READY"  # the write is under way
        assert len(os.listdir(tmp_path)) == len(before) + 1  # its hidden temporary
        child.send_signal(sig)
        child.wait(timeout=30)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode != 0
    if sig == signal.SIGTERM:
        assert child.returncode == 128 + signal.SIGTERM  # Terminated: SystemExit(143)
    assert sorted(os.listdir(tmp_path)) == before  # no .out.*.tmp left
    assert topogen.load(target) == old


def test_sigkilled_write_debris_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", _STREAM, "tsv", str(target)],
                             stdout=subprocess.PIPE, text=True, env=_child_env())
    try:
        assert child.stdout.readline().strip() == "READY"
        child.send_signal(signal.SIGKILL)  # cannot be caught: the temporary stays ...
        child.wait(timeout=30)
    finally:
        child.kill()
        child.communicate()
    debris = [n for n in os.listdir(tmp_path) if n.startswith(".out.")]
    assert len(debris) == 1 and f".{child.pid}." in debris[0]
    net = topogen.radix_net([[2]], [1, 1])
    topogen.save(net, target, format="tsv")  # ... until the next write of the same target
    assert os.listdir(tmp_path) == ["out"]
    assert topogen.load(target) == net


def test_remove_stale_touches_only_dead_writers_of_this_host(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = socket.gethostname().replace(".", "-")
        names = {
            "stale": f".x.npz.{host}.{dead.pid}.abcd1234.tmp",
            "live": f".x.npz.{host}.{live.pid}.abcd1234.tmp",
            "other_host": f".x.npz.elsewhere.{dead.pid}.abcd1234.tmp",
            "other_target": f".y.npz.{host}.{dead.pid}.abcd1234.tmp",
            "user": ".x.npz.notes",
        }
        for n in names.values():
            (tmp_path / n).write_text("x")
        (tmp_path / f".x.npz.{host}.{dead.pid}.dir00000.tmp").mkdir()
        removed = remove_stale(str(tmp_path), "x.npz")
        assert sorted(removed) == sorted([names["stale"],
                                          f".x.npz.{host}.{dead.pid}.dir00000.tmp"])
        assert sorted(os.listdir(tmp_path)) == sorted(v for k, v in names.items()
                                                     if k != "stale")
    finally:
        live.kill()
        live.wait()


def test_stale_old_folder_is_put_back_when_the_target_is_missing(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    net = topogen.radix_net([[2]], [1, 1])
    topogen.save(net, tmp_path / "out", format="mtx")
    host = socket.gethostname().replace(".", "-")
    # a writer died between "rename the old folder aside" and "rename the new one in"
    os.rename(tmp_path / "out", tmp_path / f".out.{host}.{dead.pid}.zz99zz99.old")
    assert remove_stale(str(tmp_path), "out")
    assert os.listdir(tmp_path) == ["out"] and topogen.load(tmp_path / "out") == net


def test_terminate_cleanly_restores_handlers_and_respects_the_application():
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    with terminate_cleanly(), terminate_cleanly():  # nested
        assert signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL

    def mine(signum, frame):
        pass

    old = signal.signal(signal.SIGTERM, mine)
    try:
        with terminate_cleanly():
            assert signal.getsignal(signal.SIGTERM) is mine  # the application's stays
    finally:
        signal.signal(signal.SIGTERM, old)
    assert temp_prefix("a.npz").endswith(f".{os.getpid()}.")
    with pytest.raises(TopogenError, match="does not exist"), atomic_file("/no/such/x"):
        pass


_CLI_STREAM = """
import sys, time
import topogen.export.stream as stream
real = stream._radix_layers
def slow(*args):
    for layer in real(*args):
        yield layer
        print("READY", flush=True)
        time.sleep(60)
stream._radix_layers = slow
from topogen.cli import main
sys.exit(main(["generate", "radix-net", "--radices", "2,2,2", "--stream", "-q",
               "--format", sys.argv[1], "-o", sys.argv[2]]))
"""


@pytest.mark.parametrize("kind", ["npz", "tsv"])
def test_sigterm_stops_the_cli_streaming_export_cleanly(tmp_path, kind):
    old = topogen.radix_net([[3]], [1, 1])
    target = tmp_path / ("out.npz" if kind == "npz" else "out")
    topogen.save(old, target, format=kind)
    child = subprocess.Popen([sys.executable, "-c", _CLI_STREAM, kind, str(target)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=_child_env())
    try:
        assert child.stdout.readline().strip() == "READY"
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        child.kill()
        _, err = child.communicate()
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == [target.name] and topogen.load(target) == old
