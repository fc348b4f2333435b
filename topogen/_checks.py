"""Argument validation shared by every module.

Every public function of topogen checks its arguments here, so that bad input fails at
once with a :class:`TopogenError` that names the parameter, the value and what would be
valid, instead of a traceback from deep inside NumPy.  Random generators turn their
``seed`` into a :class:`numpy.random.Generator` with :func:`as_rng`.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence

import numpy as np

__all__ = [
    "DEFAULT_MAX_EDGES",
    "TopogenError",
    "as_rng",
    "check_density",
    "check_int",
    "check_matrix",
    "check_max_edges",
    "check_radices",
    "check_widths",
]

#: Default cap on the number of edges a generator may build in memory (about 1.3 GB for
#: boolean CSR layers with int32 indices).  Every generator takes ``max_edges=`` to raise it.
DEFAULT_MAX_EDGES = 2**28


class TopogenError(ValueError):
    """Raised for every invalid argument, file or request in topogen.

    It is a :class:`ValueError`, so code that already catches ``ValueError`` keeps working.
    The message names the parameter, the value, and what would be valid.
    """


def _fmt(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise naming ``name``.

    Booleans and non-integral floats are rejected; NumPy integers are accepted.

    >>> check_int("depth", 3, minimum=1)
    3
    >>> check_int("depth", 0, minimum=1)
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: depth must be an integer >= 1, got 0
    """
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum}")
    if maximum is not None:
        bounds.append(f"<= {maximum}")
    want = "an integer" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TopogenError(f"{name} must be {want}, got {_fmt(value)} ({type(value).__name__})")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise TopogenError(f"{name} must be {want}, got {value}")
    return value


def check_density(name: str, value) -> float:
    """Return ``value`` as a float in ``(0, 1]``, or raise naming ``name``.

    >>> check_density("density", 0.25)
    0.25
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TopogenError(f"{name} must be a number in (0, 1], got {_fmt(value)}")
    value = float(value)
    if not (0.0 < value <= 1.0):
        raise TopogenError(f"{name} must be in (0, 1], got {value}")
    return value


def _as_int_sequence(name: str, value, *, minimum: int, what: str) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TopogenError(f"{name} must be a sequence of {what}, got {_fmt(value)}")
    if len(value) == 0:
        raise TopogenError(f"{name} must be a non-empty sequence of {what}, got {_fmt(value)}")
    out = []
    for k, item in enumerate(value):
        out.append(check_int(f"{name}[{k}]", item, minimum=minimum))
    return tuple(out)


def check_widths(name: str, value, *, length: int | None = None, minimum: int = 1):
    """Return layer widths as a tuple of ints, each ``>= minimum``.

    >>> check_widths("widths", [4, 8, 4])
    (4, 8, 4)
    >>> check_widths("widths", [4, 0])
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: widths[1] must be an integer >= 1, got 0
    """
    widths = _as_int_sequence(name, value, minimum=minimum, what=f"integers >= {minimum}")
    if length is not None and len(widths) != length:
        raise TopogenError(f"{name} must have {length} entries, got {len(widths)}: {_fmt(value)}")
    return widths


def check_radices(name: str, value) -> tuple[int, ...]:
    """Return one radix list (a mixed-radix numeral system) as a tuple of ints ``>= 2``.

    >>> check_radices("radices", [2, 3])
    (2, 3)
    >>> check_radices("radices", [2, 1])
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: radices[1] must be an integer >= 2, got 1
    """
    return _as_int_sequence(name, value, minimum=2, what="integers >= 2 (radices)")


def check_max_edges(n_edges: int, max_edges, what: str) -> None:
    """Refuse, before anything is allocated, a request for more than ``max_edges`` edges."""
    max_edges = check_int("max_edges", max_edges, minimum=1)
    if n_edges > max_edges:
        raise TopogenError(
            f"{what} would have {n_edges:,} edges, above max_edges={max_edges:,}; pass a "
            f"larger max_edges= if you have the memory (about {5 * n_edges / 2**20:,.0f} MiB "
            "as boolean CSR), or stream it layer by layer to files"
        )


def as_rng(seed) -> np.random.Generator:
    """Turn ``seed`` (None, an int >= 0 or a Generator) into a :class:`numpy.random.Generator`.

    The same int gives the same stream on every platform (PCG64).

    >>> int(as_rng(7).integers(100)) == int(as_rng(7).integers(100))
    True
    """
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if int(seed) < 0:
            raise TopogenError(f"seed must be >= 0, got {seed}")
        return np.random.default_rng(int(seed))
    raise TopogenError(
        f"seed must be None, a non-negative int or a numpy.random.Generator, got {_fmt(seed)}"
    )


def seed_for_meta(seed):
    """What to record of ``seed`` in a Topology's ``meta`` (an int, or None)."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return int(seed)
    return None


def check_path(name: str, value) -> str:
    """Return ``value`` as a filesystem path string."""
    if not isinstance(value, (str, os.PathLike)):
        raise TopogenError(f"{name} must be a path (str or os.PathLike), got {_fmt(value)}")
    return os.fspath(value)


def check_matrix(name: str, value, *, square: bool = False):
    """A networkx graph, SciPy sparse matrix or dense array as a 2-D ``csr_array``.

    A networkx graph gives its adjacency in node order (multigraph edges counted).  Raises a
    TopogenError naming ``name`` if ``value`` is not 2-D (or not square with ``square=True``).

    >>> check_matrix("graph", [[0, 1], [1, 0]], square=True).nnz
    2
    """
    import scipy.sparse as sp

    if hasattr(value, "nodes") and hasattr(value, "edges"):
        import networkx as nx

        return sp.csr_array(nx.to_scipy_sparse_array(value, nodelist=list(value), format="csr"))
    try:
        matrix = sp.csr_array(value)
    except (TypeError, ValueError) as exc:
        raise TopogenError(
            f"{name} must be a networkx graph or a 2-D sparse or dense matrix, got "
            f"{type(value).__name__}: {exc}"
        ) from None
    if matrix.ndim != 2:
        raise TopogenError(f"{name} must be 2-D, got shape {matrix.shape}")
    if square and matrix.shape[0] != matrix.shape[1]:
        raise TopogenError(f"{name} adjacency must be square, got shape {matrix.shape}")
    return matrix
