"""review items: the note or the answer they were closed with

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answer_outbox_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_review_items_answer_outbox_id', 'outbox', ['answer_outbox_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_review_items_answer_outbox_id', type_='foreignkey')
        batch_op.drop_column('answer_outbox_id')
        batch_op.drop_column('resolution_note')
