"""One report of everything topogen knows about a Topology: a table, a dict, JSON.

:func:`analyze` gathers the layer widths, edges and density per layer, degree regularity,
exact path counts (total, per input-output pair, symmetry, path-connectedness) and,
optionally, the spectral gap of every layer against its Ramanujan bound, into a
:class:`Report`.  ``topogen info FILE`` prints ``Report.table()`` (or ``--json``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np

from .._checks import TopogenError
from .._progress import Progress
from ..topology import Topology, check_topology
from .degrees import degrees
from .paths import path_count_summary

__all__ = ["EXACT_SYMMETRY_ENTRIES", "LayerReport", "Report", "analyze"]

#: Largest path matrix (``n_0 * max width`` entries) whose symmetry :func:`analyze` decides
#: by computing it exactly; beyond, Freivalds' randomized test (see
#: :func:`topogen.analysis.is_symmetric`), which never rejects a symmetric network and errs
#: on an asymmetric one with probability below 1e-20, in a fraction of the time (a 120-layer,
#: 1024-neuron Graph Challenge network: under a second instead of a minute).
EXACT_SYMMETRY_ENTRIES = 2**16


@dataclass(frozen=True)
class LayerReport:
    """What :func:`analyze` found about one layer.

    Attributes
    ----------
    index : int
        Layer number ``i`` (maps width ``n_i`` to ``n_(i+1)``).
    shape : tuple of int
        ``(n_i, n_(i+1))``.
    nnz : int
        Edges.
    density : float
        ``nnz / (n_i * n_(i+1))``.
    out_degree, in_degree : tuple of int
        ``(min, max)`` out-degree of the sources and in-degree of the targets.
    regular : bool
        Constant out-degree and constant in-degree (biregular).
    spectral : dict or None
        ``SpectralGap.as_dict()`` of the layer (``lambda1``, ``lambda2``, ``gap``,
        ``ramanujan_bound``, ``is_ramanujan``, ...), or None if not computed.
    """

    index: int
    shape: tuple
    nnz: int
    density: float
    out_degree: tuple
    in_degree: tuple
    regular: bool
    spectral: dict | None = None

    def as_dict(self) -> dict:
        """The layer report as a JSON-able dict."""
        return {
            "index": self.index,
            "shape": list(self.shape),
            "nnz": self.nnz,
            "density": self.density,
            "out_degree": list(self.out_degree),
            "in_degree": list(self.in_degree),
            "regular": self.regular,
            "spectral": self.spectral,
        }


@dataclass(frozen=True)
class Report:
    """The analysis of one Topology (see :func:`analyze`).

    Attributes
    ----------
    widths : tuple of int
    depth : int
    nnz : int
    density : float
    regular : bool
        Every layer biregular.
    paths : dict
        :func:`topogen.analysis.path_count_summary`: ``total`` (exact int), ``per_pair``
        (exact int when symmetric, else the mean as a float), ``symmetric`` (exact up to
        :data:`EXACT_SYMMETRY_ENTRIES`, randomized beyond), ``path_connected``.
    layers : tuple of LayerReport
    generator : str or None
        ``meta["generator"]`` of the topology.
    spectral_note : str or None
        Why there is no spectral data, when there is none.
    """

    widths: tuple
    depth: int
    nnz: int
    density: float
    regular: bool
    paths: dict
    layers: tuple
    generator: str | None = None
    spectral_note: str | None = None
    meta: dict = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        """Everything as a JSON-able dict (path counts stay exact Python ints)."""
        return {
            "widths": list(self.widths),
            "depth": self.depth,
            "nnz": self.nnz,
            "density": self.density,
            "regular": self.regular,
            "paths": dict(self.paths),
            "layers": [layer.as_dict() for layer in self.layers],
            "generator": self.generator,
            "spectral_note": self.spectral_note,
            "meta": self.meta,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`as_dict` as a JSON string."""
        return json.dumps(self.as_dict(), indent=indent)

    def table(self) -> str:
        """A plain-text summary followed by one row per layer.

        Columns: layer, shape, edges, density, out- and in-degree (``min`` or
        ``min-max``), regular, and where computed the top singular value ``lambda1``, the
        largest non-trivial one ``lambda2``, the Ramanujan bound and whether ``lambda2`` is
        within it.
        """
        p = self.paths
        head = [
            f"topology   {self.generator or '(unnamed)'}",
            f"widths     {_fmt_widths(self.widths)}",
            f"edges      {self.nnz:,} in {self.depth} layers, density {self.density:.4g}",
            f"regular    {'yes' if self.regular else 'no'} (every layer biregular)",
            f"paths      {_fmt_count(p['total'])} in total, "
            + (
                f"exactly {_fmt_count(p['per_pair'])} per input-output pair (symmetric)"
                if p["symmetric"]
                else f"{_fmt_count(p['per_pair'])} per pair on average (not symmetric)"
            ),
            "connected  " + ("yes (every input reaches every output)" if p["path_connected"]
                             else "no (some input does not reach some output)"),
        ]
        cols = ["layer", "shape", "edges", "density", "out-deg", "in-deg", "regular"]
        spectral = any(layer.spectral for layer in self.layers)
        if spectral:
            cols += ["lambda1", "lambda2", "bound", "ramanujan"]
        rows = [cols]
        for layer in self.layers:
            row = [
                str(layer.index),
                f"{layer.shape[0]}x{layer.shape[1]}",
                f"{layer.nnz:,}",
                f"{layer.density:.4g}",
                _fmt_range(layer.out_degree),
                _fmt_range(layer.in_degree),
                "yes" if layer.regular else "no",
            ]
            if spectral:
                row += _spectral_cells(layer.spectral)
            rows.append(row)
        text = "\n".join(head) + "\n\n" + format_rows(rows)
        if self.spectral_note:
            text += f"\n({self.spectral_note})"
        return text

    def __str__(self) -> str:
        return self.table()


