"""Atomic writes shared by every module that writes files (exporters, CLI, verifier).

A file is written to a temporary file in the same folder, flushed, ``fsync``-ed and renamed
over the target with :func:`os.replace`, so a failure leaves no half-written file and any
existing file untouched.  New files get the usual permissions (``0o666`` less the umask),
not the owner-only mode of :func:`tempfile.mkstemp`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

from ._checks import TopogenError

__all__ = ["atomic_file", "default_mode", "fsync_dir", "write_text_atomic"]


def default_mode(directory: bool = False) -> int:
    """The mode ``open()`` / ``mkdir()`` would give a new file or folder under the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def fsync_dir(folder: str) -> None:
    """Flush a folder's entries to disk (best effort; not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(path: str, *, makedirs: bool = False):
    """Yield a binary file object; on success it replaces ``path`` atomically.

    If the body raises, the temporary file is removed and ``path`` is left as it was.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> with atomic_file(path) as f:
    ...     _ = f.write(b"hello")
    >>> open(path).read()
    'hello'
    """
    folder = os.path.dirname(os.path.abspath(path))
    if makedirs:
        os.makedirs(folder, exist_ok=True)
    if not os.path.isdir(folder):
        raise TopogenError(f"cannot write {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), default_mode())
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def write_text_atomic(path: str, text: str, *, makedirs: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path, makedirs=makedirs) as f:
        f.write(text.encode("utf-8"))
