"""index change log: what the search index must apply, written with each change

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('index_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_index_log_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_log'))
    )
    with op.batch_alter_table('index_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_log_entry_id'), ['entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('index_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_log_entry_id'))
    op.drop_table('index_log')
