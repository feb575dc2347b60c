"""register counts: the active register per spread group, and indexes for the visit plan's suggestions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:45:00.000000

The visit plan compares the year's visited companies with the active register per SNI section, size
class, district and women-led. Counting 100,000 companies on every request cost most of a second, so a
scheduled job (and a finished import) counts them into `register_counts`. The (status, column) indexes
let that count and the suggestions' candidate lookups read an index instead of every company.

Plain CREATE/DROP INDEX and a new table: no batch recreation of `companies`, so the search triggers of
0006 are untouched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


COMPANY_INDEXES = {
    "ix_companies_created_at": ["created_at"],
    "ix_companies_status_size_class": ["status", "size_class"],
    "ix_companies_status_district": ["status", "district"],
    "ix_companies_status_women_led": ["status", "women_led"],
}


def upgrade():
    op.create_table(
        "register_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("grp", sa.String(length=100), nullable=False),
        sa.Column("companies", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_counts")),
        sa.UniqueConstraint("dimension", "grp", name="uq_register_counts_dimension_grp"),
    )
    for name, columns in COMPANY_INDEXES.items():
        op.create_index(name, "companies", columns, unique=False)


def downgrade():
    for name in COMPANY_INDEXES:
        op.drop_index(name, table_name="companies")
    op.drop_table("register_counts")
