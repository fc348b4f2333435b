"""Generate the site's figures and computed pages before the docs are built: ``python docs/gen.py``.

One step that any builder can use (MkDocs, Zensical): nothing here is a builder hook. It
writes into the git-ignored folder ``docs/gallery/generated/``:

* every figure of the site, drawn by running the snippet shown next to it (the gallery: one
  section per generator family with its code, layer drawing and spectrum; the concept
  figures of ``concepts.md`` and ``analysis.md``);
* Markdown fragments that the pages include with ``--8<-- "gallery/generated/NAME.md"``
  (``pymdownx.snippets``): ``gallery.md`` (the gallery sections), ``cli-help.md`` (the
  ``--help`` of every command, as printed by it), ``demo-table.md`` (the table of
  ``topogen demo``, seed 0) and ``examples.md`` (each script of ``examples/``).

Figures are redrawn only when the source of topogen or of this script changed (a stamp file
records a hash; ``--force`` redraws anyway); the fragments are recomputed every time and
written only when they changed. Exits with status 1, naming what is missing, when a figure
cannot be drawn, so that CI fails on an incomplete gallery.
"""

from __future__ import annotations

import hashlib
import os
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "gallery" / "generated"

# (slug, title, code that defines `net`, one paragraph, library function)
GALLERY = [
    ("mixed-radix", "Mixed radix", "net = topogen.mixed_radix([2, 3, 4])",
     "One numeral system `N = (2, 3, 4)`: `N' = 24` neurons a layer, layer `k` of degree "
     "`N_k`; every input reaches every output by exactly one path.", "mixed_radix"),
    ("extended-mixed-radix", "Extended mixed radix",
     "net = topogen.extended_mixed_radix([[2, 2, 2], [4, 2]])",
     "Two systems in sequence, the place value restarting with the second: every input "
     "reaches every output by `4 * 2 = 8` paths.", "extended_mixed_radix"),
    ("radix-net", "RadiX-Net",
     "net = topogen.radix_net([[2, 2], [2]], multipliers=[1, 2, 2, 1])",
     "The extended mixed-radix layers widened by the Kronecker multipliers `(1, 2, 2, 1)` "
     "(layer `i` has `B_i * N'` neurons, a Kronecker product with all-ones blocks): same "
     "density, wider layers, still symmetric.", "radix_net"),
    ("graph-challenge", "Graph Challenge",
     "from topogen.generators.challenge import challenge_analogue\n"
     "net = challenge_analogue([2, 2, 2], 2, 6, seed=0)  # graph_challenge(1024, 120) in small",
     "The Sparse DNN Graph Challenge construction: a RadiX-Net block, then the same block "
     "with its rows permuted anew in every later block. `topogen.graph_challenge(1024, 120)` "
     "builds the official size; this is the analogue of 16 neurons and two blocks of three "
     "layers (see [Graph Challenge](graph-challenge.md)).", "graph_challenge"),
    ("fit-radix-net", "RadiX-Net fitted to a model",
     "net = topogen.fit_radix_net([48, 48, 48, 48], 0.2)[0].build()",
     "The RadiX-Net nearest to given widths and density, found by search.", "fit_radix_net"),
    ("x-net", "X-Net", "net = topogen.x_net([24, 24, 24, 24], degree=3, seed=0)",
     "Random biregular expander layers of fan-in 3 (Prabhu et al. 2018).", "x_net"),
    ("margulis-gabber-galil", "Margulis-Gabber-Galil",
     "net = topogen.from_graph(topogen.margulis_gabber_galil(5), depth=2)",
     "The 8-regular explicit expander on `Z_5 x Z_5`, used as every layer.",
     "margulis_gabber_galil"),
    ("paley", "Paley graph", "net = topogen.from_graph(topogen.paley(13), depth=2)",
     "Quadratic residues mod 13: a `(q-1)/2`-regular strongly regular graph.", "paley"),
    ("chordal-cycle", "Chordal cycle", "net = topogen.from_graph(topogen.chordal_cycle(23), "
     "depth=2)", "`x ~ x + 1, x - 1, 1/x` on `Z_23`: a 3-regular expander.", "chordal_cycle"),
    ("lps", "LPS Ramanujan graph", "net = topogen.from_graph(topogen.lps(17, 13), depth=2)",
     "The Lubotzky-Phillips-Sarnak graph `X^{17,13}`: 17 is a square mod 13, so it lives on "
     "`PSL(2, 13)` (1092 vertices), is 18-regular, not bipartite, and Ramanujan: every "
     "non-trivial eigenvalue is at most `2 sqrt(17)`, so every singular value of the layer "
     "after the first lies below the dashed bound. (When `p` is not a square mod `q` the "
     "graph is bipartite, and its layer has the trivial value `p + 1` twice.)", "lps"),
    ("bipartite-ramanujan", "Bipartite Ramanujan layers",
     "graph = topogen.paley(13)  # 6-regular Ramanujan graph on 13 vertices\n"
     "net = (topogen.bipartite_ramanujan(graph)\n"
     "       >> topogen.bipartite_ramanujan(graph, transpose=True))",
     "The vertex-edge incidence layer of a `d`-regular Ramanujan graph is a `(d, 2)`-biregular "
     "Ramanujan layer between unequal widths (13 vertices, 39 edges); stacked with its "
     "transpose it goes 13 -> 39 -> 13.", "bipartite_ramanujan"),
    ("ramanujan", "Ramanujan net", "net = topogen.ramanujan_net([26, 26, 26], 0.5)",
     "Every layer the Paley graph `P(13)` (6-regular on 13 vertices, Ramanujan) widened by a "
     "Kronecker product with `ones((2, 2))`: density `6/13`, the catalogued Ramanujan graph "
     "nearest the requested 0.5 whose size divides every width.", "ramanujan_net"),
    ("from-graph", "Any graph", "import networkx as nx\n"
     "net = topogen.from_graph(nx.petersen_graph(), depth=3)",
     "Any undirected graph (here the Petersen graph) as a stack of its bipartite double "
     "covers.", "from_graph"),
    ("dense", "Dense", "net = topogen.dense([6, 10, 6])",
     "The fully connected baseline.", "dense"),
    ("erdos-renyi", "Erdos-Renyi", "net = topogen.erdos_renyi([24, 24, 24], 0.15, seed=0)",
     "A uniformly random subset of exactly `round(0.15 * 24 * 24)` cells in every layer "
     "(the `G(n, m)` model): the random baseline.", "erdos_renyi"),
    ("erk", "ERK", "net = topogen.erk([32, 24, 12], 0.25, seed=0)",
     "Erdos-Renyi-Kernel: random layers whose density scales with `(n_in + n_out) / "
     "(n_in * n_out)`.", "erk"),
    ("butterfly", "Butterfly", "net = topogen.butterfly(16)",
     "The FFT butterfly: `log2 n` layers of degree 2, every input reaching every output once.",
     "butterfly"),
    ("random-regular", "Random regular", "net = topogen.random_regular([24, 24, 24], 4, seed=0)",
     "Random biregular layers of degree 4 (uniform among biregular graphs).",
     "random_regular"),
]

