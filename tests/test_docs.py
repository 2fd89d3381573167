"""The docs stay true: the README's commands are the ones CI runs, and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from graph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced_commands() -> list[str]:
    return [line for block in re.findall(r"```bash\n(.*?)```", README, re.S) for line in block.splitlines()]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


def test_readme_serves_the_demo_on_the_embedded_store() -> None:
    assert any(c.endswith("chanjiao serve --demo") and "pip install -e ." in c for c in fenced_commands())


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert name.upper() in README, f"CHANJIAO_{name.upper()} is not in the README"
