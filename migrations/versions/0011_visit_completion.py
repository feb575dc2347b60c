"""who marked a visit done, and when

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00.000000

`visits.completed_at` exists since 0003; this adds `completed_by_id`. SQLite can add a named foreign key
only by rebuilding the table (batch mode). With foreign keys on, dropping the old `visits` would cascade
to its participants, notes and follow-ups, so the rebuild runs with them off (SQLite's own procedure for
schema changes); `PRAGMA foreign_keys` takes effect only outside a transaction, which is checked.
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FK_NAME = "fk_visits_completed_by_id_users"


@contextmanager
def _rebuilt_visits():
    bind = op.get_bind()
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
        raise RuntimeError("0011 must rebuild visits with foreign keys off; run it outside a transaction")
    try:
        with op.batch_alter_table("visits", recreate="always") as batch:
            yield batch
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken after rebuilding visits: {problems[:5]}")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        with _rebuilt_visits() as batch:
            batch.add_column(sa.Column("completed_by_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(FK_NAME, "users", ["completed_by_id"], ["id"], ondelete="SET NULL")
    else:
        op.add_column("visits", sa.Column("completed_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "visits", "users", ["completed_by_id"], ["id"], ondelete="SET NULL")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with _rebuilt_visits() as batch:
            batch.drop_constraint(FK_NAME, type_="foreignkey")
            batch.drop_column("completed_by_id")
    else:
        op.drop_constraint(FK_NAME, "visits", type_="foreignkey")
        op.drop_column("visits", "completed_by_id")
