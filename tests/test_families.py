"""The one family registry: what the command line and the verifier both read."""

from __future__ import annotations

import argparse
from itertools import pairwise

import numpy as np
import pytest

import topogen
from topogen import TopogenError, cli
from topogen.families import FAMILIES, family_function, get_family, register_family
from topogen.generators.baselines import uniform_layer
from topogen.generators.ramanujan import ramanujan_net

MATCHED = [name for name, f in FAMILIES.items() if f.matched is not None]


@pytest.fixture
def scratch_family():
    """Register a family for one test and remove it afterwards."""
    added = []

    def add(*args, **kwargs):
        family = register_family(*args, **kwargs)
        added.append(family.name)
        return family

    yield add
    for name in added:
        FAMILIES.pop(name, None)


def test_the_command_line_offers_exactly_the_registry():
    commands = cli.commands()
    assert [c.name for c in commands] == list(FAMILIES)
    for command in commands:
        family = FAMILIES[command.name]
        assert command.summary == family.summary and command.function == family.function
        assert family.summary and family_function(family) is not None


def test_every_library_generator_is_a_family():
    generators = {name for name, mod in topogen._LAZY.items() if ".generators." in mod}
    assert generators == {f.function for f in FAMILIES.values()}


def test_the_verifier_names_are_aliases():
    assert get_family("radix").name == "radix-net"
    assert get_family("x_net").name == "x-net"
    assert get_family("random").name == "erdos-renyi"
    assert get_family("erdos_renyi").name == "erdos-renyi"  # '_' for '-'
    assert get_family("radix-net") is FAMILIES["radix-net"]
    assert MATCHED == ["radix-net", "x-net", "ramanujan", "dense", "erdos-renyi"]


def test_unknown_and_unmatched_names_are_refused_with_the_choices():
    with pytest.raises(TopogenError, match=r"^family must be one of 'radix-net', .*got 'nope'$"):
        get_family("nope")
    with pytest.raises(TopogenError, match=r"^families must be one of 'radix-net', 'x-net', "
                       r"'ramanujan', 'dense' or 'erdos-renyi', got 'paley': .*no matched"):
        get_family("paley", param="families", matched=True)
    assert get_family("paley").function == "paley"


@pytest.mark.parametrize("name", MATCHED)
def test_matched_builders_keep_widths_and_densities(name):
    widths, dens = (240, 240, 240), [0.1, 0.25]
    t = FAMILIES[name].matched(widths, dens, 0)
    if name == "dense":
        assert t is None
        return
    assert t.widths == widths
    if name == "ramanujan":  # one regular Ramanujan graph, its density in every layer
        p = t.meta["params"]
        assert np.allclose(t.layer_density, p["degree"] / p["vertices"])
        assert p["lambda2"] <= p["ramanujan_bound"] and 240 % p["vertices"] == 0
    elif name == "radix-net":  # an exact fit: every layer density is N_k / N'
        assert t.meta["generator"] == "radix_net"
    else:
        assert np.allclose(t.layer_density, dens, atol=1 / 240)
    again = FAMILIES[name].matched(widths, dens, 0)
    assert again == t  # same seed, same topology
    if FAMILIES[name].random:
        assert FAMILIES[name].matched(widths, dens, 1) != t


def test_erdos_renyi_family_draws_what_the_verifier_drew():
    """The former ``random`` family: one uniform_layer per layer from one seeded Generator."""
    widths, dens = (30, 40, 20), [0.2, 0.5]
    rng = np.random.default_rng(3)
    expected = [uniform_layer(a, b, max(1, round(d * a * b)), seed=rng)
                for (a, b), d in zip([(30, 40), (40, 20)], dens, strict=True)]
    got = FAMILIES["erdos-renyi"].matched(widths, dens, 3)
    assert all((x != y).nnz == 0 for x, y in zip(got.layers, expected, strict=True))
    assert got.meta["seed"] == 3


def test_erdos_renyi_takes_one_density_per_layer():
    t = topogen.erdos_renyi([10, 20, 5], [0.3, 1.0], seed=1)
    assert t.layer_nnz == (60, 100)
    assert t.meta["params"]["density"] == [0.3, 1.0]
    with pytest.raises(TopogenError, match=r"^density needs one value for all 2 layers"):
        topogen.erdos_renyi([10, 20, 5], [0.3])
    with pytest.raises(TopogenError, match=r"^density\[1\] must be in \(0, 1\], got 1.5$"):
        topogen.erdos_renyi([10, 20, 5], [0.3, 1.5])


