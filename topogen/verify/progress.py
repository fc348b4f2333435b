"""Progress of a :func:`topogen.verify.verify` call: a bar per epoch, or one log line per run.

On a terminal (or with ``progress=True``) a bar advances once per epoch and shows the run,
its seed and the running test accuracy; :class:`topogen._progress.Progress` draws it with
``tqdm.auto`` (a widget in notebooks).  When stderr is not a
terminal (a log file, a batch job) and ``progress`` is None, one line per finished run is
printed instead, so logs show life without carriage returns.  ``progress=False`` prints
nothing.
"""

from __future__ import annotations

import sys

from .._progress import Progress

__all__ = ["RunProgress"]


class RunProgress:
    """Report epochs and finished runs on stderr.

    Parameters
    ----------
    n_runs, epochs : int
        Runs to train and epochs per run (the bar counts ``n_runs * epochs``).
    enabled : bool or None
        True: a bar; None: a bar on a terminal, else one line per run; False: silence.
    stream : file, optional
        Default ``sys.stderr``.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> with RunProgress(1, 2, enabled=None, stream=log) as p:
    ...     p.epoch(0.5, "dense seed 0"); p.epoch(0.75, "dense seed 0")
    ...     p.run_done("dense seed 0: test acc 75.00 %")
    >>> log.getvalue()
    'verify: run 1/1 dense seed 0: test acc 75.00 %\\n'
    """

    def __init__(self, n_runs: int, epochs: int, *, enabled: bool | None = None, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.n_runs = n_runs
        self.runs_done = 0
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.lines = enabled is None and not tty
        show_bar = bool(enabled) or (enabled is None and tty)
        self.bar = (Progress(n_runs * epochs, "verify", enabled=True, stream=stream)
                    if show_bar else None)

    def epoch(self, accuracy: float, label: str = "", n: int = 1) -> None:
        """One epoch finished, with test accuracy ``accuracy`` so far.

        Parameters
        ----------
        accuracy : float
            Test accuracy in ``[0, 1]``, shown as a percentage on the bar.
        label : str, default ""
            Which run (``"dense seed 0"``).
        n : int, default 1
            Epochs finished.
        """
        if self.bar is None:
            return
        self.bar.note(f"{label} acc {100 * accuracy:.2f} %")
        self.bar.update(n)

    def run_done(self, line: str, skipped_epochs: int = 0) -> None:
        """A run finished (``skipped_epochs`` left out by early stopping).

        Parameters
        ----------
        line : str
            The run's result, printed as one ``verify: run k/n ...`` line when stderr is
            not a terminal (and progress was not switched off).
        skipped_epochs : int, default 0
            Epochs not trained (early stopping), counted as done on the bar.
        """
        self.runs_done += 1
        if self.bar is not None and skipped_epochs:
            self.bar.update(skipped_epochs)
        if self.lines:
            self.stream.write(f"verify: run {self.runs_done}/{self.n_runs} {line}\n")
            self.stream.flush()

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
