"""topogen._primes against a sieve of Eratosthenes (an oracle independent of sympy)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topogen._checks import TopogenError
from topogen._primes import check_prime, is_prime, largest_primes_below, primes_in, random_prime

LIMIT = 5000


def _sieve(limit: int) -> np.ndarray:
    """Boolean array: ``s[n]`` is True exactly when ``n < limit`` is prime."""
    s = np.ones(limit, dtype=bool)
    s[:2] = False
    for k in range(2, int(limit**0.5) + 1):
        if s[k]:
            s[k * k :: k] = False
    return s


SIEVE = _sieve(LIMIT)


def test_is_prime_matches_sieve():
    assert [n for n in range(-5, LIMIT) if is_prime(n)] == np.flatnonzero(SIEVE).tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, LIMIT), st.integers(0, LIMIT), st.sampled_from([None, 1, 3]))
def test_primes_in_matches_sieve(start, stop, mod4):
    want = [p for p in np.flatnonzero(SIEVE).tolist() if start <= p < stop]
    if mod4 is not None:
        want = [p for p in want if p % 4 == mod4]
    assert primes_in(start, stop, mod4=mod4) == want


def test_largest_primes_below_matches_trial_division():
    got = largest_primes_below(2**31, 12)
    assert got == sorted(got, reverse=True) and len(set(got)) == 12

    def prime(n):  # trial division by the sieve's primes up to sqrt(2**31) < 46341
        return all(n % p for p in np.flatnonzero(_sieve(46_341)).tolist())

    assert all(prime(p) for p in got)
    # no prime is skipped between consecutive results (nor above the first)
    bounds = [2**31, *got]
    assert all(not prime(n) for hi, lo in zip(bounds, got) for n in range(lo + 1, hi))
    assert largest_primes_below(LIMIT, 5) == np.flatnonzero(SIEVE)[-5:][::-1].tolist()


def test_random_prime_is_seeded_and_in_range():
    a = [random_prime(np.random.default_rng(7), 2**30, 2**31 - 1) for _ in range(2)]
    assert a[0] == a[1] and 2**30 <= a[0] < 2**31 and is_prime(a[0])
    # the same draws as the loop paths.py used before (odd candidates, redrawn until prime)
    rng = np.random.default_rng(3)
    while True:
        c = int(rng.integers(2**30, 2**31 - 1)) | 1
        if is_prime(c):
            break
    assert random_prime(np.random.default_rng(3), 2**30, 2**31 - 1) == c
    small = {random_prime(np.random.default_rng(s), 10, 30) for s in range(200)}
    assert small == {11, 13, 17, 19, 23, 29}


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        (9, {}, "p must be a prime, got 9 (not prime)"),
        (7, {"mod4": True}, "p must be a prime with p % 4 == 1 (such as 5, 13, 17, 29), got 7"),
        (1, {}, "p must be"),
        (True, {}, "p must be"),
        (2.0, {}, "p must be"),
    ],
)
def test_check_prime_refuses(value, kwargs, message):
    with pytest.raises(TopogenError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_prime("p", value, **kwargs)


def test_check_prime_accepts():
    assert check_prime("q", np.int64(13), mod4=True) == 13
    assert type(check_prime("q", np.int64(13))) is int
    assert [n for n in range(2, 200) if n % 4 == 1 and SIEVE[n]] == [
        check_prime("q", n, mod4=True) for n in primes_in(2, 200, mod4=1)
    ]
