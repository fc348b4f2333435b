"""Results of :func:`topogen.verify.verify`: per-run records, a summary table, JSON and a plot."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .._checks import TopogenError, check_path
from .._io import atomic_file, write_text_atomic

__all__ = ["RunResult", "VerifyResult", "plot_results"]


@dataclass(frozen=True)
class RunResult:
    """One training run: a family (or topology) at one seed.

    ``n_weights`` counts weights that can be nonzero (the edges of every layer, dense ends
    included); ``n_params`` adds the biases.  ``core_density`` is the density of the sparse
    topology (1.0 for dense); ``wall_time`` is the training time in seconds.
    ``layer_nnz`` is the number of trainable weights of every model layer as trained,
    ``layer_kinds`` their storage (masked, csr, bsr), ``val_curve`` the validation accuracy
    per epoch (empty without a validation split) and ``best_epoch`` the epoch (0-based)
    whose test accuracy is reported.
    """

    family: str
    seed: int
    widths: tuple
    test_accuracy: float
    loss_curve: tuple
    accuracy_curve: tuple
    n_weights: int
    n_params: int
    core_density: float
    wall_time: float
    layer_nnz: tuple = ()
    layer_kinds: tuple = ()
    val_curve: tuple = ()
    best_epoch: int = -1

    @property
    def density(self) -> float:
        """Weights that can be nonzero over those of a dense net with the same widths."""
        dense = sum(a * b for a, b in zip(self.widths[:-1], self.widths[1:], strict=True))
        return self.n_weights / dense


_TUPLES = ("widths", "loss_curve", "accuracy_curve", "layer_nnz", "layer_kinds", "val_curve")


def _mean_std(values):
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, std


@dataclass(frozen=True)
class VerifyResult:
    """All runs of one :func:`verify` call, the settings used, and notes on fitting.

    Examples
    --------
    >>> r = RunResult("dense", 0, (4, 2), 0.9, (1.0,), (0.9,), 8, 10, 1.0, 0.1)
    >>> res = VerifyResult((r,), {"dataset": "toy"}, ())
    >>> res.rows()[0]["acc_mean"]
    0.9
    """

    runs: tuple
    settings: dict
    notes: tuple = ()

    def families(self) -> list[str]:
        """Family names in order of first appearance.

        Returns
        -------
        list of str
        """
        return list(dict.fromkeys(r.family for r in self.runs))

    def rows(self) -> list[dict]:
        """One summary dict per family: accuracy mean/std/min/max over seeds, sizes, time.

        Returns
        -------
        list of dict
            Keys ``family``, ``seeds``, ``acc_mean``, ``acc_std``, ``acc_min``, ``acc_max``,
            ``final_loss``, ``n_params``, ``density``, ``core_density``, ``time_s``,
            ``time_std``, ``layer_nnz``; accuracies are fractions in ``[0, 1]``.
        """
        out = []
        for fam in self.families():
            runs = [r for r in self.runs if r.family == fam]
            accs = [r.test_accuracy for r in runs]
            mean, std = _mean_std(accs)
            out.append({
                "family": fam,
                "seeds": len(runs),
                "acc_mean": mean,
                "acc_std": std,
                "acc_min": min(accs),
                "acc_max": max(accs),
                "final_loss": _mean_std([r.loss_curve[-1] for r in runs])[0]
                if runs[0].loss_curve else float("nan"),
                "n_params": round(_mean_std([r.n_params for r in runs])[0]),
                "density": _mean_std([r.density for r in runs])[0],
                "core_density": _mean_std([r.core_density for r in runs])[0],
                "time_s": _mean_std([r.wall_time for r in runs])[0],
                "time_std": _mean_std([r.wall_time for r in runs])[1],
                "layer_nnz": list(runs[0].layer_nnz),
            })
        return out

    def table(self) -> str:
        """A plain-text table (also valid Markdown) of :meth:`rows`.

        Returns
        -------
        str
            A header, a rule and one line per family (accuracies in percent).
        """
        head = ("family", "core density", "density", "params", "test acc (mean ± std)",
                "min", "max", "final loss", "time/run s (mean ± std)")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows():
            cells = (
                r["family"], f"{r['core_density']:.4f}", f"{r['density']:.4f}",
                f"{r['n_params']:,}",
                f"{100 * r['acc_mean']:.2f} ± {100 * r['acc_std']:.2f} %",
                f"{100 * r['acc_min']:.2f}", f"{100 * r['acc_max']:.2f}",
                f"{r['final_loss']:.4f}", f"{r['time_s']:.1f} ± {r['time_std']:.1f}",
            )
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def report(self) -> str:
        """The notes (density misses first), one per line, above :meth:`table`.

        Returns
        -------
        str
        """
        return "\n".join([*(f"note: {n}" for n in self.notes), self.table()])

    def as_dict(self) -> dict:
        """Settings, notes, summary rows and every run (JSON-able).

        Returns
        -------
        dict
            Keys ``settings``, ``notes``, ``summary`` (:meth:`rows`) and ``runs``; read back
            with :meth:`from_dict`.
        """
        return {
            "settings": dict(self.settings),
            "notes": list(self.notes),
            "summary": self.rows(),
            "runs": [
                {**asdict(r), **{k: list(getattr(r, k)) for k in _TUPLES}}
                for r in self.runs
            ],
        }

    def to_json(self, path=None) -> str:
        """The :meth:`as_dict` as JSON text; also written atomically to ``path`` if given.

        Parameters
        ----------
        path : str or os.PathLike, optional
            File to write (its folder is created); ``None``: only return the text.

        Returns
        -------
        str

        Examples
        --------
        >>> r = RunResult("dense", 0, (4, 2), 0.9, (1.0,), (0.9,), 8, 10, 1.0, 0.1)
        >>> json.loads(VerifyResult((r,), {}, ()).to_json())["runs"][0]["family"]
        'dense'
        """
        text = json.dumps(self.as_dict(), indent=1)
        if path is not None:
            _write_atomic(check_path("path", path), text)
        return text

    @classmethod
    def from_dict(cls, data: dict) -> VerifyResult:
        """Rebuild a result from :meth:`as_dict` (e.g. a ``results.json`` written earlier).

        Parameters
        ----------
        data : dict
            With ``"runs"`` (a list of :class:`RunResult` fields); ``"settings"`` and
            ``"notes"`` are optional, unknown keys are ignored.

        Returns
        -------
        VerifyResult

        Examples
        --------
        >>> r = RunResult("dense", 0, (4, 2), 0.9, (1.0,), (0.9,), 8, 10, 1.0, 0.1)
        >>> res = VerifyResult((r,), {"dataset": "toy"}, ("a note",))
        >>> VerifyResult.from_dict(res.as_dict()) == res
        True
        """
        runs = []
        for run in data["runs"]:
            fields = {k: run[k] for k in RunResult.__dataclass_fields__ if k in run}
            for key in _TUPLES:
                if key in fields:
                    fields[key] = tuple(fields[key])
            runs.append(RunResult(**fields))
        return cls(tuple(runs), dict(data.get("settings", {})), tuple(data.get("notes", ())))

    def plot(self, path=None):
        """Accuracy against density, and mean loss curves; see :func:`plot_results`.

        Parameters
        ----------
        path : str or os.PathLike, optional
            Write the figure there (format from the suffix).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plot_results([self], path)


