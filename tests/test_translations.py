"""The English catalogue covers every Swedish text, so switching language never shows a mix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "crm" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_every_text_in_the_code_is_in_the_catalog(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {message.id for message in read_po(template.open("rb")) if message.id}
    catalog = {message.id for message in read_po(CATALOG.open("rb")) if message.id}
    missing = extracted - catalog
    assert not missing, f"run pybabel update and translate: {sorted(missing, key=str)[:10]}"


def test_every_catalog_entry_is_translated():
    untranslated = [
        message.id
        for message in read_po(CATALOG.open("rb"))
        if message.id
        and (message.fuzzy or not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    assert not untranslated, untranslated[:10]
