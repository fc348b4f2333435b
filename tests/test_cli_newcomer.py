"""The newcomer's path through ``topogen`` (issue 13) and the CLI side of issue 10.

One meaning per flag (with the old spellings deprecated, not broken), errors in the
command's own terms, the output format read from the output name, limits settable from the
command line, fits that say how far they are, bounded ``--dpi``.
"""

import re

import pytest

import topogen
from topogen import cli
from topogen.cli import _common


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _save(tmp_path, net=None, name="t.npz"):
    path = tmp_path / name
    topogen.save(net if net is not None else topogen.radix_net([[2, 2]], [1, 2, 1]), path)
    return path


# ---------------------------------------------------------------- one meaning per flag
def test_radix_net_multipliers_flag_and_python_default_agree(capsys):
    code, out, err = run(["generate", "radix-net", "--radices", "2,2:2", "--print"], capsys)
    assert code == 0, err
    # no --multipliers on the command line == no multipliers in Python == all ones
    assert out.strip() == repr(topogen.radix_net([[2, 2], [2]]))
    assert topogen.radix_net([[2, 2], [2]]) == topogen.radix_net([[2, 2], [2]], [1, 1, 1, 1])
    code, out, _ = run(["generate", "radix-net", "--radices", "2,2", "--multipliers", "1,3,1",
                        "--print"], capsys)
    assert out.strip() == repr(topogen.radix_net([[2, 2]], multipliers=[1, 3, 1]))


def test_radix_net_widths_flag_is_deprecated_but_works(tmp_path, capsys):
    new, old = tmp_path / "new.npz", tmp_path / "old.npz"
    assert run(["generate", "radix-net", "--radices", "2,2", "--multipliers", "1,3,1",
                "-o", new], capsys)[0] == 0
    code, _, err = run(["generate", "radix-net", "--radices", "2,2", "--widths", "1,3,1",
                        "-o", old], capsys)
    assert code == 0
    assert "--widths is deprecated" in err and "use --multipliers" in err
    assert topogen.load(old) == topogen.load(new)
    # --widths keeps its one meaning (neuron counts) for the other families
    code, _, err = run(["generate", "dense", "--widths", "3,4", "--print"], capsys)
    assert code == 0 and "deprecated" not in err


def test_help_of_radix_net_shows_multipliers_not_widths(capsys):
    with pytest.raises(SystemExit):
        cli.main(["generate", "radix-net", "--help"])
    out = capsys.readouterr().out
    assert "--multipliers" in out and "--widths" not in out


@pytest.mark.parametrize("command", [
    ["generate", "radix-net", "--radices", "2,2"], ["export", "IN"]])
def test_format_flag_says_output_and_old_one_is_deprecated(command, tmp_path, capsys):
    src = _save(tmp_path)
    argv = [str(src) if a == "IN" else a for a in command]
    code, _, err = run([*argv, "-o", tmp_path / "a", "--output-format", "tsv"], capsys)
    assert code == 0 and "deprecated" not in err
    code, _, err = run([*argv, "-o", tmp_path / "b", "--format", "tsv"], capsys)
    assert code == 0
    assert "--format is deprecated" in err and "--output-format" in err
    assert topogen.load(tmp_path / "a") == topogen.load(tmp_path / "b")


@pytest.mark.parametrize("command,old", [(["info", "IN"], "--format"),
                                         (["plot", "IN", "-o", "OUT"], "--format"),
                                         (["export", "IN", "-o", "OUT2"], "--from")])
def test_input_format_flag_and_old_one_is_deprecated(command, old, tmp_path, capsys):
    src = tmp_path / "gc"
    topogen.save(topogen.radix_net([[2, 2]], [1, 2, 1]), src, format="tsv")
    names = {"IN": src, "OUT": tmp_path / "p.png", "OUT2": tmp_path / "o.npz"}
    argv = [names.get(a, a) for a in command]
    code, _, err = run([*argv, "--input-format", "tsv"], capsys)
    assert code == 0 and "deprecated" not in err, err
    code, _, err = run([*argv, old, "tsv"], capsys)
    assert code == 0
    assert f"{old} is deprecated" in err and "--input-format" in err


