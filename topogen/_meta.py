"""The ``meta`` record of a Topology: how it was made, as JSON-able data.

Every generator attaches :func:`make_meta`; :class:`topogen.Topology` checks what it is given
with :func:`check_meta`, so that ``meta`` always survives save and load.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np

from ._checks import TopogenError
from ._version import __version__

__all__ = ["check_meta", "jsonable", "make_meta"]


def make_meta(generator: str, params: Mapping, seed=None) -> dict:
    """The ``meta`` dict every generator attaches: name, JSON-able parameters, seed, version.

    Parameters
    ----------
    generator : str
        Name of the generator (``"radix_net"``, ``"x_net"``, ...), stored as ``"generator"``.
    params : mapping
        The arguments that rebuild the topology; tuples and NumPy scalars/arrays become
        lists and Python numbers.
    seed : int or None, default None
        The integer seed actually used (``None`` for deterministic constructions).

    Returns
    -------
    dict
        ``{"generator", "params", "seed", "topogen_version"}``.

    Examples
    --------
    >>> make_meta("dense", {"widths": [2, 3]})["generator"]
    'dense'
    """
    meta = {"generator": generator, "params": jsonable(dict(params)), "seed": seed}
    meta["topogen_version"] = __version__
    return meta


def jsonable(value):
    """Deep-convert tuples and NumPy scalars so that ``value`` survives a JSON round trip.

    Parameters
    ----------
    value : object
        Mappings (keys become ``str``), lists, tuples, NumPy arrays and scalars are
        converted recursively; anything else is returned as it is.

    Returns
    -------
    object

    Examples
    --------
    >>> jsonable({1: (np.int64(2), np.arange(2))})
    {'1': [2, [0, 1]]}
    """
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_meta(meta) -> dict:
    """``meta`` as a JSON-able dict (``{}`` for None), or a TopogenError.

    Parameters
    ----------
    meta : mapping or None
        Metadata to attach to a Topology; tuples and NumPy values are converted.

    Returns
    -------
    dict
        A JSON-serialisable copy.

    Raises
    ------
    TopogenError
        If ``meta`` is not a mapping or holds something JSON cannot write.

    Examples
    --------
    >>> check_meta({"widths": (2, 3)})
    {'widths': [2, 3]}
    """
    if meta is None:
        return {}
    if not isinstance(meta, Mapping):
        raise TopogenError(f"meta must be a mapping (dict), got {type(meta).__name__}")
    meta = jsonable(meta)
    try:
        json.dumps(meta)
    except (TypeError, ValueError) as exc:
        raise TopogenError(f"meta must be JSON-serialisable: {exc}") from None
    return meta
