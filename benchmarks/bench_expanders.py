"""Expander generation and spectral-gap speed, as ratios against networkx in the same run.

Run:  python benchmarks/bench_expanders.py [--quick] [--budget SECONDS] [--markdown FILE]

1. Random regular layers: ``topogen``'s biregular sampler (``x_net``'s default) against
   networkx's ``random_regular_graph`` (degree 16) and ``random_regular_expander_graph``
   (degree 4, ``epsilon=0.1``: at degree 16 networkx gives up, "Too many iterations").
   networkx runs on doubling sizes until one run takes more than ``--budget`` seconds (or its
   total passes 3 budgets); any run is stopped after 60 s.  At the largest size networkx
   finished within the minute, topogen builds an
   ``n -> n`` layer of the same degree.  The ratio is per edge (networkx's graph has
   ``n d / 2`` edges, the layer ``n d``).
2. Explicit families: ``margulis_gabber_galil``, ``paley``, ``chordal_cycle`` against the
   networkx builders of the same graphs (which the tests show to be equal).
3. LPS ``X^{5,q}`` on its own: primes ``q = 1 mod 4`` in growing order until a build takes
   more than the budget or would pass ``--max-lps-edges`` (memory on a shared machine).
4. The spectral gap (:func:`topogen.analysis.spectral_gap`, ARPACK, default tolerance) of a
   biregular layer with ``10^6`` neurons per side and degree 16, and its build time.

OpenBLAS threads are set to 1 (unless OPENBLAS_NUM_THREADS is already set): on a shared
2-core machine threaded BLAS made ARPACK about 10x slower.  The whole run is capped at about
``4 * budget + 2`` minutes; ``--quick`` shrinks everything for a smoke test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gc
import platform
import signal
import time

import networkx as nx
import numpy as np
import scipy
from sympy import isprime

import topogen
from topogen.analysis import spectral_gap
from topogen.generators.expanders import biregular_layer

DEGREE = 16


def timed(fn, *args, **kwargs):
    gc.collect()
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def best_of(reps, fn, *args, **kwargs):
    times = []
    for _ in range(reps):
        dt, out = timed(fn, *args, **kwargs)
        times.append(dt)
        del out
    return min(times)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def grow_networkx(fn, start, budget, label, limit=60.0):
    """Double n while one networkx run takes at most ``budget`` seconds.

    Every run is stopped after ``limit`` seconds (SIGALRM; networkx is pure Python), so the
    result is the largest size that networkx finished within ``limit``, and its time.
    """
    n, best, total = start, None, 0.0
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        while total < 3 * budget:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                dt, G = timed(fn, n)
            except _Timeout:
                print(f"  networkx {label}(n={n:,}): not finished in {limit:.0f} s", flush=True)
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            del G
            total += dt
            print(f"  networkx {label}(n={n:,}): {dt:.2f} s", flush=True)
            best = (n, dt)
            if dt > budget:
                break
            n *= 2
    finally:
        signal.signal(signal.SIGALRM, old)
    return best


def bench_random_regular(budget, rows):
    # networkx's expander generator is a union of d/2 random Hamiltonian cycles that must not
    # share an edge, then an eigenvalue check; at d = 16 it gives up ("Too many iterations"),
    # so it runs at d = 4 with epsilon = 0.1 (lambda2 <= 2 sqrt(3) + 0.1)
    cases = [
        ("random_regular_graph", DEGREE, lambda n: nx.random_regular_graph(DEGREE, n, seed=1)),
        ("random_regular_expander_graph", 4,
         lambda n: nx.random_regular_expander_graph(n, 4, epsilon=0.1, seed=1, max_tries=1000)),
    ]
    for label, d, fn in cases:
        print(f"random regular, degree {d}: {label}", flush=True)
        n, t_nx = grow_networkx(fn, 1024, budget, label)
        t_ours = best_of(3, biregular_layer, n, n, d, seed=1)
        per_edge_nx, per_edge_ours = t_nx / (n * d / 2), t_ours / (n * d)
        rows.append((f"biregular layer vs nx.{label}", f"n={n:,}, d={d}", t_nx, t_ours,
                     per_edge_nx / per_edge_ours))


def bench_families(quick, rows):
    print("explicit families", flush=True)
    cases = [
        ("margulis_gabber_galil", 60 if quick else 300, topogen.margulis_gabber_galil,
         nx.margulis_gabber_galil_graph),
        ("paley", 113 if quick else 1009, topogen.paley, nx.paley_graph),
        ("chordal_cycle", 10007 if quick else 100003, topogen.chordal_cycle,
         nx.chordal_cycle_graph),
    ]
    for name, arg, ours, theirs in cases:
        t_nx = best_of(1, theirs, arg)
        t_ours = best_of(3, ours, arg)
        rows.append((f"{name} vs networkx", f"{arg:,}", t_nx, t_ours, t_nx / t_ours))
        print(f"  {name}({arg}): networkx {t_nx:.3f} s, topogen {t_ours:.4f} s", flush=True)


def bench_lps(budget, max_edges, rows):
    print("LPS X^{5,q}", flush=True)
    last = None
    q = 13
    while True:
        n_vertices = q * (q * q - 1)
        if n_vertices * 6 > max_edges:
            print(f"  stop: X^(5,{q}) would have {n_vertices * 6:,} stored entries", flush=True)
            break
        dt, A = timed(topogen.lps, 5, q)
        last = (q, A.shape[0], dt)
        del A
        print(f"  X^(5,{q}): {last[1]:,} vertices in {dt:.2f} s", flush=True)
        if dt > budget:
            break
        q = next(p for p in range(int(q * 1.25) + 1, 10**6) if p % 4 == 1 and isprime(p))
    q, n, dt = last
    rows.append((f"lps(5, {q}) (largest within budget/memory)", f"{n:,} vertices", None, dt,
                 None))


def bench_spectral(quick, rows):
    n = 10**5 if quick else 10**6
    print(f"spectral gap, {n:,} per side, degree 16", flush=True)
    t_build, W = timed(biregular_layer, n, n, DEGREE, seed=1)
    t_gap, g = timed(spectral_gap, W)
    print(f"  build {t_build:.2f} s, gap {t_gap:.1f} s: lambda2 = {g.lambda2:.6f}, "
          f"bound {g.ramanujan_bound:.6f}", flush=True)
    rows.append((f"biregular_layer({n:,}, {n:,}, d=16)", f"{n * DEGREE:,} edges", None,
                 t_build, None))
    rows.append(("spectral_gap of that layer (ARPACK, tol 1e-3)",
                 f"lambda2 = {g.lambda2:.5f} <= {g.ramanujan_bound:.5f}", None, t_gap, None))


def table(rows) -> str:
    lines = ["| case | size | networkx (s) | topogen (s) | speed-up |",
             "|---|---|---:|---:|---:|"]
    for case, size, t_nx, t_ours, ratio in rows:
        nx_s = "" if t_nx is None else f"{t_nx:.3f}"
        r = "" if ratio is None else f"{ratio:,.0f}x"
        lines.append(f"| {case} | {size} | {nx_s} | {t_ours:.3f} | {r} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds one networkx / LPS run may take (default 20, quick 1)")
    ap.add_argument("--max-lps-edges", type=int, default=80_000_000,
                    help="skip LPS graphs with more stored entries (memory; about 60 B each)")
    ap.add_argument("--markdown", help="append the result table to this file")
    args = ap.parse_args(argv)
    budget = args.budget if args.budget is not None else (1.0 if args.quick else 20.0)
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy "
          f"{scipy.__version__}, networkx {nx.__version__}, topogen {topogen.__version__}, "
          f"{os.cpu_count()} cpus, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    rows: list = []
    t0 = time.perf_counter()
    bench_random_regular(budget, rows)
    bench_families(args.quick, rows)
    bench_lps(budget, args.max_lps_edges, rows)
    bench_spectral(args.quick, rows)
    text = table(rows)
    print(text)
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.markdown:
        with open(args.markdown, "a") as fh:
            fh.write(text + "\n")
    return rows


if __name__ == "__main__":
    main()
