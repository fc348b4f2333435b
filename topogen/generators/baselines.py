"""Baseline topologies to compare expanders and RadiX-Nets against at the same density.

* :func:`dense`: every layer complete.
* :func:`erdos_renyi`: uniform random layers with an exact edge count (the ``G(n, m)`` model;
  the initial topology of SET, Mocanu et al., *Scalable training of artificial neural
  networks with adaptive sparse connectivity*, Nat. Commun. 9, 2018).
* :func:`erk`: Erdos-Renyi-Kernel allocation of one overall density across layers (RigL,
  Evci et al., *Rigging the Lottery*, ICML 2020), each layer then uniform random.
* :func:`butterfly`: the radix-2 FFT pattern.
* :func:`random_regular`: random biregular layers of one degree (the X-Net sampler).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from .._checks import (
    DEFAULT_MAX_EDGES,
    TopogenError,
    as_rng,
    check_density,
    check_int,
    check_max_edges,
    check_widths,
    fmt_value,
    rng_and_seed,
)
from ..topology import Topology, csr_from_parts, make_meta, trusted
from ._common import check_layer_densities
from .expanders import x_net

__all__ = ["butterfly", "dense", "erdos_renyi", "erk", "random_regular", "uniform_layer"]


def _check_net_widths(widths) -> tuple[int, ...]:
    widths = check_widths("widths", widths)
    if len(widths) < 2:
        raise TopogenError(f"widths must have at least 2 entries, got {fmt_value(widths)}")
    return widths


def dense(widths: Sequence[int], *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """The fully connected network of ``widths``.

    Parameters
    ----------
    widths : sequence of int
        ``n_0, ..., n_L`` (at least two).
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        Density 1.

    Examples
    --------
    >>> dense([3, 4, 2]).layer_nnz
    (12, 8)
    """
    widths = _check_net_widths(widths)
    pairs = list(pairwise(widths))
    distinct = set(pairs)  # layers of equal shape are one shared array
    check_max_edges(sum(a * b for a, b in distinct), max_edges, f"dense({fmt_value(widths)})",
                    neurons=sum(a + b for a, b in distinct))
    cache: dict = {}
    layers = []
    for a, b in pairs:
        if (a, b) not in cache:
            indices = np.tile(np.arange(b, dtype=np.int64), a)
            cache[(a, b)] = csr_from_parts((a, b), np.arange(0, a * b + 1, b), indices)
        layers.append(cache[(a, b)])
    return trusted(layers, make_meta("dense", {"widths": list(widths)}))


def uniform_layer(
    n_in: int, n_out: int, n_edges: int, *, seed=None, max_edges: int = DEFAULT_MAX_EDGES
):
    """A layer with exactly ``n_edges`` edges, a uniformly random subset of all cells.

    Cells ``r * n_out + c`` are drawn without replacement: by NumPy's ``choice`` for
    small layers, otherwise as the distinct values of slightly more than ``n_edges``
    uniform draws, thinned uniformly to ``n_edges`` (a uniform subset by symmetry).  More
    than half full layers are built as the complement of a uniform subset.

    Parameters
    ----------
    n_in, n_out : int
        Widths.
    n_edges : int
        ``0 <= n_edges <= n_in * n_out``.
    seed : int, numpy.random.Generator or None
        None: fresh entropy, not recorded (a layer has no ``meta``; the topology
        generators that call this record the seed they draw).
    max_edges : int
        Refuse before allocating if the layer would take more (edges, plus one per neuron
        of either side, plus the cell mask of a more than half full layer).

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean layer.

    Examples
    --------
    >>> uniform_layer(4, 5, 7, seed=0).nnz
    7
    """
    n_in = check_int("n_in", n_in, minimum=1)
    n_out = check_int("n_out", n_out, minimum=1)
    total = n_in * n_out
    n_edges = check_int("n_edges", n_edges, minimum=0, maximum=total)
    mask = total if 2 * n_edges > total else 0
    check_max_edges(n_edges + mask, max_edges, f"uniform_layer({n_in}, {n_out}, {n_edges})",
                    neurons=n_in + n_out)
    rng = as_rng(seed)
    if 2 * n_edges > total:
        mask = np.ones(total, dtype=bool)
        mask[_uniform_cells(total, total - n_edges, rng)] = False
        cells = np.flatnonzero(mask)
    else:
        cells = _uniform_cells(total, n_edges, rng)
    rows, cols = np.divmod(cells, n_out)
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_in))))
    return csr_from_parts((n_in, n_out), indptr, cols)


def _uniform_cells(total: int, m: int, rng) -> np.ndarray:
    """Sorted uniform ``m``-subset of ``range(total)`` (``m <= total / 2``)."""
    if total <= 2**24:
        return np.sort(rng.choice(total, size=m, replace=False))
    cells = np.zeros(0, dtype=np.int64)
    while len(cells) < m:
        extra = int((m - len(cells)) * 1.1) + 16
        cells = np.unique(np.concatenate((cells, rng.integers(0, total, size=extra))))
    if len(cells) > m:
        cells = np.sort(cells[rng.choice(len(cells), size=m, replace=False)])
    return cells


def erdos_renyi(
    widths: Sequence[int],
    density=None,
    seed=None,
    *,
    epsilon=None,
    max_edges: int = DEFAULT_MAX_EDGES,
) -> Topology:
    """Uniform random sparse layers (SET-style Erdos-Renyi), exact edge counts.

    Layer ``i`` has ``round(density_i * n_i * n_(i+1))`` edges (at least one), a uniformly
    random subset of its cells.  ``density_i`` is ``density`` (one for every layer, or one
    per layer), or with ``epsilon`` the SET rule
    ``min(1, epsilon * (n_i + n_(i+1)) / (n_i * n_(i+1)))``.  With one density per layer
    this is the verifier's random baseline: every layer gets exactly the edge count of the
    topology it is compared with, not only in expectation.

    Parameters
    ----------
    widths : sequence of int
        ``n_0, ..., n_L``.
    density : float or sequence of float, optional
        Density of every layer, or one per layer, in ``(0, 1]``.
    seed : int, numpy.random.Generator or None
        None draws a seed; the one used is in ``meta["seed"]`` (pass it to rebuild).
    epsilon : float, optional
        SET's sparsity parameter (instead of ``density``).
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology

    References
    ----------
    D. C. Mocanu et al., *Scalable training of artificial neural networks with adaptive sparse
    connectivity inspired by network science*, Nat. Commun. 9, 2383 (2018).

    Examples
    --------
    >>> t = erdos_renyi([100, 50, 10], 0.1, seed=0)
    >>> t.layer_nnz
    (500, 50)
    >>> erdos_renyi([100, 100], epsilon=5, seed=0).layer_nnz  # 5 * 200 edges
    (1000,)
    >>> erdos_renyi([8, 8, 4], [0.25, 0.5], seed=0).layer_nnz  # one density per layer
    (16, 16)
    """
    widths = _check_net_widths(widths)
    pairs = list(pairwise(widths))
    if (density is None) == (epsilon is None):
        raise TopogenError("give exactly one of density= or epsilon= (SET)")
    if density is not None:
        density, dens = check_layer_densities("density", density, len(pairs))
    else:
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise TopogenError(f"epsilon must be a positive number, got {epsilon!r}")
        dens = [min(1.0, epsilon * (a + b) / (a * b)) for a, b in pairs]
    counts = [max(1, round(d * a * b)) for d, (a, b) in zip(dens, pairs)]
    _check_uniform_size(pairs, counts, max_edges, f"erdos_renyi({fmt_value(widths)})")
    rng, seed = rng_and_seed(seed)
    layers = [uniform_layer(a, b, m, seed=rng, max_edges=max_edges)
              for (a, b), m in zip(pairs, counts)]
    params = {"widths": list(widths), "density": density, "epsilon": epsilon,
              "layer_edges": counts}
    return trusted(layers, make_meta("erdos_renyi", params, seed))


def _check_uniform_size(pairs, counts, max_edges, what: str) -> None:
    """Edges, row pointers and cell masks of every (distinct, random) uniform layer."""
    masks = sum(a * b for (a, b), m in zip(pairs, counts) if 2 * m > a * b)
    check_max_edges(sum(counts) + masks, max_edges, what,
                    neurons=sum(a + b for a, b in pairs))


def erk_densities(widths: Sequence[int], density: float) -> list[float]:
    """Per-layer densities of the Erdos-Renyi(-Kernel) allocation of an overall density.

    Layer ``i`` gets density ``eps * (n_i + n_(i+1)) / (n_i * n_(i+1))`` with one ``eps`` for
    all layers, chosen so that the total number of edges is ``density * sum(n_i n_(i+1))``;
    a layer that would exceed density 1 is made dense and ``eps`` is solved again for the
    others (RigL's ``erdos_renyi_kernel`` loop; for fully connected layers the kernel
    factor is 1).

    Parameters
    ----------
    widths : sequence of int
        ``n_0, ..., n_L`` (at least two widths, each at least 1).
    density : float
        Overall density in ``(0, 1]``.

    Returns
    -------
    list of float
        One density in ``(0, 1]`` per layer; their edge-weighted mean is ``density``.

    Raises
    ------
    TopogenError
        For fewer than two widths, a width below 1 or a density outside ``(0, 1]``.

    References
    ----------
    U. Evci, T. Gale, J. Menick, P. S. Castro, E. Elsen, *Rigging the Lottery: Making All
    Tickets Winners*, ICML 2020 (arXiv:1911.11134).

    Examples
    --------
    >>> [round(d, 4) for d in erk_densities([784, 300, 100, 10], 0.1)]
    [0.0796, 0.2302, 1.0]
    """
    widths = _check_net_widths(widths)
    density = check_density("density", density)
    sizes = np.array([a * b for a, b in pairwise(widths)], dtype=float)
    raw = np.array([(a + b) / (a * b) for a, b in pairwise(widths)])
    target = density * sizes.sum()
    is_dense = np.zeros(len(sizes), dtype=bool)
    while True:
        rest = target - sizes[is_dense].sum()
        eps = rest / (raw[~is_dense] * sizes[~is_dense]).sum() if (~is_dense).any() else 0.0
        dens = np.where(is_dense, 1.0, eps * raw)
        over = (~is_dense) & (dens > 1.0)
        if not over.any():
            return [float(d) for d in dens]
        is_dense |= over


def erk(
    widths: Sequence[int], density, seed=None, *, max_edges: int = DEFAULT_MAX_EDGES
) -> Topology:
    """Erdos-Renyi-Kernel: one overall density spread over layers as in RigL, uniform layers.

    Per-layer densities come from :func:`erk_densities` (small layers denser); layer ``i``
    then has ``round(density_i * n_i * n_(i+1))`` uniformly random edges (at least one), so
    the overall density matches ``density`` up to rounding.

    Parameters
    ----------
    widths : sequence of int
        ``n_0, ..., n_L``.
    density : float
        Overall density in ``(0, 1]``.
    seed : int, numpy.random.Generator or None
        None draws a seed; the one used is in ``meta["seed"]`` (pass it to rebuild).
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        ``meta["params"]["layer_density"]`` holds the allocation.

    References
    ----------
    U. Evci, T. Gale, J. Menick, P. S. Castro, E. Elsen, *Rigging the Lottery: Making All
    Tickets Winners*, ICML 2020, Sec. 3 (ERK).

    Examples
    --------
    >>> t = erk([784, 300, 100, 10], 0.1, seed=0)
    >>> t.layer_nnz, round(t.density, 4)
    ((18714, 6906, 1000), 0.1)
    """
    widths = _check_net_widths(widths)
    dens = erk_densities(widths, density)
    pairs = list(pairwise(widths))
    counts = [max(1, round(d * a * b)) for d, (a, b) in zip(dens, pairs)]
    _check_uniform_size(pairs, counts, max_edges, f"erk({fmt_value(widths)})")
    rng, seed = rng_and_seed(seed)
    layers = [uniform_layer(a, b, m, seed=rng, max_edges=max_edges)
              for (a, b), m in zip(pairs, counts)]
    params = {"widths": list(widths), "density": density, "layer_density": dens}
    return trusted(layers, make_meta("erk", params, seed))


def butterfly(n: int, depth: int | None = None, *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """The radix-2 butterfly (FFT) network on ``n = 2^m`` neurons a layer.

    In layer ``k`` neuron ``r`` connects to ``r`` and ``r XOR 2^(k mod m)``; the first ``m``
    layers are the Cooley-Tukey FFT data flow, and every input reaches every output of ``m``
    consecutive layers by exactly one path.  It is the mixed-radix topology of radices
    ``(2, ..., 2)`` up to the relabelling ``r - j nu -> r XOR nu``.

    Parameters
    ----------
    n : int
        A power of two, ``>= 2``.
    depth : int, optional
        Number of layers, default ``m = log2(n)``; deeper nets repeat the stages.
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        Widths ``(n,) * (depth + 1)``, every layer 2-regular.

    References
    ----------
    J. W. Cooley, J. W. Tukey, *An algorithm for the machine calculation of complex Fourier
    series*, Math. Comp. 19 (1965); T. Dao et al., *Learning fast algorithms for linear
    transforms using butterfly factorizations*, ICML 2019.

    Examples
    --------
    >>> butterfly(4).layers[1].toarray().astype(int)
    array([[1, 0, 1, 0],
           [0, 1, 0, 1],
           [1, 0, 1, 0],
           [0, 1, 0, 1]])
    """
    n = check_int("n", n, minimum=2)
    if n & (n - 1):
        raise TopogenError(f"n must be a power of two (2, 4, 8, ...), got {n}")
    m = n.bit_length() - 1
    depth = m if depth is None else check_int("depth", depth, minimum=1)
    stages = min(m, depth)  # distinct layers, shared by the repeats
    check_max_edges(2 * n * stages, max_edges, f"butterfly({n}, {depth})",
                    neurons=2 * n * stages)
    r = np.arange(n, dtype=np.int64)
    stages = []
    for k in range(min(m, depth)):
        cols = np.sort(np.stack((r, r ^ (1 << k)), axis=1), axis=1)
        stages.append(csr_from_parts((n, n), np.arange(0, 2 * n + 1, 2), cols.ravel()))
    layers = [stages[k % m] for k in range(depth)]  # depth < m: the first depth stages
    return trusted(layers, make_meta("butterfly", {"n": n, "depth": depth}))


def random_regular(
    widths: Sequence[int], degree, seed=None, *, max_edges: int = DEFAULT_MAX_EDGES
) -> Topology:
    """Random biregular layers with fan-in ``degree`` (the X-Net sampler, by name).

    The same as ``x_net(widths, degree=degree, seed=seed)``: every target has in-degree
    ``degree``, every source out-degree ``degree * n_(i+1) / n_i``, no repeated edges.

    Parameters
    ----------
    widths : sequence of int
        ``n_0, ..., n_L`` (at least two).
    degree : int or sequence of int
        Fan-in of every target neuron, one for all layers or one per layer; ``degree *
        n_(i+1)`` must be divisible by ``n_i`` for the out-degree to be constant.
    seed : None, int or numpy.random.Generator, optional
        Randomness (see :func:`topogen._checks.as_rng`); the int used is in ``meta``.
    max_edges : int, default DEFAULT_MAX_EDGES
        Cap on the edges built, checked before allocating.

    Returns
    -------
    Topology
        ``meta["generator"]`` is ``"random_regular"``; the parameters are x_net's.

    Raises
    ------
    TopogenError
        As :func:`topogen.x_net` for bad widths, degrees or ``max_edges``.

    Examples
    --------
    >>> t = random_regular([6, 6, 6], 2, seed=0)
    >>> [sorted(set(layer.sum(axis=0).tolist())) for layer in t.layers]
    [[2], [2]]
    """
    t = x_net(widths, degree=degree, seed=seed, max_edges=max_edges)
    meta = t.meta
    meta["generator"] = "random_regular"
    return trusted(t.layers, meta)
