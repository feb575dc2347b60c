"""Networks and their members."""
