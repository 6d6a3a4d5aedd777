"""initial schema: places, categories, tags, entries, revisions

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 21:08:23.206298

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    op.create_table('counties',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_counties')),
    sa.UniqueConstraint('name', name=op.f('uq_counties_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_counties_slug'))
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'changes_requested', 'published', 'rejected', 'archived', name='entry_state', native_enum=False, length=32), nullable=False),
    sa.Column('owner_county_code', sa.String(length=2), nullable=True),
    sa.Column('published_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['owner_county_code'], ['counties.code'], name=op.f('fk_entries_owner_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries')),
    sa.UniqueConstraint('slug', name=op.f('uq_entries_slug'))
    )
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entries_owner_county_code'), ['owner_county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_entries_state'), ['state'], unique=False)

    op.create_table('municipalities',
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('county_code', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_municipalities_county_code_counties')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipalities')),
    sa.UniqueConstraint('name', name=op.f('uq_municipalities_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_municipalities_slug'))
    )
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipalities_county_code'), ['county_code'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('practice_status', sa.Enum('planerad', 'pågående', 'avslutad', 'okänd', name='practice_status', native_enum=False, length=32), nullable=False),
    sa.Column('source_title', sa.String(length=300), nullable=False),
    sa.Column('source_published', sa.String(length=20), nullable=False),
    sa.Column('source_sections', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_revisions_category_id_categories')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_revisions_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('entry_id', 'number', name='uq_revisions_entry_number')
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_entry_id'), ['entry_id'], unique=False)

    # entries <-> revisions reference each other: the second key is added once both exist.
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_entries_published_revision_id_revisions'), 'revisions',
            ['published_revision_id'], ['id'], ondelete='SET NULL',
        )

    op.create_table('revision_counties',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_revision_counties_county_code_counties')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_revision_counties_revision_id_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('revision_id', 'county_code', name=op.f('pk_revision_counties'))
    )
    op.create_table('revision_municipalities',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('municipality_code', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_revision_municipalities_municipality_code_municipalities')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_revision_municipalities_revision_id_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('revision_id', 'municipality_code', name=op.f('pk_revision_municipalities'))
    )
    op.create_table('revision_tags',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_revision_tags_revision_id_revisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_revision_tags_tag_id_tags')),
    sa.PrimaryKeyConstraint('revision_id', 'tag_id', name=op.f('pk_revision_tags'))
    )


def downgrade():
    op.drop_table('revision_tags')
    op.drop_table('revision_municipalities')
    op.drop_table('revision_counties')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_entry_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_category_id'))

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entries_published_revision_id_revisions'), type_='foreignkey')
    op.drop_table('revisions')
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipalities_county_code'))

    op.drop_table('municipalities')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entries_state'))
        batch_op.drop_index(batch_op.f('ix_entries_owner_county_code'))

    op.drop_table('entries')
    op.drop_table('tags')
    op.drop_table('counties')
    op.drop_table('categories')
