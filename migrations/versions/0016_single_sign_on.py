"""single sign-on: identities at the IdP, the group-to-role table, the settings saved by an admin

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:30:00.000000

`sso_identities` keys a user on (issuer, subject) at the identity provider (for Entra ID `entra:<tid>` and
the oid); `sso_role_mappings` maps an IdP group or app role value to one of the four roles; `sso_settings`
holds what the admin page saved (the client secret and the SP private key encrypted).
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROLES = sa.Enum("admin", "staff", "organizer", "politician", name="role", native_enum=False, length=20)


def upgrade():
    op.create_table(
        "sso_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=10), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sso_identities_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("issuer", "subject", name="uq_sso_identities_issuer_subject"),
    )
    with op.batch_alter_table("sso_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_identities_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sso_role_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_value", sa.String(length=500), nullable=False),
        sa.Column("role", ROLES, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_role_mappings")),
        sa.UniqueConstraint("group_value", name=op.f("uq_sso_role_mappings_group_value")),
    )
    op.create_table(
        "sso_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("oidc_issuer", sa.String(length=500), nullable=False),
        sa.Column("oidc_client_id", sa.String(length=200), nullable=False),
        sa.Column("oidc_client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("oidc_tenant_id", sa.String(length=100), nullable=False),
        sa.Column("saml_idp_entity_id", sa.String(length=500), nullable=False),
        sa.Column("saml_idp_sso_url", sa.String(length=500), nullable=False),
        sa.Column("saml_idp_certificate", sa.Text(), nullable=False),
        sa.Column("saml_sp_certificate", sa.Text(), nullable=False),
        sa.Column("saml_sp_private_key_encrypted", sa.Text(), nullable=False),
        sa.Column("saml_groups_attribute", sa.String(length=200), nullable=False),
        sa.Column("break_glass_email", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_settings")),
    )


def downgrade():
    op.drop_table("sso_settings")
    op.drop_table("sso_role_mappings")
    with op.batch_alter_table("sso_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_identities_user_id"))
    op.drop_table("sso_identities")
