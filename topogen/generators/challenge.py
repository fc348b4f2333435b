"""The networks of the MIT/IEEE Sparse DNN Graph Challenge.

Kepner et al., *Sparse Deep Neural Network Graph Challenge*, IEEE HPEC 2019, arXiv:1909.05631
(the networks, the inference and its rate), and the challenge's reference code
(``graphchallenge/GraphChallenge``, ``SparseDeepNeuralNetwork/matlab``: the biases and the
inference).  A challenge network of ``N`` neurons is built from one block of RadiX-Net layers
``radix_net([[2] * k], [16] * (k + 1))`` with ``N = 2**k * 16`` (so 32 connections per neuron
in and out):

* block 1 (layers ``1 .. k``) is that block as it is;
* every later block of ``k`` layers is the same ``k`` layers with their **rows** (source
  neurons) permuted by one random permutation drawn for that block: row ``i`` of each
  layer is row ``perm[i]`` of the base layer.  This is not a relabelling of neurons, so
  products across a block no longer have constant path counts.

For 1024 neurons (``k = 6``, 120 layers, bias -0.3) these facts were checked against the
official files (``neuron1024/n1024-l{1..120}.tsv``) when the feature was specified; for
4096, 16384 and 65536 neurons the block length ``k = 8, 10, 12`` and the weight 1/16
follow the paper, and the biases -0.35, -0.4, -0.45 the reference code (the 65536-neuron
shape is ``radix_net([[2]*12]*160, [16]*1921)``).

Small analogues with the same construction, for tests and experiments, come from
:func:`challenge_analogue` (any radix list and Kronecker width; it is not re-exported from
:mod:`topogen`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import (
    DEFAULT_MAX_EDGES,
    TopogenError,
    as_rng,
    check_int,
    check_max_edges,
    check_option,
    check_radices,
    seed_for_meta,
)
from ..export.stream import TrustedLayers
from ..topology import Topology, make_meta, trusted
from .radix import radix_layer

__all__ = [
    "CHALLENGE_BIAS",
    "CHALLENGE_CAP",
    "CHALLENGE_WEIGHT",
    "ChallengeLayers",
    "challenge_analogue",
    "challenge_bias",
    "graph_challenge",
    "graph_challenge_layers",
]

#: Bias of every neuron by width (Kepner et al. 2019; reference ``runSparseDNNchallenge.m``).
CHALLENGE_BIAS = {1024: -0.3, 4096: -0.35, 16384: -0.4, 65536: -0.45}
#: Weight of every connection (the official files: ``6.250000e-02``).
CHALLENGE_WEIGHT = 1 / 16
#: Activations are capped at this value (``YMAX = 32`` in the reference inference).
CHALLENGE_CAP = 32.0
#: Kronecker width of the challenge networks: ``N = 2**k * 16``.
CHALLENGE_WIDTH = 16
#: The official depths.
CHALLENGE_LAYERS = (120, 480, 1920)


def challenge_bias(neurons: int) -> float:
    """The challenge's bias for a network of ``neurons`` neurons a layer.

    Parameters
    ----------
    neurons : int
        1024, 4096, 16384 or 65536.

    Returns
    -------
    float

    Raises
    ------
    TopogenError
        For another width (pass the bias yourself then).

    Examples
    --------
    >>> challenge_bias(4096)
    -0.35
    """
    if neurons not in CHALLENGE_BIAS:
        raise TopogenError(f"neurons={neurons!r} has no Graph Challenge bias; the challenge "
                           f"sizes are {sorted(CHALLENGE_BIAS)} (pass bias= for other widths)")
    return CHALLENGE_BIAS[neurons]


def _check_seed(seed):
    """``(rng, recorded seed)``: an int seed is used as is; None draws one and records it."""
    if seed is None:
        seed = int(np.random.SeedSequence().entropy) % 2**63
    return as_rng(seed), seed_for_meta(seed)


def _row_tables(radices: tuple[int, ...], width: int) -> list[np.ndarray]:
    """Per layer of the block, the columns of row ``r`` of the Kronecker layer, ``r < N'``.

    Row ``b * N' + r`` of ``kron(ones((width, width)), M)`` holds ``c * N' + M[r]`` for
    ``c < width`` (sorted, as :func:`topogen.topology.kron_ones` lays it out), the same for
    every copy ``b``: an ``(N', width * radix)`` table per layer.
    """
    n_prime = math.prod(radices)
    nnz = n_prime * width * max(radices) * width  # edges of the densest layer
    itype = np.int32 if nnz < 2**31 - 1 else np.int64
    offsets = (np.arange(width, dtype=itype) * n_prime)[None, :, None]
    out, nu = [], 1
    for radix in radices:
        small = radix_layer(n_prime, radix, nu).indices.reshape(n_prime, 1, radix)
        out.append((offsets + small.astype(itype)).reshape(n_prime, width * radix))
        nu *= radix
    return out


def _layer(table: np.ndarray, rows: np.ndarray, data: dict) -> sp.csr_array:
    """The layer whose row ``i`` is row ``rows[i]`` of the Kronecker layer of ``table``.

    One gather of table rows: no base layer is kept, so memory is one layer.
    """
    n_prime, d = table.shape
    n = len(rows)
    nnz = n * d
    indices = table[rows % n_prime].reshape(-1)
    if nnz not in data:  # the all-True data and the indptr, shared by layers of one degree
        data[nnz] = (_freeze_array(np.ones(nnz, dtype=bool)),
                     _freeze_array(np.arange(0, nnz + 1, d, dtype=table.dtype)))
    ones, indptr = data[nnz]
    layer = sp.csr_array((ones, _freeze_array(indices), indptr), shape=(n, n), copy=False)
    layer.has_canonical_format = True  # every row is a sorted row of the Kronecker layer
    return layer


def _freeze_array(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _iter_layers(radices, width, n_layers: int, rng) -> Iterator[sp.csr_array]:
    """Yield the challenge layers: block 1 unpermuted, then each block's rows permuted."""
    tables = _row_tables(radices, width)
    k = len(tables)
    n = math.prod(radices) * width
    rows = np.arange(n)
    data: dict = {}
    for i in range(n_layers):
        if i and i % k == 0:
            rows = rng.permutation(n)
        yield _layer(tables[i % k], rows, data)


def _plan(neurons) -> tuple[tuple[int, ...], int]:
    neurons = check_int("neurons", neurons, minimum=1)
    try:
        neurons = check_option("neurons", neurons, sorted(CHALLENGE_BIAS))
    except TopogenError as exc:  # the uniform message, plus where other sizes are built
        raise TopogenError(
            f"{exc} (the Graph Challenge widths); for other sizes use "
            "topogen.generators.challenge.challenge_analogue"
        ) from None
    k = int(math.log2(neurons // CHALLENGE_WIDTH))
    return (2,) * k, CHALLENGE_WIDTH


def _meta(radices, width, n_layers, seed, bias, weight, cap, generator) -> dict:
    neurons = math.prod(radices) * width
    params = {"neurons": neurons, "layers": n_layers}
    if generator != "graph_challenge":
        params.update(radices=list(radices), width=width)
    meta = make_meta(generator, params, seed)
    meta.update(neurons=neurons, layers=n_layers, block=len(radices), bias=bias, cap=cap,
                weight=weight)
    return meta


def graph_challenge(neurons: int = 1024, layers: int = 120, *, seed=None,
                    max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """The Sparse DNN Graph Challenge network of ``neurons`` neurons and ``layers`` layers.

    Block 1 is ``radix_net([[2] * k], [16] * (k + 1))`` with ``neurons = 2**k * 16``
    (``k = 6`` for 1024: the official layers 1-6 are
    ``radix_net([[2]*6]*20, [16]*121).layers[0:6]``); every later block of ``k`` layers has
    the rows of all its layers permuted by one random permutation drawn for that block
    (Kepner et al. 2019).  Every neuron has 32 connections in and out.

    Parameters
    ----------
    neurons : {1024, 4096, 16384, 65536}
        Neurons per layer.
    layers : int
        Number of layers (the official depths are 120, 480 and 1920; any depth >= 1 works,
        the last block may be partial).
    seed : int, numpy.random.Generator or None
        Seed of the block permutations.  None draws one, uses it and records it in ``meta``.
    max_edges : int
        Refuse before allocating if the network would have more edges; stream larger ones
        with :func:`graph_challenge_layers`.

    Returns
    -------
    Topology
        Its ``meta`` records ``neurons``, ``layers``, ``block`` (``k``), ``bias`` (-0.3,
        -0.35, -0.4 or -0.45), ``cap`` (32), ``weight`` (1/16) and ``seed``.

    Raises
    ------
    TopogenError
        For another width, ``layers < 1``, a bad seed, or more than ``max_edges`` edges.

    Examples
    --------
    >>> import topogen
    >>> net = graph_challenge(1024, 12, seed=1)
    >>> net.widths[:2], net.layer_nnz[0], net.meta["bias"], net.meta["seed"]
    ((1024, 1024), 32768, -0.3, 1)
    >>> net.slice(0, 6) == topogen.radix_net([[2] * 6] * 20, [16] * 121).slice(0, 6)
    True
    """
    radices, width = _plan(neurons)
    return _build(radices, width, layers, seed, max_edges, "graph_challenge",
                  CHALLENGE_BIAS[math.prod(radices) * width])


def challenge_analogue(radices: Sequence[int], width: int, layers: int, *, seed=None,
                       bias: float = -0.3, weight: float | None = None,
                       max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """A small network built like the challenge's: any radix list and Kronecker width.

    Block 1 is ``radix_net([radices], [width] * (len(radices) + 1))``; every later block of
    ``len(radices)`` layers has its rows permuted by one random permutation, as in
    :func:`graph_challenge` (which is ``challenge_analogue([2] * k, 16, layers)`` with the
    challenge's bias).  For tests and experiments at sizes the challenge does not have.

    Parameters
    ----------
    radices : sequence of int
        One radix list (the block), e.g. ``[2, 2, 2]``.
    width : int
        Kronecker width ``B``; neurons per layer are ``prod(radices) * width``.
    layers : int
        Number of layers.
    seed : int, numpy.random.Generator or None
        As for :func:`graph_challenge`.
    bias : float
        Recorded in ``meta`` for :func:`topogen.challenge.infer`.
    weight : float, optional
        Recorded in ``meta``; default ``2 / (radices[0] * width)``, two over the degree, so
        that a neuron whose inputs all sit at the cap doubles as in the challenge
        (``32 x 1/16 = 2``).
    max_edges : int
        Refuse before allocating if the network would have more edges.

    Returns
    -------
    Topology

    Raises
    ------
    TopogenError
        For invalid radices, width, layers, seed or size.

    Examples
    --------
    >>> net = challenge_analogue([2, 2, 2], 2, 9, seed=0)
    >>> net.widths[0], net.layer_nnz[0], net.meta["block"], net.meta["weight"]
    (16, 64, 3, 0.5)
    """
    radices = check_radices("radices", radices)
    width = check_int("width", width, minimum=1)
    if weight is None:
        weight = 2 / (radices[0] * width)
    for name, value in (("bias", bias), ("weight", weight)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not math.isfinite(value):
            raise TopogenError(f"{name} must be a finite number, got {value!r}")
    return _build(radices, width, layers, seed, max_edges, "challenge_analogue", float(bias),
                  float(weight))


def _build(radices, width, layers, seed, max_edges, generator, bias,
           weight=CHALLENGE_WEIGHT) -> Topology:
    n_layers = check_int("layers", layers, minimum=1)
    neurons = math.prod(radices) * width
    n_edges = _edges(radices, width, n_layers)
    check_max_edges(n_edges, max_edges, f"{generator}(neurons={neurons}, layers={n_layers})")
    rng, recorded = _check_seed(seed)
    layers = list(_iter_layers(radices, width, n_layers, rng))
    meta = _meta(radices, width, n_layers, recorded, bias, weight, CHALLENGE_CAP, generator)
    return trusted(layers, meta)


def _edges(radices, width, n_layers) -> int:
    """Edges of the network: layer ``i`` has ``N' * radix_i * width**2`` of them."""
    n_prime = math.prod(radices)
    k = len(radices)
    per_block = [n_prime * r * width * width for r in radices]
    return sum(per_block) * (n_layers // k) + sum(per_block[: n_layers % k])


class ChallengeLayers(TrustedLayers):
    """The layers of a challenge network, built one at a time as they are iterated.

    Returned by :func:`graph_challenge_layers`; iterating it twice yields the same layers
    (frozen canonical boolean ``csr_array``).  ``depth``, ``widths``, ``nnz`` and ``meta``
    describe the whole network, so that ``stream_npz(layers, path, meta=layers.meta)``
    records how it was made.  The streaming writers trust its layers as canonical (they
    are by construction; the tests check it) and skip their per-layer check, which would
    cost more than building the layer.
    """

    def __init__(self, radices, width, n_layers, seed, meta):
        self._radices, self._width, self.depth = radices, width, n_layers
        self._seed = seed
        self.meta = meta
        n = math.prod(radices) * width
        self.widths = (n,) * (n_layers + 1)
        self.nnz = _edges(radices, width, n_layers)

    def __len__(self) -> int:
        return self.depth

    def __iter__(self) -> Iterator[sp.csr_array]:
        return _iter_layers(self._radices, self._width, self.depth, as_rng(self._seed))

    def __repr__(self) -> str:
        return (f"ChallengeLayers(neurons={self.widths[0]}, layers={self.depth}, "
                f"nnz={self.nnz:,}, seed={self._seed})")


def graph_challenge_layers(neurons: int = 1024, layers: int = 120, *,
                           seed=None) -> ChallengeLayers:
    """The layers of ``graph_challenge(neurons, layers, seed=seed)``, one at a time.

    Nothing is built before it is asked for (each layer is one gather from the small
    mixed-radix layers), so the 65536 x 1920 network (about 4 * 10^9 edges) streams to
    files with memory for about one layer, through :func:`topogen.export.stream_npz`,
    :func:`topogen.export.stream_graph_challenge` or :func:`topogen.export.stream_layers`.

    Parameters
    ----------
    neurons, layers
        As for :func:`graph_challenge`.
    seed : int or None
        As for :func:`graph_challenge` (a Generator is not accepted: the layers must be
        the same each time they are iterated).  None draws one and records it.

    Returns
    -------
    ChallengeLayers
        An iterable of canonical boolean ``csr_array`` layers with ``depth``, ``widths``,
        ``nnz`` and ``meta``.

    Raises
    ------
    TopogenError
        For another width, ``layers < 1`` or a bad seed.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> layers = graph_challenge_layers(1024, 12, seed=3)
    >>> path = os.path.join(tempfile.mkdtemp(), "c.npz")
    >>> topogen.export.stream_npz(layers, path, meta=layers.meta, depth=layers.depth)["nnz"]
    393216
    >>> topogen.load(path) == graph_challenge(1024, 12, seed=3)
    True
    """
    radices, width = _plan(neurons)
    n_layers = check_int("layers", layers, minimum=1)
    if isinstance(seed, np.random.Generator):
        raise TopogenError("seed must be None or a non-negative int for graph_challenge_layers "
                           "(a Generator cannot replay the same layers), got a Generator")
    _, recorded = _check_seed(seed)
    meta = _meta(radices, width, n_layers, recorded, CHALLENGE_BIAS[math.prod(radices) * width],
                 CHALLENGE_WEIGHT, CHALLENGE_CAP, "graph_challenge")
    return ChallengeLayers(radices, width, n_layers, recorded, meta)
