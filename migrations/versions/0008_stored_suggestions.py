"""stored suggestions: the visit plan's ranked suggestions for this year and the next, kept by a scheduled job

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 10:15:00.000000

Ranking every active company takes a few hundred milliseconds at 100,000 companies; the job that counts the
register ranks them too, and the plan pages read the stored ranking. A new table only: `companies` is not
recreated, so the search triggers of 0006 are untouched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('politician_view', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.String(length=200), nullable=False),
    sa.Column('last_visit_year', sa.Integer(), nullable=True),
    sa.Column('division', sa.String(length=2), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_stored_suggestions_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_suggestions')),
    sa.UniqueConstraint('year', 'politician_view', 'rank', name='uq_stored_suggestions_year_view_rank')
    )
    with op.batch_alter_table('stored_suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_stored_suggestions_company_id', ['company_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stored_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_suggestions_company_id')

    op.drop_table('stored_suggestions')
