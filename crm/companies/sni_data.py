"""The SNI classifications (SNI 2007, SNI 2025) as shipped in crm/companies/data, read once per process.

Each CSV lists every level, section to detailed code, with the code one level up and SCB's Swedish title;
its header comment names the source. Versions are keyed by the value of `SniVersion` ("SNI 2007").
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from crm.text import fold

SNI2007 = "SNI 2007"
SNI2025 = "SNI 2025"
FILES = {SNI2007: "sni2007.csv", SNI2025: "sni2025.csv"}
LEVELS = ("section", "division", "group", "class", "detailed")
DETAILED_LENGTH = 5


@dataclass(frozen=True)
class Entry:
    code: str
    level: str
    parent: str
    name: str
    folded: str  # fold(name), for search


@dataclass(frozen=True)
class Classification:
    version: str
    entries: dict[str, Entry]  # every code of every level, in the file's order
    detailed: tuple[Entry, ...]  # the five-digit codes in code order

    def sections(self) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.level == "section"]

    def divisions(self) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.level == "division"]

    def section_of_division(self, division: str) -> str | None:
        entry = self.entries.get(division)
        return entry.parent if entry is not None and entry.level == "division" else None

    def detailed_under(self, prefix: str) -> list[Entry]:
        """The detailed codes whose digits start with `prefix` (all of them for a class, group or division)."""
        return [entry for entry in self.detailed if entry.code.startswith(prefix)]


def _rows(text: str) -> list[dict[str, str]]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def version_key(version: object) -> str:
    """'SNI 2025' for SniVersion.SNI2025 or the text itself; anything unknown is SNI 2007, the default."""
    text = str(getattr(version, "value", version) or "")
    return text if text in FILES else SNI2007


@functools.cache
def classification(version: object = SNI2007) -> Classification:
    """The classification of one version, loaded from its CSV on first use."""
    key = version_key(version)
    if key != version:
        return classification(key)
    text = resources.files(__package__).joinpath("data", FILES[key]).read_text(encoding="utf-8")
    entries = {
        row["code"]: Entry(row["code"], row["level"], row["parent"], row["name"], fold(row["name"]))
        for row in _rows(text)
    }
    detailed = tuple(sorted((e for e in entries.values() if e.level == "detailed"), key=lambda e: e.code))
    return Classification(key, entries, detailed)


def all_versions() -> list[Classification]:
    return [classification(key) for key in FILES]