def test_every_command_spells_formats_the_same_way():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    gen = next(a for a in sub["generate"]._actions if a.dest == "family").choices
    shown = {}
    for name, p in [("info", sub["info"]), ("plot", sub["plot"]), ("export", sub["export"]),
                    *[(f"generate {f}", q) for f, q in gen.items()]]:
        flags = {s for a in p._actions if a.help != "==SUPPRESS==" for s in a.option_strings}
        shown[name] = {f for f in flags if "format" in f or f == "--from"}
    assert shown["info"] == shown["plot"] == {"--input-format"}
    assert shown["export"] == {"--input-format", "--output-format"}
    assert all(v == {"--output-format"} for k, v in shown.items() if k.startswith("generate"))


# ---------------------------------------------------------------- output format from the name
@pytest.mark.parametrize("name,fmt", [("x.tsv", "tsv"), ("neuron16", "tsv"), ("neuron16/", "tsv"),
                                      ("x.mtx", "mtx"), ("x.npz", "npz"),
                                      ("x.graphml", "graphml"), ("x.edgelist", "edgelist")])
def test_output_format_from_the_name(name, fmt, tmp_path, capsys):
    out = str(tmp_path / name)
    code, _, err = run(["generate", "radix-net", "--radices", "2,2", "--multipliers", "2,2,2",
                        "-o", out], capsys)
    assert code == 0, err
    assert _common.FORMAT_WORDS[fmt] in err and "from the name" in err  # says what it chose
    back = topogen.load(out.rstrip("/"), format=fmt)
    assert back == topogen.radix_net([[2, 2]], [2, 2, 2])


def test_output_suffix_contradicting_the_format_is_refused(tmp_path, capsys):
    src = _save(tmp_path)
    for argv in (["export", src, "-o", tmp_path / "x.npz", "--output-format", "tsv"],
                 ["generate", "dense", "--widths", "2,2", "-o", tmp_path / "y.tsv",
                  "--output-format", "npz"]):
        code, _, err = run(argv, capsys)
        assert code == 2 and "--output-format" in err and "ends in" in err, err
    assert not (tmp_path / "x.npz").exists() and not (tmp_path / "y.tsv").exists()


def test_unknown_output_name_says_how_to_choose(tmp_path, capsys):
    code, _, err = run(["generate", "dense", "--widths", "2,2", "-o", tmp_path / "out"], capsys)
    assert code == 2 and ".tsv" in err and "--output-format" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- limits named in errors have flags
def _flags_of(argv) -> set:
    """Every option string of the (sub-)parser that ``argv`` selects."""
    parser = cli.build_parser()
    for word in argv:
        sub = [a for a in parser._actions if hasattr(a, "choices") and isinstance(a.choices, dict)
               and word in a.choices]
        if not sub:
            break
        parser = sub[0].choices[word]
    return {s for a in parser._actions for s in a.option_strings}


def _limit_cases(tmp_path):
    src = _save(tmp_path, topogen.radix_net([[4, 4]], [2, 2, 2]))  # 512 edges, 32 x 32
    return [
        (["generate", "dense", "--widths", "100,100", "--max-edges", "50", "--print"],
         "--max-edges"),
        (["generate", "radix-net", "--radices", "32,32", "--multipliers", "4,4,4",
          "--max-edges", "1000", "--stream", "-o", tmp_path / "s.npz"], "--max-edges"),
        (["generate", "fit-radix-net", "--widths", "100,200,10", "--density", "0.05", "--print"],
         "--tolerance"),
        (["generate", "fit-radix-net", "--widths", "64,64", "--density", "0.3", "--print"],
         "--tolerance"),
        (["export", src, "-o", tmp_path / "t.graphml", "--max-edges", "10"], "--max-edges"),
        (["plot", src, "--kind", "paths", "--max-entries", "10", "-o", tmp_path / "p.png"],
         "--max-entries"),
        (["info", src, "--max-edges", "10"], "--max-edges"),  # the readers' caps too
        (["plot", src, "--max-edges", "10", "-o", tmp_path / "q.png"], "--max-edges"),
        (["export", src, "--max-edges", "10", "-o", tmp_path / "u.tsv"], "--max-edges"),
    ]


def test_every_limit_named_in_an_error_is_a_flag(tmp_path, capsys):
    for argv, flag in _limit_cases(tmp_path):
        code, _, err = run(argv, capsys)
        assert code == 2, (argv, err)
        assert flag in err, err
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", err))
        assert named <= _flags_of([str(a) for a in argv]), (named, err)
        # no Python keyword (max_edges=, tolerance=, format='tsv') left in the message
        assert not re.search(r"\b[a-z_]+=", err), err
        assert "max_edges" not in err and "max_entries" not in err


