"""Importing companies and their contact persons from CSV and Excel files."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/foretag/import")

from crm.imports import views  # noqa: E402,F401
