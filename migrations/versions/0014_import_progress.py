"""imports write in chunks: how far a job has come, committed with each chunk

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:00:00.000000

`import_jobs.rows_written` counts the plan's valid rows saved so far and `resume_state` holds what the
rest of the import needs (counts so far, ids of contacts and tags it created), so an import that
stopped between chunks goes on where it left off.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rows_written", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("resume_state", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("resume_state")
        batch_op.drop_column("rows_written")
