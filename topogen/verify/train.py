"""Train topologies with fixed masks beside a dense network of the same widths: :func:`verify`.

How a topology meets a model (the same rule for every family, so the comparison is fair):

* ``ends="dense"`` (what families get): the sparse topology is the **hidden core**
  ``hidden[0] -> ... -> hidden[-1]``; the input layer ``n_features -> hidden[0]`` and the
  output layer ``hidden[-1] -> n_classes`` are dense for every family, dense included.
  A RadiX-Net cannot in general produce 10 outputs (its widths are multiples of ``N'``) and
  padding outputs would change the task, so the ends are kept dense instead.
* ``ends="sparse"``: the topology is the whole network and its widths must equal
  ``n_features .. n_classes`` exactly.
* ``ends="auto"`` (default): ``"sparse"`` when a given topology's widths start at
  ``n_features`` and end at ``n_classes``, else ``"dense"``.

When the ``radix`` family is requested, :func:`topogen.fit_radix_net` picks the RadiX-Net
for the hidden widths and the target density; if no RadiX-Net has those widths exactly, the
hidden widths of **every** family (dense included) become the fitted ones.  The per-layer
densities of that RadiX-Net are then the targets of all other families (matched density).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from .._checks import TopogenError, check_density, check_int, check_widths
from .._progress import Progress
from ..topology import Topology
from .data import Dataset, load_dataset
from .families import FAMILIES
from .results import RunResult, VerifyResult

__all__ = ["train_one", "verify"]


def _masks_for(topology: Topology | None, full_widths, core_start: int):
    """One mask (or None) per model layer; the topology covers layers from ``core_start``."""
    n_layers = len(full_widths) - 1
    masks = [None] * n_layers
    if topology is None:
        return masks
    from ..export import to_torch_masks

    for k, m in enumerate(to_torch_masks(topology)):
        masks[core_start + k] = m
    return masks


def train_one(data: Dataset, widths, masks, *, seed: int = 0, epochs: int = 10,
              batch_size: int = 64, lr: float = 1e-3, device=None) -> dict:
    """Train one MLP with fixed masks; return curves, accuracy, parameter counts and time.

    Adam (``lr``), cross-entropy, minibatches drawn by a seeded ``torch.Generator``; after
    every optimiser step the masks are re-applied.  Test accuracy is that of the last
    epoch (no selection on the test set).

    Parameters
    ----------
    data : Dataset
    widths : sequence of int
        Model widths ``n_features .. n_classes``.
    masks : sequence of (torch.bool tensor or None)
        One per layer in ``(out, in)`` layout.
    seed, epochs, batch_size, lr : training settings.
    device : str or torch.device, optional
        See :func:`topogen.verify.select_device`.

    Returns
    -------
    dict
        ``test_accuracy``, ``loss_curve``, ``accuracy_curve``, ``n_weights``, ``n_params``,
        ``wall_time``, ``model`` (the trained ``nn.Sequential``).

    Examples
    --------
    >>> from topogen.verify import load_dataset
    >>> d = load_dataset("digits")
    >>> out = train_one(d, [64, 128, 10], [None, None], seed=0, epochs=3)
    >>> out["test_accuracy"] > 0.8
    True
    """
    import torch

    from .models import build_mlp, select_device

    dev = select_device(device)
    torch.manual_seed(seed)
    model = build_mlp(widths, masks, seed=seed, device=dev)
    layers = [m for m in model if hasattr(m, "enforce_mask")]
    x_train = torch.from_numpy(np.array(data.x_train)).to(dev)
    y_train = torch.from_numpy(np.array(data.y_train)).to(dev)
    x_test = torch.from_numpy(np.array(data.x_test)).to(dev)
    y_test = torch.from_numpy(np.array(data.y_test)).to(dev)
    gen = torch.Generator().manual_seed(int(seed) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses, accs = [], []
    n = len(y_train)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen).to(dev)
        total = torch.zeros((), device=dev)
        for lo in range(0, n, batch_size):
            idx = perm[lo:lo + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            for layer in layers:
                layer.enforce_mask()
            total += loss.detach() * len(idx)
        losses.append(float(total) / n)
        accs.append(_accuracy(model, x_test, y_test))
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    wall = time.perf_counter() - start
    return {
        "test_accuracy": accs[-1] if accs else _accuracy(model, x_test, y_test),
        "loss_curve": losses,
        "accuracy_curve": accs,
        "n_weights": sum(m.n_params - m.bias.numel() for m in layers),
        "n_params": sum(m.n_params for m in layers),
        "wall_time": wall,
        "model": model,
    }


def _accuracy(model, x, y) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean())


def _as_named_topologies(topologies) -> dict:
    if topologies is None:
        return {}
    if isinstance(topologies, Topology):
        return {"topology": topologies}
    if isinstance(topologies, Mapping):
        items = dict(topologies)
    elif isinstance(topologies, Sequence) and not isinstance(topologies, (str, bytes)):
        items = {f"topology{k}": t for k, t in enumerate(topologies)}
    else:
        raise TopogenError(
            "topologies must be a Topology, a list of them or a dict name -> Topology, got "
            f"{type(topologies).__name__}"
        )
    for name, t in items.items():
        if not isinstance(t, Topology):
            raise TopogenError(f"topologies[{name!r}] must be a Topology, got {type(t).__name__}")
    return items


def _check_layers(name: str, topology: Topology) -> None:
    for i, nnz in enumerate(topology.layer_nnz):
        if nnz == 0:
            raise TopogenError(
                f"topology {name!r} has an empty layer {i} ({topology.widths[i]} -> "
                f"{topology.widths[i + 1]}, no edges): no signal can pass it, so it cannot "
                "be trained; give every layer at least one edge"
            )


def _seeds(seeds) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(check_int("seeds", seeds, minimum=1)))
    if isinstance(seeds, Sequence) and len(seeds) > 0:
        return [check_int(f"seeds[{k}]", s, minimum=0) for k, s in enumerate(seeds)]
    raise TopogenError(f"seeds must be a count >= 1 or a non-empty list of ints, got {seeds!r}")


def _plan(data, named, hidden, ends):
    """Model widths and where the topology starts, after checking everything fits."""
    n_in, n_out = data.n_features, data.n_classes
    if named:
        widths = {t.widths for t in named.values()}
        if len(widths) > 1:
            raise TopogenError(
                f"all topologies must have the same widths to be compared, got {sorted(widths)}"
            )
        core = next(iter(widths))
        if ends == "auto":
            ends = "sparse" if core[0] == n_in and core[-1] == n_out else "dense"
    else:
        core = check_widths("hidden", hidden)
        if len(core) < 2:
            raise TopogenError(
                f"hidden must have at least 2 widths (one sparse layer), got {list(core)}"
            )
        if ends == "auto":
            ends = "dense"
    if ends == "sparse":
        if core[0] != n_in or core[-1] != n_out:
            raise TopogenError(
                f"with ends='sparse' the widths {list(core)} must start with the "
                f"{data.name} input size {n_in} and end with its {n_out} classes; pass "
                "ends='dense' to put the topology between dense input and output layers"
            )
        return tuple(core), 0, ends
    if ends != "dense":
        raise TopogenError(f"ends must be 'auto', 'dense' or 'sparse', got {ends!r}")
    return (n_in, *core, n_out), 1, ends


def verify(
    topologies=None,
    *,
    dataset="digits",
    data_path=None,
    hidden: Sequence[int] = (256, 256, 256),
    families: Sequence[str] = ("dense", "radix", "random"),
    density: float = 0.1,
    seeds=3,
    epochs: int = 20,
    batch_size: int = 64,
    lr: float = 1e-3,
    device=None,
    ends: str = "auto",
    progress: bool | None = None,
) -> VerifyResult:
    """Train topologies with fixed masks beside a dense net of the same widths, over seeds.

    Parameters
    ----------
    topologies : Topology, list or dict name -> Topology, optional
        Your own topologies (same widths).  They are compared with the ``families``.
    dataset : str or Dataset
        ``"digits"``, ``"mnist1d"``, ``"mnist"``, ``"fashion-mnist"`` (see
        :func:`topogen.verify.load_dataset`) or a loaded :class:`Dataset`.
    data_path : path, optional
        Folder or ``.npz`` for MNIST / Fashion-MNIST.
    hidden : sequence of int
        Widths of the hidden core that family topologies fill (ignored when ``topologies``
        are given: theirs are used).
    families : sequence of str
        Names in :data:`topogen.verify.FAMILIES`: ``dense``, ``radix``, ``x_net``,
        ``ramanujan``, ``random`` and any you register.
    density : float
        Target density of the sparse layers; matched to the fitted RadiX-Net when ``radix``
        is among the families.
    seeds : int or sequence of int
        Number of seeds (``0 .. seeds-1``) or the seeds; each seeds the initialisation, the
        minibatch order and random topologies.
    epochs, batch_size, lr : training settings (Adam).
    device : str, optional
        ``None``/``"auto"``: CUDA, then MPS, then CPU.
    ends : {"auto", "dense", "sparse"}
        How a topology meets the data (module docstring).
    progress : bool or None
        Progress bar on stderr (None: when stderr is a terminal).

    Returns
    -------
    VerifyResult
        ``.table()``, ``.rows()``, ``.as_dict()``, ``.to_json()``, ``.plot()``.

    Raises
    ------
    TopogenError
        Unknown family or dataset, widths that do not fit the data, a topology with an empty
        layer, an unavailable device, or bad settings.

    Examples
    --------
    >>> res = verify(dataset="digits", hidden=[32, 32, 32], families=["dense", "radix"],
    ...              density=0.25, seeds=1, epochs=2, progress=False)
    >>> [r["family"] for r in res.rows()]
    ['dense', 'radix']
    """
    from .models import select_device

    dev = select_device(device)  # fail early on an unavailable device
    density = check_density("density", density)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    seed_list = _seeds(seeds)
    fams = [families] if isinstance(families, str) else list(families)
    for f in fams:
        if f not in FAMILIES:
            raise TopogenError(f"unknown family {f!r}; registered: {list(FAMILIES)}")
    named = _as_named_topologies(topologies)
    for name, t in named.items():
        _check_layers(name, t)
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, path=data_path)
    widths, start, ends = _plan(data, named, hidden, ends)
    core = widths[start:len(widths) - start]
    notes = []
    layer_densities = [density] * (len(core) - 1)
    fixed: dict = {}
    if "radix" in fams and not named:
        from ..generators.fit import fit_radix_net

        fit = fit_radix_net(core, density, limit=1)[0]
        if not fit.exact:
            notes.append(f"hidden widths {list(core)} do not fit a RadiX-Net; every family "
                         f"uses the fitted widths {list(fit.widths)}")
            core = fit.widths
            widths = (widths[0], *core, widths[-1]) if start else core
        layer_densities = list(fit.layer_density)
        fixed["radix"] = fit.build()
        notes.append("radix: " + fit.explanation)
    elif "radix" in fams:
        notes.append("radix family skipped: your topologies set the widths")
        fams = [f for f in fams if f != "radix"]
    entries = [(f, None) for f in fams] + list(named.items())
    total = len(entries) * len(seed_list)
    runs = []
    with Progress(total, "verify", enabled=progress) as bar:
        for fam, given in entries:
            for seed in seed_list:
                topology = given if given is not None else _family_topology(
                    fam, fixed, core, layer_densities, seed)
                if topology is not None:
                    _check_layers(fam, topology)
                masks = _masks_for(topology, widths, start)
                out = train_one(data, widths, masks, seed=seed, epochs=epochs,
                                batch_size=batch_size, lr=lr, device=dev)
                runs.append(RunResult(
                    family=fam, seed=seed, widths=tuple(widths),
                    test_accuracy=out["test_accuracy"], loss_curve=tuple(out["loss_curve"]),
                    accuracy_curve=tuple(out["accuracy_curve"]), n_weights=out["n_weights"],
                    n_params=out["n_params"],
                    core_density=1.0 if topology is None else topology.density,
                    wall_time=out["wall_time"],
                ))
                bar.update()
    settings = {
        "dataset": data.name, "widths": list(widths), "ends": ends, "density": density,
        "layer_densities": layer_densities, "seeds": seed_list, "epochs": epochs,
        "batch_size": batch_size, "lr": lr, "device": str(dev), "optimizer": "Adam",
        "init": "He-uniform with each neuron's real fan-in (gain 1 on the output layer)",
    }
    return VerifyResult(runs=tuple(runs), settings=settings, notes=tuple(notes))


def _family_topology(fam, fixed, core, layer_densities, seed):
    if fam in fixed:
        return fixed[fam]
    family = FAMILIES[fam]
    topology = family.build(tuple(core), list(layer_densities), seed)
    if topology is not None and topology.widths != tuple(core):
        raise TopogenError(
            f"family {fam!r} built widths {topology.widths}, expected {tuple(core)}"
        )
    return topology
