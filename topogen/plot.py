"""Pictures of a Topology: the layered graph, sparsity patterns, spectra and path counts.

matplotlib is imported inside each function (``import topogen`` stays light), and every
function takes an optional ``ax`` to draw into and returns the :class:`~matplotlib.figure.Figure`.

* :func:`draw_layers` -- neurons as points in columns and edges as segments, readable up to
  about 64 neurons a layer; wider layers are drawn aggregated (groups of neurons, segment
  opacity = block density) instead of a black smear.
* :func:`spy` -- the sparsity pattern of every layer (block densities for large layers).
* :func:`spectrum` -- singular values of each layer with the Ramanujan bound marked.
* :func:`path_counts` -- the input-by-output path-count matrix as a heatmap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ._checks import TopogenError, check_int
from .topology import Topology, check_topology

__all__ = ["draw_layers", "path_counts", "spectrum", "spy"]

#: Widest layer drawn neuron by neuron by :func:`draw_layers`; wider ones are aggregated.
MAX_DRAWN_NEURONS = 64
#: Largest layer (rows x columns) that :func:`spy` shows cell by cell.
MAX_SPY_CELLS = 512 * 512
#: Path counts from here on are coloured by their exact log2 (a float's range ends near
#: 2**1024).
_FLOAT_SAFE = 2**1000


def _figure_and_ax(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _groups(n: int, bins: int) -> np.ndarray:
    """Group index of each of ``n`` neurons when split into ``bins`` near-equal groups."""
    return (np.arange(n, dtype=np.int64) * bins) // n


def _block_counts(layer: sp.csr_array, rbins: int, cbins: int):
    """Edge counts and sizes of the ``rbins x cbins`` blocks of a layer (vectorised)."""
    n, m = layer.shape
    rg, cg = _groups(n, rbins), _groups(m, cbins)
    coo = layer.tocoo()
    counts = np.bincount(rg[coo.row] * cbins + cg[coo.col], minlength=rbins * cbins)
    sizes = np.outer(np.bincount(rg, minlength=rbins), np.bincount(cg, minlength=cbins))
    return counts.reshape(rbins, cbins), sizes


def _column_y(n: int, span: float) -> np.ndarray:
    """Vertical positions of ``n`` items centred on 0, spread over ``span``."""
    if n == 1:
        return np.zeros(1)
    return np.linspace(-span / 2, span / 2, n)


def draw_layers(
    topology: Topology,
    *,
    ax=None,
    max_neurons: int = MAX_DRAWN_NEURONS,
    max_layers: int = 16,
    color=None,
    title: str | None = None,
):
    """Draw the layered graph: neurons as points in columns, edges as segments.

    Column ``i`` holds the ``n_i`` neurons of width ``i`` (neuron 0 at the bottom); layer
    ``i``'s edges join column ``i`` to column ``i + 1``.  If some width exceeds
    ``max_neurons``, every column is split into at most ``max_neurons`` groups of consecutive
    neurons and one segment is drawn per pair of groups joined by at least one edge, its
    opacity and thickness the block's density (edges over possible edges) -- a readable
    aggregated view of any size.

    Parameters
    ----------
    topology : Topology
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is made if omitted.
    max_neurons : int
        Widest layer drawn neuron by neuron (default 64).
    max_layers : int
        Draw at most this many layers (the first ones; the title says so), default 16.
    color : color, optional
        Edge colour (default: one colour per layer from the ``tab10`` cycle).
    title : str, optional
        Axes title (default: widths and edge count).

    Returns
    -------
    matplotlib.figure.Figure
        The axes holds one point collection (``ax.collections[0]``, one point per neuron or
        group) and one line collection per layer (one segment per edge or joined group pair).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import topogen
    >>> fig = draw_layers(topogen.radix_net([[2, 2]], [1, 2, 1]))
    >>> ax = fig.axes[0]
    >>> len(ax.collections[0].get_offsets()), [len(c.get_segments()) for c in ax.collections[1:]]
    (16, [16, 16])
    """
    from matplotlib.collections import LineCollection

    check_topology("topology", topology)
    max_neurons = check_int("max_neurons", max_neurons, minimum=1)
    max_layers = check_int("max_layers", max_layers, minimum=1)
    full = topology
    if topology.depth > max_layers:
        topology = topology.slice(0, max_layers)
    widths = topology.widths
    aggregated = max(widths) > max_neurons
    counts = [min(n, max_neurons) for n in widths]
    span = max(max(counts) - 1, 1)
    # a small graph makes a small figure (and file): height grows with the widest column
    height = min(4.5, 2.0 + 0.08 * max(counts))
    fig, ax = _figure_and_ax(ax, (min(1.6 + 1.4 * topology.depth, 14.0), height))
    ys = [_column_y(c, c - 1) for c in counts]  # unit spacing, columns centred on 0

    xs_pts = np.concatenate([np.full(c, i, dtype=float) for i, c in enumerate(counts)])
    ys_pts = np.concatenate(ys)
    size = max(4.0, min(36.0, 2400.0 / max(counts) ** 1.3))
    ax.scatter(xs_pts, ys_pts, s=size, color="0.15", zorder=3, linewidths=0)

    import matplotlib as mpl

    cycle = mpl.colormaps["tab10"]
    for i, layer in enumerate(topology.layers):
        edge_color = color if color is not None else cycle(i % 10)
        if aggregated:
            block, sizes = _block_counts(layer, counts[i], counts[i + 1])
            r, c = np.nonzero(block)
            dens = block[r, c] / sizes[r, c]
            segs = np.stack(
                [np.column_stack([np.full(len(r), i), ys[i][r]]),
                 np.column_stack([np.full(len(r), i + 1), ys[i + 1][c]])], axis=1)
            rgba = np.tile(mpl.colors.to_rgba(edge_color), (len(r), 1))
            rgba[:, 3] = 0.08 + 0.92 * dens
            lines = LineCollection(segs, colors=rgba, linewidths=0.3 + 1.7 * dens, zorder=2)
        else:
            coo = layer.tocoo()
            segs = np.stack(
                [np.column_stack([np.full(coo.nnz, i), ys[i][coo.row]]),
                 np.column_stack([np.full(coo.nnz, i + 1), ys[i + 1][coo.col]])], axis=1)
            alpha = float(min(0.9, max(0.08, 60.0 / max(coo.nnz, 1) ** 0.75)))
            lines = LineCollection(segs, colors=[edge_color], alpha=alpha, linewidths=0.8,
                                   zorder=2)
        ax.add_collection(lines)

    ax.set_xlim(-0.3, topology.depth + 0.3)
    ax.set_ylim(-span / 2 - 0.05 * span - 0.5, span / 2 + 0.05 * span + 0.5)
    step = max(1, math.ceil(len(widths) / 16))  # at most about 16 labelled columns
    shown = list(range(0, len(widths), step))
    ax.set_xticks(shown, [str(widths[i]) for i in shown])
    ax.set_xlabel("width of each column (neurons)")
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = f"{_name(full)}: {full.nnz:,} edges, density {full.density:.3g}"
        if full.depth > topology.depth:
            title += f"; first {topology.depth} of {full.depth} layers"
        if aggregated:
            title += f"\n(aggregated: up to {max_neurons} groups a column; opacity = density)"
    ax.set_title(title, fontsize=10)
    return fig


def _name(topology: Topology) -> str:
    return topology.meta.get("generator") or "topology"


def _as_layers(obj) -> list:
    """A Topology's layers, or a single 2-D matrix (sparse or dense) as a one-item list."""
    if isinstance(obj, Topology):
        return list(obj.layers)
    if sp.issparse(obj) or isinstance(obj, np.ndarray):
        if obj.ndim != 2:
            raise TopogenError(f"expected a Topology or a 2-D matrix, got shape {obj.shape}")
        return [sp.csr_array(obj)]
    raise TopogenError(
        f"expected a Topology or a 2-D matrix (layer), got {type(obj).__name__}"
    )


