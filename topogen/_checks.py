"""Argument validation shared by every module.

Every public function of topogen checks its arguments here, so that bad input fails at
once with a :class:`TopogenError` that names the parameter, the value and what would be
valid, instead of a traceback from deep inside NumPy.  Random generators turn their
``seed`` into a :class:`numpy.random.Generator` with :func:`as_rng`.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence

import numpy as np

__all__ = [
    "DEFAULT_MAX_EDGES",
    "MESSAGE_LIMIT",
    "TopogenError",
    "as_rng",
    "call_repr",
    "check_density",
    "check_int",
    "check_matrix",
    "check_max_edges",
    "check_radices",
    "check_widths",
    "fmt_value",
    "renamed",
    "rng_and_seed",
    "shorten",
]

#: Default cap on what a generator may build in memory, counted in edges (about 1.3 GB for
#: boolean CSR layers with int32 indices).  The count is of what is allocated: every edge
#: of every *distinct* layer (a layer shared by several positions counts once), plus one per
#: neuron on each side of every distinct layer built (row pointers and per-neuron work
#: arrays); see :func:`check_max_edges`.  Every generator takes ``max_edges=`` to raise it.
DEFAULT_MAX_EDGES = 2**28

#: Longest error message; longer ones keep their start and end (the fix) and say how much
#: was left out, so that a huge argument never floods a terminal.
MESSAGE_LIMIT = 1000


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` itself, or its start and end around a note of how much was left out.

    Parameters
    ----------
    text : str
    limit : int
        Longest result.

    Returns
    -------
    str

    >>> shorten("a" * 50 + "b" * 50, 50)
    'aaaaaaa ... (86 characters left out) ... bbbbbbb'
    """
    if len(text) <= limit:
        return text
    widest = len(f" ... ({len(text):,} characters left out) ... ")
    keep = max((limit - widest) // 2, 1)
    cut = len(text) - 2 * keep
    return f"{text[:keep]} ... ({cut:,} characters left out) ... {text[len(text) - keep:]}"


class TopogenError(ValueError):
    """Raised for every invalid argument, file or request in topogen.

    It is a :class:`ValueError`, so code that already catches ``ValueError`` keeps working.
    The message names the parameter, the value, and what would be valid; a message longer
    than :data:`MESSAGE_LIMIT` characters is abbreviated in the middle (:func:`shorten`).
    """

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], str):
            args = (shorten(args[0]),)
        super().__init__(*args)


