"""Published experiments as one-word presets: ``topogen verify --preset NAME``.

``alford2018``: the MNIST experiment of Alford, Robinett, Milechin & Kepner, *Training
Behavior of Sparse Neural Network Topologies* (arXiv:1810.00299; IEEE HPEC 2019): dense
LeNet-300-100 (784-300-100-10), the 90%-sparse RadiX-Net with radix list ``[[10, 10]]`` and
Kronecker widths ``[8, 3, 1]`` (800-300-100, ``N' = 100``, density 1/10 in both layers)
joined to the 784 pixels and 10 classes (:func:`topogen.verify.plan.radix_with_ends`: the 16
padding inputs dropped, a dense 100 -> 10 output layer), and uniform random nets with the
RadiX-Net's edge count in every layer.  See docs/verify/alford2018.md for our figures beside
the paper's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from .._checks import TopogenError, check_option
from .results import VerifyResult

__all__ = ["PRESETS", "run_preset", "verify_from"]


def _alford2018(data):
    from .plan import radix_with_ends

    return {"radix-net": radix_with_ends([[10, 10]], [8, 3, 1], data.n_features,
                                         data.n_classes)}


#: name -> (description, topology builder (Dataset -> dict), verify settings)
PRESETS = {
    "alford2018": (
        "Alford et al. (arXiv:1810.00299) on MNIST: LeNet-300-100 dense vs the 90%-sparse "
        "RadiX-Net [[10, 10]], [8, 3, 1] vs uniform random at equal per-layer edge counts",
        _alford2018,
        {"dataset": "mnist", "families": ["dense", "erdos-renyi"], "seeds": 5, "epochs": 20,
         "batch_size": 100, "optimizer": "sgd", "lr": 0.05, "momentum": 0.9,
         "weight_decay": 0.0, "schedule": "cosine", "val_fraction": 0.1,
         "normalize": "standard", "ends": "sparse", "layers": "auto"},
    ),
}


def run_preset(name: str, *, data_path=None, progress=None, **overrides):
    """Run a preset; ``overrides`` replace its settings (e.g. ``seeds=``, ``epochs=``).

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS`.
    data_path : path, optional
        Where the preset's dataset lives (MNIST: a folder of IDX files or an ``.npz``).
    progress : bool or None
        As for :func:`topogen.verify.verify`.
    **overrides
        Keyword arguments of :func:`topogen.verify.verify`.

    Returns
    -------
    VerifyResult
        Its ``settings["call"]["preset"]`` names the preset, so
        :func:`topogen.verify.verify_from` rebuilds it.

    Raises
    ------
    TopogenError
        For an unknown preset, or missing data.

    Examples
    --------
    >>> sorted(PRESETS)
    ['alford2018']
    """
    from .data import load_dataset
    from .train import verify

    name = check_option("preset", name, sorted(PRESETS))
    _, build, settings = PRESETS[name]
    kwargs = {**settings, **overrides}
    kwargs.pop("topologies", None)
    data = load_dataset(kwargs.pop("dataset"), path=data_path,
                        normalize=kwargs.pop("normalize", "standard"))
    result = verify(build(data), dataset=data, progress=progress, **kwargs)
    result.settings["call"].update(preset=name, data_path=data_path,
                                   normalize=data.normalize)
    result.settings["preset"] = name
    return result


def verify_from(source, *, topologies=None, **overrides) -> VerifyResult:
    """Repeat a :func:`verify` run from its ``results.json`` (or its ``as_dict()``).

    Every setting is taken from the file's ``settings["call"]``; ``overrides`` replace some
    (e.g. ``device=``, ``threads=``, ``progress=``, ``data_path=`` where the data lives
    elsewhere now).  A run of a preset rebuilds the preset's topologies; a run of your own
    topologies needs them again (``topologies=``, or the files the CLI recorded).

    Parameters
    ----------
    source : path or dict
    topologies : optional
        As for :func:`verify`.
    **overrides
        Keyword arguments of :func:`verify`.

    Returns
    -------
    VerifyResult

    Raises
    ------
    TopogenError
        If the file is not a verify result, or its topologies are needed and not given.

    Examples
    --------
    >>> from topogen.verify import verify
    >>> first = verify(dataset="digits", hidden=[16, 16, 16], families=["dense"], seeds=1,
    ...                epochs=1, progress=False)
    >>> again = verify_from(first.as_dict(), progress=False)
    >>> again.runs[0].loss_curve == first.runs[0].loss_curve
    True
    """
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        try:
            with open(source, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise TopogenError(f"--from {source!r}: cannot read a results.json: {exc}") from None
    call = dict((data.get("settings") or {}).get("call") or {})
    if not call:
        raise TopogenError(f"{source!r} has no settings.call: it was not written by this "
                           "version of topogen verify, so it cannot be repeated")
    preset = call.pop("preset", None)
    files = call.pop("topology_files", None)
    names = call.pop("topologies", None)
    progress = overrides.pop("progress", None)
    call.update(overrides)
    if preset is not None:
        return run_preset(preset, progress=progress, **call)
    if topologies is None and files:
        import topogen

        topologies = {os.path.basename(p): topogen.load(p) for p in files}
    if names and topologies is None:
        raise TopogenError(
            f"this run trained your topologies {names}; pass them again (topologies=... or "
            "the saved files with --topology)"
        )
    from .train import verify

    return verify(topologies, progress=progress, **call)
