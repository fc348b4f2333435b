"""The verifier's controls: matched baselines, ends, optimisers, selection, layers, threads."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

import topogen  # noqa: E402
from topogen import TopogenError  # noqa: E402
from topogen.verify import load_dataset, uniform_random, verify  # noqa: E402
from topogen.verify.data import Dataset  # noqa: E402
from topogen.verify.models import choose_layer_kind  # noqa: E402
from topogen.verify.presets import verify_from  # noqa: E402
from topogen.verify.train import choose_threads  # noqa: E402

MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist.npz")
QUIET = {"progress": False, "threads": 1}


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def _tiny(n=240, features=16, classes=4, seed=0):
    """A small synthetic task: labels from a fixed random linear map of Gaussian inputs."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = (x @ rng.standard_normal((features, classes))).argmax(axis=1)
    return Dataset("tiny", x[:200], y[:200], x[200:], y[200:], classes)


def test_baselines_match_the_reference_topology_layer_by_layer(digits):
    mine = topogen.radix_net([[4, 8]], [1, 2, 1])  # 32-64-32, densities 1/8 and 1/4
    res = verify({"mine": mine}, dataset=digits, families=["dense", "random", "x_net"],
                 seeds=2, epochs=1, **QUIET)
    assert res.settings["ends"] == "dense"
    assert res.settings["layer_edges"] == list(mine.layer_nnz)
    assert res.settings["trained_density"] == pytest.approx(mine.density)
    assert "mine" in res.settings["matched_to"]
    ends = (64 * 32, 32 * 10)
    for run in res.runs:
        if run.family in ("erdos-renyi", "mine"):  # exact edge counts, every layer
            assert run.layer_nnz == (ends[0], *mine.layer_nnz, ends[1])
        if run.family == "x-net":  # degrees are rounded: close, and recorded as trained
            assert abs(sum(run.layer_nnz[1:3]) - mine.nnz) <= 0.1 * mine.nnz
    rows = {r["family"]: r for r in res.rows()}
    assert rows["erdos-renyi"]["core_density"] == pytest.approx(mine.density)


def test_uniform_random_uses_the_checked_sampler():
    t = uniform_random([10, 20, 5], [0.3, 1.0], seed=1)
    assert t.layer_nnz == (60, 100)
    with pytest.raises(TopogenError, match="layer_densities"):
        uniform_random([10, 20, 5], [0.3])
    with pytest.raises(TopogenError, match=r"layer_densities\[1\]"):
        uniform_random([10, 20, 5], [0.3, 1.5])
    with pytest.raises(TopogenError, match="max_edges"):
        uniform_random([100, 100], [0.5], max_edges=10)


def test_sparse_ends_with_two_hidden_widths(digits):
    res = verify(dataset=digits, hidden=[40, 20], families=["dense", "radix", "random"],
                 density=0.25, ends="sparse", seeds=1, epochs=1, allow_density_miss=True,
                 **QUIET)
    assert res.settings["widths"] == [64, 40, 20, 10]
    radix, random = res.runs[1], res.runs[2]
    assert radix.layer_nnz == random.layer_nnz  # matched in every layer, ends included
    assert radix.layer_nnz[-1] == 20 * 10  # the joined dense output layer
    assert radix.layer_nnz[0] < 64 * 40
    assert any("joined to the data" in n for n in res.notes)


def test_one_layer_core_suggests_flags_the_cli_has(digits):
    with pytest.raises(TopogenError) as exc:
        verify(dataset=digits, hidden=[300, 100], seeds=1, epochs=1, **QUIET)
    text = str(exc.value)
    assert "--ends sparse" in text and "tolerance=" not in text and "exact_only" not in text


def test_density_miss_is_said_and_refused_beyond_the_tolerance(digits):
    ok = verify(dataset=digits, hidden=[32, 32, 32], families=["radix"], density=0.3,
                seeds=1, epochs=1, **QUIET)
    assert any(n.startswith("density 0.3 was asked") for n in ok.notes)
    with pytest.raises(TopogenError, match="--allow-density-miss"):
        verify(dataset=digits, hidden=[32, 32, 32], families=["radix"], density=0.12,
               seeds=1, epochs=1, **QUIET)
    res = verify(dataset=digits, hidden=[32, 32, 32], families=["radix"], density=0.12,
                 seeds=1, epochs=1, allow_density_miss=True, **QUIET)
    assert res.notes[0].startswith("DENSITY MISS beyond the tolerance")
    assert "note: DENSITY MISS" in res.report().splitlines()[0]


