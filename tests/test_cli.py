"""The ``topogen`` command, run in-process through ``topogen.cli.main`` (and once as a process)."""

import json
import shlex
import subprocess
import sys

import numpy as np
import pytest

import topogen
from topogen import cli
from topogen.analysis import analyze


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _example_argv(family, tmp_path):
    """The family's documented example with its output redirected into ``tmp_path``."""
    argv = shlex.split(family.examples[0])[1:]
    k = argv.index("-o")
    argv[k + 1] = str(tmp_path / argv[k + 1])
    if family.name == "from-graph":
        import networkx as nx

        graph = tmp_path / "petersen.graphml"
        nx.write_graphml(nx.petersen_graph(), graph)
        argv[argv.index("--graph") + 1] = str(graph)
    return argv, argv[k + 1]


def _direct(family, argv):
    """Build the same topology by calling the library directly with the parsed values."""
    ns = cli.build_parser().parse_args(argv)
    values = {p.dest: getattr(ns, p.dest) for p in family.params}
    return cli.build_topology(family, values)


def test_every_generator_family_is_reachable():
    generators = {name for name, mod in topogen._LAZY.items() if ".generators." in mod}
    assert generators <= {f.function for f in cli.commands()}


COMMANDS = {c.name: c for c in cli.commands()}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_generate_example_of_every_family(name, tmp_path, capsys):
    family = COMMANDS[name]
    argv, out = _example_argv(family, tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 0, err
    saved = topogen.load(out)
    assert saved == _direct(family, argv)
    assert saved.meta.get("generator")


def test_generate_radix_net_matches_library(tmp_path, capsys):
    out = tmp_path / "net.npz"
    code, _, err = run(["generate", "radix-net", "--radices", "2,2,2:4", "--multipliers",
                        "1,2,2,2,1", "-o", out], capsys)
    assert code == 0 and "wrote" in err
    assert topogen.load(out) == topogen.radix_net([[2, 2, 2], [4]], [1, 2, 2, 2, 1])
    code, _, err = run(["--quiet", "generate", "radix-net", "--radices", "2,2", "-o", out],
                       capsys)
    assert code == 0 and err == ""
    assert topogen.load(out) == topogen.radix_net([[2, 2]], [1, 1, 1])


def test_generate_seed_is_reproducible(tmp_path, capsys):
    paths = []
    for k, seed in enumerate([3, 3, 4]):
        paths.append(tmp_path / f"x{k}.npz")
        argv = ["generate", "erdos-renyi", "--widths", "20,20,20", "--density", "0.3",
                "--seed", seed, "-o", paths[-1]]
        assert run(argv, capsys)[0] == 0
    a, b, c = (topogen.load(p) for p in paths)
    assert a == b and a != c


def test_info_table_and_json(tmp_path, capsys):
    t = topogen.radix_net([[2, 2]], [1, 3, 1])
    path = tmp_path / "t.npz"
    topogen.save(t, path)
    code, out, _ = run(["info", path, "--no-spectral"], capsys)
    assert code == 0
    assert "widths     4 -> 12 -> 4" in out and "exactly 3 per input-output pair" in out
    code, out, _ = run(["info", path, "--json"], capsys)
    assert code == 0
    assert json.loads(out) == json.loads(analyze(t).to_json())


def test_export_round_trip(tmp_path, capsys):
    t = topogen.radix_net([[2, 3]], [1, 2, 1])
    src = tmp_path / "t.npz"
    topogen.save(t, src)
    for fmt, out in [("tsv", tmp_path / "gc"), ("mtx", tmp_path / "mm"),
                     (None, tmp_path / "t.graphml")]:
        argv = ["export", src, "-o", out] + (["--output-format", fmt] if fmt else [])
        code, _, err = run(argv, capsys)
        assert code == 0, err
        back = topogen.load(out, format=fmt)
        assert back == t


@pytest.mark.parametrize("kind,ext", [("layers", "png"), ("spy", "svg"), ("paths", "png"),
                                      ("spectrum", "pdf")])
def test_plot_writes_image(kind, ext, tmp_path, capsys):
    src = tmp_path / "t.npz"
    topogen.save(topogen.mixed_radix([2, 3]), src)
    out = tmp_path / f"p.{ext}"
    code, _, err = run(["plot", src, "--kind", kind, "-o", out], capsys)
    assert code == 0, err
    head = out.read_bytes()[:8]
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[ext]
    assert head.startswith(magic)
    assert not list(tmp_path.glob(".topogen-*"))  # no temporary file left behind


def test_errors_are_one_line_exit_2(tmp_path, capsys):
    cases = [
        ["generate", "radix-net", "--radices", "2,3:5", "--print"],  # 5 does not divide 6
        ["generate", "dense", "--widths", "3,0", "--print"],
        ["info", tmp_path / "missing.npz"],
        ["plot", tmp_path / "missing.npz", "-o", tmp_path / "x.png"],
    ]
    for argv in cases:
        code, _, err = run(argv, capsys)
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert err.startswith("topogen: error: ")


@pytest.mark.parametrize("argv", [
    ["generate", "radix-net", "--radices", "2,x", "--print"],
    ["generate", "nosuchfamily"],
    ["generate", "radix-net", "--print"],  # --radices missing
])
def test_usage_errors_are_one_line_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error:" in err and "--help" in err


def test_plot_bad_suffix(tmp_path, capsys):
    src = tmp_path / "t.npz"
    topogen.save(topogen.mixed_radix([2]), src)
    code, _, err = run(["plot", src, "-o", tmp_path / "p.unknown"], capsys)
    assert code == 2 and "cannot tell the image format" in err


def test_debug_shows_the_exception(capsys):
    with pytest.raises(topogen.TopogenError, match="must divide"):
        cli.main(["--debug", "generate", "radix-net", "--radices", "2,3:5", "--print"])


def test_help_has_examples_everywhere(capsys):
    commands = [[], ["generate"], ["info"], ["export"], ["plot"], ["demo"]]
    commands += [["generate", name] for name in COMMANDS]
    for cmd in commands:
        with pytest.raises(SystemExit) as exc:
            cli.main([*cmd, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out, cmd


def test_version_and_console_script():
    out = subprocess.run([sys.executable, "-m", "topogen.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"topogen {topogen.__version__}"
    bad = subprocess.run([sys.executable, "-m", "topogen.cli", "info", "/nonexistent.npz"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_verify_is_registered(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", "--help"])
    assert exc.value.code == 0
    assert "examples" in capsys.readouterr().out.lower()


def test_demo(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    code, out, err = run(["demo", "-o", out_dir], capsys)
    assert code == 0, err
    nets = cli.demo_topologies(0)
    assert list(nets) == ["radix-net", "x-net", "ramanujan", "erdos-renyi"]
    assert len({t.widths for t in nets.values()}) == 1
    densities = [t.density for t in nets.values()]
    assert max(densities) / min(densities) < 1.15  # matched density
    for name, t in nets.items():
        assert topogen.load(out_dir / f"{name}.npz") == t
        assert (out_dir / f"{name}-layers.png").read_bytes()[:4] == b"\x89PNG"
        row = next(line for line in out.splitlines() if line.startswith(name))
        assert f"{t.nnz:,}" in row
    assert (out_dir / "spectra.png").read_bytes()[:4] == b"\x89PNG"
    report = json.loads((out_dir / "report.json").read_text())
    radix = report["radix-net"]
    assert radix["paths"]["symmetric"] is True and radix["paths"]["per_pair"] == 7 * 2**3
    # the LPS layers are Ramanujan, the table says so, and the numbers back it
    ram = report["ramanujan"]["layers"]
    assert all(layer["spectral"]["lambda2"] <= layer["spectral"]["ramanujan_bound"] + 1e-9
               for layer in ram)
    ram_row = next(line for line in out.splitlines() if line.startswith("ramanujan"))
    assert ram_row.split()[-1] == "yes"
    assert not report["erdos-renyi"]["regular"]
    assert str(out_dir) in err


def test_generate_stream_matches_in_memory(tmp_path, capsys):
    expected = topogen.radix_net([[3, 3], [3]], [1, 2, 2, 1])
    for target, fmt in [(tmp_path / "s.npz", None), (tmp_path / "gc", "tsv"),
                        (tmp_path / "mm", "mtx")]:
        argv = ["generate", "radix-net", "--radices", "3,3:3", "--multipliers", "1,2,2,1",
                "--stream", "-o", target] + (["--output-format", fmt] if fmt else [])
        code, _, err = run(argv, capsys)
        assert code == 0, err
        assert topogen.load(target, format=fmt) == expected
    code, _, err = run(["generate", "radix-net", "--radices", "3,3", "--stream", "-o",
                        tmp_path / "x.graphml"], capsys)
    assert code == 2 and "--stream writes" in err


def test_parsers():
    assert cli.parse_radix_lists("2,2,2:4") == [[2, 2, 2], [4]]
    assert cli.parse_ints("1,2,2,2,1") == [1, 2, 2, 2, 1]
    assert cli.parse_int_or_ints("8") == 8 and cli.parse_int_or_ints("8,4") == [8, 4]
    with pytest.raises(Exception, match="radix lists"):
        cli.parse_radix_lists("2::3")
    assert np.array_equal(cli.parse_ints(" 3, 4"), [3, 4])


def test_help_imports_nothing_heavy():
    code = ("import sys\nfrom topogen import cli\ntry:\n    cli.main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'matplotlib', 'jax', 'sklearn', 'networkx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
