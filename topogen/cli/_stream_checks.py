"""Checks before ``topogen generate ... --stream``: the largest layer against ``--max-edges``
and the bytes the files will take against the free disk space."""

from __future__ import annotations

import math

from .._checks import TopogenError

__all__ = ["check_challenge_stream", "check_radix_stream", "check_stream", "stream_bytes"]


#: Upper bounds of the bytes one edge takes on disk, per streamed format: npz stores an int64
#: column index (plus row pointers, counted per layer), tsv and mtx a text line ``row col
#: value`` (two numbers of at most ``digits`` characters, separators, a value of at most 8).
_NPZ_EDGE_BYTES = 8


def stream_bytes(layer_nnz, layer_rows, width_digits: int, fmt: str) -> int:
    """Upper bound of the bytes a streamed topology takes on disk in ``fmt``.

    Parameters
    ----------
    layer_nnz, layer_rows : sequence of int
        Edges and rows (source neurons) of each layer.
    width_digits : int
        Digits of the largest width (TSV and mtx write indices as text).
    fmt : {"npz", "tsv", "mtx"}

    >>> stream_bytes([16, 16], [8, 8], 1, "tsv")
    8640
    """
    if fmt == "npz":
        return sum(_NPZ_EDGE_BYTES * n + 8 * (r + 1) for n, r in zip(layer_nnz, layer_rows))
    per_edge = 2 * width_digits + 2 + 10  # "row<TAB>col<TAB>value<LF>", value <= 8 chars
    return sum(per_edge * n for n in layer_nnz) + 4096 * len(layer_nnz)


def check_radix_stream(kwargs: dict, fmt: str, path: str, max_edges: int, say) -> None:
    """``radix-net --stream``: the library's exact edge counts, then :func:`check_stream`.

    Parameters
    ----------
    kwargs : dict
        The family's parsed keyword arguments (``radix_lists``, ``multipliers``).
    fmt, path : str
        Output format and name.
    max_edges : int
        ``--max-edges``, the cap on one layer.
    say : callable
        ``say(line)`` receives the streaming summary.
    """
    from ..generators.radix import radix_net_size

    try:
        nnz = list(radix_net_size(kwargs["radix_lists"], kwargs["multipliers"])["layer_edges"])
    except TopogenError as exc:
        from ._common import in_cli_terms

        raise TopogenError(in_cli_terms(str(exc))) from exc
    n_prime = math.prod(kwargs["radix_lists"][0])
    check_stream(nnz, [b * n_prime for b in kwargs["multipliers"]], fmt, path, max_edges, say)


def check_challenge_stream(kwargs: dict, fmt: str, path: str, max_edges: int, say) -> None:
    """``graph-challenge --stream``: every layer has 32 edges a neuron (Kepner et al. 2019).

    Parameters
    ----------
    kwargs : dict
        The family's parsed keyword arguments (``neurons``, ``layers``).
    fmt, path : str
        Output format and name.
    max_edges : int
        ``--max-edges``, the cap on one layer.
    say : callable
        ``say(line)`` receives the streaming summary.
    """
    neurons, layers = kwargs["neurons"], kwargs["layers"]
    if layers is None or layers < 1:
        raise TopogenError(f"--layers must be >= 1, got {layers}")
    check_stream([32 * neurons] * layers, [neurons] * (layers + 1), fmt, path, max_edges, say)


def check_stream(nnz, widths, fmt: str, path: str, max_edges: int, say) -> None:
    """Refuse a ``--stream`` whose largest layer exceeds ``max_edges`` (one layer and a few
    repeated ones stay in memory) or whose files would not fit the free disk space.

    Parameters
    ----------
    nnz, widths : list of int
        Edges per layer and neurons per layer boundary.
    fmt, path : str
        Output format and name (its disk's free space is checked).
    max_edges : int
        ``--max-edges``, the cap on one layer.
    say : callable
        ``say(line)`` receives the streaming summary.

    Raises
    ------
    TopogenError
        If the largest layer exceeds ``max_edges`` or the files would not fit the disk.
    """
    from ._common import free_bytes

    biggest = max(nnz)
    if biggest > max_edges:
        k = nnz.index(biggest)
        raise TopogenError(
            f"--stream: layer {k} alone would have {biggest:,} edges, above --max-edges "
            f"{max_edges:,} (one layer and a few repeated ones stay in memory, about "
            f"{5 * biggest / 2**20:,.0f} MiB each); pass a larger --max-edges if you have the "
            "memory"
        )
    need = stream_bytes(nnz, widths[:-1], len(str(max(widths))), fmt)
    free = free_bytes(path)
    if free is not None and need > free:
        raise TopogenError(
            f"--stream: {sum(nnz):,} edges in {len(nnz)} layers would take up to "
            f"{need / 2**20:,.0f} MiB as {fmt}, but the disk of {path!r} has "
            f"{free / 2**20:,.0f} MiB free; write elsewhere or choose fewer layers"
        )
    say(f"streaming {len(nnz)} layers, {sum(nnz):,} edges (largest layer {biggest:,}), up to "
        f"{need / 2**20:,.1f} MiB on disk")