def _write_atomic(path: str, text: str) -> None:
    write_text_atomic(path, text, makedirs=True)


def plot_results(results: Sequence[VerifyResult], path=None, *, title: str | None = None):
    """Plot test accuracy (mean ± std over seeds) against density, one line per family.

    A second panel shows the mean training-loss curve of each family of the first result.
    Several results (e.g. one per density) share the axes.  Written to ``path`` (PNG, SVG,
    ...) when given; returns the matplotlib Figure.

    Parameters
    ----------
    results : sequence of VerifyResult
        At least one; all share the axes.
    path : str or os.PathLike, optional
        Write the figure there (format from the suffix).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TopogenError
        If ``results`` is empty.
    """
    if not results:
        raise TopogenError("plot_results needs at least one VerifyResult")
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    points: dict = {}
    for res in results:
        for row in res.rows():
            points.setdefault(row["family"], []).append(
                (row["density"], row["acc_mean"], row["acc_std"]))
    first = results[0]
    names = list(dict.fromkeys([*points, *first.families()]))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {f: "k" if f == "dense" else cycle[k % len(cycle)]
              for k, f in enumerate(n for n in names if n != "dense")}
    colors["dense"] = "k"
    for fam, pts in points.items():
        pts.sort()
        xs, ys, es = zip(*pts, strict=True)
        if fam == "dense":
            mean, std = 100 * ys[0], 100 * es[0]
            ax.axhline(mean, color="k", ls="--", lw=1, label=f"dense ({mean:.1f} %)")
            ax.axhspan(mean - std, mean + std, color="k", alpha=0.08, lw=0)
            continue
        ax.errorbar(xs, [100 * y for y in ys], yerr=[100 * e for e in es], label=fam,
                    marker="o", capsize=3, color=colors[fam])
    ax.set_xscale("log")
    ax.set_xlabel("density of the whole network (weights kept / dense)")
    ax.set_ylabel("test accuracy (%), mean ± std over seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    for fam in first.families():
        runs = [r for r in first.runs if r.family == fam]
        n = min(len(r.loss_curve) for r in runs)
        if n == 0:
            continue
        mean = [sum(r.loss_curve[k] for r in runs) / len(runs) for k in range(n)]
        ax2.plot(range(1, n + 1), mean, label=fam, color=colors[fam])
    ax2.set_yscale("log")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("training loss (mean over seeds)")
    trained = first.settings.get("trained_density")
    if trained is not None:
        ax2.set_title(f"loss curves; sparse nets trained at density {trained:.4g}\n"
                      f"(edges per layer matched to {first.settings.get('matched_to', '?')})",
                      fontsize=9)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    s = first.settings
    fig.suptitle(title or f"{s.get('dataset', '')}: widths {s.get('widths', '')}, "
                 f"{len(s.get('seeds', []))} seeds, {s.get('epochs', '')} epochs", fontsize=10)
    fig.tight_layout()
    if path is not None:
        path = check_path("path", path)
        ext = os.path.splitext(path)[1].lstrip(".").lower() or "png"
        try:
            with atomic_file(path, makedirs=True) as handle:
                fig.savefig(handle, format=ext, dpi=120)
        finally:
            plt.close(fig)
    return fig
