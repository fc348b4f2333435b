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
