from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path) -> Path:
    """Uploads go to a folder of the test's own, not the instance folder."""
    folder = tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = str(folder)
    return folder
