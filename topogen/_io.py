"""Atomic writes shared by every module that writes files (exporters, CLI, verifier).

A file is written to a temporary file in the same folder, flushed, ``fsync``-ed and renamed
over the target with :func:`os.replace`, so a failure leaves no half-written file and any
existing file untouched.  New files get the usual permissions (``0o666`` less the umask),
not the owner-only mode of :func:`tempfile.mkstemp`.

A kill must not leave debris either.  SIGINT already raises ``KeyboardInterrupt``, which the
``except BaseException`` cleanups catch; :func:`terminate_cleanly` makes SIGTERM (what
``kill``, ``timeout`` and job schedulers send) raise :class:`Terminated` the same way
during every atomic write.  A SIGKILL or a power cut cannot be caught: the temporary
names therefore carry the writer's host and process id (``.{name}.{host}.{pid}.XXXX.tmp``),
and the next write to the same target removes the temporaries of writers on this host
that are no longer alive (:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading

from ._checks import TopogenError

__all__ = ["Terminated", "atomic_file", "default_mode", "fsync_dir", "remove_stale",
           "temp_prefix", "terminate_cleanly", "write_text_atomic"]


class Terminated(SystemExit):
    """Raised in the main thread by SIGTERM during an atomic write (exit status 143).

    A :class:`SystemExit`, so ``except Exception`` does not swallow it, the ``finally`` and
    ``except BaseException`` cleanups run, and an uncaught one ends Python with status
    ``128 + SIGTERM``, as the default action would.
    """

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(128 + signum)
        self.signum = signum


_guard_depth = 0


def _raise_terminated(signum, frame):
    # Ignore further SIGTERMs while the cleanups run; the guard's exit restores the handler.
    signal.signal(signum, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_cleanly():
    """While the body runs, SIGTERM raises :class:`Terminated` (like SIGINT raises
    ``KeyboardInterrupt``), so the cleanups of atomic writes run on ``kill``.

    Only in the main thread and only where SIGTERM still has its default action (a handler
    the application installed is left alone); the previous handler is restored on exit.
    Nested uses are free.

    >>> import signal
    >>> with terminate_cleanly():
    ...     signal.getsignal(signal.SIGTERM) is _raise_terminated
    True
    >>> signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    True
    """
    global _guard_depth
    install = (_guard_depth == 0 and threading.current_thread() is threading.main_thread()
               and hasattr(signal, "SIGTERM")
               and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    if install:
        try:
            signal.signal(signal.SIGTERM, _raise_terminated)
        except (ValueError, OSError):  # not the main interpreter, or no signals here
            install = False
    _guard_depth += 1
    try:
        yield
    finally:
        _guard_depth -= 1
        if install:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def temp_prefix(name: str) -> str:
    """``.{name}.{host}.{pid}.``: the prefix of this process's temporaries for ``name``."""
    return f".{name}.{_host()}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: the process exists, owned by someone else
        return True
    return True


def remove_stale(folder: str, name: str) -> list[str]:
    """Remove the temporaries that dead writers of ``name`` left in ``folder``.

    Only names of the form ``.{name}.{host}.{pid}.XXXXXXXX.tmp`` (or ``.old``, a previous
    folder moved aside) written on this host by a process that no longer exists are
    touched; a live writer's, another host's or any other file is left alone.  A stale
    ``.old`` folder is put back as ``name`` if ``name`` is missing (the writer died between
    its two renames), else deleted.  Returns the names removed or restored.
    """
    pattern = re.compile(re.escape(f".{name}.{_host()}.") + r"(\d+)\.[A-Za-z0-9_]{1,16}\."
                         r"(tmp|old)$")
    done = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return done
    for entry in entries:
        m = pattern.match(entry)
        if not m or _alive(int(m.group(1))) or int(m.group(1)) == os.getpid():
            continue
        full = os.path.join(folder, entry)
        target = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            if m.group(2) == "old" and not os.path.lexists(target):
                os.rename(full, target)
            elif os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)
            done.append(entry)
    return done


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

    If the body raises (SIGINT and SIGTERM included), the temporary file is removed and
    ``path`` is left as it was; temporaries of dead writers of ``path`` are removed first.

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
    name = os.path.basename(path)
    _check_file_target(path)
    with terminate_cleanly():
        remove_stale(folder, name)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=temp_prefix(name), suffix=".tmp")
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


def _check_file_target(path: str) -> None:
    """Refuse to replace a folder, FIFO, device or socket with a file (a link is replaced)."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise TopogenError(f"cannot write the file {path}: a folder of that name exists; "
                           "choose another name")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise TopogenError(f"cannot write the file {path}: it exists and is not a regular "
                           "file (a FIFO, device or socket); choose another name")


def write_text_atomic(path: str, text: str, *, makedirs: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path, makedirs=makedirs) as f:
        f.write(text.encode("utf-8"))