def test_ramanujan_net_checks_and_caps():
    t = ramanujan_net([26, 52], 0.5)
    assert t.meta["params"]["graph"] == "paley(13)" and t.layer_nnz == (2 * 4 * 78,)
    with pytest.raises(TopogenError, match="max_edges"):
        ramanujan_net([1200, 1200], 0.1, max_edges=1000)
    with pytest.raises(TopogenError, match=r"^density must be in \(0, 1\]"):
        ramanujan_net([26, 26], 0.0)
    with pytest.raises(TopogenError, match="no Paley or LPS"):
        ramanujan_net([64, 64], 0.1)


def test_register_refuses_taken_names_and_empty_entries(scratch_family):
    with pytest.raises(TopogenError, match="already taken by 'erdos-renyi'"):
        register_family("random", lambda w, d, s: None)
    with pytest.raises(TopogenError, match="already taken by 'dense'"):
        register_family("dense", lambda w, d, s: None)
    with pytest.raises(TopogenError, match="needs a matched builder or a function"):
        register_family("nothing")
    with pytest.raises(TopogenError, match="must be callable"):
        register_family("bad", matched=3)
    with pytest.raises(TopogenError, match="non-empty string"):
        register_family("  ", lambda w, d, s: None)
    assert "nothing" not in FAMILIES and "bad" not in FAMILIES


def _circulant(widths, layer_densities, seed=None):
    """A toy deterministic family: source i feeds targets i, i+1, ..., i+k-1 (mod m), with
    k = round(d * m), so each layer has round(d * n * m) edges as the verifier asks."""
    import scipy.sparse as sp

    layers = []
    for (n, m), d in zip(pairwise(widths), layer_densities, strict=True):
        k = max(1, round(d * m))
        rows = np.repeat(np.arange(n), k)
        cols = (rows + np.tile(np.arange(k), n)) % m
        layers.append(sp.csr_array((np.ones(n * k, bool), (rows, cols)), shape=(n, m)))
    return topogen.Topology(layers, {"generator": "circulant"})


def test_a_new_family_is_one_entry(scratch_family, capsys, tmp_path):
    """Registered once, a family is a ``topogen generate`` command with --widths/--density."""
    scratch_family("toy", _circulant, "a toy family for this test", random=False)
    assert cli.main(["generate", "toy", "--widths", "8,8,8", "--density", "0.5",
                     "-o", str(tmp_path / "toy.npz")]) == 0
    assert topogen.load(tmp_path / "toy.npz") == _circulant((8, 8, 8), [0.5, 0.5])
    with pytest.raises(SystemExit):
        cli.main(["generate", "toy", "--help"])
    out = capsys.readouterr().out
    assert "a toy family for this test" in out and "--density" in out and "--seed" not in out


def test_a_random_family_draws_and_records_its_seed(scratch_family, capsys, tmp_path):
    scratch_family("toy-random", FAMILIES["erdos-renyi"].matched, "uniform, for this test")
    path = tmp_path / "t.npz"
    assert cli.main(["generate", "toy-random", "--widths", "16,16", "--density", "0.25",
                     "-o", str(path)]) == 0
    seed = topogen.load(path).meta["seed"]
    assert f"--seed {seed} rebuilds it" in capsys.readouterr().err
    assert cli.main(["generate", "toy-random", "--widths", "16,16", "--density", "0.25",
                     "--seed", str(seed), "-o", str(tmp_path / "u.npz")]) == 0
    assert topogen.load(tmp_path / "u.npz") == topogen.load(path)
    assert cli.main(["generate", "toy-random", "--widths", "1000,1000", "--density", "0.5",
                     "--max-edges", "1000", "--print"]) == 2
    assert "--max-edges" in capsys.readouterr().err


def test_cli_ramanujan_family_matches_the_library(capsys):
    assert cli.main(["generate", "ramanujan", "--widths", "240,240,240", "--density", "0.1",
                     "--print"]) == 0
    assert "generator='ramanujan_net'" in capsys.readouterr().out


def test_verify_trains_a_new_family(scratch_family):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from topogen.verify import verify

    calls = []

    def counted(widths, layer_densities, seed=None):
        calls.append(seed)
        return _circulant(widths, layer_densities, seed)

    scratch_family("toy", counted, "a toy family for this test", random=False)
    res = verify(dataset="digits", hidden=[16, 16, 16], families=["toy", "random"],
                 density=0.25, seeds=2, epochs=1, progress=False)
    rows = {r["family"]: r for r in res.rows()}
    assert list(rows) == ["toy", "erdos-renyi"] and rows["toy"]["seeds"] == 2
    assert rows["toy"]["layer_nnz"] == rows["erdos-renyi"]["layer_nnz"]
    assert len(calls) == 1  # not random: built once, trained with every seed


def test_verify_families_help_lists_the_registry():
    from topogen.verify.command import register

    parser = register(argparse.ArgumentParser().add_subparsers())
    text = parser.format_help()
    for name in MATCHED:
        assert name in text
