"""Mixed-radix, extended mixed-radix and RadiX-Net topologies.

Robinett & Kepner, *Neural Network Topologies for Sparse Training*, arXiv:1809.05242, and
*RadiX-Net: Structured Sparse Matrices for Deep Neural Networks*, arXiv:1905.00416 (IPDPSW
2019).  The convention is that of the public reference construction (the generator of the
Sparse DNN Graph Challenge networks), so that files written here match the networks people
already have:

* a mixed-radix system ``N = (N_1, ..., N_L)`` has ``N' = N_1 * ... * N_L`` neurons a layer;
* within one radix list the place value ``nu`` starts at 1 and is multiplied by each radix
  after its layer: ``nu_k = N_1 * ... * N_(k-1)``;
* in the layer of radix ``N_k``, neuron ``r`` connects to neurons ``(r - j * nu_k) mod N'``
  for ``j = 0 .. N_k - 1`` (row = source, column = target);
* the RadiX-Net widens layer ``i`` by ``kron(ones((B_i, B_(i+1))), M_i)`` (``B`` the
  Kronecker *multipliers*: layer ``i`` has ``B_i * N'`` neurons), so neuron
  ``b * N' + r`` of the widened layer is copy ``b`` of neuron ``r``.

Every neuron of a mixed-radix layer has in- and out-degree ``N_k``, the layer has density
``N_k / N'``, and the layers of one full system multiply to the all-ones matrix: every input
reaches every output by exactly one path (the digits of ``r - s`` in the mixed radix).

Layers that repeat (the same radix at the same place value, and the same multipliers)
are built once and shared, which Topology's immutability makes safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._checks import (
    DEFAULT_MAX_EDGES,
    TopogenError,
    call_repr,
    check_max_edges,
    check_radices,
    check_widths,
    fmt_value,
    renamed,
)
from ..topology import Topology, csr_from_parts, kron_ones, make_meta, trusted

__all__ = ["extended_mixed_radix", "mixed_radix", "radix_layer", "radix_net", "radix_net_size"]


def radix_layer(n: int, radix: int, nu: int):
    """The ``n -> n`` layer in which neuron ``r`` connects to ``(r - j*nu) mod n``, ``j < radix``.

    Parameters
    ----------
    n : int
        Neurons per side (``N'``).
    radix : int
        Out-degree (and in-degree) of every neuron, ``N_k``.
    nu : int
        Place value of this digit, the product of the radices before it in its list.

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean ``(n, n)`` layer with ``n * radix`` edges.

    Examples
    --------
    >>> radix_layer(4, 2, 2).toarray().astype(int)
    array([[1, 0, 1, 0],
           [0, 1, 0, 1],
           [1, 0, 1, 0],
           [0, 1, 0, 1]])
    """
    if radix * nu > n:
        raise TopogenError(
            f"radix {radix} at place value {nu} needs radix*nu <= N' = {n}, got {radix * nu}"
        )
    # Row r holds r - j*nu for j < radix, the negative ones wrapped by + n.  Listed for
    # j = radix-1 .. 0 they ascend except for one wrap: the w_r wrapped values (all > r) come
    # first, so rotating each row left by w_r sorts it without a sort.
    r = np.arange(n, dtype=np.int64)[:, None]
    t = np.arange(radix, dtype=np.int64)[None, :]
    wrapped = np.maximum(0, radix - 1 - r // nu)
    j = radix - 1 - (t + wrapped) % radix
    cols = (r - j * nu) % n
    indptr = np.arange(0, n * radix + 1, radix, dtype=np.int64)
    return csr_from_parts((n, n), indptr, cols.ravel())


def check_radix_lists(radix_lists) -> tuple[tuple[int, ...], ...]:
    """Validate a sequence of radix lists: all but the last multiply to N', the last divides it.

    Parameters
    ----------
    radix_lists : sequence of sequence of int
        One or more radix lists (mixed-radix numeral systems), each of radices at least 2
        (checked by :func:`topogen._checks.check_radices`).  Every list but the last has
        the product ``N'`` of the first; the product of the last divides ``N'``.

    Returns
    -------
    tuple of tuple of int
        The radix lists, as tuples of ints.

    Raises
    ------
    TopogenError
        If ``radix_lists`` is not a non-empty sequence of lists, a radix is invalid, a
        middle list's product differs from ``N'``, or the last list's product does not
        divide ``N'``.

    >>> check_radix_lists([[2, 2, 2], [4, 2], [2]])
    ((2, 2, 2), (4, 2), (2,))
    """
    if isinstance(radix_lists, (str, bytes)) or not isinstance(radix_lists, Sequence):
        raise TopogenError(
            "radix_lists must be a sequence of radix lists such as [[2, 2, 2], [4, 2]], got "
            f"{fmt_value(radix_lists)}"
        )
    if len(radix_lists) == 0:
        raise TopogenError("radix_lists must hold at least one radix list, e.g. [[2, 2, 2]]")
    lists = tuple(check_radices(f"radix_lists[{k}]", lst) for k, lst in enumerate(radix_lists))
    n_prime = math.prod(lists[0])
    for k, lst in enumerate(lists[1:-1], start=1):
        if math.prod(lst) != n_prime:
            raise TopogenError(
                f"radix_lists[{k}] = {list(lst)} has product {math.prod(lst)}, but every list "
                f"except the last must have the product of the first, N' = {n_prime}"
            )
    if len(lists) > 1 and n_prime % math.prod(lists[-1]) != 0:
        raise TopogenError(
            f"the last radix list {list(lists[-1])} has product {math.prod(lists[-1])}, which "
            f"must divide N' = {n_prime} (the product of the first list)"
        )
    return lists


def _check_radix_net(radix_lists, multipliers):
    """Validated radix lists and multipliers (default all 1) of a RadiX-Net."""
    lists = check_radix_lists(radix_lists)
    n_layers = sum(len(lst) for lst in lists)
    if multipliers is None:
        return lists, (1,) * (n_layers + 1)
    if isinstance(multipliers, (str, bytes)) or not isinstance(
        multipliers, (Sequence, np.ndarray)
    ):
        raise TopogenError(
            f"multipliers must be a sequence of {n_layers + 1} integers >= 1, got "
            f"{fmt_value(multipliers)}"
        )
    if len(multipliers) != n_layers + 1:
        raise TopogenError(
            f"multipliers must have one entry more than the number of radices ({n_layers}), "
            f"so {n_layers + 1} entries, got {len(multipliers)}: {fmt_value(list(multipliers))}"
        )
    return lists, check_widths("multipliers", multipliers)


def _plan(lists) -> list[tuple[int, int]]:
    """``(radix, nu)`` of every layer."""
    plan = []
    for lst in lists:
        nu = 1
        for radix in lst:
            plan.append((radix, nu))
            nu *= radix
    return plan


def _size(lists, widths) -> dict:
    """Sizes of a RadiX-Net (``widths`` are the multipliers ``B_i``)."""
    n_prime = math.prod(lists[0])
    plan = _plan(lists)
    if widths is None:
        widths = (1,) * (len(plan) + 1)
    layer_edges = tuple(widths[i] * n_prime * r * widths[i + 1] for i, (r, _) in enumerate(plan))
    keys = {(radix, nu, widths[i], widths[i + 1]) for i, (radix, nu) in enumerate(plan)}
    bases = {(radix, nu) for radix, nu, a, b in keys if (a, b) != (1, 1)}
    edges = [n_prime * radix * a * b for radix, _, a, b in keys]
    return {
        "edges": sum(layer_edges),
        "layer_edges": layer_edges,
        "distinct_layers": len(keys),
        "allocated_edges": sum(edges) + sum(n_prime * radix for radix, _ in bases),
        "allocated_neurons": sum(n_prime * (a + b) for _, _, a, b in keys)
        + 2 * n_prime * len(bases),
        "largest_layer_edges": max(edges),
    }


def radix_net_size(
    radix_lists: Sequence[Sequence[int]], multipliers: Sequence[int] | None = None
) -> dict:
    """How big :func:`radix_net` would be, without building it.

    Parameters
    ----------
    radix_lists, multipliers
        As for :func:`radix_net` (checked the same way; multipliers default to all 1).

    Returns
    -------
    dict
        ``edges`` (all layers), ``layer_edges`` (a tuple, one exact count per layer:
        ``B_i * N' * N_k * B_(i+1)``), ``distinct_layers``, ``allocated_edges`` and
        ``allocated_neurons`` (what building it in memory allocates, shared layers once:
        the figures :func:`radix_net` checks against ``max_edges``) and
        ``largest_layer_edges`` (what a layer-by-layer writer holds at once; the command
        line checks ``--stream`` with it).

    Raises
    ------
    TopogenError
        For arguments :func:`radix_net` refuses (other than the size cap).

    Examples
    --------
    >>> s = radix_net_size([[2] * 12] * 160, [16] * 1921)
    >>> s["edges"], s["distinct_layers"], s["allocated_edges"]
    (4026531840, 12, 25264128)
    >>> radix_net_size([[2, 2]], [1, 3, 2])["layer_edges"]
    (24, 48)
    """
    return _size(*_check_radix_net(radix_lists, multipliers))


def _build(lists, widths, max_edges, generator, params) -> Topology:
    # ``widths`` are the multipliers B_i: layer i has B_i * N' neurons
    n_prime = math.prod(lists[0])
    plan = _plan(lists)
    if widths is None:
        widths = (1,) * (len(plan) + 1)
    size = _size(lists, widths)  # shared layers are built once and counted once
    check_max_edges(size["allocated_edges"], max_edges, call_repr(generator, params),
                    neurons=size["allocated_neurons"])
    cache: dict = {}
    layers = []
    for i, (radix, nu) in enumerate(plan):
        key = (radix, nu, widths[i], widths[i + 1])
        if key not in cache:
            base = cache.get((radix, nu, 1, 1))
            if base is None:
                base = cache[(radix, nu, 1, 1)] = radix_layer(n_prime, radix, nu)
            if key not in cache:
                cache[key] = kron_ones(widths[i], widths[i + 1], base)
        layers.append(cache[key])
    return trusted(layers, make_meta(generator, params))


def mixed_radix(radices: Sequence[int], *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """The mixed-radix topology of one numeral system ``N = (N_1, ..., N_L)``.

    ``L`` layers of ``N' = prod(N)`` neurons; in layer ``k`` neuron ``r`` connects to
    ``(r - j * nu_k) mod N'`` for ``j < N_k``, where ``nu_k = N_1 * ... * N_(k-1)``
    (Robinett & Kepner 2019, Sec. III-A).  Every input reaches every output by exactly one path.

    Parameters
    ----------
    radices : sequence of int
        The radices ``N_k >= 2``.
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        Widths ``(N',) * (L + 1)``; layer ``k`` has density ``N_k / N'``.

    Raises
    ------
    TopogenError
        If a radix is not an integer ``>= 2``, the list is empty, or the size cap is exceeded.

    Examples
    --------
    Radices ``(2, 2)``: ``N' = 4``; layer 0 (``nu = 1``) joins ``r`` to ``r`` and ``r - 1``,
    layer 1 (``nu = 2``) joins ``r`` to ``r`` and ``r - 2`` (mod 4):

    >>> t = mixed_radix([2, 2])
    >>> t.layers[0].toarray().astype(int)
    array([[1, 0, 0, 1],
           [1, 1, 0, 0],
           [0, 1, 1, 0],
           [0, 0, 1, 1]])
    >>> (t.layers[0].astype(int) @ t.layers[1].astype(int)).toarray()
    array([[1, 1, 1, 1],
           [1, 1, 1, 1],
           [1, 1, 1, 1],
           [1, 1, 1, 1]])
    """
    lst = check_radices("radices", radices)
    return _build((lst,), None, max_edges, "mixed_radix", {"radices": list(lst)})


def extended_mixed_radix(
    radix_lists: Sequence[Sequence[int]], *, max_edges: int = DEFAULT_MAX_EDGES
) -> Topology:
    """Several mixed-radix systems in sequence (an extended mixed-radix topology).

    The place value restarts at 1 with each list.  Every list but the last must have the
    product ``N'`` of the first; the last's product must divide ``N'``.  Then every input
    reaches every output by ``prod(product of each list after the first)`` paths.

    Parameters
    ----------
    radix_lists : sequence of sequences of int
        The numeral systems, e.g. ``[[2, 2, 2], [4, 2], [2]]``.
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        ``sum(len(list))`` layers of ``N'`` neurons.

    Raises
    ------
    TopogenError
        If a list is empty, a radix is not an integer ``>= 2``, a middle list has the wrong
        product, the last list's product does not divide ``N'``, or the size cap is exceeded.

    Examples
    --------
    >>> t = extended_mixed_radix([[2, 2], [2]])
    >>> t.widths, t.layer_nnz
    ((4, 4, 4, 4), (8, 8, 8))
    """
    lists = check_radix_lists(radix_lists)
    params = {"radix_lists": [list(x) for x in lists]}
    return _build(lists, None, max_edges, "extended_mixed_radix", params)


def radix_net(
    radix_lists: Sequence[Sequence[int]],
    multipliers: Sequence[int] | None = None,
    *,
    max_edges: int = DEFAULT_MAX_EDGES,
    widths: Sequence[int] | None = None,
) -> Topology:
    """The RadiX-Net: an extended mixed-radix topology widened by a dense network.

    Layer ``i`` is ``kron(ones((B_i, B_(i+1))), M_i)`` where ``M_i`` is layer ``i`` of
    :func:`extended_mixed_radix` and ``B = multipliers``; it has ``B_i * N'`` neurons and
    each has out-degree ``N_k * B_(i+1)``.  Neuron ``b * N' + r`` is copy ``b`` of neuron
    ``r``.  Every input reaches every output by exactly
    ``prod(product of each list after the first) * prod(multipliers[1:-1])`` paths
    (Robinett & Kepner 2019, Theorem 1), and layer density is ``N_k / N'``.

    The paper calls ``B`` the widths of a dense network; here ``widths`` always means neuron
    counts (``Topology.widths == tuple(B_i * N')``), so the Kronecker factors are the
    *multipliers* of ``N'``.  ``topogen generate radix-net --multipliers`` is the same
    argument, with the same default.

    Parameters
    ----------
    radix_lists : sequence of sequences of int
        The numeral systems, as for :func:`extended_mixed_radix`.
    multipliers : sequence of int, optional
        Kronecker multipliers ``B_0 .. B_L`` (integers >= 1), one more than the total number
        of radices; layer ``i`` has ``B_i * N'`` neurons.  Default all 1: the extended
        mixed-radix topology itself.
    max_edges : int
        Refuse before allocating if the topology would have more edges.
    widths : sequence of int, optional
        Deprecated name of ``multipliers`` (a ``FutureWarning``); it will be removed.

    Returns
    -------
    Topology
        Widths ``B_i * N'``; ``meta["params"]`` records ``radix_lists`` and ``multipliers``.

    Raises
    ------
    TopogenError
        For invalid radix lists (see :func:`extended_mixed_radix`), multipliers of the wrong
        length or below 1, both ``multipliers`` and ``widths`` given, or a topology larger
        than ``max_edges``.

    Examples
    --------
    >>> t = radix_net([[2, 2]], [1, 3, 2])
    >>> t.widths, t.layer_density
    ((4, 12, 8), (0.5, 0.5))
    >>> t.layers[0][[0], :].indices.tolist()  # neuron 0 -> copies b*4 + r of r in {0, 3}
    [0, 3, 4, 7, 8, 11]
    >>> radix_net([[2, 2]]).widths  # multipliers default to all 1
    (4, 4, 4)
    """
    multipliers = renamed(multipliers, widths, "radix_net", "multipliers", "widths")
    lists, multipliers = _check_radix_net(radix_lists, multipliers)
    params = {"radix_lists": [list(x) for x in lists], "multipliers": list(multipliers)}
    return _build(lists, multipliers, max_edges, "radix_net", params)
