"""The layer contract (pyproject.toml, ARCHITECTURE.md): features depend one way, checked by import-linter.

The check reads the source, not the database, so it runs once, in the SQLite pass.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=project, env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300,
    )


def copy_of_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "crm", project / "crm",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "translations", "data"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project


def test_the_code_keeps_the_layer_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_from_a_higher_layer_breaks_the_contract(tmp_path):
    project = copy_of_project(tmp_path)
    assert lint_imports(project).returncode == 0
    (project / "crm" / "companies" / "upward.py").write_text("from crm.visits.models import Visit  # noqa: F401\n")

    result = lint_imports(project)

    assert result.returncode != 0
    assert "crm.companies is not allowed to import crm.visits" in result.stdout
    assert "crm.companies.upward -> crm.visits.models" in result.stdout


def test_a_cycle_through_a_lower_layer_breaks_it_too(tmp_path):
    project = copy_of_project(tmp_path)
    (project / "crm" / "audit" / "upward.py").write_text("import crm.auth.access  # noqa: F401\n")

    result = lint_imports(project)

    assert result.returncode != 0
    assert "crm.audit is not allowed to import crm.auth" in result.stdout
