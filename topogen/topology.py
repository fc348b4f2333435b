"""The :class:`Topology`: a feed-forward layered graph, the one idea at the centre of topogen.

A Topology has widths ``n_0, ..., n_L`` and ``L`` bipartite layers.  Layer ``i`` is a 0/1
biadjacency matrix of shape ``(n_i, n_{i+1})`` stored as a canonical boolean
:class:`scipy.sparse.csr_array`: **row = source neuron, column = target neuron**, so a forward
pass is ``y = x @ W_i`` (the Keras/TensorFlow kernel layout and the Sparse DNN Graph Challenge
layout).  Topologies are immutable: every operation returns a new one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from ._checks import DEFAULT_MAX_EDGES, TopogenError, check_int, check_max_edges, check_widths
from ._layers import canonical_problem, csr_from_parts, find_distinct, freeze, layered_digraph
from ._layers import kron_ones as kron_ones  # re-exported: topogen.topology.kron_ones
from ._meta import check_meta, make_meta

__all__ = ["MAX_NETWORKX_ITEMS", "Topology", "make_meta"]

#: Largest ``nodes + edges`` that :meth:`Topology.to_networkx` builds by default (networkx
#: takes a few hundred bytes per item: about 1 GB).
MAX_NETWORKX_ITEMS = 2**22


def _as_layer(index: int, layer) -> sp.csr_array:
    """Validate one layer for the strict constructor and return a frozen canonical copy."""
    name = f"layers[{index}]"
    if sp.issparse(layer):
        if layer.ndim != 2:
            raise TopogenError(f"{name} must be 2-D, got shape {layer.shape}")
        csr = sp.csr_array(layer, copy=True)
        if layer.format != "csr":  # other formats carry no order: canonicalise, keep values
            csr.sum_duplicates()
        problem = canonical_problem(csr.indptr, csr.indices)
        if problem:
            raise TopogenError(
                f"{name} is not canonical: {problem}; build the Topology with "
                "Topology.from_structure(...) to canonicalise it"
            )
        data = np.asarray(csr.data)
    else:
        arr = np.asarray(layer)
        if arr.ndim != 2:
            raise TopogenError(f"{name} must be a 2-D 0/1 matrix, got shape {arr.shape}")
        if arr.dtype == object or not (
            arr.dtype == bool or np.issubdtype(arr.dtype, np.number)
        ):
            raise TopogenError(f"{name} must hold 0/1 numbers or booleans, got dtype {arr.dtype}")
        bad = (arr != 0) & (arr != 1)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise TopogenError(
                f"{name} must be a 0/1 matrix, got {arr[r, c]!r} at ({r}, {c}); use "
                "Topology.from_structure(...) to keep the nonzero pattern of a weight matrix"
            )
        return freeze(sp.csr_array(arr.astype(bool)))
    if data.dtype != bool:
        if data.dtype == object or not np.issubdtype(data.dtype, np.number):
            raise TopogenError(f"{name} must hold 0/1 numbers or booleans, got dtype {data.dtype}")
        if np.any(data == 0):
            raise TopogenError(
                f"{name} is not canonical: it stores explicit zeros; call .eliminate_zeros() "
                "or use Topology.from_structure(...)"
            )
        if np.any(data != 1):
            value = data[data != 1][0]
            raise TopogenError(
                f"{name} must be a 0/1 matrix, got a stored value {value!r}; use "
                "Topology.from_structure(...) to keep the nonzero pattern of a weight matrix"
            )
    elif not data.all():
        raise TopogenError(
            f"{name} is not canonical: it stores explicit False entries; call "
            ".eliminate_zeros() or use Topology.from_structure(...)"
        )
    csr = sp.csr_array(
        (np.ones(csr.nnz, dtype=bool), csr.indices.copy(), csr.indptr.copy()), shape=csr.shape
    )
    csr.has_canonical_format = True
    return freeze(csr)


class Topology:
    """A feed-forward layered graph: widths ``n_0..n_L`` and ``L`` boolean CSR layers.

    Parameters
    ----------
    layers : sequence of 2-D 0/1 matrices
        Layer ``i`` has shape ``(n_i, n_{i+1})``; row = source neuron, column = target.
        Sparse inputs must be canonical (sorted indices, no duplicates, no stored zeros) and
        hold only ones; dense inputs must hold only 0/1.  Use :meth:`from_structure` to take
        the nonzero pattern of arbitrary weight matrices instead.
    meta : mapping, optional
        JSON-able record of how the topology was made (generator, parameters, seed, version).
        It survives save/load and is ignored by ``==``.

    Raises
    ------
    TopogenError
        If there are no layers, shapes of consecutive layers do not chain, or a layer is not a
        canonical 0/1 matrix.

    Examples
    --------
    >>> t = Topology([np.eye(2), np.ones((2, 3))])
    >>> t
    Topology(widths=(2, 2, 3), nnz=8, density=0.8)
    >>> t.layers[1].shape, t.depth, t.nnz
    ((2, 3), 2, 8)
    """

    __slots__ = ("_cache", "_hash", "_layers", "_meta", "_widths")

    def __init__(self, layers: Sequence, meta: Mapping | None = None):
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
            raise TopogenError(
                f"layers must be a sequence of 2-D 0/1 matrices, got {type(layers).__name__}"
            )
        if len(layers) == 0:
            raise TopogenError("layers must hold at least one layer, got an empty sequence")
        frozen = tuple(_as_layer(i, layer) for i, layer in enumerate(layers))
        self._init(frozen, meta)

    def _init(self, layers: tuple, meta) -> None:
        for i, layer in enumerate(layers):
            if 0 in layer.shape:
                raise TopogenError(
                    f"layers[{i}] has shape {layer.shape}: every width must be at least 1"
                )
            freeze(layer)  # no-op for generators' layers; re-freezes unpickled ones
        for i in range(1, len(layers)):
            if layers[i - 1].shape[1] != layers[i].shape[0]:
                raise TopogenError(
                    f"layers[{i - 1}] has shape {layers[i - 1].shape} but layers[{i}] has shape "
                    f"{layers[i].shape}: layer i must have shape (n_i, n_(i+1)), so "
                    f"layers[{i}] needs {layers[i - 1].shape[1]} rows"
                )
        meta = check_meta(meta)
        self._layers = layers
        self._widths = (layers[0].shape[0], *(layer.shape[1] for layer in layers))
        self._meta = meta
        self._hash = None
        self._cache = {}  # derived values (immutable, so computed once): see _cached

    @classmethod
    def from_structure(cls, layers: Sequence, meta: Mapping | None = None) -> Topology:
        """A Topology from the nonzero pattern of arbitrary (weight) matrices.

        Duplicates are summed, explicit zeros dropped and indices sorted first, so any
        SciPy sparse matrix or dense array works; an edge is wherever the value is nonzero.

        Parameters
        ----------
        layers : sequence of 2-D arrays or SciPy sparse matrices
            Weight matrices, row = source neuron, column = target; consecutive shapes must
            chain (columns of layer ``i`` = rows of layer ``i + 1``).
        meta : mapping, optional
            JSON-able metadata (see :func:`check_meta`).

        Returns
        -------
        Topology

        Raises
        ------
        TopogenError
            If ``layers`` is empty, not a sequence, holds something that is not a 2-D
            matrix, or the shapes do not chain.

        Examples
        --------
        >>> Topology.from_structure([np.array([[0.5, 0.0], [0.0, -2.0]])]).nnz
        2
        """
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
            raise TopogenError("layers must be a non-empty sequence of 2-D matrices")
        out = []
        for i, layer in enumerate(layers):
            try:
                csr = sp.csr_array(layer, dtype=None, copy=True)
            except (TypeError, ValueError) as exc:
                raise TopogenError(f"layers[{i}] cannot be read as a 2-D matrix: {exc}") from None
            if csr.ndim != 2:
                raise TopogenError(f"layers[{i}] must be 2-D, got shape {csr.shape}")
            csr.sum_duplicates()
            csr.eliminate_zeros()
            out.append(csr_from_parts(csr.shape, csr.indptr, csr.indices))
        return trusted(out, meta)

    # ------------------------------------------------------------------ properties
    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths ``(n_0, ..., n_L)``."""
        return self._widths

    @property
    def layers(self) -> tuple[sp.csr_array, ...]:
        """The ``L`` layers, read-only canonical boolean ``csr_array`` of shape (n_i, n_i+1)."""
        return self._layers

    @property
    def meta(self) -> dict:
        """A copy of the record of how this topology was made (changing it changes nothing)."""
        return copy.deepcopy(self._meta)

    @property
    def depth(self) -> int:
        """Number of layers ``L``."""
        return len(self._layers)

    def _cached(self, key: str, compute):
        """``compute()`` once per topology (it is immutable), then the stored value."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    @property
    def layer_nnz(self) -> tuple[int, ...]:
        """Edges in each layer."""
        return self._cached("layer_nnz", lambda: tuple(int(m.nnz) for m in self._layers))

    @property
    def nnz(self) -> int:
        """Total number of edges."""
        return self._cached("nnz", lambda: sum(self.layer_nnz))

    @property
    def layer_density(self) -> tuple[float, ...]:
        """Edges of each layer over ``n_i * n_(i+1)``."""
        w = self._widths
        return self._cached("layer_density", lambda: tuple(
            nnz / (w[i] * w[i + 1]) for i, nnz in enumerate(self.layer_nnz)))

    @property
    def density(self) -> float:
        """All edges over all possible edges ``sum(n_i * n_(i+1))`` (a dense net has 1.0)."""
        w = self._widths
        return self._cached("density", lambda: self.nnz / sum(
            w[i] * w[i + 1] for i in range(self.depth)))

    @property
    def distinct_layers(self) -> tuple[sp.csr_array, ...]:
        """Each different layer once, in order of first position (see :attr:`layer_index`).

        Deep generated networks repeat a few layers many times (a RadiX-Net of 1920 layers
        has 12 different ones); analyses that depend on one layer at a time work on these.

        >>> import topogen
        >>> t = topogen.extended_mixed_radix([[2, 2]] * 3)
        >>> len(t.distinct_layers), t.layer_index
        (2, (0, 1, 0, 1, 0, 1))
        """
        return self._distinct()[0]

    @property
    def layer_index(self) -> tuple[int, ...]:
        """For every layer position, its index in :attr:`distinct_layers`.

        Layers are the same when they are the same object or have equal shape and entries
        (so repeats are found also after loading from a file, where nothing is shared):
        ``layers[i]`` equals ``distinct_layers[layer_index[i]]``.
        """
        return self._distinct()[1]

    def _distinct(self):
        return self._cached("distinct", lambda: find_distinct(self._layers))

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other) -> bool:
        if not isinstance(other, Topology):
            return NotImplemented
        if self._widths != other._widths:
            return False
        return all(
            a is b
            or (np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices))
            for a, b in zip(self._layers, other._layers)
        )

    def __hash__(self) -> int:
        if self._hash is None:
            parts = [hash(self._widths)]
            for layer in self._layers:
                parts.append(hash(layer.indptr.astype(np.int64).tobytes()))
                parts.append(hash(layer.indices.astype(np.int64).tobytes()))
            self._hash = hash(tuple(parts))
        return self._hash

    def __repr__(self) -> str:
        w = self._widths
        shown = str(w) if len(w) <= 8 else f"({w[0]}, {w[1]}, ..., {w[-1]}; {len(w)} widths)"
        text = f"Topology(widths={shown}, nnz={self.nnz}, density={self.density:.4g}"
        gen = self._meta.get("generator")
        if gen:
            text += f", generator={gen!r}"
        return text + ")"

    def __len__(self) -> int:
        return self.depth

    def __reduce__(self):
        return (trusted, (self._layers, self._meta))

    # ------------------------------------------------------------------ composition
    def with_meta(self, **updates) -> Topology:
        """The same layers with ``meta`` updated (layers are shared, not copied).

        Parameters
        ----------
        **updates
            Keys to set in (a copy of) :attr:`meta`; values must be JSON-able.

        Returns
        -------
        Topology
        """
        meta = self.meta
        meta.update(updates)
        return trusted(self._layers, meta)

    def kron(self, multipliers: Sequence[int] | None = None, *,
             max_edges: int = DEFAULT_MAX_EDGES, widths: Sequence[int] | None = None) -> Topology:
        """Widen every layer by a Kronecker product with a dense net: the ``multipliers``.

        Layer ``i`` becomes ``kron(ones((B_i, B_(i+1))), W_i)``, ``B`` as in ``radix_net``:
        neuron ``b * n_i + r`` is copy ``b`` of ``r`` (Robinett & Kepner 2019, eq. 3).

        Parameters
        ----------
        multipliers : sequence of int
            ``B_0 .. B_depth``, one per width of this topology, each at least 1 (the widths
            of the result are ``B_i * n_i``).  ``widths=`` is its deprecated name.
        max_edges : int, default DEFAULT_MAX_EDGES
            Cap on what is built (each distinct widened layer once, see
            :func:`topogen._checks.check_max_edges`).

        Returns
        -------
        Topology
            With ``meta`` ``{"generator": "kron", "params": {"multipliers": ...}, ...}``.

        Raises
        ------
        TopogenError
            If ``multipliers`` has the wrong length or entries below 1, or the result would
            exceed ``max_edges``.

        Examples
        --------
        >>> t = Topology([np.eye(2, dtype=bool)]).kron([1, 3])
        >>> t.widths, t.nnz
        ((2, 6), 6)
        """
        from ._checks import renamed
        multipliers = renamed(multipliers, widths, "Topology.kron", "multipliers", "widths")
        widths = check_widths("multipliers", multipliers, length=self.depth + 1)
        keys = {(self.layer_index[i], widths[i], widths[i + 1]) for i in range(self.depth)}
        d = self.distinct_layers
        check_max_edges(
            sum(a * b * d[k].nnz for k, a, b in keys), max_edges, "Topology.kron",
            neurons=sum(a * d[k].shape[0] + b * d[k].shape[1] for k, a, b in keys))
        cache: dict = {}
        layers = []
        for i, layer in enumerate(self._layers):
            key = (self.layer_index[i], widths[i], widths[i + 1])
            if key not in cache:
                cache[key] = kron_ones(widths[i], widths[i + 1], layer)
            layers.append(cache[key])
        meta = {"generator": "kron", "params": {"multipliers": list(widths)}, "base": self._meta}
        return trusted(layers, meta)

    def stack(self, *others: Topology) -> Topology:
        """Append the layers of ``others`` after this one's (boundary widths must agree).

        Parameters
        ----------
        *others : Topology
            Appended in order; each must start with the width the network so far ends with.

        Returns
        -------
        Topology
            With ``meta`` ``{"generator": "stack", "parts": [...]}`` (every part's meta).

        Raises
        ------
        TopogenError
            If an argument is not a Topology or the boundary widths differ.

        Examples
        --------
        >>> a = Topology([np.ones((2, 3))]); b = Topology([np.ones((3, 1))])
        >>> a.stack(b).widths
        (2, 3, 1)
        """
        layers = list(self._layers)
        metas = [self._meta]
        for k, other in enumerate(others):
            if not isinstance(other, Topology):
                raise TopogenError(f"others[{k}] must be a Topology, got {type(other).__name__}")
            if other.widths[0] != layers[-1].shape[1]:
                raise TopogenError(
                    f"cannot stack: the topology so far ends with width {layers[-1].shape[1]} "
                    f"but others[{k}] starts with {other.widths[0]}; they must agree"
                )
            layers.extend(other._layers)
            metas.append(other._meta)
        return trusted(layers, {"generator": "stack", "parts": metas})

    def __rshift__(self, other: Topology) -> Topology:
        """``a >> b`` is ``a.stack(b)``."""
        if not isinstance(other, Topology):
            return NotImplemented
        return self.stack(other)

    def slice(self, start: int, stop: int | None = None) -> Topology:
        """The sub-network of layers ``start..stop-1`` (Python slice semantics, non-empty).

        Parameters
        ----------
        start : int
            First layer (negative counts from the end).
        stop : int or None, default None
            One past the last layer (``None``: to the end).

        Returns
        -------
        Topology
            Sharing this topology's layer arrays.

        Raises
        ------
        TopogenError
            If the slice selects no layer.

        Examples
        --------
        >>> t = Topology([np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 1))])
        >>> t.slice(1).widths, t.slice(0, -1).widths
        ((3, 4, 1), (2, 3, 4))
        """
        layers = self._layers[start:stop]
        if not layers:
            raise TopogenError(
                f"slice({start}, {stop}) selects no layer of a depth-{self.depth} topology"
            )
        return trusted(layers, {"generator": "slice", "params": {
            "start": start, "stop": stop}, "base": self._meta})

    def permute(self, perms: Sequence) -> Topology:
        """Relabel the neurons of every layer of widths.

        ``perms[i]`` is a permutation of ``range(n_i)``: neuron ``k`` of the new layer ``i`` is
        neuron ``perms[i][k]`` of the old one, so new ``W_i = W_i[perms[i]][:, perms[i+1]]``.
        Path counts are permuted the same way; degrees and density are unchanged.

        Parameters
        ----------
        perms : sequence of array_like of int
            One permutation per width (``depth + 1`` of them), ``perms[i]`` of ``range(n_i)``.

        Returns
        -------
        Topology

        Raises
        ------
        TopogenError
            If the number of permutations is not ``depth + 1`` or one is not a permutation
            of ``range(n_i)``.

        Examples
        --------
        >>> t = Topology([np.array([[1, 0], [1, 1]])])
        >>> t.permute([[1, 0], [0, 1]]).layers[0].toarray().astype(int)
        array([[1, 1],
               [1, 0]])
        """
        if len(perms) != self.depth + 1:
            raise TopogenError(
                f"perms must hold one permutation per width ({self.depth + 1}), got {len(perms)}"
            )
        checked = []
        for i, (perm, n) in enumerate(zip(perms, self._widths)):
            p = np.asarray(perm)
            if p.shape != (n,) or not np.issubdtype(p.dtype, np.integer) or not np.array_equal(
                np.sort(p), np.arange(n)
            ):
                raise TopogenError(f"perms[{i}] must be a permutation of range({n})")
            checked.append(p)
        layers = []
        for i, layer in enumerate(self._layers):
            out = layer[checked[i]][:, checked[i + 1]]
            out = sp.csr_array(out)
            out.sort_indices()
            layers.append(csr_from_parts(out.shape, out.indptr, out.indices))
        return trusted(layers, {"generator": "permute", "base": self._meta})

    # ------------------------------------------------------------------ conversion
    def to_networkx(self, *, max_items: int = MAX_NETWORKX_ITEMS):
        """A layered :class:`networkx.DiGraph`.

        Nodes are ``(layer, index)`` with node attribute ``layer``; edges go from
        ``(i, row)`` to ``(i + 1, column)`` of layer ``i``.  Meant for small topologies:
        refused (TopogenError) when ``nodes + edges`` exceeds ``max_items`` (default
        :data:`MAX_NETWORKX_ITEMS`).

        Parameters
        ----------
        max_items : int, default MAX_NETWORKX_ITEMS
            Largest ``nodes + edges`` built (networkx needs a few hundred bytes per item).

        Returns
        -------
        networkx.DiGraph
            With graph attributes ``widths`` and ``meta``.

        Raises
        ------
        TopogenError
            If the graph would have more than ``max_items`` nodes and edges.

        Examples
        --------
        >>> G = Topology([np.ones((2, 2))]).to_networkx()
        >>> G.number_of_nodes(), G.number_of_edges(), G.nodes[(1, 0)]["layer"]
        (4, 4, 1)
        """
        G = layered_digraph(self._widths, self._layers, max_items=max_items)
        G.graph.update(widths=self._widths, meta=self.meta)
        return G

    def to_dense(self, dtype=bool, *, max_entries: int = DEFAULT_MAX_EDGES) -> list[np.ndarray]:
        """Each layer as a dense NumPy array (for small topologies).

        Parameters
        ----------
        dtype : numpy dtype
            Of the arrays.
        max_entries : int
            Refuse (TopogenError) before allocating more than this many entries in all;
            repeated layers are separate arrays here, so every position counts.

        Returns
        -------
        list of numpy.ndarray

        Examples
        --------
        >>> Topology([np.eye(2)]).to_dense(int)[0].tolist()
        [[1, 0], [0, 1]]
        """
        max_entries = check_int("max_entries", max_entries, minimum=1)
        w = self._widths
        cells = sum(w[i] * w[i + 1] for i in range(self.depth))
        if cells > max_entries:
            mib = cells * np.dtype(dtype).itemsize / 2**20
            raise TopogenError(
                f"to_dense would allocate {cells:,} entries ({mib:,.0f} "
                f"MiB), above max_entries={max_entries:,}; pass a larger max_entries= if you "
                "have the memory, or use the sparse layers"
            )
        return [layer.toarray().astype(dtype) for layer in self._layers]


def trusted(layers: Sequence[sp.csr_array], meta: Mapping | None = None) -> Topology:
    """A Topology from layers that are already frozen canonical boolean CSR (no copy, no check).

    For topogen's generators and readers, which build layers canonical by construction (the
    tests check it); not part of the public API (it is not in ``__all__``).  Layers may be
    shared between topologies and positions, as they are immutable.

    Parameters
    ----------
    layers : sequence of scipy.sparse.csr_array
        Read-only canonical boolean layers whose shapes chain.
    meta : mapping, optional
        JSON-able metadata, checked as by the constructor.

    Returns
    -------
    Topology
    """
    self = Topology.__new__(Topology)
    self._init(tuple(layers), meta)
    return self


def check_topology(name: str, value) -> Topology:
    """Return ``value`` if it is a Topology, or raise a TopogenError naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : object
        What was passed.

    Returns
    -------
    Topology
        ``value`` itself.

    Raises
    ------
    TopogenError
        If ``value`` is not a :class:`Topology`.
    """
    if not isinstance(value, Topology):
        raise TopogenError(f"{name} must be a topogen.Topology, got {type(value).__name__}")
    return value
