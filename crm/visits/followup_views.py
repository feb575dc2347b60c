"""Follow-up views."""
