"""The one-way dependency contract holds, and would catch a wrong-way import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(  # noqa: S603 - our own lint-imports, fixed arguments
        [str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    if not LINT.exists():
        pytest.fail("lint-imports is missing: install the test extra (scripts/test.sh does)")
    shutil.copytree(
        REPO / "lianjian",
        tmp_path / "lianjian",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "migrations"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_project_keeps_its_contracts(tree_copy: Path) -> None:
    result = _lint(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr


# one lint-imports run on a copy of the tree each: CI's PostgreSQL stage runs them
@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "line"),
    [
        # the lowest layer reaching up to a domain app
        ("lianjian/core/masking.py", "from lianjian.needs import models as _wrong  # noqa\n"),
        # the trees reaching up to accounts (the cycle this contract removed)
        ("lianjian/orgs/access.py", "import lianjian.accounts.services  # noqa\n"),
        # a domain app reaching into another's models instead of its services
        ("lianjian/visits/services.py", "from lianjian.needs.models import Need  # noqa\n"),
    ],
)
def test_a_wrong_way_import_breaks_the_contract(tree_copy: Path, module: str, line: str) -> None:
    target = tree_copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout.upper() or "broken" in result.stdout
