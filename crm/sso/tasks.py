"""Scheduled work of single sign-on: none yet. The IdP is asked only when someone logs in; accounts unused for a
year are listed on the admin page (crm.sso.admin_views) rather than changed by a job, so nobody loses access
without an admin's decision."""