# (file name, code that makes `fig`)
CONCEPTS = {
    "concept-mixed-radix.png": """
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
topogen.plot.draw_layers(topogen.mixed_radix([2, 2, 2]), ax=axes[0],
                         title="mixed_radix([2, 2, 2]): 1 path per pair")
topogen.plot.draw_layers(topogen.extended_mixed_radix([[2, 2, 2], [2]]), ax=axes[1],
                         title="extended_mixed_radix([[2, 2, 2], [2]]): 2 paths per pair")
""",
    "concept-kron.png": """
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), layout="constrained")
topogen.plot.draw_layers(topogen.mixed_radix([2, 2]), ax=axes[0], title="mixed_radix([2, 2])")
topogen.plot.draw_layers(topogen.radix_net([[2, 2]], [1, 3, 2]), ax=axes[1],
                         title="radix_net([[2, 2]], multipliers=[1, 3, 2])")
""",
    "concept-paths.png": """
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
radix = topogen.radix_net([[4, 4], [4]], [1, 1, 1, 1])
rand = topogen.erdos_renyi(radix.widths, radix.density, seed=1)
topogen.plot.path_counts(radix, ax=axes[0], log=False)
axes[0].set_title("RadiX-Net: 4 paths for every pair", fontsize=10)
topogen.plot.path_counts(rand, ax=axes[1], log=False)
axes[1].set_title("Erdos-Renyi at the same density", fontsize=10)
""",
    "concept-spectrum.png": """
fig, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
net = topogen.from_graph(topogen.lps(17, 13), depth=1)
rand = topogen.erdos_renyi(net.widths, net.density, seed=0)
topogen.plot.spectrum(net, ax=ax, color="C0", label="LPS X^{17,13}, 18-regular")
topogen.plot.spectrum(rand, ax=ax, color="C3", label="Erdos-Renyi, same density")
ax.set_title("every non-trivial value of the LPS layer lies below its Ramanujan bound",
             fontsize=10)
""",
    "concept-spy.png": """
net = topogen.radix_net([[4, 4], [4]], [1, 2, 2, 1])
fig = topogen.plot.spy(net)
""",
    "concept-aggregated.png": """
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
topogen.plot.draw_layers(topogen.radix_net([[16, 16], [16]], [1, 1, 1, 1]), ax=ax)
""",
}


