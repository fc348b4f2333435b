"""Every script in examples/ runs, in a fresh temporary folder, and does what it says."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import topogen

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ROOT = EXAMPLES.parent

# script -> (modules it needs beyond the core, files it must leave behind)
EXPECTED = {
    "analyze_and_plot.py": ((), ["radix-layers.png", "radix-paths.png", "random-layers.png",
                                 "random-paths.png", "radix-spy.png"]),
    "compare_expanders.py": ((), []),
    "graph_challenge_files.py": ((), ["neuron64/n64-l1.tsv", "neuron64-deep/n64-l120.tsv"]),
    "radix_net_to_torch.py": (("torch", "sklearn"), ["radix_net.npz"]),
}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name, tmp_path):
    needs, files = EXPECTED[name]
    for module in needs:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{name} needs {module} (pip install 'topogen[train]')")
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip(), "an example should say what it did"
    for rel in files:
        assert (tmp_path / rel).stat().st_size > 0, rel
    if name == "radix_net_to_torch.py":
        assert topogen.load(tmp_path / "radix_net.npz") == topogen.radix_net(
            [[4, 8], [4]], [2, 4, 4, 2])


def test_docs_gallery_shows_every_generator_family():
    spec = importlib.util.spec_from_file_location("docs_gen", ROOT / "docs" / "gen.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    shown = {entry[4] for entry in hook.GALLERY}
    generators = {name for name, mod in topogen._LAZY.items() if ".generators." in mod}
    assert generators <= shown
    # every snippet runs and defines a Topology named `net`
    for slug, _title, code, _text, _func in hook.GALLERY:
        namespace = {"topogen": topogen}
        exec(code, namespace)
        assert isinstance(namespace["net"], topogen.Topology), slug
