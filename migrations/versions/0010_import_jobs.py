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


# The status is a plain string column (no CHECK constraint), so the new value "koad" needs no change to it.
def columns():
    return (
        sa.Column("skip_errors", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("queued_by_id", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
    )


def upgrade():
    # import_jobs has no triggers, so SQLite's batch recreate (needed for the foreign key) is safe here.
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        for column in columns():
            batch_op.add_column(column)
        batch_op.create_foreign_key(
            batch_op.f("fk_import_jobs_queued_by_id_users"), "users", ["queued_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_import_jobs_status", ["status"], unique=False)


def downgrade():
    op.execute("UPDATE import_jobs SET status = 'uppladdad' WHERE status = 'koad'")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_import_jobs_status")
        batch_op.drop_constraint(batch_op.f("fk_import_jobs_queued_by_id_users"), type_="foreignkey")
        for column in reversed(columns()):
            batch_op.drop_column(column.name)
