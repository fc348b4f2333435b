"""Child process of tests/test_fuzz_files.py: read hostile files under an address-space limit.

Reads a JSON list of cases on stdin and prints one JSON line per case as it finishes (so a
crash names the case that caused it).  A case is ``{"op": "load" | "info" | "save", ...}``;
the outcome is ``"TopogenError"``, ``"loaded"`` (with the widths), ``"exit N"`` (the CLI) or
``"other: <type>: <message>"``.  Each case gets ``TIME_LIMIT`` seconds (SIGALRM).
Usage: ``python fuzz_child.py LIMIT_MB < cases.json``.
"""

import contextlib
import io
import json
import os
import resource
import signal
import sys
import time

TIME_LIMIT = 20


class TimeLimit(BaseException):
    pass


def _alarm(signum, frame):
    raise TimeLimit


def _run(case):
    import topogen
    from topogen import TopogenError

    op = case["op"]
    if op == "load":
        try:
            t = topogen.load(case["path"], **case.get("options", {}))
        except TopogenError as exc:
            return {"outcome": "TopogenError", "message": str(exc)[:300]}
        ok = all(layer.has_canonical_format and layer.dtype == bool for layer in t.layers)
        return {"outcome": "loaded", "widths": list(t.widths), "canonical": ok}
    if op == "info":
        from topogen.cli import main

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["info", case["path"], "--no-spectral"])
        lines = err.getvalue().strip().splitlines()
        return {"outcome": f"exit {code}", "stderr_lines": len(lines),
                "message": "\n".join(lines)[:300]}
    if op == "save":
        net = topogen.radix_net([[2, 2]], [1, 1, 1])
        try:
            topogen.save(net, case["path"], **case.get("options", {}))
        except TopogenError as exc:
            return {"outcome": "TopogenError", "message": str(exc)[:300]}
        return {"outcome": "saved"}
    raise ValueError(op)


def main():
    limit = int(sys.argv[1]) << 20
    import networkx  # noqa: F401  (imports first: their address space is not the data's)
    import scipy.io  # noqa: F401

    import topogen.cli
    import topogen.export.files  # noqa: F401

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    for case in json.load(sys.stdin):
        start = time.perf_counter()
        signal.alarm(TIME_LIMIT)
        try:
            result = _run(case)
        except TimeLimit:
            result = {"outcome": "timeout"}
        except BaseException as exc:
            result = {"outcome": f"other: {type(exc).__name__}: {str(exc)[:200]}"}
        finally:
            signal.alarm(0)
        result.update(id=case["id"], seconds=round(time.perf_counter() - start, 3))
        print(json.dumps(result), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"id": "__done__", "maxrss_kb": rss}), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
