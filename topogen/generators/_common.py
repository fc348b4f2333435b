"""Helpers shared by the generator modules (private module, public names)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["coo_to_csr"]


def coo_to_csr(n: int, rows, cols, dtype=np.int64, data=None) -> sp.csr_array:
    """The canonical ``(n, n)`` CSR array with entries ``data`` at ``(rows, cols)``.

    Repeated coordinates are summed (a multigraph's adjacency counts its parallel edges)
    and indices are sorted.

    Parameters
    ----------
    n : int
        Number of rows and columns.
    rows, cols : array_like of int
        Coordinates of the entries, each in ``[0, n)``.
    dtype : numpy dtype, default numpy.int64
        Type of the entries when ``data`` is not given (every entry is then 1).
    data : array_like, optional
        Values of the entries (same length as ``rows``).

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> coo_to_csr(2, [0, 0, 1], [1, 1, 0]).toarray().tolist()
    [[0, 2], [1, 0]]
    """
    if data is None:
        data = np.ones(len(rows), dtype=dtype)
    A = sp.coo_array((data, (rows, cols)), shape=(n, n)).tocsr()
    A.sum_duplicates()
    A.sort_indices()
    return A