def _stamp() -> str:
    digest = hashlib.sha256()
    for path in [*sorted((ROOT / "topogen").rglob("*.py")), Path(__file__)]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _expected() -> list[Path]:
    return [OUT / f"{slug}.png" for slug, *_ in GALLERY] + [OUT / name for name in CONCEPTS]


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    from topogen.cli.plot import png_bytes

    tmp = path.with_suffix(".tmp.png")
    tmp.write_bytes(png_bytes(fig, 96))  # a palette PNG: a small graph makes a small file
    os.replace(tmp, path)
    plt.close(fig)


def _draw_family(slug: str, title: str, code: str) -> None:
    import matplotlib.pyplot as plt

    import topogen
    import topogen.plot

    namespace = {"topogen": topogen}
    exec(code, namespace)
    net = namespace["net"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained",
                             gridspec_kw={"width_ratios": [1.25, 1]})
    topogen.plot.draw_layers(net, ax=axes[0])
    note = "\n(aggregated: groups of neurons; opacity = density)" if max(net.widths) > 64 else ""
    axes[0].set_title(f"{title}: {net.nnz:,} edges, density {net.density:.3g}{note}",
                      fontsize=10)
    topogen.plot.spectrum(net, ax=axes[1])
    axes[1].set_title("singular values of each distinct layer", fontsize=10)
    _save(fig, OUT / f"{slug}.png")


def _missing(func: str) -> str | None:
    """Why ``topogen.<func>`` cannot be used in this build, or None if it can."""
    import topogen

    try:
        getattr(topogen, func)
    except (ImportError, AttributeError) as exc:
        return str(exc)
    return None


