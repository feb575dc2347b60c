"""The package shape of ARCHITECTURE.md, checked on the source so it stays true (no database: SQLite pass only)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from crm.extensions import db

CRM = Path(__file__).resolve().parent.parent / "crm"
MODULE_MAX_LINES = 410  # "about 400": a module beyond it is split along a seam
NOT_FEATURES = {"audit", "benchmark", "calendar", "reminders", "scheduler", "translations", "static", "templates"}


def modules():
    return [path for path in CRM.rglob("*.py") if "benchmark" not in path.parts]


def test_no_module_is_over_about_400_lines():
    lines = {str(path.relative_to(CRM)): len(path.read_text().splitlines()) for path in modules()}
    assert {name: n for name, n in lines.items() if n > MODULE_MAX_LINES} == {}


def test_every_feature_with_pages_has_its_blueprint_in_its_package():
    for package in sorted(p for p in CRM.iterdir() if p.is_dir() and p.name not in NOT_FEATURES):
        if not (package / "__init__.py").exists() or not (package / "views.py").exists():
            continue
        init = (package / "__init__.py").read_text()
        assert "\nbp = Blueprint(" in init, package.name


def test_forms_live_in_forms_modules():
    misplaced = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            is_form = isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "FlaskForm" for b in node.bases)
            if is_form and not (path.name == "forms.py" or path.name.endswith(("_forms.py", "_form.py"))):
                misplaced.append(f"{path.relative_to(CRM)}:{node.name}")
    assert misplaced == []


def test_crm_models_alone_registers_every_table_the_app_has(app):
    """Alembic and the mapper registry rely on crm.models naming every feature's models."""
    code = "import crm.models; from crm.extensions import db; print(' '.join(sorted(db.metadata.tables)))"
    alone = subprocess.run([sys.executable, "-c", code], cwd=CRM.parent, capture_output=True, text=True, check=True)
    with app.app_context():
        assert alone.stdout.split() == sorted(db.metadata.tables)
