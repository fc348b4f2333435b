"""Prime numbers, in one place: tests, checks, lists and seeded random draws.

Backed by sympy (a core dependency): :func:`sympy.isprime`, :func:`sympy.primerange` and
:func:`sympy.prevprime`.  Random primes are drawn from a NumPy generator, not with
:func:`sympy.randprime`, because sympy's own random state is not seeded by topogen's
``seed=`` arguments.
"""

from __future__ import annotations

import numpy as np

from ._checks import TopogenError, check_int

__all__ = ["check_prime", "is_prime", "largest_primes_below", "primes_in", "random_prime"]


def is_prime(n: int) -> bool:
    """Whether the integer ``n`` is a prime (sympy's deterministic test below ``2**64``).

    Parameters
    ----------
    n : int
        Any integer; negative numbers, 0 and 1 are not prime.

    Returns
    -------
    bool

    Examples
    --------
    >>> [n for n in range(20) if is_prime(n)]
    [2, 3, 5, 7, 11, 13, 17, 19]
    """
    from sympy import isprime

    return bool(isprime(n))


def check_prime(name: str, value, *, mod4: bool = False, minimum: int = 2) -> int:
    """Return ``value`` as an ``int`` if it is a prime, or raise naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message (``"p"``, ``"q"``).
    value : object
        What was passed; it must be an integer (``bool`` is refused).
    mod4 : bool, default False
        Also require ``value % 4 == 1`` (the primes of Paley and LPS graphs).
    minimum : int, default 2
        Smallest value accepted (checked first, with :func:`~topogen._checks.check_int`).

    Returns
    -------
    int

    Raises
    ------
    TopogenError
        If ``value`` is not an integer, is below ``minimum``, is not prime, or (with
        ``mod4``) is a prime ``3 mod 4``.

    Examples
    --------
    >>> check_prime("q", 13, mod4=True)
    13
    >>> check_prime("q", 7, mod4=True)
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: q must be a prime with q % 4 == 1 (such as 5, 13, 17, 29), got 7
    """
    value = check_int(name, value, minimum=minimum)
    if not is_prime(value):
        raise TopogenError(f"{name} must be a prime, got {value} (not prime)")
    if mod4 and value % 4 != 1:
        raise TopogenError(
            f"{name} must be a prime with {name} % 4 == 1 (such as 5, 13, 17, 29), got {value}"
        )
    return value


def primes_in(start: int, stop: int, *, mod4: int | None = None) -> list[int]:
    """The primes ``p`` with ``start <= p < stop``, in increasing order.

    Parameters
    ----------
    start, stop : int
        Half-open range; an empty list when ``stop <= start`` or no prime lies in it.
    mod4 : int, optional
        Keep only the primes with ``p % 4 == mod4`` (``1`` for Paley and LPS graphs).

    Returns
    -------
    list of int

    Examples
    --------
    >>> primes_in(2, 30, mod4=1)
    [5, 13, 17, 29]
    """
    from sympy import primerange

    primes = [int(p) for p in primerange(start, stop)]
    return primes if mod4 is None else [p for p in primes if p % 4 == mod4]


def largest_primes_below(limit: int, count: int) -> list[int]:
    """The ``count`` largest primes below ``limit``, in decreasing order.

    Used for exact multi-modular (Chinese remainder) arithmetic: primes below ``2**31``
    keep every product of two residues inside int64.

    Parameters
    ----------
    limit : int
        Every prime returned is ``< limit``.
    count : int
        How many primes; there must be that many between 2 and ``limit``.

    Returns
    -------
    list of int

    Raises
    ------
    ValueError
        From sympy, if fewer than ``count`` primes lie below ``limit``.

    Examples
    --------
    >>> largest_primes_below(2**31, 3)
    [2147483647, 2147483629, 2147483587]
    """
    from sympy import prevprime

    primes, p = [], limit
    for _ in range(count):
        p = int(prevprime(p))
        primes.append(p)
    return primes


def random_prime(rng: np.random.Generator, low: int, high: int) -> int:
    """A random prime drawn from ``rng``: odd candidates ``rng.integers(low, high) | 1``,
    redrawn until prime (so the result lies in ``[low, high]``).

    Reproducible from the generator's seed, unlike :func:`sympy.randprime`. With even
    ``low`` and odd ``high`` every odd number below ``high`` in the range is equally
    likely, and ``high`` itself half as likely.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness (advanced by every candidate drawn).
    low, high : int
        Candidates are ``rng.integers(low, high) | 1``; the range must hold a prime.

    Returns
    -------
    int

    Examples
    --------
    >>> p = random_prime(np.random.default_rng(0), 2**30, 2**31 - 1)
    >>> 2**30 <= p < 2**31 and is_prime(p)
    True
    """
    from sympy import isprime

    while True:
        candidate = int(rng.integers(low, high)) | 1
        if isprime(candidate):
            return candidate
