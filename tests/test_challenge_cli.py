"""``topogen generate graph-challenge`` and ``topogen challenge``, run in-process."""

import numpy as np
import pytest

import topogen
from topogen import cli
from topogen.challenge import read_categories, read_images


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def challenge_dir(tmp_path_factory):
    """A 1024 x 12 challenge folder, 40 random images and their truth, made by the CLI."""
    root = tmp_path_factory.mktemp("gc")
    assert cli.main(["generate", "graph-challenge", "--neurons", "1024", "--layers", "12",
                     "--seed", "3", "--output-format", "tsv", "-o", str(root / "neuron1024")]) == 0
    assert cli.main(["challenge", "images", str(root / "neuron1024"), "--count", "40",
                     "--seed", "1", "-o", str(root / "data")]) == 0
    return root


def test_generate_writes_the_library_network(challenge_dir):
    net = topogen.load(challenge_dir / "neuron1024", format="tsv")
    assert net == topogen.graph_challenge(1024, 12, seed=3)
    assert net.meta["bias"] == -0.3 and net.meta["seed"] == 3


def test_images_command_writes_images_and_their_truth(challenge_dir):
    images = read_images(challenge_dir / "data" / "sparse-images-1024.tsv", neurons=1024)
    truth = read_categories(challenge_dir / "data" / "neuron1024-l12-categories.tsv")
    assert images.shape == (40, 1024) and images.nnz == 40 * 102
    assert 0 < len(truth) < 40


def test_infer_pass_fail_and_bad_input(challenge_dir, capsys):
    args = ["challenge", "infer", challenge_dir / "neuron1024",
            "--images", challenge_dir / "data" / "sparse-images-1024.tsv",
            "--truth", challenge_dir / "data" / "neuron1024-l12-categories.tsv"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "time:" in out and "edges/s" in out and out.strip().endswith("PASS")
    rate = float(out.split("rate: ")[1].split()[0])
    seconds = float(out.split("time: ")[1].split()[0])
    assert rate == pytest.approx(40 * 12 * 32768 / seconds, rel=0.01)
    code, out, _ = run([*args, "--bias", "-0.6"], capsys)  # a different network: FAIL
    assert code == 1 and "FAIL" in out
    for backend in ("graphblas", "torch"):
        code, out, err = run([*args, "--backend", backend], capsys)
        assert code == 0 and out.strip().endswith("PASS"), err
    code, _, err = run([*args[:4], challenge_dir / "missing.tsv"], capsys)
    assert code == 2 and err.count("\n") == 1 and "missing.tsv" in err
    bad = challenge_dir / "bad-images.tsv"
    bad.write_text("1\t1025\t1\n")
    code, _, err = run([*args[:4], bad], capsys)
    assert code == 2 and "feature id 1025" in err and err.count("\n") == 1
    code, _, err = run([*args, "--max-pixels", "10"], capsys)  # the library's cap, as a flag
    assert code == 2 and "--max-pixels" in err and "max_pixels=" not in err


def test_stream_records_the_drawn_seed(tmp_path, capsys):
    out = tmp_path / "s.npz"
    code, _, err = run(["generate", "graph-challenge", "--neurons", "1024", "--layers", "13",
                        "--stream", "-o", out], capsys)
    assert code == 0, err
    net = topogen.load(out)
    seed = net.meta["seed"]
    assert isinstance(seed, int) and net == topogen.graph_challenge(1024, 13, seed=seed)


def test_help(capsys):
    for cmd in (["challenge"], ["challenge", "infer"], ["challenge", "images"]):
        with pytest.raises(SystemExit) as exc:
            cli.main([*cmd, "--help"])
        assert exc.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_categories_file_from_infer(challenge_dir, tmp_path, capsys):
    saved = tmp_path / "found.tsv"
    code, _, _ = run(["challenge", "infer", challenge_dir / "neuron1024", "--images",
                      challenge_dir / "data" / "sparse-images-1024.tsv", "--save-categories",
                      saved], capsys)
    truth = read_categories(challenge_dir / "data" / "neuron1024-l12-categories.tsv")
    assert code == 0 and np.array_equal(read_categories(saved), truth)
