"""Views of the gallring plan, the proposal and the log."""

from crm.retention import bp  # noqa: F401
