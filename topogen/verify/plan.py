"""What :func:`topogen.verify.verify` trains: model widths, the reference topology, matched counts.

How a topology meets a model (the same rule for every family, so the comparison is fair):

* ``ends="dense"``: the sparse topology is the **hidden core** ``hidden[0] -> ... ->
  hidden[-1]``; the input layer ``n_features -> hidden[0]`` and the output layer
  ``hidden[-1] -> n_classes`` are dense for every family, dense included.
* ``ends="sparse"``: the topology is the whole network ``n_features -> hidden -> n_classes``.
  The ``radix-net`` family then fits a RadiX-Net to ``[n_features rounded up to a multiple of
  N', *hidden]`` and **joins** it to the data: the input rows beyond ``n_features`` are
  dropped (the same as padding each input with zeros, which carry no signal and get no
  gradient) and a dense ``hidden[-1] -> n_classes`` output layer is appended (``N'`` cannot
  in general divide the class count).  Alford et al. join their 800-300-100 RadiX-Net to
  MNIST's 784 pixels and 10 classes; this is our reading of it, see docs/verify/alford2018.md.
* ``ends="auto"``: ``"sparse"`` when a given topology's widths start at ``n_features`` and end
  at ``n_classes``, else ``"dense"``.

**Matched edge counts.**  A *reference* topology sets the number of edges of every sparse
layer, and every other family is built with exactly those counts layer by layer: the first
topology you pass, else the fitted RadiX-Net when ``radix-net`` is among the families, else
``round(density * n_in * n_out)`` per layer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from .._checks import TopogenError, check_int, check_option, check_widths, renamed
from ..topology import Topology

__all__ = ["Plan", "make_plan", "radix_with_ends", "strange_note"]


@dataclass
class Plan:
    """The decided shape of a verify call (see the module docstring)."""

    widths: tuple            # model widths n_features .. n_classes
    start: int               # model layer where the topology starts (0 or 1)
    ends: str
    core: tuple              # widths of the sparse topology
    edges: list              # matched edges per topology layer
    reference: str           # what set ``edges``
    fixed: dict = field(default_factory=dict)   # family -> Topology built once
    notes: list = field(default_factory=list)

    @property
    def layer_densities(self) -> list:
        """Matched density of each topology layer (``edges / (n_in n_out)``)."""
        return [e / (a * b) for e, (a, b) in zip(self.edges, pairwise(self.core), strict=True)]

    @property
    def density(self) -> float:
        """Matched density of the whole topology."""
        return sum(self.edges) / sum(a * b for a, b in pairwise(self.core))


def strange_note(topology: Topology) -> str | None:
    """Kwak et al.'s warning for a topology built by ``radix_net`` (from its ``meta``).

    Parameters
    ----------
    topology : Topology
        Any topology; only its ``meta`` is read.

    Returns
    -------
    str or None
        The note of :func:`topogen.generators.fit.strange_radix` for a RadiX-Net's radix
        lists and widths, or ``None`` (not a RadiX-Net, or nothing to warn about).

    Examples
    --------
    >>> import numpy as np
    >>> strange_note(Topology([np.ones((2, 2))])) is None
    True
    """
    from ..generators.fit import strange_radix

    meta = topology.meta or {}
    params = meta.get("params") or {}
    multipliers = params.get("multipliers", params.get("widths"))  # "widths": older files
    radix = meta.get("generator") in ("radix_net", "radix_with_ends")
    if radix and "radix_lists" in params and multipliers:
        return strange_radix(params["radix_lists"], multipliers)
    if "radix" in params and "kron_widths" in params:  # radix_with_ends files before 2026-12
        return strange_radix(params["radix"], params["kron_widths"])
    return None


def radix_with_ends(radix_lists, multipliers=None, n_features: int | None = None,
                    n_classes: int | None = None, *, output: str = "dense",
                    kron_widths=None) -> Topology:
    """A RadiX-Net joined to ``n_features`` inputs and ``n_classes`` outputs.

    The RadiX-Net's first width must be at least ``n_features``: its input rows beyond
    ``n_features`` are dropped (equivalent to zero-padding the input).  With
    ``output="dense"`` a dense ``width[-1] -> n_classes`` layer is appended; with
    ``output="radix"`` the RadiX-Net's last layer is the output layer (its last width must be
    ``n_classes``).

    Parameters
    ----------
    radix_lists : list of list of int
        As for :func:`topogen.radix_net`.
    multipliers : list of int
        The Kronecker factors ``B_0 .. B_L``, as for :func:`topogen.radix_net`.
    n_features, n_classes : int
        Inputs and classes of the data.
    output : {"dense", "radix"}
        How the outputs are reached.
    kron_widths : list of int, optional
        Deprecated name of ``multipliers`` (it still works, with a FutureWarning).

    Returns
    -------
    Topology
        Widths ``(n_features, *radix_widths[1:], n_classes)``; ``meta`` records the radix
        lists, the multipliers and the join.

    Raises
    ------
    TopogenError
        If the RadiX-Net has fewer inputs than ``n_features``.

    Examples
    --------
    >>> t = radix_with_ends([[10, 10]], [8, 3, 1], 784, 10)
    >>> t.widths, t.layer_nnz
    ((784, 300, 100, 10), (23520, 3000, 1000))
    """
    import scipy.sparse as sp

    import topogen

    from ..topology import make_meta

    multipliers = renamed(multipliers, kron_widths, "radix_with_ends", "multipliers",
                          "kron_widths")
    if multipliers is None or n_features is None or n_classes is None:
        raise TopogenError("radix_with_ends needs multipliers, n_features and n_classes, got "
                           f"{multipliers!r}, {n_features!r} and {n_classes!r}")
    n_features = check_int("n_features", n_features, minimum=1)
    n_classes = check_int("n_classes", n_classes, minimum=1)
    output = check_option("output", output, ("dense", "radix"))
    net = topogen.radix_net([list(x) for x in radix_lists], list(multipliers))
    if output == "radix" and net.widths[-1] != n_classes:
        raise TopogenError(
            f"with output='radix' the RadiX-Net's last width {net.widths[-1]} must equal the "
            f"{n_classes} classes; choose N' and the last Kronecker width to give it"
        )
    if net.widths[0] < n_features:
        raise TopogenError(
            f"the RadiX-Net {list(net.widths)} has {net.widths[0]} inputs, fewer than the "
            f"{n_features} features; choose Kronecker widths whose first entry times N' is at "
            f"least {n_features}"
        )
    first = sp.csr_array(net.layers[0][:n_features])
    layers = [first, *net.layers[1:]]
    join = f"input rows {n_features}..{net.widths[0] - 1} dropped (zero padding)"
    if net.widths[0] == n_features:
        join = "inputs as they are"
    if output == "dense":
        layers.append(sp.csr_array(np.ones((net.widths[-1], n_classes), dtype=bool)))
        join += f"; dense {net.widths[-1]} -> {n_classes} output layer"
    else:
        join += "; the RadiX-Net's last layer is the output layer"
    params = {"radix_lists": [list(x) for x in radix_lists], "multipliers": list(multipliers),
              "radix_widths": list(net.widths), "n_features": n_features,
              "n_classes": n_classes, "output": output, "join": join}
    return Topology(layers, make_meta("radix_with_ends", params))


def _fit_radix(widths, density, *, sparse_input: bool):
    """The best RadiX-Net for ``widths``; with ``sparse_input`` the first width may grow."""
    from ..generators.fit import fit_radix_net

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the verifier warns itself, once
            fits = fit_radix_net(widths, density, limit=200 if sparse_input else 1)
    except TopogenError as exc:
        reason = str(exc).split(": ", 1)[-1].split("; try")[0]
        raise TopogenError(
            f"the radix-net family: no RadiX-Net fits the widths {list(widths)} near density "
            f"{density} ({reason}); choose another density (--density), other hidden widths "
            "(--hidden), or leave radix-net out (--families dense,erdos-renyi)"
        ) from None
    if not sparse_input:
        return fits[0]
    for fit in fits:
        if fit.widths[0] >= widths[0] and tuple(fit.widths[1:]) == tuple(widths[1:]):
            return fit
    raise TopogenError(
        f"no RadiX-Net has the hidden widths {list(widths[1:])} exactly and at least "
        f"{widths[0]} inputs near density {density}; choose hidden widths with a common "
        "divisor N' (e.g. --hidden 800,300,100 style multiples of 100) or another --density"
    )


def make_plan(data, named: dict, hidden, families: list, density, ends: str) -> Plan:
    """Decide widths, ends and matched edge counts; fit the RadiX-Net if asked.

    Parameters
    ----------
    data : Dataset
        Sets the input width (``n_features``) and output width (``n_classes``).
    named : dict of str to Topology
        The user's topologies (all of the same widths); empty to build families from
        ``hidden`` and ``density``. The first one sets the edge counts the others match.
    hidden : sequence of int
        Hidden widths (used when ``named`` is empty).
    families : list of str
        Families to train (registered names); ``"radix-net"`` fits a RadiX-Net whose
        edges the others match.
    density : float
        Target density of the sparse layers (used when ``named`` is empty).
    ends : {"auto", "dense", "sparse"}
        Whether the first and last layers are dense (``"auto"``: sparse only when
        ``named`` topologies already span input to classes).

    Returns
    -------
    Plan

    Raises
    ------
    TopogenError
        For a bad ``ends``, topologies of different widths or widths that do not match
        the data with ``ends="sparse"``, too few hidden widths, or no RadiX-Net fitting.
    """
    n_in, n_out = data.n_features, data.n_classes
    notes: list = []
    ends = check_option("ends", ends, ("auto", "dense", "sparse"))
    if named:
        shapes = {t.widths for t in named.values()}
        if len(shapes) > 1:
            raise TopogenError(
                f"all topologies must have the same widths to be compared, got {sorted(shapes)}"
            )
        core = next(iter(shapes))
        if ends == "auto":
            ends = "sparse" if core[0] == n_in and core[-1] == n_out else "dense"
        if ends == "sparse" and (core[0] != n_in or core[-1] != n_out):
            raise TopogenError(
                f"with ends='sparse' the widths {list(core)} must start with the {data.name} "
                f"input size {n_in} and end with its {n_out} classes; pass ends='dense' "
                "(--ends dense) to put the topology between dense input and output layers"
            )
        name, ref = next(iter(named.items()))
        edges = list(ref.layer_nnz)
        reference = f"topology {name!r}"
        if len(named) > 1:
            notes.append(f"baselines are matched to the first topology, {name!r}")
        if "radix-net" in families:
            notes.append("radix-net family skipped: your topologies set the widths")
        fixed: dict = {}
    else:
        hidden = check_widths("hidden", hidden)
        ends = "dense" if ends == "auto" else ends
        minimum = 2 if ends == "dense" else 1
        if len(hidden) < minimum:
            raise TopogenError(
                f"hidden must have at least {minimum} widths with ends={ends!r}, got "
                f"{list(hidden)}"
            )
        core = hidden if ends == "dense" else (n_in, *hidden, n_out)
        fixed = {}
        if "radix-net" in families:
            core, fixed["radix-net"], note = _radix_family(core, density, ends, n_in, n_out)
            notes.append(note)
            edges = list(fixed["radix-net"].layer_nnz)
            reference = "the fitted RadiX-Net"
        else:
            edges = [max(1, round(density * a * b)) for a, b in pairwise(core)]
            reference = f"density {density}"
    start = 0 if ends == "sparse" else 1
    widths = tuple(core) if ends == "sparse" else (n_in, *core, n_out)
    return Plan(widths=widths, start=start, ends=ends, core=tuple(core), edges=edges,
                reference=reference, fixed=fixed, notes=notes)


def _radix_family(core, density, ends, n_in, n_out):
    if ends == "dense":
        if len(core) < 3:
            raise TopogenError(
                f"the radix-net family needs at least 2 sparse layers, but hidden {list(core)} "
                "with dense ends gives one (a one-layer RadiX-Net is dense); pass "
                "ends='sparse' (--ends sparse) to make the input and output layers sparse "
                "too, or give 3 or more hidden widths"
            )
        fit = _fit_radix(core, density, sparse_input=False)
        note = "radix-net: " + fit.explanation
        if not fit.exact:
            note = (f"hidden widths {list(core)} do not fit a RadiX-Net; every family uses "
                    f"the fitted widths {list(fit.widths)}. " + note)
        return tuple(fit.widths), fit.build(), note
    hidden = core[1:-1]
    fit = _fit_radix((n_in, *hidden), density, sparse_input=True)
    topology = radix_with_ends(fit.radix_lists, fit.multipliers, n_in, n_out)
    note = (f"radix-net: {fit.explanation}; joined to the data: "
            f"{topology.meta['params']['join']}")
    return tuple(topology.widths), topology, note


def density_check(plan: Plan, density, tolerance: float, allow: bool) -> str | None:
    """A note when the trained density misses the requested one; refuse a large miss.

    Parameters
    ----------
    plan : Plan
        The decided shapes (its ``density`` is what trains).
    density : float or None
        The density asked for (``None``: nothing to compare).
    tolerance : float
        Largest relative miss allowed, ``0.1`` for 10 %.
    allow : bool
        Train anyway beyond ``tolerance`` (the note then starts ``DENSITY MISS``).

    Returns
    -------
    str or None
        ``None`` within 1 %; otherwise a note for the results.

    Raises
    ------
    TopogenError
        If the miss exceeds ``tolerance`` and ``allow`` is False.
    """
    if density is None:
        return None
    got = plan.density
    miss = got / density - 1
    if abs(miss) <= 0.01:
        return None
    text = (f"density {density} was asked, the sparse nets train at {got:.4g} "
            f"({100 * miss:+.0f}%), set by {plan.reference}")
    if abs(miss) > tolerance:
        text = "DENSITY MISS beyond the tolerance: " + text
    if abs(miss) > tolerance and not allow:
        raise TopogenError(
            f"{text}, beyond the tolerance of {100 * tolerance:.0f}%; pass "
            "allow_density_miss=True (--allow-density-miss) to train anyway, raise "
            "density_tolerance (--density-tolerance), or ask for a density near "
            f"{got:.4g} or other hidden widths"
        )
    return text