def test_raising_the_limit_from_the_command_line_works(tmp_path, capsys):
    code, out, _ = run(["generate", "dense", "--widths", "100,100", "--max-edges", "20000",
                        "--print"], capsys)
    assert code == 0 and "nnz=10000" in out
    src = _save(tmp_path, topogen.radix_net([[4, 4]], [2, 2, 2]))  # 32 x 32 path counts
    code, _, err = run(["plot", src, "--kind", "paths", "--max-entries", "1024",
                        "-o", tmp_path / "p.png"], capsys)
    assert code == 0, err


def test_library_terms_translated():
    text = ("x would have 9 edges, above max_edges=5; pass a larger max_edges= if you have "
            "the memory; or format='tsv' or 'mtx'; try a larger tolerance=")
    got = _common.in_cli_terms(text)
    assert got == ("x would have 9 edges, above --max-edges 5; pass a larger --max-edges if "
                   "you have the memory; or --output-format tsv or mtx; try a larger "
                   "--tolerance")


# ---------------------------------------------------------------- silent surprises (issue 10.7)
def test_fit_radix_net_explains_and_respects_tolerance(capsys):
    argv = ["generate", "fit-radix-net", "--widths", "100,200,10", "--density", "0.05", "--print"]
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert "--tolerance" in err and "nearest" in err
    code, out, err = run([*argv, "--tolerance", "4"], capsys)
    assert code == 0
    fit = topogen.fit_radix_net([100, 200, 10], 0.05, tolerance=4, limit=200)
    assert "not an exact fit" in err and "+214" in err  # the library's explanation, printed
    assert any(f.explanation in err for f in fit)
    # an exact fit at the asked density says nothing
    code, _, err = run(["generate", "fit-radix-net", "--widths", "64,64,64", "--density",
                        "0.25", "--print"], capsys)
    assert code == 0 and "not an exact fit" not in err


def test_info_says_what_was_found(tmp_path, capsys):
    broken = topogen.Topology([topogen.dense([2, 2]).layers[0],
                               topogen.from_graph(topogen.paley(5), 1).layers[0][:2, :]])
    src = _save(tmp_path, broken)
    code, out, _ = run(["info", src, "--no-spectral"], capsys)
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("connected"))
    assert line.split()[1] == "no" and "every input reaches every output" not in line


# ---------------------------------------------------------------- user mistakes are exit 2
@pytest.mark.parametrize("dpi", ["0", "-5", "100000", "abc"])
def test_plot_dpi_is_bounded(dpi, tmp_path, capsys):
    src = _save(tmp_path)
    with pytest.raises(SystemExit) as exc:
        cli.main(["plot", str(src), "-o", str(tmp_path / "p.png"), "--dpi", dpi])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--dpi" in err
    assert not (tmp_path / "p.png").exists()


def test_missing_optional_package_is_exit_2(monkeypatch, capsys):
    def missing(*args, **kwargs):
        raise ImportError("matplotlib is needed for plots: pip install 'topogen[plot]'")

    monkeypatch.setattr(cli.generate, "build_topology", missing)
    code, _, err = run(["generate", "dense", "--widths", "2,2", "--print"], capsys)
    assert code == 2 and err.startswith("topogen: error: matplotlib")


# ---------------------------------------------------------------- --stream checks sizes (10.9)
def test_stream_checks_layer_size_and_disk(tmp_path, capsys, monkeypatch):
    out = tmp_path / "neuron64"
    code, _, err = run(["generate", "radix-net", "--radices", "8,8", "--multipliers", "4,4,4",
                        "--stream", "--max-edges", "1000", "-o", out], capsys)
    assert code == 2 and "layer 0" in err and "8,192 edges" in err and "--max-edges" in err
    assert not out.exists()
    monkeypatch.setattr(_common, "free_bytes", lambda path: 1000)
    code, _, err = run(["generate", "radix-net", "--radices", "8,8", "--stream", "-o", out],
                       capsys)
    assert code == 2 and "free" in err and "MiB" in err
    assert not out.exists()
    monkeypatch.undo()
    code, _, err = run(["generate", "radix-net", "--radices", "8,8", "--stream", "-o", out],
                       capsys)
    assert code == 0 and "streaming 2 layers, 1,024 edges" in err
    assert topogen.load(out) == topogen.radix_net([[8, 8]])


