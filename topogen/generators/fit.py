"""Fit a RadiX-Net to the layer widths of a model: search radix systems and multipliers.

A RadiX-Net (Robinett & Kepner, arXiv:1905.00416) with radix lists ``N^(1), ..., N^(m)`` and
Kronecker multipliers ``B_0 .. B_L`` has layer widths ``B_i * N'`` (``N'`` the product of the first
list) and layer densities ``N_k / N'``.  So a model's widths ``w_0 .. w_L`` fit exactly only
when one ``N'`` divides all of them, and the density of each layer is a divisor of ``N'``
divided by ``N'``.  :func:`fit_radix_net` enumerates the systems that come close to a target
density, for the exact widths when possible and for the nearest widths otherwise, and ranks
them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from .._checks import DEFAULT_MAX_EDGES, TopogenError, check_density, check_widths

__all__ = ["RadixFit", "fit_radix_net", "strange_radix"]

#: Stop enumerating after this many candidate systems (the search is pruned by density first,
#: so this is only reached for very deep nets with very composite ``N'``).
_MAX_CANDIDATES = 200_000


def strange_radix(radix_lists, multipliers) -> str | None:
    """Why a RadiX-Net is one of Kwak et al.'s "strange models", or None if it is not.

    Kwak et al. (arXiv:2311.03609) report that RadiX-Nets whose **final radix** (the last
    entry of the last radix list) is 1, 2 or 3 **and** whose final Kronecker width is 1 train
    inconsistently and to lower accuracy than nets of similar sparsity: every neuron of the
    last hidden layer then feeds only that many of the ``N'`` outputs.

    Parameters
    ----------
    radix_lists : sequence of sequence of int
    multipliers : sequence of int
        The Kronecker multipliers ``B_0 .. B_L`` (as for :func:`topogen.radix_net`).

    Returns
    -------
    str or None
        A one-line explanation for a strange net, else None.

    Examples
    --------
    >>> strange_radix([[10, 10]], [8, 3, 1]) is None
    True
    >>> strange_radix([[4, 25], [2]], [1, 1, 1, 1]).startswith("final radix 2")
    True
    """
    last = int(radix_lists[-1][-1])
    width = int(multipliers[-1])
    if last <= 3 and width == 1:
        return (f"final radix {last} with final Kronecker multiplier 1: every neuron before the "
                f"last layer feeds only {last} output(s); Kwak et al. (arXiv:2311.03609) found "
                "such 'strange models' to train inconsistently")
    return None


@dataclass(frozen=True)
class RadixFit:
    """One RadiX-Net that fits (or nearly fits) a model's widths, as found by :func:`fit_radix_net`.

    Attributes
    ----------
    radix_lists : tuple of tuple of int
        The mixed-radix systems; pass to :func:`topogen.radix_net`.
    multipliers : tuple of int
        Kronecker multipliers ``B_i`` (``widths[i] == B_i * n_prime``); pass to
        :func:`topogen.radix_net`.  (``kron_widths`` is a deprecated alias.)
    n_prime : int
        ``N'``, the product of the first radix list.
    widths : tuple of int
        Layer widths of the RadiX-Net.
    target_widths : tuple of int
        The widths that were asked for.
    exact : bool
        Whether ``widths == target_widths``.
    layer_density : tuple of float
        ``N_k / N'`` for each layer.
    density : float
        Overall density (edges over dense edges) at ``widths``.
    target_density : float
        The density that was asked for.
    explanation : str
        One line saying why this candidate is where it is.
    """

    radix_lists: tuple
    multipliers: tuple
    n_prime: int
    widths: tuple
    target_widths: tuple
    exact: bool
    layer_density: tuple
    density: float
    target_density: float
    explanation: str = field(compare=False)

    @property
    def kron_widths(self) -> tuple:
        """Deprecated name of :attr:`multipliers` (a ``FutureWarning``)."""
        import warnings

        warnings.warn("RadixFit.kron_widths is deprecated; use RadixFit.multipliers",
                      FutureWarning, stacklevel=2)
        return self.multipliers

    @property
    def width_change(self) -> float:
        """Mean relative change of the widths, ``mean(|w' - w| / w)`` (0 when exact)."""
        pairs = list(zip(self.widths, self.target_widths, strict=True))
        return sum(abs(a - b) / b for a, b in pairs) / len(pairs)

    @property
    def strange(self) -> str | None:
        """Why this net is a "strange model" of Kwak et al. (see :func:`strange_radix`)."""
        return strange_radix(self.radix_lists, self.multipliers)

    @property
    def density_error(self) -> float:
        """``|log(density / target_density)|``: 0 for a perfect match, symmetric in ratio."""
        return abs(math.log(self.density / self.target_density))

    def build(self, *, max_edges: int = DEFAULT_MAX_EDGES):
        """Build this RadiX-Net with :func:`topogen.radix_net`.

        Parameters
        ----------
        max_edges : int, default 2**28
            Size cap of :func:`topogen.radix_net`: a larger net is refused before
            anything is allocated.

        Returns
        -------
        Topology
            The net, of widths :attr:`widths`.

        Raises
        ------
        TopogenError
            If the net has more than ``max_edges`` edges.

        >>> fit = fit_radix_net([64, 64, 64], 0.25)[0]
        >>> fit.build().widths
        (64, 64, 64)
        """
        from .radix import radix_net

        return radix_net(
            [list(x) for x in self.radix_lists], list(self.multipliers), max_edges=max_edges
        )

    def as_dict(self) -> dict:
        """A JSON-able dict of the fields (lists instead of tuples)."""
        return {
            "radix_lists": [list(x) for x in self.radix_lists],
            "multipliers": list(self.multipliers),
            "n_prime": self.n_prime,
            "widths": list(self.widths),
            "target_widths": list(self.target_widths),
            "exact": self.exact,
            "layer_density": list(self.layer_density),
            "density": self.density,
            "target_density": self.target_density,
            "explanation": self.explanation,
        }


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small) | {n // d for d in small})


def _compositions(total: int):
    """Ordered ways to split ``total`` layers into lists of lengths >= 1."""
    if total == 0:
        yield ()
        return
    for first in range(1, total + 1):
        for rest in _compositions(total - first):
            yield (first, *rest)


def _factorizations(n: int, k: int, allowed: tuple, memo: dict) -> list[tuple]:
    """Ordered ``k``-tuples from ``allowed`` whose product is ``n``."""
    key = (n, k)
    if key in memo:
        return memo[key]
    if k == 1:
        out = [(n,)] if n in allowed else []
    else:
        out = []
        for r in allowed:
            if n % r == 0 and n // r >= 2:
                out.extend((r, *rest) for rest in _factorizations(n // r, k - 1, allowed, memo))
    memo[key] = out
    return out


def _systems(n_prime: int, n_layers: int, density: float, tolerance: float):
    """Radix-list systems of ``n_layers`` radices for ``N' = n_prime`` near ``density``."""
    lo, hi = density / tolerance, min(1.0, density * tolerance)
    allowed = tuple(
        r for r in _divisors(n_prime) if r >= 2 and lo <= r / n_prime <= hi * (1 + 1e-12)
    )
    if not allowed:
        return
    memo: dict = {}
    last_products = [d for d in _divisors(n_prime) if d >= 2]
    for lengths in _compositions(n_layers):
        choices = [_factorizations(n_prime, k, allowed, memo) for k in lengths[:-1]]
        if len(lengths) == 1:
            last = _factorizations(n_prime, lengths[0], allowed, memo)
        else:
            last = [f for p in last_products
                    for f in _factorizations(p, lengths[-1], allowed, memo)]
        choices.append(last)
        if any(not c for c in choices):
            continue
        yield from _product(choices)


def _product(choices):
    if not choices:
        yield ()
        return
    for head in choices[0]:
        for tail in _product(choices[1:]):
            yield (head, *tail)


def _candidate(lists, n_prime, widths, target_widths, target_density) -> RadixFit:
    radices = [r for lst in lists for r in lst]
    layer_density = tuple(r / n_prime for r in radices)
    pairs = [widths[i] * widths[i + 1] for i in range(len(radices))]
    density = sum(p * d for p, d in zip(pairs, layer_density, strict=True)) / sum(pairs)
    exact = tuple(widths) == tuple(target_widths)
    rel = (density - target_density) / target_density
    fit = "exact widths" if exact else (
        "nearest widths " + "-".join(map(str, widths)) + " (asked "
        + "-".join(map(str, target_widths)) + ")"
    )
    explanation = (
        f"{fit}; N'={n_prime}, radices {[list(x) for x in lists]}, multipliers "
        f"{[w // n_prime for w in widths]}; layer densities "
        + ", ".join(f"{d:.4g}" for d in layer_density)
        + f"; overall density {density:.4g} vs target {target_density:.4g} ({rel:+.1%})"
    )
    return RadixFit(
        radix_lists=tuple(tuple(x) for x in lists),
        multipliers=tuple(w // n_prime for w in widths),
        n_prime=n_prime,
        widths=tuple(widths),
        target_widths=tuple(target_widths),
        exact=exact,
        layer_density=layer_density,
        density=density,
        target_density=target_density,
        explanation=explanation,
    )


def _rank_key(fit: RadixFit):
    radices = [r for lst in fit.radix_lists for r in lst]
    layer_dev = sum(abs(math.log(d / fit.target_density)) for d in fit.layer_density)
    close_exact = fit.exact and fit.density_error <= math.log(2) + 1e-12
    score = fit.width_change + fit.density_error + layer_dev / len(fit.layer_density)
    return (
        not close_exact,
        round(score, 9),
        len(fit.radix_lists),
        max(radices) / min(radices),
        -fit.n_prime,
        fit.radix_lists,
    )


def fit_radix_net(
    widths: Sequence[int],
    density: float,
    *,
    limit: int = 10,
    tolerance: float = 4.0,
    exact_only: bool = False,
) -> list[RadixFit]:
    """Find RadiX-Nets whose widths and density fit a model, ranked best first.

    For every ``N'`` from 2 to ``max(widths)`` the model widths are rounded to the nearest
    positive multiple of ``N'`` (unchanged when ``N'`` divides them all), and every radix
    system with ``len(widths) - 1`` radices is enumerated whose layer densities ``N_k / N'``
    lie within a factor ``tolerance`` of ``density``: the lists but the last multiply to
    ``N'``, the last one's product divides it (Robinett & Kepner 2019, Sec. III).
    Candidates are ranked by, in order: exact fits whose density is within a factor 2 of the
    target first; then the sum of the mean relative width change (0 for an exact fit), the
    distance of the overall density from the target (``|log(density / target)|``) and the
    mean distance of the layer densities from it (``|log(d_k / target)|``, so that layers of
    even density win over a lopsided mix with the right average); then fewer radix lists;
    more balanced radices (smaller ``max / min``; Kwak et al. 2023 found some unusual radix
    choices to train inconsistently); then larger ``N'``.

    Parameters
    ----------
    widths : sequence of int
        Model widths ``w_0 .. w_L`` (at least two: one layer).
    density : float
        Target overall density in ``(0, 1]``.
    limit : int
        Return at most this many candidates.
    tolerance : float
        Consider radices whose layer density is within this factor of ``density`` (> 1).
    exact_only : bool
        Only return candidates with exactly ``widths``.

    Returns
    -------
    list of RadixFit
        Best first; ``fits[0].build()`` makes the topology, ``fits[0].explanation`` says why.
        A ``UserWarning`` is issued when the best one is a "strange model" (final radix 1-3
        with final Kronecker width 1, :func:`strange_radix`).

    Raises
    ------
    TopogenError
        For invalid arguments, or when no radix system comes within ``tolerance`` (e.g. a
        single layer, which a RadiX-Net can only make dense).

    References
    ----------
    R. Robinett and J. Kepner, *RadiX-Net: Structured Sparse Matrices for Deep Neural
    Networks*, IPDPSW 2019, arXiv:1905.00416.  K. Kwak et al., *Testing RadiX-Nets: Advances
    in Viable Sparse Topologies*, arXiv:2311.03609.

    Examples
    --------
    >>> fits = fit_radix_net([256, 256, 256], 0.1)
    >>> best = fits[0]
    >>> best.exact, best.radix_lists, best.layer_density
    (True, ((8, 16),), (0.0625, 0.125))
    >>> fit_radix_net([300, 100, 10], 0.5)[0].widths  # no N' divides all: nearest widths
    (300, 100, 10)
    """
    widths = check_widths("widths", widths)
    density = check_density("density", density)
    if len(widths) < 2:
        raise TopogenError(f"widths must have at least 2 entries (one layer), got {list(widths)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise TopogenError(f"limit must be an integer >= 1, got {limit!r}")
    if not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool) or tolerance <= 1:
        raise TopogenError(f"tolerance must be a number > 1, got {tolerance!r}")
    n_layers = len(widths) - 1
    found: dict = {}
    count = 0
    for n_prime in range(2, max(widths) + 1):
        fitted = tuple(max(1, round(w / n_prime)) * n_prime for w in widths)
        if exact_only and fitted != widths:
            continue
        for lists in _systems(n_prime, n_layers, density, float(tolerance)):
            fit = _candidate(lists, n_prime, fitted, widths, density)
            found[(fit.radix_lists, fit.widths)] = fit
            count += 1
            if count >= _MAX_CANDIDATES:
                break
        if count >= _MAX_CANDIDATES:
            break
    if not found:
        why = (
            "a single layer can only be dense in a RadiX-Net (its one radix equals N')"
            if n_layers == 1 and density < 1
            else f"no radix N_k with N_k / N' within a factor {tolerance} of {density}"
        )
        raise TopogenError(
            f"no RadiX-Net fits widths {list(widths)} at density {density}: {why}; try a "
            "larger tolerance=, another density, more layers, or exact_only=False"
        )
    fits = sorted(found.values(), key=_rank_key)[:limit]
    if fits[0].strange:
        warnings.warn(f"fit_radix_net: the best fit {fits[0].radix_lists} is a strange model: "
                      f"{fits[0].strange}", UserWarning, stacklevel=2)
    return fits