def _draw_all() -> list[str]:
    """Draw every figure into OUT; return what could not be drawn, one line each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import topogen
    import topogen.plot

    problems = []
    for slug, title, code, _text, func in GALLERY:
        why = _missing(func)
        if why:
            problems.append(f"gallery: topogen.{func} is not available ({why}); {slug} not drawn")
            continue
        _draw_family(slug, title, code)
    for name, code in CONCEPTS.items():
        namespace = {"topogen": topogen, "plt": plt}
        try:
            exec(textwrap.dedent(code), namespace)
        except (ImportError, AttributeError) as exc:
            problems.append(f"gallery: figure {name} not drawn: {exc}")
            continue
        _save(namespace["fig"], OUT / name)
    return problems


def draw_figures(force: bool = False) -> list[str]:
    """Draw every figure unless the stamp says they are current; return the problems."""
    stamp_file = OUT / ".stamp"
    stamp = _stamp()
    current = stamp_file.exists() and stamp_file.read_text() == stamp
    if not force and current and all(p.exists() for p in _expected()):
        print("gen: figures are up to date", file=sys.stderr)
        return []
    print(f"gen: drawing {len(_expected())} figures", file=sys.stderr)
    problems = _draw_all()
    if not problems and all(p.exists() for p in _expected()):
        stamp_file.write_text(stamp)
    return problems


def _api_link(func: str) -> str:
    """Markdown link to the API reference entry of ``topogen.<func>``."""
    import topogen

    module = topogen._LAZY[func]
    return f"[`topogen.{func}`](api/generators.md#{module}.{func})"


def _gallery_markdown() -> str:
    parts = []
    for slug, title, code, text, func in GALLERY:
        parts.append(
            f"## {title} {{#{slug}}}\n\n{text} API: {_api_link(func)}; "
            f"command line: `topogen generate {slug} --help`.\n\n"
            f"```python\nimport topogen\n{code}\n```\n\n"
            f"![{title}: layer drawing and spectrum](gallery/generated/{slug}.png)\n"
        )
    return "\n".join(parts)


def _cli_help_markdown() -> str:
    """The ``--help`` of ``topogen`` and of each sub-command, as printed by the command."""
    import contextlib
    import io

    from topogen import cli

    commands = [[], ["generate"], ["generate", "radix-net"], ["generate", "x-net"],
                ["generate", "graph-challenge"], ["info"], ["export"], ["plot"], ["demo"],
                ["verify"], ["challenge", "infer"], ["challenge", "images"]]
    parts = []
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "90"  # help text as in an 90-column terminal
    for cmd in commands:
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
                cli.main([*cmd, "--help"])
        finally:
            if old is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old
        title = " ".join(["topogen", *cmd])
        parts.append(f"## `{title}`\n\n```text\n{buf.getvalue().rstrip()}\n```\n")
    return "\n".join(parts)


def _examples_markdown() -> str:
    """Each script of examples/: its docstring as text, then its code."""
    import ast

    parts = []
    for path in sorted((ROOT / "examples").glob("*.py")):
        source = path.read_text()
        tree = ast.parse(source)
        doc = ast.get_docstring(tree) or ""
        title, _, rest = doc.partition("\n")
        body = source
        if doc:  # the docstring is the text above the code; show the code without it
            body = "\n".join(source.splitlines()[tree.body[0].end_lineno:]).strip()
        parts.append(f"## {title.rstrip('.')}\n\n{rest.strip()}\n\n"
                     f"`examples/{path.name}`:\n\n```python\n{body}\n```\n")
    return "\n".join(parts)


def _demo_table_markdown() -> str:
    """The comparison table of ``topogen demo`` (seed 0), computed now."""
    from topogen import cli
    from topogen.analysis import analyze

    nets = cli.demo_topologies(0)
    reports = {name: analyze(net, method="sparse") for name, net in nets.items()}
    header, *rows = cli.demo_rows(reports)
    lines = ["| " + " | ".join(header) + " |", "|---" + "|--:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


FRAGMENTS = {
    "gallery.md": _gallery_markdown,
    "cli-help.md": _cli_help_markdown,
    "demo-table.md": _demo_table_markdown,
    "examples.md": _examples_markdown,
}


def write_fragments() -> None:
    """Write each Markdown fragment into OUT, replacing a file only when its text changed."""
    for name, make in FRAGMENTS.items():
        text = make().rstrip() + "\n"
        path = OUT / name
        if path.exists() and path.read_text() == text:
            continue
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Draw the figures and write the fragments; 1 when something could not be made."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--force", action="store_true", help="redraw every figure")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # document this tree's topogen, wherever it is run from
    os.environ.setdefault("MPLBACKEND", "Agg")
    OUT.mkdir(parents=True, exist_ok=True)
    problems = draw_figures(force=args.force)
    write_fragments()
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