def test_stream_byte_estimate_bounds_the_files(tmp_path):
    from topogen.cli._stream_checks import stream_bytes
    from topogen.export import radix_net_layers, stream_layers, stream_npz
    from topogen.generators.radix import radix_net_size

    lists, mult = [[4, 4], [2]], [3, 1, 2, 5]
    nnz = radix_net_size(lists, mult)["layer_edges"]
    assert nnz == topogen.radix_net(lists, mult).layer_nnz
    widths = [b * 16 for b in mult]
    for fmt in ("tsv", "mtx", "npz"):
        target = tmp_path / f"s.{fmt}"
        layers = radix_net_layers(lists, mult)
        info = (stream_npz(layers, target) if fmt == "npz"
                else stream_layers(layers, target, kind=fmt))
        assert info["bytes"] <= stream_bytes(nnz, widths[:-1], len(str(max(widths))), fmt)


# ---------------------------------------------------------------- plots agree with tables
def test_demo_spectra_draw_the_tables_worst_layer():
    import numpy as np

    from topogen.analysis import analyze
    from topogen.cli.demo import demo_spectra_figure, demo_table

    nets = {"radix": topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1]),  # worst: layer 1
            "xnet": topogen.x_net([12, 12, 12, 12], degree=3, seed=1)}
    reports = {name: analyze(t) for name, t in nets.items()}
    fig = demo_spectra_figure(nets, reports)
    ax = fig.axes[0]
    table = demo_table(reports)
    for name, t in nets.items():
        # the oracle: dense singular values of every layer, the largest second one
        second = [np.linalg.svd(layer.toarray().astype(float), compute_uv=False)[1]
                  for layer in t.layers]
        worst = int(np.argmax(second))
        (line,) = [x for x in ax.lines if x.get_label() == f"{name} (layer {worst})"]
        drawn = np.sort(line.get_ydata())[::-1]
        assert drawn[1] == pytest.approx(second[worst], abs=1e-6)
        row = next(r for r in table.splitlines() if r.startswith(name))
        assert f"{second[worst]:.3f}" in row.split()  # the table's max lambda2
    assert "radix (layer 1)" in [x.get_label() for x in ax.lines]  # not the first layer


def test_equal_bounds_are_one_labelled_line():
    import matplotlib

    matplotlib.use("Agg")
    from topogen import plot

    fig = plot.spectrum(topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1]))
    ax = fig.axes[0]
    dashed = [x for x in ax.lines if x.get_linestyle() == "--"]
    heights = [x.get_ydata()[0] for x in dashed]
    assert len(heights) == len(set(heights)) == 2  # layers 0 and 2 share one bound
    labels = sorted(x.get_label() for x in dashed)
    assert labels[0].endswith("layer 0, layer 2") and labels[1].endswith("layer 1")
    legend = ax.get_legend()
    fig.canvas.draw()
    box, frame = legend.get_window_extent(), ax.get_window_extent()
    assert box.x0 >= frame.x1  # beside the axes, over no data


def test_small_graph_small_png(tmp_path, capsys):
    src = _save(tmp_path, topogen.x_net([28, 28, 28], degree=4, seed=0))  # 224 edges
    out = tmp_path / "l.png"
    code, _, err = run(["plot", src, "-o", out], capsys)
    assert code == 0, err
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size < 100_000


