"""content file hashes: what each load took from each file (three-way load rule)

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Existing databases get no rows here: the first load after this migration records
    # each file's hash (see kb/loader.py, "first load after the migration").
    op.create_table('content_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('synonym_set_id', sa.Integer(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_content_files_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_content_files_revision_id_revisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['synonym_set_id'], ['synonym_sets.id'], name=op.f('fk_content_files_synonym_set_id_synonym_sets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_files')),
    sa.UniqueConstraint('path', name=op.f('uq_content_files_path'))
    )
    with op.batch_alter_table('content_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_files_entry_id'), ['entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_files_entry_id'))
    op.drop_table('content_files')
