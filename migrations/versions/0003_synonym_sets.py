"""synonym table versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:41:45.710944

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('synonym_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_synonym_sets_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_sets'))
    )

def downgrade():
    op.drop_table('synonym_sets')
