"""Trend plots: files are real images, the axes follow the data, labels are readable."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
import numpy as np
import pytest

from _synthetic import PROJECT, fake_sha, make_series, regression_at
from rustorch_wasm.regress.model import units
from rustorch_wasm.regress.model.profile import short_labels
from rustorch_wasm.regress.render import plot
from rustorch_wasm.regress.model.series import SeriesKey


def test_series_plot_writes_png_and_svg_with_sha_label(tmp_path):
    s = make_series("tensor_ops.Add.time_add", params=(("size", "100000"),), level=3e-5,
                    step_at=25, step=1.3)
    finding = regression_at(s, 25, 1.3)
    png, svg = plot.plot_series(s, tmp_path / "add", threshold=0.2, findings=[finding], change_points=[25])
    image = mpimg.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 600
    assert image[..., :3].std() > 0.05  # not a blank canvas
    text = svg.read_text()
    ET.fromstring(text)  # well-formed SVG
    assert finding.commit[:7] in text  # the regression is labelled with its short sha
    assert "µs" in text  # seconds rescaled to a readable unit in the title/axis


def test_dotted_names_keep_both_formats(tmp_path):
    key_series = make_series("a.b.c.time_x", params=(("n", "1.5"),))
    base = tmp_path / plot.series_slug(key_series.key)
    paths = plot.plot_series(key_series, base, threshold=0.2)
    assert sorted(p.name for p in paths) == sorted([base.name + ".png", base.name + ".svg"])
    assert all(p.exists() for p in paths)


def test_log_scale_only_when_values_span_decades():
    assert plot.wants_log_scale([1e-6, 5e-4])
    assert not plot.wants_log_scale([1.0, 1.3, 99.0])
    assert not plot.wants_log_scale([])


def test_display_scale_picks_readable_time_unit():
    assert units.display_scale("seconds", [2e-5, 3e-5]).unit == "µs"
    assert units.display_scale("seconds", [0.2]).unit == "ms"
    assert units.display_scale("seconds", [3.0]).unit == "s"
    assert units.display_scale("instructions", [1e6]) == units.Scale(1.0, "instructions")


def test_first_segment_level_ignores_the_level_after_the_change():
    s = make_series("m.C.time_x", n=30, level=2.0, step_at=20, step=2.0, noise=0)
    assert plot.first_segment_level(s, [20]) == pytest.approx(2.0)
    assert plot.first_segment_level(s, []) == pytest.approx(2.0)  # median of 20x2.0, 10x4.0


def test_ratio_matrix_places_values_by_commit_and_leaves_gaps_nan():
    s = make_series("m.C.time_x", n=6, level=1.0, step_at=3, step=1.5, noise=0, missing=(1,))
    commits = [fake_sha(i) for i in range(6)]
    m = plot.ratio_matrix([s], {s.key: 1.0}, commits)
    assert math.isnan(m[0, 1])
    np.testing.assert_allclose(m[0, [0, 2, 3, 5]], [1.0, 1.0, 1.5, 1.5])


def test_heatmap_renders_many_series(tmp_path):
    series = [make_series(f"m.C{k}.time_x", n=60, level=10.0 ** -k, seed=k) for k in range(10)]
    base = {s.key: plot.first_segment_level(s, []) for s in series}
    png, svg = plot.plot_heatmap(series, base, [fake_sha(i) for i in range(60)], tmp_path / "heat")
    assert mpimg.imread(png).shape[0] > 300
    text = svg.read_text()
    assert fake_sha(59)[:7] in text and fake_sha(9)[:7] not in text  # only the last 50 commits


def test_series_slug_unique_and_safe():
    a = SeriesKey("m", "e", "<script>alert(1)</script>")
    b = SeriesKey("m", "e", "<script>alert(2)</script>")
    sa, sb = plot.series_slug(a), plot.series_slug(b)
    assert sa != sb
    assert all(c.isalnum() or c in "._-" for c in sa)


def test_empty_series_is_refused(tmp_path):
    s = make_series("m.C.time_x", n=0)
    with pytest.raises(ValueError, match="no points"):
        plot.plot_series(s, tmp_path / "x", threshold=0.2)


def test_long_heatmap_labels_keep_their_params():
    keys = [SeriesKey("m", "e", "special_functions.BesselJ.track_bessel_j_instructions",
                      (("size", s),)) for s in ("'single'", "1000", "10000")]
    labels = [plot._row_label(k, False, {}) for k in keys]
    assert len(set(labels)) == 3 and all(len(label) <= 64 for label in labels)
    assert labels[0].endswith("(size='single')") and "…" in labels[0]
    assert plot._row_label(SeriesKey("m", "e", "short"), True, {}) == "short @m/e"
    # engines (the asv matrix dimension) tell otherwise identical rows apart: the
    # labels come from the profile (this project's reads RUSTORCH_WASM_ENGINE<name>)
    env = "virtualenv-py3.10-numpy-RUSTORCH_WASM_ENGINEnode"
    labels = short_labels([env, env.replace("node", "wasmer")], PROJECT.profile)
    assert plot._row_label(SeriesKey("m", env, "short"), True, labels) == "short @m/node"


def test_a_3000_commit_series_is_drawn_in_buckets_that_keep_its_finding(tmp_path):
    s = make_series("m.C.time_x", n=3000, level=3e-5, step_at=2000, step=1.3, noise=0.05)
    finding = regression_at(s, 2000, 1.3)
    drawn = plot.decimate(s, keep={2000}, cuts=[2000])
    assert drawn.bucket > 1 and len(drawn.positions) <= plot.MAX_POINTS
    # buckets stop at the change point; both sides of it and the finding are exact points
    assert {s.points[1999].position, s.points[2000].position} <= set(drawn.positions)
    assert drawn.medians[list(drawn.positions).index(2000)] == s.points[2000].median

    fig = plot.series_figure(s, threshold=0.2, findings=[finding], change_points=[2000])
    lines = fig.axes[0].lines
    with_markers = [ln for ln in lines if ln.get_marker() not in (None, "None", "", " ")]
    assert sum(len(ln.get_xdata()) for ln in with_markers) == 1    # only the finding's marker
    assert list(with_markers[0].get_xdata()) == [2000]
    assert max(len(ln.get_xdata()) for ln in lines) <= plot.MAX_POINTS

    # in the SVG: markers (<use> of a marker path "#m...", tick marks included) stay
    # few, and the finding keeps its label; drawn in full, there is one per point
    [svg] = plot.plot_series(s, tmp_path / "long", threshold=0.2, findings=[finding], change_points=[2000],
                             formats=("svg",))
    text = svg.read_text()
    assert text.count('<use xlink:href="#m') < 60 and finding.commit[:7] in text
    [full] = plot.plot_series(s, tmp_path / "full", threshold=0.2, findings=[finding], change_points=[2000],
                              formats=("svg",), max_points=10**6)
    assert full.read_text().count('<use xlink:href="#m') > 3000


def test_short_series_are_drawn_point_by_point():
    s = make_series("m.C.time_x", n=50)
    drawn = plot.decimate(s)
    assert drawn.bucket == 1 and list(drawn.positions) == list(range(50))
    np.testing.assert_array_equal(drawn.low, s.columns.q25)
