"""Value parsers of the ``topogen`` command: the ``type=`` of its argparse options.

Each takes the option's text and returns its value, or raises
:class:`argparse.ArgumentTypeError` (argparse turns it into a one-line usage error).
Private to :mod:`topogen.cli` by its module name; the names inside are public so that every
command module can use them.
"""

from __future__ import annotations

import argparse


def parse_ints(text: str) -> list[int]:
    """``"1,2,2,1"`` -> ``[1, 2, 2, 1]``.

    Parameters
    ----------
    text : str
        Comma-separated integers; blanks around them and empty parts are ignored.

    Returns
    -------
    list of int
        The integers, in order (empty for an empty ``text``).

    Raises
    ------
    argparse.ArgumentTypeError
        If a part is not an integer.

    >>> parse_ints("1, 2,3")
    [1, 2, 3]
    """
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 1,2,2,1, got {text!r}"
        ) from None


def parse_radix_lists(text: str) -> list[list[int]]:
    """``"2,2,2:4"`` -> ``[[2, 2, 2], [4]]`` (``:`` separates radix lists, ``,`` radices).

    Parameters
    ----------
    text : str
        Radix lists separated by ``:``, each as for :func:`parse_ints`.

    Returns
    -------
    list of list of int
        One list of radices per ``:``-separated part.

    Raises
    ------
    argparse.ArgumentTypeError
        If a list is empty or a radix is not an integer.

    >>> parse_radix_lists("2,2,2:4,2")
    [[2, 2, 2], [4, 2]]
    """
    lists = [parse_ints(part) for part in text.split(":")]
    if any(not lst for lst in lists):
        raise argparse.ArgumentTypeError(
            f"expected radix lists such as 2,2,2:4 (':' between lists), got {text!r}"
        )
    return lists


def parse_radices(text: str) -> list[int]:
    """One radix list, ``"2,3,4"`` -> ``[2, 3, 4]``.

    Parameters
    ----------
    text : str
        Comma-separated radices, as for :func:`parse_ints`; no ``:``.

    Returns
    -------
    list of int
        The radices, in order.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` holds several lists (a ``:``) or a radix is not an integer.

    >>> parse_radices("2,3,4")
    [2, 3, 4]
    """
    if ":" in text:
        raise argparse.ArgumentTypeError(
            f"expected one radix list such as 2,3,4, got {text!r}; several lists (with ':') "
            "are for extended-mixed-radix and radix-net"
        )
    return parse_ints(text)


def parse_int_or_ints(text: str):
    """``"8"`` -> ``8``; ``"8,4"`` -> ``[8, 4]``.

    Parameters
    ----------
    text : str
        One integer, or comma-separated integers as for :func:`parse_ints`.

    Returns
    -------
    int or list of int
        The integer when ``text`` is one integer without a comma, else the list.

    Raises
    ------
    argparse.ArgumentTypeError
        If a part is not an integer.

    >>> parse_int_or_ints("8"), parse_int_or_ints("8,4")
    (8, [8, 4])
    """
    values = parse_ints(text)
    return values[0] if len(values) == 1 and "," not in text else values


def parse_seed(text: str) -> int:
    """A non-negative integer seed.

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    int
        The seed, 0 or more.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not an integer or is negative.

    >>> parse_seed("42")
    42
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer seed, got {text!r}")
    return value


def parse_max_spectra(text: str):
    """``--max-spectra``: a positive integer, or ``all`` (None: every distinct layer).

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    int or None
        The integer, or None for ``all`` (any case).

    Raises
    ------
    argparse.ArgumentTypeError
        For anything else (argparse turns it into a usage error).

    >>> parse_max_spectra("ALL"), parse_max_spectra("3")
    (None, 3)
    """
    if text.strip().lower() == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'all', got {text!r}")
    return value


#: Bounds of --dpi: below 10 a figure is a few pixels; above 2400 a default figure is over
#: 200 megapixels.
MIN_DPI, MAX_DPI = 10, 2400


def parse_dpi(text: str) -> int:
    """``--dpi``: an integer from :data:`MIN_DPI` to :data:`MAX_DPI`.

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    int
        The resolution in dots per inch.

    Raises
    ------
    argparse.ArgumentTypeError
        For a non-integer or an integer out of range.

    >>> parse_dpi("300")
    300
    """
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not MIN_DPI <= value <= MAX_DPI:
        raise argparse.ArgumentTypeError(
            f"expected an integer from {MIN_DPI} to {MAX_DPI} (dots per inch), got {text!r}")
    return value
