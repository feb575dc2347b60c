"""Calendar output (iCalendar) shared by visits and events."""
