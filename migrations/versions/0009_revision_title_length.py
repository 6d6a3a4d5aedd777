"""revision title length from kb/fields.py LIMITS

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 02:20:00

revisions.title was VARCHAR(200) while every form and the content loader allow at most
150 characters (kb/fields.py LIMITS["title"]). The upgrade first checks that no stored
title is longer, and stops naming the entries that are, so nothing is cut silently.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_TITLE = 200
NEW_TITLE = 150  # kb/fields.py LIMITS["title"] when this migration was written; a migration must not follow later edits


def upgrade():
    too_long = op.get_bind().execute(sa.text(
        "SELECT e.slug, r.number, length(r.title) FROM revisions r JOIN entries e ON e.id = r.entry_id "
        "WHERE length(r.title) > :limit ORDER BY e.slug, r.number"
    ), {"limit": NEW_TITLE}).fetchall()
    if too_long:
        listed = "; ".join(f"{slug} (version {number}, {length} tecken)" for slug, number, length in too_long[:20])
        more = f" och {len(too_long) - 20} till" if len(too_long) > 20 else ""
        raise RuntimeError(
            f"Kan inte korta revisions.title till {NEW_TITLE} tecken: {len(too_long)} rubriker är längre: {listed}{more}. "
            f"Korta rubrikerna (högst {NEW_TITLE} tecken) och kör uppgraderingen igen."
        )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(length=OLD_TITLE), type_=sa.String(length=NEW_TITLE),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(length=NEW_TITLE), type_=sa.String(length=OLD_TITLE),
                              existing_nullable=False)
