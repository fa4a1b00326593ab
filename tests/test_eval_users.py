"""The user-facing evaluation scores what it claims: an oracle scores perfectly,
labels line up with what is written as asv files, and the django replay keeps
every result while giving it a date-ordered history."""
from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from evaluation.django_replay import finding_ids, replay, summary
from evaluation.ours import run_on_files
from evaluation.scoring import Hit, hits_of
from evaluation.shared import events_score, tally
from evaluation.shared_corpus import ENV, machine_name, series_of, shared_corpus, write_shared
from evaluation.users import markers_row, recent_row
from evaluation.users_corpus import expected, recent_corpus, sid_of, write_corpus
from rustorch_wasm.regress.io.repository import first_parent_commits
from rustorch_wasm.regress.io.results import load_results
from rustorch_wasm.regress.model.series import SeriesKey


def test_oracle_scores_perfectly_on_recent_corpus() -> None:
    corpus = recent_corpus(120, 0.05, 200, 20, seed=5)
    hits = {}
    for x in corpus.labels:
        if x.kind in ("recent", "step"):
            hits[x.sid] = [Hit(expected(x), x.at, x.k, False)]
        elif x.kind == "endspike":
            hits[x.sid] = [Hit("regression", x.at, x.k, False)]
    row = recent_row(corpus.labels, hits, True)
    assert all(row[f"k{k}"].endswith("(100%)") for k in (1, 2, 3))
    assert row["f1"] == "1.000" and row["mid"] == "1.000" and row["fa"].startswith("0.0 ")
    assert row["end"].endswith("(100%)") and row["early"].startswith("0/")
    marks = markers_row(corpus.labels, hits)
    assert marks[1].endswith("(100%)") and marks[2].endswith("(100%)")
    assert marks[3].endswith("(100%)")


def test_recent_corpus_through_files_matches_labels(tmp_path: Path) -> None:
    corpus = recent_corpus(50, 0.05, 60, 0, seed=2)
    results, repo, shas = write_corpus(tmp_path, corpus)
    run = run_on_files(results, repo)
    assert run.order == shas
    by_sid = {sid_of(s.key): s for s in run.series}
    for x in corpus.labels:
        s = by_sid[x.sid]
        levels = {p.position: p.median for p in s.points}
        assert x.at < 0 or x.at in levels               # a labelled commit is measured
        if x.kind == "step":
            before = np.median([levels[p] for p in range(x.at - 5, x.at) if p in levels])
            after = np.median([levels[p] for p in range(x.at, x.at + 3) if p in levels])
            assert math.isclose(after / before, x.factor, rel_tol=0.15)


def test_oracle_scores_perfectly_on_shared_corpus(tmp_path: Path) -> None:
    corpus = shared_corpus(3, commits=60, machines=5, regressions=6)
    hits = {(t.machine, t.series): [Hit("regression", t.at)] for t in corpus.truths}
    sc = tally(corpus, hits, True)
    assert (sc.tp, sc.fp, sc.f1) == (len(corpus.truths), 0, 1.0)
    env = [(SeriesKey(machine_name(e.machine), ENV, ""), Hit("environment", e.start, end=e.end))
           for e in corpus.events]
    ev = events_score(corpus, env)
    assert ev["runner"].endswith("(100%)") or ev["runner"] == "0/0"
    assert ev["stretch"].endswith("(100%)") or ev["stretch"] == "0/0"
    assert ev["spurious"] == "0"
    # the written files carry the labelled changes
    results, repo, _ = write_shared(tmp_path, corpus)
    by = {series_of(s.key): s for s in run_on_files(results, repo).series}
    assert len(by) == 5 * 24
    for t in corpus.truths:
        levels = {p.position: p.median for p in by[(t.machine, t.series)].points}
        before = np.median([levels[p] for p in range(t.at - 5, t.at) if p in levels])
        after = np.median([levels[p] for p in range(t.at, t.at + 3) if p in levels])
        assert after / before > 1.2


