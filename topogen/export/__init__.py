"""Export a Topology to NumPy, SciPy, DLPack, PyTorch, JAX, TensorFlow and files.

In memory (:mod:`topogen.export.arrays`, :mod:`topogen.export.frameworks`) every layer
comes out in the idiom of its consumer, with no edge lost or moved; on disk
(:mod:`topogen.export.files`, :mod:`topogen.export.stream`) topologies are written
atomically and read back with validation.  Frameworks (torch, jax, tensorflow) are imported
only inside the functions that use them; every name here is imported on first use.

>>> import topogen
>>> from topogen.export import to_numpy_masks
>>> [m.shape for m in to_numpy_masks(topogen.radix_net([[2, 2]], [1, 1, 1]))]
[(4, 4), (4, 4)]
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    # arrays
    "to_numpy_masks": "topogen.export.arrays",
    "to_scipy": "topogen.export.arrays",
    "to_dlpack": "topogen.export.arrays",
    "block_permutations": "topogen.export.arrays",
    "block_structure": "topogen.export.arrays",
    "BlockStructure": "topogen.export.arrays",
    "to_bsr": "topogen.export.arrays",
    # frameworks
    "to_torch_masks": "topogen.export.frameworks",
    "apply_to_torch": "topogen.export.frameworks",
    "to_torch_sparse": "topogen.export.frameworks",
    "to_torch_sparse_linear": "topogen.export.frameworks",
    "to_jax_bcoo": "topogen.export.frameworks",
    "to_tf_sparse": "topogen.export.frameworks",
    # files
    "save": "topogen.export.files",
    "load": "topogen.export.files",
    "save_npz": "topogen.export.files",
    "load_npz": "topogen.export.files",
    "write_mtx": "topogen.export.files",
    "read_mtx": "topogen.export.files",
    "write_graph_challenge": "topogen.export.files",
    "read_graph_challenge": "topogen.export.files",
    "write_graphml": "topogen.export.files",
    "read_graphml": "topogen.export.files",
    "write_edgelist": "topogen.export.files",
    "read_edgelist": "topogen.export.files",
    # streaming
    "stream_graph_challenge": "topogen.export.stream",
    "stream_npz": "topogen.export.stream",
    "stream_layers": "topogen.export.stream",
    "radix_net_layers": "topogen.export.stream",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = attach("topogen.export", _LAZY, globals())
