"""fit_radix_net: every candidate is a valid RadiX-Net whose widths and densities are as claimed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import topogen
from topogen import TopogenError, fit_radix_net


def _check_candidate(fit, widths, density):
    """Build the candidate and compare its claims with the real topology."""
    t = fit.build()
    assert t.widths == fit.widths
    assert len(fit.widths) == len(widths)
    # layer density N_k / N' and overall density are what the real layers have
    assert np.allclose(t.layer_density, fit.layer_density)
    assert math.isclose(t.density, fit.density, rel_tol=1e-12)
    assert fit.exact == (tuple(widths) == fit.widths)
    assert all(w % fit.n_prime == 0 for w in fit.widths)
    assert math.prod(fit.radix_lists[0]) == fit.n_prime
    return t


@pytest.mark.parametrize(
    "widths, density",
    [([256, 256, 256], 0.1), ([240] * 4, 0.1), ([512] * 4, 1 / 64), ([64, 64, 64], 0.25)],
)
def test_exact_fits_come_first_and_are_valid(widths, density):
    fits = fit_radix_net(widths, density, limit=5)
    assert fits[0].exact
    for fit in fits:
        _check_candidate(fit, widths, density)
    # the best fit's density is within a factor 2 of the target
    assert fits[0].density_error <= math.log(2)


def test_exact_densities_are_met_when_possible():
    fit = fit_radix_net([512] * 4, 1 / 64)[0]
    assert fit.radix_lists == ((8, 8, 8),) and fit.density == 1 / 64
    # RadiX-Net path theorem: one path between every input/output pair of N' blocks
    counts = topogen.analysis.path_counts(fit.build())
    assert counts.min() == counts.max() == 1


def test_nearest_widths_when_nothing_fits_exactly():
    # 784-300-100 at 0.1: no N' divides all three widths with radices near 0.1
    fits = fit_radix_net([784, 300, 100], 0.1, limit=3)
    assert not fits[0].exact
    for fit in fits:
        _check_candidate(fit, [784, 300, 100], 0.1)
        assert fit.width_change < 0.1
        assert "nearest widths" in fit.explanation


def test_exact_only_filters():
    fits = fit_radix_net([300, 100, 10], 0.5, exact_only=True)
    assert fits and all(f.exact for f in fits)


def _brute_force(widths, density, tolerance):
    """Independent oracle: every radix sequence of the right length for each exact N'."""
    n_layers = len(widths) - 1
    g = math.gcd(*widths)
    found = set()
    for n in range(2, g + 1):
        if g % n:
            continue
        divs = [r for r in range(2, n + 1) if n % r == 0
                and density / tolerance <= r / n <= min(1, density * tolerance) * (1 + 1e-12)]
        for seq in np.ndindex(*(len(divs),) * n_layers):
            radices = [divs[i] for i in seq]
            # split points: every way to cut the sequence into lists
            for cuts in np.ndindex(*(2,) * (n_layers - 1)):
                lists, cur = [], [radices[0]]
                for c, r in zip(cuts, radices[1:]):
                    if c:
                        lists.append(cur)
                        cur = [r]
                    else:
                        cur.append(r)
                lists.append(cur)
                try:
                    t = topogen.radix_net(lists, [w // n for w in widths])
                except TopogenError:
                    continue
                if math.prod(lists[0]) == n:
                    found.add((tuple(tuple(x) for x in lists), t.widths))
    return found


@pytest.mark.parametrize("widths, density", [([24, 24, 24], 0.25), ([36, 36, 36, 36], 0.3)])
def test_enumeration_matches_brute_force(widths, density):
    fits = fit_radix_net(widths, density, limit=10**6, exact_only=True)
    got = {(f.radix_lists, f.widths) for f in fits}
    assert got == _brute_force(widths, density, 4.0)


@settings(max_examples=25, deadline=None)
@given(
    n_layers=st.integers(2, 4),
    base=st.sampled_from([8, 12, 16, 24, 30, 32, 36, 48]),
    mults=st.lists(st.integers(1, 4), min_size=5, max_size=5),
    density=st.sampled_from([0.5, 0.25, 0.2, 0.125, 0.1]),
)
def test_property_candidates_are_honest(n_layers, base, mults, density):
    widths = [base * m for m in mults[: n_layers + 1]]
    try:
        fits = fit_radix_net(widths, density, limit=3)
    except TopogenError:
        return
    for fit in fits:
        _check_candidate(fit, widths, density)
    keys = [(not (f.exact and f.density_error <= math.log(2) + 1e-12)) for f in fits]
    assert keys == sorted(keys)


def test_errors_are_clear():
    with pytest.raises(TopogenError, match="single layer"):
        fit_radix_net([64, 64], 0.1)
    with pytest.raises(TopogenError, match="density"):
        fit_radix_net([64, 64, 64], 0)
    with pytest.raises(TopogenError, match="widths"):
        fit_radix_net([64], 0.5)
    with pytest.raises(TopogenError, match="limit"):
        fit_radix_net([64, 64, 64], 0.5, limit=0)
    with pytest.raises(TopogenError, match="tolerance"):
        fit_radix_net([64, 64, 64], 0.5, tolerance=1)


def test_as_dict_is_json_able():
    import json

    fit = fit_radix_net([64, 64, 64], 0.25)[0]
    data = json.loads(json.dumps(fit.as_dict()))
    assert data["radix_lists"] == [list(x) for x in fit.radix_lists]


def test_fit_multipliers_name_and_deprecated_alias():
    fit = topogen.fit_radix_net([64, 128, 64], 0.25)[0]
    assert [w // fit.n_prime for w in fit.widths] == list(fit.multipliers)
    assert fit.as_dict()["multipliers"] == list(fit.multipliers)
    assert fit.build() == topogen.radix_net([list(x) for x in fit.radix_lists], fit.multipliers)
    with pytest.warns(FutureWarning, match="multipliers"):
        assert fit.kron_widths == fit.multipliers


def test_strange_note_reads_multipliers_from_meta():
    pytest.importorskip("torch")
    from topogen.verify.plan import strange_note

    # final radix 2, final multiplier 1: one of Kwak et al.'s strange models, whatever the
    # name of the Kronecker factors in meta (multipliers now, widths in older files)
    net = topogen.radix_net([[2, 5], [2]], [7, 3, 1, 1])
    assert net.meta["params"]["multipliers"] == [7, 3, 1, 1]
    assert strange_note(net).startswith("final radix 2")
    old = topogen.Topology(net.layers, {"generator": "radix_net", "params": {
        "radix_lists": [[2, 5], [2]], "widths": [7, 3, 1, 1]}})
    assert strange_note(old) == strange_note(net)
