"""``topogen demo``: build, compare, save and draw four networks of the same size."""

from __future__ import annotations

import json
import math
import os
import textwrap

from .._io import write_text_atomic
from .._progress import Progress
from ._common import add_parser, progress_option, say, use_agg
from ._parse import parse_seed
from .plot import draw, save_figure


def add_command(sub, common) -> None:
    """Add the ``demo`` sub-command to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    p = add_parser(
        sub, "demo", help="compare a RadiX-Net, an X-Net, a Ramanujan stack and a random net",
        description="Build four topologies of the same widths (1092 neurons, 4 layers) and "
        "about the same density: a stack of LPS Ramanujan layers (X^{17,13}), the nearest "
        "RadiX-Net, an X-Net and an Erdos-Renyi random baseline; print a comparison table; "
        "write their masks (.npz), layer drawings, spectra and report.json into a folder.",
        examples=["topogen demo", "topogen demo -o /tmp/demo --seed 1"],
        parents=[common],
    )
    p.add_argument("-o", "--output", default="topogen-demo", metavar="DIR",
                   help="output folder (default ./topogen-demo)")
    p.add_argument("--seed", type=parse_seed, default=0, help="seed of the random nets")
    p.add_argument("--no-plots", action="store_true", help="skip the pictures (faster)")
    p.set_defaults(handler=cmd_demo)


#: LPS graph of the demo: X^{17,13} lives on PSL(2, 13) (17 is a square mod 13), so it has
#: 13 * (13**2 - 1) / 2 = 1092 vertices, is 18-regular, not bipartite, and Ramanujan.
DEMO_LPS = (17, 13)
DEMO_DEPTH = 4


def demo_topologies(seed: int = 0) -> dict:
    """The four networks of ``topogen demo``: widths ``(1092,) * 5``, density about 0.016.

    * ``ramanujan``: every layer the LPS Ramanujan graph ``X^{17,13}`` (1092 vertices,
      18-regular; :func:`topogen.lps`, :func:`topogen.from_graph`), density ``18 / 1092``.
    * ``radix-net``: ``radix_net([[6, 7, 13], [7]], [2] * 5)``, the RadiX-Net that
      :func:`topogen.fit_radix_net` finds nearest to those widths and density (``N' = 546``
      widened twice; degrees 12, 14, 26, 14; every input reaches every output by exactly 56
      paths).
    * ``x-net``: random biregular expander layers of degree 18 (:func:`topogen.x_net`).
    * ``erdos-renyi``: every edge kept with probability ``18 / 1092`` (the random baseline).

    Returns ``{name: Topology}`` in that order (tested in ``tests/test_cli.py``).

    Parameters
    ----------
    seed : int, default 0
        Seed of the two random networks (``x-net`` and ``erdos-renyi``).
    """
    import topogen

    ramanujan = topogen.from_graph(topogen.lps(*DEMO_LPS), DEMO_DEPTH)
    widths = ramanujan.widths
    degree = ramanujan.layer_nnz[0] // widths[0]
    return {
        "radix-net": topogen.radix_net([[6, 7, 13], [7]], [2] * (DEMO_DEPTH + 1)),
        "x-net": topogen.x_net(widths, degree=degree, seed=seed),
        "ramanujan": ramanujan,
        "erdos-renyi": topogen.erdos_renyi(widths, ramanujan.density, seed=seed),
    }


#: Leading singular values of each network drawn by the demo (all 1092 would need a dense
#: decomposition per network: seconds each).
DEMO_SPECTRUM_VALUES = 100


def worst_layers(reports: dict) -> dict:
    """``{name: layer index}``: each network's layer of largest lambda2, the one whose value
    the demo table reports as ``max lambda2`` (and whose ratio to its bound is the table's
    ``lambda2/bound`` when the bounds agree).

    Parameters
    ----------
    reports : dict
        ``{name: Report}`` from :func:`topogen.analyze`.
    """
    worst = {}
    for name, report in reports.items():
        spectral = [(layer.spectral["lambda2"], layer.index) for layer in report.layers
                    if layer.spectral and layer.spectral.get("lambda2") is not None]
        worst[name] = max(spectral, key=lambda pair: (pair[0], -pair[1]))[1] if spectral else 0
    return worst


def demo_spectra_figure(topologies: dict, reports: dict | None = None):
    """The leading singular values of each demo network's worst layer, with their bounds.

    The layer drawn is the one of largest lambda2 (:func:`worst_layers`), the layer the
    table's ``max lambda2`` column reports.

    Parameters
    ----------
    topologies : dict
        ``{name: Topology}``, as :func:`demo_topologies` returns.
    reports : dict, optional
        ``{name: Report}`` of the same networks (computed when omitted).

    Returns
    -------
    matplotlib.figure.Figure
    """
    use_agg()
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from .. import plot

    if reports is None:
        from ..analysis.report import analyze

        reports = {name: analyze(t, method="sparse") for name, t in topologies.items()}
    worst = worst_layers(reports)
    fig, ax = plt.subplots(figsize=(8.4, 4.2), layout="constrained")
    cycle = mpl.colormaps["tab10"]
    for j, (name, topology) in enumerate(topologies.items()):
        layer = topology.layers[worst[name]]
        k = min(DEMO_SPECTRUM_VALUES, min(layer.shape) - 1)  # the sparse solver needs k < side
        plot.spectrum(topology, ax=ax, layers=[worst[name]], color=cycle(j),
                      label=f"{name} (layer {worst[name]})", k=k, method="sparse")
    ax.set_title(f"{DEMO_SPECTRUM_VALUES} largest singular values of each network's layer "
                 "of largest lambda2 (the table's max lambda2)", fontsize=9)
    return fig


def _demo_row(name: str, report) -> list[str]:
    from ..analysis.report import fmt_count

    p = report.paths
    if p["symmetric"]:
        paths = fmt_count(p["per_pair"])
    else:
        paths = f"~{fmt_count(p['per_pair'])}"
    ratios = [
        layer.spectral["lambda2"] / layer.spectral["ramanujan_bound"]
        for layer in report.layers
        if layer.spectral and layer.spectral.get("ramanujan_bound")
    ]
    rams = [layer.spectral.get("is_ramanujan") for layer in report.layers if layer.spectral]
    worst_l2 = max((layer.spectral["lambda2"] for layer in report.layers if layer.spectral),
                   default=math.nan)
    return [
        name,
        f"{report.nnz:,}",
        f"{report.density:.4f}",
        "yes" if report.regular else "no",
        paths,
        "yes" if p["symmetric"] else "no",
        "yes" if p["path_connected"] else "no",
        f"{worst_l2:.3f}",
        f"{max(ratios):.3f}" if ratios else "-",
        ("yes" if all(rams) else "no") if rams and None not in rams else "-",
    ]


DEMO_COLUMNS = ["network", "edges", "density", "regular", "paths/pair", "symmetric",
                "connected", "max lambda2", "lambda2/bound", "ramanujan"]


def demo_rows(reports: dict) -> list[list[str]]:
    """Header and one row per network of the demo's comparison, as text cells.

    Parameters
    ----------
    reports : dict
        ``{name: Report}`` from :func:`topogen.analyze`.
    """
    return [DEMO_COLUMNS] + [_demo_row(name, rep) for name, rep in reports.items()]


def demo_table(reports: dict) -> str:
    """The comparison table of ``topogen demo`` as aligned text.

    Parameters
    ----------
    reports : dict
        ``{name: Report}``, as for :func:`demo_rows`.
    """
    from ..analysis.report import format_rows

    return format_rows(demo_rows(reports))


def cmd_demo(args) -> int:
    """``topogen demo``: build, compare, save and draw four networks.

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
    import topogen

    from ..analysis.report import analyze

    out_dir = os.path.abspath(args.output)
    os.makedirs(out_dir, exist_ok=True)
    progress = progress_option(args)
    topologies = demo_topologies(args.seed)  # well under a second
    reports, written = {}, []
    steps = len(topologies) * (1 if args.no_plots else 2) + (0 if args.no_plots else 1)
    with Progress(steps, "analysing and writing", enabled=progress) as bar:
        for name, topology in topologies.items():
            reports[name] = analyze(topology, method="sparse")
            path = os.path.join(out_dir, f"{name}.npz")
            topogen.save(topology, path)
            written.append(path)
            bar.update()
            if not args.no_plots:
                image = os.path.join(out_dir, f"{name}-layers.png")
                save_figure(draw(topology, "layers"), image, dpi=110)
                written.append(image)
                bar.update()
        if not args.no_plots:
            image = os.path.join(out_dir, "spectra.png")
            save_figure(demo_spectra_figure(topologies, reports), image, dpi=110)
            written.append(image)
            bar.update()
    report_path = os.path.join(out_dir, "report.json")
    _write_text(report_path, json.dumps({n: r.as_dict() for n, r in reports.items()}, indent=2))
    written.append(report_path)
    widths = next(iter(topologies.values())).widths
    print(f"Four networks of widths {' -> '.join(map(str, widths))} at about the same "
          "density:\n")
    print(demo_table(reports))
    print(textwrap.dedent("""
        paths/pair: paths from each input to each output (exact when symmetric, else mean).
        lambda2/bound: largest non-trivial singular value over the Ramanujan bound
        sqrt(d_out - 1) + sqrt(d_in - 1), worst layer; at most 1 means Ramanujan."""))
    kinds = "masks (.npz), report.json" + ("" if args.no_plots else
                                           ", layer drawings and spectra (.png)")
    say(args, f"wrote {len(written)} files ({kinds}) to {out_dir}")
    return 0


def _write_text(path: str, text: str) -> None:
    write_text_atomic(path, text + "\n")
