"""The gate's report read by GitHub's own Markdown (cmark-gfm): every table row
keeps its columns whatever the benchmark's name, no markup of a name survives,
and the comment's marker is hidden."""
from __future__ import annotations

import re

from rustorch_wasm.regress.analysis.gate_result import GateResult, Row
from rustorch_wasm.regress.model.findings import Finding, Report
from rustorch_wasm.regress.model.series import SeriesKey
from rustorch_wasm.regress.render.gate_markdown import render_markdown
from reports.comment_screenshot import render

BASE, HEAD = "a" * 40, "b" * 40
NAMES = ["activations.Sigmoid.time_sigmoid", "m.C.time_<script>alert(1)</script>|x",
         "m.C.time_`tick`_*star*_[link](http://e.x)", "m.C.time_pipe|in|name\\"]


def report() -> str:
    rows, findings = [], []
    for i, name in enumerate(NAMES):
        k = SeriesKey("box", "py3.10", name, (("size", "10|0"),))
        f = Finding("regression", k, HEAD, BASE, 1e-3, 1.5e-3, 1.5, (1.4, 1.6), 1e-6, "seconds")
        findings.append(f)
        rows.append(Row(k, "seconds", 1e-3, 1.5e-3, f))
        rows.append(Row(SeriesKey("box", "py3.10", name + "_same", ()), "seconds", 1e-3, 1e-3))
    return render_markdown(GateResult(BASE, HEAD, Report(0.2, 0.01, len(rows), findings), rows))


def tables(html: str) -> list[list[int]]:
    """The number of cells of each row, per table."""
    return [[len(re.findall(r"<t[dh][ >]", row)) for row in re.findall(r"<tr>(.*?)</tr>", t, re.S)]
            for t in re.findall(r"<table>(.*?)</table>", html, re.S)]


def test_every_row_keeps_its_columns_in_githubs_markdown():
    page = render(report())
    found = tables(page)
    assert len(found) == 2                          # the changed and the unchanged benchmarks
    for rows in found:
        assert len(rows) >= len(NAMES) + 1 and len(set(rows)) == 1, rows


def test_no_markup_of_a_name_survives_and_the_marker_is_hidden():
    page = render(report())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert ">link</a>" not in page and "[link]" in page      # no link of the name's making
    assert "<em>" not in page and "*star*" in page and "<del>" not in page
    assert "rustorch-regress-gate" not in re.sub(r"<!--.*?-->", "", page, flags=re.S)
    assert page.count("<details") == 1 and "<summary>" in page