# ------------------------------------------------------- hostile --graph files (10.1, 10.6)
@pytest.mark.parametrize("name,content", [
    ("big.mtx", b"%%MatrixMarket matrix coordinate pattern general\n200000000 4 1\n1 1\n"),
    ("lying.mtx", b"%%MatrixMarket matrix coordinate pattern general\n4 4 1000000\n1 2\n"),
    ("dense.mtx", b"%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n"),
    ("cut.graphml", b'<?xml version="1.0"?><graphml><graph edgedefault="undirected"><node'),
    ("cut.gml", b"graph [ node [ id 1 "),
    ("deep.gml", b"graph [ " + b"a [ " * 5000 + b"] " * 5000 + b"]"),
    ("bad.edges", b"a b c d\n1\n"),
    # a NUL byte made fast_matrix_market (inside scipy.io.mmread) segfault
    ("nul.mtx", b"%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1\x00\n"),
])
def test_bad_graph_files_are_one_line_exit_2(name, content, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(content)
    for family in ("from-graph", "bipartite-ramanujan"):
        code, _, err = run(["generate", family, "--graph", path, "--print"], capsys)
        assert code == 2, err
        assert err.startswith("topogen: error: --graph") and err.count("\n") == 1, err


def test_graph_must_be_a_regular_file(tmp_path, capsys):
    import os

    fifo = tmp_path / "pipe.graphml"
    os.mkfifo(fifo)
    code, _, err = run(["generate", "from-graph", "--graph", fifo, "--print"], capsys)
    assert code == 2 and "not a regular file" in err
    code, _, err = run(["generate", "from-graph", "--graph", tmp_path, "--print"], capsys)
    assert code == 2 and "not a regular file" in err


def test_graph_challenge_stream_is_checked_too(tmp_path, capsys):
    out = tmp_path / "neuron1024"
    code, _, err = run(["generate", "graph-challenge", "--neurons", "1024", "--layers", "2",
                        "--seed", "0", "--stream", "--max-edges", "1000", "-o", out], capsys)
    assert code == 2 and "32,768 edges" in err and not out.exists()
    code, _, err = run(["generate", "graph-challenge", "--neurons", "1024", "--layers", "2",
                        "--seed", "0", "--stream", "-o", out], capsys)
    assert code == 0 and "streaming 2 layers, 65,536 edges" in err
    assert topogen.load(out).layer_nnz == (32 * 1024,) * 2  # the estimate's 32 a neuron


@pytest.mark.parametrize("lr", ["nan", "-1", "0"])
def test_verify_bad_learning_rate_is_exit_2(lr, capsys):
    pytest.importorskip("torch")
    code, _, err = run(["verify", "--lr", lr], capsys)
    assert code == 2 and err.startswith("topogen: error: ") and err.count("\n") == 1, err
    assert "internal error" not in err


@pytest.mark.parametrize("argv", [
    ["generate", "x-net", "--widths", "16,16,16", "--degree", "3"],
    ["generate", "erdos-renyi", "--widths", "16,16", "--density", "0.2"],
    ["generate", "graph-challenge", "--neurons", "1024", "--layers", "2", "--stream"],
])
def test_run_without_seed_records_and_prints_the_drawn_seed(argv, tmp_path, capsys):
    out = tmp_path / "a.npz"
    code, _, err = run([*argv, "-o", out], capsys)
    assert code == 0, err
    seed = topogen.load(out).meta["seed"]
    assert isinstance(seed, int) and f"seed {seed} " in err  # recorded, and said
    again = tmp_path / "b.npz"
    assert run([*argv, "--seed", seed, "-o", again], capsys)[0] == 0
    assert topogen.load(again) == topogen.load(out)  # the file can be rebuilt


def test_info_spectra_sample_note_names_its_flag(tmp_path, capsys):
    net = topogen.x_net([16] * 12, degree=3, seed=0)  # 11 distinct layers, 8 spectra by default
    src = _save(tmp_path, net)
    code, out, _ = run(["info", src], capsys)
    assert code == 0
    note = out.strip().splitlines()[-1]
    assert "--max-spectra all" in note and "max_spectra" not in note
    assert "--max-spectra" in _flags_of(["info"])
    code, out, _ = run(["info", src, "--max-spectra", "all"], capsys)
    rows = [r for r in out.splitlines() if r[:1].isdigit()]
    assert len(rows) == 11 and all(r.split()[-1] != "-" for r in rows)  # every spectrum


# ------------------------------------------------------------- bipartite LPS (issue 10.7)
def test_generate_lps_bipartite_is_its_biadjacency(tmp_path, capsys):
    """(5|13) = -1: X^{5,13} is bipartite; the layer is B (1092 -> 1092), not two copies."""
    out = tmp_path / "lps.npz"
    code, _, err = run(["generate", "lps", "--p", "5", "--q", "13", "--depth", "1", "-o", out],
                       capsys)
    assert code == 0, err
    net = topogen.load(out)
    assert net.widths == (1092, 1092) and net.meta["params"]["case"] == "bipartite"
    import scipy.sparse.csgraph as csgraph

    B = net.layers[0].astype(float)
    n_comp, _ = csgraph.connected_components(B @ B.T, directed=False)
    assert n_comp == 1
    gap = topogen.analysis.spectral_gap(net.layers[0])
    assert gap.is_ramanujan is True


def test_library_warnings_are_one_line(tmp_path, capsys):
    code, _, err = run(["generate", "x-net", "--widths", "64,64,64", "--density", "0.1",
                        "--seed", "1", "-o", tmp_path / "x.npz"], capsys)
    assert code == 0
    warning = [ln for ln in err.splitlines() if "not met exactly" in ln]
    assert len(warning) == 1 and warning[0].startswith("topogen: warning: density 0.1")
    assert "result = func(" not in err  # no source line of the library
