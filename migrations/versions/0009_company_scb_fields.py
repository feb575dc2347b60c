"""company e-mail, Reklamspärr, CFAR number and kommun from SCB's register

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


COLUMNS = ("email", "ad_block", "cfar_number", "municipality")


def upgrade():
    # Plain ADD COLUMN on both databases: a batch recreate of `companies` would drop 0006's search triggers.
    op.add_column("companies", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column("companies", sa.Column("ad_block", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("companies", sa.Column("cfar_number", sa.String(length=8), nullable=True))
    op.add_column("companies", sa.Column("municipality", sa.String(length=100), nullable=True))


def downgrade():
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE companies DROP COLUMN {name}")  # SQLite 3.35+, no table recreate
        else:
            op.drop_column("companies", name)
