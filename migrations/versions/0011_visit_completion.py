"""who marked a visit done, and when

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00.000000

`visits.completed_at` exists since 0003; this adds `completed_by_id`. On SQLite the column is added with
an inline REFERENCES clause (ALTER TABLE ADD COLUMN), not in batch mode: recreating `visits` with foreign
keys on would cascade the drop of the old table to the participants, notes and follow-ups.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FK_NAME = "fk_visits_completed_by_id_users"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.add_column(
            "visits",
            sa.Column("completed_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
            inline_references=True,
        )
    else:
        op.add_column("visits", sa.Column("completed_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "visits", "users", ["completed_by_id"], ["id"], ondelete="SET NULL")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_NAME, "visits", type_="foreignkey")
    op.drop_column("visits", "completed_by_id")
