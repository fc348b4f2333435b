"""Analyse a topology and draw it.

Compare a RadiX-Net with a random network of the same widths and density: the report shows
that the RadiX-Net is regular and path-symmetric while the random one is neither, and the
pictures show why.
"""

import matplotlib

matplotlib.use("Agg")  # write files, no window

import topogen
import topogen.plot
from topogen.analysis import analyze

radix = topogen.radix_net([[2, 4], [2]], multipliers=[1, 2, 2, 1])
rand = topogen.erdos_renyi(radix.widths, radix.density, seed=0)

for name, net in [("radix", radix), ("random", rand)]:
    report = analyze(net)
    print(report.table(), end="\n\n")
    topogen.plot.draw_layers(net).savefig(f"{name}-layers.png")
    topogen.plot.path_counts(net).savefig(f"{name}-paths.png")
topogen.plot.spy(radix).savefig("radix-spy.png")

assert analyze(radix, spectral=False).paths["symmetric"]
