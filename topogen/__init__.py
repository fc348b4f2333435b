"""topogen: sparse neural-network topologies from graph theory.

Generators (RadiX-Nets, X-Nets, explicit expanders, LPS Ramanujan graphs, baselines) return an
immutable :class:`Topology`; ``topogen.analysis`` proves its properties, ``topogen.export``
hands it to NumPy, SciPy, PyTorch, JAX, TensorFlow or files, ``topogen.plot`` draws it and
``topogen.verify`` trains it.  Only NumPy and SciPy are imported by ``import topogen``; every
other name below is imported on first use.

>>> import topogen
>>> net = topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1])
>>> net.widths
(4, 8, 8, 4)
"""

from __future__ import annotations

from ._checks import TopogenError
from ._lazy import attach
from ._version import __version__
from .topology import Topology

# public name -> module that defines it; imported lazily on first attribute access
_LAZY = {
    # generators
    "mixed_radix": "topogen.generators.radix",
    "extended_mixed_radix": "topogen.generators.radix",
    "radix_net": "topogen.generators.radix",
    "fit_radix_net": "topogen.generators.fit",
    "x_net": "topogen.generators.expanders",
    "margulis_gabber_galil": "topogen.generators.expanders",
    "paley": "topogen.generators.expanders",
    "chordal_cycle": "topogen.generators.expanders",
    "from_graph": "topogen.generators.expanders",
    "lps": "topogen.generators.ramanujan",
    "bipartite_ramanujan": "topogen.generators.ramanujan",
    "ramanujan_net": "topogen.generators.ramanujan",
    "dense": "topogen.generators.baselines",
    "erdos_renyi": "topogen.generators.baselines",
    "erk": "topogen.generators.baselines",
    "butterfly": "topogen.generators.baselines",
    "random_regular": "topogen.generators.baselines",
    "graph_challenge": "topogen.generators.challenge",
    # files
    "save": "topogen.export.files",
    "load": "topogen.export.files",
}
_SUBMODULES = frozenset({"analysis", "challenge", "export", "families", "generators", "plot",
                         "verify", "cli"})

__all__ = ["TopogenError", "Topology", "__version__", *sorted(_LAZY)]

__getattr__, __dir__ = attach("topogen", _LAZY, globals(), _SUBMODULES)
