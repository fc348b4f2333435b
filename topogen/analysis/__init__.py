"""Analysis of a Topology: degrees, exact path counts, symmetry, spectra, one report.

Every function takes a :class:`topogen.Topology` (spectral ones also a single layer or an
undirected adjacency) and returns plain Python / NumPy values.  The spectral module (which
loads ``scipy.sparse.linalg``) is imported on first use.
"""

from __future__ import annotations

import importlib

from .degrees import LayerDegrees, degrees, density, is_regular
from .paths import (
    MAX_PATH_MATRIX_ENTRIES,
    is_path_connected,
    is_symmetric,
    path_count_summary,
    path_counts,
)

_LAZY = {
    "spectrum": "topogen.analysis.spectral",
    "spectral_gap": "topogen.analysis.spectral",
    "ramanujan_bound": "topogen.analysis.spectral",
    "analyze": "topogen.analysis.report",
    "Report": "topogen.analysis.report",
}

__all__ = [
    "MAX_PATH_MATRIX_ENTRIES",
    "LayerDegrees",
    "degrees",
    "density",
    "is_path_connected",
    "is_regular",
    "is_symmetric",
    "path_count_summary",
    "path_counts",
    *sorted(_LAZY),
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'topogen.analysis' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
