"""The training verifier: do these topologies train as well as dense?

:func:`verify` trains one or more topologies (or generator families at a matched density)
with their masks fixed for the whole run, beside a dense network of the same widths, over
several seeds, and reports test accuracy (mean and spread), loss curves, parameter counts,
density and wall time; baselines get the reference topology's edge count in every layer.
:func:`verify_from` repeats a run from its ``results.json``; :func:`run_preset` runs a
published experiment (``alford2018``).  It needs the ``train`` extra
(``pip install 'topogen[train]'``: torch, scikit-learn, mnist1d); torch is imported only
when something is trained.

>>> from topogen.verify import load_dataset
>>> load_dataset("digits").n_features
64
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "verify": "topogen.verify.train",
    "verify_from": "topogen.verify.presets",
    "train_one": "topogen.verify.train",
    "choose_threads": "topogen.verify.train",
    "PRESETS": "topogen.verify.presets",
    "run_preset": "topogen.verify.presets",
    "radix_with_ends": "topogen.verify.plan",
    "VerifyResult": "topogen.verify.results",
    "RunResult": "topogen.verify.results",
    "plot_results": "topogen.verify.results",
    "Dataset": "topogen.verify.data",
    "DATASETS": "topogen.verify.data",
    "load_dataset": "topogen.verify.data",
    "NORMALIZATIONS": "topogen.verify.data",
    "load_idx_dataset": "topogen.verify.data",
    "read_idx": "topogen.verify.data",
    "select_device": "topogen.verify.models",
    "build_mlp": "topogen.verify.models",
    "init_fan_in_": "topogen.verify.models",
    "MaskedLinear": "topogen.verify.models",
    "SparseLinear": "topogen.verify.models",
    "BlockSparseLinear": "topogen.verify.models",
    "LAYER_KINDS": "topogen.verify.models",
    "choose_layer_kind": "topogen.verify.models",
    # the one family registry, shared with the command line (topogen.families)
    "FAMILIES": "topogen.families",
    "Family": "topogen.families",
    "register_family": "topogen.families",
    "get_family": "topogen.families",
    "uniform_random": "topogen.families",
    "kron_graph": "topogen.generators.ramanujan",
    "ramanujan_catalogue": "topogen.generators.ramanujan",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = attach("topogen.verify", _LAZY, globals())
