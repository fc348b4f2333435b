"""The Sparse DNN Graph Challenge: inference, its files and its check, on one machine or a cluster.

>>> import numpy as np, topogen
>>> from topogen.challenge import infer, categories
>>> net = topogen.graph_challenge(1024, 12, seed=0)
>>> y = infer(net, np.full((2, 1024), 2.0, dtype=np.float32))
>>> categories(y).tolist()
[1, 2]

Kepner et al., *Sparse Deep Neural Network Graph Challenge*, IEEE HPEC 2019,
arXiv:1909.05631.  The networks come from :func:`topogen.graph_challenge`; every name here
is imported on first use.
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "infer": "topogen.challenge.inference",
    "categories": "topogen.challenge.inference",
    "check_categories": "topogen.challenge.inference",
    "CategoryCheck": "topogen.challenge.inference",
    "load_network": "topogen.challenge.local",
    "read_images": "topogen.challenge.io",
    "write_images": "topogen.challenge.io",
    "read_categories": "topogen.challenge.io",
    "write_categories": "topogen.challenge.io",
    "random_images": "topogen.challenge.io",
    "check_images": "topogen.challenge.io",
    "infer_on_cluster": "topogen.challenge.cluster",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = attach("topogen.challenge", _LAZY, globals())