def test_validation_selects_the_epoch_and_stops_early():
    data = _tiny()
    res = verify(dataset=data, hidden=[16, 16, 16], families=["dense"], seeds=2, epochs=6,
                 optimizer="sgd", lr=0.5, momentum=0.9, schedule="step", lr_step=2,
                 val_fraction=0.25, patience=0, **QUIET)
    for run in res.runs:
        n = len(run.loss_curve)
        assert n == len(run.val_curve) == len(run.accuracy_curve) <= 6
        best = int(np.argmax(run.val_curve))
        assert run.best_epoch == best
        assert run.test_accuracy == run.accuracy_curve[best]
        if n < 6:  # stopped: the epoch after the best did not improve it
            assert run.val_curve[-1] <= run.val_curve[best]
    s = res.settings
    assert (s["optimizer"], s["schedule"], s["lr_step"], s["val_fraction"]) == (
        "sgd", "step", 2, 0.25)
    with pytest.raises(TopogenError, match="val_fraction"):
        verify(dataset=data, hidden=[8, 8, 8], families=["dense"], patience=2, **QUIET)
    for bad in ({"optimizer": "lbfgs"}, {"schedule": "linear"}, {"momentum": 1.5},
                {"weight_decay": -1}, {"val_fraction": 1.0}, {"layers": "coo"},
                {"normalize": "l2"}, {"init": "zeros"}):
        with pytest.raises(TopogenError):
            verify(dataset=data, hidden=[8, 8, 8], families=["dense"], **bad, **QUIET)


def test_weight_decay_keeps_masks():
    data = _tiny()
    net = topogen.radix_net([[2, 4]], [2, 2, 2])
    for optimizer in ("adam", "adamw", "sgd"):
        res = verify(net, dataset=data, families=[], optimizer=optimizer, weight_decay=0.1,
                     seeds=1, epochs=2, **QUIET)
        assert res.runs[0].layer_nnz[1:3] == net.layer_nnz


def test_normalisation_options():
    scaled = load_dataset("digits", normalize="scale")
    raw = load_dataset("digits", normalize="none")
    std = load_dataset("digits")
    assert scaled.x_train.max() == 1.0 and scaled.x_train.min() == 0.0
    assert raw.x_train.max() == 16.0
    assert abs(float(std.x_train.mean())) < 1e-4
    assert (scaled.normalize, raw.normalize, std.normalize) == ("scale", "none", "standard")
    np.testing.assert_allclose(scaled.x_test, raw.x_test / 16.0)


@pytest.mark.parametrize("kind", ["csr", "bsr"])
def test_layer_kinds_follow_the_same_trajectory(kind):
    data = _tiny()
    net = topogen.radix_net([[2, 4]], [2, 2, 2])  # 16-16-16 with 2 x 2 blocks
    common = dict(dataset=data, families=[], seeds=[3], epochs=3, batch_size=20,
                  optimizer="sgd", lr=0.1, **QUIET)
    masked = verify(net, layers="masked", **common).runs[0]
    other = verify(net, layers=kind, **common).runs[0]
    assert other.layer_kinds == ("masked", kind, kind, "masked")
    assert masked.layer_kinds == ("masked",) * 4
    assert masked.layer_nnz == other.layer_nnz
    # 30 optimiser steps: the same losses and accuracies up to float rounding
    np.testing.assert_allclose(other.loss_curve, masked.loss_curve, rtol=1e-4)
    np.testing.assert_allclose(other.accuracy_curve, masked.accuracy_curve, atol=0.01)


def test_layer_kinds_start_from_the_same_weights():
    from topogen.verify import BlockSparseLinear, MaskedLinear, SparseLinear

    net = topogen.radix_net([[2, 4]], [3, 2, 4])
    for i in range(net.depth):
        mask = topogen.export.to_torch_masks(net)[i]
        ref = MaskedLinear(mask.shape[1], mask.shape[0], mask,
                           generator=torch.Generator().manual_seed(5)).weight_dense()
        for cls in (SparseLinear, BlockSparseLinear):
            layer = cls(net, i, generator=torch.Generator().manual_seed(5))
            assert torch.equal(layer.weight_dense(), ref)


def test_auto_layer_choice():
    assert choose_layer_kind("auto", 784, 300, 23520) == "csr"
    assert choose_layer_kind("auto", 784, 300, 117600) == "masked"  # density 1/2
    assert choose_layer_kind("auto", 64, 64, 100) == "masked"  # too small to pay off
    assert choose_layer_kind("auto", 784, 300, 23520, device="meta") == "masked"
    assert choose_layer_kind("bsr", 4, 4, 4) == "bsr"
    with pytest.raises(TopogenError, match="layers"):
        choose_layer_kind("dense", 4, 4, 4)


def test_threads_are_chosen_recorded_and_restored():
    n, why = choose_threads()
    assert 1 <= n <= len(os.sched_getaffinity(0)) and "cores" in why
    with pytest.raises(TopogenError):
        choose_threads(0)
    before = torch.get_num_threads()
    res = verify(dataset=_tiny(), hidden=[8, 8, 8], families=["dense"], seeds=1, epochs=1,
                 progress=False, threads=1)
    assert res.settings["threads"] == 1 and res.settings["threads_reason"] == "asked for"
    assert torch.get_num_threads() == before


