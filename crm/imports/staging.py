"""The plan a chunked import writes, kept beside the upload so that a resumed import writes the same one.

An import plans every row against the register once, before its first chunk. Planning again after
some chunks are saved would see the import's own companies and contacts and could decide otherwise
(a later row matching by name a company an earlier row created), so the plan is stored, and a job
that goes on after a stop loads it instead. Only the valid rows and the few lookups the writer uses
are kept. The file is pickled, so it is signed with the app's secret key and refused if it does not
match; it is written under a temporary name and renamed when whole, before the first chunk commits.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from crm.companies.models import SniVersion
from crm.imports.planning import ImportPlan, PlannedRow


class PlanMissing(Exception):
    """The stored plan of an import that has saved some rows is gone or damaged: it cannot go on."""


@dataclass
class StoredRegister:
    tags: dict[str, tuple[int, str]]  # folded name -> (id, name), as the register held them when planned
    contacts: dict[str, dict[str, Any]]  # lower-case e-mail -> the stored contact


@dataclass(eq=False)
class WritePlan:
    """What the writer needs of a plan: its valid rows in file order and the lookups made while planning."""

    valid_rows: list[PlannedRow]
    error_count: int
    sni_version: SniVersion
    register: StoredRegister
    new_tags: list[str] = field(default_factory=list)
    contact_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: ImportPlan) -> WritePlan:
        return cls(plan.valid_rows, plan.error_count, plan.sni_version,
                   StoredRegister(dict(plan.register.tags), dict(plan.register.contacts)),
                   list(plan.new_tags), dict(plan.contact_names))


def _signature(data: bytes) -> bytes:
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), data, hashlib.sha256).digest()


def save_plan(path: Path, plan: WritePlan) -> None:
    data = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as stream:
        stream.write(_signature(data) + data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def load_plan(path: Path) -> WritePlan:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PlanMissing(str(path)) from error
    signature, data = content[:32], content[32:]
    if not hmac.compare_digest(signature, _signature(data)):
        raise PlanMissing(str(path))
    return pickle.loads(data)  # noqa: S301 - our own file, checked against the app's secret key above
