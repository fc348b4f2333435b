"""Write Sparse DNN Graph Challenge files.

The Sparse DNN Graph Challenge (Kepner et al., HPEC 2019) distributes RadiX-Nets as one
``n{N}-l{k}.tsv`` file per layer, ``row<TAB>col<TAB>value`` with 1-based indices. Write one
small network in that layout, stream a deeper one layer by layer (memory for one layer,
whatever the depth), read both back and check they are the networks we generated.
"""

import os

import topogen
from topogen.analysis import is_symmetric
from topogen.export import radix_net_layers, stream_graph_challenge, write_graph_challenge

# the challenge networks: N' = 1024 = 32 * 32, with bias value -0.3 in the original; we use a
# 64-neuron version here so that the example runs in a second
net = topogen.extended_mixed_radix([[8, 8]] * 3)
write_graph_challenge(net, "neuron64", value=1 / 16)
print(sorted(os.listdir("neuron64")))
back = topogen.load("neuron64")
assert back == net and is_symmetric(back)
with open(os.path.join("neuron64", "n64-l1.tsv")) as f:
    print("first lines of n64-l1.tsv:", [next(f).rstrip() for _ in range(3)])

# streaming: 120 layers, never more than one in memory
info = stream_graph_challenge(radix_net_layers([[8, 8]] * 60, [1] * 121), "neuron64-deep",
                              value=1 / 16)
print(f"streamed {len(info['layer_nnz'])} layers, {sum(info['layer_nnz']):,} edges")
deep = topogen.load("neuron64-deep")
assert deep == topogen.extended_mixed_radix([[8, 8]] * 60)
