"""Hypothesis strategies for valid RadiX-Net parameters, shared by the test files."""

import math

from hypothesis import strategies as st


def _factorizations(n: int) -> list[tuple[int, ...]]:
    """All ordered factorizations of n into factors >= 2 (n small)."""
    if n == 1:
        return [()]
    out = []
    for f in range(2, n + 1):
        if n % f == 0:
            out.extend((f, *rest) for rest in _factorizations(n // f))
    return out


@st.composite
def radix_lists(draw, max_n_prime: int = 24, max_lists: int = 3):
    """A valid list of radix lists: first product N', middle lists N', last divides N'."""
    first = tuple(draw(st.lists(st.integers(2, 5), min_size=1, max_size=3)))
    n_prime = math.prod(first)
    if n_prime > max_n_prime:
        first = (first[0],)
        n_prime = first[0]
    lists = [first]
    n_more = draw(st.integers(0, max_lists - 1))
    for k in range(n_more):
        last = k == n_more - 1
        if last:
            divisors = [d for d in range(2, n_prime + 1) if n_prime % d == 0]
            target = draw(st.sampled_from(divisors))
        else:
            target = n_prime
        lists.append(draw(st.sampled_from(_factorizations(target))))
    return [list(x) for x in lists]


@st.composite
def radix_net_params(draw, max_width: int = 3):
    lists = draw(radix_lists())
    n_layers = sum(len(x) for x in lists)
    widths = draw(st.lists(st.integers(1, max_width), min_size=n_layers + 1,
                           max_size=n_layers + 1))
    return lists, widths


@st.composite
def topologies(draw, max_width: int = 7, max_depth: int = 4):
    """Random topologies: each layer random, empty or full; width-1 layers included."""
    import numpy as np

    from topogen import Topology

    depth = draw(st.integers(1, max_depth))
    widths = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1))
    layers = []
    for i in range(depth):
        kind = draw(st.sampled_from(["random", "random", "empty", "full"]))
        shape = (widths[i], widths[i + 1])
        if kind == "empty":
            layers.append(np.zeros(shape, dtype=bool))
        elif kind == "full":
            layers.append(np.ones(shape, dtype=bool))
        else:
            bits = draw(st.lists(st.booleans(), min_size=shape[0] * shape[1],
                                 max_size=shape[0] * shape[1]))
            layers.append(np.array(bits, dtype=bool).reshape(shape))
    return Topology(layers)
