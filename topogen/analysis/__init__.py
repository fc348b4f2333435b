"""Analysis of a Topology: degrees, exact path counts, symmetry, spectra, one report.

Every function takes a :class:`topogen.Topology` (spectral ones also a single layer or an
undirected adjacency) and returns plain Python / NumPy values.  The spectral module (which
loads ``scipy.sparse.linalg``) is imported on first use.
"""

from __future__ import annotations

from .._lazy import attach
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

__getattr__, __dir__ = attach("topogen.analysis", _LAZY, globals())
