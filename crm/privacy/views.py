"""Views of the registerutdrag, requests, erasure and the record of processing."""

from crm.privacy import bp  # noqa: F401
