"""The README tells the truth: its Python example runs, its commands exist, its scenarios are real."""

from __future__ import annotations

import os
import re
from pathlib import Path

from mip6lab.cli import build_parser
from mip6lab.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_python_example_runs(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    example = next(b for b in blocks if b.startswith("from mip6lab import Lab"))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(example, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert (tmp_path / "run.pcapng").stat().st_size > 0


def test_named_scenarios_and_commands_exist() -> None:
    for name in re.findall(r"mip6lab run ([a-z][a-z0-9-]+)", README):
        assert name in SCENARIOS or name == "NAME", name
    for name in re.findall(r'(?:Lab|dashboard)\("([a-z0-9-]+)"', README):
        assert name in SCENARIOS, name
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    shell = "\n".join(re.findall(r"```bash\n(.*?)```", README, re.S))
    for cmd in re.findall(r"^mip6lab (\w+)", shell, re.M):
        assert cmd in commands, cmd


def test_set_up_scripts_exist_and_ci_calls_the_test_command() -> None:
    for script in ("scripts/lab", "scripts/test"):
        assert f"./{script}" in README
        assert os.access(ROOT / script, os.X_OK)
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_scenario_table_is_the_scenarios_own_figures() -> None:
    """The README's scenario table and the dashboard's picker read the same ``Scenario.figures``."""
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| ([0-9, ]+|none \(chapter \d+\)) \|$", README, re.M))
    assert list(rows) == list(SCENARIOS)
    for name, figs in rows.items():
        drawn = [] if figs.startswith("none") else sorted(int(f) for f in figs.split(","))
        assert drawn == sorted(SCENARIOS[name].figures), name