def fmt_value(value, limit: int = 80, *, items: int = 4) -> str:
    """A short ``repr`` of ``value`` for messages: long sequences and dicts are abbreviated.

    A sequence longer than ``items`` shows its first items and its length; a sequence whose
    items are all equal is written ``[item] * n``; the text is cut at ``limit`` characters.

    Parameters
    ----------
    value : object
    limit : int
        Longest result.
    items : int
        Items shown of a long sequence.

    Returns
    -------
    str

    >>> fmt_value(list(range(1000)))
    '[0, 1, 2, 3, ... (1000 items)]'
    >>> fmt_value({"radix_lists": [[2] * 12] * 160, "widths": [16] * 1921})
    "{'radix_lists': [[2] * 12] * 160, 'widths': [16] * 1921}"
    """
    return _clip(_short_repr(value, items), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_repr(value, items: int) -> str:
    if isinstance(value, dict):
        parts = [f"{k!r}: {_short_repr(v, items)}" for k, v in list(value.items())[:items * 4]]
        more = len(value) - len(parts)
        return "{" + ", ".join(parts) + (f", ... ({more} more)" if more > 0 else "") + "}"
    if isinstance(value, np.ndarray):
        if value.size > items:
            return f"array(shape={value.shape}, dtype={value.dtype})"
        return repr(value)
    if isinstance(value, (list, tuple)):
        left, right = ("[", "]") if isinstance(value, list) else ("(", ")")
        n = len(value)
        if n > 1 and _all_equal(value):
            one = "," if right == ")" else ""
            return f"{left}{_short_repr(value[0], items)}{one}{right} * {n}"
        shown = ", ".join(_short_repr(v, items) for v in value[:items])
        if n > items:
            return f"{left}{shown}, ... ({n} items){right}"
        return f"{left}{shown}{',' if n == 1 and right == ')' else ''}{right}"
    if isinstance(value, str):
        return repr(_clip(value, 200))
    return _clip(repr(value), 200)


def _all_equal(seq) -> bool:
    first = seq[0]
    try:
        return all(type(v) is type(first) and v == first for v in seq[1:])
    except (TypeError, ValueError):  # elements without a plain == (arrays)
        return False


def call_repr(name: str, params: dict, limit: int = 200) -> str:
    """``name(key=value, ...)`` with every value abbreviated (:func:`fmt_value`).

    Parameters
    ----------
    name : str
        Function name.
    params : dict
        Keyword arguments.
    limit : int
        Longest result.

    Returns
    -------
    str

    >>> call_repr("radix_net", {"radix_lists": [[2] * 12] * 160, "widths": [16] * 1921})
    'radix_net(radix_lists=[[2] * 12] * 160, widths=[16] * 1921)'
    """
    args = ", ".join(f"{k}={_short_repr(v, 4)}" for k, v in params.items())
    return _clip(f"{name}({args})", limit)


_fmt = fmt_value


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise naming ``name``.

    Booleans and non-integral floats are rejected; NumPy integers are accepted.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : object
        What was passed.
    minimum, maximum : int, optional
        Inclusive bounds (none by default).

    Returns
    -------
    int

    Raises
    ------
    TopogenError
        If ``value`` is not an integer (``bool`` and ``2.0`` included) or is out of bounds.

    Examples
    --------
    >>> check_int("depth", 3, minimum=1)
    3
    >>> check_int("depth", 0, minimum=1)
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: depth must be an integer >= 1, got 0
    """
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum}")
    if maximum is not None:
        bounds.append(f"<= {maximum}")
    want = "an integer" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TopogenError(f"{name} must be {want}, got {_fmt(value)} ({type(value).__name__})")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise TopogenError(f"{name} must be {want}, got {value}")
    return value


def check_density(name: str, value) -> float:
    """Return ``value`` as a float in ``(0, 1]``, or raise naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : object
        What was passed: a real number (``bool`` refused), the fraction of possible edges.

    Returns
    -------
    float

    Raises
    ------
    TopogenError
        If ``value`` is not a real number or lies outside ``(0, 1]`` (NaN included).

    Examples
    --------
    >>> check_density("density", 0.25)
    0.25
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TopogenError(f"{name} must be a number in (0, 1], got {_fmt(value)}")
    value = float(value)
    if not (0.0 < value <= 1.0):
        raise TopogenError(f"{name} must be in (0, 1], got {value}")
    return value


def _as_int_sequence(name: str, value, *, minimum: int, what: str) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TopogenError(f"{name} must be a sequence of {what}, got {_fmt(value)}")
    if len(value) == 0:
        raise TopogenError(f"{name} must be a non-empty sequence of {what}, got {_fmt(value)}")
    out = []
    for k, item in enumerate(value):
        out.append(check_int(f"{name}[{k}]", item, minimum=minimum))
    return tuple(out)


def check_widths(name: str, value, *, length: int | None = None, minimum: int = 1):
    """Return layer widths as a tuple of ints, each ``>= minimum``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : sequence of int
        Neuron counts, input layer first (a string or a scalar is refused).
    length : int, optional
        Exact number of entries required.
    minimum : int, default 1
        Smallest width accepted; an entry below it is named by its index.

    Returns
    -------
    tuple of int

    Raises
    ------
    TopogenError
        If ``value`` is not a sequence of integers ``>= minimum`` or has the wrong length.

    Examples
    --------
    >>> check_widths("widths", [4, 8, 4])
    (4, 8, 4)
    >>> check_widths("widths", [4, 0])
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: widths[1] must be an integer >= 1, got 0
    """
    widths = _as_int_sequence(name, value, minimum=minimum, what=f"integers >= {minimum}")
    if length is not None and len(widths) != length:
        raise TopogenError(f"{name} must have {length} entries, got {len(widths)}: {_fmt(value)}")
    return widths


def check_radices(name: str, value) -> tuple[int, ...]:
    """Return one radix list (a mixed-radix numeral system) as a tuple of ints ``>= 2``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : sequence of int
        The radices ``N_1 .. N_k`` of one numeral system, each at least 2.

    Returns
    -------
    tuple of int

    Raises
    ------
    TopogenError
        If ``value`` is not a sequence of integers ``>= 2``.

    Examples
    --------
    >>> check_radices("radices", [2, 3])
    (2, 3)
    >>> check_radices("radices", [2, 1])
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: radices[1] must be an integer >= 2, got 1
    """
    return _as_int_sequence(name, value, minimum=2, what="integers >= 2 (radices)")


def check_max_edges(n_edges: int, max_edges, what: str, *, neurons: int = 0) -> None:
    """Refuse, before anything is allocated, a request larger than ``max_edges``.

    The size counted is what will be allocated: ``n_edges`` edges (each distinct layer once)
    plus ``neurons`` (one per neuron on each side of every distinct layer built: row
    pointers and per-neuron work arrays), so that huge widths with few edges are refused
    too.  Callers that want the figure without the check use :func:`allocation`.

    Parameters
    ----------
    n_edges : int
        Edges to be allocated (each distinct layer once).
    max_edges : int
        The cap (``>= 1``).
    what : str
        What is being built, for the message (abbreviated if long).
    neurons : int
        Row pointers and per-neuron work entries to be allocated.

    Raises
    ------
    TopogenError
        If ``n_edges + neurons > max_edges``, naming both and the memory it would take.

    >>> check_max_edges(10, 100, "a layer", neurons=20)
    >>> check_max_edges(10, 100, "dense([10**9, 1])", neurons=10**9 + 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: dense([10**9, 1]) would allocate 10 edges and ...
    """
    max_edges = check_int("max_edges", max_edges, minimum=1)
    n_edges, neurons = int(n_edges), int(neurons)
    if n_edges + neurons > max_edges:
        size = f"{n_edges:,} edges" + (f" and {neurons:,} neuron entries" if neurons else "")
        raise TopogenError(
            f"{shorten(what, 300)} would allocate {size}, above max_edges={max_edges:,} "
            f"(about {allocation(n_edges, neurons) / 2**20:,.0f} MiB); pass a larger "
            "max_edges= if you have the memory, or stream it layer by layer to files"
        )


def allocation(n_edges: int, neurons: int = 0) -> int:
    """Bytes that ``n_edges`` boolean CSR edges and ``neurons`` row entries take, about.

    One byte of data and four of int32 column index per edge, eight bytes per neuron entry
    (int64 row pointers and work arrays).

    Parameters
    ----------
    n_edges, neurons : int

    Returns
    -------
    int

    >>> allocation(2**20) / 2**20
    5.0
    """
    return 5 * int(n_edges) + 8 * int(neurons)


def as_rng(seed) -> np.random.Generator:
    """Turn ``seed`` (None, an int >= 0 or a Generator) into a :class:`numpy.random.Generator`.

    The same int gives the same stream on every platform (PCG64).

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        ``None``: fresh entropy from the OS; an int ``>= 0``: ``default_rng(seed)``; a
        Generator: returned as is (so callers can share one stream).

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TopogenError
        For a negative int, a ``bool`` or anything else.

    Examples
    --------
    >>> int(as_rng(7).integers(100)) == int(as_rng(7).integers(100))
    True
    """
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if int(seed) < 0:
            raise TopogenError(f"seed must be >= 0, got {seed}")
        return np.random.default_rng(int(seed))
    raise TopogenError(
        f"seed must be None, a non-negative int or a numpy.random.Generator, got {_fmt(seed)}"
    )


def rng_and_seed(seed) -> tuple[np.random.Generator, int]:
    """A Generator and the int seed that rebuilds it, for generators that record ``meta``.

    ``None`` draws a fresh seed from the operating system's entropy; a Generator gives an
    int drawn from it (so the same Generator state gives the same result); an int is used
    as it is.  Either way the recorded int, passed again as ``seed=``, rebuilds the same
    topology (the ``meta["seed"]`` convention of ARCHITECTURE.md).

    Parameters
    ----------
    seed : None, int or numpy.random.Generator

    Returns
    -------
    (numpy.random.Generator, int)
        The generator to draw from and the seed to record.

    Raises
    ------
    TopogenError
        For a negative int or another type.

    >>> rng, s = rng_and_seed(None)
    >>> isinstance(s, int) and int(rng.integers(100)) == int(as_rng(s).integers(100))
    True
    >>> rng_and_seed(7)[1]
    7
    """
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    elif isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    rng = as_rng(seed)
    return rng, int(seed)


def seed_for_meta(seed):
    """What to record of ``seed`` in a Topology's ``meta`` (an int, or None).

    Generators should use :func:`rng_and_seed`, which always gives an int to record.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        A ``seed=`` argument as :func:`as_rng` takes it.

    Returns
    -------
    int or None
        The int itself, or ``None`` for ``None`` and a Generator (whose state cannot be
        written down as one int).

    Examples
    --------
    >>> seed_for_meta(np.int64(3)), seed_for_meta(np.random.default_rng(3))
    (3, None)
    """
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return int(seed)
    return None


def check_path(name: str, value) -> str:
    """Return ``value`` as a filesystem path string.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : str or os.PathLike
        The path (it need not exist).

    Returns
    -------
    str
        ``os.fspath(value)``.

    Raises
    ------
    TopogenError
        If ``value`` is neither a ``str`` nor an ``os.PathLike`` (bytes are refused).

    Examples
    --------
    >>> import pathlib
    >>> check_path("path", pathlib.Path("out") / "net.npz")
    'out/net.npz'
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TopogenError(f"{name} must be a path (str or os.PathLike), got {_fmt(value)}")
    return os.fspath(value)


def check_matrix(name: str, value, *, square: bool = False):
    """A networkx graph, SciPy sparse matrix or dense array as a 2-D ``csr_array``.

    A networkx graph gives its adjacency in node order (multigraph edges counted).  Raises a
    TopogenError naming ``name`` if ``value`` is not 2-D (or not square with ``square=True``).

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : networkx graph, SciPy sparse matrix or array_like
        The matrix; a networkx graph's nodes are numbered in ``list(G)`` order.
    square : bool, default False
        Also require as many rows as columns (an adjacency matrix).

    Returns
    -------
    scipy.sparse.csr_array
        Entries and dtype as given (not yet canonical: duplicates may remain).

    Raises
    ------
    TopogenError
        If ``value`` cannot be read as a 2-D matrix, or is not square with ``square=True``.

    Examples
    --------
    >>> check_matrix("graph", [[0, 1], [1, 0]], square=True).nnz
    2
    """
    import scipy.sparse as sp

    if hasattr(value, "nodes") and hasattr(value, "edges"):
        import networkx as nx

        return sp.csr_array(nx.to_scipy_sparse_array(value, nodelist=list(value), format="csr"))
    try:
        matrix = sp.csr_array(value)
    except (TypeError, ValueError) as exc:
        raise TopogenError(
            f"{name} must be a networkx graph or a 2-D sparse or dense matrix, got "
            f"{type(value).__name__}: {exc}"
        ) from None
    if matrix.ndim != 2:
        raise TopogenError(f"{name} must be 2-D, got shape {matrix.shape}")
    if square and matrix.shape[0] != matrix.shape[1]:
        raise TopogenError(f"{name} adjacency must be square, got shape {matrix.shape}")
    return matrix


def renamed(new, old, where: str, new_name: str, old_name: str):
    """The value of a renamed keyword: ``new``, or ``old`` (deprecated) with a FutureWarning.

    Parameters
    ----------
    new, old : object or None, the value under the new and the deprecated name (None: not given)
    where, new_name, old_name : str, the function and the keyword's two names, for the messages

    Raises
    ------
    TopogenError, if both ``new`` and ``old`` are given (else returns ``new``, or ``old``)

    >>> renamed([1, 2], None, "f", "multipliers", "widths")
    [1, 2]
    """
    if old is None:
        return new
    if new is not None:
        raise TopogenError(f"{where} got both {new_name}= and {old_name}= (the deprecated "
                           f"name of {new_name}); pass {new_name}= only")
    import warnings

    why = f" ({old_name!r} means neuron counts everywhere else)" if old_name == "widths" else ""
    warnings.warn(f"{where}({old_name}=...) is deprecated: the argument is now called "
                  f"{new_name}{why}", FutureWarning, stacklevel=3)
    return old


def check_option(name: str, value, allowed):
    """Return ``value`` if it is one of the ``allowed`` options, or raise naming ``name``.

    Every argument that takes one of a fixed set of values is checked here, so that all
    such messages read alike: which parameter, what it must be, what it got (the form of
    scikit-learn's ``StrOptions``).

    Parameters
    ----------
    name : str
        The parameter's name, as the caller wrote it (``"layout"``, ``"--kind"``).
    value : object
        What was passed.
    allowed : iterable or mapping
        The valid options. A mapping's values describe its keys in the message.

    Returns
    -------
    object
        The matching option from ``allowed`` (a plain ``str`` for a string option, even when
        ``value`` is a ``str`` subclass such as ``numpy.str_``).

    Raises
    ------
    TopogenError
        If ``value`` equals none of the options (``1`` never matches ``True`` or ``"1"``).

    Examples
    --------
    >>> check_option("layout", "csr", ("csr", "bsr"))
    'csr'
    >>> check_option("layout", "dense", ("csr", "bsr", "coo"))
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: layout must be one of 'csr', 'bsr' or 'coo', got 'dense'
    >>> check_option("layout", None, {"in_out": "y = x @ W", "out_in": "y = W @ x"})
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: layout must be one of 'in_out' (y = x @ W) or ..., got None
    """
    options = list(allowed)
    for option in options:
        same_kind = (isinstance(value, str) and isinstance(option, str)) or type(value) is type(
            option)
        if same_kind and value == option:
            return option
    notes = allowed if isinstance(allowed, dict) else {}
    texts = [repr(o) + (f" ({notes[o]})" if notes.get(o) else "") for o in options]
    if len(texts) == 1:
        want = texts[0]
    else:
        want = "one of " + ", ".join(texts[:-1]) + " or " + texts[-1]
    raise TopogenError(f"{name} must be {want}, got {_fmt(value)}")


def require(module: str, extra: str, *, package: str | None = None):
    """Import and return the optional ``module``, or raise ImportError naming the extra.

    Parameters
    ----------
    module : str
        Dotted module name (``"torch"``, ``"jax.experimental.sparse"``).
    extra : str
        The topogen extra that installs it (``pip install 'topogen[extra]'``).
    package : str, optional
        The name to ``pip install`` it by, when not the module's top-level name
        (``"tensorflow-cpu"``, ``"scikit-learn"``).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    ImportError
        If it cannot be imported; the message says which extra (or package) installs it,
        and ``name`` is set to the top-level module.

    Examples
    --------
    >>> require("math", "test").sqrt(4.0)
    2.0
    >>> require("no_such_module", "train")
    Traceback (most recent call last):
    ...
    ImportError: this needs no_such_module, which is not installed (...); install it with pip
    install 'topogen[train]' (or pip install no_such_module)
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise ImportError(
            f"this needs {top}, which is not installed ({exc}); install it with "
            f"pip install 'topogen[{extra}]' (or pip install {package or top})",
            name=top,
        ) from None
