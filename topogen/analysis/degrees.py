"""Degrees and regularity of every layer, and density.

A RadiX-Net layer of radix ``N_k`` widened by ``B_i, B_(i+1)`` has every out-degree equal to
``N_k * B_(i+1)`` and every in-degree ``N_k * B_i`` (Robinett & Kepner 2019, Sec. III).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..topology import Topology, check_topology

__all__ = ["LayerDegrees", "degrees", "density", "is_regular", "layer_degrees"]


@dataclass(frozen=True)
class LayerDegrees:
    """Degrees of one layer.

    Attributes
    ----------
    out_degree : numpy.ndarray
        Out-degree of every source neuron (row sums), length ``n_i``.
    in_degree : numpy.ndarray
        In-degree of every target neuron (column sums), length ``n_(i+1)``.
    """

    out_degree: np.ndarray
    in_degree: np.ndarray

    @property
    def out_regular(self) -> bool:
        """Whether every source neuron has the same out-degree."""
        return bool(self.out_degree.min() == self.out_degree.max())

    @property
    def in_regular(self) -> bool:
        """Whether every target neuron has the same in-degree."""
        return bool(self.in_degree.min() == self.in_degree.max())

    @property
    def regular(self) -> bool:
        """Biregular: constant out-degree and constant in-degree."""
        return self.out_regular and self.in_regular

    def as_dict(self) -> dict:
        """Summary numbers (min/max degrees and regularity) as a JSON-able dict.

        Returns
        -------
        dict
            ``out_degree`` and ``in_degree`` as ``[min, max]``, and ``regular``.
        """
        return {
            "out_degree": [int(self.out_degree.min()), int(self.out_degree.max())],
            "in_degree": [int(self.in_degree.min()), int(self.in_degree.max())],
            "regular": self.regular,
        }


def degrees(topology: Topology) -> list[LayerDegrees]:
    """In- and out-degree arrays of every layer, and whether each layer is regular.

    Parameters
    ----------
    topology : Topology

    Returns
    -------
    list of LayerDegrees
        One per layer, with ``out_degree``, ``in_degree``, ``out_regular``, ``in_regular``
        and ``regular``.  Computed once per distinct layer (:attr:`Topology.layer_index`):
        positions holding the same layer share one read-only LayerDegrees.

    Examples
    --------
    >>> import topogen
    >>> d = degrees(topogen.radix_net([[2, 2]], [1, 3, 1]))
    >>> d[0].out_degree[:3].tolist(), d[0].in_degree[:3].tolist(), d[0].regular
    ([6, 6, 6], [2, 2, 2], True)
    """
    check_topology("topology", topology)
    distinct = [layer_degrees(layer) for layer in topology.distinct_layers]
    return [distinct[k] for k in topology.layer_index]


def layer_degrees(layer) -> LayerDegrees:
    """Degrees of one layer, as read-only arrays (repeated layers share one LayerDegrees).

    Parameters
    ----------
    layer : scipy.sparse.csr_array
        A canonical layer, such as ``Topology.layers[i]``.

    Returns
    -------
    LayerDegrees

    Examples
    --------
    >>> import topogen
    >>> layer_degrees(topogen.mixed_radix([3, 2]).layers[0]).in_degree.tolist()
    [3, 3, 3, 3, 3, 3]
    """
    out_deg = np.diff(layer.indptr).astype(np.int64)
    in_deg = np.bincount(layer.indices, minlength=layer.shape[1]).astype(np.int64)
    out_deg.flags.writeable = False
    in_deg.flags.writeable = False
    return LayerDegrees(out_deg, in_deg)


def is_regular(topology: Topology) -> bool:
    """Whether every layer is biregular (constant in-degree and constant out-degree).

    Parameters
    ----------
    topology : Topology

    Returns
    -------
    bool
        Each distinct layer is checked once.

    Raises
    ------
    TopogenError
        If ``topology`` is not a Topology.

    Examples
    --------
    >>> import topogen
    >>> is_regular(topogen.mixed_radix([3, 2]))
    True
    """
    check_topology("topology", topology)
    return all(layer_degrees(layer).regular for layer in topology.distinct_layers)


def density(topology: Topology) -> float:
    """Edges over possible edges, ``nnz / sum(n_i * n_(i+1))``.

    Parameters
    ----------
    topology : Topology

    Returns
    -------
    float
        In ``[0, 1]``; the same as :attr:`Topology.density`.

    Raises
    ------
    TopogenError
        If ``topology`` is not a Topology.

    Examples
    --------
    >>> import topogen
    >>> density(topogen.mixed_radix([2, 4]))  # (2 + 4) * 8 edges of 2 * 64
    0.375
    """
    return check_topology("topology", topology).density
