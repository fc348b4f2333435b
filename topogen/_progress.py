"""Progress bars for long work (generation, streaming export, spectra, training), by tqdm.

A thin adapter over ``tqdm.auto`` (a widget in Jupyter, a text bar elsewhere) that keeps the
house rules: the bar goes to stderr, is shown only when stderr is a terminal unless asked
(``enabled=True``), and never when ``enabled=False`` (``--quiet``). tqdm is imported only when
a bar is actually shown, so ``import topogen`` and quiet runs do not pay for it.
"""

from __future__ import annotations

import os
import sys

__all__ = ["Progress"]


class Progress:
    """Count ``total`` steps, drawing a tqdm bar on stderr when enabled.

    Parameters
    ----------
    total : int
        Number of steps; 0 or less means unknown (the bar then counts without a total).
    desc : str
        Label printed before the bar.
    enabled : bool or None
        ``True`` always shows the bar, ``False`` never does, ``None`` (default) shows it
        only when the stream is a terminal.
    stream : file-like, optional
        Where the text bar goes (default: ``sys.stderr`` at the time of the call). When given,
        a text bar is written there even in a notebook; when not, ``tqdm.auto`` chooses the
        notebook widget in Jupyter.

    Examples
    --------
    >>> with Progress(3, "layers", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.done
    3
    """

    def __init__(self, total: int, desc: str = "", *, enabled: bool | None = None, stream=None):
        self.total = max(int(total), 0)
        self.desc = desc
        file = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(file, "isatty", lambda: False)())
        self.enabled = bool(enabled)
        self.done = 0
        self._bar = None
        if self.enabled:
            if stream is None:
                from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
            sized = _has_size(file)  # on a pty of 0 x 0 (`script`, some CI) tqdm prints nothing
            self._bar = tqdm(total=self.total or None, desc=desc, file=file, leave=True,
                             dynamic_ncols=sized, ncols=None if sized else 80,
                             nrows=None if sized else 24)

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps (tqdm redraws at most 10 times a second).

        Parameters
        ----------
        n : int, default 1
            Steps completed since the last call.

        Examples
        --------
        >>> with Progress(3, enabled=False) as bar:
        ...     bar.update(2)
        >>> bar.done
        2
        """
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def note(self, text: str) -> None:
        """Show ``text`` after the counts (a running figure such as an accuracy).

        Parameters
        ----------
        text : str
            Replaces the previous note; shown at the next redraw (nothing when disabled).
        """
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()


def _has_size(file) -> bool:
    """False when ``file`` is a terminal that reports no size (0 columns or rows)."""
    try:
        size = os.get_terminal_size(file.fileno())
        return size.columns > 0 and size.lines > 0
    except (AttributeError, OSError, ValueError):  # not a terminal, or no file descriptor
        return True
