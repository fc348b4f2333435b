"""Atomic writes: permissions like open(), nothing left behind on failure."""

import os

import numpy as np
import pytest

import topogen
from topogen._io import atomic_file, default_mode


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
