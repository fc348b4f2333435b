"""``apply_to_torch(modules=)``: a model with a dense classifier head (issue 13, item 7)."""

import pytest

import topogen
from topogen import TopogenError
from topogen.export import apply_to_torch

torch = pytest.importorskip("torch")


def _head_model():
    # two layers to mask, then a dense classifier head: three nn.Linear for a depth-2 net
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4),
                               torch.nn.ReLU(), torch.nn.Linear(4, 3))


def test_dense_head_refused_with_a_message_that_says_how():
    net = topogen.radix_net([[2, 2]], [1, 2, 1])  # 4 -> 8 -> 4
    with pytest.raises(TopogenError) as info:
        apply_to_torch(_head_model(), net)
    text = str(info.value)
    assert "modules=" in text and "['0', '2']" in text and "['0', '2', '4']" in text


@pytest.mark.parametrize("choose", [
    ["0", "2"],
    lambda name, module: module.out_features != 3,
    "modules",
])
def test_modules_selects_the_layers_to_mask(choose):
    net = topogen.radix_net([[2, 2]], [1, 2, 1])
    model = _head_model()
    if choose == "modules":
        choose = [model[0], model[2]]
    mods = apply_to_torch(model, net, modules=choose)
    assert mods == [model[0], model[2]]
    for mod, layer in zip(mods, net.layers):
        assert torch.equal(mod.weight_mask.bool(),
                           torch.from_numpy(layer.toarray().T.copy()))
    assert not hasattr(model[4], "weight_mask")  # the head stays dense
    assert int((model[4].weight != 0).sum()) == 12


def test_modules_errors_name_the_linears():
    net = topogen.radix_net([[2, 2]], [1, 2, 1])
    with pytest.raises(TopogenError, match=r"modules\[1\] = '1'.*\['0', '2', '4'\]"):
        apply_to_torch(_head_model(), net, modules=["0", "1"])  # "1" is a ReLU
    with pytest.raises(TopogenError, match=r"modules= chose 1 nn\.Linear"):
        apply_to_torch(_head_model(), net, modules=["0"])
    with pytest.raises(TopogenError, match="list of module names"):
        apply_to_torch(_head_model(), net, modules="0")
