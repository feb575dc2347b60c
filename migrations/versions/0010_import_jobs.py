"""imports as queued jobs the scheduler runs, with a lease

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
