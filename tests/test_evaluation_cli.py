"""The evaluation's commands run end to end on tiny corpora and write their
generated sections, naming themselves as ``python -m evaluation.<name>``."""
from __future__ import annotations

from pathlib import Path

from evaluation import detector, users


def test_detector_table_and_extra_aa_through_files(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "doc.md"
    detector.main(["--series", "12", "--aa-extra", "15", "--ours-only", "--latency", "2",
                   "--doc", str(doc)])
    out = capsys.readouterr().out
    assert "| ours (rustorch-regress detect) |" in out
    assert "Extra A/A check (asv result files, ours only): 15 series," in out
    text = doc.read_text()
    assert "<!-- eval-main:start -->\n`python -m evaluation.detector --series 12" in text


def test_users_parts_write_their_sections(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "doc.md"
    users.main(["--seeds", "5", "--parts", "recent,latency,shared,throughput", "--labelled", "40",
                "--aa", "5", "--peer-aa", "5", "--latency", "4", "--throughput", "20",
                "--machines", "2", "--no-peers", "--doc", str(doc)])
    text = doc.read_text()
    for section in ("eval-users-recent", "eval-users-latency", "eval-users-shared",
                    "eval-users-throughput"):
        assert f"<!-- {section}:start -->" in text and f"<!-- {section}:end -->" in text
    assert "`python -m evaluation.users --seeds 5" in text
    assert "| 5 | 120 commits, CV <= 5% | ours |" in capsys.readouterr().out
