"""calendar replies: messages read from the organizer mailbox, and contacts' other known addresses

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 18:00:00.000000

`inbox_messages` holds each iTIP REPLY/COUNTER read from the organizer mailbox once (unique Message-ID),
with what it was matched to, what it did and the raw message; `contact_known_addresses` the other
addresses a contact person answers from (learned when an organizer matches a reply by hand).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

STATUSES = sa.Enum("tillampat", "gammal_sekvens", "aldre_svar", "stangt", "olasbart", "omatchat", "motforslag",
                   "avfardat", name="inboxstatus", native_enum=False, length=20)


def upgrade():
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("uid", sa.String(length=255), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("dtstamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendee", sa.String(length=254), nullable=True),
        sa.Column("partstat", sa.String(length=30), nullable=True),
        sa.Column("status", STATUSES, nullable=False),
        sa.Column("matched_by", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("proposed_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proposed_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_inbox_messages_event_id_events"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"],
                                name=op.f("fk_inbox_messages_invitation_id_invitations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"], name=op.f("fk_inbox_messages_handled_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbox_messages_message_id")),
    )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_messages_status", ["status"], unique=False)
        batch_op.create_index("ix_inbox_messages_invitation_id", ["invitation_id"], unique=False)
        batch_op.create_index("ix_inbox_messages_event_id", ["event_id"], unique=False)
    op.create_table(
        "contact_known_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact_persons.id"],
                                name=op.f("fk_contact_known_addresses_contact_id_contact_persons"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_known_addresses")),
        sa.UniqueConstraint("contact_id", "email", name="uq_contact_known_addresses_contact_id_email"),
    )
    with op.batch_alter_table("contact_known_addresses", schema=None) as batch_op:
        batch_op.create_index("ix_contact_known_addresses_email", ["email"], unique=False)


def downgrade():
    with op.batch_alter_table("contact_known_addresses", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_known_addresses_email")
    op.drop_table("contact_known_addresses")
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_messages_event_id")
        batch_op.drop_index("ix_inbox_messages_invitation_id")
        batch_op.drop_index("ix_inbox_messages_status")
    op.drop_table("inbox_messages")
