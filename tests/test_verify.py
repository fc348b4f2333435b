"""The training verifier: CPU smoke run, exact masks, repeatability, init rule, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

import topogen  # noqa: E402
from topogen import TopogenError, Topology  # noqa: E402
from topogen.verify import (  # noqa: E402
    MaskedLinear,
    build_mlp,
    load_dataset,
    select_device,
    train_one,
    uniform_random,
    verify,
)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def smoke(digits):
    torch.set_num_threads(1)
    return verify(dataset=digits, hidden=[64, 64, 64], families=["dense", "radix", "random"],
                  density=0.25, seeds=2, epochs=4, progress=False)


def test_smoke_beats_chance(smoke):
    rows = {r["family"]: r for r in smoke.rows()}
    # the verifier's former names are aliases; results use the registered names
    assert list(rows) == ["dense", "radix-net", "erdos-renyi"]
    for row in rows.values():
        assert row["seeds"] == 2
        assert row["acc_min"] > 0.6  # chance is 0.1 on ten balanced classes
    assert rows["radix-net"]["core_density"] == pytest.approx(0.25)
    assert rows["erdos-renyi"]["core_density"] == pytest.approx(0.25)
    assert rows["dense"]["density"] == 1.0
    # weights: dense ends (64*64 + 64*10) plus the sparse core, biases on top
    core = 2 * 64 * 64 // 4
    assert rows["radix-net"]["n_params"] == 64 * 64 + 64 * 10 + core + (64 * 3 + 10)
    for run in smoke.runs:
        assert len(run.loss_curve) == len(run.accuracy_curve) == 4
        assert run.loss_curve[-1] < run.loss_curve[0]


def test_result_outputs(smoke, tmp_path):
    table = smoke.table()
    assert table.count("\n") == 4 and "| radix-net |" in table
    data = json.loads(smoke.to_json(tmp_path / "r.json"))
    assert json.loads((tmp_path / "r.json").read_text()) == data
    assert data["settings"]["dataset"] == "digits" and len(data["runs"]) == 6
    smoke.plot(tmp_path / "acc.png")
    assert (tmp_path / "acc.png").stat().st_size > 1000


def test_repeats_for_a_fixed_seed(digits):
    kw = dict(dataset=digits, hidden=[32, 32, 32], families=["random"], density=0.25, seeds=[3],
              epochs=2, progress=False)
    a, b = verify(**kw), verify(**kw)
    assert a.runs[0].loss_curve == b.runs[0].loss_curve
    assert a.runs[0].test_accuracy == b.runs[0].test_accuracy


def test_random_family_changes_with_seed():
    t0 = uniform_random((32, 32, 32), [0.25, 0.25], seed=0)
    t1 = uniform_random((32, 32, 32), [0.25, 0.25], seed=1)
    assert t0 != t1 and t0.layer_nnz == t1.layer_nnz == (256, 256)


def test_masks_and_gradients_stay_exactly_zero(digits):
    net = topogen.radix_net([[4, 4]], [4, 4, 4])  # 64 -> 64 -> 64 at density 1/4
    masks = [None, *topogen.export.to_torch_masks(net), None]
    out = train_one(digits, [64, 64, 64, 64, 10], masks, seed=0, epochs=2)
    model = out["model"]
    sparse = [m for m in model if isinstance(m, MaskedLinear) and m.mask is not None]
    assert len(sparse) == 2
    x = torch.from_numpy(np.array(digits.x_train[:50]))
    y = torch.from_numpy(np.array(digits.y_train[:50]))
    model.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    for m in sparse:
        assert torch.all(m.weight[~m.mask] == 0)
        assert torch.all(m.weight.grad[~m.mask] == 0)
        assert torch.count_nonzero(m.weight.grad[m.mask]) > 0
        assert torch.count_nonzero(m.weight) == int(m.mask.sum())


def test_masks_survive_decoupled_weight_decay():
    mask = torch.rand(16, 8, generator=torch.Generator().manual_seed(0)) < 0.3
    layer = MaskedLinear(8, 16, mask)
    opt = torch.optim.AdamW(layer.parameters(), lr=0.1, weight_decay=0.5)
    for _ in range(5):
        opt.zero_grad()
        layer(torch.randn(4, 8)).pow(2).sum().backward()
        opt.step()
        layer.enforce_mask()
    assert torch.all(layer.weight[~mask] == 0)


def test_fan_in_initialisation():
    gen = torch.Generator().manual_seed(0)
    n_in, n_out = 512, 400
    mask = torch.zeros(n_out, n_in, dtype=torch.bool)
    fan_in = torch.randint(4, 200, (n_out,), generator=gen)
    for j in range(n_out):
        mask[j, torch.randperm(n_in, generator=gen)[: fan_in[j]]] = True
    layer = MaskedLinear(n_in, n_out, mask, generator=gen)
    w = layer.weight.detach()
    bound = (2.0 * 3.0 / fan_in.double()).sqrt()  # He uniform with the real fan-in
    assert torch.all(w.abs().max(dim=1).values <= bound.float() + 1e-6)
    # sum of w^2 over a row has expectation 2 (He): pre-activation variance does not shrink
    row_energy = (w.double() ** 2).sum(dim=1)
    assert abs(float(row_energy.mean()) - 2.0) < 0.1
    dense = MaskedLinear(n_in, n_out, None, generator=gen)
    assert abs(float((dense.weight.detach().double() ** 2).sum(dim=1).mean()) - 2.0) < 0.1
    assert torch.all(layer.bias == 0)


def test_user_topology_covering_the_whole_network(digits):
    t = Topology.from_structure([np.ones((64, 32)), np.eye(32, 10)])
    res = verify(t, dataset=digits, families=["dense"], seeds=1, epochs=1, progress=False)
    assert [r["family"] for r in res.rows()] == ["dense", "topology"]
    assert res.settings["ends"] == "sparse" and res.settings["widths"] == [64, 32, 10]
    assert res.runs[1].n_weights == 64 * 32 + 10


def test_widths_that_do_not_fit_the_data(digits):
    t = topogen.radix_net([[2, 2]], [8, 8, 8])  # 32 -> 32 -> 32
    with pytest.raises(TopogenError, match="must start with the digits input size 64"):
        verify(t, dataset=digits, ends="sparse", seeds=1, epochs=1, progress=False)
    with pytest.raises(TopogenError, match="same widths"):
        verify([t, topogen.radix_net([[2, 2]], [4, 4, 4])], dataset=digits, seeds=1,
               epochs=1, progress=False)
    with pytest.raises(TopogenError, match="hidden must have at least 2"):
        verify(dataset=digits, hidden=[64], seeds=1, epochs=1, progress=False)


def test_empty_layer_is_refused(digits):
    t = Topology([np.ones((64, 8)), np.zeros((8, 10))])
    with pytest.raises(TopogenError, match="empty layer 1"):
        verify(t, dataset=digits, seeds=1, epochs=1, progress=False)


def test_unavailable_device():
    with pytest.raises(TopogenError, match="not available"):
        select_device("cuda:99")
    with pytest.raises(TopogenError, match="device"):
        select_device("not-a-device")
    with pytest.raises(TopogenError, match="not available"):
        verify(dataset="digits", device="cuda:99", seeds=1, epochs=1)
    dev = select_device(None)
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert dev.type == expected


def test_bad_settings():
    with pytest.raises(TopogenError,
                       match=r"^families must be one of 'radix-net', .*'dense'.*, got 'nope'$"):
        verify(dataset="digits", families=["dense", "nope"], seeds=1, epochs=1)
    with pytest.raises(TopogenError, match="seeds"):
        verify(dataset="digits", seeds=0, epochs=1)
    with pytest.raises(TopogenError, match="epochs"):
        verify(dataset="digits", seeds=1, epochs=0)
    with pytest.raises(TopogenError, match="ends"):
        verify(dataset="digits", seeds=1, epochs=1, ends="padded")
    with pytest.raises(TopogenError, match="masks"):
        build_mlp([4, 3, 2], [None])


def test_radix_fit_sets_everyones_widths(digits):
    res = verify(dataset=digits, hidden=[50, 50, 50], families=["dense", "radix"], density=0.2,
                 seeds=1, epochs=1, progress=False)
    w = res.settings["widths"]
    assert w[0] == 64 and w[-1] == 10
    assert {r.widths for r in res.runs} == {tuple(w)}
    assert any(n.startswith("radix-net:") for n in res.notes)


def test_sparse_linear_matches_masked_dense():
    from topogen.verify import SparseLinear

    net = topogen.radix_net([[2, 4]], [2, 1, 3])
    layer = SparseLinear(net, 0, generator=torch.Generator().manual_seed(0))
    mask = topogen.export.to_torch_masks(net)[0]
    w = layer.weight_sparse().to_dense()
    assert torch.equal(w != 0, mask)
    x = torch.randn(5, layer.in_features, requires_grad=True)
    y = layer(x)
    ref_w = w.detach().clone().requires_grad_(True)
    ref = x @ (ref_w * mask).T + layer.bias
    assert torch.allclose(y, ref, atol=1e-6)
    g = torch.randn_like(y)
    y.backward(g)
    ref_x = x.grad.clone()
    x.grad = None
    ref.backward(g)
    assert torch.allclose(ref_x, x.grad, atol=1e-5)
    # the gradient of the stored values is the dense gradient at the edges
    vals = layer.values.grad
    crow, col = layer.inner.crow, layer.inner.col
    rows = torch.repeat_interleave(torch.arange(len(crow) - 1), crow[1:] - crow[:-1])
    assert torch.allclose(vals, ref_w.grad[rows, col], atol=1e-5)
    assert layer.n_params == net.layers[0].nnz + layer.out_features


@pytest.mark.parametrize("widths", [[3, 2, 2], [4, 4, 2], [1, 1, 1]])
def test_block_sparse_linear_matches_masked_dense(widths):
    from topogen.verify import BlockSparseLinear

    net = topogen.radix_net([[2, 4]], widths)
    for i in range(net.depth):
        layer = BlockSparseLinear(net, i, generator=torch.Generator().manual_seed(i))
        mask = topogen.export.to_torch_masks(net)[i]
        w = layer.weight_dense()
        assert torch.equal(w != 0, mask)  # exactly the topology's edges, original labels
        x = torch.randn(6, layer.in_features, requires_grad=True)
        y = layer(x)
        g = torch.randn_like(y)
        y.backward(g)
        ref_w = w.detach().clone().requires_grad_(True)
        ref_x = x.detach().clone().requires_grad_(True)
        ref = ref_x @ ref_w.T + layer.bias
        ref.backward(g)
        assert torch.allclose(y, ref, atol=1e-5)
        assert torch.allclose(x.grad, ref_x.grad, atol=1e-5)
        # value gradients, mapped back to (out, in), equal the masked dense gradient
        assert layer.values.numel() == int(mask.sum())  # every stored value is an edge
        grad = torch.sparse_bsr_tensor(layer.inner.crow, layer.inner.col, layer.values.grad,
                                       size=(layer.out_features, layer.in_features),
                                       check_invariants=True).to_dense()
        back = torch.empty_like(grad)
        back[:, layer.inner.in_perm] = grad
        assert torch.allclose(back[layer.inner.out_inverse], ref_w.grad * mask, atol=1e-5)
        assert layer.n_params == int(mask.sum()) + layer.out_features


def test_cli_quick(capsys, tmp_path):
    from topogen.cli import main

    code = main(["verify", "--quick", "--epochs", "1", "--seeds", "1", "--quiet",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "| dense |" in out and "| radix-net |" in out and "| erdos-renyi |" in out
    assert {p.name for p in tmp_path.iterdir()} == {"results.json", "table.md", "accuracy.png"}


def test_cli_saved_topology(capsys, tmp_path):
    from topogen.cli import main

    path = tmp_path / "net.npz"
    topogen.save(topogen.radix_net([[4, 4]], [2, 2, 2]), path)  # 32-32-32: dense ends
    code = main(["verify", "--topology", str(path), "--families", "dense", "--seeds", "1",
                 "--epochs", "1", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| net.npz |" in out and "widths [64, 32, 32, 32, 10]" in out
    assert main(["verify", "--topology", str(tmp_path / "missing.npz"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_errors(capsys):
    from topogen.cli import main

    assert main(["verify", "--dataset", "mnist", "--quiet"]) == 2
    assert "never downloads" in capsys.readouterr().err
    assert main(["verify", "--device", "cuda:99", "--quiet"]) == 2
    assert "not available" in capsys.readouterr().err
    assert main(["verify", "--families", "dense,nope", "--quiet"]) == 2
    assert "families must be one of 'radix-net'," in (err := capsys.readouterr().err)
    assert "got 'nope'" in err


def test_command_module_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, topogen.verify.command, topogen.verify; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
