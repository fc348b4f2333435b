"""topogen.plot, headless (Agg): check what was drawn, not only that nothing crashed."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import topogen
from topogen import TopogenError, plot


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _segments(ax):
    return [np.asarray(c.get_segments()) for c in ax.collections[1:]]


def test_draw_layers_one_point_per_neuron_one_segment_per_edge():
    t = topogen.radix_net([[2, 3]], [1, 2, 1])  # widths 6, 12, 6
    fig = plot.draw_layers(t)
    ax = fig.axes[0]
    pts = ax.collections[0].get_offsets()
    assert len(pts) == sum(t.widths)
    # points sit in columns x = 0, 1, 2 with n_i points each
    assert [int(np.sum(pts[:, 0] == i)) for i in range(3)] == list(t.widths)
    segs = _segments(ax)
    assert [len(s) for s in segs] == list(t.layer_nnz)
    # every segment of layer i goes from column i to column i + 1 and starts/ends on a neuron
    for i, s in enumerate(segs):
        assert np.all(s[:, 0, 0] == i) and np.all(s[:, 1, 0] == i + 1)
        col_i = np.sort(pts[pts[:, 0] == i, 1])
        assert np.all(np.isin(s[:, 0, 1], col_i))
    # the segments are exactly the edges: recover the 0/1 matrix from the drawing
    col0 = np.sort(pts[pts[:, 0] == 0, 1])
    col1 = np.sort(pts[pts[:, 0] == 1, 1])
    rows = np.searchsorted(col0, segs[0][:, 0, 1])
    cols = np.searchsorted(col1, segs[0][:, 1, 1])
    W = np.zeros(t.layers[0].shape, dtype=bool)
    W[rows, cols] = True
    assert np.array_equal(W, t.layers[0].toarray())
    lo, hi = ax.get_xlim()
    assert lo < 0 and hi > t.depth
    assert [tk.get_text() for tk in ax.get_xticklabels()] == ["6", "12", "6"]


def test_draw_layers_aggregates_wide_layers():
    t = topogen.mixed_radix([16, 16])  # 256 neurons a layer
    fig = plot.draw_layers(t, max_neurons=32)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 3 * 32
    segs = _segments(ax)
    # group pairs joined by at least one edge, computed independently with dense numpy
    for layer, s in zip(t.layers, segs):
        W = layer.toarray().reshape(32, 8, 32, 8).any(axis=(1, 3))
        assert len(s) == int(W.sum())
    assert "aggregated" in ax.get_title()
    # opacity encodes block density (edges / 64 cells of an 8 x 8 block), in row-major order
    block = t.layers[0].toarray().reshape(32, 8, 32, 8).sum(axis=(1, 3)) / 64
    expected = block[block > 0]
    alphas = ax.collections[1].get_colors()[:, 3]
    assert np.allclose(alphas, 0.08 + 0.92 * expected)
    assert expected.min() < 1 and expected.max() == 1  # a band: partial and full blocks


def test_draw_layers_into_given_ax():
    fig, (a, b) = plt.subplots(1, 2)
    out = plot.draw_layers(topogen.mixed_radix([2]), ax=b)
    assert out is fig and not a.collections and len(b.collections) == 2


def test_spy_shows_each_layer_exactly():
    t = topogen.radix_net([[2, 2]], [2, 1, 3])
    fig = plot.spy(t)
    panels = [a for a in fig.axes if a.images]
    assert len(panels) == t.depth
    for a, layer in zip(panels, t.layers):
        assert np.array_equal(np.asarray(a.images[0].get_array()), layer.toarray().astype(float))
    _, ax = plt.subplots()
    plot.spy(t, layers=[1], ax=ax)
    assert ax.images[0].get_array().shape == t.layers[1].shape


def test_spy_large_layer_block_density():
    t = topogen.mixed_radix([32, 32])  # 1024 x 1024 layers
    fig = plot.spy(t, max_cells=64 * 64)
    image = np.asarray(fig.axes[0].images[0].get_array())
    assert image.shape == (64, 64)
    # block densities average to the layer density
    assert image.mean() == pytest.approx(t.layer_density[0])
    assert "block density" in fig.axes[0].get_title()


def test_spy_errors():
    t = topogen.extended_mixed_radix([[2]] * 13)
    with pytest.raises(TopogenError, match="at most 12 panels"):
        plot.spy(t)
    _, ax = plt.subplots()
    with pytest.raises(TopogenError, match="one Axes per shown layer"):
        plot.spy(topogen.mixed_radix([2, 2]), ax=ax)


def test_path_counts_heatmap_values():
    rng = np.random.default_rng(1)
    t = topogen.Topology([rng.random((5, 6)) < 0.5, rng.random((6, 4)) < 0.5])
    fig = plot.path_counts(t, log=False)
    shown = np.asarray(fig.axes[0].images[0].get_array())
    W0, W1 = t.to_dense(int)
    assert np.array_equal(shown, (W0 @ W1).astype(float))
    assert len(fig.axes) == 2  # the heatmap and its colour bar


def test_path_counts_log_scale_for_huge_counts():
    t = topogen.extended_mixed_radix([[2]] * 80)  # 2**79 paths per pair
    fig = plot.path_counts(t)
    shown = np.asarray(fig.axes[0].images[0].get_array())
    assert np.allclose(shown, np.log10(1 + 2.0**79))


def test_spectrum_marks_ramanujan_bound():
    t = topogen.radix_net([[2, 3]], [1, 2, 1])
    fig = plot.spectrum(t)
    ax = fig.axes[0]
    markers = [ln for ln in ax.lines if ln.get_marker() == "o"]
    bounds = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(markers) == t.depth and len(bounds) == t.depth
    for ln, layer in zip(markers, t.layers):
        s = np.linalg.svd(layer.toarray().astype(float), compute_uv=False)
        y = np.asarray(ln.get_ydata())
        assert np.allclose(y, s[: len(y)], atol=1e-8)
        assert np.array_equal(ln.get_xdata(), np.arange(1, len(y) + 1))
    d_out = np.diff(t.layers[0].indptr)[0]
    d_in = np.bincount(t.layers[0].indices)[0]
    assert bounds[0].get_ydata()[0] == pytest.approx(np.sqrt(d_out - 1) + np.sqrt(d_in - 1))


def test_import_topogen_does_not_import_matplotlib():
    code = "import sys, topogen, topogen.plot, topogen.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_path_counts_symmetric_is_one_colour_one_tick():
    t = topogen.radix_net([[2, 2], [2]], [1, 2, 2, 1])  # 2 * 2 * 2 = 8 paths every pair
    fig = plot.path_counts(t)
    heat, bar = fig.axes
    assert np.all(np.asarray(heat.images[0].get_array()) == 8.0)
    assert list(bar.get_yticks()) == [8.0]
    assert heat.get_xlim()[1] - heat.get_xlim()[0] == pytest.approx(t.widths[-1])


def test_draw_layers_deep_network_shows_first_layers():
    t = topogen.extended_mixed_radix([[2, 2]] * 20)  # 40 layers
    fig = plot.draw_layers(t, max_layers=8)
    ax = fig.axes[0]
    assert len(ax.collections) == 1 + 8
    assert len(ax.collections[0].get_offsets()) == 9 * 4
    assert "first 8 of 40 layers" in ax.get_title()
    assert f"{t.nnz:,} edges" in ax.get_title()  # the whole network's count


def test_spectrum_plot_of_a_large_layer_draws_a_capped_number_of_values():
    big = topogen.x_net([3000, 3000], degree=4, seed=0)  # beyond the dense method's side
    fig = plot.spectrum(big)
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_linestyle() != "--"]
    assert len(line.get_xdata()) == plot.LEADING_VALUES
    plt.close(fig)
