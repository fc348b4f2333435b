"""Train a RadiX-Net in PyTorch.

Generate a RadiX-Net, save it, plug its masks into an ``nn.Sequential`` MLP with
``topogen.export.apply_to_torch`` (``torch.nn.utils.prune`` under the hood) and take a few
training steps on scikit-learn's bundled digits: the loss goes down and every weight that
the topology leaves out stays exactly zero.
"""

import itertools

import numpy as np
import torch
from sklearn.datasets import load_digits

import topogen
from topogen.analysis import is_symmetric
from topogen.export import apply_to_torch, to_torch_masks

# N' = 32 widened to 64 -> 128 -> 128 -> 64 (the 64 pixels of a digit in, 64 features out);
# a dense read-out layer maps the 64 features to the 10 classes.
net = topogen.radix_net([[4, 8], [4]], multipliers=[2, 4, 4, 2])
print(net, "| symmetric:", is_symmetric(net))
topogen.save(net, "radix_net.npz")

torch.manual_seed(0)
widths = net.widths
layers = []
for n_in, n_out in itertools.pairwise(widths):
    layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
model = torch.nn.Sequential(*layers, torch.nn.Linear(widths[-1], 10))
sparse_linears = [m for m in model if isinstance(m, torch.nn.Linear)][: net.depth]
apply_to_torch(sparse_linears, net)  # the read-out layer stays dense

digits = load_digits()
x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
y = torch.tensor(digits.target)

opt = torch.optim.Adam(model.parameters(), lr=0.01)
losses = []
for _ in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f} after {len(losses)} steps")

masks = to_torch_masks(net)
for mask, linear in zip(masks, sparse_linears):
    assert torch.all(linear.weight[~mask] == 0), "a pruned weight moved"
    assert mask.shape == linear.weight.shape  # (out, in): the transpose of the layer
kept = sum(int(m.sum()) for m in masks)
print(f"{kept} of {sum(m.numel() for m in masks)} weights trainable "
      f"(density {net.density:.3f}); pruned weights still zero")
assert losses[-1] < losses[0]
assert np.isclose(kept / sum(m.numel() for m in masks), net.density)
