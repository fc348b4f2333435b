"""Compare expanders by spectral gap.

Build one layer of several families on (about) the same number of neurons and compare how
close each comes to the Ramanujan bound: the smaller the second singular value
``lambda2`` relative to the bound, the better the layer mixes. The LPS graph and the Paley
graph meet the bound by theorem and random X-Net layers nearly always; a single RadiX-Net
layer does not (its expansion comes from the composition of layers, not from each one), and
the Margulis-Gabber-Galil graph has repeated edges, so its support is not even regular.
"""

import topogen
from topogen.analysis import spectral_gap
from topogen.analysis.report import format_rows

families = {
    "LPS X^{17,13} (on PSL(2,13))": topogen.from_graph(topogen.lps(17, 13)),
    "Paley(61)": topogen.from_graph(topogen.paley(61)),
    "Margulis-Gabber-Galil(11)": topogen.from_graph(topogen.margulis_gabber_galil(11)),
    "chordal cycle(113)": topogen.from_graph(topogen.chordal_cycle(113)),
    "X-Net 120x120, degree 6": topogen.x_net([120, 120], degree=6, seed=0),
    "RadiX-Net layer [[6, 20]]": topogen.mixed_radix([6, 20]).slice(0, 1),
}

rows = [["layer", "neurons", "degree", "lambda1", "lambda2", "bound", "lambda2/bound",
         "Ramanujan"]]
for name, net in families.items():
    gap = spectral_gap(net, method="sparse")[0]  # two leading values, iteratively
    layer = net.layers[0]
    degree = "-".join(sorted({str(d) for d in gap.degrees[0]}))
    bound = gap.ramanujan_bound  # None when the layer is not (bi)regular
    rows.append([name, str(layer.shape[0]), degree, f"{gap.lambda1:.3f}", f"{gap.lambda2:.3f}",
                 "-" if bound is None else f"{bound:.3f}",
                 "-" if bound is None else f"{gap.lambda2 / bound:.3f}",
                 {True: "yes", False: "no", None: "-"}[gap.is_ramanujan]])
print(format_rows(rows))

lps_gap = spectral_gap(families["LPS X^{17,13} (on PSL(2,13))"], method="sparse")[0]
assert lps_gap.is_ramanujan  # Lubotzky-Phillips-Sarnak 1988, Theorem 4.1
