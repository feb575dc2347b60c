"""Reminders by e-mail: the daily digest, the day-before visit reminder and the assignment mail."""
