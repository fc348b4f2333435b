"""``topogen`` killed mid-write: SIGTERM and SIGINT leave no debris and the old target intact."""

import os
import signal
import subprocess
import sys
import time

import pytest

import topogen


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_kill_during_streamed_write(sig, code, tmp_path):
    target = tmp_path / "net.tsv"
    old = topogen.radix_net([[2, 2]])
    topogen.save(old, target, format="tsv")
    before = sorted(p.name for p in target.iterdir())
    # 20 layers of 1,048,576 edges (seconds of writing), killed once the first file appears
    argv = [sys.executable, "-m", "topogen.cli", "generate", "radix-net", "--radices",
            ":".join(["64,64"] * 10), "--multipliers", ",".join(["2"] * 21), "--stream",
            "-o", str(target)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".") and p.is_dir()]
        if temps and any(t.iterdir() for t in temps):  # the first layer file is being written
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] in ("topogen: terminated", "topogen: interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.tsv"]  # no temporary left
    assert sorted(p.name for p in target.iterdir()) == before
    assert topogen.load(target) == old
