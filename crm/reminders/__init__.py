"""Reminders by e-mail: the daily digest, the reminder the day before a visit and the mail on a new assignment.

Nothing is sent from here: each message is queued in the outbox (crm.mail.outbox) with a dedupe key,
in the same transaction as what caused it, and delivered later by crm.mail.delivery.
"""
