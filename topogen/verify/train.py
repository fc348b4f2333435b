"""Train topologies with fixed masks beside a dense network of the same widths: :func:`verify`.

How topologies meet the model and how the baselines are matched is described in
:mod:`topogen.verify.plan`.  Training is minibatch SGD-family optimisation of the
cross-entropy with the masks fixed; every setting is recorded in the result, so that
:func:`topogen.verify.presets.verify_from` repeats a run from its ``results.json`` alone.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from .._checks import TopogenError, check_density, check_int, check_option
from ..families import get_family
from ..topology import Topology
from .data import NORMALIZATIONS, Dataset, load_dataset
from .plan import density_check, make_plan, strange_note
from .progress import RunProgress
from .results import RunResult, VerifyResult

__all__ = ["OPTIMIZERS", "SCHEDULES", "choose_threads", "train_one", "verify"]

#: Optimisers ``verify(optimizer=...)`` accepts.
OPTIMIZERS = ("adam", "adamw", "sgd")
#: Learning-rate schedules (stepped once per epoch).
SCHEDULES = ("constant", "cosine", "step")


def _number(name, value, *, low=0.0, high=None, low_open=False):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    ok = ok and np.isfinite(value) and (value > low if low_open else value >= low)
    ok = ok and (high is None or value < high)
    if not ok:
        rng = f"{'>' if low_open else '>='} {low}" + (f" and < {high}" if high else "")
        raise TopogenError(f"{name} must be a number {rng}, got {value!r}")
    return float(value)


def choose_threads(threads=None) -> tuple[int, str]:
    """The torch CPU thread count for training, and why.

    ``None`` picks the cores this process may run on (``os.sched_getaffinity``) minus the
    ones other work keeps busy (the 1-minute load average, rounded), at least 1.  On a
    shared machine torch's default (all cores) can be a hundred times slower than one
    thread when another process holds a core (docs/verify.md, "Threads").

    Parameters
    ----------
    threads : int, optional
        A count to use as it is.

    Returns
    -------
    (int, str)

    Examples
    --------
    >>> choose_threads(1)
    (1, 'asked for')
    >>> choose_threads()[0] >= 1
    True
    """
    if threads is not None:
        return check_int("threads", threads, minimum=1), "asked for"
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    n = max(1, min(cores, round(cores - load)))
    return n, f"{cores} cores available to this process, load {load:.2f}"


def _optimizer(torch, params, name, lr, momentum, weight_decay):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def _scheduler(torch, opt, name, epochs, lr_step, lr_gamma):
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if name == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=lr_step, gamma=lr_gamma)
    return None


def _split(n: int, val_fraction: float, seed: int = 0):
    """Train and validation indices; the same split for every run (seeded by ``seed``)."""
    n_val = round(val_fraction * n)
    if n_val == 0:
        return np.arange(n), np.arange(0)
    if n_val >= n:
        raise TopogenError(f"val_fraction {val_fraction} leaves no training samples out of {n}")
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def train_one(data: Dataset, widths, masks, *, seed: int = 0, epochs: int = 10,
              batch_size: int = 64, lr: float = 1e-3, optimizer: str = "adam",
              momentum: float = 0.9, weight_decay: float = 0.0, schedule: str = "constant",
              lr_step: int | None = None, lr_gamma: float = 0.1, val_fraction: float = 0.0,
              patience: int | None = None, layers: str = "masked",
              init: str = "real_fan_in", device=None, on_epoch=None) -> dict:
    """Train one MLP with fixed masks; return curves, accuracy, parameter counts and time.

    Cross-entropy, minibatches drawn by a seeded ``torch.Generator``, the learning-rate
    schedule stepped once per epoch; after every optimiser step the masks are re-applied.
    With ``val_fraction > 0`` a fixed share of the training set is held out (the same for
    every run), the epoch with the best validation accuracy is selected (first of ties) and
    its test accuracy is reported; ``patience`` stops a run after that many epochs without a
    better validation accuracy.  Without validation the last epoch's test accuracy is
    reported.  Nothing is ever selected on the test set.

    Parameters
    ----------
    data : Dataset
    widths : sequence of int
        Model widths ``n_features .. n_classes``.
    masks : sequence of (torch.bool tensor or None)
        One per layer in ``(out, in)`` layout.
    seed : int
        Seeds the initialisation and the minibatch order.
    epochs, batch_size, lr : int, int, float
    optimizer : {"adam", "adamw", "sgd"}
    momentum : float
        For SGD.
    weight_decay : float
        L2 penalty (decoupled for AdamW).
    schedule : {"constant", "cosine", "step"}
    lr_step, lr_gamma : int, float
        For ``"step"``: multiply the rate by ``lr_gamma`` every ``lr_step`` epochs (default a
        third of ``epochs``).
    val_fraction : float
        Share of the training set held out for model selection, in ``[0, 1)``.
    patience : int, optional
        Early stopping (needs ``val_fraction > 0``).
    layers : {"masked", "csr", "bsr", "auto"}
        Storage of the sparse layers (:func:`topogen.verify.build_mlp`).
    init : {"real_fan_in", "dense_fan_in"}
        Initialisation bound from each neuron's real fan-in (default) or from the layer's
        dense fan-in (a control; :func:`topogen.verify.init_fan_in_`).
    device : str or torch.device, optional
    on_epoch : callable, optional
        ``on_epoch(test_accuracy)`` after every epoch.

    Returns
    -------
    dict
        ``test_accuracy``, ``loss_curve``, ``accuracy_curve`` (test, per epoch),
        ``val_curve``, ``best_epoch`` (0-based), ``n_weights``, ``n_params``, ``layer_nnz``,
        ``layer_kinds``, ``wall_time``, ``model``.

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

    optimizer = check_option("optimizer", optimizer, OPTIMIZERS)  # not silently Adam
    schedule = check_option("schedule", schedule, SCHEDULES)
    dev = select_device(device)
    if schedule == "step" and lr_step is None:
        lr_step = max(1, epochs // 3)
    torch.manual_seed(seed)
    model = build_mlp(widths, masks, seed=seed, device=dev, layers=layers, init=init)
    linear = [m for m in model if hasattr(m, "enforce_mask")]
    tr, va = _split(len(data.y_train), val_fraction)
    x_all = torch.from_numpy(np.array(data.x_train))
    y_all = torch.from_numpy(np.array(data.y_train))
    x_train, y_train = x_all[tr].to(dev), y_all[tr].to(dev)
    x_val, y_val = x_all[va].to(dev), y_all[va].to(dev)
    x_test = torch.from_numpy(np.array(data.x_test)).to(dev)
    y_test = torch.from_numpy(np.array(data.y_test)).to(dev)
    gen = torch.Generator().manual_seed(int(seed) + 1)
    opt = _optimizer(torch, model.parameters(), optimizer, lr, momentum, weight_decay)
    sched = _scheduler(torch, opt, schedule, epochs, lr_step, lr_gamma)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses, accs, vals = [], [], []
    best, since_best = -1, 0
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
            for layer in linear:
                layer.enforce_mask()
            total += loss.detach() * len(idx)
        if sched is not None:
            sched.step()
        losses.append(float(total) / n)
        accs.append(_accuracy(model, x_test, y_test))
        if len(va):
            vals.append(_accuracy(model, x_val, y_val))
            if best < 0 or vals[-1] > vals[best]:
                best, since_best = len(vals) - 1, 0
            else:
                since_best += 1
        if on_epoch is not None:
            on_epoch(accs[-1])
        if patience is not None and len(va) and since_best > patience:
            break
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    wall = time.perf_counter() - start
    chosen = best if len(va) else len(accs) - 1
    return {
        "test_accuracy": accs[chosen],
        "loss_curve": losses,
        "accuracy_curve": accs,
        "val_curve": vals,
        "best_epoch": chosen,
        "n_weights": sum(m.n_weights for m in linear),
        "n_params": sum(m.n_params for m in linear),
        "layer_nnz": [m.n_weights for m in linear],
        "layer_kinds": [m.kind for m in linear],
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


def _masks_for(topology, n_layers: int, start: int):
    """One mask (or None) per model layer; the topology covers layers from ``start``."""
    masks = [None] * n_layers
    if topology is None:
        return masks
    from ..export import to_torch_masks

    for k, m in enumerate(to_torch_masks(topology)):
        masks[start + k] = None if bool(m.all()) else m
    return masks


def verify(
    topologies=None,
    *,
    dataset="digits",
    data_path=None,
    hidden: Sequence[int] = (256, 256, 256),
    families: Sequence[str] = ("dense", "radix-net", "erdos-renyi"),
    density: float | None = None,
    seeds=3,
    epochs: int = 20,
    batch_size: int = 64,
    lr: float = 1e-3,
    optimizer: str = "adam",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    schedule: str = "constant",
    lr_step: int | None = None,
    lr_gamma: float = 0.1,
    val_fraction: float = 0.0,
    patience: int | None = None,
    normalize: str = "standard",
    ends: str = "auto",
    layers: str = "masked",
    init: str = "real_fan_in",
    threads: int | None = None,
    device=None,
    density_tolerance: float = 0.25,
    allow_density_miss: bool = False,
    progress: bool | None = None,
) -> VerifyResult:
    """Train topologies with fixed masks beside a dense net of the same widths, over seeds.

    Parameters
    ----------
    topologies : Topology, list or dict name -> Topology, optional
        Your own topologies (same widths).  The first is the reference whose edge count per
        layer every family is matched to.
    dataset : str or Dataset
        ``"digits"``, ``"mnist1d"``, ``"mnist"``, ``"fashion-mnist"`` (see
        :func:`topogen.verify.load_dataset`) or a loaded :class:`Dataset`.
    data_path : path, optional
        Folder or ``.npz`` for MNIST / Fashion-MNIST.
    hidden : sequence of int
        Hidden widths the families fill (ignored when ``topologies`` are given).
    families : sequence of str
        Families of the one registry :data:`topogen.families.FAMILIES` that have a matched
        builder: ``dense``, ``radix-net``, ``x-net``, ``ramanujan``, ``erdos-renyi`` and any
        you register.  The verifier's former names ``radix``, ``x_net`` and ``random`` are
        aliases; results name every family by its registered name.
    density : float, optional
        Target density of the sparse topology (default 0.1 when no topology is given).  When
        the reference (your topology, or the fitted RadiX-Net) trains at another density, a
        note says so, and a miss beyond ``density_tolerance`` is refused.
    seeds : int or sequence of int
        Number of seeds (``0 .. seeds-1``) or the seeds; each seeds the initialisation, the
        minibatch order and random topologies.
    epochs, batch_size, lr, optimizer, momentum, weight_decay, schedule, lr_step, lr_gamma,
    val_fraction, patience
        Training settings, see :func:`train_one`.
    normalize : {"standard", "scale", "none"}
        Input normalisation when ``dataset`` is a name (see :func:`load_dataset`).
    ends : {"auto", "dense", "sparse"}
        How a topology meets the data (:mod:`topogen.verify.plan`).
    layers : {"masked", "csr", "bsr", "auto"}
        Storage of the sparse layers; the same trajectory up to float rounding, different
        speed (docs/benchmarks/verify.md).
    init : {"real_fan_in", "dense_fan_in"}
        Weight initialisation (:func:`train_one`).
    threads : int, optional
        torch CPU threads while training (default: :func:`choose_threads`).
    device : str, optional
        ``None``/``"auto"``: CUDA, then MPS, then CPU.
    density_tolerance : float
        Largest relative miss of ``density`` trained without ``allow_density_miss``.
    allow_density_miss : bool
        Train even when the matched density misses ``density`` by more.
    progress : bool or None
        True: a bar per epoch; None: the bar on a terminal, else one stderr line per finished
        run; False: silent.

    Returns
    -------
    VerifyResult
        ``.table()``, ``.rows()``, ``.as_dict()``, ``.to_json()``, ``.plot()``.

    Raises
    ------
    TopogenError
        Unknown family or dataset, widths that do not fit the data, a topology with an empty
        layer, an unavailable device, a density miss beyond the tolerance, or bad settings.

    Examples
    --------
    >>> res = verify(dataset="digits", hidden=[32, 32, 32], families=["dense", "radix"],
    ...              density=0.25, seeds=1, epochs=2, progress=False)
    >>> [r["family"] for r in res.rows()]
    ['dense', 'radix-net']
    """
    call = {k: v for k, v in locals().items() if k not in ("topologies", "progress")}
    import torch

    from .models import INITS, LAYER_KINDS, select_device

    dev = select_device(device)  # fail early on an unavailable device
    named = _as_named_topologies(topologies)
    if density is None and not named:
        density = 0.1
    if density is not None:
        density = check_density("density", density)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = _number("lr", lr, low_open=True)
    check_option("optimizer", optimizer, OPTIMIZERS)
    check_option("schedule", schedule, SCHEDULES)
    check_option("normalize", normalize, NORMALIZATIONS)
    check_option("layers", layers, LAYER_KINDS)
    check_option("init", init, INITS)
    momentum = _number("momentum", momentum, high=1.0)
    weight_decay = _number("weight_decay", weight_decay)
    lr_gamma = _number("lr_gamma", lr_gamma, low_open=True)
    if lr_step is not None:
        lr_step = check_int("lr_step", lr_step, minimum=1)
    val_fraction = _number("val_fraction", val_fraction, high=1.0)
    if patience is not None:
        patience = check_int("patience", patience, minimum=0)
        if val_fraction == 0:
            raise TopogenError("patience (early stopping) needs a validation split: pass "
                               "val_fraction > 0 (--val-fraction), e.g. 0.1")
    density_tolerance = _number("density_tolerance", density_tolerance)
    n_threads, why_threads = choose_threads(threads)
    seed_list = _seeds(seeds)
    fams = [families] if isinstance(families, str) else list(families)
    fams = list(dict.fromkeys(get_family(f, param="families", matched=True).name for f in fams))
    for name, t in named.items():
        _check_layers(name, t)
    if isinstance(dataset, Dataset):
        data = dataset
    else:
        data = load_dataset(dataset, path=data_path, normalize=normalize)
    plan = make_plan(data, named, hidden, fams, density, ends)
    notes = []
    miss = density_check(plan, density, density_tolerance, allow_density_miss)
    if miss:
        notes.append(miss)
    notes += plan.notes
    if named:
        fams = [f for f in fams if f != "radix-net"]
    for name, t in [*named.items(), *plan.fixed.items()]:
        strange = strange_note(t)
        if strange:
            notes.append(f"{name}: strange model: {strange}")
            warnings.warn(f"verify: {name} is a strange model: {strange}", UserWarning,
                          stacklevel=2)
    entries = [(f, None) for f in fams] + list(named.items())
    n_layers = len(plan.widths) - 1
    runs = []
    old_threads = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with RunProgress(len(entries) * len(seed_list), epochs, enabled=progress) as bar:
            for fam, given in entries:
                for seed in seed_list:
                    topology = given if given is not None else _family_topology(
                        fam, plan, seed)
                    if topology is not None:
                        _check_layers(fam, topology)
                    label = f"{fam} seed {seed}"
                    out = train_one(
                        data, plan.widths, _masks_for(topology, n_layers, plan.start),
                        seed=seed, epochs=epochs, batch_size=batch_size, lr=lr,
                        optimizer=optimizer, momentum=momentum, weight_decay=weight_decay,
                        schedule=schedule, lr_step=lr_step, lr_gamma=lr_gamma,
                        val_fraction=val_fraction, patience=patience, layers=layers,
                        init=init, device=dev,
                        on_epoch=lambda acc, label=label: bar.epoch(acc, label))
                    runs.append(_run_result(fam, seed, plan, topology, out))
                    bar.run_done(f"{label}: test acc {100 * out['test_accuracy']:.2f} % "
                                 f"({out['wall_time']:.1f} s)",
                                 epochs - len(out["loss_curve"]))
    finally:
        torch.set_num_threads(old_threads)
    call.update(density=density, seeds=seed_list, dataset=data.name,
                topologies=None if not named else sorted(named))
    settings = {
        "dataset": data.name, "normalize": getattr(data, "normalize", normalize),
        "widths": list(plan.widths), "ends": plan.ends, "density": density,
        "matched_to": plan.reference, "layer_edges": list(plan.edges),
        "layer_densities": plan.layer_densities, "trained_density": plan.density,
        "seeds": seed_list, "epochs": epochs, "batch_size": batch_size, "lr": lr,
        "optimizer": optimizer, "momentum": momentum if optimizer == "sgd" else None,
        "weight_decay": weight_decay, "schedule": schedule,
        "lr_step": (lr_step or max(1, epochs // 3)) if schedule == "step" else None,
        "lr_gamma": lr_gamma if schedule == "step" else None,
        "val_fraction": val_fraction, "patience": patience, "layers": layers,
        "threads": n_threads, "threads_reason": why_threads, "device": str(dev),
        "init": init,
        "init_rule": "He-uniform U(-b, b), b = gain sqrt(3 / fan_in), gain sqrt(2) before a "
                     "ReLU and 1 on the output layer; fan_in = "
                     + ("each neuron's real fan-in" if init == "real_fan_in"
                        else "the layer's dense fan-in n_in"),
        "call": _jsonable(call),
    }
    return VerifyResult(runs=tuple(runs), settings=settings, notes=tuple(notes))


def _jsonable(call: dict) -> dict:
    out = {}
    for k, v in call.items():
        if isinstance(v, tuple):
            v = list(v)
        if k == "device" and v is not None:
            v = str(v)
        out[k] = v
    return out


def _run_result(fam, seed, plan, topology, out) -> RunResult:
    return RunResult(
        family=fam, seed=seed, widths=tuple(plan.widths),
        test_accuracy=out["test_accuracy"], loss_curve=tuple(out["loss_curve"]),
        accuracy_curve=tuple(out["accuracy_curve"]), n_weights=out["n_weights"],
        n_params=out["n_params"],
        core_density=1.0 if topology is None else topology.density,
        wall_time=out["wall_time"], layer_nnz=tuple(out["layer_nnz"]),
        layer_kinds=tuple(out["layer_kinds"]), val_curve=tuple(out["val_curve"]),
        best_epoch=out["best_epoch"],
    )


def _family_topology(fam, plan, seed):
    if fam in plan.fixed:
        return plan.fixed[fam]
    family = get_family(fam)
    topology = family.matched(plan.core, plan.layer_densities, seed)
    if not family.random:  # the same for every seed: built once
        plan.fixed[fam] = topology
    if topology is not None and topology.widths != plan.core:
        raise TopogenError(
            f"family {fam!r} built widths {topology.widths}, expected {plan.core}"
        )
    return topology
