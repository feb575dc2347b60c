"""Swedish collation for names

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00.000000

Names sort in Swedish order (Å, Ä, Ö after Z) through a collation called "sv" on both databases:
PostgreSQL gets an ICU collation of that name here; SQLite has none of its own, so the app registers
one on every connection (crm/database.py), the connection that runs this migration included.

The indexes below serve the sorted company and contact lists (ORDER BY name COLLATE sv, id) and the
list of districts. On
SQLite, a connection that has not registered "sv" (the sqlite3 program, another tool) cannot write to
companies or contact_persons while these indexes exist: it fails with "no such collation sequence: sv".
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


# index name -> (table, column); each indexes (column COLLATE sv, id). env.py leaves indexes ending in
# _sv to this file.
SWEDISH_NAME_INDEXES = {
    "ix_companies_name_sv": ("companies", "name"),
    "ix_companies_district_sv": ("companies", "district"),
    "ix_contact_persons_name_sv": ("contact_persons", "name"),
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE COLLATION IF NOT EXISTS sv (provider = icu, locale = 'sv-SE')")
    for name, (table, column) in SWEDISH_NAME_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} ({column} COLLATE sv, id)")


def downgrade():
    for name in SWEDISH_NAME_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP COLLATION IF EXISTS sv")
