"""``--graph FILE`` of ``topogen generate from-graph`` and ``bipartite-ramanujan``.

Only a regular file is read; Matrix Market goes through the guarded
:func:`topogen.export.files.mtx.read_matrix_market` (declared sizes checked against the file
before parsing), other formats through networkx under a size cap, and every parser's
complaint becomes a one-line :class:`~topogen.TopogenError`.
"""

from __future__ import annotations

import os

from .._checks import TopogenError

__all__ = ["MAX_GRAPH_FILE_BYTES", "read_graph_file"]


MAX_GRAPH_FILE_BYTES = 64 * 2**20


def read_graph_file(kwargs: dict) -> dict:
    """Replace a graph file name by its adjacency (networkx graph or sparse matrix).

    Only a regular file is read; its size, and for Matrix Market its declared sizes, are
    checked before parsing, and every parser's complaint becomes a one-line TopogenError.

    Parameters
    ----------
    kwargs : dict
        Parsed keyword arguments; ``kwargs["graph"]`` is the ``--graph`` file name.

    Returns
    -------
    dict
        ``kwargs`` itself, its ``"graph"`` replaced by the graph read.
    """
    import stat

    path = kwargs["graph"]
    try:
        info = os.stat(path)
    except OSError:
        raise TopogenError(f"--graph: no such file {path!r}") from None
    if not stat.S_ISREG(info.st_mode):
        raise TopogenError(f"--graph: {path!r} is not a regular file (a folder, a pipe or a "
                           "device); give a .mtx, .graphml, .gml or edge-list file")
    lower = path.lower()
    try:
        if lower.endswith(".mtx"):
            from ..export.files.mtx import read_matrix_market

            kwargs["graph"] = read_matrix_market(path)
            return kwargs
        if info.st_size > MAX_GRAPH_FILE_BYTES:
            raise TopogenError(
                f"--graph: {path!r} has {info.st_size:,} bytes, more than the "
                f"{MAX_GRAPH_FILE_BYTES:,} read through networkx; convert it to Matrix Market "
                "(.mtx), which is read without a Python object per edge")
        import networkx as nx

        readers = {".graphml": nx.read_graphml, ".gml": nx.read_gml}
        reader = readers.get(os.path.splitext(lower)[1], nx.read_edgelist)
        kwargs["graph"] = reader(path)
    except TopogenError as exc:
        raise TopogenError(f"--graph: {exc}") from None
    except (ValueError, TypeError, KeyError, IndexError, UnicodeError, RecursionError,
            SyntaxError, OSError, _nx_error()) as exc:  # xml ParseError is a SyntaxError
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise TopogenError(f"--graph: cannot read {path!r} as a graph ({type(exc).__name__}: "
                           f"{text[:200]})") from None
    return kwargs


def _nx_error():
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a core dependency
        return ValueError
    return nx.NetworkXException
