"""Deep and huge networks (issue 10): analysis time and peak memory, before and after.

Run:  python benchmarks/bench_scale.py [--baseline DIR] [--timeout S] [--markdown FILE]
                                       [--only TEXT]

Each case runs in a fresh subprocess (so peak resident memory is its own) with this
checkout first on ``PYTHONPATH``; with ``--baseline DIR`` (an older checkout of topogen, such
as the main branch before these changes) it runs again there, and the table gives the ratio
of the two in the same run.  A case that exceeds ``--timeout`` seconds is reported as such.

* ``analyze(..., spectral=False)`` of a 3840-layer net and of 30000 empty layers (was
  quadratic in depth: ``layer_density`` recounted per layer);
* the 65536 x 1920 challenge-scale RadiX-Net ``radix_net([[2] * 12] * 160, [16] * 1921)``
  (4e9 edges, 12 distinct layers): ``degrees``, ``is_symmetric``, ``path_count_summary``
  and ``analyze(spectral=False)`` (what ``topogen info --no-spectral`` runs);
* ``is_path_connected`` on a 900-edge Erdos-Renyi net of width 300000 and on a 20000-wide
  net through one neuron (was ``n_0 * n_0 / 64`` words);
* the default ``analyze`` of a 1024 x 120 challenge-like net with 120 distinct layers
  (spectra sampled) against ``max_spectra=None`` (all 120), both in this checkout;
* ``spectral_gap`` and the spectrum plot of one 100000-wide X-Net layer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import json, resource, time
import numpy as np
import topogen
def report(seconds, **extra):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT", json.dumps({"seconds": seconds, "peak_rss_mib": peak, **extra}))
"""

BIG = "topogen.radix_net([[2] * 12] * 160, [16] * 1921, max_edges=2**33)"
STAND_IN = """
base = topogen.radix_net([[2] * 6] * 20, [16] * 121)
rng = np.random.default_rng(0)
t = base.permute([rng.permutation(w) for w in base.widths])  # 120 distinct layers
"""

CASES = [
    ("analyze(spectral=False), 3840 layers of 1024 neurons",
     "from topogen.analysis import analyze\n"
     "t = topogen.extended_mixed_radix([[2] * 10] * 384)\n"
     "s = time.perf_counter(); analyze(t, spectral=False); report(time.perf_counter() - s)",
     True),
    ("analyze(spectral=False), 30000 empty 1x1 layers",
     "import scipy.sparse as sp\nfrom topogen.analysis import analyze\n"
     "t = topogen.trusted([sp.csr_array((1, 1), dtype=bool)] * 30000)\n"
     "s = time.perf_counter(); analyze(t, spectral=False); report(time.perf_counter() - s)",
     True),
    ("65536 x 1920: degrees",
     f"from topogen.analysis import degrees\nt = {BIG}\n"
     "s = time.perf_counter(); degrees(t); report(time.perf_counter() - s)", True),
    ("65536 x 1920: is_symmetric",
     f"from topogen.analysis import is_symmetric\nt = {BIG}\n"
     "s = time.perf_counter(); assert is_symmetric(t); report(time.perf_counter() - s)", True),
    ("65536 x 1920: path_count_summary",
     f"from topogen.analysis import path_count_summary\nt = {BIG}\n"
     "s = time.perf_counter(); path_count_summary(t); report(time.perf_counter() - s)", True),
    ("65536 x 1920: build + analyze(spectral=False)",
     "from topogen.analysis import analyze\ns = time.perf_counter()\n"
     f"t = {BIG}\nanalyze(t, spectral=False); report(time.perf_counter() - s)", True),
    ("is_path_connected, Erdos-Renyi 3 x 300000, 1800 edges",
     "from topogen.analysis import is_path_connected\n"
     "t = topogen.erdos_renyi([300000] * 3, 1e-8, seed=0)\n"
     "s = time.perf_counter(); is_path_connected(t); report(time.perf_counter() - s)", False),
    ("is_path_connected, 20000 -> 1 -> 7 -> 20000 (connected)",
     "import scipy.sparse as sp\nfrom topogen.analysis import is_path_connected\n"
     "n = 20000\nt = topogen.Topology([np.ones((n, 1), bool), np.ones((1, 7), bool), "
     "sp.csr_array(np.ones((7, n), bool))])\n"
     "s = time.perf_counter(); assert is_path_connected(t); report(time.perf_counter() - s)",
     True),
    ("analyze default, 1024 x 120 stand-in, 120 distinct layers (8 spectra)",
     "from topogen.analysis import analyze\n" + STAND_IN
     + "s = time.perf_counter(); analyze(t); report(time.perf_counter() - s)", False),
    ("analyze(max_spectra=None), same net (all 120 spectra)",
     "from topogen.analysis import analyze\n" + STAND_IN
     + "s = time.perf_counter(); analyze(t, max_spectra=None); "
     "report(time.perf_counter() - s)", False),
    ("spectral_gap, X-Net layer 100000 x 100000, degree 8 (certified)",
     "from topogen.analysis import spectral_gap\n"
     "L = topogen.x_net([100000, 100000], degree=8, seed=0).layers[0]\n"
     "s = time.perf_counter(); g = spectral_gap(L)\n"
     "report(time.perf_counter() - s, verdict=g.is_ramanujan, note=g.notes[0])", False),
    ("spectrum plot, same layer (16 leading values)",
     "import matplotlib; matplotlib.use('Agg')\nfrom topogen import plot\n"
     "t = topogen.x_net([100000, 100000], degree=8, seed=0)\n"
     "s = time.perf_counter(); plot.spectrum(t); report(time.perf_counter() - s)", False),
]


def run_case(code: str, pythonpath: Path, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    try:
        out = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
                             capture_output=True, text=True, env=env, timeout=timeout,
                             cwd=pythonpath, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1][:120]}


def cell(result: dict | None) -> tuple[str, str]:
    if result is None:
        return "-", "-"
    if "timeout" in result:
        return f"> {result['timeout']:.0f} (stopped)", "-"
    if "error" in result:
        return f"error: {result['error']}", "-"
    return f"{result['seconds']:.3g}", f"{result['peak_rss_mib']:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="older topogen checkout to compare")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    rows = ["| case | after (s) | after peak RSS (MiB) | before (s) | before peak RSS (MiB) "
            "| ratio |", "|---|---|---|---|---|---|"]
    for name, code, compare in CASES:
        if args.only and args.only not in name:
            continue
        after = run_case(code, ROOT, args.timeout)
        before = run_case(code, args.baseline, args.timeout) if (
            args.baseline and compare) else None
        ratio = "-"
        if before and after and "seconds" in after:
            if "seconds" in before:
                ratio = f"{before['seconds'] / max(after['seconds'], 1e-9):,.0f}x"
            elif "timeout" in before:
                ratio = f"> {before['timeout'] / max(after['seconds'], 1e-9):,.0f}x"
        a, b = cell(after), cell(before)
        extra = f" ({after['verdict']}; {after['note']})" if "verdict" in after else ""
        rows.append(f"| {name}{extra} | {a[0]} | {a[1]} | {b[0]} | {b[1]} | {ratio} |")
        print(rows[-1], flush=True)
    text = (f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}\n\n" + "\n".join(rows) + "\n")
    if args.markdown:
        args.markdown.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