def format_rows(rows: list[list[str]]) -> str:
    """Left-align the first column, right-align the others, two spaces between columns.

    >>> print(format_rows([["name", "n"], ["ab", "10"]]))
    name   n
    ----  --
    ab    10
    """
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]

    def line(row):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def _fmt_widths(widths) -> str:
    if len(widths) <= 12:
        return " -> ".join(str(w) for w in widths)
    return f"{widths[0]} -> {widths[1]} -> ... -> {widths[-1]} ({len(widths)} widths)"


def _fmt_count(value) -> str:
    """Exact below 10**15, otherwise a readable power of ten (the JSON keeps it exact)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    value = int(value)
    if abs(value) < 10**15:
        return f"{value:,}"
    exponent = len(str(abs(value))) - 1
    mantissa = value / 10**exponent if exponent < 300 else int(str(value)[:4]) / 1000
    return f"{mantissa:.3f}e{exponent}"


def _fmt_range(pair) -> str:
    lo, hi = pair
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _fmt_float(value) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else (
        f"{value:.4g}"
    )


def _spectral_cells(spec: dict | None) -> list[str]:
    if not spec:
        return ["-", "-", "-", "-"]
    ram = spec.get("is_ramanujan")
    return [
        _fmt_float(spec.get("lambda1")),
        _fmt_float(spec.get("lambda2")),
        _fmt_float(spec.get("ramanujan_bound")),
        "-" if ram is None else ("yes" if ram else "no"),
    ]


def _layer_key(layer) -> tuple:
    """Identifies a layer by content, so that repeated layers (also after loading from a
    file, where they are no longer shared objects) are analysed once."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(layer.indptr, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(layer.indices, dtype=np.int64).tobytes())
    return (layer.shape, digest.hexdigest())


def _layer_spectra(topology: Topology, progress: bool | None, method: str
                   ) -> tuple[list, str | None]:
    """``SpectralGap.as_dict()`` of every layer (shared layers computed once), or a note."""
    try:
        from .spectral import spectral_gap
    except ImportError as exc:  # the spectral module is optional during development
        return [None] * topology.depth, f"spectral analysis unavailable: {exc}"
    cache: dict = {}
    out = []
    with Progress(topology.depth, "spectra", enabled=progress) as bar:
        for layer in topology.layers:
            key = _layer_key(layer)
            if key not in cache:
                cache[key] = spectral_gap(layer, method=method).as_dict()
            out.append(cache[key])
            bar.update()
    return out, None


def analyze(
    topology: Topology,
    *,
    spectral: bool = True,
    method: str = "auto",
    progress: bool | None = False,
) -> Report:
    """Analyse a topology: sizes, densities, degrees, exact path counts and spectra.

    Parameters
    ----------
    topology : Topology
    spectral : bool
        Also compute every layer's spectral gap and Ramanujan bound
        (:func:`topogen.analysis.spectral_gap`); a layer that occurs several times (as in
        RadiX-Nets) is computed once.  The slowest part on large networks.
    method : {"auto", "dense", "sparse"}
        How the spectra are computed (see :func:`topogen.analysis.spectral_gap`); "sparse"
        (two leading singular values by an iterative solver) is much faster on wide layers.
    progress : bool or None
        Show a progress bar over the layers' spectra on stderr (None: if it is a terminal).

    Returns
    -------
    Report
        With ``.table()`` (text), ``.as_dict()`` and ``.to_json()``.

    Raises
    ------
    TopogenError
        If ``topology`` is not a Topology.

    Examples
    --------
    >>> import topogen
    >>> r = analyze(topogen.radix_net([[2, 2]], [1, 2, 1]), spectral=False)
    >>> r.widths, r.nnz, r.regular, r.paths["per_pair"], r.paths["symmetric"]
    ((4, 8, 4), 32, True, 2, True)
    >>> print(r.table().splitlines()[1])
    widths     4 -> 8 -> 4

    References
    ----------
    Robinett & Kepner, *RadiX-Net*, arXiv:1905.00416, Theorem 1 (path symmetry); Lubotzky,
    Phillips & Sarnak, *Ramanujan graphs*, Combinatorica 8 (1988) (the bound).
    """
    check_topology("topology", topology)
    if not isinstance(spectral, bool):
        raise TopogenError(f"spectral must be True or False, got {spectral!r}")
    degs = degrees(topology)
    if spectral:
        spectra, note = _layer_spectra(topology, progress, method)
    else:
        spectra, note = [None] * topology.depth, None
    layers = tuple(
        LayerReport(
            index=i,
            shape=tuple(int(s) for s in layer.shape),
            nnz=int(layer.nnz),
            density=float(topology.layer_density[i]),
            out_degree=(int(d.out_degree.min()), int(d.out_degree.max())),
            in_degree=(int(d.in_degree.min()), int(d.in_degree.max())),
            regular=d.regular,
            spectral=spectra[i],
        )
        for i, (layer, d) in enumerate(zip(topology.layers, degs))
    )
    meta = topology.meta
    return Report(
        widths=topology.widths,
        depth=topology.depth,
        nnz=topology.nnz,
        density=float(topology.density),
        regular=all(layer.regular for layer in layers),
        paths=path_count_summary(topology, max_entries=EXACT_SYMMETRY_ENTRIES),
        layers=layers,
        generator=meta.get("generator"),
        spectral_note=note,
        meta=meta,
    )
