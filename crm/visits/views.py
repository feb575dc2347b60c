"""Visit views."""
