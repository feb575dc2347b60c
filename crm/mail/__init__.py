"""Outgoing mail: the outbox (queue in the change's transaction), delivery, and the admin's Utkorg page."""