def test_progress_lines_when_stderr_is_not_a_terminal(capsys):
    verify(dataset=_tiny(), hidden=[8, 8, 8], families=["dense"], seeds=2, epochs=2,
           progress=None, threads=1)
    err = capsys.readouterr().err.splitlines()
    assert [e.split(":")[0] for e in err] == ["verify", "verify"]
    assert err[0].startswith("verify: run 1/2 dense seed 0: test acc")
    verify(dataset=_tiny(), hidden=[8, 8, 8], families=["dense"], seeds=1, epochs=3,
           progress=True, threads=1)
    err = capsys.readouterr().err
    assert "3/3" in err and "acc" in err  # a bar per epoch with the running accuracy


def test_repeat_from_results_json(tmp_path):
    data = _tiny()
    first = verify(dataset=data, hidden=[8, 8, 8], families=["dense", "random"], seeds=1,
                   epochs=2, optimizer="sgd", lr=0.1, schedule="cosine", **QUIET)
    call = first.settings["call"]
    assert call["optimizer"] == "sgd" and call["schedule"] == "cosine"
    with pytest.raises(TopogenError, match=r"no settings\.call"):
        verify_from({"settings": {}})
    # a Dataset object cannot be named again: load digits by name instead
    digits_run = verify(dataset="digits", hidden=[8, 8, 8], families=["dense", "random"],
                        seeds=1, epochs=1, normalize="scale", **QUIET)
    path = tmp_path / "results.json"
    digits_run.to_json(path)
    again = verify_from(path, progress=False)
    assert [r.loss_curve for r in again.runs] == [r.loss_curve for r in digits_run.runs]
    assert again.settings["normalize"] == "scale"
    mine = verify(topogen.radix_net([[2, 4]], [1, 1, 1]), dataset="digits", families=[],
                  seeds=1, epochs=1, **QUIET)
    with pytest.raises(TopogenError, match="pass them again"):
        verify_from(json.loads(mine.to_json()))


def test_strange_models_warn():
    from topogen.generators.fit import fit_radix_net, strange_radix

    assert strange_radix([[2, 5], [2]], [79, 30, 10, 1])
    assert strange_radix([[2, 5], [2]], [79, 30, 10, 2]) is None
    assert strange_radix([[2, 5], [5]], [79, 30, 10, 1]) is None
    with pytest.warns(UserWarning, match="strange"):
        fits = fit_radix_net([300, 100, 10], 0.5)
    assert fits[0].strange
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not fit_radix_net([256, 256, 256], 0.1)[0].strange
    net = topogen.radix_net([[4, 2], [2]], [2, 2, 2, 1])
    with pytest.warns(UserWarning, match="strange model"):
        res = verify(net, dataset=_tiny(), families=[], seeds=1, epochs=1, **QUIET)
    assert any("strange model" in n for n in res.notes)


def test_cli_new_options(capsys, tmp_path):
    from topogen.cli import main

    code = main(["verify", "--dataset", "digits", "--hidden", "16,16", "--ends", "sparse",
                 "--families", "dense,random", "--optimizer", "sgd", "--lr", "0.05",
                 "--schedule", "cosine", "--val-fraction", "0.1", "--normalize", "scale",
                 "--layers", "auto", "--threads", "1", "--seeds", "1", "--epochs", "1",
                 "--quiet", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "widths [64, 16, 16, 10]" in out and "1 thread(s)" in out
    assert main(["verify", "--from", str(tmp_path / "results.json"), "--quiet"]) == 0
    again = capsys.readouterr().out

    def untimed(text):  # the table without its time column
        return [line.rsplit("|", 2)[0] for line in text.splitlines()[1:]]

    assert untimed(again) == untimed(out)
    assert main(["verify", "--hidden", "300,100", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--ends sparse" in err and "exact_only" not in err
    assert main(["verify", "--preset", "alford2018", "--quiet"]) == 2
    assert "never downloads" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists(MNIST), reason="shared MNIST file not present")
def test_alford2018_preset_on_mnist():
    from topogen.verify.presets import run_preset

    res = run_preset("alford2018", data_path=MNIST, families=["random"], seeds=1, epochs=1,
                     progress=False, threads=1)
    assert res.settings["widths"] == [784, 300, 100, 10]
    runs = {r.family: r for r in res.runs}
    assert runs["radix-net"].layer_nnz == (23520, 3000, 1000)
    assert runs["erdos-renyi"].layer_nnz == runs["radix-net"].layer_nnz
    assert runs["radix-net"].layer_kinds == ("csr", "masked", "masked")
    assert min(r.test_accuracy for r in res.runs) > 0.85
    assert res.settings["call"]["preset"] == "alford2018"
    again = verify_from(json.loads(res.to_json()), progress=False)  # rebuilds the preset
    assert [r.loss_curve for r in again.runs] == [r.loss_curve for r in res.runs]
