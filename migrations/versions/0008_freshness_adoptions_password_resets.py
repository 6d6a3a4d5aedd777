"""freshness adoptions password resets

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-28 12:47:17.006406

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_resets_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('adoptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('municipality_code', sa.String(length=4), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('adopter_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adopter_entry_id'], ['entries.id'], name=op.f('fk_adoptions_adopter_entry_id_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_adoptions_created_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_adoptions_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_adoptions_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adoptions')),
    sa.UniqueConstraint('entry_id', 'municipality_code', name='uq_adoptions_entry_municipality')
    )
    with op.batch_alter_table('adoptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adoptions_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adoptions_municipality_code'), ['municipality_code'], unique=False)

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_county_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('verified_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_entries_verified_at'), ['verified_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_entries_verified_county_code_counties'), 'counties', ['verified_county_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_entries_verified_by_id_users'), 'users', ['verified_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entries_verified_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_entries_verified_county_code_counties'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_entries_verified_at'))
        batch_op.drop_column('verified_note')
        batch_op.drop_column('verified_county_code')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')

    with op.batch_alter_table('adoptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adoptions_municipality_code'))
        batch_op.drop_index(batch_op.f('ix_adoptions_entry_id'))

    op.drop_table('adoptions')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
