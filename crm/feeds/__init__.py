"""Calendar subscription feeds."""
