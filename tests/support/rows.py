"""Rows as the database holds them now."""

from __future__ import annotations

from crm.extensions import db


def fresh(row):
    """The row as it is now in the database (a request used a session of its own)."""
    model, row_id = type(row), row.id
    db.session.expire_all()
    return db.session.get(model, row_id)
