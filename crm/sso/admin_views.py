"""The SSO admin page (settings, group-to-role table, unused accounts)."""
