"""privacy and retention: registerutdrag requests, the editable texts, the gallring plan, its proposals and log

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 18:30:00.000000

`access_requests` registers requests for a registerutdrag (received, identity checked how, delivered);
`privacy_texts` the texts an admin changed from their defaults; `retention_rules` the gallring plan,
`retention_proposals` and `retention_items` what the nightly job proposes row by row until an admin approves,
`retention_log` the gallringslogg (no personal data). Contact persons get the objection's date, scope and
note (an existing objection becomes one of scope "utskick"), and companies and contact persons the import
that created them, a "bevaras" mark, and for contact persons the time of an erasure.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_texts',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_privacy_texts'))
    )
    op.create_table('retention_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_log'))
    )
    with op.batch_alter_table('retention_log', schema=None) as batch_op:
        batch_op.create_index('ix_retention_log_at', ['at'], unique=False)

    op.create_table('retention_rules',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('keep', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_retention_rules'))
    )
    op.create_table('retention_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'approved', 'done', 'superseded', name='proposalstatus', native_enum=False, length=12), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_retention_proposals_approved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_proposals'))
    )
    op.create_table('retention_items',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['retention_proposals.id'], name=op.f('fk_retention_items_proposal_id_retention_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'kind', 'record_id', name=op.f('pk_retention_items'))
    )
    op.create_table('access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('identity_check', sa.Enum('e-legitimation', 'id-handling', 'kand-adress', 'annat', name='identitycheck', native_enum=False, length=20), nullable=False),
    sa.Column('identity_note', sa.String(length=300), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('delivered_how', sa.Enum('sakert-mejl', 'digital-brevlada', 'brev', 'pa-plats', name='deliveryway', native_enum=False, length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_access_requests_company_id_companies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact_persons.id'], name=op.f('fk_access_requests_contact_id_contact_persons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_access_requests_handled_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_requests'))
    )
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_requests_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_requests_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_access_requests_open', ['delivered_on', 'received_on'], unique=False)

    # Plain ADD COLUMN on both databases: a batch recreate of `companies` or `contact_persons` would drop
    # 0006's search triggers. `import_job_id` has no foreign key for the same reason (import jobs are kept).
    for table in ("companies", "contact_persons"):
        op.add_column(table, sa.Column("preserved", sa.Boolean(), server_default=sa.false(), nullable=False))
        op.add_column(table, sa.Column("import_job_id", sa.Integer(), nullable=True))
    op.add_column("contact_persons", sa.Column("objection_on", sa.Date(), nullable=True))
    op.add_column("contact_persons", sa.Column("objection_scope", sa.Enum("utskick", "behandling", name="objectionscope",
                                                                          native_enum=False, length=20), nullable=True))
    op.add_column("contact_persons", sa.Column("objection_note", sa.Text(), server_default="", nullable=False))
    op.add_column("contact_persons", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE contact_persons SET objection_scope = 'utskick' WHERE objection")


def downgrade():
    for name in ("erased_at", "objection_note", "objection_scope", "objection_on"):
        op.execute(f"ALTER TABLE contact_persons DROP COLUMN {name}")  # SQLite 3.35+, no table recreate
    for table in ("contact_persons", "companies"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN import_job_id")
        op.execute(f"ALTER TABLE {table} DROP COLUMN preserved")

    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_access_requests_open')
        batch_op.drop_index(batch_op.f('ix_access_requests_contact_id'))
        batch_op.drop_index(batch_op.f('ix_access_requests_company_id'))

    op.drop_table('access_requests')
    op.drop_table('retention_items')
    op.drop_table('retention_proposals')
    op.drop_table('retention_rules')
    with op.batch_alter_table('retention_log', schema=None) as batch_op:
        batch_op.drop_index('ix_retention_log_at')

    op.drop_table('retention_log')
    op.drop_table('privacy_texts')
