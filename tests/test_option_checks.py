"""check_option (one form for every fixed-choice argument) and require (missing extras)."""

import numpy as np
import pytest

import topogen
from topogen._checks import TopogenError, check_option, require
from topogen.export import to_scipy, to_torch_sparse_linear


def test_check_option_returns_the_option():
    assert check_option("layout", "bsr", ("csr", "bsr")) == "bsr"
    got = check_option("layout", np.str_("csr"), ("csr", "bsr"))
    assert got == "csr" and type(got) is str  # the canonical option, not the subclass
    assert check_option("n", 2, (1, 2, 3)) == 2
    assert check_option("mode", None, (None, "fast")) is None


@pytest.mark.parametrize("value, allowed, message", [
    ("dense", ("csr", "bsr", "coo"), "layout must be one of 'csr', 'bsr' or 'coo', got 'dense'"),
    ("CSR", ("csr",), "layout must be 'csr', got 'CSR'"),
    (1, (True, False), "layout must be one of True or False, got 1"),
    ("1", (1, 2), "layout must be one of 1 or 2, got '1'"),
    (b"csr", ("csr",), "layout must be 'csr', got b'csr'"),
    (["csr"], ("csr",), r"layout must be 'csr', got \['csr'\]"),
    (np.array(["csr", "bsr"]), ("csr",), r"layout must be 'csr', got array\("),
    ("x", {"in_out": "y = x @ W", "out_in": ""},
     r"layout must be one of 'in_out' \(y = x @ W\) or 'out_in', got 'x'"),
])
def test_check_option_names_parameter_options_and_value(value, allowed, message):
    with pytest.raises(TopogenError, match=f"^{message}"):
        check_option("layout", value, allowed)


def test_exporters_use_the_one_form():
    net = topogen.radix_net([[2]], [1, 1])
    with pytest.raises(TopogenError, match=r"^format must be one of 'csr', 'csc', 'coo' or "
                                           r"'bsr', got 'dok'$"):
        to_scipy(net, "dok")
    with pytest.raises(TopogenError, match=r"^layout must be one of 'in_out' \(rows = inputs"):
        to_scipy(net, layout="rows")
    pytest.importorskip("torch")
    with pytest.raises(TopogenError, match=r"^layout must be one of 'csr' or 'bsr', got 'coo'$"):
        to_torch_sparse_linear(net, layout="coo")


def test_require_imports_or_names_the_extra():
    import json

    assert require("json", "test") is json
    with pytest.raises(ImportError) as info:
        require("no_such_pkg_xyz.sub", "tensorflow", package="no-such-pkg")
    err = info.value
    assert not isinstance(err, ValueError)  # not a TopogenError: the environment, not the input
    assert err.name == "no_such_pkg_xyz"
    assert "pip install 'topogen[tensorflow]'" in str(err)
    assert "pip install no-such-pkg" in str(err)
    assert "\n" not in str(err)


@pytest.mark.parametrize("call, message", [
    (lambda: topogen.x_net([4, 4], degree=2, method="random"),
     "method must be one of 'biregular' or 'prabhu', got 'random'"),
    (lambda: topogen.analysis.is_symmetric(topogen.radix_net([[2]], [1, 1]), method="fast"),
     "method must be one of 'auto', 'exact' or 'randomized', got 'fast'"),
])
def test_generators_and_analysis_use_the_one_form(call, message):
    with pytest.raises(TopogenError, match=f"^{message}$"):
        call()


def test_verify_options_use_the_one_form():
    from topogen.verify.data import load_dataset
    from topogen.verify.plan import radix_with_ends

    with pytest.raises(TopogenError, match=r"^dataset must be one of 'digits', 'mnist1d', "
                                           r"'mnist' or 'fashion-mnist', got 'cifar'$"):
        load_dataset("cifar")
    with pytest.raises(TopogenError, match=r"^normalize must be one of 'standard', 'scale' or "
                                           r"'none', got 'z'$"):
        load_dataset("digits", normalize="z")
    with pytest.raises(TopogenError, match=r"^output must be one of 'dense' or 'radix', got 'x'$"):
        radix_with_ends([[2]], [1, 1], 4, 2, output="x")


@pytest.mark.parametrize("module, dataset", [("sklearn.datasets", "digits"),
                                             ("mnist1d.data", "mnist1d")])
def test_missing_dataset_package_is_an_import_error(monkeypatch, module, dataset):
    import sys

    from topogen.verify.data import load_dataset

    monkeypatch.setitem(sys.modules, module, None)  # import of it now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'topogen\[train\]'") as info:
        load_dataset(dataset)
    assert not isinstance(info.value, ValueError)


def test_missing_torch_is_an_import_error_naming_the_extra(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "topogen.verify.models", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'topogen\[train\]'"):
        importlib.import_module("topogen.verify.models")


def test_train_one_refuses_unknown_optimizer_and_schedule():
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from topogen.verify import load_dataset, train_one

    data = load_dataset("digits")
    with pytest.raises(TopogenError, match=r"^optimizer must be one of 'adam', 'adamw' or "
                                           r"'sgd', got 'adagrad'$"):
        train_one(data, [64, 10], [None], optimizer="adagrad", epochs=1)
    with pytest.raises(TopogenError, match=r"^schedule must be one of .*, got 'linear'$"):
        train_one(data, [64, 10], [None], schedule="linear", epochs=1)


def test_radix_with_ends_names_its_kronecker_factors_multipliers():
    """One word, one meaning: the old keyword and the old meta keys still work."""
    from topogen.verify.plan import radix_with_ends, strange_note

    t = radix_with_ends([[2, 5], [2]], [79, 30, 10, 1], 784, 10, output="radix")
    assert t.meta["params"]["multipliers"] == [79, 30, 10, 1]
    with pytest.warns(FutureWarning, match=r"radix_with_ends\(kron_widths=\.\.\.\)"):
        old = radix_with_ends([[2, 5], [2]], kron_widths=[79, 30, 10, 1], n_features=784,
                              n_classes=10, output="radix")
    assert old == t
    note = strange_note(t)
    assert note.startswith("final radix 2")
    before = topogen.Topology(t.layers, {"generator": "radix_with_ends", "params": {
        "radix": [[2, 5], [2]], "kron_widths": [79, 30, 10, 1]}})  # a file written before
    assert strange_note(before) == note
    with pytest.raises(TopogenError, match="needs multipliers, n_features and n_classes"):
        radix_with_ends([[2, 2]], [1, 1, 1])
