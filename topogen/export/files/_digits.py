"""Positive integers as text, vectorised: the one digit formatter of the text writers.

Used by :func:`topogen.export.files._common.format_pairs` (Matrix Market and row-major TSV
lines) and by the Graph Challenge writer (:mod:`topogen.export.files._tsv_write`).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["digit_rows", "number_table"]


def digit_rows(values, digits: int, tail: bytes) -> np.ndarray:
    """``str(v) + tail`` for each positive integer ``v``, as rows of a uint8 matrix.

    Digits are right-aligned after leading NUL bytes, which the writers drop.

    Parameters
    ----------
    values : 1-D array of positive ints
        Numbers to format, each of at most ``digits`` digits.
    digits : int
        Width of the digit field.
    tail : bytes
        Written after each number (a separator, or a value and a newline).

    Returns
    -------
    numpy.ndarray
        uint8, shape ``(len(values), digits + len(tail))``.

    Examples
    --------
    >>> digit_rows([7, 12], 2, b"\\n").tobytes()
    b'\\x007\\n12\\n'
    """
    v = np.array(values, dtype=np.int64)
    out = np.zeros((len(v), digits + len(tail)), dtype=np.uint8)
    for j in range(digits - 1, -1, -1):
        out[:, j] = np.where((v > 0) | (j == digits - 1), v % 10 + 48, 0)
        v //= 10
    out[:, digits:] = np.frombuffer(tail, dtype=np.uint8)
    return out


@functools.lru_cache(maxsize=16)
def number_table(n: int, tail: bytes) -> np.ndarray:
    """``str(k) + tail`` for ``1 <= k <= n`` as a read-only table (cached, 16 tables).

    Row ``k - 1`` holds number ``k``, so formatting 1-based indices is one lookup each.

    Parameters
    ----------
    n : int
        Largest number (a layer's row or column count).
    tail : bytes
        Written after each number (a tab, or a tab, value and newline).

    Returns
    -------
    numpy.ndarray
        uint8, shape ``(n, len(str(n)) + len(tail))``, not writeable.

    Examples
    --------
    >>> number_table(10, b"\\t")[[0, 9]].tobytes()
    b'\\x001\\t10\\t'
    """
    table = digit_rows(np.arange(1, n + 1), len(str(n)), tail)
    table.flags.writeable = False
    return table
