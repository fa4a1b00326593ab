"""The one value formatter every view uses."""
from __future__ import annotations

import math

from rustorch_wasm.regress.model.units import format_value
from rustorch_wasm.regress.render import gate_markdown, report, site_base as site


def test_format_value_scales_seconds_and_groups_large_numbers():
    assert format_value(3.7e-5, "seconds") == "37 µs"
    assert format_value(0.25, "seconds") == "250 ms"
    assert format_value(1234567.0, "instructions") == "1,234,567 instructions"
    assert format_value(12.5, "GB/s") == "12.5 GB/s"
    assert format_value(3.0, "") == "3"
    assert format_value(math.nan, "seconds") == "n/a"
    assert format_value(math.inf, "x") == "n/a"


def test_every_view_shows_a_value_the_same_way():
    for value, unit in ((3.7e-5, "seconds"), (1234567.0, "instructions"), (12.5, "GB/s")):
        text = format_value(value, unit)
        assert gate_markdown.quantity(value, unit) == text
        assert site.fmt(value, unit) == text
    assert "format_value" in vars(report)          # the Markdown report imports the same one
    assert site.fmt(1.0, "<b>") == "1 &lt;b&gt;"  # each view escapes for itself
