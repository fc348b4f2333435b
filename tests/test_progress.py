"""The progress adapter over tqdm: stderr, only on a terminal unless asked, never when quiet."""

import io
import os
import subprocess
import sys

import pytest

from topogen._progress import Progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _run(n=3, **kwargs):
    with Progress(n, "layers", **kwargs) as bar:
        for _ in range(n):
            bar.update()
    return bar


def test_disabled_prints_nothing(capsys):
    bar = _run(enabled=False)
    assert bar.done == 3
    assert capsys.readouterr() == ("", "")


def test_disabled_ignores_a_terminal():
    stream = _Terminal()
    _run(enabled=False, stream=stream)
    assert stream.getvalue() == ""


def test_enabled_writes_a_bar_to_the_given_stream(capsys):
    stream = io.StringIO()
    bar = _run(enabled=True, stream=stream)
    text = stream.getvalue()
    assert bar.done == 3
    assert "layers" in text and "3/3" in text and "100%" in text
    assert text.endswith("\n")  # the finished bar is left on its own line
    assert capsys.readouterr() == ("", "")  # nothing went to the real stdout or stderr


def test_enabled_defaults_to_stderr(capsys):
    _run(enabled=True)
    out, err = capsys.readouterr()
    assert out == "" and "layers" in err and "3/3" in err


def test_default_follows_the_terminal(capsys):
    plain = io.StringIO()
    _run(stream=plain)  # enabled=None and not a terminal: silent
    assert plain.getvalue() == ""
    _run()  # capsys's stderr is not a terminal either
    assert capsys.readouterr() == ("", "")
    tty = _Terminal()
    _run(stream=tty)
    assert "3/3" in tty.getvalue()


def test_unknown_total_counts_without_a_total():
    stream = io.StringIO()
    with Progress(0, "stream", enabled=True, stream=stream) as bar:
        bar.update(5)
    assert bar.done == 5
    assert "stream" in stream.getvalue() and "5it" in stream.getvalue()


def test_quiet_runs_do_not_import_tqdm():
    code = ("import sys, topogen; from topogen._progress import Progress\n"
            "with Progress(2, 'x', enabled=False) as b: b.update(2)\n"
            "print('tqdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_a_terminal_that_reports_no_size_still_shows_the_bar():
    # a fresh pty reports 0 x 0 (as under `script` or some CI runners): tqdm alone would
    # print nothing there
    master, slave = os.openpty()
    try:
        stream = os.fdopen(slave, "w", closefd=False)
        assert stream.isatty()
        _run(stream=stream)  # enabled=None: shown because it is a terminal
        stream.flush()
        os.set_blocking(master, False)
        text = os.read(master, 1 << 16).decode("utf-8", "replace")
    finally:
        os.close(master)
        os.close(slave)
    assert "layers" in text and "3/3" in text
