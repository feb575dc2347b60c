"""who claimed an outbox message; when the scheduler last reconnected

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:00:00.000000

`outbox_messages.claimed_by` names the delivering worker (crm.worker) that claimed a message; its
results are written only while the claim is still its own, so a scheduler that lost its lock cannot
overwrite what the next one does. A new status value, "claimed", needs no change: the status column
is a VARCHAR without a database enum. Messages left "sending" by the old code keep their lease and
are taken again when it runs out, as before.

`scheduler_heartbeat.reconnected_at` and `reconnects` tell an admin (`flask scheduler status`) that the
scheduler lost the database and came back by itself.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
    with op.batch_alter_table("scheduler_heartbeat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reconnected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reconnects", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("scheduler_heartbeat", schema=None) as batch_op:
        batch_op.drop_column("reconnects")
        batch_op.drop_column("reconnected_at")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
