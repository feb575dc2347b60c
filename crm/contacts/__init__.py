"""Contact persons: the register's people, their roles at companies, and their page.

The models are in crm.companies (a company and its contact persons are one register); the pages, forms
and writes are here. The company-scoped pages (a new contact for a company, finding and linking one)
keep their addresses under /foretag/.
"""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from crm.contacts import mail_gate, views  # noqa: E402,F401