def test_django_replay_orders_by_date_and_keeps_results(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "box").mkdir(parents=True)
    (src / "benchmarks.json").write_text(json.dumps({"version": 2}))
    (src / "box" / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    dates = {"c" * 40: 3000, "a" * 40: 1000, "b" * 40: 2000}
    for sha, date in dates.items():
        for env in ("py3.9", "py3.10"):
            doc = {"commit_hash": sha, "env_name": env, "date": date, "version": 2,
                   "result_columns": ["result", "params"],
                   "results": {"m.time_x": [[date / 1000.0], []]}}
            (src / "box" / f"{sha[:8]}-{env}.json").write_text(json.dumps(doc))
    rp = replay(src, "box", tmp_path / "out")
    assert [o for _, o, _ in rp.order] == ["a" * 40, "b" * 40, "c" * 40]
    assert rp.files == 6
    assert first_parent_commits(rp.repo, "main") == [n for n, _, _ in rp.order]
    rs = load_results(rp.results)
    assert len(rs.files) == 6
    for new, orig, date in rp.order:
        for env in ("py3.9", "py3.10"):
            doc = json.loads((rp.results / "box" / f"{new[:8]}-{env}.json").read_text())
            assert doc["commit_hash"] == new and doc["date"] == date
            assert doc["results"]["m.time_x"][0] == [date / 1000.0]


def test_hits_read_the_new_detector_fields_and_default_without_them() -> None:
    order = [f"{i:040x}" for i in range(10)]
    series_key = SeriesKey("runner-03", ENV, "shared.B1.time_op", (("n", "2"),))
    new = [SimpleNamespace(kind="regression", key=series_key, commit=order[9], commits_after=1,
                           confirmed=False),
           SimpleNamespace(kind="environment", key=SeriesKey("runner-03", ENV, ""),
                           commit=order[4], end_commit=order[7], moved=20, share=0.83)]
    per, env = hits_of(new, order, series_of)
    assert per == {(3, 6): [Hit("regression", 9, 1, False)]}
    assert env == [(SeriesKey("runner-03", ENV, ""),
                    Hit("environment", 4, None, None, 7, 20, 0.83))]
    old = [SimpleNamespace(kind="improvement", key=series_key, commit=order[2])]
    assert hits_of(old, order, series_of) == ({(3, 6): [Hit("improvement", 2)]}, [])


def test_django_summary_counts_findings_at_commits_and_environment_shares(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "box").mkdir(parents=True)
    for i in range(8):
        doc = {"commit_hash": f"{i:040x}", "env_name": "py3.9", "date": 1000 * i, "version": 2,
               "result_columns": ["result", "params"],
               "results": {f"m.time_{j}": [[2.0 if i >= 6 else 1.0], []] for j in range(3)}}
        (src / "box" / f"{i:08x}-py3.9.json").write_text(json.dumps(doc))
    rp = replay(src, "box", tmp_path / "out")
    at = rp.order[6][0]
    doc = {"findings": [{"kind": "environment", "commit": at, "env": "py3.9", "share": 1.0},
                        {"kind": "regression", "commit": at}]}
    text = "\n".join(summary(rp, doc, 0.1, 1, together=2))
    assert "| 8 | 8 | 3 | 2 | environment 1, regression 1 | 0.1 | 1 | 1 | 2 of 2 | 1 |" in text
    assert "| 6 | 0000000000 |" in text and "py3.9 100%" in text



def test_django_replay_of_all_machines_is_one_history(tmp_path: Path) -> None:
    src = tmp_path / "src"
    dates = {"box": {"a" * 40: 1000, "c" * 40: 3000}, "mac": {"b" * 40: 2000, "c" * 40: 3000}}
    for machine, commits in dates.items():
        (src / machine).mkdir(parents=True)
        (src / machine / "machine.json").write_text(json.dumps({"machine": machine, "version": 1}))
        for sha, date in commits.items():
            doc = {"commit_hash": sha, "env_name": "py3.10", "date": date, "version": 2,
                   "result_columns": ["result", "params"], "results": {"m.time_x": [[1.0], []]}}
            (src / machine / f"{sha[:8]}-py3.10.json").write_text(json.dumps(doc))
    rp = replay(src, "all", tmp_path / "out")
    assert [o for _, o, _ in rp.order] == ["a" * 40, "b" * 40, "c" * 40] and rp.files == 4
    assert sorted(p.parent.name for p in rp.results.glob("*/*-py3.10.json")) == ["box", "box", "mac", "mac"]
    new_c = rp.order[2][0]
    doc = {"findings": [{"kind": "regression", "machine": "mac", "env": "py3.10",
                         "benchmark": "m.time_x", "params": {}, "commit": new_c}]}
    assert finding_ids(doc, {n: o for n, o, _ in rp.order}) == {
        ("regression", "mac", "py3.10", "m.time_x", "{}", "c" * 40)}
