"""``topogen plot FILE -o IMAGE``: draw a topology (matplotlib imported only when drawing)."""

from __future__ import annotations

import os

from .._checks import TopogenError
from .._io import atomic_file
from ._common import (
    add_max_edges,
    add_parser,
    in_cli_terms,
    input_format_options,
    load_topology,
    say,
    use_agg,
)
from ._parse import MAX_DPI, MIN_DPI, parse_dpi

PLOT_KINDS = ("layers", "spy", "spectrum", "paths")


def add_command(sub, common) -> None:
    """Add the ``plot`` sub-command to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    p = add_parser(
        sub, "plot", help="draw a topology to PNG/SVG/PDF",
        description="Draw a topology: the layered graph (layers), the sparsity pattern of "
        "every layer (spy), the singular values with the Ramanujan bound (spectrum) or the "
        "path-count heatmap (paths).  The image format follows the file name.",
        examples=["topogen plot net.npz -o net.png", "topogen plot net.npz --kind spy -o spy.svg",
                  "topogen plot net.npz --kind spectrum -o spectrum.pdf"],
        parents=[common],
    )
    p.add_argument("file", help="topology file or folder")
    p.add_argument("-o", "--output", required=True, metavar="IMAGE",
                   help="image to write (.png, .svg, .pdf)")
    p.add_argument("--kind", choices=PLOT_KINDS, default="layers",
                   help="what to draw (default layers)")
    input_format_options(p)
    p.add_argument("--dpi", type=parse_dpi, default=100, metavar="DPI",
                   help=f"resolution of raster images, {MIN_DPI} to {MAX_DPI} (default 100)")
    p.add_argument("--max-entries", type=int, default=None, metavar="N",
                   help="--kind paths: largest path-count matrix drawn (inputs x outputs; "
                   "default 1,048,576)")
    add_max_edges(p, "when reading")
    p.set_defaults(handler=cmd_plot)


def save_figure(fig, path: str, *, dpi: int = 150) -> None:
    """Write ``fig`` atomically (temporary file in the same folder, then rename).

    A PNG is stored with a palette of at most 256 colours (exact when the picture has no
    more, else the nearest 256 without dithering): line drawings compress three to five
    times smaller than as RGBA, so a small graph makes a small file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str
        Target image; its suffix (``.png``, ``.svg``, ``.pdf``) picks the format.
    dpi : int, default 150
        Resolution of raster images, in dots per inch.
    """
    import matplotlib.pyplot as plt

    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in {"png", "svg", "pdf", "jpg", "jpeg", "eps", "ps", "webp", "tif", "tiff"}:
        raise TopogenError(
            f"cannot tell the image format of {path!r}; use a name ending in .png, .svg or .pdf"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise TopogenError(f"the folder of {path!r} does not exist")
    try:
        if ext == "png":
            data = png_bytes(fig, dpi)
            with atomic_file(path) as handle:
                handle.write(data)
        else:
            with atomic_file(path) as handle:
                fig.savefig(handle, format=ext, dpi=dpi)
    finally:
        plt.close(fig)


def png_bytes(fig, dpi: int) -> bytes:
    """``fig`` as a palette PNG (at most 256 colours, no dithering); RGBA if it has
    transparent pixels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    dpi : int
        Resolution, in dots per inch.
    """
    import io

    import numpy as np
    from PIL import Image

    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=dpi)
    image = Image.open(io.BytesIO(raw.getvalue()))
    if image.mode == "RGBA":
        if np.asarray(image.getchannel("A")).min() < 255:
            return raw.getvalue()
        image = image.convert("RGB")
    out = io.BytesIO()
    image.quantize(256, dither=Image.Dither.NONE).save(out, format="png", optimize=True)
    return out.getvalue()


def draw(topology, kind: str, *, max_entries: int | None = None):
    """The figure ``topogen plot --kind KIND`` draws.

    Parameters
    ----------
    topology : Topology
        The network.
    kind : {"layers", "spy", "spectrum", "paths"}
        :func:`topogen.plot.draw_layers`, :func:`~topogen.plot.spy` (the first 12 layers
        of a deeper net), :func:`~topogen.plot.spectrum` or
        :func:`~topogen.plot.path_counts`.
    max_entries : int, optional
        Size cap of the path counts (``--max-entries``); None keeps the library's.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TopogenError
        For an unknown ``kind``.
    """
    use_agg()
    from .. import plot

    if kind == "layers":
        return plot.draw_layers(topology)
    if kind == "spy":
        shown = None if topology.depth <= 12 else list(range(12))
        return plot.spy(topology, layers=shown)
    if kind == "spectrum":
        return plot.spectrum(topology)
    if kind == "paths":
        return plot.path_counts(topology, **({} if max_entries is None
                                             else {"max_entries": max_entries}))
    raise TopogenError(f"--kind must be one of {', '.join(PLOT_KINDS)}, got {kind!r}")


def cmd_plot(args) -> int:
    """``topogen plot FILE -o IMAGE``: read a topology and draw it.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    int
        The exit status, 0 on success (errors raise a TopogenError, which :func:`main`
        prints as one line with status 2).
    """
    topology = load_topology(args.file, args.input_format, args.max_edges)
    try:
        fig = draw(topology, args.kind, max_entries=args.max_entries)
    except TopogenError as exc:
        raise TopogenError(in_cli_terms(str(exc))) from exc
    save_figure(fig, args.output, dpi=args.dpi)
    say(args, f"wrote {args.kind} plot of {topology!r} to {args.output}")
    return 0
