"""Error intervals, certified verdicts and exact graph facts for :mod:`.spectral`.

A verdict computed from an estimate (``lambda2 <= bound``) is given only when the whole
interval where the true value can lie is on one side; the facts that can be decided
exactly (connected components, bipartiteness of a connected graph) are.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

__all__ = [
    "DENSE_RTOL",
    "SINGLE_ABOVE",
    "SINGLE_RTOL",
    "close",
    "components",
    "gram_interval",
    "graph_bipartite",
    "layer_components",
    "verdict",
]

#: Relative accuracy assumed of a dense LAPACK value (``eps * n`` with room to spare).
DENSE_RTOL = 1e-10
#: Relative rounding of the float32 products used under loose tolerances (see
#: ``spectral._gram_operator``), added to the error band of such an estimate.
SINGLE_RTOL = 1e-6
#: float32 products only for ARPACK tolerances at least this loose.
SINGLE_ABOVE = 1e-5


def close(a: float, b: float) -> bool:
    """Equal up to 1e-7 relative (rounding of float results).

    Parameters
    ----------
    a, b : float
        The values compared; the tolerance is ``1e-7 * max(1, |a|, |b|)``.

    Returns
    -------
    bool

    Examples
    --------
    >>> close(2.0, 2.0 + 1e-9), close(2.0, 2.001)
    (True, False)
    """
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b))


def verdict(low: float, high: float, bound: float) -> bool | None:
    """True if the whole interval is within the bound, False if above it, else None.

    Parameters
    ----------
    low, high : float
        Where the certified value lies (``low <= high``).
    bound : float
        The bound it is compared with (such as the Ramanujan bound).

    Returns
    -------
    bool or None
        ``None`` when the interval straddles ``bound`` (no verdict).

    Examples
    --------
    >>> verdict(1.0, 2.0, 3.0), verdict(4.0, 5.0, 3.0), verdict(2.0, 4.0, 3.0)
    (True, False, None)
    """
    if high <= bound:
        return True
    if low > bound:
        return False
    return None


def gram_interval(theta: float, tol: float, scale: float) -> tuple[float, float]:
    """Where a singular value lies whose squared Lanczos estimate is ``theta``.

    A Ritz value never exceeds the eigenvalue it approximates from below (Cauchy
    interlacing), and ARPACK stops when the residual is at most ``tol * theta``, which bounds
    the distance to an eigenvalue (Parlett, *The Symmetric Eigenvalue Problem*, Thm 4.5.1).
    ``scale`` (the top eigenvalue) sizes the rounding of float32 products under loose
    tolerances.

    Parameters
    ----------
    theta : float
        Ritz value of the Gram operator (a squared singular value estimate).
    tol : float
        ARPACK's relative tolerance (``0`` means machine precision).
    scale : float
        Top eigenvalue of the Gram operator.

    Returns
    -------
    (float, float)
        ``(low, high)`` bounds on the singular value ``sqrt(eigenvalue)``.

    Examples
    --------
    >>> low, high = gram_interval(4.0, 1e-8, 4.0)
    >>> low <= 2.0 <= high and high - low < 1e-6
    True
    """
    rounding = (SINGLE_RTOL if tol >= SINGLE_ABOVE else 1e-13) * scale
    low = max(theta - rounding, 0.0)
    high = theta * (1.0 + max(tol, 1e-15)) + rounding
    return math.sqrt(low), math.sqrt(high)


def components(A: sp.csr_array) -> int:
    """Connected components of an undirected graph given by a symmetric support.

    Parameters
    ----------
    A : scipy.sparse.csr_array
        Square matrix whose nonzeros are the edges (read as undirected).

    Returns
    -------
    int
        ``0`` for an empty graph; isolated vertices count as components.

    Examples
    --------
    >>> components(sp.csr_array(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])))
    2
    """
    from scipy.sparse.csgraph import connected_components

    return int(connected_components(A, directed=False)[0]) if A.shape[0] else 0


def layer_components(W: sp.csr_array, out_deg, in_deg) -> int:
    """Components with at least one edge of the bipartite graph of ``W`` (exact).

    Parameters
    ----------
    W : scipy.sparse.csr_array
        An ``n x m`` layer: sources are rows, targets columns.
    out_deg, in_deg : numpy.ndarray
        Row and column nonzero counts of ``W`` (vertices of degree 0 are not counted).

    Returns
    -------
    int

    Examples
    --------
    >>> W = sp.csr_array(np.eye(2))
    >>> layer_components(W, np.array([1, 1]), np.array([1, 1]))
    2
    """
    B = sp.bmat([[None, W], [W.T, None]], format="csr")
    isolated = int((out_deg == 0).sum() + (in_deg == 0).sum())
    return components(B) - isolated


def graph_bipartite(A, n_comp, lam1, smallest) -> bool:
    """Whether a graph is bipartite.

    Connected: exactly (its double cover splits in two); otherwise whether ``-lambda1`` is
    in the spectrum (some component is bipartite with the top eigenvalue).

    Parameters
    ----------
    A : scipy.sparse.csr_array
        Symmetric adjacency.
    n_comp : int
        Its number of connected components (:func:`components`).
    lam1 : float
        Its largest eigenvalue.
    smallest : float
        Its smallest eigenvalue.

    Returns
    -------
    bool

    Examples
    --------
    >>> C4 = sp.csr_array(np.roll(np.eye(4), 1, axis=1) + np.roll(np.eye(4), -1, axis=1))
    >>> graph_bipartite(C4, 1, 2.0, -2.0)
    True
    """
    if n_comp == 1:
        support = sp.csr_array((np.ones(A.nnz), A.indices, A.indptr), shape=A.shape)
        cover = sp.bmat([[None, support], [support, None]], format="csr")
        return components(cover) == 2
    return A.shape[0] > 1 and lam1 > 0 and close(smallest, -lam1)
