"""One report of everything topogen knows about a Topology: a table, a dict, JSON.

:func:`analyze` gathers the layer widths, edges and density per layer, degree regularity,
exact path counts (total, per input-output pair, symmetry, path-connectedness) and,
optionally, the spectral gap of every layer against its Ramanujan bound, into a
:class:`Report`.  ``topogen info FILE`` prints ``Report.table()`` (or ``--json``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .._checks import TopogenError, check_int
from .._progress import Progress
from ..topology import Topology, check_topology
from .degrees import layer_degrees
from .paths import log2_int, path_count_summary

__all__ = ["DEFAULT_MAX_SPECTRA", "LayerReport", "Report", "analyze"]

#: Distinct layers whose spectra :func:`analyze` computes by default: the first half of
#: them and the rest spread evenly over the other distinct layers (the report says which).
#: A 120-layer Graph Challenge network has 120 distinct 1024-neuron layers: all spectra
#: take minutes, 8 take seconds.  ``max_spectra=None`` computes every one.
DEFAULT_MAX_SPECTRA = 8



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
        """The layer report as a JSON-able dict.

        Returns
        -------
        dict
            One key per field; the degrees as ``[min, max]``.
        """
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
        (exact int when symmetric, else the exact mean as a Fraction), ``per_pair_log2``,
        ``symmetric`` (decided as :func:`~topogen.analysis.is_symmetric` decides: exact while
        cheap, :data:`~topogen.analysis.paths.EXACT_SYMMETRY_COST`, randomized beyond),
        ``path_connected``.  In :meth:`as_dict` a Fraction mean becomes a float when one
        holds it, else None (``per_pair_log2`` is always there).
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
        """Everything as a JSON-able dict (path counts stay exact Python ints).

        Returns
        -------
        dict
            Keys ``widths``, ``depth``, ``nnz``, ``density``, ``regular``, ``paths``,
            ``layers`` (one :meth:`LayerReport.as_dict` each), ``generator``,
            ``spectral_note`` and ``meta``.
        """
        return {
            "widths": list(self.widths),
            "depth": self.depth,
            "nnz": self.nnz,
            "density": self.density,
            "regular": self.regular,
            "paths": _jsonable_paths(self.paths),
            "layers": [layer.as_dict() for layer in self.layers],
            "generator": self.generator,
            "spectral_note": self.spectral_note,
            "meta": self.meta,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`as_dict` as a JSON string.

        Parameters
        ----------
        indent : int or None, default 2
            Spaces per nesting level (``None``: one line), as in :func:`json.dumps`.

        Returns
        -------
        str
            Exact integers stay exact (path counts of any size are written as strings).

        Examples
        --------
        >>> import topogen
        >>> r = analyze(topogen.radix_net([[2]], [1, 1]), spectral=False)
        >>> json.loads(r.to_json())["nnz"]
        4
        """
        return json.dumps(self.as_dict(), indent=indent)

    def table(self) -> str:
        """A plain-text summary followed by one row per layer.

        Columns: layer, shape, edges, density, out- and in-degree (``min`` or
        ``min-max``), regular, and where computed the top singular value ``lambda1``, the
        largest non-trivial one ``lambda2``, the Ramanujan bound and whether ``lambda2`` is
        within it.

        Returns
        -------
        str
        """
        p = self.paths
        head = [
            f"topology   {self.generator or '(unnamed)'}",
            f"widths     {_fmt_widths(self.widths)}",
            f"edges      {self.nnz:,} in {self.depth} layers, density {self.density:.4g}",
            "regular    " + ("yes (every layer is biregular)" if self.regular
                                 else "no (some layer is not biregular)"),
            f"paths      {fmt_count(p['total'])} in total, "
            + (
                f"exactly {fmt_count(p['per_pair'])} per input-output pair (symmetric)"
                if p["symmetric"]
                else f"{fmt_count(p['per_pair'])} per pair on average (not symmetric)"
            ),
            "connected  "
            + ("yes (every input reaches every output)" if p["path_connected"]
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

    Parameters
    ----------
    rows : list of list of str
        The header row first, then one row per line; every row has the same length.

    Returns
    -------
    str
        The header, a rule of dashes under each column, then the rows (no trailing
        spaces, no final newline).

    Examples
    --------
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


def fmt_count(value) -> str:
    """Exact below 10**15, otherwise a readable power of ten (the JSON keeps it exact).

    Ints and Fractions of any size are formatted without a float conversion of the whole
    number (a 2000-layer network has counts near ``2**2000``, beyond any float).

    Parameters
    ----------
    value : int, Fraction, float or None
        A path count (``None`` when it was not computed).

    Returns
    -------
    str
        ``"-"`` for ``None``; ints below ``10**15`` with thousands separators; floats and
        small fractions to 4 significant digits; larger values as ``"d.ddde<exponent>"``.

    Examples
    --------
    >>> fmt_count(1234), fmt_count(3 * 10**400), fmt_count(Fraction(10**500, 3))
    ('1,234', '3.000e400', '3.333e499')
    >>> fmt_count(None), fmt_count(2.5)
    ('-', '2.5')
    """
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return fmt_count(value.numerator)
        if abs(value) < 10**15:
            return f"{float(value):.4g}"
        return _fmt_power(abs(value), "-" if value < 0 else "")
    value = int(value)
    if abs(value) < 10**15:
        return f"{value:,}"
    return _fmt_power(Fraction(abs(value)), "-" if value < 0 else "")



def _fmt_power(value: Fraction, sign: str) -> str:
    """``m.mmme<exp>`` of a positive Fraction >= 10**15, exactly (no float of the value)."""
    exponent = len(str(value.numerator // value.denominator)) - 1
    scaled = value * 1000 / Fraction(10) ** exponent  # in [1000, 10000)
    digits = round(scaled)
    if digits >= 10000:
        digits, exponent = digits // 10, exponent + 1
    return f"{sign}{digits // 1000}.{digits % 1000:03d}e{exponent}"


def _jsonable_paths(paths: dict) -> dict:
    """The path summary for JSON: a Fraction mean as a float where one holds it, else None."""
    out = dict(paths)
    mean = out.get("per_pair")
    if isinstance(mean, Fraction):
        if mean.denominator == 1:
            out["per_pair"] = mean.numerator
        elif mean == 0 or log2_int(abs(mean.numerator)) - log2_int(mean.denominator) < 1000:
            out["per_pair"] = float(mean)
        else:
            out["per_pair"] = None  # per_pair_log2 carries it
    return out


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


def spectra_sample(n_distinct: int, max_spectra: int | None) -> list[int]:
    """Which distinct layers get a spectrum: all of them, or at most ``max_spectra``.

    The first ``ceil(max_spectra / 2)`` distinct layers, then the others spread evenly over
    the remaining ones (the last one included), so the choice is reproducible.

    Parameters
    ----------
    n_distinct : int
        Number of distinct layers (:attr:`topogen.Topology.distinct_layers`).
    max_spectra : int or None
        Most spectra to compute; None for all.

    Returns
    -------
    list of int
        Indices into the distinct layers, ascending.

    >>> spectra_sample(120, 8), spectra_sample(3, 8)
    ([0, 1, 2, 3, 33, 62, 90, 119], [0, 1, 2])
    """
    if max_spectra is None or n_distinct <= max_spectra:
        return list(range(n_distinct))
    head = math.ceil(max_spectra / 2)
    rest = max_spectra - head
    spread = np.linspace(head, n_distinct - 1, rest + 1)[1:] if rest else []
    return list(range(head)) + sorted({int(v) for v in np.rint(spread)})


def _layer_spectra(topology: Topology, progress: bool | None, method: str,
                   max_spectra: int | None) -> tuple[list, str | None]:
    """``SpectralGap.as_dict()`` per layer (each distinct layer once), and a note."""
    from .spectral import spectral_gap

    distinct = topology.distinct_layers
    chosen = spectra_sample(len(distinct), max_spectra)
    cache: dict = {}
    with Progress(len(chosen), "spectra (distinct layers)", enabled=progress) as bar:
        for k in chosen:
            cache[k] = spectral_gap(distinct[k], method=method).as_dict()
            bar.update()
    out = [cache.get(k) for k in topology.layer_index]
    note = None
    if len(chosen) < len(distinct):
        first = {k: i for i, k in reversed(list(enumerate(topology.layer_index)))}
        shown = ", ".join(str(first[k]) for k in chosen)
        note = (f"spectra of {len(chosen)} of the {len(distinct)} distinct layers: the layers "
                f"at {shown} and their repeats; the others show '-'. "
                "analyze(..., max_spectra=None) computes every one")
    return out, note


def analyze(
    topology: Topology,
    *,
    spectral: bool = True,
    method: str = "auto",
    progress: bool | None = False,
    max_spectra: int | None = DEFAULT_MAX_SPECTRA,
) -> Report:
    """Analyse a topology: sizes, densities, degrees, exact path counts and spectra.

    Parameters
    ----------
    topology : Topology
    spectral : bool
        Also compute the layers' spectral gaps and Ramanujan bounds
        (:func:`topogen.analysis.spectral_gap`); a layer that occurs several times (as in
        RadiX-Nets) is computed once.  The slowest part on large networks.
    method : {"auto", "dense", "sparse"}
        How the spectra are computed (see :func:`topogen.analysis.spectral_gap`); "sparse"
        (two leading singular values by an iterative solver) is much faster on wide layers.
    progress : bool or None
        Show a progress bar over the layers' spectra on stderr (None: if it is a terminal).
    max_spectra : int or None
        Compute the spectra of at most this many distinct layers (default
        :data:`DEFAULT_MAX_SPECTRA`; chosen by :func:`spectra_sample`, and
        ``Report.spectral_note`` says which); None computes every distinct layer.

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
    >>> r.paths["per_pair_log2"]
    1.0

    References
    ----------
    Robinett & Kepner, *RadiX-Net*, arXiv:1905.00416, Theorem 1 (path symmetry); Lubotzky,
    Phillips & Sarnak, *Ramanujan graphs*, Combinatorica 8 (1988) (the bound).
    """
    check_topology("topology", topology)
    if not isinstance(spectral, bool):
        raise TopogenError(f"spectral must be True or False, got {spectral!r}")
    if max_spectra is not None:
        max_spectra = check_int("max_spectra", max_spectra, minimum=1)
    if spectral:
        spectra, note = _layer_spectra(topology, progress, method, max_spectra)
    else:
        spectra, note = [None] * topology.depth, None
    summary = [_degree_summary(layer) for layer in topology.distinct_layers]
    densities, nnz = topology.layer_density, topology.layer_nnz  # computed once, not per layer
    layers = tuple(
        LayerReport(
            index=i,
            shape=(topology.widths[i], topology.widths[i + 1]),
            nnz=nnz[i],
            density=float(densities[i]),
            **summary[k],
            spectral=spectra[i],
        )
        for i, k in enumerate(topology.layer_index)
    )
    meta = topology.meta
    return Report(
        widths=topology.widths,
        depth=topology.depth,
        nnz=topology.nnz,
        density=float(topology.density),
        regular=all(s["regular"] for s in summary),
        paths=path_count_summary(topology),
        layers=layers,
        generator=meta.get("generator"),
        spectral_note=note,
        meta=meta,
    )


def _degree_summary(layer) -> dict:
    d = layer_degrees(layer)
    return {
        "out_degree": (int(d.out_degree.min()), int(d.out_degree.max())),
        "in_degree": (int(d.in_degree.min()), int(d.in_degree.max())),
        "regular": d.regular,
    }
