"""open registration: an event's public registration page, its sign-ups and the attempts counted per address

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 17:00:00.000000

`registration_pages` holds an event's public page (slug, open or not); `registrations` the sign-ups, pending
until confirmed by the link in their mail (then tied to an invitation); `registration_attempts` one row per
submission by client address, for the rate limit.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "registration_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_registration_pages_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_pages")),
        sa.UniqueConstraint("event_id", name=op.f("uq_registration_pages_event_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_registration_pages_slug")),
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("org_number", sa.String(length=11), nullable=False),
        sa.Column("dietary", sa.String(length=200), nullable=False),
        sa.Column("dietary_other", sa.Text(), nullable=False),
        sa.Column("confirm_key", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_registrations_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"],
                                name=op.f("fk_registrations_invitation_id_invitations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_registrations_company_id_companies"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_id"], ["contact_persons.id"],
                                name=op.f("fk_registrations_contact_id_contact_persons"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("confirm_key", name=op.f("uq_registrations_confirm_key")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index("ix_registrations_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_registrations_created_at", ["created_at"], unique=False)
    op.create_table(
        "registration_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_attempts")),
    )
    with op.batch_alter_table("registration_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_registration_attempts_address_at", ["address", "attempted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("registration_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_attempts_address_at")
    op.drop_table("registration_attempts")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_created_at")
        batch_op.drop_index("ix_registrations_event_id")
    op.drop_table("registrations")
    op.drop_table("registration_pages")
