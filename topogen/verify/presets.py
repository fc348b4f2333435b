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

from .._checks import TopogenError

__all__ = ["PRESETS", "run_preset"]


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
        {"dataset": "mnist", "families": ["dense", "random"], "seeds": 5, "epochs": 20,
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

    if name not in PRESETS:
        raise TopogenError(f"unknown preset {name!r}; presets: {sorted(PRESETS)}")
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
