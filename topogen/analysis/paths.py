"""Exact path counts, path-connectedness and path symmetry.

The number of paths from input ``s`` to output ``t`` is entry ``(s, t)`` of
``P = W_0 @ W_1 @ ... @ W_(L-1)`` computed over the integers.  Counts in deep networks exceed
``2**63`` quickly (a 120-layer Graph Challenge net has ``32**119``-path pairs), so every count
here is exact: int64 where a bound proves it cannot overflow, otherwise residues modulo
several primes below ``2**31`` recombined by the Chinese remainder theorem into Python ints.

* :func:`path_counts` builds the whole ``n_0 x n_L`` matrix, up to
  :data:`MAX_PATH_MATRIX_ENTRIES` entries per intermediate matrix.
* :func:`is_symmetric` (every pair has the same count) works at any size: exactly through
  the matrix when it fits, and otherwise by Freivalds' randomized test modulo random primes
  (see its docstring for the method and the error bound; it never rejects a symmetric net).
* :func:`is_path_connected` propagates bit sets of inputs, 64 inputs per machine word.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, as_rng, check_int, check_option
from .._primes import largest_primes_below, random_prime
from ..topology import Topology, check_topology

__all__ = [
    "EXACT_SYMMETRY_COST",
    "MAX_PATH_MATRIX_ENTRIES",
    "SYMMETRY_ERROR",
    "is_path_connected",
    "is_symmetric",
    "log2_int",
    "mean_log2",
    "path_count_summary",
    "path_counts",
    "symmetry_error_bound",
]

#: Largest number of entries (``n_0 * n_k`` for any ``k``) that :func:`path_counts` builds;
#: 2**24 entries are 128 MiB as int64.  Pass ``max_entries=`` to go further.
MAX_PATH_MATRIX_ENTRIES = 2**24

#: Largest ``n_0 * nnz`` (multiply-adds) for which :func:`is_symmetric` builds the exact path
#: matrix by default; beyond it the randomized test answers in ``O(nnz)`` (a 120-layer,
#: 1024-neuron Graph Challenge net: about a minute exactly, well under a second randomized).
EXACT_SYMMETRY_COST = 2**27

#: Error probability the randomized :func:`is_symmetric` stays below by default.
SYMMETRY_ERROR = 1e-20

_INT64_SAFE = 2**62
_PRIME_LOW, _PRIME_HIGH = 2**30, 2**31 - 1
#: pi(2**31) - pi(2**30): the primes :func:`~topogen._primes.random_prime` draws from (uniformly).
_PRIMES_IN_RANGE = 105_097_565 - 54_400_028


class _Operators:
    """Integer transposes of a topology's distinct layers, each converted once.

    Also knows, per layer, whether it maps a constant vector to a constant one (constant
    in-degree going forward, constant out-degree going backward), which lets a
    propagation stop as soon as its rows agree (see :func:`_propagate`).
    """

    def __init__(self, topology: Topology):
        self.topology = topology
        self.distinct = topology.distinct_layers
        self.index = topology.layer_index
        self._cache: dict = {}
        self._regular: dict = {}

    def get(self, index: int, transpose: bool) -> sp.csr_array:
        key = (self.index[index], transpose)
        if key not in self._cache:
            layer = self.distinct[key[0]]
            m = layer.T if transpose else layer
            self._cache[key] = sp.csr_array(m.astype(np.int64))
        return self._cache[key]

    def constant_degree(self, index: int, forward: bool) -> int | None:
        """The constant in-degree (forward) or out-degree (backward) of a layer, or None."""
        key = (self.index[index], forward)
        if key not in self._regular:
            layer = self.distinct[key[0]]
            if forward:
                deg = np.bincount(layer.indices, minlength=layer.shape[1])
            else:
                deg = np.diff(layer.indptr)
            self._regular[key] = int(deg[0]) if deg.min() == deg.max() else None
        return self._regular[key]

    def order(self, forward: bool) -> list[int]:
        order = range(self.topology.depth)
        return list(order if forward else reversed(order))

    def tail_factors(self, forward: bool) -> list[int | None]:
        """``out[k]``: the product of the constant degrees of layers ``order[k:]`` (None if
        one of them is not constant), so that a block whose rows agree before step ``k``
        ends as that row times ``out[k]``."""
        order = self.order(forward)
        out: list[int | None] = [1] * (len(order) + 1)
        for k in range(len(order) - 1, -1, -1):
            c = self.constant_degree(order[k], forward)
            out[k] = None if c is None or out[k + 1] is None else c * out[k + 1]
        return out


def _max_row_nnz(m: sp.csr_array) -> int:
    return int(np.diff(m.indptr).max()) if m.shape[0] and m.nnz else 0


def _rows_agree(Y: np.ndarray) -> bool:
    return Y.shape[0] <= 1 or bool(np.all(Y == Y[:1]))


def _propagate(ops: _Operators, X: np.ndarray, *, forward: bool):
    """Exact product of the layers with the integer block ``X`` (rows = neurons).

    ``forward=True`` returns ``W_(L-1)^T ... W_0^T X`` (X indexed by inputs), and
    ``forward=False`` returns ``W_0 ... W_(L-1) X`` (X indexed by outputs).  The result is
    int64 when a degree bound proves it fits, else an object array of exact Python ints.

    Once the rows of the running block agree and every layer left has a constant in-degree
    (forward; out-degree backward), the rest is a multiplication by the product of those
    degrees: a RadiX-Net's total path count costs one step, whatever its depth.
    """
    order = ops.order(forward)
    tail = ops.tail_factors(forward)
    n_end = ops.topology.widths[-1] if forward else ops.topology.widths[0]
    Y = X.astype(np.int64)
    bound = int(np.abs(Y).max()) if Y.size else 0
    for k, i in enumerate(order):
        if tail[k] is not None and _rows_agree(Y):
            return _broadcast_row(Y[:1].astype(object) * tail[k], n_end)
        m = ops.get(i, transpose=forward)
        bound *= _max_row_nnz(m)
        if bound >= _INT64_SAFE:  # exact beyond int64: multi-modular from this step on
            return _propagate_crt(ops, Y, order[k:], tail[k:], forward, n_end)
        Y = m @ Y
        bound = int(np.abs(Y).max()) if Y.size else 0
    return Y


def _broadcast_row(row: np.ndarray, n: int) -> np.ndarray:
    """``n`` copies of ``row``: int64 when its values fit, else exact Python ints."""
    row = row.reshape(1, -1)
    if row.dtype == object and all(abs(int(v)) < _INT64_SAFE for v in row.ravel()):
        row = row.astype(np.int64)
    return np.repeat(row, n, axis=0)


#: Entries of one batch of residues in :func:`_propagate_crt` (int64: 128 MiB).
_CRT_BATCH_ENTRIES = 2**24


def _propagate_crt(ops, X, order, tail, forward, n_end):
    """:func:`_propagate` from ``X`` over ``order``, modulo primes, recombined exactly.

    The residues of several primes travel side by side as columns of one block (one sparse
    product per layer for the whole batch: entries stay below ``max row nnz * 2**31``).
    """
    bound = int(np.abs(X).max()) if X.size else 0
    for i in order:
        bound *= _max_row_nnz(ops.get(i, transpose=forward))
    # Chinese remainder theorem over primes whose product exceeds 2 * bound (signs allowed).
    n_primes = math.ceil((2 * bound).bit_length() / 30) + 1
    primes = largest_primes_below(2**31, n_primes)
    modulus = math.prod(primes)
    n_rows = max([X.shape[0], n_end] + [ops.get(i, transpose=forward).shape[0] for i in order])
    per_batch = max(1, _CRT_BATCH_ENTRIES // max(1, n_rows * X.shape[1]))
    cols = X.shape[1]
    result = np.zeros((n_end, cols), dtype=object)
    for start in range(0, len(primes), per_batch):
        batch = primes[start:start + per_batch]
        mods = np.repeat(np.array(batch, dtype=np.int64), cols)  # one prime per column
        Y = np.tile(X, (1, len(batch))) % mods
        for k, i in enumerate(order):
            if tail[k] is not None and _rows_agree(Y):  # exact mod every p from here on
                factor = np.repeat(np.array([tail[k] % p for p in batch], np.int64), cols)
                Y = _broadcast_row(Y[:1] * factor % mods, n_end)
                break
            Y = (ops.get(i, transpose=forward) @ Y) % mods
        for j, p in enumerate(batch):
            big = modulus // p
            result += Y[:, j * cols:(j + 1) * cols].astype(object) * (big * pow(big, -1, p))
    result = result % modulus
    result = np.where(result > modulus // 2, result - modulus, result)
    return result.astype(object)


def path_counts(topology: Topology, *, max_entries: int = MAX_PATH_MATRIX_ENTRIES) -> np.ndarray:
    """The exact number of paths from every input to every output.

    Parameters
    ----------
    topology : Topology
    max_entries : int
        Refuse if ``n_0 * n_k`` exceeds this for any width ``n_k`` (default
        :data:`MAX_PATH_MATRIX_ENTRIES` = 2**24); use :func:`is_symmetric` or
        :func:`path_count_summary` for larger networks.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_0, n_L)``; dtype int64 when every count provably fits, otherwise dtype
        object holding exact Python ints (never a silent overflow or a float).

    Raises
    ------
    TopogenError
        If the matrix is larger than ``max_entries``.

    Examples
    --------
    >>> import topogen
    >>> path_counts(topogen.radix_net([[2, 2], [2]], [1, 3, 1, 1]))[:2, :4]
    array([[6, 6, 6, 6],
           [6, 6, 6, 6]])
    >>> int(path_counts(topogen.extended_mixed_radix([[2]] * 70))[0, 0]) == 2**69
    True
    """
    check_topology("topology", topology)
    max_entries = check_int("max_entries", max_entries, minimum=1)
    n0 = topology.widths[0]
    biggest = n0 * max(topology.widths)
    if biggest > max_entries:
        raise TopogenError(
            f"path_counts would build a {n0} x {max(topology.widths)} matrix ({biggest:,} "
            f"entries), above max_entries={max_entries:,}; raise max_entries, or use "
            "is_symmetric / path_count_summary, which work at any size"
        )
    eye = np.eye(n0, dtype=np.int64)
    return np.ascontiguousarray(_propagate(_Operators(topology), eye, forward=True).T)


def _constant_columns_mod(ops, rng, forward: bool, trials: int) -> bool:
    """Freivalds: are all entries of (P^T x) [forward] or (P x) [backward] equal mod p?

    As in :func:`_propagate`, a vector that has become constant stays constant through
    layers of constant in-degree (forward) or out-degree (backward): the rest is skipped.
    """
    n_start = ops.topology.widths[0] if forward else ops.topology.widths[-1]
    order = ops.order(forward)
    tail = ops.tail_factors(forward)
    for _ in range(trials):
        p = random_prime(rng, _PRIME_LOW, _PRIME_HIGH)
        y = rng.integers(0, p, size=n_start, dtype=np.int64)
        for k, i in enumerate(order):
            if tail[k] is not None and _rows_agree(y):
                break  # constant now, and constant to the end
            y = (ops.get(i, transpose=forward) @ y) % p
        if y.size and np.any(y != y[0]):
            return False
    return True


def is_symmetric(
    topology: Topology,
    *,
    max_entries: int = MAX_PATH_MATRIX_ENTRIES,
    trials: int | None = None,
    seed=0,
    method: str = "auto",
) -> bool:
    """Whether every input reaches every output by the same number of paths.

    Method: with ``method="auto"`` the path matrix is computed exactly and compared when it
    has at most ``max_entries`` entries and costs at most :data:`EXACT_SYMMETRY_COST`
    multiply-adds (``n_0 * nnz``); ``"exact"`` always does so (up to ``max_entries``).
    Otherwise (or with ``"randomized"``) Freivalds' test, on ``trials`` random primes ``p`` in
    ``[2**30, 2**31)``: with a random vector ``x`` mod ``p``, ``P^T x`` is constant iff all
    columns of ``P`` agree and ``P y`` is constant iff all rows agree (both mod ``p``); a matrix
    with equal rows and equal columns is constant.  Each product is ``L`` sparse
    matrix-vector products, ``O(nnz)`` time and ``O(max width)`` memory (and stops early
    once the vector is constant and the layers left have constant degrees).

    Error bound: a symmetric network always passes.  For a non-symmetric one, some column
    (or row) difference ``d`` of ``P`` is a nonzero integer vector with entries below
    ``2**B``, ``B`` = the sum over layers of ``log2`` of the largest out-degree.  A trial
    passes only if ``p`` divides every entry of ``d`` (at most ``B // 30`` of the
    50,697,537 primes in the range divide a nonzero entry; the prime is uniform among them)
    or ``d . x = 0 (mod p)`` (probability ``1/p``).  So ``t`` trials pass with probability at
    most ``(2**-30 + (B // 30) / 50697537) ** t``: :func:`symmetry_error_bound`.  By
    default (``trials=None``) enough trials are run to push it below
    :data:`SYMMETRY_ERROR` (``10**-20``): 3 while ``B < 300``, 4 while ``B < 15000`` (a
    1000-layer net of degree 2 has ``B = 1000``), more beyond.

    Parameters
    ----------
    topology : Topology
    max_entries : int
        Largest path matrix computed exactly (see :func:`path_counts`).
    trials : int or None
        Rounds of the randomized test (each with a new prime and vector); None: enough for
        an error probability below :data:`SYMMETRY_ERROR`.
    seed : int, Generator or None
        Seed of the randomized test (fixed by default, so answers repeat).
    method : {"auto", "exact", "randomized"}
        How to decide, as above.

    Returns
    -------
    bool

    Examples
    --------
    >>> import topogen
    >>> is_symmetric(topogen.radix_net([[3, 2], [2]], [2, 1, 3, 1]))
    True
    >>> is_symmetric(topogen.extended_mixed_radix([[32, 32, 16]] * 40))  # 52 million edges
    True
    """
    check_topology("topology", topology)
    if trials is not None:
        trials = check_int("trials", trials, minimum=1)
    method = check_option("method", method, ("auto", "exact", "randomized"))
    n0 = topology.widths[0]
    fits = n0 * max(topology.widths) <= check_int("max_entries", max_entries, minimum=1)
    cheap = n0 * topology.nnz <= EXACT_SYMMETRY_COST
    if method == "exact" or (method == "auto" and fits and cheap):
        P = path_counts(topology, max_entries=max_entries)
        return bool(np.all(P == P.flat[0]))
    if trials is None:
        trials = _trials_for(topology, SYMMETRY_ERROR)
    ops = _Operators(topology)
    rng = as_rng(seed)
    return _constant_columns_mod(ops, rng, True, trials) and _constant_columns_mod(
        ops, rng, False, trials
    )


def _count_bits(topology: Topology) -> float:
    """``B``: ``log2`` of a bound on every path count (product of largest out-degrees)."""
    per = [math.log2(max(int(np.diff(m.indptr).max()), 1)) for m in topology.distinct_layers]
    return sum(per[k] for k in topology.layer_index)


def _trial_error(topology: Topology) -> float:
    return 2.0**-30 + (int(_count_bits(topology)) // 30) / _PRIMES_IN_RANGE


def symmetry_error_bound(topology: Topology, trials: int) -> float:
    """Probability bound that ``trials`` randomized trials pass a non-symmetric network.

    See :func:`is_symmetric` for the argument.

    Parameters
    ----------
    topology : Topology
    trials : int
        Rounds of Freivalds' test, each with a new random prime and vector.

    Returns
    -------
    float
        ``(2**-30 + (B // 30) / 50697537) ** trials``, ``B`` the bit bound of the counts.

    >>> import topogen
    >>> t = topogen.extended_mixed_radix([[2] * 10] * 100)  # B = 1000 bits
    >>> symmetry_error_bound(t, 3) < 1e-20, symmetry_error_bound(t, 4) < 1e-20
    (False, True)
    """
    check_topology("topology", topology)
    trials = check_int("trials", trials, minimum=1)
    return min(1.0, _trial_error(topology)) ** trials


def _trials_for(topology: Topology, target: float) -> int:
    eps = _trial_error(topology)
    if eps >= 0.5:
        raise TopogenError(
            "the network's path counts are too long (over 10**8 bits) for the randomized "
            "symmetry test to reach its error bound; use method='exact'"
        )
    return max(1, math.ceil(math.log(target) / math.log(eps)))


def log2_int(value: int) -> float:
    """``log2(value)`` of a positive int of any size, without converting it to a float.

    Parameters
    ----------
    value : int
        Positive.

    Returns
    -------
    float
        Exact to double precision (the top 64 bits, then the shift).

    >>> log2_int(2**5000), round(log2_int(3), 6)
    (5000.0, 1.584963)
    """
    value = int(value)
    if value <= 0:
        raise TopogenError(f"value must be a positive integer for log2, got {value}")
    shift = max(value.bit_length() - 64, 0)
    return math.log2(value >> shift) + shift


def mean_log2(total: int, count: int) -> float | None:
    """``log2(total / count)`` for ints of any size (None when ``total`` is 0).

    Parameters
    ----------
    total, count : int
        A count and the positive number it is spread over.

    Returns
    -------
    float or None

    Examples
    --------
    >>> mean_log2(2**3000, 8)
    2997.0
    """
    return None if total <= 0 else log2_int(total) - log2_int(count)


def path_count_summary(topology: Topology, **kwargs) -> dict:
    """Exact total number of paths, mean per input-output pair, and symmetry, at any size.

    The total ``1^T P 1`` is one exact vector propagation (multi-modular beyond int64,
    and one step for layers of constant in-degree, such as every RadiX-Net's).  Nothing
    here converts a count to a float: the mean of a non-symmetric network is an exact
    :class:`fractions.Fraction`, and its base-2 logarithm is given beside it, finite at any
    depth.

    Parameters
    ----------
    topology : Topology
    **kwargs
        Passed to :func:`is_symmetric` (``max_entries``, ``trials``, ``seed``, ``method``).

    Returns
    -------
    dict
        ``total`` (int), ``per_pair`` (int if symmetric, else the exact mean as a
        :class:`fractions.Fraction`), ``per_pair_log2`` (float, ``log2`` of the mean; None
        when there is no path), ``symmetric`` (bool, see :func:`is_symmetric`) and
        ``path_connected`` (bool, see :func:`is_path_connected`).

    Examples
    --------
    >>> import topogen
    >>> s = path_count_summary(topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1]))
    >>> s["per_pair"], s["per_pair_log2"], s["symmetric"], s["path_connected"]
    (8, 3.0, True, True)
    """
    from fractions import Fraction

    check_topology("topology", topology)
    ops = _Operators(topology)
    ones = np.ones((topology.widths[0], 1), dtype=np.int64)
    reach = _propagate(ops, ones, forward=True)
    total = int(sum(int(v) for v in reach.ravel()))
    pairs = topology.widths[0] * topology.widths[-1]
    symmetric = is_symmetric(topology, **kwargs)
    if symmetric:
        per_pair = total // pairs
        connected = per_pair > 0
    else:
        per_pair = Fraction(total, pairs)
        connected = is_path_connected(topology)
    return {"total": total, "per_pair": per_pair, "per_pair_log2": mean_log2(total, pairs),
            "symmetric": symmetric, "path_connected": bool(connected)}


def is_path_connected(topology: Topology, *, max_bytes: int = 2**28) -> bool:
    """Whether every input reaches every output by at least one path.

    Method: first two ``O(nnz)`` rejections (an input without out-edges or an output without
    in-edges; the outputs reached from input 0).  Then reachability sets of inputs are
    propagated as bit sets (64 inputs per uint64 word): the set of output ``t`` is the OR of
    the sets of its sources, one ``numpy.bitwise_or.reduceat`` per layer.  Inputs are taken
    in chunks so that the words of one layer (one row per neuron or per edge, whichever is
    more) stay under ``max_bytes``: memory is ``O(max_bytes + nnz + max width)`` at any
    size, time ``O((nnz + max width) * n_0 / 64)``.  Once every neuron of a layer is
    reached by the same inputs and every layer left has no target without sources, the
    answer is known without going on.

    Parameters
    ----------
    topology : Topology
    max_bytes : int
        Memory for the bit sets of one chunk of inputs (default 256 MiB).

    Returns
    -------
    bool

    Examples
    --------
    >>> import topogen, numpy as np
    >>> is_path_connected(topogen.mixed_radix([2, 3]))
    True
    >>> is_path_connected(topogen.Topology([np.eye(3)]))
    False
    """
    check_topology("topology", topology)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    layers = topology.layers
    if np.diff(layers[0].indptr).min() == 0:  # an input with no edge reaches nothing
        return False
    if np.bincount(layers[-1].indices, minlength=layers[-1].shape[1]).min() == 0:
        return False
    n0 = topology.widths[0]
    # row t of each transpose lists the sources of t; distinct layers transposed once
    transposed = [sp.csr_array(layer.T) for layer in topology.distinct_layers]
    csc = [transposed[k] for k in topology.layer_index]
    if not _reaches_all(csc, 0):
        return False
    # tail[k]: every layer from k on gives every target at least one source
    fed = [bool(np.diff(m.indptr).min() > 0) for m in transposed]
    tail = [True] * (len(csc) + 1)
    for k in range(len(csc) - 1, -1, -1):
        tail[k] = tail[k + 1] and fed[topology.layer_index[k]]
    rows = max(max(m.nnz for m in csc), max(topology.widths), 1)
    n_words = math.ceil(n0 / 64)
    words_per_chunk = max(1, min(n_words, max_bytes // (8 * rows)))
    for start_word in range(0, n_words, words_per_chunk):
        words = min(words_per_chunk, n_words - start_word)
        lo = start_word * 64
        hi = min(n0, lo + 64 * words)
        # state[i] = bit set of the inputs lo..hi-1 that reach neuron i of the current layer
        state = np.zeros((n0, words), dtype=np.uint64)
        k = np.arange(lo, hi)
        state[k, (k - lo) // 64] = np.left_shift(np.uint64(1), ((k - lo) % 64).astype(np.uint64))
        for step, m in enumerate(csc):
            if tail[step] and _rows_agree(state):
                break  # every later neuron is reached by exactly these inputs
            nxt = np.zeros((m.shape[0], words), dtype=np.uint64)
            has = np.diff(m.indptr) > 0
            if m.nnz:
                nxt[has] = np.bitwise_or.reduceat(state[m.indices], m.indptr[:-1][has], axis=0)
            state = nxt
        full = np.full(words, np.uint64(2**64 - 1), dtype=np.uint64)
        n_last = hi - lo - 64 * (words - 1)
        full[-1] = np.uint64(2**n_last - 1) if n_last < 64 else np.uint64(2**64 - 1)
        if not np.all(state == full[None, :]):
            return False
    return True


def _reaches_all(csc: list, source: int) -> bool:
    """Whether input ``source`` reaches every output (one boolean vector, ``O(nnz)``)."""
    reached = np.zeros(csc[0].shape[1], dtype=bool)
    reached[source] = True
    for m in csc:
        has = np.diff(m.indptr) > 0
        nxt = np.zeros(m.shape[0], dtype=bool)
        if m.nnz:
            nxt[has] = np.logical_or.reduceat(reached[m.indices], m.indptr[:-1][has])
        reached = nxt
        if not reached.any():
            return False
    return bool(reached.all())
