"""topogen.analysis.analyze / Report, checked against dense NumPy recomputation."""

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import radix_lists

import topogen
from topogen import TopogenError
from topogen.analysis import analyze
from topogen.analysis.report import Report, fmt_count, format_rows


def _dense_paths(t):
    P = np.eye(t.widths[0], dtype=object)
    for W in t.to_dense(int):
        P = P @ W.astype(object)
    return P


def _random_topology(seed, widths=(5, 7, 4, 6)):
    rng = np.random.default_rng(seed)
    return topogen.Topology([rng.random((a, b)) < 0.4 for a, b in itertools.pairwise(widths)])


@pytest.mark.parametrize("seed", range(4))
def test_report_matches_dense_recomputation(seed):
    t = _random_topology(seed)
    r = analyze(t, spectral=False)
    assert r.widths == t.widths and r.depth == t.depth and r.nnz == t.nnz
    P = _dense_paths(t)
    assert r.paths["total"] == int(P.sum())
    assert r.paths["symmetric"] == bool(np.all(P == P[0, 0]))
    assert r.paths["path_connected"] == bool(np.all(P > 0))
    for layer, W in zip(r.layers, t.to_dense(int)):
        assert layer.nnz == int(W.sum())
        assert layer.density == pytest.approx(W.mean())
        assert layer.out_degree == (int(W.sum(1).min()), int(W.sum(1).max()))
        assert layer.in_degree == (int(W.sum(0).min()), int(W.sum(0).max()))
        assert layer.regular == (len(set(W.sum(1))) == 1 and len(set(W.sum(0))) == 1)
        assert layer.spectral is None
    assert r.regular == all(layer.regular for layer in r.layers)


@given(radix_lists(max_n_prime=12), st.data())
def test_radix_net_report_is_symmetric_regular(lists, data):
    n_layers = sum(len(x) for x in lists)
    widths = data.draw(st.lists(st.integers(1, 3), min_size=n_layers + 1, max_size=n_layers + 1))
    t = topogen.radix_net(lists, widths)
    r = analyze(t, spectral=False)
    expected = math.prod(math.prod(x) for x in lists[1:]) * math.prod(widths[1:-1])
    assert r.regular and r.paths["symmetric"] and r.paths["per_pair"] == expected
    assert r.paths["total"] == expected * t.widths[0] * t.widths[-1]


def test_json_round_trip_keeps_exact_big_counts():
    t = topogen.extended_mixed_radix([[2]] * 70)  # 2**69 paths per pair
    r = analyze(t, spectral=False)
    d = json.loads(r.to_json())
    assert d["paths"]["per_pair"] == 2**69
    assert d["widths"] == [2] * 71 and len(d["layers"]) == 70
    assert "e20" in r.table()  # 2**69 ~ 5.9e20 shown in scientific form, exact in JSON


def test_table_lists_every_layer():
    t = topogen.radix_net([[2, 3]], [2, 1, 3])
    text = analyze(t, spectral=False).table()
    lines = text.splitlines()
    assert "widths     12 -> 6 -> 18" in text
    header = next(i for i, line in enumerate(lines) if line.startswith("layer"))
    rows = lines[header + 2:]
    assert len(rows) == t.depth
    assert rows[0].split()[:3] == ["0", "12x6", "24"]
    assert rows[1].split()[:3] == ["1", "6x18", "54"]


def test_spectral_section_against_numpy():
    t = topogen.radix_net([[2, 2]], [1, 2, 1])
    r = analyze(t)
    for layer, W in zip(r.layers, t.to_dense(float)):
        s = np.linalg.svd(W, compute_uv=False)
        assert layer.spectral["lambda1"] == pytest.approx(s[0])
        assert layer.spectral["lambda2"] <= layer.spectral["lambda1"] + 1e-9
    assert "lambda2" in r.table()
    json.loads(r.to_json())


