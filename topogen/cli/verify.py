"""``topogen verify``: the sub-command lives in :mod:`topogen.verify.command`; this hooks it in.

When that module cannot be imported, ``topogen verify`` says how to install it.
"""

from __future__ import annotations

import argparse

from .._checks import TopogenError
from ._common import add_parser


def add_command(sub, common) -> None:
    """Add the ``verify`` sub-command to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    try:
        from ..verify import command as verify_command
    except ImportError as exc:
        reason = str(exc)
        p = add_parser(sub, "verify", help="train a topology and compare it to dense "
                        "(needs the topogen.verify module)",
                        description="Not available in this installation.",
                        examples=["topogen verify --help"], parents=[common])
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(handler=lambda args: _missing_verify(reason))
        return
    verify_command.register(sub)


def _missing_verify(reason: str) -> int:
    raise TopogenError(
        f"topogen verify is not available: topogen.verify.command could not be imported "
        f"({reason}); install topogen with its training extra: pip install 'topogen[train]'"
    )
