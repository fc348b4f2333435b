"""Lazy attribute loading for topogen's packages (keeps ``import topogen`` light).

A package lists ``{public name: module}`` and gets a module ``__getattr__`` that imports the
module on first access and caches the attribute, plus a matching ``__dir__`` (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def attach(package: str, names: Mapping[str, str], namespace: dict,
           submodules: frozenset = frozenset()) -> tuple[Callable, Callable]:
    """Return ``(__getattr__, __dir__)`` for ``package`` serving ``names`` lazily.

    ``namespace`` is the package's ``globals()``: a loaded attribute is stored there, so it
    wins over a submodule of the same name and later look-ups cost nothing.  ``submodules``
    are returned as modules (``topogen.plot``).

    Parameters
    ----------
    package : str
        The package's dotted name (its ``__name__``), used for submodules and messages.
    names : mapping of str to str
        Public attribute name to the dotted module that defines it.
    namespace : dict
        The package's ``globals()``; loaded attributes are cached in it.
    submodules : frozenset of str, default empty
        Names served as submodules of ``package`` rather than attributes.

    Returns
    -------
    (callable, callable)
        The package's ``__getattr__`` (raising AttributeError for unknown names) and
        ``__dir__``.

    Examples
    --------
    >>> ga, _ = attach("pkg", {"sqrt": "math"}, {})
    >>> ga("sqrt")(9.0)
    3.0
    """

    def __getattr__(name: str):
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
            namespace[name] = value
            return value
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(names) | set(submodules))

    return __getattr__, __dir__