def test_errors():
    with pytest.raises(TopogenError, match=r"topology must be a topogen\.Topology"):
        analyze(np.eye(3))
    with pytest.raises(TopogenError, match="spectral must be True or False"):
        analyze(topogen.mixed_radix([2]), spectral="yes")


def test_helpers():
    assert fmt_count(123) == "123"
    assert fmt_count(10**20) == "1.000e20"
    assert fmt_count(2.5) == "2.5"
    assert format_rows([["a", "b"], ["xx", "1"]]).splitlines()[2] == "xx  1"
    assert isinstance(analyze(topogen.mixed_radix([2]), spectral=False), Report)


def test_repeated_layers_are_analysed_once(monkeypatch):
    from topogen.analysis import spectral

    calls = []
    real = spectral.spectral_gap

    def counting(layer, **kwargs):
        calls.append(layer.shape)
        return real(layer, **kwargs)

    monkeypatch.setattr(spectral, "spectral_gap", counting)
    rng = np.random.default_rng(0)
    W = rng.random((6, 6)) < 0.5
    # equal layers that are distinct objects (as after loading from a file), and one other
    t = topogen.Topology([W, W.copy(), ~W, W])
    r = analyze(t)
    assert len(calls) == 2
    assert r.layers[0].spectral == r.layers[1].spectral == r.layers[3].spectral
    assert r.layers[2].spectral != r.layers[0].spectral


def test_large_networks_use_the_randomized_symmetry_test():
    """analyze decides symmetry by is_symmetric's one rule: exact while n_0 * nnz is at most
    EXACT_SYMMETRY_COST, Freivalds' randomized test beyond."""
    from topogen.analysis.paths import EXACT_SYMMETRY_COST

    t = topogen.extended_mixed_radix([[32, 32]] * 3)  # 1024 wide, 6 layers
    assert t.widths[0] * t.nnz > EXACT_SYMMETRY_COST
    r = analyze(t, spectral=False)
    assert r.paths["symmetric"] and r.paths["per_pair"] == 1024**2
    last = t.layers[-1].toarray()
    last[0, np.flatnonzero(last[0])[0]] = False  # drop one edge: no longer symmetric
    broken = topogen.Topology([*t.layers[:-1], last])
    r = analyze(broken, spectral=False)
    reach = np.ones(1024, dtype=np.int64)  # paths from all inputs, propagated independently
    for W in broken.to_dense(np.int64):
        reach = reach @ W
    assert not r.paths["symmetric"] and r.paths["total"] == int(reach.sum()) < 1024**4


def test_counts_format_exactly_at_any_size():
    from fractions import Fraction

    assert fmt_count(10**15) == "1.000e15" and fmt_count(999_999) == "999,999"
    from decimal import Decimal, getcontext

    getcontext().prec = 30  # an independent oracle: decimal arithmetic

    def oracle(x):
        return f"{Decimal(x.numerator) / Decimal(x.denominator):.3e}".replace("+", "")

    for value in (2**5000, Fraction(2**5000, 3), Fraction(3**4000, 7), 10**400 - 1):
        assert fmt_count(value) == oracle(Fraction(value))
    assert fmt_count(Fraction(7, 2)) == "3.5" and fmt_count(Fraction(10, 5)) == "2"
    assert fmt_count(9_999_500 * 10**20) == "9.999e26" or fmt_count(
        9_999_500 * 10**20) == "1.000e27"


def test_table_says_what_was_found():
    import numpy as np

    cut = topogen.Topology([np.eye(3)])
    text = analyze(cut, spectral=False).table()
    assert "connected  no (some input does not reach some output)" in text
    assert "regular    yes (every layer is biregular)" in text
    r = analyze(topogen.Topology([np.array([[1, 1], [0, 1]])]), spectral=False)
    assert "no (some layer is not biregular)" in r.table()
    assert r.paths["per_pair"] == 3 / 4 and r.as_dict()["paths"]["per_pair"] == 0.75