def _spy_image(layer: sp.csr_array, max_cells: int):
    """(image, exact) -- the 0/1 matrix if small, else block densities on a coarse grid."""
    n, m = layer.shape
    if n * m <= max_cells:
        return layer.toarray().astype(float), True
    scale = math.sqrt(max_cells / (n * m))
    rbins, cbins = max(1, min(n, int(n * scale))), max(1, min(m, int(m * scale)))
    block, sizes = _block_counts(layer, rbins, cbins)
    return block / sizes, False


def spy(obj, *, layers: Sequence[int] | None = None, ax=None, max_cells: int = MAX_SPY_CELLS):
    """Show the sparsity pattern of every layer (row = source, column = target).

    Layers up to ``max_cells`` entries are shown cell by cell (dark = edge); larger ones as
    the density of blocks of a coarse grid, so the picture stays honest at any size.

    Parameters
    ----------
    obj : Topology or 2-D matrix
        A topology (one panel per layer) or a single layer.
    layers : sequence of int, optional
        Which layers to show (default: all, up to 12).
    ax : Axes or sequence of Axes, optional
        One Axes per shown layer; a new figure with one panel per layer is made if omitted.
    max_cells : int
        Largest layer shown cell by cell.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel holds one image (``ax.images[0]``) whose array is the 0/1 layer or the
        block densities.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import topogen
    >>> fig = spy(topogen.mixed_radix([2, 2]))
    >>> [a.images[0].get_array().shape for a in fig.axes if a.images]
    [(4, 4), (4, 4)]
    """
    import matplotlib.pyplot as plt

    mats = _as_layers(obj)
    max_cells = check_int("max_cells", max_cells, minimum=1)
    if layers is None:
        if len(mats) > 12 and ax is None:
            raise TopogenError(
                f"spy shows at most 12 panels, the topology has {len(mats)} layers; "
                "pass layers=[...] to choose which"
            )
        layers = range(len(mats))
    idx = [check_int("layers[k]", i, minimum=-len(mats), maximum=len(mats) - 1) % len(mats)
           for i in layers]
    if ax is None:
        ncols = min(len(idx), 4)
        nrows = math.ceil(len(idx) / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 3.2 * nrows),
                                 layout="constrained", squeeze=False)
        axes = list(axes.ravel())
        for extra in axes[len(idx):]:
            extra.set_axis_off()
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != len(idx):
            raise TopogenError(
                f"ax must hold one Axes per shown layer ({len(idx)}), got {len(axes)}; pass "
                "layers=[i] to draw a single layer into one Axes"
            )
        fig = axes[0].figure
    for a, i in zip(axes, idx):
        image, exact = _spy_image(mats[i], max_cells)
        a.imshow(image, cmap="Greys", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
        n, m = mats[i].shape
        note = "" if exact else " (block density)"
        a.set_title(f"layer {i}: {n}x{m}{note}", fontsize=9)
        a.set_xlabel("target neuron", fontsize=8)
        a.set_ylabel("source neuron", fontsize=8)
        if not exact:
            a.set_xticks([])
            a.set_yticks([])
    return fig


def spectrum(
    obj,
    *,
    ax=None,
    k: int | None = None,
    layers: Sequence[int] | None = None,
    color=None,
    label: str | None = None,
    method: str = "auto",
):
    """Singular values of each layer, largest first, with the Ramanujan bound marked.

    For a biregular layer with degrees ``(d_out, d_in)`` the leading singular value is
    ``sqrt(d_out * d_in)``; the layer is a (bipartite) Ramanujan graph when every other one
    is at most ``sqrt(d_out - 1) + sqrt(d_in - 1)``, drawn as a dashed line of the same colour.
    Layers that appear several times (RadiX-Nets reuse layers) are drawn once.

    Parameters
    ----------
    obj : Topology or 2-D matrix
    ax : matplotlib.axes.Axes, optional
    k : int, optional
        Leading singular values per layer (default: all, or the :data:`LEADING_VALUES` (16)
        largest for layers too large for a dense decomposition, computed by ARPACK with the
        settings of :func:`topogen.analysis.spectral_gap`, see
        :func:`topogen.analysis.spectrum`; each leading value costs about one more Lanczos
        vector of products).
    layers : sequence of int, optional
        Which layers (default: all distinct ones, at most 10).
    color : color, optional
        One colour for every drawn layer (default: one per layer from ``tab10``); with
        ``label``, lets several topologies share one Axes.
    label : str, optional
        Legend label (default ``"layer i (n x m)"``; with several layers, ``"label, layer i"``).
    method : {"auto", "dense", "sparse"}
        How singular values are computed (see :func:`topogen.analysis.spectrum`); with ``k``,
        "sparse" finds the leading ones iteratively, much faster on wide layers.

    Returns
    -------
    matplotlib.figure.Figure
        One marker line per drawn layer (``ax.lines``, x = rank from 1, y = singular value)
        and one dashed horizontal line per drawn biregular layer at its bound.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import topogen
    >>> fig = spectrum(topogen.mixed_radix([2, 2]))
    >>> fig.axes[0].get_ylabel()
    'singular value'
    """
    from .analysis.spectral import ramanujan_bound
    from .analysis.spectral import spectrum as _spectrum

    mats = _as_layers(obj)
    if layers is None:  # each distinct layer once (by content), at most 10
        if isinstance(obj, Topology):
            first = {k: i for i, k in reversed(list(enumerate(obj.layer_index)))}
            layers = sorted(first.values())[:10]
        else:
            layers = [0]
    idx = [check_int("layers[k]", i, minimum=-len(mats), maximum=len(mats) - 1) % len(mats)
           for i in layers]
    fig, ax = _figure_and_ax(ax, (5.5, 3.8))
    import matplotlib as mpl

    cycle = mpl.colormaps["tab10"]
    for j, i in enumerate(idx):
        layer = mats[i]
        values = _layer_values(_spectrum, layer, k, method)
        col = color if color is not None else cycle(j % 10)
        name = f"layer {i} ({layer.shape[0]}x{layer.shape[1]})"
        if label is not None:
            name = label if len(idx) == 1 else f"{label}, layer {i}"
        style = "o-" if len(values) <= 200 else "-"  # markers only while they stay apart
        ax.plot(np.arange(1, len(values) + 1), values, style, ms=3, lw=1, color=col, label=name)
        out_deg = np.diff(layer.indptr)
        in_deg = np.bincount(layer.indices, minlength=layer.shape[1])
        if len(out_deg) and len(in_deg) and out_deg.min() == out_deg.max() and (
            in_deg.min() == in_deg.max()
        ) and out_deg[0] > 0:
            bound = float(ramanujan_bound(int(out_deg[0]), int(in_deg[0])))
            _bound_line(ax, bound, col, label if label is not None and len(idx) == 1
                        else f"layer {i}")
    ax.set_xlabel("rank")
    ax.set_ylabel("singular value")
    ax.set_xscale("log" if max(max(mats[i].shape) for i in idx) > 64 else "linear")
    ax.autoscale(True, axis="y")  # several calls may share ax: rescale to all lines drawn
    ax.relim()
    ax.autoscale_view()
    ax.set_ylim(bottom=0)
    # beside the axes, never over the data (the dashed bounds span the whole width)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              title="dashed: Ramanujan bound", title_fontsize=7)
    if label is None:
        ax.set_title(f"spectrum of {_name(obj) if isinstance(obj, Topology) else 'layer'}",
                     fontsize=10)
    return fig


def _bound_line(ax, bound: float, color, owner: str) -> None:
    """One dashed line per distinct bound value on ``ax``, labelled with every owner.

    Identical layers (or networks of the same degrees) share a bound: drawing it once and
    naming them all keeps one line from hiding another.
    """
    drawn = ax.__dict__.setdefault("_topogen_bounds", {})
    key = round(bound, 9)
    if key not in drawn:
        drawn[key] = (ax.axhline(bound, ls="--", lw=1, color=color), [])
    line, owners = drawn[key]
    owners.append(owner)
    line.set_label(f"bound {bound:.3g}: " + ", ".join(owners))


#: Leading singular values drawn for layers too large for a full dense spectrum (the cap
#: that keeps a 100000-wide layer's plot near the cost of ``topogen info``: 100 values took
#: 170 s there, against seconds for the two that ``spectral_gap`` needs).
LEADING_VALUES = 16


def _layer_values(spectrum_fn, layer, k, method):
    """All singular values of ``layer`` if affordable, else the ``LEADING_VALUES`` largest.

    The solver settings (tolerance, Lanczos vectors) are those of
    :func:`topogen.analysis.spectral_gap`: ``tol=None`` picks the shared default.
    """
    try:
        return np.asarray(spectrum_fn(layer, k=k, method=method, tol=None), dtype=float)
    except TopogenError:
        if k is not None:
            raise
        lead = min(LEADING_VALUES, min(layer.shape) - 1)
        return np.asarray(spectrum_fn(layer, k=lead, method=method, tol=None), dtype=float)


def path_counts(topology: Topology, *, ax=None, log: bool | None = None, max_entries: int = 2**20):
    """Heatmap of the exact number of paths from every input (row) to every output (column).

    A symmetric topology (every pair joined by the same number of paths, as in a RadiX-Net)
    shows as one flat colour.

    Parameters
    ----------
    topology : Topology
    ax : matplotlib.axes.Axes, optional
    log : bool, optional
        Colour by ``log10(1 + count)``; by default when counts span more than 3 decades or
        reach a million.  Counts of ``2**1000`` or more (deep networks) are always coloured
        by ``log2(1 + count)``, computed exactly from the integers (no float holds them).
    max_entries : int
        Largest path matrix drawn (see :func:`topogen.analysis.path_counts`).

    Returns
    -------
    matplotlib.figure.Figure
        The image (``ax.images[0]``) holds the counts (or their logarithm, as the colour
        bar's label says) as floats, with a colour bar.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import topogen
    >>> fig = path_counts(topogen.radix_net([[2, 2]], [1, 2, 1]))
    >>> float(fig.axes[0].images[0].get_array().max())
    2.0
    """
    from .analysis.paths import log2_int
    from .analysis.paths import path_counts as _path_counts

    check_topology("topology", topology)
    P = _path_counts(topology, max_entries=max_entries)
    huge = P.dtype == object and any(int(v) >= _FLOAT_SAFE for v in P.flat)
    if huge:  # beyond any float: colour by exact log2 (never float() of a huge count)
        values = None
        shown = np.array([log2_int(int(v) + 1) for v in P.flat], dtype=float).reshape(P.shape)
        log, scale = True, "log2(1 + paths)"
    else:
        values = np.array([float(v) for v in P.flat]).reshape(P.shape) if P.dtype == object \
            else P.astype(float)
        top = values.max() if values.size else 0.0
        low = values[values > 0].min() if np.any(values > 0) else 1.0
        if log is None:
            log = top / low > 1e3 or top >= 1e6
        shown = np.log10(1.0 + values) if log else values
        scale = "log10(1 + paths)" if log else "paths"
    fig, ax = _figure_and_ax(ax, (4.6, 3.8))
    from matplotlib.ticker import MaxNLocator

    vmin = float(shown.min()) if shown.size else 0.0
    vmax = float(shown.max()) if shown.size else 1.0
    flat = vmin == vmax
    if flat:  # a symmetric topology: centre its single colour
        vmin, vmax = vmin - 1, vmax + 1
    image = ax.imshow(shown, cmap="viridis", vmin=vmin, vmax=vmax, interpolation="nearest",
                      aspect="auto")
    bar = fig.colorbar(image, ax=ax, label=scale)
    if flat:
        bar.set_ticks([vmin + 1])
    elif not log:
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("output neuron")
    ax.set_ylabel("input neuron")
    ax.set_title(f"path counts of {_name(topology)}", fontsize=10)
    return fig
