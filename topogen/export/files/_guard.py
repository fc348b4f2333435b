"""What a reader may open and how much it may allocate, decided before parsing.

Only regular files are read (a FIFO would hang, a folder or device is refused by name), JSON
is parsed with its nesting bounded, and the memory a file's declared sizes would take is
checked against the size cap and against the bytes actually on disk.
"""

from __future__ import annotations

import json
import os
import stat

from ..._checks import TopogenError, check_int


def fail(path, line, message):
    """Raise a :class:`TopogenError` naming ``path`` (and ``line`` when known)."""
    where = f"{path}, line {line}" if line is not None else str(path)
    raise TopogenError(f"{where}: {message}")


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def _not_regular(path, mode) -> TopogenError:
    kind = next((text for test, text in _KINDS if test(mode)), "not a regular file")
    return TopogenError(f"cannot read {path}: it is {kind}; topogen reads only regular files")


def check_regular(path) -> int:
    """Refuse anything but a regular file (FIFO, folder, device, broken link); return its size.

    Every reader calls this (or :func:`open_regular`) before opening a file, so that a FIFO
    can never make a reader hang and a device can never feed it endless bytes.

    >>> import tempfile
    >>> check_regular(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: cannot read ...: it is a folder; topogen reads only regular files
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise TopogenError(f"cannot read {path}: no such file or folder") from None
    except OSError as exc:
        raise TopogenError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode)
    return st.st_size


def open_regular(path):
    """Open ``path`` for binary reading if it is a regular file, without ever blocking.

    The file is opened non-blocking (opening a FIFO then returns at once instead of waiting
    for a writer) and checked with ``fstat`` on the open descriptor, so a name swapped
    between a check and the open cannot slip a FIFO or a device in.  Errors (missing file,
    permission, symbolic link loop, not a regular file) are a :class:`TopogenError`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise TopogenError(f"cannot read {path}: no such file or folder") from None
    except OSError as exc:
        raise TopogenError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str) -> bytes:
    """The bytes of a regular file (see :func:`open_regular`); errors are TopogenError."""
    with open_regular(path) as f:
        try:
            return f.read()
        except OSError as exc:
            raise TopogenError(f"cannot read {path}: {exc.strerror or exc}") from None


def load_json(data, path, what: str = "JSON"):
    """``json.loads`` whose every failure (bad UTF-8, syntax, nesting too deep) is one line."""
    try:
        return json.loads(data.decode() if isinstance(data, (bytes, bytearray)) else data)
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise TopogenError(f"{path}: {what} is not valid JSON ({exc})") from None
    except RecursionError:
        raise TopogenError(f"{path}: {what} is nested too deeply to be a topogen file"
                           ) from None


#: Bytes one edge costs in a read layer (int32 index and boolean value), as the size caps
#: of the generators count them; a neuron costs 8 bytes (a row pointer while building, and
#: a degree or a count in every analysis).
EDGE_BYTES = 5
NEURON_BYTES = 8


def check_read_size(path, n_neurons: int, n_edges: int, max_edges, line=None) -> None:
    """Refuse, before allocating, declared sizes whose arrays exceed the size cap.

    ``n_neurons`` counts every row and column (all widths of a topology).  The cap is that
    of the generators: ``max_edges`` edges at :data:`EDGE_BYTES` each (about 1.25 GiB by
    default); each neuron costs :data:`NEURON_BYTES`, so a tiny file cannot ask for
    gigabytes of empty rows or columns.

    >>> check_read_size("x.mtx", 200_000_004, 1, 2**28)
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: x.mtx: declares 200,000,004 neurons and 1 edges, which ...
    """
    max_edges = check_int("max_edges", max_edges, minimum=1)
    need = NEURON_BYTES * n_neurons + EDGE_BYTES * n_edges
    budget = EDGE_BYTES * max_edges
    if need > budget:
        fail(path, line, f"declares {n_neurons:,} neurons and {n_edges:,} edges, which need "
             f"about {need / 2**20:,.0f} MiB, above the cap of max_edges={max_edges:,} "
             f"({budget / 2**20:,.0f} MiB); pass a larger max_edges= if the file is genuine "
             "and you have the memory")
