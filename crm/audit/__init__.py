"""The audit trail below every feature: who changed which record, when and how (models, mixins, names).

The admin's page that reads it is crm.auditlog, at the top of the layers.
"""
