"""Helpers shared by the generator modules (private module, public names)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, check_density, fmt_value

__all__ = ["check_layer_densities", "coo_to_csr"]


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


def check_layer_densities(name: str, value, n_layers: int) -> tuple[object, list[float]]:
    """One density for every layer, or one per layer: ``(what to record, the list)``.

    Parameters
    ----------
    name : str
        The parameter's name, used in messages (``density[2]`` for an entry).
    value : float or sequence of float
        One density in ``(0, 1]`` for all layers, or ``n_layers`` of them.
    n_layers : int
        Number of layers.

    Returns
    -------
    (float or list of float, list of float)
        The checked value as given (a float or a list, for ``meta``) and one density per
        layer.

    Raises
    ------
    TopogenError
        For a density outside ``(0, 1]`` or a sequence of the wrong length.

    Examples
    --------
    >>> check_layer_densities("density", 0.5, 2)
    (0.5, [0.5, 0.5])
    >>> check_layer_densities("density", [0.25, 1], 2)[1]
    [0.25, 1.0]
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        density = check_density(name, value)
        return density, [density] * n_layers
    if len(value) != n_layers:
        raise TopogenError(f"{name} needs one value for all {n_layers} layers or one per "
                           f"layer, got {len(value)}: {fmt_value(list(value))}")
    dens = [check_density(f"{name}[{i}]", d) for i, d in enumerate(value)]
    return dens, dens
