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


def upgrade():
    pass


def downgrade():
    pass
