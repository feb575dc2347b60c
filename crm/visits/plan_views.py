"""Visit plan views."""
