"""A project's conventions come from its profile, never from the analysis code."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from _synthetic import PROJECT, fake_sha
from rustorch_wasm.regress.model.config import ConfigError, DetectorConfig, load_config
from rustorch_wasm.regress.model.profile import Profile, load_profile, short_labels
from rustorch_wasm.regress.model.series import SeriesKey

ROOT = Path(__file__).resolve().parent.parent
REGRESS = ROOT / "rustorch_wasm" / "regress"


def key(benchmark: str) -> SeriesKey:
    return SeriesKey("box", "env", benchmark, (("size", "10"),))


def test_this_projects_profile_knows_its_counts_and_their_timings():
    p = PROJECT.profile
    assert p.title == "rustorch_wasm benchmarks"
    assert p.is_exact(key("activations.ReLU.track_relu_instructions"))
    assert not p.is_exact(key("activations.ReLU.time_relu"))
    assert p.companion(key("activations.ReLU.time_relu")) == key("activations.ReLU.track_relu_instructions")
    assert p.companion(key("activations.ReLU.track_relu_instructions")) == key("activations.ReLU.time_relu")
    assert p.companion(key("activations.ReLU.mem_relu")) is None
    assert p.label_of("virtualenv-py3.10-numpy-RUSTORCH_WASM_ENGINEfirefox") == "firefox"
    assert "!/rustorch_wasm/regress/" in p.build_paths


def test_the_default_profile_assumes_nothing():
    p = DetectorConfig().profile
    assert not p.is_exact(key("activations.ReLU.track_relu_instructions"))
    assert p.companion(key("activations.ReLU.time_relu")) is None
    assert p.label_of("virtualenv-py3.10-RUSTORCH_WASM_ENGINEfirefox") is None


def test_short_labels_are_the_words_that_differ_or_the_profiles():
    envs = ["conda-py3.12-Jinja2-Pillow-sqlparse", "conda-py3.11-Jinja2-Pillow-sqlparse"]
    assert short_labels(envs, Profile()) == {envs[0]: "py3.12", envs[1]: "py3.11"}
    assert short_labels(envs[:1], Profile()) == {envs[0]: envs[0]}
    engines = ["virtualenv-py3.10-numpy-RUSTORCH_WASM_ENGINEwasmer",
               "virtualenv-py3.10-numpy-RUSTORCH_WASM_ENGINEnode"]
    assert set(short_labels(engines, PROJECT.profile).values()) == {"wasmer", "node"}


def test_profile_rules_reach_the_direction_and_a_base_profile_is_kept():
    p = load_profile({"direction": [{"pattern": "score$", "better": "higher"}]}, PROJECT.profile)
    assert p.exact_counts == PROJECT.profile.exact_counts
    config = DetectorConfig(profile=p)
    assert config.better_for("m.C.track_score", "unit") == "higher"


@pytest.mark.parametrize("profile, message", [
    ({"exact_counts": {"prefix": 3}}, "exact_counts"),
    ({"environment_label": {"pattern": "("}}, "bad regex"),
    ({"colour": "red"}, "unknown key"),
    ({"build_paths": []}, "build_paths"),
    ([], "JSON object"),
])
def test_a_bad_profile_is_a_one_line_config_error(tmp_path, profile, message):
    path = tmp_path / "regress.json"
    path.write_text(json.dumps({"profile": profile}))
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def _code_strings(path: Path) -> list[str]:
    """String constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_project_convention_is_written_into_the_detector():
    leaks = [(p.relative_to(REGRESS).as_posix(), s) for p in REGRESS.rglob("*.py")
             for s in _code_strings(p)
             if any(w in s for w in ("RUSTORCH_WASM_ENGINE", "_instructions", "rustorch_wasm/",
                                     "wasm instruction", "rustorch_wasm benchmarks"))]
    assert leaks == []


def test_detect_reads_regress_json_from_the_current_directory(tmp_path):
    """The same results: with this project's profile the instruction count is an
    exact finding (confirmed, a point interval), with none an ordinary series."""
    from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file
    results = tmp_path / "results"
    write_benchmarks_json(results, {"m.C.track_x_instructions": ([], [], "instructions")})
    for i in range(12):
        count = 1000.0 if i < 9 else 1500.0
        write_result_file(results, "box", fake_sha(i), "env",
                          {"m.C.track_x_instructions": Row([count])}, date=1700000000000 + 60000 * i)
    for name, config in (("project", (ROOT / "regress.json").read_text()), ("none", None)):
        work = tmp_path / name
        work.mkdir()
        if config:
            (work / "regress.json").write_text(config)
        out = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "detect", "--results",
                              str(results), "--json", "r.json"], cwd=work, capture_output=True,
                             text=True)
        assert out.returncode in (0, 1), out.stderr
        found = json.loads((work / "r.json").read_text())["findings"]
        assert [f["kind"] for f in found] == ["regression"], (name, found)
        exact = found[0]["confirmed"] and found[0]["ci"] == [1.5, 1.5]
        assert exact == (name == "project"), (name, found)


def test_the_readme_example_config_loads():
    """The README's example regress.json is a valid config, as documented."""
    import re
    from pathlib import Path
    from rustorch_wasm.regress.model.config import load_config
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"```json\n(.*?)```", readme, re.S).group(1)
    path = Path(__import__("tempfile").mkdtemp()) / "regress.json"
    path.write_text(block)
    config = load_config(path)
    assert config.threshold_for("special_functions.Gamma.time_gamma") == 0.3
    assert config.profile.exact_counts is not None and config.profile.env_build_paths
